package httpapi

import (
	"net/http"
	"time"

	"roster"
	"roster/internal/provision"
)

// LicenseAssignment is how an organization gives licenses to new users automatically.
type LicenseAssignment struct {
	Mode roster.AssignmentMode `json:"mode"`
	// License is what every new user gets in org mode; none in the other modes, where groups
	// carry their own license.
	License roster.License `json:"license"`
	// Version is the organization's version, the ETag of the assignment.
	Version int64 `json:"version"`
}

// LicenseAssignmentInput is the body of PUT /api/v1/orgs/{org}/license-assignment. The
// license is required in org mode and left out in the others.
type LicenseAssignmentInput struct {
	Mode    roster.AssignmentMode `json:"mode"`
	License roster.License        `json:"license,omitempty"`
}

// ApplyRequest is the body of POST /api/v1/orgs/{org}/license-assignment/apply.
type ApplyRequest struct {
	// DryRun reports what would change, changing nothing.
	DryRun bool `json:"dryRun,omitempty"`
	// PreserveLicenses never removes a license: the template only adds.
	PreserveLicenses bool `json:"preserveLicenses,omitempty"`
	// ConfirmProfileReset accepts that users whose profile type changes lose their custom user
	// profile; a real run that would reset any is refused without it.
	ConfirmProfileReset bool `json:"confirmProfileReset,omitempty"`
}

// LicenseSources answers GET /api/v1/orgs/{org}/users/{id}/license-sources: the user's
// license, every source that grants one, and the license it waits for a seat for.
type LicenseSources struct {
	UserID  string          `json:"userId"`
	License roster.License  `json:"license"`
	Sources []LicenseSource `json:"sources"`
	// Waiting is the better license the user's template or groups give but no seat was free
	// for; nil when the user waits for nothing.
	Waiting *LicenseGrant `json:"waiting"`
}

// LicenseSource is one reason a user has a license: the administrator's direct choice, the
// organization-wide template, or a group.
type LicenseSource struct {
	Kind      roster.SourceKind `json:"kind"`
	License   roster.License    `json:"license"`
	GroupID   string            `json:"groupId,omitempty"`
	GroupName string            `json:"groupName,omitempty"`
	Since     time.Time         `json:"since"`
}

// LicenseGrant is a license and since when it is granted (or waited for).
type LicenseGrant struct {
	License roster.License `json:"license"`
	Since   time.Time      `json:"since"`
}

// LicenseError is why a user lacks the license its template or groups give it: no seat was
// free (code no_seats_available). The user gets it when one frees up.
type LicenseError struct {
	Code    roster.Code    `json:"code"`
	License roster.License `json:"license"`
	Since   time.Time      `json:"since"`
	Message string         `json:"message"`
}

func licenseAssignmentJSON(o *roster.Org) LicenseAssignment {
	return LicenseAssignment{Mode: o.Assignment.Mode, License: o.Assignment.License, Version: o.Version}
}

func licenseSourcesJSON(sources []roster.LicenseSource) []LicenseSource {
	out := make([]LicenseSource, len(sources))
	for i, s := range sources {
		out[i] = LicenseSource{Kind: s.Kind, License: s.License, GroupID: s.GroupID, GroupName: s.GroupName, Since: s.Since.UTC()}
	}
	return out
}

func (api *API) getLicenseAssignment(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	if _, err := query(r); err != nil {
		return err
	}
	o, err := api.svc.LicenseAssignment(r.Context(), a, r.PathValue("org"))
	if err != nil {
		return err
	}
	setETag(w, o.Version)
	return ok(w, http.StatusOK, licenseAssignmentJSON(o))
}

func (api *API) putLicenseAssignment(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	pre := ifMatch(r)
	var in LicenseAssignmentInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	o, err := api.svc.SetLicenseAssignment(r.Context(), a, r.PathValue("org"),
		roster.LicenseAssignment{Mode: in.Mode, License: in.License}, pre.expect())
	if err != nil {
		return pre.result(err)
	}
	setETag(w, o.Version)
	return ok(w, http.StatusOK, licenseAssignmentJSON(o))
}

// applyTemplate queues the application of the template to the existing users and answers 202
// with the task, as an import does.
func (api *API) applyTemplate(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	if _, err := query(r); err != nil {
		return err
	}
	var in ApplyRequest
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	t, err := api.svc.StartApplyTemplate(r.Context(), a, r.PathValue("org"), provision.ApplyOptions{
		DryRun: in.DryRun, PreserveLicenses: in.PreserveLicenses, ConfirmProfileReset: in.ConfirmProfileReset,
	})
	if err != nil {
		return err
	}
	return acceptedTask(w, t)
}

func (api *API) getLicenseSources(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	if _, err := query(r); err != nil {
		return err
	}
	e, err := api.svc.LicenseSources(r.Context(), a, r.PathValue("org"), r.PathValue("id"))
	if err != nil {
		return err
	}
	out := LicenseSources{UserID: e.UserID, License: e.License, Sources: licenseSourcesJSON(e.Sources)}
	if e.Waiting.Granted() {
		out.Waiting = &LicenseGrant{License: e.Waiting.License, Since: e.Waiting.Since.UTC()}
	}
	return ok(w, http.StatusOK, out)
}
