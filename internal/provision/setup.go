package provision

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"

	"roster"
)

// Setup is the first start's form: the first organization and its full administrator, who
// also administers the installation.
type Setup struct {
	OrgName   string
	Platform  roster.Platform
	FirstName string
	LastName  string
	Email     string
	Password  string
	Language  roster.Language
}

// PrepareSetup returns the secret of a one-time setup link when the installation has no
// organization yet, and "" once it has one. Each call replaces the previous secret, so only the
// latest link printed works.
func (s *Service) PrepareSetup(ctx context.Context) (string, error) {
	orgs, err := s.store.FindOrgs(ctx)
	if err != nil || len(orgs) > 0 {
		return "", err
	}
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	secret := base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(secret))
	err = s.writeAccess(ctx, func(tx accessTx) error { return tx.SetSetupSecret(ctx, sum[:], s.clock()) })
	if err != nil {
		return "", err
	}
	return secret, nil
}

// CheckSetupSecret says whether secret is the one of the current setup link (not_found when it
// is not, or when setup is done).
func (s *Service) CheckSetupSecret(ctx context.Context, secret string) error {
	hash, err := s.store.FindSetupSecret(ctx)
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(secret))
	if subtle.ConstantTimeCompare(sum[:], hash) != 1 {
		return roster.Errorf(roster.CodeNotFound, "This setup link is not valid: it was used, or a newer one was printed.")
	}
	return nil
}

// CompleteSetup creates the first organization and its full administrator from the setup
// link's form, once: the link stops working in the same transaction.
func (s *Service) CompleteSetup(ctx context.Context, secret string, in Setup) (*roster.User, error) {
	if err := s.CheckSetupSecret(ctx, secret); err != nil {
		return nil, err
	}
	return s.bootstrap(ctx, in, func(tx roster.Tx) error {
		hash, err := tx.FindSetupSecret(ctx)
		if err != nil {
			return err
		}
		sum := sha256.Sum256([]byte(secret))
		if subtle.ConstantTimeCompare(sum[:], hash) != 1 {
			return roster.Errorf(roster.CodeNotFound, "This setup link is not valid: it was used, or a newer one was printed.")
		}
		return tx.SetSetupSecret(ctx, nil, s.clock())
	})
}

// BootstrapAdmin does what the setup link does without a browser (ROSTER_ADMIN_EMAIL and
// ROSTER_ADMIN_PASSWORD): on an installation without organizations, it creates one and its
// full administrator. It returns nil, nil when an organization exists already.
func (s *Service) BootstrapAdmin(ctx context.Context, in Setup) (*roster.User, error) {
	u, err := s.bootstrap(ctx, in, func(tx roster.Tx) error { return tx.SetSetupSecret(ctx, nil, s.clock()) })
	if roster.ErrorCode(err) == roster.CodeConflict {
		return nil, nil
	}
	return u, err
}

// bootstrap creates the first organization and its administrator in one transaction, after
// claim, and refuses (conflict) once any organization exists.
func (s *Service) bootstrap(ctx context.Context, in Setup, claim func(tx roster.Tx) error) (*roster.User, error) {
	if in.Platform == "" {
		in.Platform = roster.PlatformNew
	}
	if in.Language == "" {
		in.Language = roster.English
	}
	lang := in.Language
	o, err := s.newOrg(OrgChange{Name: &in.OrgName, Platform: &in.Platform, DefaultLanguage: &lang})
	if err != nil {
		return nil, err
	}
	if err := checkPassword(in.Password); err != nil {
		return nil, err
	}
	hash, err := s.hashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	a := System(roster.ViaConsole)
	u := newUser(o, NewUser{Email: in.Email, FirstName: in.FirstName, LastName: in.LastName, PreferredLanguage: in.Language}, s.clock())
	err = s.writeInstallation(ctx, a, func(tx roster.Tx) error {
		orgs, err := tx.FindOrgs(ctx)
		if err != nil {
			return err
		}
		if len(orgs) > 0 {
			return roster.Errorf(roster.CodeConflict, "The installation is set up already: sign in instead.")
		}
		if err := claim(tx); err != nil {
			return err
		}
		if err := tx.CreateOrg(ctx, o); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, a, o.ID, "org.create", "org", o.ID, o.Name, nil, orgFields(o)); err != nil {
			return err
		}
		// The first administrator signs in with the password just chosen: no invitation.
		quiet := *o
		quiet.Settings.SendWelcomeEmail = false
		if _, err := s.saveUser(ctx, tx, a, &quiet, nil, u); err != nil {
			return err
		}
		admin := *u
		admin.Status, admin.AdminRole = roster.StatusActive, roster.AdminFull
		if _, err := s.saveUser(ctx, tx, a, &quiet, u, &admin); err != nil {
			return err
		}
		*u = admin
		if err := tx.UpdateOrgUsage(ctx, o.ID, quiet.Usage); err != nil {
			return err
		}
		if err := tx.SetConsolePassword(ctx, u.ID, hash, s.clock()); err != nil {
			return err
		}
		return tx.GrantInstallationAdmin(ctx, u.ID, s.clock())
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}

// GrantInstallationAdmin makes the user of email an installation administrator: they may
// create organizations and open every one of them in the console. Only the installation (a
// system actor: the CLI on the data directory) may grant it.
func (s *Service) GrantInstallationAdmin(ctx context.Context, a roster.Actor, email string) (*roster.User, error) {
	if err := authorize(a, "", permSystem); err != nil {
		return nil, err
	}
	var u *roster.User
	err := s.writeInstallation(ctx, a, func(tx roster.Tx) error {
		var err error
		if u, err = tx.FindUserByEmail(ctx, NormalizeEmail(email)); err != nil {
			return err
		}
		if err := tx.GrantInstallationAdmin(ctx, u.ID, s.clock()); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, u.OrgID, "user.grant_installation_admin", "user", u.ID, u.Email, nil, map[string]any{"installationAdmin": true})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}
