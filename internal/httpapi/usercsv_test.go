package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"roster"
	"roster/internal/csvfile"
	"roster/internal/httpapi"
)

// csvHeader is the first line of the users export, byte order mark included.
const csvHeader = "\uFEFFFirst Name,Last Name,Display Name,User ID/Email (Required),User Status,Phone Number," +
	"Title,Department,Preferred Language,Groups,Contact Center Standard Agent,Contact Center Premium Agent," +
	"Contact Center Role,Sync Status\r\n"

func TestExportUsers(t *testing.T) {
	t.Parallel()
	wantFile := func(t *testing.T, f *fixture, r resp) {
		t.Helper()
		if ct := r.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		want := `attachment; filename="users-Alpha-Corp-` + time.Now().UTC().Format("2006-01-02") + `.csv"`
		if cd := r.header.Get("Content-Disposition"); cd != want {
			t.Errorf("Content-Disposition %q, want %q", cd, want)
		}
		body := string(r.raw)
		if !strings.HasPrefix(body, csvHeader) {
			t.Fatalf("the file does not start with the byte order mark and the header:\n%q", body)
		}
		rows := strings.Split(strings.TrimSuffix(strings.TrimPrefix(body, csvHeader), "\r\n"), "\r\n")
		want2 := []string{
			"Ada,Agent,,agent@a.example,pending,,,,,,TRUE,FALSE,,pending",
			"Sven,Super,,sup@a.example,pending,,,,,,FALSE,TRUE,supervisor,pending",
		}
		if strings.Join(rows, "\n") != strings.Join(want2, "\n") {
			t.Errorf("rows:\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want2, "\n"))
		}
		if strings.Contains(body, "b.example") {
			t.Errorf("the file holds users of organization B")
		}
	}
	runScenarios(t, []scenario{
		{name: "full administrator", method: "GET", path: "/api/v1/orgs/{A}/users.csv", token: "A.full", status: 200, check: wantFile},
		{name: "read-only administrator", method: "GET", path: "/api/v1/orgs/{A}/users.csv", token: "A.ro", status: 200, check: wantFile},
		{name: "installation", method: "GET", path: "/api/v1/orgs/{A}/users.csv", token: "sys", status: 200, check: wantFile},
		{name: "other organization's token", method: "GET", path: "/api/v1/orgs/{A}/users.csv", token: "B.full", status: 404, code: roster.CodeNotFound},
		{name: "unknown organization", method: "GET", path: "/api/v1/orgs/nope/users.csv", token: "sys", status: 404, code: roster.CodeNotFound},
		{name: "no token", method: "GET", path: "/api/v1/orgs/{A}/users.csv", status: 401, code: roster.CodeUnauthorized},
		{name: "unknown parameter", method: "GET", path: "/api/v1/orgs/{A}/users.csv?license=premium", token: "A.full", status: 400, code: roster.CodeInvalid},
		{name: "wrong method", method: "POST", path: "/api/v1/orgs/{A}/users.csv", token: "A.full", body: map[string]any{}, status: 405, code: "method_not_allowed"},
	})
}

// TestClientExportUsers downloads the file with the Go client and reads it back with the
// import's reader: the export is a file the import takes.
func TestClientExportUsers(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := httpapi.NewClient(f.srv.URL, f.tokens["A.ro"], f.srv.Client())
	var buf bytes.Buffer
	if err := c.ExportUsers(context.Background(), f.a.ID, &buf); err != nil {
		t.Fatal(err)
	}
	tbl, err := csvfile.Open(&buf, csvfile.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	ur, err := csvfile.NewUserReader(tbl)
	if err != nil {
		t.Fatal(err)
	}
	var emails []string
	for {
		row, err := ur.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if row.HasErrors() {
			t.Errorf("line %d: %+v", row.Line, row.Problems)
		}
		emails = append(emails, row.Email)
	}
	if got := strings.Join(emails, " "); got != "agent@a.example sup@a.example" {
		t.Errorf("emails read back: %s", got)
	}

	other := httpapi.NewClient(f.srv.URL, f.tokens["B.full"], f.srv.Client())
	buf.Reset()
	err = other.ExportUsers(context.Background(), f.a.ID, &buf)
	if roster.ErrorCode(err) != roster.CodeNotFound || buf.Len() != 0 {
		t.Errorf("other organization: %v, %d bytes", err, buf.Len())
	}
}
