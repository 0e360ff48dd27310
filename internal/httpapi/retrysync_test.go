package httpapi_test

import (
	"context"
	"testing"

	"roster"
)

// failSync makes the sync of A.agent invalid, as if its retries had run out.
func failSync(f *fixture) {
	ctx := context.Background()
	err := f.store.Write(ctx, func(tx roster.Tx) error {
		return tx.SetSyncStatuses(ctx, f.a.ID, map[string]roster.SyncStatus{f.users["A.agent"].ID: roster.SyncInvalid})
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

func TestRetrySync(t *testing.T) {
	t.Parallel()
	const path = "/api/v1/orgs/{A}/users/{A.agent}/retry-sync"
	runScenarios(t, []scenario{
		{name: "retry by cc_service", method: "POST", path: path, token: "A.cc", setup: failSync, status: 202,
			want: map[string]any{"email": "agent@a.example", "syncStatus": "pending", "version": float64(1)}},
		{name: "retry by full", method: "POST", path: path, token: "A.full", setup: failSync, status: 202,
			want: map[string]any{"syncStatus": "pending"}},
		{name: "nothing failed", method: "POST", path: path, token: "A.full", status: 409, code: roster.CodeConflict},
		{name: "retry by read_only", method: "POST", path: path, token: "A.ro", setup: failSync, status: 403, code: roster.CodeForbidden},
		{name: "another organization's user", method: "POST", path: "/api/v1/orgs/{A}/users/{B.sup}/retry-sync", token: "A.full",
			status: 404, code: roster.CodeNotFound},
		{name: "from another organization", method: "POST", path: path, token: "B.full", setup: failSync, status: 404,
			code: roster.CodeNotFound},
	})
}
