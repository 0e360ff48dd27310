package provision_test

import (
	"testing"

	"roster"
	"roster/internal/provision"
	"roster/internal/sqldb/sqldbtest"
)

// TestCreateTokenOnce creates a token with a key twice, as a form sent twice does: the second
// creation is a conflict and mints nothing. Another key, or another administrator with the same
// key, creates another token.
func TestCreateTokenOnce(t *testing.T) {
	t.Parallel()
	for _, engine := range sqldbtest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			store := sqldbtest.Open(t, engine)
			svc := provision.New(store)
			o := newOrg(t, svc, "Acme", orgSpec{})
			ada := roster.Actor{Kind: "admin", ID: "ada", OrgID: o.ID, Role: roster.AdminFull, Interface: roster.ViaConsole}
			bob := roster.Actor{Kind: "admin", ID: "bob", OrgID: o.ID, Role: roster.AdminFull, Interface: roster.ViaConsole}
			in := provision.NewToken{OrgID: o.ID, Name: "CI", Role: roster.AdminReadOnly, Key: "k1"}
			first, secret, err := svc.CreateToken(t.Context(), ada, in)
			if err != nil {
				t.Fatal(err)
			}
			if _, again, err := svc.CreateToken(t.Context(), ada, in); roster.ErrorCode(err) != roster.CodeConflict || again != "" {
				t.Fatalf("second creation with the key: %q %v", again, err)
			}
			if _, _, err := svc.CreateToken(t.Context(), bob, in); err != nil {
				t.Fatalf("another administrator's key: %v", err)
			}
			in.Key = "k2"
			if _, _, err := svc.CreateToken(t.Context(), ada, in); err != nil {
				t.Fatalf("another key: %v", err)
			}
			tokens, err := svc.Tokens(t.Context(), ada, o.ID)
			if err != nil || len(tokens) != 3 {
				t.Fatalf("tokens: %d %v", len(tokens), err)
			}
			if a, err := svc.Authenticate(t.Context(), secret, roster.ViaAPI); err != nil || a.ID != first.ID {
				t.Fatalf("the first secret: %+v %v", a, err)
			}
		})
	}
}
