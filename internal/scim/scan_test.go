package scim

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"roster"
	"roster/internal/provision"
	"roster/internal/sqldb/sqldbtest"
)

// TestScanLimit checks that a filter no index serves is refused with tooMany in an
// organization larger than the scan limit, while indexed lookups still answer.
func TestScanLimit(t *testing.T) {
	t.Parallel()
	for _, engine := range sqldbtest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			svc := provision.New(sqldbtest.Open(t, engine))
			sys := provision.System(roster.ViaCLI)
			name := "Scan"
			org, err := svc.CreateOrg(ctx, sys, provision.OrgChange{Name: &name})
			if err != nil {
				t.Fatal(err)
			}
			_, token, err := svc.CreateToken(ctx, sys, provision.NewToken{OrgID: org.ID, Role: roster.AdminReadOnly})
			if err != nil {
				t.Fatal(err)
			}
			for _, email := range []string{"a@example.com", "b@example.com", "c@example.com"} {
				if _, err := svc.CreateUser(ctx, sys, org.ID, provision.NewUser{Email: email}); err != nil {
					t.Fatal(err)
				}
			}
			s := New(svc, nil)
			s.maxScan = 2
			srv := httptest.NewServer(s.Handler())
			defer srv.Close()
			get := func(filter string) (int, map[string]any) {
				req, _ := http.NewRequest("GET", srv.URL+"/scim/v2/Users?"+url.Values{"filter": {filter}}.Encode(), nil)
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var body map[string]any
				_ = json.NewDecoder(resp.Body).Decode(&body)
				return resp.StatusCode, body
			}
			if status, body := get(`userName co "b"`); status != 400 || body["scimType"] != "tooMany" {
				t.Errorf("scan beyond the limit: %d %v", status, body)
			}
			if status, body := get(`userName eq "b@example.com" and title pr`); status != 200 || body["totalResults"] != 0.0 {
				t.Errorf("indexed lookup: %d %v", status, body)
			}
			if status, body := get(`userName eq "B@example.com"`); status != 200 || body["totalResults"] != 1.0 {
				t.Errorf("indexed lookup: %d %v", status, body)
			}
			// Roster keeps no externalId: no user matches, whatever the organization's size.
			if status, body := get(`externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"`); status != 200 || body["totalResults"] != 0.0 {
				t.Errorf("externalId lookup: %d %v", status, body)
			}
			if status, body := get(`externalId pr or userName co "b"`); status != 400 || body["scimType"] != "tooMany" {
				t.Errorf("a filter that may match is scanned: %d %v", status, body)
			}
		})
	}
}
