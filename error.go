package roster

import (
	"errors"
	"fmt"
)

// Code is a stable, documented, machine-readable error code. Clients match on it; the message
// next to it is for people and may change.
type Code string

// Error codes. Each transport maps them to its own status once (REST, SCIM, console, CLI).
const (
	CodeInvalid                  Code = "invalid"
	CodeNotFound                 Code = "not_found"
	CodeUnauthorized             Code = "unauthorized"
	CodeForbidden                Code = "forbidden"
	CodeConflict                 Code = "conflict"
	CodeEmailExists              Code = "email_exists"
	CodeEmailInOtherOrg          Code = "email_in_other_org"
	CodeNoSeatsAvailable         Code = "no_seats_available"
	CodeRoleRequiresPremium      Code = "role_requires_premium"
	CodeAdminRoleOnCreate        Code = "admin_role_on_create"
	CodeSupervisorAdminExclusive Code = "supervisor_admin_exclusive"
	CodeBatchTooLarge            Code = "batch_too_large"
	CodeDuplicateEmail           Code = "duplicate_email"
	CodePreconditionFailed       Code = "precondition_failed"
	CodePreconditionRequired     Code = "precondition_required"
	CodeImportInProgress         Code = "import_in_progress"
	CodeFileTooLarge             Code = "file_too_large"
	CodeNameExists               Code = "name_exists"
	CodeInUse                    Code = "in_use"
	CodeLicenseInherited         Code = "license_inherited"
	CodeProfileMismatch          Code = "profile_mismatch"
	CodeProfileResetUnconfirmed  Code = "profile_reset_unconfirmed"
	CodeTemplateOff              Code = "template_off"
	CodeTooManyAttempts          Code = "too_many_attempts"
	// CodeVersionConflict: a record changed between the moment a write read it and the
	// moment it saved it (a concurrent write won). Unlike CodePreconditionFailed, the caller
	// sent no version of its own; reading again and retrying is safe.
	CodeVersionConflict Code = "version_conflict"
	// CodeInvalidCharacters is the code of a field error: the text holds a character that
	// hides itself or changes how the text around it reads (a zero-width space, a
	// right-to-left override), or, in an email address, a compatibility form (a full-width
	// letter) that would make it look like another address.
	CodeInvalidCharacters Code = "invalid_characters"
	// CodeInvalidCursor refuses a page cursor that no list gave out.
	CodeInvalidCursor Code = "invalid_cursor"
	CodeInternal      Code = "internal"
)

// Codes of what a spreadsheet did to a cell of an imported file (docs/decisions.md). Rows of an
// import report them, as warnings or as the error of a row whose email is damaged; no request
// answers with them on its own.
const (
	// CodeLostCharacters: a cell of a file saved in a legacy code page holds "?" where the code
	// page had no letter; the stored value is kept.
	CodeLostCharacters Code = "csv_lost_characters"
	// CodePhoneLostPlus: a phone number lost its leading "+"; the stored number is kept.
	CodePhoneLostPlus Code = "csv_phone_lost_plus"
	// CodePhoneScientific: a phone number was turned into scientific notation (4.67012E+10) and
	// lost digits; the stored number is kept.
	CodePhoneScientific Code = "csv_phone_scientific"
)

// Codes lists every code of the domain, so that each transport can prove it maps them all.
var Codes = []Code{
	CodeInvalid, CodeNotFound, CodeUnauthorized, CodeForbidden, CodeConflict, CodeEmailExists,
	CodeEmailInOtherOrg, CodeNoSeatsAvailable, CodeRoleRequiresPremium, CodeAdminRoleOnCreate,
	CodeSupervisorAdminExclusive, CodeBatchTooLarge, CodeDuplicateEmail, CodePreconditionFailed, CodePreconditionRequired,
	CodeVersionConflict,
	CodeImportInProgress, CodeFileTooLarge, CodeNameExists, CodeInUse, CodeLicenseInherited,
	CodeProfileMismatch, CodeProfileResetUnconfirmed, CodeTemplateOff, CodeTooManyAttempts, CodeInvalidCharacters, CodeInvalidCursor,
	CodeInternal, CodeLostCharacters, CodePhoneLostPlus, CodePhoneScientific,
}

// Error is the one error type of the domain: a code, a message safe to show to the caller,
// optional errors per field, and the wrapped cause (never shown to clients).
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
	// Params are the values the message speaks of (a limit, a license, a count), by name, so
	// that each language can say the same thing in its own words.
	Params map[string]any
	Err    error
}

// With returns e with the parameter name set to v.
func (e *Error) With(name string, v any) *Error {
	if e.Params == nil {
		e.Params = map[string]any{}
	}
	e.Params[name] = v
	return e
}

// FieldError says what is wrong with one field of the input.
type FieldError struct {
	Field   string `json:"field"`
	Code    Code   `json:"code"`
	Message string `json:"message"`
}

// Errorf returns an *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// InvalidFields returns an `invalid` error listing the field errors.
func InvalidFields(fields ...FieldError) *Error {
	msg := "The input is not valid."
	if len(fields) == 1 {
		msg = fields[0].Message
	}
	return &Error{Code: CodeInvalid, Message: msg, Fields: fields}
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// ErrorCode returns the code of err: "" for nil, the code of a wrapped *Error, and
// CodeInternal for anything else.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage returns the message of err that is safe to show to a client. Internal errors
// never leak their text.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != CodeInternal {
		return e.Message
	}
	return "An internal error occurred."
}

// ErrorParams returns the parameters of err's message, if any.
func ErrorParams(err error) map[string]any {
	var e *Error
	if errors.As(err, &e) {
		return e.Params
	}
	return nil
}

// ErrorFields returns the field errors of err, if any.
func ErrorFields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
