package contactcenter

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"roster"
)

// scimUser is the part of a SCIM User resource the connector writes and compares.
type scimUser struct {
	Schemas    []string       `json:"schemas,omitempty"`
	ID         string         `json:"id,omitempty"`
	ExternalID string         `json:"externalId,omitempty"`
	UserName   string         `json:"userName"`
	Name       *scimName      `json:"name,omitempty"`
	Emails     []scimEmail    `json:"emails,omitempty"`
	Active     *bool          `json:"active,omitempty"`
	Extension  *scimExtension `json:"urn:roster:params:scim:schemas:extension:contactcenter:2.0:User,omitempty"`
	Meta       *scimMeta      `json:"meta,omitempty"`
}

type scimName struct {
	GivenName  string `json:"givenName,omitempty"`
	FamilyName string `json:"familyName,omitempty"`
}

type scimEmail struct {
	Value   string `json:"value"`
	Type    string `json:"type,omitempty"`
	Primary bool   `json:"primary,omitempty"`
}

type scimExtension struct {
	ProfileType   string `json:"profileType,omitempty"`
	UserProfileID string `json:"userProfileId,omitempty"`
}

type scimMeta struct {
	Version string `json:"version,omitempty"`
}

// remoteUser is a user as the remote holds it: what the connector reads of it, the whole
// resource (for a PUT that keeps what the remote set), and its version.
type remoteUser struct {
	user scimUser
	raw  map[string]json.RawMessage
	etag string // "" when the remote does not version users
}

// parseRemote reads a User resource; etag is the ETag header of its answer, if any.
func parseRemote(body []byte, etag string) (*remoteUser, error) {
	r := &remoteUser{etag: etag}
	if err := json.Unmarshal(body, &r.raw); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(body, &r.user); err != nil {
		return nil, err
	}
	if r.etag == "" && r.user.Meta != nil {
		r.etag = r.user.Meta.Version
	}
	return r, nil
}

// scimUserOf maps a state to the remote user it must be.
func scimUserOf(st roster.AgentState) scimUser {
	active := st.Active && st.ProfileType != roster.ProfileNone
	u := scimUser{
		Schemas:    []string{scimCoreUserSchema, SCIMExtensionSchema},
		ExternalID: st.UserID,
		UserName:   st.Email,
		Name:       &scimName{GivenName: st.FirstName, FamilyName: st.LastName},
		Active:     &active,
		Extension:  &scimExtension{ProfileType: string(st.ProfileType), UserProfileID: st.UserProfileID},
	}
	if st.Email != "" {
		u.Emails = []scimEmail{{Value: st.Email, Primary: true}}
	}
	return u
}

// differences names the attributes of want that remote does not hold. userName and email
// values are compared ignoring case, as RFC 7643 defines them (caseExact false), so that a
// provider that lowercases them is not rewritten on every push. Of the emails only the
// primary one is Roster's: others set on the remote side stay.
func differences(remote, want *scimUser) []string {
	var diff []string
	rn, wn := nameOf(remote), nameOf(want)
	rx, wx := extensionOf(remote), extensionOf(want)
	if remote.ExternalID != want.ExternalID {
		diff = append(diff, "externalId")
	}
	if !strings.EqualFold(remote.UserName, want.UserName) {
		diff = append(diff, "userName")
	}
	if rn.GivenName != wn.GivenName {
		diff = append(diff, "name.givenName")
	}
	if rn.FamilyName != wn.FamilyName {
		diff = append(diff, "name.familyName")
	}
	if w := primaryEmail(want); w != "" && !strings.EqualFold(primaryEmail(remote), w) {
		diff = append(diff, "emails")
	}
	if isActive(remote) != isActive(want) {
		diff = append(diff, "active")
	}
	if rx.ProfileType != wx.ProfileType {
		diff = append(diff, "profileType")
	}
	if rx.UserProfileID != wx.UserProfileID {
		diff = append(diff, "userProfileId")
	}
	return diff
}

func nameOf(u *scimUser) scimName {
	if u.Name == nil {
		return scimName{}
	}
	return *u.Name
}

func extensionOf(u *scimUser) scimExtension {
	if u.Extension == nil {
		return scimExtension{}
	}
	return *u.Extension
}

// primaryEmail is the primary email of u, else its first, else "".
func primaryEmail(u *scimUser) string {
	for _, e := range u.Emails {
		if e.Primary {
			return e.Value
		}
	}
	if len(u.Emails) > 0 {
		return u.Emails[0].Value
	}
	return ""
}

