package httpapi_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"roster"
	"roster/internal/provision"
)

// TestImportSpreadsheetRoundTrip downloads the export, does to it what Excel in English does
// when it opens and saves a CSV file with default settings (phone numbers read as numbers lose
// their +, the file is saved in Windows-1252 with "?" for the letters it lacks) after the
// administrator gave a license, and imports it: the license goes in, and no name or phone
// number is lost.
func TestImportSpreadsheetRoundTrip(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.runWorker()
	o := e.createOrg("Charlie", roster.PlatformNew, roster.Seats{})
	_, full := e.mintToken(provision.NewToken{OrgID: o.ID, Name: "full", Role: roster.AdminFull})
	e.createUser(o.ID, provision.NewUser{Email: "ada@c.example", FirstName: "Åsa", PhoneNumber: "+46701234567", License: roster.LicenseStandard})
	u := e.createUser(o.ID, provision.NewUser{Email: "lukasz@c.example", FirstName: "Łukasz", LastName: "Żółć",
		PhoneNumber: "+48601234567", Department: "Obsługa", License: roster.LicenseNone})

	export := e.do(req{method: "GET", path: ("/api/v1/orgs/" + o.ID + "/users.csv"), token: full})
	if export.status != 200 {
		t.Fatalf("export: %d %s", export.status, export.raw)
	}
	records, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(export.raw, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range records[1:] {
		r[5] = strings.TrimPrefix(r[5], "+") // Phone Number
		if r[3] == "lukasz@c.example" {
			r[10] = "TRUE" // Contact Center Standard Agent
		}
	}
	var saved bytes.Buffer
	w := csv.NewWriter(&saved)
	w.UseCRLF = true
	_ = w.WriteAll(records)
	var ansi []byte
	for _, r := range saved.String() {
		c, ok := charmap.Windows1252.EncodeRune(r)
		if !ok {
			c = '?'
		}
		ansi = append(ansi, c)
	}

	body, header := form(map[string]string{"file": string(ansi), "mode": "add_remove"})
	started := e.do(req{method: "POST", path: ("/api/v1/orgs/" + o.ID + "/imports"), token: full, body: body, header: header})
	if started.status != 202 {
		t.Fatalf("import: %d %s", started.status, started.raw)
	}
	id := get(started.body, "id").(string)
	deadline := time.Now().Add(30 * time.Second)
	var done resp
	for {
		done = e.do(req{method: "GET", path: ("/api/v1/orgs/" + o.ID + "/tasks/" + id), token: full})
		if s := get(done.body, "state").(string); s != "queued" && s != "running" || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if get(done.body, "state") != "completed" || get(done.body, "counts.updated") != 1.0 || get(done.body, "counts.unchanged") != 1.0 || get(done.body, "counts.errors") != 0.0 {
		t.Fatalf("import finished: %s", done.raw)
	}
	got := e.do(req{method: "GET", path: ("/api/v1/orgs/" + o.ID + "/users/" + u.ID), token: full})
	for field, want := range map[string]any{"firstName": "Łukasz", "lastName": "Żółć", "department": "Obsługa",
		"phoneNumber": "+48601234567", "license": "standard"} {
		if v := get(got.body, field); v != want {
			t.Errorf("%s: %v, want %v", field, v, want)
		}
	}
	rep := e.do(req{method: "GET", path: ("/api/v1/orgs/" + o.ID + "/tasks/" + id + "/report.csv"), token: full})
	for _, want := range []string{"lukasz@c.example,warning,csv_lost_characters,", `""First Name"" (""?ukasz"")`,
		"has no leading +", "format the \"\"Phone Number\"\" column as text"} {
		if !strings.Contains(string(rep.raw), want) {
			t.Errorf("report lacks %s:\n%s", want, rep.raw)
		}
	}
}
