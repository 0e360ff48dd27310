package scim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"roster"
	"roster/internal/provision"
)

// scimType values of RFC 7644 §3.12.
const (
	typeInvalidFilter = "invalidFilter"
	typeTooMany       = "tooMany"
	typeUniqueness    = "uniqueness"
	typeMutability    = "mutability"
	typeInvalidSyntax = "invalidSyntax"
	typeInvalidPath   = "invalidPath"
	typeNoTarget      = "noTarget"
	typeInvalidValue  = "invalidValue"
)

// Error is an error of the SCIM transport itself: a request SCIM cannot read.
type Error struct {
	Status   int
	SCIMType string
	Detail   string
}

func (e *Error) Error() string { return e.Detail }

func errorf(status int, scimType, format string, args ...any) *Error {
	return &Error{Status: status, SCIMType: scimType, Detail: fmt.Sprintf(format, args...)}
}

// errorBody is the SCIM error response (RFC 7644 §3.12).
type errorBody struct {
	Schemas  []string `json:"schemas"`
	Status   string   `json:"status"`
	SCIMType string   `json:"scimType,omitempty"`
	Detail   string   `json:"detail"`
}

// domainErrors maps every code of the application layer to a status and scimType. It is the
// one place where codes become SCIM errors; a code missing here is answered as an internal
// error.
var domainErrors = map[roster.Code]Error{
	roster.CodeInvalid:                  {Status: 400, SCIMType: typeInvalidValue},
	roster.CodeInvalidCharacters:        {Status: 400, SCIMType: typeInvalidValue},
	roster.CodeInvalidCursor:            {Status: 400, SCIMType: typeInvalidValue},
	roster.CodeDuplicateEmail:           {Status: 400, SCIMType: typeInvalidValue},
	roster.CodeBatchTooLarge:            {Status: 400, SCIMType: typeTooMany},
	roster.CodeRoleRequiresPremium:      {Status: 400, SCIMType: typeInvalidValue},
	roster.CodeAdminRoleOnCreate:        {Status: 400, SCIMType: typeInvalidValue},
	roster.CodeSupervisorAdminExclusive: {Status: 400, SCIMType: typeInvalidValue},
	roster.CodeProfileMismatch:          {Status: 400, SCIMType: typeInvalidValue},
	roster.CodeLicenseInherited:         {Status: 400, SCIMType: typeInvalidValue},
	roster.CodeUnauthorized:             {Status: 401},
	roster.CodeForbidden:                {Status: 403},
	roster.CodeNotFound:                 {Status: 404},
	roster.CodeEmailExists:              {Status: 409, SCIMType: typeUniqueness},
	roster.CodeEmailInOtherOrg:          {Status: 409, SCIMType: typeUniqueness},
	roster.CodeNameExists:               {Status: 409, SCIMType: typeUniqueness},
	// No seat is a conflict with the organization's state, not a fault of the request: the
	// same request succeeds once a seat is free.
	roster.CodeNoSeatsAvailable: {Status: 409},
	roster.CodeConflict:         {Status: 409},
	// Another change to the same row committed first: the client reads it again and retries.
	roster.CodeVersionConflict:         {Status: 409},
	roster.CodeInUse:                   {Status: 409},
	roster.CodeImportInProgress:        {Status: 409},
	roster.CodeTemplateOff:             {Status: 409},
	roster.CodePreconditionFailed:      {Status: 412},
	roster.CodePreconditionRequired:    {Status: 412},
	roster.CodeTooManyAttempts:         {Status: 429},
	roster.CodeProfileResetUnconfirmed: {Status: 409},
	roster.CodeFileTooLarge:            {Status: 413, SCIMType: typeTooMany},
	roster.CodeInternal:                {Status: 500},
	// Never the answer to a request: rows of an import's report carry them.
	roster.CodeLostCharacters:  {Status: 400, SCIMType: typeInvalidValue},
	roster.CodePhoneLostPlus:   {Status: 400, SCIMType: typeInvalidValue},
	roster.CodePhoneScientific: {Status: 400, SCIMType: typeInvalidValue},
}

// toSCIM returns the SCIM error of err; ok is false for internal errors.
func toSCIM(err error) (e Error, ok bool) {
	var own *Error
	if errors.As(err, &own) {
		return *own, true
	}
	code := roster.ErrorCode(err)
	e, ok = domainErrors[code]
	if !ok || code == roster.CodeInternal {
		return Error{Status: 500, Detail: "An internal error occurred."}, false
	}
	e.Detail = roster.ErrorMessage(err)
	if fields := roster.ErrorFields(err); len(fields) > 0 {
		msgs := make([]string, 0, len(fields))
		for _, f := range fields {
			msgs = append(msgs, f.Message)
		}
		e.Detail = strings.Join(msgs, " ")
	}
	return e, true
}

// writeError answers err as a SCIM error. Internal errors are logged once with the request id
// and shown only as "An internal error occurred.".
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e, ok := toSCIM(err)
	reqID := r.Header.Get("X-Request-Id")
	if !ok {
		attrs := []any{"requestId", reqID, "method", r.Method, "path", provision.RedactLinks(r.URL.Path), "err", err}
		if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
			s.log.InfoContext(r.Context(), "request canceled", attrs...)
		} else {
			s.log.ErrorContext(r.Context(), "internal error", attrs...)
		}
		if reqID != "" {
			e.Detail += " Request id: " + reqID + "."
		}
	}
	if e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="roster"`)
	}
	writeJSON(w, e.Status, errorBody{Schemas: []string{URNError}, Status: strconv.Itoa(e.Status), SCIMType: e.SCIMType, Detail: e.Detail})
}