// mergedEmails is want's email as the primary one, followed by the other emails of remote.
func mergedEmails(remote, want *scimUser) []scimEmail {
	w := primaryEmail(want)
	if w == "" {
		return remote.Emails
	}
	out := []scimEmail{{Value: w, Primary: true}}
	for _, e := range remote.Emails {
		if !strings.EqualFold(e.Value, w) {
			e.Primary = false
			out = append(out, e)
		}
	}
	return out
}

// isActive reads active; RFC 7643 gives it no default, and a provider that omits it is
// taken to hold an active user.
func isActive(u *scimUser) bool { return u.Active == nil || *u.Active }

// patchOp is one operation of a PATCH request (RFC 7644 §3.5.2).
type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

// patchOps are the operations that make remote hold want: one per differing attribute, so
// that nothing else the remote holds is touched. An attribute Roster empties is removed, as
// some servers refuse an empty string.
func patchOps(remote, want *scimUser, diff []string) []patchOp {
	set := func(path, value string) patchOp {
		if value == "" {
			return patchOp{Op: "remove", Path: path}
		}
		return patchOp{Op: "replace", Path: path, Value: value}
	}
	wn, wx := nameOf(want), extensionOf(want)
	ops := make([]patchOp, 0, len(diff))
	for _, attr := range diff {
		switch attr {
		case "externalId":
			ops = append(ops, set("externalId", want.ExternalID))
		case "userName":
			ops = append(ops, patchOp{Op: "replace", Path: "userName", Value: want.UserName})
		case "name.givenName":
			ops = append(ops, set("name.givenName", wn.GivenName))
		case "name.familyName":
			ops = append(ops, set("name.familyName", wn.FamilyName))
		case "emails":
			ops = append(ops, patchOp{Op: "replace", Path: "emails", Value: mergedEmails(remote, want)})
		case "active":
			ops = append(ops, patchOp{Op: "replace", Path: "active", Value: isActive(want)})
		case "profileType":
			ops = append(ops, set(SCIMExtensionSchema+":profileType", wx.ProfileType))
		case "userProfileId":
			ops = append(ops, set(SCIMExtensionSchema+":userProfileId", wx.UserProfileID))
		}
	}
	return ops
}

// mergedResource is the remote resource with want's attributes put in, for a PUT: what the
// remote set that Roster does not own (title, phoneNumbers, other emails, other name parts,
// other extensions) is sent back as it was. meta is left out: it is the server's.
func mergedResource(remote *remoteUser, want *scimUser) (map[string]json.RawMessage, error) {
	out := make(map[string]json.RawMessage, len(remote.raw)+4)
	for k, v := range remote.raw {
		out[k] = v
	}
	delete(out, "meta")
	put := func(key string, v any) error {
		b, err := json.Marshal(v)
		out[key] = b
		return err
	}
	var schemas []string
	_ = json.Unmarshal(remote.raw["schemas"], &schemas)
	for _, s := range want.Schemas {
		if !slices.Contains(schemas, s) {
			schemas = append(schemas, s)
		}
	}
	name := map[string]any{}
	_ = json.Unmarshal(remote.raw["name"], &name)
	wn := nameOf(want)
	for key, v := range map[string]string{"givenName": wn.GivenName, "familyName": wn.FamilyName} {
		if v == "" {
			delete(name, key)
		} else {
			name[key] = v
		}
	}
	ext := map[string]any{}
	_ = json.Unmarshal(remote.raw[SCIMExtensionSchema], &ext)
	wx := extensionOf(want)
	for key, v := range map[string]string{"profileType": wx.ProfileType, "userProfileId": wx.UserProfileID} {
		if v == "" {
			delete(ext, key)
		} else {
			ext[key] = v
		}
	}
	for _, err := range []error{
		put("schemas", schemas), put("externalId", want.ExternalID), put("userName", want.UserName),
		put("name", name), put("emails", mergedEmails(&remote.user, want)), put("active", isActive(want)),
		put(SCIMExtensionSchema, ext),
	} {
		if err != nil {
			return nil, err
		}
	}
	if len(name) == 0 {
		delete(out, "name")
	}
	return out, nil
}

// heldError says why the remote's answer to a write does not hold what was sent, nil when it
// does. A remote that dropped only the contact-center attributes does not keep the extension.
func heldError(got, want *scimUser) error {
	diff := differences(got, want)
	if len(diff) == 0 {
		return nil
	}
	if !slices.ContainsFunc(diff, func(a string) bool { return a != "profileType" && a != "userProfileId" }) {
		return &roster.SyncError{Message: fmt.Sprintf("The SCIM service did not keep the contact-center attributes "+
			"(profile type %s): it does not support the schema %s.", extensionOf(want).ProfileType, SCIMExtensionSchema)}
	}
	return &roster.SyncError{Message: fmt.Sprintf("The SCIM service's answer does not hold what was sent (%s).", strings.Join(diff, ", "))}
}
