package provision

import (
	"net/mail"
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

// validateEmail checks a normalized email address and returns a field error, or nil.
func validateEmail(field, email string) *roster.FieldError {
	bad := func(msg string) *roster.FieldError {
		return &roster.FieldError{Field: field, Code: roster.CodeInvalid, Message: msg}
	}
	if email == "" {
		return bad("The email address is required.")
	}
	if len(email) > maxEmailLen {
		return bad("The email address is longer than 254 characters.")
	}
	at := strings.LastIndexByte(email, '@')
	if at <= 0 || at == len(email)-1 {
		return bad("The email address must look like name@example.com.")
	}
	local, domain := email[:at], email[at+1:]
	if len(local) > maxLocalLen {
		return bad("The part of the email address before @ is longer than 64 characters.")
	}
	// net/mail accepts display names and comments; an address must be only the address.
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || a.Name != "" {
		return bad("The email address must look like name@example.com.")
	}
	if !validDomain(domain) {
		return bad("The domain of the email address is not valid.")
	}
	return nil
}

// validDomain accepts a DNS name with at least two labels of letters, digits and hyphens
// (Unicode letters allowed for internationalized domains).
func validDomain(d string) bool {
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if r != '-' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
				return false
			}
		}
	}
	return true
}

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

// validateText checks a free-text field: valid UTF-8, no control characters, bounded length.
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
	return nil
}

// validateProfile checks every user field that is not a rule between fields.
func validateProfile(u *roster.User) error {
	var errs []roster.FieldError
	add := func(fe *roster.FieldError) {
		if fe != nil {
			errs = append(errs, *fe)
		}
	}
	add(validateEmail("email", u.Email))
	add(validateText("firstName", "The first name", u.FirstName, maxNameLen))
	add(validateText("lastName", "The last name", u.LastName, maxNameLen))
	add(validateText("displayName", "The display name", u.DisplayName, maxTextLen))
	add(validateText("title", "The title", u.Title, maxTextLen))
	add(validateText("department", "The department", u.Department, maxTextLen))
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
