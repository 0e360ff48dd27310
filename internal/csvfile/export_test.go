package csvfile

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"roster"
)

// TestEscape is the table of formula escaping: what gets the apostrophe and what does not.
func TestEscape(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"Ann", "Ann"},
		{"=1+1", "'=1+1"},
		{"=HYPERLINK(\"http://evil.example\")", "'=HYPERLINK(\"http://evil.example\")"},
		{"+1 555 0100", "'+1 555 0100"},
		{"-5", "'-5"},
		{"-", "'-"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\tx", "'\tx"},
		{"\rx", "'\rx"},
		{"a=b", "a=b"},
		{" =x", " =x"}, // a spreadsheet does not run a cell that starts with a space
		{"'x", "'x"},
		{"'", "'"},
		{"''", "''"},
		{"'=x", "''=x"},   // so that the reader's stripping gives "'=x" back
		{"''-x", "'''-x"}, // likewise
		// E.164: "+", 2 to 15 digits, the first not 0.
		{"+46701234567", "+46701234567"},
		{"+12", "+12"},
		{"+123456789012345", "+123456789012345"},
		{"+1234567890123456", "'+1234567890123456"}, // 16 digits
		{"+1", "'+1"},                               // 1 digit
		{"+0123", "'+0123"},
		{"+46 70 123 45 67", "'+46 70 123 45 67"},
		{"+46-70", "'+46-70"},
		{"+", "'+"},
		{"46701234567", "46701234567"},
		{"=+46701234567", "'=+46701234567"},
	}
	for _, tt := range tests {
		if got := Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := unescape(Escape(tt.in)); got != tt.in {
			t.Errorf("unescape(Escape(%q)) = %q", tt.in, got)
		}
	}
}

// TestWriterCells checks quoting: a cell is quoted when a reader would split it or lose its
// spaces, and only then.
func TestWriterCells(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cells []string
		want  string
	}{
		{[]string{"a", "b"}, "a,b\r\n"},
		{[]string{"", ""}, ",\r\n"},
		{[]string{"Smith, John"}, "\"Smith, John\"\r\n"},
		{[]string{"say \"hi\""}, "\"say \"\"hi\"\"\"\r\n"},
		{[]string{"two\nlines"}, "\"two\nlines\"\r\n"},
		{[]string{"cr\rhere"}, "\"cr\rhere\"\r\n"},
		{[]string{" lead", "trail ", "tab\t"}, "\" lead\",\"trail \",\"tab\t\"\r\n"},
		{[]string{"a;b", "a|b"}, "a;b,a|b\r\n"},
		{[]string{"=1,2"}, "\"'=1,2\"\r\n"},
		{[]string{"\tx"}, "'\tx\r\n"}, // the apostrophe comes first: no leading tab to keep
		{[]string{"-x "}, "\"'-x \"\r\n"},
		{[]string{"=\"a\""}, "\"'=\"\"a\"\"\"\r\n"},
		{[]string{"+46701234567", "+4670 123"}, "+46701234567,'+4670 123\r\n"},
		{[]string{"Åsa"}, "Åsa\r\n"},
	}
	for _, tt := range tests {
		var buf bytes.Buffer
		w := NewWriter(&buf)
		if err := w.WriteRow(tt.cells...); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		if got := strings.TrimPrefix(buf.String(), bom); got != tt.want {
			t.Errorf("WriteRow(%q) wrote %q, want %q", tt.cells, got, tt.want)
		}
		if !strings.HasPrefix(buf.String(), bom) {
			t.Errorf("no byte order mark")
		}
	}
}

// TestAppendCell checks the cell writer, which escapes and quotes in one pass, against its
// definition: Escape, then quotes when the escaped cell holds a separator, a quote or a line
// break, or starts or ends with a space or a tab. Every string of up to four characters from
// an alphabet of the characters that matter is tried.
func TestAppendCell(t *testing.T) {
	t.Parallel()
	want := func(s string) string {
		s = Escape(s)
		if s != "" && (strings.ContainsAny(s, ",\"\r\n") || strings.ContainsAny(s[:1], " \t") ||
			strings.ContainsAny(s[len(s)-1:], " \t")) {
			return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
		}
		return s
	}
	alphabet := []string{"a", "1", "'", "=", "+", "-", "@", "\t", "\r", "\n", " ", ",", `"`, "Å"}
	var all func(prefix string, n int)
	all = func(prefix string, n int) {
		if got := string(appendCell(nil, prefix)); got != want(prefix) {
			t.Errorf("appendCell(%q) = %q, want %q", prefix, got, want(prefix))
		}
		if n == 0 {
			return
		}
		for _, c := range alphabet {
			all(prefix+c, n-1)
		}
	}
	all("", 4)
}

