package provision

import (
	"context"
	"fmt"

	"roster"
)

// OrgChange holds the fields to set on an organization; nil fields stay as they are (or take
// their default on creation).
type OrgChange struct {
	Name             *string
	Platform         *roster.Platform
	SendWelcomeEmail *bool
	DefaultLanguage  *roster.Language
	StandardSeats    *int
	PremiumSeats     *int
	// PartnerID is the partner organization that manages this one; "" removes the partner.
	PartnerID *string
}

// CreateOrg creates an organization. Only a system actor may.
func (s *Service) CreateOrg(ctx context.Context, a roster.Actor, c OrgChange) (*roster.Org, error) {
	if err := authorize(a, "", permSystem); err != nil {
		return nil, err
	}
	o, err := s.newOrg(c)
	if err != nil {
		return nil, err
	}
	err = s.writeInstallation(ctx, a, func(tx roster.Tx) error {
		if err := setPartner(ctx, tx, o, c.PartnerID); err != nil {
			return err
		}
		if err := tx.CreateOrg(ctx, o); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, o.ID, "org.create", "org", o.ID, o.Name, nil, orgFields(o))
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

// newOrg returns the organization c describes, with the defaults of a new one.
func (s *Service) newOrg(c OrgChange) (*roster.Org, error) {
	now := s.clock()
	o := &roster.Org{
		ID: roster.NewID(), Platform: roster.PlatformNew,
		Settings:  roster.OrgSettings{SendWelcomeEmail: true, DefaultLanguage: roster.English},
		CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	if c.Name == nil {
		return nil, roster.InvalidFields(roster.FieldError{Field: "name", Code: roster.CodeInvalid, Message: "The organization needs a name."})
	}
	if err := applyOrgChange(o, c); err != nil {
		return nil, err
	}
	return o, nil
}

// Org returns one organization.
func (s *Service) Org(ctx context.Context, a roster.Actor, id string) (*roster.Org, error) {
	if err := authorize(a, id, permRead); err != nil {
		return nil, err
	}
	return s.store.FindOrgByID(ctx, id)
}

// Partner returns the partner organization that manages organization o, nil when none does.
// Whoever may read o may read who manages it.
func (s *Service) Partner(ctx context.Context, a roster.Actor, o *roster.Org) (*roster.Org, error) {
	if err := authorize(a, o.ID, permRead); err != nil {
		return nil, err
	}
	if o.PartnerID == "" {
		return nil, nil
	}
	return s.store.FindOrgByID(ctx, o.PartnerID)
}

// Orgs lists the organizations the actor may see: all of them for a system actor, its own
// otherwise (a partner's customers are the console's: ConsoleOrgs).
func (s *Service) Orgs(ctx context.Context, a roster.Actor) ([]*roster.Org, error) {
	if !a.System {
		o, err := s.Org(ctx, a, a.OrgID)
		if err != nil {
			return nil, err
		}
		return []*roster.Org{o}, nil
	}
	return s.store.FindOrgs(ctx)
}

// UpdateOrg changes an organization. Name and settings need a full administrator; the platform,
// the seats and the partner are part of the subscription and need a system actor. expectVersion, when not
// 0, must be the current version (If-Match).
func (s *Service) UpdateOrg(ctx context.Context, a roster.Actor, id string, c OrgChange, expectVersion int64) (*roster.Org, error) {
	need := permOrg
	if c.Platform != nil || c.StandardSeats != nil || c.PremiumSeats != nil || c.PartnerID != nil {
		need = permSystem
	}
	// Someone of another organization is told first that there is none (not that they may not
	// change the seats); writeOrg checks need.
	if err := authorize(a, id, permRead); err != nil {
		return nil, err
	}
	var o *roster.Org
	err := s.writeOrg(ctx, a, need, id, func(tx roster.Tx, org *roster.Org) error {
		o = org
		if expectVersion != 0 && o.Version != expectVersion {
			return staleVersion()
		}
		before := orgFields(o)
		was := o.Platform
		if err := applyOrgChange(o, c); err != nil {
			return err
		}
		if err := setPartner(ctx, tx, o, c.PartnerID); err != nil {
			return err
		}
		if o.Platform == roster.Platform10 && was != roster.Platform10 {
			// Rule 3 holds on 1.0: its users must not break it from the start.
			n, err := supervisorAdmins(ctx, tx, o.ID)
			if err != nil {
				return err
			}
			if n > 0 {
				return roster.Errorf(roster.CodeSupervisorAdminExclusive,
					"%d supervisors hold an administrator role, which Contact Center 1.0 does not allow. Remove the supervisor role or the administrator role of each first.", n).
					With("Count", n)
			}
		}
		after := orgFields(o)
		b, af := diff(before, after)
		if len(af) == 0 {
			return nil
		}
		o.UpdatedAt = s.clock()
		if err := tx.UpdateOrg(ctx, o); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, a, o.ID, "org.update", "org", o.ID, o.Name, b, af); err != nil {
			return err
		}
		// More seats go first to the users waiting for one; writeOrg writes the usage.
		return s.grantWaiting(ctx, tx, a, o)
	})
	if err != nil {
		return nil, err
	}
	return o, nil
}

func applyOrgChange(o *roster.Org, c OrgChange) error {
	var errs []roster.FieldError
	add := func(fe *roster.FieldError) {
		if fe != nil {
			errs = append(errs, *fe)
		}
	}
	if c.Name != nil {
		o.Name = *c.Name
		if o.Name == "" {
			add(&roster.FieldError{Field: "name", Code: roster.CodeInvalid, Message: "The organization needs a name."})
		}
		add(validateText("name", "The name", o.Name, maxTextLen))
	}
	if c.Platform != nil {
		o.Platform = *c.Platform
		if !o.Platform.Valid() {
			add(enumError("platform", string(o.Platform), `new, 1.0`))
		}
	}
	if c.SendWelcomeEmail != nil {
		o.Settings.SendWelcomeEmail = *c.SendWelcomeEmail
	}
	if c.DefaultLanguage != nil {
		o.Settings.DefaultLanguage = *c.DefaultLanguage
		if !o.Settings.DefaultLanguage.Valid() {
			add(enumError("settings.defaultLanguage", string(o.Settings.DefaultLanguage), "en, sv, nl, es, pl"))
		}
	}
	seat := func(field string, p *int, dst *int) {
		if p == nil {
			return
		}
		*dst = *p
		if *p < 0 || *p > 10_000_000 {
			add(&roster.FieldError{Field: field, Code: roster.CodeInvalid, Message: "A seat count is a number from 0 (unlimited) to 10000000."})
		}
	}
	seat("seats.standard", c.StandardSeats, &o.Seats.Standard)
	seat("seats.premium", c.PremiumSeats, &o.Seats.Premium)
	if len(errs) > 0 {
		return roster.InvalidFields(errs...)
	}
	return nil
}

// setPartner makes partnerID, when not nil, the partner of o: an existing organization other
// than o, or "" for none. Access is not transitive: the partner of a partner opens only its
// own customers.
func setPartner(ctx context.Context, r roster.Reader, o *roster.Org, partnerID *string) error {
	if partnerID == nil {
		return nil
	}
	id := *partnerID
	if id == o.ID {
		return roster.InvalidFields(roster.FieldError{Field: "partnerOrgId", Code: roster.CodeInvalid,
			Message: "An organization cannot be its own partner."})
	}
	if id != "" {
		if _, err := r.FindOrgByID(ctx, id); err != nil {
			if roster.ErrorCode(err) == roster.CodeNotFound {
				return roster.InvalidFields(roster.FieldError{Field: "partnerOrgId", Code: roster.CodeInvalid,
					Message: fmt.Sprintf("No organization has the id %q.", id)})
			}
			return err
		}
	}
	o.PartnerID = id
	return nil
}

// orgFields is how an organization is recorded in the audit log.
func orgFields(o *roster.Org) map[string]any {
	return map[string]any{
		"name": o.Name, "platform": o.Platform,
		"settings.sendWelcomeEmail": o.Settings.SendWelcomeEmail,
		"settings.defaultLanguage":  o.Settings.DefaultLanguage,
		"seats.standard":            o.Seats.Standard, "seats.premium": o.Seats.Premium,
		"partnerOrgId": o.PartnerID,
	}
}

// diff returns the entries of before and after whose values differ.
func diff(before, after map[string]any) (map[string]any, map[string]any) {
	b, a := map[string]any{}, map[string]any{}
	for k, v := range after {
		if before[k] != v {
			b[k], a[k] = before[k], v
		}
	}
	return b, a
}

func staleVersion() error {
	return roster.Errorf(roster.CodePreconditionFailed,
		"The record was changed by someone else since you read it (If-Match does not match). Read it again and retry.")
}
