package csvfile

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"roster"
)

// fuzzLimits keep one fuzz input cheap while still reaching the limit checks.
var fuzzLimits = Limits{MaxBytes: 1 << 20, MaxRows: 500, MaxRecordBytes: 4 << 10}

// addSeeds adds every fixture of testdata/ and a few hand-picked corner cases to the corpus.
func addSeeds(f *testing.F) {
	paths, _ := filepath.Glob("testdata/*.csv")
	more, _ := filepath.Glob("testdata/*.txt")
	for _, p := range append(paths, more...) {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"",
		"Email",
		"Email\n",
		"Email\na@example.com",
		"\xEF\xBB\xBFEmail;Contact Center Premium Agent\r\na@example.com;WAAR\r\n",
		"\xFF\xFEE\x00m\x00a\x00i\x00l\x00\r\x00\n\x00a\x00@\x00b\x00",
		"\xFE\xFF\x00E\x00m\x00a\x00i\x00l\x00\n\x00a",
		"sep=;\nEmail;x\na;b",
		"Email,Name\n\"a\n",
		"Email,Name\na,\"b\"\"c\nd,e\n",
		"Email\r\x81\x8d\xff\r",
		"E-mail,Groups,Webex Contact Center Standard\n'=x,| a ||b|,sí\n",
		"Email,Email\nx,y\n",
		"\"\"\"\n\"\"\"\"\n",
		"PK\x03\x04",
		"Email\n\xC3",
		"Email\t;,\n\t;,\n",
	} {
		f.Add([]byte(s))
	}
}

// checkTableErr checks that a failure on an in-memory file is always a message for the
// administrator: with nothing that can fail while reading, nothing is internal.
func checkTableErr(t *testing.T, err error) {
	t.Helper()
	if roster.ErrorCode(err) != roster.CodeInvalid {
		t.Fatalf("error is not for the administrator: %v", err)
	}
	if roster.ErrorMessage(err) == "" {
		t.Fatal("empty message")
	}
}

// FuzzOpen reads arbitrary bytes as a table: no input may panic or hang, and what comes out
// keeps the table's promises (one cell per column, valid UTF-8, lines going forward).
func FuzzOpen(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		tbl, err := Open(bytes.NewReader(data), fuzzLimits)
		if err != nil {
			checkTableErr(t, err)
			return
		}
		header := tbl.Header()
		if len(header) == 0 {
			t.Fatal("no header")
		}
		last := tbl.HeaderLine()
		for {
			rec, err := tbl.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				checkTableErr(t, err)
				break
			}
			if rec.Line <= last {
				t.Fatalf("line %d after line %d", rec.Line, last)
			}
			last = rec.Line
			if len(rec.Fields) != len(header) {
				t.Fatalf("%d cells for %d columns", len(rec.Fields), len(header))
			}
			for _, c := range rec.Fields {
				if !utf8.ValidString(c) || strings.IndexByte(c, 0) >= 0 {
					t.Fatalf("cell %q is not clean UTF-8", c)
				}
			}
			if tbl.Rows() > fuzzLimits.MaxRows {
				t.Fatalf("%d rows over the limit", tbl.Rows())
			}
		}
	})
}

// FuzzUserReader reads arbitrary bytes as a users file.
func FuzzUserReader(f *testing.F) {
	addSeeds(f)
	known := map[roster.Code]bool{
		CodeTooManyFields: true, CodeTooFewFields: true, CodeUnclosedQuote: true, CodeUndecodable: true,
		CodeInvalidBoolean: true, CodeBothLicenses: true,
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tbl, err := Open(bytes.NewReader(data), fuzzLimits)
		if err != nil {
			checkTableErr(t, err)
			return
		}
		u, err := NewUserReader(tbl)
		if err != nil {
			checkTableErr(t, err)
			return
		}
		if !u.Has(FieldEmail) {
			t.Fatal("a users file without email column was accepted")
		}
		for {
			row, err := u.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				checkTableErr(t, err)
				break
			}
			for _, g := range row.Groups {
				if g == "" || g != strings.TrimSpace(g) || strings.Contains(g, "|") {
					t.Fatalf("group %q", g)
				}
			}
			for _, c := range []Choice{row.Standard, row.Premium} {
				if c != Unset && c != True && c != False {
					t.Fatalf("choice %d", c)
				}
			}
			for _, p := range row.Problems {
				if !known[p.Code] || p.Message == "" || (p.Severity != SeverityError && p.Severity != SeverityWarning) {
					t.Fatalf("problem %+v", p)
				}
			}
		}
		for _, n := range u.Notices() {
			if n.Code != CodeLegacyEncoding && n.Code != CodeUnknownColumns {
				t.Fatalf("notice %+v", n)
			}
		}
	})
}

// roundTrips reports whether a value is inside the round-trip contract: an export of it
// imports back to the same value. Outside it: surrounding white space (an import trims cells),
// CRLF inside a cell (read back as LF, as every CSV reader does), bytes that are not text, and
// a later line that looks like a whole row of the export (reported as a stray quote).
func roundTrips(s string) bool {
	if s != strings.TrimSpace(s) || strings.Contains(s, "\r\n") || !utf8.ValidString(s) ||
		strings.ContainsAny(s, "\x00\uFFFD") {
		return false
	}
	for _, l := range strings.Split(s, "\n")[1:] {
		if strings.Count(l, ",") >= len(UserHeader())-1 {
			return false
		}
	}
	return true
}

// FuzzRoundTrip exports one user with arbitrary values and imports the file back.
func FuzzRoundTrip(f *testing.F) {
	for _, u := range goldenUsers {
		f.Add(u.FirstName, u.LastName, u.Email, u.PhoneNumber, u.Title, strings.Join(u.Groups, "|"), u.Standard, u.Premium)
	}
	f.Add("'", "''=x", "=1", "+12", "a\nb", " |x| ", true, true)
	f.Fuzz(func(t *testing.T, first, last, email, phone, title, groups string, standard, premium bool) {
		u := UserRecord{FirstName: first, LastName: last, Email: email, PhoneNumber: phone, Title: title,
			Standard: standard, Premium: premium}
		for _, s := range []string{first, last, email, phone, title, groups} {
			if !roundTrips(s) {
				return
			}
		}
		if groups != "" {
			u.Groups = strings.Split(groups, "|")
		}
		var buf bytes.Buffer
		w := NewUserWriter(&buf)
		if err := w.Write(u); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
		_, rows, err := readUsers(buf.String())
		if err != nil {
			t.Fatalf("%v\n%q", err, buf.String())
		}
		if len(rows) != 1 {
			t.Fatalf("%d rows from %q", len(rows), buf.String())
		}
		if got, want := importable(rows[0]), exported(u); got != want {
			t.Fatalf("\n got %s\nwant %s\nfile %q", got, want, buf.String())
		}
		for _, p := range rows[0].Problems {
			if p.Code != CodeBothLicenses || !standard || !premium {
				t.Fatalf("problem %+v", p)
			}
		}
	})
}
