package sqldb_test

import (
	"context"
	"crypto/sha256"
	"testing"
	"time"

	"roster"
	"roster/internal/sqldb"
)

func newToken(org *roster.Org, name string) *roster.APIToken {
	hash := sha256.Sum256([]byte(roster.NewID()))
	t := &roster.APIToken{
		ID: roster.NewID(), Name: name, SecretHash: hash[:], CreatedAt: at, CreatedBy: "admin",
	}
	if org == nil {
		t.System = true
	} else {
		t.OrgID, t.Role = org.ID, roster.AdminFull
	}
	return t
}

func TestTokens(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	eachEngine(t, func(t *testing.T, db *sqldb.DB) {
		acme := mustCreateOrg(t, db, "Acme")
		beta := mustCreateOrg(t, db, "Beta")
		first, second := newToken(acme, "first"), newToken(acme, "second")
		second.LastUsedAt = at.Add(time.Hour)
		other := newToken(beta, "other")
		system := newToken(nil, "installation")
		write(t, db, func(tx roster.Tx) error {
			for _, tok := range []*roster.APIToken{first, second, other, system} {
				if err := tx.CreateToken(ctx, tok); err != nil {
					return err
				}
			}
			return nil
		})

		got, err := db.FindTokenByHash(ctx, second.SecretHash)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, got, second)
		got, err = db.FindTokenByHash(ctx, system.SecretHash)
		if err != nil {
			t.Fatal(err)
		}
		wantEqual(t, got, system)

		lists := []struct {
			orgID string
			want  []*roster.APIToken
		}{
			{acme.ID, []*roster.APIToken{first, second}},
			{beta.ID, []*roster.APIToken{other}},
			{"", []*roster.APIToken{system}},
			{roster.NewID(), nil},
		}
		for _, l := range lists {
			got, err := db.FindTokens(ctx, l.orgID)
			if err != nil {
				t.Fatal(err)
			}
			wantEqual(t, got, l.want)
		}

		sameHash := newToken(beta, "copy")
		sameHash.SecretHash = first.SecretHash
		tests := []struct {
			name string
			fn   func(tx roster.Tx) error
			want roster.Code
		}{
			{"find by unknown hash", func(tx roster.Tx) error { _, err := tx.FindTokenByHash(ctx, []byte("nope")); return err }, roster.CodeNotFound},
			{"create with a taken hash", func(tx roster.Tx) error { return tx.CreateToken(ctx, sameHash) }, roster.CodeConflict},
			{"create in a missing org", func(tx roster.Tx) error { return tx.CreateToken(ctx, newToken(newOrg("Missing"), "x")) }, roster.CodeNotFound},
			{"delete in another org", func(tx roster.Tx) error { return tx.DeleteToken(ctx, beta.ID, first.ID) }, roster.CodeNotFound},
			{"delete an org token as system", func(tx roster.Tx) error { return tx.DeleteToken(ctx, "", first.ID) }, roster.CodeNotFound},
			{"delete the system token as an org", func(tx roster.Tx) error { return tx.DeleteToken(ctx, acme.ID, system.ID) }, roster.CodeNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				wantCode(t, db.Write(ctx, tt.fn), tt.want)
			})
		}

		write(t, db, func(tx roster.Tx) error {
			if err := tx.DeleteToken(ctx, acme.ID, first.ID); err != nil {
				return err
			}
			return tx.DeleteToken(ctx, "", system.ID)
		})
		for _, tok := range []*roster.APIToken{first, system} {
			_, err := db.FindTokenByHash(ctx, tok.SecretHash)
			wantCode(t, err, roster.CodeNotFound)
		}
	})
}
