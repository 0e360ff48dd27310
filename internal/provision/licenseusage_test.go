package provision_test

import (
	"fmt"
	"testing"

	"roster"
	"roster/internal/provision"
	"roster/internal/sqldb/sqldbtest"
)

// TestLicenseUsage counts the holders of each license by source on both engines: a user
// counts under every source that grants its license, inactive users keep theirs, and a group
// counts only members holding the license it grants.
func TestLicenseUsage(t *testing.T) {
	t.Parallel()
	for _, engine := range sqldbtest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			f := newGroupsFixture(t, engine, orgSpec{premium: 10})
			direct := mustCreate(t, f.svc, f.org, provision.NewUser{Email: "direct@x.example", License: roster.LicensePremium})
			both := mustCreate(t, f.svc, f.org, provision.NewUser{Email: "both@x.example", License: roster.LicensePremium})
			grouped := mustCreate(t, f.svc, f.org, provision.NewUser{Email: "grouped@x.example"})
			std := mustCreate(t, f.svc, f.org, provision.NewUser{Email: "std@x.example"})
			mustCreate(t, f.svc, f.org, provision.NewUser{Email: "none@x.example", License: roster.LicenseNone})
			f.join(f.prem, both, grouped)
			// A premium user in the standard group holds premium: the group grants nothing it holds.
			f.join(f.std, std, direct)
			if _, err := f.svc.DeactivateUser(f.ctx, f.full, f.org.ID, grouped.ID, 0); err != nil {
				t.Fatal(err)
			}
			f.setMode(roster.AssignOrg, roster.LicenseStandard)
			mustCreate(t, f.svc, f.org, provision.NewUser{Email: "template@x.example"})

			got, err := f.svc.LicenseUsage(f.ctx, admin(f.org, roster.AdminReadOnly), f.org.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := []string{
				"standard users=2 inactive=0 direct=0 template=1 seats=0 used=2 free=0 groups=[Standard agents:1]",
				"premium users=3 inactive=1 direct=2 template=0 seats=10 used=3 free=7 groups=[Premium agents:2]",
			}
			if len(got) != len(want) {
				t.Fatalf("got %d licenses, want %d: %+v", len(got), len(want), got)
			}
			for i, ls := range got {
				var groups []string
				for _, g := range ls.Groups {
					groups = append(groups, fmt.Sprintf("%s:%d", g.GroupName, g.Users))
				}
				s := fmt.Sprintf("%s users=%d inactive=%d direct=%d template=%d seats=%d used=%d free=%d groups=%v",
					ls.License, ls.Users, ls.Inactive, ls.Direct, ls.Template, ls.Seats, ls.Used, ls.Free, groups)
				if s != want[i] {
					t.Errorf("license %d:\n got %s\nwant %s", i, s, want[i])
				}
			}
			other := newOrg(t, f.svc, "Other", orgSpec{})
			_, err = f.svc.LicenseUsage(f.ctx, admin(other, roster.AdminFull), f.org.ID)
			wantCode(t, err, roster.CodeNotFound)
		})
	}
}

// TestPlatformChange refuses to move an organization to Contact Center 1.0 while a supervisor
// holds an administrator role (rule 3), says so in the preview, and leaves the change to the
// installation.
func TestPlatformChange(t *testing.T) {
	t.Parallel()
	for _, engine := range sqldbtest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			f := newGroupsFixture(t, engine, orgSpec{})
			u := mustCreate(t, f.svc, f.org, provision.NewUser{Email: "sup@x.example", License: roster.LicensePremium, CCRole: roster.RoleSupervisor})
			if _, err := f.svc.UpdateUser(f.ctx, f.full, f.org.ID, u.ID, provision.UserChange{AdminRole: ptr(roster.AdminReadOnly)}, 0); err != nil {
				t.Fatal(err)
			}
			to10 := provision.OrgChange{Platform: ptr(roster.Platform10)}
			_, err := f.svc.UpdateOrg(f.ctx, f.full, f.org.ID, to10, 0)
			wantCode(t, err, roster.CodeForbidden)
			_, err = f.svc.PreviewPlatformChange(f.ctx, f.full, f.org.ID, roster.Platform10)
			wantCode(t, err, roster.CodeForbidden)
			_, err = f.svc.PreviewPlatformChange(f.ctx, system, f.org.ID, "2.0")
			wantCode(t, err, roster.CodeInvalid)

			pc, err := f.svc.PreviewPlatformChange(f.ctx, system, f.org.ID, roster.Platform10)
			if err != nil || pc.SupervisorAdmins != 1 || pc.From != roster.PlatformNew {
				t.Fatalf("preview: %+v %v", pc, err)
			}
			_, err = f.svc.UpdateOrg(f.ctx, system, f.org.ID, to10, 0)
			wantCode(t, err, roster.CodeSupervisorAdminExclusive)
			if o, _ := f.svc.Org(f.ctx, system, f.org.ID); o.Platform != roster.PlatformNew {
				t.Fatalf("platform changed to %s", o.Platform)
			}

			if _, err := f.svc.UpdateUser(f.ctx, f.full, f.org.ID, u.ID, provision.UserChange{AdminRole: ptr(roster.AdminNone)}, 0); err != nil {
				t.Fatal(err)
			}
			if pc, err = f.svc.PreviewPlatformChange(f.ctx, system, f.org.ID, roster.Platform10); err != nil || pc.SupervisorAdmins != 0 {
				t.Fatalf("preview after: %+v %v", pc, err)
			}
			o, err := f.svc.UpdateOrg(f.ctx, system, f.org.ID, to10, 0)
			if err != nil || o.Platform != roster.Platform10 {
				t.Fatalf("change: %+v %v", o, err)
			}
		})
	}
}
