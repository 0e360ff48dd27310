package provision_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"roster"
	"roster/internal/provision"
	"roster/internal/sqldb/sqldbtest"
)

// TestTokenUse: a token's use is recorded, at most every five minutes.
func TestTokenUse(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var now atomic.Int64
	start := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	now.Store(start.UnixNano())
	store := sqldbtest.Open(t, "sqlite")
	svc := provision.New(store, provision.WithClock(func() time.Time { return time.Unix(0, now.Load()) }))
	tok, secret, err := svc.CreateToken(ctx, system, provision.NewToken{System: true, Name: "ci"})
	if err != nil {
		t.Fatal(err)
	}
	lastUsed := func() time.Time {
		t.Helper()
		toks, err := store.FindTokens(ctx, "")
		if err != nil || len(toks) != 1 || toks[0].ID != tok.ID {
			t.Fatalf("tokens %v %v", toks, err)
		}
		return toks[0].LastUsedAt
	}
	if !lastUsed().IsZero() {
		t.Fatal("a new token was used")
	}
	use := func(after time.Duration) time.Time {
		t.Helper()
		now.Store(start.Add(after).UnixNano())
		if _, err := svc.Authenticate(ctx, secret, roster.ViaAPI); err != nil {
			t.Fatal(err)
		}
		return lastUsed()
	}
	if got := use(0); !got.Equal(start) {
		t.Errorf("first use recorded at %s, want %s", got, start)
	}
	if got := use(4 * time.Minute); !got.Equal(start) {
		t.Errorf("a use 4 minutes later was recorded: %s", got)
	}
	if got := use(6 * time.Minute); !got.Equal(start.Add(6 * time.Minute)) {
		t.Errorf("a use 6 minutes later recorded as %s", got)
	}
}
