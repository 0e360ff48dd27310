package provision_test

import (
	"context"
	"testing"

	"roster"
	"roster/internal/provision"
	"roster/internal/sqldb/sqldbtest"
)

func TestUserByEmail(t *testing.T) {
	t.Parallel()
	for _, engine := range sqldbtest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			svc := provision.New(sqldbtest.Open(t, engine))
			acme := newOrg(t, svc, "Acme", orgSpec{})
			other := newOrg(t, svc, "Other", orgSpec{})
			ada := mustCreate(t, svc, acme, provision.NewUser{Email: "ada@example.com"})
			mustCreate(t, svc, other, provision.NewUser{Email: "grace@example.com"})

			u, err := svc.UserByEmail(ctx, admin(acme, roster.AdminReadOnly), acme.ID, "  ADA@Example.com ")
			if err != nil || u.ID != ada.ID {
				t.Fatalf("UserByEmail = %v, %v", u, err)
			}
			_, err = svc.UserByEmail(ctx, admin(acme, roster.AdminFull), acme.ID, "grace@example.com")
			wantCode(t, err, roster.CodeNotFound) // another organization's user
			_, err = svc.UserByEmail(ctx, admin(acme, roster.AdminFull), acme.ID, "nobody@example.com")
			wantCode(t, err, roster.CodeNotFound)
			_, err = svc.UserByEmail(ctx, admin(other, roster.AdminFull), acme.ID, "ada@example.com")
			wantCode(t, err, roster.CodeNotFound) // an actor of another organization
			_, err = svc.UserByEmail(ctx, admin(acme, roster.AdminNone), acme.ID, "ada@example.com")
			wantCode(t, err, roster.CodeForbidden)
		})
	}
}
