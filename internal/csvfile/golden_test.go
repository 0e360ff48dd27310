package csvfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"roster"
	"roster/internal/golden"
)

// checkGolden compares got with testdata/name, or rewrites the file with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name), string(got))
}

// dumpUsers reads a users file and describes, in a stable text form, everything an import
// would get from it: encoding, delimiter, notices, rows, problems, or the up-front error.
func dumpUsers(data []byte, lim Limits) string {
	var b strings.Builder
	t, err := Open(bytes.NewReader(data), lim)
	if err != nil {
		fmt.Fprintf(&b, "open error: %s\n", describeErr(err))
		return b.String()
	}
	fmt.Fprintf(&b, "encoding: %s\ndelimiter: %q\nheader (line %d): %q\n", t.Encoding(), t.Delimiter(), t.HeaderLine(), t.Header())
	u, err := NewUserReader(t)
	if err != nil {
		fmt.Fprintf(&b, "header error: %s\n", describeErr(err))
		return b.String()
	}
	var has []string
	for f := range numFields {
		if u.Has(f) {
			has = append(has, f.String())
		}
	}
	fmt.Fprintf(&b, "fields: %q\n", has)
	for {
		row, err := u.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fmt.Fprintf(&b, "error: %s\n", describeErr(err))
			break
		}
		fmt.Fprintf(&b, "line %d: email=%q first=%q last=%q display=%q phone=%q title=%q dept=%q lang=%q groups=%q standard=%s premium=%s\n",
			row.Line, row.Email, row.FirstName, row.LastName, row.DisplayName, row.PhoneNumber, row.Title,
			row.Department, row.PreferredLanguage, row.Groups, choiceName(row.Standard), choiceName(row.Premium))
		for _, p := range row.Problems {
			fmt.Fprintf(&b, "  %s %s [%s] %s\n", p.Severity, p.Code, p.Column, p.Message)
		}
	}
	for _, p := range u.Notices() {
		fmt.Fprintf(&b, "notice: %s %s %s\n", p.Severity, p.Code, p.Message)
	}
	fmt.Fprintf(&b, "rows: %d, encoding at the end: %s\n", t.Rows(), t.Encoding())
	return b.String()
}

func describeErr(err error) string {
	var re *roster.Error
	if errors.As(err, &re) {
		return fmt.Sprintf("%s: %s", re.Code, re.Message)
	}
	return "internal: " + err.Error()
}

func choiceName(c Choice) string {
	if c == Unset {
		return "unset"
	}
	return c.String()
}

// TestGoldenFiles reads fixtures with the exact bytes spreadsheets save (testdata/README.md
// says which program and settings each one stands for).
func TestGoldenFiles(t *testing.T) {
	t.Parallel()
	fixtures, err := filepath.Glob("testdata/*.csv")
	if err != nil {
		t.Fatal(err)
	}
	more, _ := filepath.Glob("testdata/*.txt")
	fixtures = append(fixtures, more...)
	if len(fixtures) < 5 {
		t.Fatalf("found only %d fixtures", len(fixtures))
	}
	for _, path := range fixtures {
		name := filepath.Base(path)
		if strings.HasPrefix(name, "export") {
			continue // written by TestGoldenExport
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			checkGolden(t, name+".golden", []byte(dumpUsers(data, Limits{})))
		})
	}
}

// goldenUsers are the users of the export golden file: the escaping cases side by side with
// ordinary users.
var goldenUsers = []UserRecord{
	{FirstName: "Åsa", LastName: "Öberg", DisplayName: "Åsa Öberg", Email: "asa.oberg@example.se",
		Status: roster.StatusActive, PhoneNumber: "+46701234567", Title: "Chef", Department: "Kundtjänst",
		PreferredLanguage: roster.Swedish, Groups: []string{"Support", "Sverige"}, Premium: true,
		Role: roster.RoleAgent, SyncStatus: roster.SyncValid},
	{FirstName: "José", LastName: "Peña", Email: "jose@example.es", Status: roster.StatusPending,
		Title: "=HYPERLINK(\"http://evil.example\",\"click\")", Department: "+1 sales", Standard: true,
		SyncStatus: roster.SyncPending},
	{FirstName: "-Minus", LastName: "@At", DisplayName: "Smith, John \"Jack\"", Email: "jack@example.com",
		Status: roster.StatusInactive, PhoneNumber: "+0123", Title: "Head of\nSales", Department: "'=quoted",
		Groups: []string{"=SUM(1)", "Team"}, SyncStatus: roster.SyncNone},
	{FirstName: "Dde", LastName: "=cmd|' /C calc'!A0", Email: "dde@example.com", Status: roster.StatusActive,
		PhoneNumber: "+4670123456789012", Premium: true, Role: roster.RoleSupervisor, SyncStatus: roster.SyncValid},
	{Email: "tab@example.com", Title: "\tTabbed", Department: "\rReturn", PhoneNumber: "46701234567",
		Status: roster.StatusActive, SyncStatus: roster.SyncInvalid},
}

// TestGoldenExport writes the export golden file and checks that it reads back.
func TestGoldenExport(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w := NewUserWriter(&buf)
	for _, u := range goldenUsers {
		if err := w.Write(u); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "export_users.csv", buf.Bytes())
	checkGolden(t, "export_users.csv.golden", []byte(dumpUsers(buf.Bytes(), Limits{})))

	var rep bytes.Buffer
	rw := NewReportWriter(&rep)
	for _, r := range []ReportRow{
		{Row: 0, Outcome: OutcomeWarning, Code: CodeUnknownColumns, Message: "Roster does not know these columns and ignored them: \"Extension\"."},
		{Row: 2, Email: "asa.oberg@example.se", Outcome: OutcomeCreated},
		{Row: 3, Email: "jose@example.es", Outcome: OutcomeUpdated},
		{Row: 4, Email: "=1+1@example.com", Outcome: OutcomeError, Code: roster.CodeInvalid, Message: "The email address must look like name@example.com."},
		{Row: 5, Email: "both@example.com", Outcome: OutcomeWarning, Code: CodeBothLicenses, Message: "Both Standard Agent and Premium Agent are yes; a user holds one license, so the user gets Premium."},
		{Row: 6, Email: "same@example.com", Outcome: OutcomeUnchanged},
		{Row: 7, Email: "-@example.com", Outcome: OutcomeError, Code: roster.CodeNoSeatsAvailable, Message: "No Premium Agent seats are left, \"premium\": 10 of 10 used."},
	} {
		if err := rw.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := rw.Flush(); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "export_report.csv", rep.Bytes())
}
