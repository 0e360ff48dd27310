package provision_test

import (
	"context"
	"testing"

	"roster"
	"roster/internal/provision"
	"roster/internal/sqldb/sqldbtest"
)

// Application rules are tested once, here, against a real SQLite store.

var system = provision.System(roster.ViaCLI)

func newService(t *testing.T) (*provision.Service, roster.Store) {
	t.Helper()
	db := sqldbtest.Open(t, "sqlite")
	return provision.New(db), db
}

type orgSpec struct {
	platform          roster.Platform
	standard, premium int
}

func newOrg(t *testing.T, svc *provision.Service, name string, spec orgSpec) *roster.Org {
	t.Helper()
	if spec.platform == "" {
		spec.platform = roster.PlatformNew
	}
	o, err := svc.CreateOrg(context.Background(), system, provision.OrgChange{
		Name: &name, Platform: &spec.platform, StandardSeats: &spec.standard, PremiumSeats: &spec.premium,
	})
	if err != nil {
		t.Fatalf("create org: %v", err)
	}
	return o
}

func admin(o *roster.Org, role roster.AdminRole) roster.Actor {
	return roster.Actor{Kind: "token", ID: "tok-" + string(role), Name: "token " + string(role), OrgID: o.ID, Role: role, Interface: roster.ViaAPI}
}

func mustCreate(t *testing.T, svc *provision.Service, o *roster.Org, in provision.NewUser) *roster.User {
	t.Helper()
	u, err := svc.CreateUser(context.Background(), admin(o, roster.AdminFull), o.ID, in)
	if err != nil {
		t.Fatalf("create %s: %v", in.Email, err)
	}
	return u
}

func ptr[T any](v T) *T { return &v }

func wantCode(t *testing.T, err error, want roster.Code) {
	t.Helper()
	if got := roster.ErrorCode(err); got != want {
		t.Fatalf("error code = %q (%v), want %q", got, err, want)
	}
}

func TestCreateUserValidation(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t)
	o := newOrg(t, svc, "Acme", orgSpec{})
	long := make([]byte, 65)
	for i := range long {
		long[i] = 'a'
	}
	tests := []struct {
		name  string
		in    provision.NewUser
		code  roster.Code
		field string
	}{
		{"ok", provision.NewUser{Email: "  Ada@Example.COM ", License: roster.LicenseStandard}, "", ""},
		{"empty email", provision.NewUser{}, roster.CodeInvalid, "email"},
		{"no domain", provision.NewUser{Email: "ada"}, roster.CodeInvalid, "email"},
		{"display name form", provision.NewUser{Email: "Ada <ada@example.com>"}, roster.CodeInvalid, "email"},
		{"long local part", provision.NewUser{Email: string(long) + "@example.com"}, roster.CodeInvalid, "email"},
		{"single-label domain", provision.NewUser{Email: "ada@localhost"}, roster.CodeInvalid, "email"},
		{"control char in name", provision.NewUser{Email: "c@example.com", FirstName: "A\nB"}, roster.CodeInvalid, "firstName"},
		{"phone without plus", provision.NewUser{Email: "p@example.com", PhoneNumber: "46701234567"}, roster.CodeInvalid, "phoneNumber"},
		{"phone with letters", provision.NewUser{Email: "p@example.com", PhoneNumber: "+46-70-123"}, roster.CodeInvalid, "phoneNumber"},
		{"unknown license", provision.NewUser{Email: "l@example.com", License: "gold"}, roster.CodeInvalid, "license"},
		{"unknown language", provision.NewUser{Email: "l@example.com", PreferredLanguage: "de"}, roster.CodeInvalid, "preferredLanguage"},
		{"admin role on create", provision.NewUser{Email: "a@example.com", AdminRole: roster.AdminFull}, roster.CodeAdminRoleOnCreate, ""},
		{"supervisor needs premium", provision.NewUser{Email: "s@example.com", License: roster.LicenseStandard, CCRole: roster.RoleSupervisor}, roster.CodeRoleRequiresPremium, ""},
		{"duplicate", provision.NewUser{Email: "ada@example.com"}, roster.CodeEmailExists, ""},
	}
	for _, tt := range tests { // sequential: "duplicate" depends on "ok"
		u, err := svc.CreateUser(context.Background(), admin(o, roster.AdminFull), o.ID, tt.in)
		if tt.code == "" {
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if u.Email != "ada@example.com" || u.Status != roster.StatusPending || u.Version != 1 || u.CCRole != roster.RoleAgent {
				t.Fatalf("%s: got %+v", tt.name, u)
			}
			continue
		}
		if got := roster.ErrorCode(err); got != tt.code {
			t.Fatalf("%s: code %q (%v), want %q", tt.name, got, err, tt.code)
		}
		if fields := roster.ErrorFields(err); tt.field != "" && (len(fields) != 1 || fields[0].Field != tt.field) {
			t.Fatalf("%s: fields %+v, want %s", tt.name, fields, tt.field)
		}
	}
	page, err := svc.Users(context.Background(), admin(o, roster.AdminReadOnly), roster.UserFilter{OrgID: o.ID})
	if err != nil || len(page.Users) != 1 || page.Total != 1 {
		t.Fatalf("refused input changed something: %+v %v", page, err)
	}
	// The exact email filter normalizes like creation does.
	page, err = svc.Users(context.Background(), admin(o, roster.AdminReadOnly), roster.UserFilter{OrgID: o.ID, Email: " ADA@example.com"})
	if err != nil || len(page.Users) != 1 || page.Users[0].Email != "ada@example.com" {
		t.Fatalf("email filter: %+v %v", page, err)
	}
}

