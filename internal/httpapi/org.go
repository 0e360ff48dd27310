package httpapi

import (
	"net/http"
	"time"

	"roster"
	"roster/internal/provision"
)

// Org is an organization as the API shows it.
type Org struct {
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Platform roster.Platform `json:"platform"`
	Settings OrgSettings     `json:"settings"`
	Seats    Seats           `json:"seats"`
	Usage    Usage           `json:"usage"`
	// PartnerOrgID is the partner organization that manages this one; null when none does.
	PartnerOrgID *string   `json:"partnerOrgId"`
	CreatedAt    time.Time `json:"createdAt"`
	UpdatedAt    time.Time `json:"updatedAt"`
	Version      int64     `json:"version"`
}

// OrgSettings are an organization's preferences.
type OrgSettings struct {
	SendWelcomeEmail bool            `json:"sendWelcomeEmail"`
	DefaultLanguage  roster.Language `json:"defaultLanguage"`
}

// Seats counts the licenses an organization may assign; 0 means unlimited.
type Seats struct {
	Standard int `json:"standard"`
	Premium  int `json:"premium"`
}

// Usage counts an organization's users and the licenses they hold.
type Usage struct {
	Users    int `json:"users"`
	Standard int `json:"standard"`
	Premium  int `json:"premium"`
}

// OrgList is the answer of GET /api/v1/orgs.
type OrgList struct {
	Items []Org `json:"items"`
}

// OrgInput is the body of POST /api/v1/orgs (name required) and PATCH /api/v1/orgs/{org}
// (every field optional). Absent fields keep their value, or take their default on creation;
// null is refused, except for the partner, which null removes.
type OrgInput struct {
	Name         Optional[string]          `json:"name,omitzero"`
	Platform     Optional[roster.Platform] `json:"platform,omitzero"`
	Settings     *OrgSettingsInput         `json:"settings,omitempty"`
	Seats        *SeatsInput               `json:"seats,omitempty"`
	PartnerOrgID Optional[string]          `json:"partnerOrgId,omitzero"`
}

// OrgSettingsInput changes an organization's settings; absent fields keep their value.
type OrgSettingsInput struct {
	SendWelcomeEmail Optional[bool]            `json:"sendWelcomeEmail,omitzero"`
	DefaultLanguage  Optional[roster.Language] `json:"defaultLanguage,omitzero"`
}

// SeatsInput changes an organization's seats; absent fields keep their value.
type SeatsInput struct {
	Standard Optional[int] `json:"standard,omitzero"`
	Premium  Optional[int] `json:"premium,omitzero"`
}

// change converts the input into the application layer's change.
func (in OrgInput) change() (provision.OrgChange, error) {
	var c provision.OrgChange
	var err error
	if c.Name, err = notNull("name", in.Name); err != nil {
		return c, err
	}
	if c.Platform, err = notNull("platform", in.Platform); err != nil {
		return c, err
	}
	if s := in.Settings; s != nil {
		if c.SendWelcomeEmail, err = notNull("settings.sendWelcomeEmail", s.SendWelcomeEmail); err != nil {
			return c, err
		}
		if c.DefaultLanguage, err = notNull("settings.defaultLanguage", s.DefaultLanguage); err != nil {
			return c, err
		}
	}
	c.PartnerID = orNull(in.PartnerOrgID, "")
	if s := in.Seats; s != nil {
		if c.StandardSeats, err = notNull("seats.standard", s.Standard); err != nil {
			return c, err
		}
		if c.PremiumSeats, err = notNull("seats.premium", s.Premium); err != nil {
			return c, err
		}
	}
	return c, nil
}

// orgJSON converts an organization to its API form.
func orgJSON(o *roster.Org) Org {
	var partner *string
	if o.PartnerID != "" {
		partner = &o.PartnerID
	}
	return Org{
		ID: o.ID, Name: o.Name, Platform: o.Platform,
		Settings:     OrgSettings{SendWelcomeEmail: o.Settings.SendWelcomeEmail, DefaultLanguage: o.Settings.DefaultLanguage},
		Seats:        Seats{Standard: o.Seats.Standard, Premium: o.Seats.Premium},
		Usage:        Usage{Users: o.Usage.Users, Standard: o.Usage.Standard, Premium: o.Usage.Premium},
		PartnerOrgID: partner,
		CreatedAt:    o.CreatedAt.UTC(), UpdatedAt: o.UpdatedAt.UTC(), Version: o.Version,
	}
}

func (api *API) createOrg(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	var in OrgInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	c, err := in.change()
	if err != nil {
		return err
	}
	o, err := api.svc.CreateOrg(r.Context(), a, c)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/orgs/"+o.ID)
	setETag(w, o.Version)
	return ok(w, http.StatusCreated, orgJSON(o))
}

func (api *API) listOrgs(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	if _, err := query(r); err != nil {
		return err
	}
	orgs, err := api.svc.Orgs(r.Context(), a)
	if err != nil {
		return err
	}
	list := OrgList{Items: make([]Org, len(orgs))}
	for i, o := range orgs {
		list.Items[i] = orgJSON(o)
	}
	return ok(w, http.StatusOK, list)
}

func (api *API) getOrg(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	o, err := api.svc.Org(r.Context(), a, r.PathValue("org"))
	if err != nil {
		return err
	}
	setETag(w, o.Version)
	return ok(w, http.StatusOK, orgJSON(o))
}

func (api *API) patchOrg(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	pre := ifMatch(r)
	var in OrgInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	c, err := in.change()
	if err != nil {
		return err
	}
	o, err := api.svc.UpdateOrg(r.Context(), a, r.PathValue("org"), c, pre.expect())
	if err != nil {
		return pre.result(err)
	}
	setETag(w, o.Version)
	return ok(w, http.StatusOK, orgJSON(o))
}
