package provision

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"roster"
)

// Lengths of free-text fields, in characters. They follow what directories commonly allow and
// keep rows and CSV cells bounded.
const (
	maxNameLen  = 64
	maxTextLen  = 128
	maxEmailLen = 254 // RFC 5321 path limit
	maxLocalLen = 64  // RFC 5321 local-part limit
)

// validatePhone checks an E.164 number: a leading +, then 2 to 15 digits, the first not 0.
func validatePhone(field, phone string) *roster.FieldError {
	if phone == "" {
		return nil
	}
	digits, ok := strings.CutPrefix(phone, "+")
	valid := ok && len(digits) >= 2 && len(digits) <= 15 && digits[0] != '0'
	for _, r := range digits {
		valid = valid && r >= '0' && r <= '9'
	}
	if valid {
		return nil
	}
	msg := "The phone number must be in E.164 form: a + followed by the country code and number, digits only, for example +46701234567."
	if phoneLostPlus(phone) {
		msg = "The phone number has no leading +: it must be in E.164 form, for example +46701234567. A spreadsheet may have removed the +."
	}
	return &roster.FieldError{Field: field, Code: roster.CodeInvalid, Message: msg}
}

// phoneLostPlus reports whether phone is digits only, as a spreadsheet leaves an E.164 number
// after taking it for a number and dropping its "+".
func phoneLostPlus(phone string) bool {
	return phone != "" && strings.Trim(phone, "0123456789") == ""
}

// validateText checks a free-text field: valid UTF-8, no control characters, no character
// that hides itself or reorders the text (see hiddenInName), bounded length.
func validateText(field, label, s string, max int) *roster.FieldError {
	bad := func(msg string) *roster.FieldError {
		return &roster.FieldError{Field: field, Code: roster.CodeInvalid, Message: msg}
	}
	if !utf8.ValidString(s) {
		return bad(label + " is not valid text.")
	}
	if utf8.RuneCountInString(s) > max {
		return bad(label + " is longer than " + strconv.Itoa(max) + " characters.")
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return bad(label + " contains a control character (such as a line break or tab).")
		}
	}
	if s != strings.TrimSpace(s) {
		return bad(label + " starts or ends with a space.")
	}
	if r, found := hiddenInName(s); found {
		return &roster.FieldError{Field: field, Code: roster.CodeInvalidCharacters,
			Message: fmt.Sprintf("%s contains an invisible or formatting character (U+%04X); remove it.", label, r)}
	}
	return nil
}

// validateProfile checks every user field of u that is not a rule between fields. before is
// the user as stored (nil when creating): a text field it already holds is not checked again,
// so that a user stored before a rule was added (an address whose domain was stored in its
// xn-- form, a name with a character now refused) can still be changed in other ways, by an
// administrator or by the contact-center sync.
func validateProfile(before, u *roster.User) error {
	var errs []roster.FieldError
	add := func(fe *roster.FieldError) {
		if fe != nil {
			errs = append(errs, *fe)
		}
	}
	changed := func(get func(*roster.User) string) bool { return before == nil || get(before) != get(u) }
	if changed(func(u *roster.User) string { return u.Email }) {
		add(validateEmail("email", u.Email))
	}
	texts := []struct {
		field, label string
		get          func(*roster.User) string
		max          int
	}{
		{"firstName", "The first name", func(u *roster.User) string { return u.FirstName }, maxNameLen},
		{"lastName", "The last name", func(u *roster.User) string { return u.LastName }, maxNameLen},
		{"displayName", "The display name", func(u *roster.User) string { return u.DisplayName }, maxTextLen},
		{"title", "The title", func(u *roster.User) string { return u.Title }, maxTextLen},
		{"department", "The department", func(u *roster.User) string { return u.Department }, maxTextLen},
	}
	for _, t := range texts {
		if changed(t.get) {
			add(validateText(t.field, t.label, t.get(u), t.max))
		}
	}
	add(validatePhone("phoneNumber", u.PhoneNumber))
	if u.PreferredLanguage != "" && !u.PreferredLanguage.Valid() {
		add(enumError("preferredLanguage", string(u.PreferredLanguage), "en, sv, nl, es, pl"))
	}
	if !u.License.Valid() {
		add(enumError("license", string(u.License), "none, standard, premium"))
	}
	if !u.CCRole.Valid() {
		add(enumError("ccRole", string(u.CCRole), "agent, supervisor"))
	}
	if !u.AdminRole.Valid() {
		add(enumError("adminRole", string(u.AdminRole), "none, full, cc_service, read_only"))
	}
	if len(errs) > 0 {
		return roster.InvalidFields(errs...)
	}
	return nil
}

func enumError(field, got, want string) *roster.FieldError {
	return &roster.FieldError{Field: field, Code: roster.CodeInvalid,
		Message: "Unknown value " + quote(got) + " for " + field + "; use one of: " + want + "."}
}

func quote(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return `"` + strings.ToValidUTF8(s, "?") + `"`
}

// CheckPageSize is the rule of the page size of every list, for every entry point: 0 asks
// for the default page size (roster.DefaultPageSize); any other size is a whole number from 1
// to roster.MaxPageSize. A transport that reads a size that is not a whole number, or an
// explicit 0, passes -1.
func CheckPageSize(limit int) error {
	if fe := pageSizeError(limit); fe != nil {
		return roster.InvalidFields(*fe)
	}
	return nil
}

func pageSizeError(limit int) *roster.FieldError {
	if limit < 0 || limit > roster.MaxPageSize {
		return &roster.FieldError{Field: "limit", Code: roster.CodeInvalid,
			Message: fmt.Sprintf("The page size must be a whole number between 1 and %d.", roster.MaxPageSize)}
	}
	return nil
}
