package provision

import (
	"context"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/norm"

	"roster"
)

// An email address is a person's identity across the whole installation, so two addresses
// that look the same must be the same address, or be refused. NormalizeEmail makes the
// spellings of one address equal (case, Unicode composition, the domain's IDNA forms);
// validateEmail refuses what would still look like another address (invisible characters,
// compatibility forms such as full-width letters). docs/adr/0006-idna-email-domains.md says
// why the domain is kept in its Unicode form.

// emailDomains maps a domain to its one stored form: UTS #46 processing for lookup (full-width
// and upper-case letters mapped, NFC), checked as an internationalized domain name, written
// with Unicode labels (bücher.example, never xn--bcher-kva.example).
var emailDomains = idna.New(idna.MapForLookup(), idna.BidiRule(), idna.StrictDomainName(true), idna.Transitional(false))

// NormalizeEmail returns the one form of an email address that Roster stores, looks up and
// compares: trimmed, the local part in Unicode NFC and lower case, the domain in lower-case
// Unicode (IDNA). Every entry point that takes an address goes through it. It does not
// validate: an address it cannot map keeps a lower-cased domain, which validateEmail refuses.
func NormalizeEmail(s string) string {
	s = strings.TrimSpace(s)
	if lower := strings.ToLower(s); ascii(s) && !strings.Contains(lower, "xn--") {
		// Most addresses: NFC and the IDNA mapping of ASCII are lower-casing.
		return lower
	}
	s = norm.NFC.String(s)
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return strings.ToLower(s)
	}
	local, domain := strings.ToLower(s[:at]), s[at+1:]
	// Invisible characters would be dropped by the IDNA mapping: keep them, so that the address
	// is refused rather than silently made into another one.
	if strings.IndexFunc(domain, invisible) < 0 {
		if d, err := emailDomains.ToUnicode(domain); err == nil {
			return local + "@" + d
		}
	}
	return local + "@" + strings.ToLower(domain)
}

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
	if strings.IndexFunc(email, invisible) >= 0 {
		return &roster.FieldError{Field: field, Code: roster.CodeInvalidCharacters,
			Message: "The email address contains an invisible or formatting character (such as a zero-width space or a direction mark); type it again."}
	}
	at := strings.LastIndexByte(email, '@')
	if at <= 0 || at == len(email)-1 {
		return bad("The email address must look like name@example.com.")
	}
	local, domain := email[:at], email[at+1:]
	if len(local) > maxLocalLen {
		return bad("The part of the email address before @ is longer than 64 characters.")
	}
	// Full-width letters, ligatures, superscripts and the like would make a second address that
	// reads like the first one.
	if !norm.NFKC.IsNormalString(local) {
		return &roster.FieldError{Field: field, Code: roster.CodeInvalidCharacters,
			Message: "The part of the email address before @ contains a compatibility character (such as a full-width letter or a ligature); type it with ordinary letters."}
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

// validDomain accepts a domain in its normalized form (see NormalizeEmail) with at least two
// labels, each a valid internationalized label.
func validDomain(d string) bool {
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return false
		}
	}
	if ascii(d) && !strings.Contains(d, "xn--") {
		// Letters, digits and hyphens, no hyphen first or last: what IDNA asks of ASCII labels.
		for _, l := range labels {
			if l[0] == '-' || l[len(l)-1] == '-' || strings.Trim(l, "abcdefghijklmnopqrstuvwxyz0123456789-") != "" {
				return false
			}
		}
		return true
	}
	u, err := emailDomains.ToUnicode(d)
	return err == nil && u == d
}

func ascii(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// invisible reports whether r is a character that shows nothing or changes how its neighbors
// show: format characters (zero-width space and joiners, direction marks, embeddings,
// overrides and isolates, the byte order mark, tag characters), the other default-ignorable
// characters (Hangul fillers, the combining grapheme joiner), variation selectors, controls,
// private-use characters and noncharacters. An email address holds none of them.
func invisible(r rune) bool {
	return unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) ||
		unicode.Is(unicode.Variation_Selector, r) || unicode.IsControl(r) || unicode.Is(unicode.Co, r) ||
		noncharacter(r)
}

// noncharacter reports whether r is one of the 66 code points Unicode reserves for internal
// use: U+FDD0..U+FDEF and the last two of every plane.
func noncharacter(r rune) bool {
	return r >= 0xFDD0 && r <= 0xFDEF || r&0xFFFE == 0xFFFE
}