// TestRoundTrip exports users and imports the file back: every importable value comes back
// as it was.
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	users := append([]UserRecord(nil), goldenUsers...)
	users = append(users,
		UserRecord{Email: "plain@example.com"},
		UserRecord{Email: "'apostrophe@example.com", FirstName: "'", LastName: "''", DisplayName: "'=x",
			Title: "''-y", Department: "@@", Groups: []string{"-a", "+b", "@c", "=d"}, Standard: true},
		UserRecord{Email: "quotes@example.com", FirstName: "\"", LastName: "\"\"", DisplayName: "a \"b\" c",
			Title: "line\nbreak\n\nand more", Department: "semi;colon\ttab", PreferredLanguage: roster.Polish},
		UserRecord{Email: "phone@example.com", PhoneNumber: "+12", Title: "+4670", Department: "-12"},
	)
	var buf bytes.Buffer
	w := NewUserWriter(&buf)
	for _, u := range users {
		if err := w.Write(u); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	_, rows, err := readUsers(buf.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(users) {
		t.Fatalf("%d rows, want %d", len(rows), len(users))
	}
	for i, u := range users {
		if got, want := importable(rows[i]), exported(u); got != want {
			t.Errorf("user %d:\n got %s\nwant %s", i, got, want)
		}
		if len(rows[i].Problems) > 0 {
			t.Errorf("user %d: problems %v", i, rows[i].Problems)
		}
	}
}

// importable and exported describe the fields that an import reads, for comparison.
func importable(r *UserRow) string {
	return fmt.Sprintf("%q %q %q %q %q %q %q %q %q %v %v", r.FirstName, r.LastName, r.DisplayName, r.Email,
		r.PhoneNumber, r.Title, r.Department, r.PreferredLanguage, r.Groups, r.Standard, r.Premium)
}

func exported(u UserRecord) string {
	c := func(b bool) Choice {
		if b {
			return True
		}
		return False
	}
	var groups []string
	for _, g := range u.Groups {
		if g = strings.TrimSpace(g); g != "" {
			groups = append(groups, g)
		}
	}
	return fmt.Sprintf("%q %q %q %q %q %q %q %q %q %v %v", u.FirstName, u.LastName, u.DisplayName, u.Email,
		u.PhoneNumber, u.Title, u.Department, string(u.PreferredLanguage), groups, c(u.Standard), c(u.Premium))
}

type failingWriter struct{ after int }

func (f *failingWriter) Write(p []byte) (int, error) {
	if f.after <= 0 {
		return 0, errors.New("disk full")
	}
	f.after--
	return len(p), nil
}

// TestWriterErrors checks that a failing destination is reported, and stays reported.
func TestWriterErrors(t *testing.T) {
	t.Parallel()
	w := NewUserWriter(&failingWriter{})
	if err := w.Flush(); err == nil {
		t.Fatal("Flush succeeded")
	}
	if err := w.Write(UserRecord{Email: "a@example.com"}); err == nil {
		t.Error("Write after a failure succeeded")
	}
	r := NewReportWriter(&failingWriter{})
	big := strings.Repeat("x", 70<<10) // more than the buffer: the write itself fails
	if err := r.Write(ReportRow{Row: 2, Message: big}); err == nil {
		t.Error("Write succeeded")
	}
	if err := r.Flush(); err == nil {
		t.Error("Flush after a failure succeeded")
	}
}

// TestReportReadsBack checks the report's header and that the report is a CSV file our own
// reader (and so a spreadsheet) reads with the values written.
func TestReportReadsBack(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	w := NewReportWriter(&buf)
	rows := []ReportRow{
		{Row: 0, Outcome: OutcomeWarning, Code: CodeLegacyEncoding, Message: "The file is not saved as UTF-8."},
		{Row: 12, Email: "=evil@example.com", Outcome: OutcomeError, Code: roster.CodeInvalid, Message: "Bad, \"very\" bad."},
		{Row: 13, Email: "ok@example.com", Outcome: OutcomeCreated},
	}
	for _, r := range rows {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), bom+"Row,Email,Outcome,Code,Message\r\n") {
		t.Errorf("report starts %q", buf.String()[:40])
	}
	if !strings.Contains(buf.String(), "'=evil@example.com") {
		t.Error("the email is not escaped")
	}
	tbl, recs, err := readTable(buf.Bytes(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(tbl.Header()) != "[Row Email Outcome Code Message]" {
		t.Errorf("header %q", tbl.Header())
	}
	for i, r := range rows {
		row := ""
		if r.Row > 0 {
			row = fmt.Sprint(r.Row)
		}
		want := []string{row, r.Email, string(r.Outcome), string(r.Code), r.Message}
		if fmt.Sprintf("%q", recs[i].Fields) != fmt.Sprintf("%q", want) {
			t.Errorf("row %d: %q, want %q", i, recs[i].Fields, want)
		}
	}
}

// TestEmptyExport checks that an organization without users exports the header alone, which
// our reader refuses as a file without rows rather than misreading it.
func TestEmptyExport(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := NewUserWriter(&buf).Flush(); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), bom+strings.Join(UserHeader(), ",")+"\r\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if _, err := Open(&buf, Limits{}); !errors.Is(err, ErrNoRows) {
		t.Errorf("Open: %v", err)
	}
}
