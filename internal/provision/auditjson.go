package provision

import (
	"encoding/json"
	"unicode/utf8"

	"roster"
)

// userJSON is json.Marshal(userFields(u)), byte for byte, without the map: the bulk create
// records every new user, and marshaling a map sorts its keys and allocates for each value.
// The keys are written in the sorted order json.Marshal uses for maps.
func userJSON(u *roster.User) json.RawMessage {
	b := make([]byte, 0, 256)
	b = append(b, `{"adminRole":`...)
	b = appendJSONString(b, string(u.AdminRole))
	b = append(b, `,"ccRole":`...)
	b = appendJSONString(b, string(u.CCRole))
	b = append(b, `,"department":`...)
	b = appendJSONString(b, u.Department)
	b = append(b, `,"directLicense":`...)
	b = appendJSONString(b, string(u.DirectLicense.License))
	b = append(b, `,"displayName":`...)
	b = appendJSONString(b, u.DisplayName)
	b = append(b, `,"email":`...)
	b = appendJSONString(b, u.Email)
	b = append(b, `,"firstName":`...)
	b = appendJSONString(b, u.FirstName)
	b = append(b, `,"groupLicense":`...)
	b = appendJSONString(b, string(u.GroupLicense))
	b = append(b, `,"lastName":`...)
	b = appendJSONString(b, u.LastName)
	b = append(b, `,"license":`...)
	b = appendJSONString(b, string(u.License))
	b = append(b, `,"phoneNumber":`...)
	b = appendJSONString(b, u.PhoneNumber)
	b = append(b, `,"preferredLanguage":`...)
	b = appendJSONString(b, string(u.PreferredLanguage))
	b = append(b, `,"status":`...)
	b = appendJSONString(b, string(u.Status))
	b = append(b, `,"templateLicense":`...)
	b = appendJSONString(b, string(u.TemplateLicense.License))
	b = append(b, `,"title":`...)
	b = appendJSONString(b, u.Title)
	b = append(b, `,"userProfile":`...)
	b = appendJSONString(b, u.UserProfileID)
	b = append(b, `,"waitingLicense":`...)
	b = appendJSONString(b, string(u.WaitingLicense.License))
	return append(b, '}')
}

// appendJSONString appends s as json.Marshal writes it. Printable ASCII other than the
// characters json.Marshal escapes, and valid UTF-8 other than U+2028 and U+2029, are copied;
// any other string goes through json.Marshal, so the output stays identical.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return appendJSONSlow(b, s)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			return appendJSONSlow(b, s)
		}
		i += size
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

func appendJSONSlow(b []byte, s string) []byte {
	q, err := json.Marshal(s)
	if err != nil {
		panic("provision: audit value: " + err.Error())
	}
	return append(b, q...)
}
