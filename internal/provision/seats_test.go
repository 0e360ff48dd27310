package provision_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"roster"
	"roster/internal/provision"
)

func TestSeats(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t)
	ctx := context.Background()
	o := newOrg(t, svc, "Seats", orgSpec{standard: 1, premium: 2})
	full := admin(o, roster.AdminFull)

	a := mustCreate(t, svc, o, provision.NewUser{Email: "a@example.com", License: roster.LicensePremium})
	mustCreate(t, svc, o, provision.NewUser{Email: "b@example.com", License: roster.LicensePremium})
	_, err := svc.CreateUser(ctx, full, o.ID, provision.NewUser{Email: "c@example.com", License: roster.LicensePremium})
	wantCode(t, err, roster.CodeNoSeatsAvailable)

	// Unlicensed users need no seat; moving one to premium does.
	c := mustCreate(t, svc, o, provision.NewUser{Email: "c@example.com"})
	_, err = svc.UpdateUser(ctx, full, o.ID, c.ID, provision.UserChange{License: ptr(roster.LicensePremium)}, 0)
	wantCode(t, err, roster.CodeNoSeatsAvailable)

	// An inactive user keeps its seat.
	if _, err := svc.DeactivateUser(ctx, full, o.ID, a.ID, 0); err != nil {
		t.Fatal(err)
	}
	_, err = svc.UpdateUser(ctx, full, o.ID, c.ID, provision.UserChange{License: ptr(roster.LicensePremium)}, 0)
	wantCode(t, err, roster.CodeNoSeatsAvailable)

	// Moving a to standard frees a premium seat and takes the only standard one.
	if _, err := svc.UpdateUser(ctx, full, o.ID, a.ID, provision.UserChange{License: ptr(roster.LicenseStandard)}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.UpdateUser(ctx, full, o.ID, c.ID, provision.UserChange{License: ptr(roster.LicensePremium)}, 0); err != nil {
		t.Fatal(err)
	}
	_, err = svc.CreateUser(ctx, full, o.ID, provision.NewUser{Email: "d@example.com", License: roster.LicenseStandard})
	wantCode(t, err, roster.CodeNoSeatsAvailable)

	// Deleting frees the seat.
	if err := svc.DeleteUser(ctx, full, o.ID, a.ID, 0); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, svc, o, provision.NewUser{Email: "d@example.com", License: roster.LicenseStandard})

	got, err := svc.Org(ctx, full, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := (roster.Usage{Users: 3, Standard: 1, Premium: 2}); got.Usage != want {
		t.Fatalf("usage = %+v, want %+v", got.Usage, want)
	}
	if got.Version != o.Version {
		t.Fatalf("usage changes moved the organization's version from %d to %d", o.Version, got.Version)
	}
}