// hiddenInName returns the first character a name must not hold, and whether there is one.
// Names are shown in lists, exports and invitations, so a character that hides itself or
// reorders the text around it (a right-to-left override turning "exe.txt" into "txt.exe")
// is refused. Scripts keep what they need: the zero-width non-joiner and joiner between two
// letters (Persian, Indic scripts) and in emoji sequences, variation selectors after a
// character (emoji and ideographic variants), and Arabic number signs.
func hiddenInName(s string) (rune, bool) {
	runes := []rune(s)
	for i, r := range runes {
		switch {
		case r == '\u200c' || r == '\u200d':
			if i == 0 || i == len(runes)-1 || !joinable(runes[i-1]) || !joinable(runes[i+1]) {
				return r, true
			}
		case unicode.Is(unicode.Variation_Selector, r):
			if i == 0 || unicode.IsSpace(runes[i-1]) || unicode.Is(unicode.Variation_Selector, runes[i-1]) {
				return r, true
			}
		case unicode.Is(unicode.Prepended_Concatenation_Mark, r):
		case unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r) || noncharacter(r):
			return r, true
		}
	}
	return 0, false
}

// joinable reports whether a joiner next to r can have a visible effect: r is a letter or
// mark of a script that joins or forms conjuncts (Arabic, Devanagari ...), or a symbol (emoji
// sequences). In the scripts listed in nonJoining a joiner changes nothing but the bytes, so
// it can only make one name look like another.
func joinable(r rune) bool {
	if unicode.In(r, unicode.So, unicode.Sk) { // emoji, and their skin-tone modifiers
		return true
	}
	return unicode.In(r, unicode.L, unicode.M) && !unicode.In(r, nonJoining...)
}

var nonJoining = []*unicode.RangeTable{unicode.Latin, unicode.Greek, unicode.Cyrillic, unicode.Common,
	unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul}

// StoredEmail is a user whose stored address is not in the one form NormalizeEmail gives (it
// was stored before that form was decided: a domain in its xn-- form) or that holds a
// character now refused.
type StoredEmail struct {
	OrgID, UserID string
	Stored        string
	Normalized    string // "" when the address cannot be normalized: it needs a new one
	// Err says why the address was not rewritten: it is refused (invalid_characters), or the
	// normalized form belongs to another user (email_exists, email_in_other_org), so one
	// person has two users and an administrator must delete one. Nil when rewritten.
	Err error
}

// NormalizeStoredEmails finds the users whose stored address is not in its normalized form
// and, unless dryRun, rewrites each through the ordinary change of a user (checked and
// audited). An installation runs it once after an upgrade (roster admin normalize-emails):
// lookups normalize what they are given, so an address stored in another form is found by
// no lookup, and its normalized form could be given to a second user.
func (s *Service) NormalizeStoredEmails(ctx context.Context, a roster.Actor, dryRun bool) ([]StoredEmail, error) {
	if err := authorize(a, "", permSystem); err != nil {
		return nil, err
	}
	orgs, err := s.store.FindOrgs(ctx)
	if err != nil {
		return nil, err
	}
	var found []StoredEmail
	for _, org := range orgs {
		f := roster.UserFilter{OrgID: org.ID, Limit: roster.MaxPageSize}
		for {
			page, err := s.store.FindUsers(ctx, f)
			if err != nil {
				return nil, err
			}
			for _, u := range page.Users {
				if e, differs := storedEmail(u); differs {
					found = append(found, e)
				}
			}
			if page.Next == "" {
				break
			}
			f.After = page.Next
		}
	}
	if dryRun {
		return found, nil
	}
	for i, e := range found {
		if e.Err != nil {
			continue
		}
		_, found[i].Err = s.UpdateUser(ctx, a, e.OrgID, e.UserID, UserChange{Email: &e.Normalized}, 0)
	}
	return found, nil
}

// storedEmail reports whether u's stored address differs from its normalized form or is
// refused, and what to do about it.
func storedEmail(u *roster.User) (StoredEmail, bool) {
	e := StoredEmail{OrgID: u.OrgID, UserID: u.ID, Stored: u.Email, Normalized: NormalizeEmail(u.Email)}
	if fe := validateEmail("email", e.Normalized); fe != nil {
		e.Normalized, e.Err = "", roster.InvalidFields(*fe)
		return e, true
	}
	return e, e.Normalized != u.Email
}
