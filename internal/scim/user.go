package scim

import (
	"net/http"
	"strings"
	"time"

	"roster"
)

// userResource is how a Roster user is shown over SCIM: the core User, the enterprise
// extension (department) and Roster's extension (license, ccRole, and read-only facts).
// Unassigned attributes are left out, as RFC 7643 §2.5 asks.
func userResource(u *roster.User, base string) map[string]any {
	res := map[string]any{
		"schemas":  []any{URNUser, URNEnterpriseUser, URNRosterUser},
		"id":       u.ID,
		"userName": u.Email,
		"active":   u.Status != roster.StatusInactive,
		// Roster's identity is the email: userName and the work email are the same address.
		"emails": []any{map[string]any{"value": u.Email, "type": "work", "primary": true}},
	}
	name := map[string]any{}
	putString(name, "givenName", u.FirstName)
	putString(name, "familyName", u.LastName)
	putString(name, "formatted", strings.TrimSpace(u.FirstName+" "+u.LastName))
	if len(name) > 0 {
		res["name"] = name
	}
	putString(res, "displayName", u.DisplayName)
	putString(res, "title", u.Title)
	putString(res, "preferredLanguage", string(u.PreferredLanguage))
	if u.PhoneNumber != "" {
		res["phoneNumbers"] = []any{map[string]any{"value": u.PhoneNumber, "type": "work", "primary": true}}
	}
	ent := map[string]any{}
	putString(ent, "department", u.Department)
	res[URNEnterpriseUser] = ent
	res[URNRosterUser] = map[string]any{
		"license": string(u.License), "ccRole": string(u.CCRole),
		"status": string(u.Status), "profileType": string(u.ProfileType()), "syncStatus": string(u.SyncStatus),
	}
	res["meta"] = map[string]any{
		"resourceType": "User", "created": u.CreatedAt.UTC().Format(time.RFC3339Nano),
		"lastModified": u.UpdatedAt.UTC().Format(time.RFC3339Nano),
		"location":     base + "/Users/" + u.ID, "version": etag(u.Version),
	}
	return res
}

func putString(m map[string]any, key, v string) {
	if v != "" {
		m[key] = v
	}
}

// userInput is what a SCIM User resource says of the fields Roster keeps. Nil pointers are
// attributes the resource does not hold.
type userInput struct {
	Email       string
	FirstName   string
	LastName    string
	DisplayName string
	PhoneNumber string
	Title       string
	Department  string
	Language    roster.Language
	Active      *bool
	License     *roster.License
	CCRole      *roster.CCRole
}

// readUser reads the fields Roster keeps from a SCIM User resource. Attributes Roster does
// not keep (password, locale, addresses, groups, externalId, ...) are accepted and ignored,
// as identity providers send them whatever the server supports.
func readUser(res map[string]any) (*userInput, error) {
	var in userInput
	var err error
	str := func(v any, attr string) string {
		if err != nil || v == nil {
			return ""
		}
		s, ok := v.(string)
		if !ok {
			err = errorf(http.StatusBadRequest, typeInvalidValue, "%s must be a string.", attr)
		}
		return strings.TrimSpace(s)
	}
	in.Email = str(get(res, "userName"), "userName")
	if err == nil && in.Email == "" {
		return nil, errorf(http.StatusBadRequest, typeInvalidValue, "userName is required: the user's email address.")
	}
	if name, ok := get(res, "name").(map[string]any); ok {
		in.FirstName = str(get(name, "givenName"), "name.givenName")
		in.LastName = str(get(name, "familyName"), "name.familyName")
	}
	in.DisplayName = str(get(res, "displayName"), "displayName")
	in.Title = str(get(res, "title"), "title")
	in.PhoneNumber = str(primaryValue(get(res, "phoneNumbers")), "phoneNumbers.value")
	if lang := str(get(res, "preferredLanguage"), "preferredLanguage"); lang != "" {
		in.Language = language(lang)
	}
	if ent, ok := get(res, URNEnterpriseUser).(map[string]any); ok {
		in.Department = str(get(ent, "department"), URNEnterpriseUser+":department")
	}
	if err != nil {
		return nil, err
	}
	if v := get(res, "active"); v != nil {
		active, ok := boolean(v)
		if !ok {
			return nil, errorf(http.StatusBadRequest, typeInvalidValue, "active must be true or false.")
		}
		in.Active = &active
	}
	if ext, ok := get(res, URNRosterUser).(map[string]any); ok {
		if v := get(ext, "license"); v != nil {
			l := roster.License(strings.ToLower(str(v, "license")))
			if err == nil && !l.Valid() {
				err = errorf(http.StatusBadRequest, typeInvalidValue, "license must be none, standard or premium, not %q.", l)
			}
			in.License = &l
		}
		if v := get(ext, "ccRole"); v != nil {
			r := roster.CCRole(strings.ToLower(str(v, "ccRole")))
			if err == nil && !r.Valid() {
				err = errorf(http.StatusBadRequest, typeInvalidValue, "ccRole must be agent or supervisor, not %q.", r)
			}
			in.CCRole = &r
		}
	}
	if err != nil {
		return nil, err
	}
	return &in, nil
}

// boolean reads a SCIM boolean. Entra ID sends active as the string "True" or "False".
func boolean(v any) (bool, bool) {
	switch v := v.(type) {
	case bool:
		return v, true
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true":
			return true, true
		case "false":
			return false, true
		}
	}
	return false, false
}

// primaryValue returns the value of the primary entry of a multi-valued attribute, else of
// its work entry, else of its first.
func primaryValue(v any) any {
	list, ok := v.([]any)
	if !ok || len(list) == 0 {
		return nil
	}
	pick := -1
	for i, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		if p, _ := boolean(get(m, "primary")); p {
			pick = i
			break
		}
		if t, _ := get(m, "type").(string); pick < 0 && strings.EqualFold(t, "work") {
			pick = i
		}
	}
	if pick < 0 {
		pick = 0
	}
	if m, ok := list[pick].(map[string]any); ok {
		return get(m, "value")
	}
	return nil
}

// language maps a SCIM preferredLanguage (RFC 7231 language tag such as "sv-SE") to a
// language Roster speaks; a language Roster does not speak leaves the organization's default.
func language(tag string) roster.Language {
	primary, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
	primary, _, _ = strings.Cut(primary, "_")
	if l := roster.Language(primary); l.Valid() {
		return l
	}
	return ""
}