func TestRoleRules(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t)
	ctx := context.Background()
	for _, platform := range []roster.Platform{roster.PlatformNew, roster.Platform10} {
		o := newOrg(t, svc, "Org "+string(platform), orgSpec{platform: platform})
		full := admin(o, roster.AdminFull)
		tests := []struct {
			name   string
			start  provision.NewUser
			admin  roster.AdminRole // given after creation
			change provision.UserChange
			code   roster.Code
			code10 roster.Code // on platform 1.0, when it differs
		}{
			{name: "downgrade supervisor", start: provision.NewUser{License: roster.LicensePremium, CCRole: roster.RoleSupervisor},
				change: provision.UserChange{License: ptr(roster.LicenseStandard)}, code: roster.CodeRoleRequiresPremium},
			{name: "downgrade supervisor clearing role", start: provision.NewUser{License: roster.LicensePremium, CCRole: roster.RoleSupervisor},
				change: provision.UserChange{License: ptr(roster.LicenseNone), CCRole: ptr(roster.RoleAgent)}},
			{name: "supervisor on standard", start: provision.NewUser{License: roster.LicenseStandard},
				change: provision.UserChange{CCRole: ptr(roster.RoleSupervisor)}, code: roster.CodeRoleRequiresPremium},
			{name: "admin role on supervisor", start: provision.NewUser{License: roster.LicensePremium, CCRole: roster.RoleSupervisor},
				change: provision.UserChange{AdminRole: ptr(roster.AdminFull)}, code10: roster.CodeSupervisorAdminExclusive},
			{name: "supervisor on admin", start: provision.NewUser{License: roster.LicensePremium}, admin: roster.AdminReadOnly,
				change: provision.UserChange{CCRole: ptr(roster.RoleSupervisor)}, code10: roster.CodeSupervisorAdminExclusive},
			{name: "admin role on existing user", start: provision.NewUser{License: roster.LicenseNone},
				change: provision.UserChange{AdminRole: ptr(roster.AdminCCService)}},
		}
		for i, tt := range tests {
			tt.start.Email = "user" + string(rune('a'+i)) + "@" + string(platform) + ".example.com"
			u := mustCreate(t, svc, o, tt.start)
			if tt.admin != "" {
				var err error
				if u, err = svc.UpdateUser(ctx, full, o.ID, u.ID, provision.UserChange{AdminRole: &tt.admin}, 0); err != nil {
					t.Fatal(err)
				}
			}
			want := tt.code
			if platform == roster.Platform10 && tt.code10 != "" {
				want = tt.code10
			}
			after, err := svc.UpdateUser(ctx, full, o.ID, u.ID, tt.change, u.Version)
			if got := roster.ErrorCode(err); got != want {
				t.Fatalf("%s on %s: code %q (%v), want %q", tt.name, platform, got, err, want)
			}
			stored, _ := svc.User(ctx, full, o.ID, u.ID)
			if want != "" && stored.Version != u.Version {
				t.Fatalf("%s on %s: a refused change was stored", tt.name, platform)
			}
			if want == "" && stored.Version != after.Version {
				t.Fatalf("%s on %s: version %d, want %d", tt.name, platform, stored.Version, after.Version)
			}
		}
	}
}

func TestDerivedProfileType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		l    roster.License
		r    roster.CCRole
		a    roster.AdminRole
		want roster.ProfileType
	}{
		{roster.LicenseStandard, roster.RoleAgent, roster.AdminFull, roster.ProfileStandardAgent},
		{roster.LicensePremium, roster.RoleAgent, roster.AdminNone, roster.ProfilePremiumAgent},
		{roster.LicensePremium, roster.RoleAgent, roster.AdminReadOnly, roster.ProfilePremiumAgent},
		{roster.LicensePremium, roster.RoleSupervisor, roster.AdminFull, roster.ProfileSupervisor},
		{roster.LicensePremium, roster.RoleAgent, roster.AdminCCService, roster.ProfileAdministrator},
		{roster.LicenseNone, roster.RoleAgent, roster.AdminFull, roster.ProfileAdministratorOnly},
		{roster.LicenseNone, roster.RoleAgent, roster.AdminReadOnly, roster.ProfileNone},
		{roster.LicenseNone, roster.RoleAgent, roster.AdminNone, roster.ProfileNone},
	}
	for _, tt := range tests {
		if got := roster.DeriveProfileType(tt.l, tt.r, tt.a); got != tt.want {
			t.Errorf("DeriveProfileType(%s, %s, %s) = %s, want %s", tt.l, tt.r, tt.a, got, tt.want)
		}
	}
}