func TestSeatsUnderConcurrency(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t)
	o := newOrg(t, svc, "Race", orgSpec{premium: 5})
	var wg sync.WaitGroup
	var mu sync.Mutex
	granted := 0
	for i := range 20 {
		wg.Go(func() {
			_, err := svc.CreateUser(context.Background(), admin(o, roster.AdminFull), o.ID,
				provision.NewUser{Email: fmt.Sprintf("u%d@example.com", i), License: roster.LicensePremium})
			if err == nil {
				mu.Lock()
				granted++
				mu.Unlock()
			} else if roster.ErrorCode(err) != roster.CodeNoSeatsAvailable {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if granted != 5 {
		t.Fatalf("granted %d premium seats of 5", granted)
	}
}

func TestEmailAcrossOrganizations(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t)
	ctx := context.Background()
	trial := newOrg(t, svc, "Trial Corp", orgSpec{})
	mine := newOrg(t, svc, "Mine", orgSpec{})
	mustCreate(t, svc, trial, provision.NewUser{Email: "eve@example.com"})

	_, err := svc.CreateUser(ctx, admin(mine, roster.AdminFull), mine.ID, provision.NewUser{Email: "EVE@example.com"})
	wantCode(t, err, roster.CodeEmailInOtherOrg)
	if msg := roster.ErrorMessage(err); strings.Contains(msg, "Trial Corp") || !strings.Contains(msg, "delete that user") {
		t.Fatalf("message to another organization's administrator: %q", msg)
	}
	_, err = svc.CreateUser(ctx, system, mine.ID, provision.NewUser{Email: "eve@example.com"})
	wantCode(t, err, roster.CodeEmailInOtherOrg)
	if msg := roster.ErrorMessage(err); !strings.Contains(msg, "Trial Corp") {
		t.Fatalf("the installation administrator should see the organization: %q", msg)
	}
	// Changing an email to one taken elsewhere is refused the same way.
	u := mustCreate(t, svc, mine, provision.NewUser{Email: "frank@example.com"})
	_, err = svc.UpdateUser(ctx, admin(mine, roster.AdminFull), mine.ID, u.ID, provision.UserChange{Email: ptr("eve@example.com")}, 0)
	wantCode(t, err, roster.CodeEmailInOtherOrg)
}

func TestPermissionsAndIsolation(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t)
	ctx := context.Background()
	o := newOrg(t, svc, "Perm", orgSpec{})
	other := newOrg(t, svc, "Other", orgSpec{})
	u := mustCreate(t, svc, o, provision.NewUser{Email: "p@example.com"})

	type call func(a roster.Actor) error
	create := func(a roster.Actor) error {
		_, err := svc.CreateUser(ctx, a, o.ID, provision.NewUser{Email: "new-" + a.ID + "@example.com"})
		return err
	}
	license := func(a roster.Actor) error {
		l := roster.LicensePremium
		if a.Role == roster.AdminFull {
			l = roster.LicenseStandard
		}
		_, err := svc.UpdateUser(ctx, a, o.ID, u.ID, provision.UserChange{License: &l}, 0)
		return err
	}
	rename := func(a roster.Actor) error {
		_, err := svc.UpdateUser(ctx, a, o.ID, u.ID, provision.UserChange{FirstName: ptr("N" + a.ID)}, 0)
		return err
	}
	deactivate := func(a roster.Actor) error { _, err := svc.DeactivateUser(ctx, a, o.ID, u.ID, 0); return err }
	read := func(a roster.Actor) error { _, err := svc.User(ctx, a, o.ID, u.ID); return err }
	list := func(a roster.Actor) error { _, err := svc.Users(ctx, a, roster.UserFilter{OrgID: o.ID}); return err }
	audit := func(a roster.Actor) error {
		_, err := svc.AuditEntries(ctx, a, roster.AuditFilter{OrgID: o.ID})
		return err
	}
	seats := func(a roster.Actor) error {
		_, err := svc.UpdateOrg(ctx, a, o.ID, provision.OrgChange{PremiumSeats: ptr(100)}, 0)
		return err
	}
	token := func(a roster.Actor) error {
		_, _, err := svc.CreateToken(ctx, a, provision.NewToken{OrgID: o.ID, Role: roster.AdminReadOnly})
		return err
	}
	del := func(a roster.Actor) error { return svc.DeleteUser(ctx, a, o.ID, "missing", 0) }

	const ok, forbidden, notFound = roster.Code(""), roster.CodeForbidden, roster.CodeNotFound
	tests := []struct {
		name string
		call call
		want map[roster.AdminRole]roster.Code // full, cc_service, read_only
	}{
		{"create", create, map[roster.AdminRole]roster.Code{roster.AdminFull: ok, roster.AdminCCService: forbidden, roster.AdminReadOnly: forbidden}},
		{"license", license, map[roster.AdminRole]roster.Code{roster.AdminFull: ok, roster.AdminCCService: ok, roster.AdminReadOnly: forbidden}},
		{"rename", rename, map[roster.AdminRole]roster.Code{roster.AdminFull: ok, roster.AdminCCService: forbidden, roster.AdminReadOnly: forbidden}},
		{"deactivate", deactivate, map[roster.AdminRole]roster.Code{roster.AdminFull: ok, roster.AdminCCService: forbidden, roster.AdminReadOnly: forbidden}},
		{"delete", del, map[roster.AdminRole]roster.Code{roster.AdminFull: notFound, roster.AdminCCService: forbidden, roster.AdminReadOnly: forbidden}},
		{"read", read, map[roster.AdminRole]roster.Code{roster.AdminFull: ok, roster.AdminCCService: ok, roster.AdminReadOnly: ok}},
		{"list", list, map[roster.AdminRole]roster.Code{roster.AdminFull: ok, roster.AdminCCService: ok, roster.AdminReadOnly: ok}},
		{"audit", audit, map[roster.AdminRole]roster.Code{roster.AdminFull: ok, roster.AdminCCService: ok, roster.AdminReadOnly: ok}},
		{"seats", seats, map[roster.AdminRole]roster.Code{roster.AdminFull: forbidden, roster.AdminCCService: forbidden, roster.AdminReadOnly: forbidden}},
		{"token", token, map[roster.AdminRole]roster.Code{roster.AdminFull: ok, roster.AdminCCService: forbidden, roster.AdminReadOnly: forbidden}},
	}
	for _, tt := range tests {
		for _, role := range []roster.AdminRole{roster.AdminFull, roster.AdminCCService, roster.AdminReadOnly} {
			if got := roster.ErrorCode(tt.call(admin(o, role))); got != tt.want[role] {
				t.Errorf("%s as %s: code %q, want %q", tt.name, role, got, tt.want[role])
			}
			// The full administrator of another organization does not even see this one.
			if got := roster.ErrorCode(tt.call(admin(other, roster.AdminFull))); got != roster.CodeNotFound {
				t.Errorf("%s from another organization: code %q, want not_found", tt.name, got)
			}
		}
	}
	if got := roster.ErrorCode(seats(system)); got != ok {
		t.Errorf("seats as system: %q", got)
	}
}

func TestConcurrentUpdatesLoseNoWrite(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t)
	ctx := context.Background()
	o := newOrg(t, svc, "Conc", orgSpec{})
	full := admin(o, roster.AdminFull)
	u := mustCreate(t, svc, o, provision.NewUser{Email: "c@example.com"})
	const n = 20
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			// Each writer appends one letter with If-Match, and reads again when it lost the race.
			for {
				cur, err := svc.User(ctx, full, o.ID, u.ID)
				if err != nil {
					t.Error(err)
					return
				}
				title := cur.Title + string(rune('a'+i))
				_, err = svc.UpdateUser(ctx, full, o.ID, u.ID, provision.UserChange{Title: &title}, cur.Version)
				if roster.ErrorCode(err) == roster.CodePreconditionFailed {
					continue
				}
				if err != nil {
					t.Error(err)
				}
				return
			}
		})
	}
	wg.Wait()
	got, _ := svc.User(ctx, full, o.ID, u.ID)
	if len(got.Title) != n || got.Version != int64(n+1) {
		t.Fatalf("title %q version %d: a write was lost", got.Title, got.Version)
	}
}
