package scimtest_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"roster/internal/contactcenter/scimtest"
)

func TestFilters(t *testing.T) {
	t.Parallel()
	srv := scimtest.NewServer("tok")
	t.Cleanup(srv.Close)
	tests := []struct {
		filter   string
		status   int
		scimType string
	}{
		{filter: `externalId eq "u1"`, status: 200},
		{filter: `EXTERNALID EQ "u \"1\""`, status: 200},
		{filter: `userName eq "a@example.com"`, status: 200},
		{filter: `displayName eq "x"`, status: 400, scimType: "invalidFilter"},
		{filter: `externalId co "u"`, status: 400, scimType: "invalidFilter"},
		{filter: `externalId eq u1`, status: 400, scimType: "invalidFilter"},
		{filter: `externalId eq "u1" and userName eq "a"`, status: 400, scimType: "invalidFilter"},
	}
	for _, tt := range tests {
		t.Run(tt.filter, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(http.MethodGet, srv.URL+"/Users?"+url.Values{"filter": {tt.filter}}.Encode(), nil)
			req.Header.Set("Authorization", "Bearer tok")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var body struct {
				ScimType     string `json:"scimType"`
				TotalResults *int   `json:"totalResults"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status || body.ScimType != tt.scimType {
				t.Errorf("status %d scimType %q, want %d %q", resp.StatusCode, body.ScimType, tt.status, tt.scimType)
			}
			if tt.status == 200 && (body.TotalResults == nil || *body.TotalResults != 0) {
				t.Errorf("totalResults = %v, want 0", body.TotalResults)
			}
		})
	}
}

func TestUnauthorized(t *testing.T) {
	t.Parallel()
	srv := scimtest.NewServer("tok")
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL + "/Users")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || srv.Count("GET") != 1 {
		t.Errorf("status %d, GET count %d; want 401 and 1", resp.StatusCode, srv.Count("GET"))
	}
}
