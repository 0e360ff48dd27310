package provision_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"roster"
	"roster/internal/provision"
	"roster/internal/sqldb/sqldbtest"
)

func TestNormalizeEmail(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"  Ada@Example.COM ", "ada@example.com"},
		{"hr@xn--bcher-kva.example", "hr@bücher.example"},
		{"HR@Xn--Bcher-KVA.Example", "hr@bücher.example"},
		{"a_b@x_y.example", "a_b@x_y.example"}, // not a domain: left for validation to refuse
		{"hr@BÜCHER.example", "hr@bücher.example"},
		{"hr@bu\u0308cher.example", "hr@bücher.example"}, // decomposed ü
		{"ceo@\uff46w.example", "ceo@fw.example"},        // full-width f in the domain
		{"jose\u0301@x.example", "josé@x.example"},       // decomposed é in the local part
		{"ÅSA@Example.se", "åsa@example.se"},
		{"straße@straße.de", "straße@straße.de"}, // nontransitional: ß stays
		// What cannot be mapped is left for validation to refuse, never silently changed.
		{"a@x\u200b.example", "a@x\u200b.example"},
		{"no-at-sign", "no-at-sign"},
	}
	for _, tt := range tests {
		if got := provision.NormalizeEmail(tt.in); got != tt.want {
			t.Errorf("NormalizeEmail(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestOneIdentityPerPerson: two addresses that look the same are one address (refused in a
// second organization as email_in_other_org) or are refused as invalid_characters, from every
// entry point that creates or renames a user, on both engines (the unique index of the stored
// form is what holds them apart).
func TestOneIdentityPerPerson(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		store := sqldbtest.Open(t, engine)
		svc := provision.New(store)
		startWorker(t, store, svc, 0)
		a := newOrg(t, svc, "Alpha", orgSpec{})
		b := newOrg(t, svc, "Bravo", orgSpec{})
		for _, email := range []string{"hr@bücher.example", "ceo@fw.example", "admin@x.example", "josé@x.example"} {
			mustCreate(t, svc, a, provision.NewUser{Email: email})
		}
		if u := userByEmail(t, store, "hr@bücher.example"); u == nil || u.OrgID != a.ID {
			t.Fatalf("stored form: %+v", u)
		}

		same := []string{"hr@xn--bcher-kva.example", "HR@BÜCHER.EXAMPLE", "hr@bu\u0308cher.example",
			"ceo@\uff46w.example", "ceo@FW.example", "jose\u0301@x.example"}
		refused := []string{"ad\u200bmin@x.example", "admin\u200d@x.example", "\ufeffadmin@x.example", "admin\u202e@x.example",
			"ad\u2066min\u2069@x.example", "admin\U000E0041@x.example", "\uff43eo@fw.example", "ﬁnance@x.example",
			"admin@x\u200b.example", "hr@xn--zz.example", "admin\ufdd0@x.example", "a@x_y.example", "a@-x.example", "a@x-.example"}

		t.Run("create", func(t *testing.T) {
			for _, email := range same {
				_, err := svc.CreateUser(ctx, admin(b, roster.AdminFull), b.ID, provision.NewUser{Email: email})
				wantCode(t, err, roster.CodeEmailInOtherOrg)
				_, err = svc.CreateUser(ctx, admin(a, roster.AdminFull), a.ID, provision.NewUser{Email: email})
				wantCode(t, err, roster.CodeEmailExists)
			}
			for _, email := range refused {
				_, err := svc.CreateUser(ctx, admin(b, roster.AdminFull), b.ID, provision.NewUser{Email: email})
				wantField(t, err, "email", roster.CodeInvalidCharacters, roster.CodeInvalid)
			}
		})
		t.Run("batch", func(t *testing.T) {
			// One spelling of each address: two of one address in a submission are refused as
			// repeated, which the last entry shows.
			var entries []provision.BatchEntry
			for _, email := range []string{"hr@xn--bcher-kva.example", "ceo@\uff46w.example", "jose\u0301@x.example",
				"ad\u200bmin@x.example", "admin\u202e@x.example", "\uff43eo@fw.example", "Jos\u00e9@X.example"} {
				entries = append(entries, provision.BatchEntry{Email: email})
			}
			results, err := svc.AddOrModifyUsers(ctx, admin(b, roster.AdminFull), b.ID, provision.Batch{Entries: entries})
			if err != nil {
				t.Fatal(err)
			}
			for i, r := range results {
				want := roster.CodeEmailInOtherOrg
				if i >= 3 {
					want = roster.CodeInvalidCharacters
				}
				if i == 6 {
					want = roster.CodeDuplicateEmail
				}
				if r.Code != want || r.Outcome != provision.Failed {
					t.Errorf("entry %q: %+v, want %s", entries[i].Email, r, want)
				}
			}
		})
		t.Run("rename", func(t *testing.T) {
			u := mustCreate(t, svc, b, provision.NewUser{Email: "someone@b.example"})
			for _, email := range same[:3] {
				_, err := svc.UpdateUser(ctx, admin(b, roster.AdminFull), b.ID, u.ID, provision.UserChange{Email: &email}, 0)
				wantCode(t, err, roster.CodeEmailInOtherOrg)
			}
			for _, email := range refused[:3] {
				_, err := svc.UpdateUser(ctx, admin(b, roster.AdminFull), b.ID, u.ID, provision.UserChange{Email: &email}, 0)
				wantField(t, err, "email", roster.CodeInvalidCharacters)
			}
		})
		t.Run("import", func(t *testing.T) {
			csv := "Email\nhr@xn--bcher-kva.example\nceo@\uff46w.example\n" + strings.Join(refused[:3], "\n") +
				"\nnew@b.example\nHR@BÜCHER.example\n"
			task := importFile(t, svc, admin(b, roster.AdminFull), b, provision.ImportAdd, false, csv)
			want := "2 error email_in_other_org\n3 error email_in_other_org\n" +
				"4 error invalid_characters\n5 error invalid_characters\n6 error invalid_characters\n7 created \n8 error csv_duplicate_email"
			if got := report(t, svc, b, task.ID); got != want {
				t.Fatalf("report:\n%s\nwant:\n%s", got, want)
			}
			names := "Email,First Name,Last Name\nrlo@b.example,Bob\u202eexe.txt,X\nzw@b.example,Mal\u200bory,X\nok@b.example,Łukasz,李\n"
			task = importFile(t, svc, admin(b, roster.AdminFull), b, provision.ImportAdd, false, names)
			want = "2 error invalid_characters\n3 error invalid_characters\n4 created "
			if got := report(t, svc, b, task.ID); got != want {
				t.Fatalf("names report:\n%s\nwant:\n%s", got, want)
			}
		})
		t.Run("lookups", func(t *testing.T) {
			page, err := svc.Users(ctx, admin(a, roster.AdminReadOnly), roster.UserFilter{OrgID: a.ID, Email: "HR@xn--BCHER-kva.example"})
			if err != nil || len(page.Users) != 1 || page.Users[0].Email != "hr@bücher.example" {
				t.Fatalf("email filter: %+v %v", page, err)
			}
			u, err := svc.GrantInstallationAdmin(ctx, system, "ceo@\uff46w.EXAMPLE")
			if err != nil || u.Email != "ceo@fw.example" {
				t.Fatalf("grant by a look-alike spelling: %+v %v", u, err)
			}
		})
		// Nothing refused reached the other organization.
		page, err := svc.Users(ctx, admin(b, roster.AdminReadOnly), roster.UserFilter{OrgID: b.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range page.Users {
			if u.Email != "someone@b.example" && u.Email != "new@b.example" && u.Email != "ok@b.example" {
				t.Errorf("organization B holds %q", u.Email)
			}
		}
	})
}

// wantField checks that err is `invalid` with a field error on field whose code is one of codes.
func wantField(t *testing.T, err error, field string, codes ...roster.Code) {
	t.Helper()
	wantCode(t, err, roster.CodeInvalid)
	for _, fe := range roster.ErrorFields(err) {
		for _, c := range codes {
			if fe.Field == field && fe.Code == c {
				return
			}
		}
	}
	t.Fatalf("field errors %+v, want %s with one of %v", roster.ErrorFields(err), field, codes)
}

// names that must keep working in every name field, and names that hide characters.
var (
	realNames = []string{"Łukasz Żółć", "Åsa Öberg", "李伟", "山田 太郎", "محمد العلي", "فرهاد\u200cزاده",
		"क्\u200dष", "Anna 👩\u200d💻", "Bo 👩\U0001F3FD\u200d💻", "Zoë ❤\ufe0f", "Nguyễn Văn An", "O'Brien-Smith"}
	hiddenNames = []string{"Bob\u202eexe.txt", "Eve\u2066x\u2069", "Mal\u200bory", "\ufeffBOM", "Tag\U000E0041",
		"Non\ufdd0char", "Non\uffffchar", "Ad\u200dmin", "\u200cLead", "Han\u3164gul", "x\u200e"}
)

func TestNamesRefuseHiddenCharacters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, _ := newService(t)
	o := newOrg(t, svc, "Acme", orgSpec{})
	full := admin(o, roster.AdminFull)
	entries := []struct {
		field  string
		create func(name string) error
	}{
		{"firstName", func(n string) error {
			_, err := svc.CreateUser(ctx, full, o.ID, provision.NewUser{Email: roster.NewID() + "@x.example", FirstName: n})
			return err
		}},
		{"lastName", func(n string) error {
			_, err := svc.CreateUser(ctx, full, o.ID, provision.NewUser{Email: roster.NewID() + "@x.example", LastName: n})
			return err
		}},
		{"displayName", func(n string) error {
			_, err := svc.CreateUser(ctx, full, o.ID, provision.NewUser{Email: roster.NewID() + "@x.example", DisplayName: n})
			return err
		}},
		{"name", func(n string) error {
			_, err := svc.CreateOrg(ctx, system, provision.OrgChange{Name: &n})
			return err
		}},
		{"name", func(n string) error {
			n += roster.NewID() // group names are unique
			_, err := svc.CreateGroup(ctx, full, o.ID, provision.GroupInput{Name: &n})
			return err
		}},
		{"name", func(n string) error {
			_, err := svc.CreateUserProfile(ctx, full, o.ID, n+roster.NewID(), roster.ProfileStandardAgent)
			return err
		}},
		{"name", func(n string) error {
			_, err := svc.CreateSite(ctx, full, o.ID, n+roster.NewID())
			return err
		}},
	}
	for i, e := range entries {
		for _, n := range realNames {
			if err := e.create(n); err != nil {
				t.Errorf("entry %d (%s): %q refused: %v", i, e.field, n, err)
			}
		}
		for _, n := range hiddenNames {
			err := e.create(n)
			if roster.ErrorCode(err) != roster.CodeInvalid {
				t.Errorf("entry %d (%s): %q: %v, want invalid_characters", i, e.field, n, err)
				continue
			}
			wantField(t, err, e.field, roster.CodeInvalidCharacters)
		}
	}
	// A rename goes through the same rule.
	u := mustCreate(t, svc, o, provision.NewUser{Email: "rename@x.example", FirstName: "Ann"})
	_, err := svc.UpdateUser(ctx, full, o.ID, u.ID, provision.UserChange{FirstName: ptr("Ann\u202e")}, 0)
	wantField(t, err, "firstName", roster.CodeInvalidCharacters)
}

// TestStoredBeforeTheRules: a user stored before these rules (a domain in its xn-- form, a
// name with a zero-width space) can still be changed in other ways; only the fields a change
// sets are checked.
func TestStoredBeforeTheRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, store := newService(t)
	o := newOrg(t, svc, "Acme", orgSpec{standard: 1})
	now := time.Now().UTC()
	old := &roster.User{ID: roster.NewID(), OrgID: o.ID, Email: "old@xn--bcher-kva.example", FirstName: "Ol\u200bd",
		Status: roster.StatusPending, License: roster.LicenseNone, CCRole: roster.RoleAgent, AdminRole: roster.AdminNone,
		SyncStatus: roster.SyncNone, Version: 1, CreatedAt: now, UpdatedAt: now}
	if err := store.Write(ctx, func(tx roster.Tx) error { return tx.CreateUser(ctx, old) }); err != nil {
		t.Fatal(err)
	}
	full := admin(o, roster.AdminFull)
	u, err := svc.UpdateUser(ctx, full, o.ID, old.ID, provision.UserChange{License: ptr(roster.LicenseStandard)}, 0)
	if err != nil || u.License != roster.LicenseStandard {
		t.Fatalf("license change of a user stored before the rules: %+v %v", u, err)
	}
	_, err = svc.UpdateUser(ctx, full, o.ID, old.ID, provision.UserChange{FirstName: ptr("Ol\u200cd")}, 0)
	wantField(t, err, "firstName", roster.CodeInvalidCharacters)
	u, err = svc.UpdateUser(ctx, full, o.ID, old.ID, provision.UserChange{FirstName: ptr("Old"), Email: ptr("old@xn--bcher-kva.example")}, 0)
	if err != nil || u.FirstName != "Old" || u.Email != "old@bücher.example" {
		t.Fatalf("the fields set again: %+v %v", u, err)
	}
}

func TestNormalizeStoredEmails(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		store := sqldbtest.Open(t, engine)
		svc := provision.New(store)
		a := newOrg(t, svc, "Alpha", orgSpec{})
		b := newOrg(t, svc, "Bravo", orgSpec{})
		now := time.Now().UTC()
		stored := func(o *roster.Org, email string) *roster.User {
			return &roster.User{ID: roster.NewID(), OrgID: o.ID, Email: email, Status: roster.StatusPending, License: roster.LicenseNone,
				CCRole: roster.RoleAgent, AdminRole: roster.AdminNone, SyncStatus: roster.SyncNone, Version: 1, CreatedAt: now, UpdatedAt: now}
		}
		old, dup, zw := stored(a, "old@xn--bcher-kva.example"), stored(a, "dup@xn--bcher-kva.example"), stored(b, "z\u200bw@x.example")
		users := []*roster.User{old, dup, stored(b, "dup@bücher.example"), zw, stored(b, "fine@x.example")}
		if err := store.Write(ctx, func(tx roster.Tx) error { return tx.CreateUsers(ctx, users) }); err != nil {
			t.Fatal(err)
		}
		_, err := svc.NormalizeStoredEmails(ctx, admin(a, roster.AdminFull), false)
		wantCode(t, err, roster.CodeForbidden)
		found, err := svc.NormalizeStoredEmails(ctx, system, false)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]roster.Code{}
		for _, e := range found {
			got[e.UserID] = roster.ErrorCode(e.Err)
		}
		want := map[string]roster.Code{old.ID: "", dup.ID: roster.CodeEmailInOtherOrg, zw.ID: roster.CodeInvalid}
		if len(got) != len(want) {
			t.Fatalf("found %+v", found)
		}
		for id, code := range want {
			if c, ok := got[id]; !ok || c != code {
				t.Errorf("user %s: %q, want %q (%+v)", id, c, code, found)
			}
		}
		if u := userByEmail(t, store, "old@bücher.example"); u == nil || u.ID != old.ID {
			t.Fatalf("not rewritten: %+v", u)
		}
	})
}
