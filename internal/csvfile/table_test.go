package csvfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"roster"
)

// readTable opens data and reads every record.
func readTable(data []byte, lim Limits) (*Table, []*Record, error) {
	t, err := Open(bytes.NewReader(data), lim)
	if err != nil {
		return nil, nil, err
	}
	var recs []*Record
	for {
		rec, err := t.Next()
		if errors.Is(err, io.EOF) {
			return t, recs, nil
		}
		if err != nil {
			return t, recs, err
		}
		recs = append(recs, rec)
	}
}

func enc1252(s string) []byte {
	b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err)
	}
	return b
}

func encUTF16(s string, e unicode.Endianness) []byte {
	b, err := unicode.UTF16(e, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
	if err != nil {
		panic(err)
	}
	return b
}

// TestOpenRefuses covers the files refused up front: each must say why, in words an
// administrator can act on, with code invalid.
func TestOpenRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data []byte
		want string // part of the message
		is   error  // wrapped sentinel, if any
	}{
		{"empty", nil, "The file is empty.", nil},
		{"blank lines only", []byte("\r\n\r\n\n"), "The file is empty.", nil},
		{"white space only", []byte("   \n\t \n"), "The file is empty.", nil},
		{"empty cells only", []byte(",,,\r\n,,\r\n"), "The file is empty.", nil},
		{"byte order mark only", []byte("\xEF\xBB\xBF"), "The file is empty.", nil},
		{"header only", []byte("Email,First Name\r\n"), "header line but no rows", ErrNoRows},
		{"header only without line end", []byte("Email"), "header line but no rows", ErrNoRows},
		{"header and blank rows", []byte("Email;First Name\r\n;\r\n;\r\n\r\n"), "header line but no rows", ErrNoRows},
		{"xlsx", []byte("PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00[Content_Types].xml"), "Excel workbook (.xlsx)", nil},
		{"xls", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00\x00"), "Excel 97-2003 workbook (.xls)", nil},
		{"pdf", []byte("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"), "PDF document", nil},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "PNG image", nil},
		{"gzip", []byte("\x1F\x8B\x08\x00"), "gzip", nil},
		{"NUL bytes", []byte("Email\nann@example.com\x00\x00\x01\x02\n"), "binary data", nil},
		{"NUL bytes after a BOM", []byte("\xEF\xBB\xBFEmail\x00\n"), "binary data", nil},
		{"UTF-16 without BOM", encUTF16("Email\r\nann@example.com\r\n", unicode.LittleEndian)[2:], "UTF-16 text without a byte order mark", nil},
		{"UTF-16 with NUL", append(encUTF16("Email\r\n", unicode.LittleEndian), 0, 0, 'a', 0), "binary data", nil},
		{"UTF-32", []byte("\xFF\xFE\x00\x00E\x00\x00\x00"), "UTF-32", nil},
		{"html", []byte("\n  <!DOCTYPE html><html><body>Email</body></html>"), "web page (HTML)", nil},
		{"xml spreadsheet", []byte("<?xml version=\"1.0\"?>\r\n<?mso-application progid=\"Excel.Sheet\"?>"), "XML file", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Open(bytes.NewReader(tt.data), Limits{})
			if err == nil {
				t.Fatal("Open succeeded")
			}
			if roster.ErrorCode(err) != roster.CodeInvalid {
				t.Errorf("code %q, want invalid (%v)", roster.ErrorCode(err), err)
			}
			if msg := roster.ErrorMessage(err); !strings.Contains(msg, tt.want) {
				t.Errorf("message %q does not contain %q", msg, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v does not wrap %v", err, tt.is)
			}
		})
	}
}

// TestTable covers what a Table reads from files spreadsheets and people write.
func TestTable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		data     []byte
		encoding string
		delim    rune
		header   []string
		lines    []int
		fields   [][]string
		problems []string // "line code [column]" of every problem
		notices  []roster.Code
	}{
		{
			name:     "UTF-8, comma, LF",
			data:     []byte("Email,Name\nann@example.com,Ann\n"),
			encoding: encUTF8, delim: ',', header: []string{"Email", "Name"},
			lines: []int{2}, fields: [][]string{{"ann@example.com", "Ann"}},
		},
		{
			name:     "UTF-8 with BOM, semicolon, CRLF",
			data:     []byte("\xEF\xBB\xBFEmail;Name\r\nann@example.com;Änn\r\n"),
			encoding: encUTF8BOM, delim: ';', header: []string{"Email", "Name"},
			lines: []int{2}, fields: [][]string{{"ann@example.com", "Änn"}},
		},
		{
			name:     "UTF-16LE with BOM and tabs, as Excel's Unicode text",
			data:     encUTF16("Email\tName\r\nann@example.com\tŁucja\r\n", unicode.LittleEndian),
			encoding: encUTF16LE, delim: '\t', header: []string{"Email", "Name"},
			lines: []int{2}, fields: [][]string{{"ann@example.com", "Łucja"}},
		},
		{
			name:     "UTF-16BE with BOM",
			data:     encUTF16("Email;Name\r\nann@example.com;Åsa\r\n", unicode.BigEndian),
			encoding: encUTF16BE, delim: ';', header: []string{"Email", "Name"},
			lines: []int{2}, fields: [][]string{{"ann@example.com", "Åsa"}},
		},
		{
			name:     "Windows-1252 with accented names",
			data:     enc1252("Email;First;Last\r\nasa@example.se;Åsa;Öberg\r\njose@example.es;José;Peña\r\n"),
			encoding: encWindows1252, delim: ';', header: []string{"Email", "First", "Last"},
			lines:   []int{2, 3},
			fields:  [][]string{{"asa@example.se", "Åsa", "Öberg"}, {"jose@example.es", "José", "Peña"}},
			notices: []roster.Code{CodeLegacyEncoding},
		},
		{
			name:     "mostly UTF-8 with a broken byte is UTF-8, and the row says so",
			data:     []byte("Email,Name\na@example.com,Åsa\nb@example.com,Bj\xF6rn\nc@example.com,Örjan\n"),
			encoding: encUTF8, delim: ',', header: []string{"Email", "Name"},
			lines:    []int{2, 3, 4},
			fields:   [][]string{{"a@example.com", "Åsa"}, {"b@example.com", "Bj\uFFFDrn"}, {"c@example.com", "Örjan"}},
			problems: []string{"3 csv_undecodable [Name]"},
		},
		{
			name:     "a BOM says UTF-8: a broken byte is not reinterpreted",
			data:     []byte("\xEF\xBB\xBFEmail,Name\nb@example.com,Bj\xF6rn\n"),
			encoding: encUTF8BOM, delim: ',', header: []string{"Email", "Name"},
			lines: []int{2}, fields: [][]string{{"b@example.com", "Bj\uFFFDrn"}},
			problems: []string{"2 csv_undecodable [Name]"},
		},
		{
			name:     "quoted newlines, doubled quotes and CRLF keep line numbers",
			data:     []byte("Email,Title\r\na@example.com,\"Head of\r\nSales\"\r\nb@example.com,\"Says \"\"hi\"\"\"\r\n\r\nc@example.com,\"x\n\ny\"\r\nd@example.com,z\r\n"),
			encoding: encUTF8, delim: ',', header: []string{"Email", "Title"},
			lines:  []int{2, 4, 6, 9},
			fields: [][]string{{"a@example.com", "Head of\nSales"}, {"b@example.com", "Says \"hi\""}, {"c@example.com", "x\n\ny"}, {"d@example.com", "z"}},
		},
		{
			name:     "blank rows skipped, trailing empty lines ignored, cells trimmed",
			data:     []byte("\r\n Email , Name \r\n,\r\n  a@example.com  ,\u00a0Ann\u00a0\r\n ; \r\n\r\n\r\n\r\n"),
			encoding: encUTF8, delim: ',', header: []string{"Email", "Name"},
			lines: []int{4, 5}, fields: [][]string{{"a@example.com", "Ann"}, {";", ""}},
			problems: []string{"5 csv_too_few_fields []"},
		},
		{
			name:     "apostrophes of our formula escaping are stripped",
			data:     []byte("A,B,C,D,E,F,G,H,I\n'=1+1,'+1 2,'-x,'@x,\"'\tt\",'x,''=y,',=z\n"),
			encoding: encUTF8, delim: ',', header: []string{"A", "B", "C", "D", "E", "F", "G", "H", "I"},
			lines:  []int{2},
			fields: [][]string{{"=1+1", "+1 2", "-x", "@x", "\tt", "'x", "'=y", "'", "=z"}},
		},
		{
			name:     "too many and too few cells",
			data:     []byte("Email,Name,Title\na@example.com,Ann,Boss,extra\nb@example.com,Bo,,,\nc@example.com\n"),
			encoding: encUTF8, delim: ',', header: []string{"Email", "Name", "Title"},
			lines:    []int{2, 3, 4},
			fields:   [][]string{{"a@example.com", "Ann", "Boss"}, {"b@example.com", "Bo", ""}, {"c@example.com", "", ""}},
			problems: []string{"2 csv_too_many_fields []", "4 csv_too_few_fields []"},
		},
		{
			name:     "trailing empty header cells are dropped",
			data:     []byte("Email;Name;;\r\na@example.com;Ann;;\r\n"),
			encoding: encUTF8, delim: ';', header: []string{"Email", "Name"},
			lines: []int{2}, fields: [][]string{{"a@example.com", "Ann"}},
		},
		{
			name:     "delimiter inside a quoted header cell does not count",
			data:     []byte("\"Name, full\";Email;Title\r\nAnn;a@example.com;x\r\n"),
			encoding: encUTF8, delim: ';', header: []string{"Name, full", "Email", "Title"},
			lines: []int{2}, fields: [][]string{{"Ann", "a@example.com", "x"}},
		},
		{
			name:     "one column, no delimiter",
			data:     []byte("Email\na@example.com\n"),
			encoding: encUTF8, delim: ',', header: []string{"Email"},
			lines: []int{2}, fields: [][]string{{"a@example.com"}},
		},
		{
			name:     "Excel's sep= line",
			data:     []byte("SEP=\t\r\nEmail\tName\r\na@example.com\tAnn, Jr\r\n"),
			encoding: encUTF8, delim: '\t', header: []string{"Email", "Name"},
			lines: []int{3}, fields: [][]string{{"a@example.com", "Ann, Jr"}},
		},
		{
			name:     "classic Mac line ends",
			data:     []byte("Email,Name\ra@example.com,\"Ann\rMarie\"\rb@example.com,Bo\r"),
			encoding: encUTF8, delim: ',', header: []string{"Email", "Name"},
			lines: []int{2, 4}, fields: [][]string{{"a@example.com", "Ann\nMarie"}, {"b@example.com", "Bo"}},
		},
		{
			name:     "a second BOM in the first header cell",
			data:     []byte("\xEF\xBB\xBF\xEF\xBB\xBFEmail\na@example.com\n"),
			encoding: encUTF8BOM, delim: ',', header: []string{"Email"},
			lines: []int{2}, fields: [][]string{{"a@example.com"}},
		},
		{
			name:     "bare quotes in an unquoted cell are text",
			data:     []byte("Email,Name\na@example.com,Dwayne \"The Rock\" Johnson\n"),
			encoding: encUTF8, delim: ',', header: []string{"Email", "Name"},
			lines: []int{2}, fields: [][]string{{"a@example.com", "Dwayne \"The Rock\" Johnson"}},
		},
		{
			name:     "a quote never closed swallows the rows after it, and says so",
			data:     []byte("Email,Name,Title\na@example.com,\"Ann,x\nb@example.com,Bo,y\nc@example.com,Cy,z\n"),
			encoding: encUTF8, delim: ',', header: []string{"Email", "Name", "Title"},
			lines:    []int{2},
			fields:   [][]string{{"a@example.com", "Ann,x\nb@example.com,Bo,y\nc@example.com,Cy,z", ""}},
			problems: []string{"2 csv_unclosed_quote [Name]"},
		},
		{
			name:     "a stray quote closed by a later quote swallows the rows between, and says so",
			data:     []byte("Email,Name,Title\na@example.com,\"Ann,x\nb@example.com,Bo,y\nc@example.com,\"Cy\",z\nd@example.com,Di,w\n"),
			encoding: encUTF8, delim: ',', header: []string{"Email", "Name", "Title"},
			lines:    []int{2, 5},
			fields:   [][]string{{"a@example.com", "Ann,x\nb@example.com,Bo,y\nc@example.com,\"Cy", "z"}, {"d@example.com", "Di", "w"}},
			problems: []string{"2 csv_unclosed_quote [Name]"},
		},
		{
			name:     "a stray quote closed in a later row's first cell: the quote is reported, not the cell count",
			data:     []byte("Email,Name,Title\na@example.com,\"Ann,x\nb@example.com,Bo,y\n\"c@example.com\",Cy,z\nd@example.com,Di,w\n"),
			encoding: encUTF8, delim: ',', header: []string{"Email", "Name", "Title"},
			lines:    []int{2, 5},
			fields:   [][]string{{"a@example.com", "Ann,x\nb@example.com,Bo,y\n\"c@example.com", "Cy"}, {"d@example.com", "Di", "w"}},
			problems: []string{"2 csv_unclosed_quote [Name]"},
		},
		{
			name:     "two columns: a quote never closed swallows rows of one delimiter, and says so",
			data:     []byte("Email;Name\r\na@example.com;\"Ann\r\nb@example.com;Bo\r\nc@example.com;Cy\r\n"),
			encoding: encUTF8, delim: ';', header: []string{"Email", "Name"},
			lines:    []int{2},
			fields:   [][]string{{"a@example.com", "Ann\nb@example.com;Bo\nc@example.com;Cy"}},
			problems: []string{"2 csv_unclosed_quote [Name]"},
		},
		{
			name:     "one column: a quote never closed swallows the emails after it, and says so",
			data:     []byte("Email\n\"a@example.com\nb@example.com\nc@example.com\n"),
			encoding: encUTF8, delim: ',', header: []string{"Email"},
			lines:    []int{2},
			fields:   [][]string{{"a@example.com\nb@example.com\nc@example.com"}},
			problems: []string{"2 csv_unclosed_quote [Email]"},
		},
		{
			name:     "two columns: a multi-line cell with a delimiter on its second line is not a stray quote",
			data:     []byte("Email,Title\na@example.com,\"Head of\nSales, North\"\n"),
			encoding: encUTF8, delim: ',', header: []string{"Email", "Title"},
			lines:  []int{2},
			fields: [][]string{{"a@example.com", "Head of\nSales, North"}},
		},
		{
			name:     "a multi-line cell with a delimiter on its second line is not a stray quote",
			data:     []byte("Email,Name,Title\na@example.com,Ann,\"Head of\nSales, North\"\n"),
			encoding: encUTF8, delim: ',', header: []string{"Email", "Name", "Title"},
			lines:  []int{2},
			fields: [][]string{{"a@example.com", "Ann", "Head of\nSales, North"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tbl, recs, err := readTable(tt.data, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if got := tbl.Encoding(); got != tt.encoding {
				t.Errorf("encoding %q, want %q", got, tt.encoding)
			}
			if got := tbl.Delimiter(); got != tt.delim {
				t.Errorf("delimiter %q, want %q", got, tt.delim)
			}
			if got := tbl.Header(); fmt.Sprint(got) != fmt.Sprint(tt.header) {
				t.Errorf("header %q, want %q", got, tt.header)
			}
			var lines []int
			var fields [][]string
			var problems []string
			for _, r := range recs {
				lines = append(lines, r.Line)
				fields = append(fields, r.Fields)
				for _, p := range r.Problems {
					problems = append(problems, fmt.Sprintf("%d %s [%s]", r.Line, p.Code, p.Column))
				}
			}
			if fmt.Sprint(lines) != fmt.Sprint(tt.lines) {
				t.Errorf("lines %v, want %v", lines, tt.lines)
			}
			if fmt.Sprintf("%q", fields) != fmt.Sprintf("%q", tt.fields) {
				t.Errorf("fields\n %q\nwant\n %q", fields, tt.fields)
			}
			if fmt.Sprint(problems) != fmt.Sprint(tt.problems) {
				t.Errorf("problems %q, want %q", problems, tt.problems)
			}
			var notices []roster.Code
			for _, n := range tbl.Notices() {
				notices = append(notices, n.Code)
			}
			if fmt.Sprint(notices) != fmt.Sprint(tt.notices) {
				t.Errorf("notices %v, want %v", notices, tt.notices)
			}
			if tbl.Rows() != len(recs) {
				t.Errorf("Rows() = %d, want %d", tbl.Rows(), len(recs))
			}
			if tbl.BytesRead() != int64(len(tt.data)) {
				t.Errorf("BytesRead() = %d, want %d", tbl.BytesRead(), len(tt.data))
			}
		})
	}
}

// TestLateLegacyBytes covers a file whose first 64 KiB are ASCII and whose accented names
// come later: the table switches to Windows-1252 without losing what it read.
func TestLateLegacyBytes(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	b.WriteString("Email;Name\r\n")
	n := 0
	for b.Len() < 3*sampleSize {
		n++
		fmt.Fprintf(&b, "user%d@example.com;Plain%d\r\n", n, n)
	}
	b.Write(enc1252("asa@example.se;Åsa Öberg\r\njose@example.es;José Peña\r\n"))
	tbl, recs, err := readTable(b.Bytes(), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != n+2 {
		t.Fatalf("%d rows, want %d", len(recs), n+2)
	}
	if got := recs[n].Fields[1]; got != "Åsa Öberg" {
		t.Errorf("name %q", got)
	}
	if got := recs[n+1].Fields[1]; got != "José Peña" {
		t.Errorf("name %q", got)
	}
	if tbl.Encoding() != encWindows1252 || len(tbl.Notices()) != 1 || tbl.Notices()[0].Code != CodeLegacyEncoding {
		t.Errorf("encoding %s, notices %v", tbl.Encoding(), tbl.Notices())
	}
	for _, r := range recs {
		if len(r.Problems) > 0 {
			t.Fatalf("line %d: %v", r.Line, r.Problems)
		}
	}
}

// TestLimits covers the configurable limits: each is a clear error, and a file exactly at a
// limit passes.
func TestLimits(t *testing.T) {
	t.Parallel()
	rows := func(n int) []byte {
		var b bytes.Buffer
		b.WriteString("Email,Name\r\n")
		for i := range n {
			fmt.Fprintf(&b, "user%06d@example.com,Name %06d\r\n", i, i)
		}
		return b.Bytes()
	}
	big := rows(5000) // about 180 KiB: larger than the sample, so the limit trips while streaming
	tests := []struct {
		name  string
		data  []byte
		lim   Limits
		rows  int    // rows read before the error
		want  string // part of the message; empty for no error
		is    error
		atEOF bool
	}{
		{name: "rows at the limit", data: rows(10), lim: Limits{MaxRows: 10}, rows: 10},
		{name: "one row over", data: rows(11), lim: Limits{MaxRows: 10}, rows: 10, want: "more than 10 rows", is: ErrTooManyRows},
		{name: "blank rows do not count", data: append(rows(10), ",\r\n\r\n,\r\n"...), lim: Limits{MaxRows: 10}, rows: 10},
		{name: "bytes at the limit", data: big, lim: Limits{MaxBytes: int64(len(big))}, rows: 5000},
		{name: "bytes over while streaming", data: big, lim: Limits{MaxBytes: int64(len(big)) - 1}, rows: 4999, want: "larger than", is: ErrTooLarge},
		{name: "bytes over in the sample", data: rows(100), lim: Limits{MaxBytes: 100}, want: "larger than 100 bytes", is: ErrTooLarge},
		{name: "a long quoted row", data: []byte("Email,Note\na@example.com,\"" + strings.Repeat("x\n", 200<<10) + "\"\n"), lim: Limits{MaxRecordBytes: 64 << 10}, want: "longer than 64 KiB; a quote is probably never closed"},
		{name: "a long row within the limit", data: []byte("Email,Note\na@example.com,\"" + strings.Repeat("x\n", 100<<10) + "\"\n"), lim: Limits{MaxRecordBytes: 256 << 10}, rows: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tbl, recs, err := readTable(tt.data, tt.lim)
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
			} else {
				if err == nil {
					t.Fatal("no error")
				}
				if msg := roster.ErrorMessage(err); !strings.Contains(msg, tt.want) {
					t.Errorf("message %q does not contain %q", msg, tt.want)
				}
				if tt.is != nil && !errors.Is(err, tt.is) {
					t.Errorf("%v does not wrap %v", err, tt.is)
				}
			}
			if len(recs) != tt.rows {
				t.Errorf("%d rows before the end, want %d", len(recs), tt.rows)
			}
			if tbl != nil && err != nil {
				if _, again := tbl.Next(); !errors.Is(again, err) && again.Error() != err.Error() {
					t.Errorf("error is not sticky: %v then %v", err, again)
				}
			}
		})
	}
}

func TestDefaultLimits(t *testing.T) {
	t.Parallel()
	l := Limits{}.WithDefaults()
	if l.MaxBytes != 256<<20 || l.MaxRows != 1_000_000 || l.MaxRecordBytes != 1<<20 {
		t.Errorf("defaults %+v", l)
	}
}

// TestReadErrors checks that a failing upload is an internal error (not a message for the
// administrator) that keeps its cause, up front and while streaming.
func TestReadErrors(t *testing.T) {
	t.Parallel()
	cause := errors.New("connection reset")
	_, err := Open(iotest.ErrReader(cause), Limits{})
	if !errors.Is(err, cause) || roster.ErrorCode(err) != roster.CodeInternal {
		t.Errorf("up front: %v", err)
	}
	var b bytes.Buffer
	b.WriteString("Email\n")
	for i := range 20000 {
		fmt.Fprintf(&b, "user%d@example.com\n", i)
	}
	r := io.MultiReader(bytes.NewReader(b.Bytes()), iotest.ErrReader(cause))
	tbl, err := Open(r, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	for {
		_, err = tbl.Next()
		if err != nil {
			break
		}
	}
	if !errors.Is(err, cause) || roster.ErrorCode(err) != roster.CodeInternal {
		t.Errorf("while streaming: %v", err)
	}
}

func TestFormat(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		n    int64
		want string
	}{{100, "100 bytes"}, {1024, "1 KiB"}, {1536, "1.5 KiB"}, {256 << 20, "256 MiB"}, {3 << 30, "3 GiB"}} {
		if got := formatBytes(tt.n); got != tt.want {
			t.Errorf("formatBytes(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
	for _, tt := range []struct {
		n    int64
		want string
	}{{0, "0"}, {999, "999"}, {1000, "1,000"}, {1_000_000, "1,000,000"}, {-12345, "-12,345"}} {
		if got := formatCount(tt.n); got != tt.want {
			t.Errorf("formatCount(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestChooseLegacy(t *testing.T) {
	t.Parallel()
	enc1250 := func(s string) []byte {
		b, err := charmap.Windows1250.NewEncoder().Bytes([]byte(s))
		if err != nil {
			panic(err)
		}
		return b
	}
	tests := []struct {
		name string
		data []byte
		want *charmap.Charmap
	}{
		{"Swedish", enc1252("Åsa Öberg;Björn Ängström"), charmap.Windows1252},
		{"Spanish", enc1252("José Peña;Núñez;¿Qué?"), charmap.Windows1252},
		{"Dutch", enc1252("Zoë Brønner;Geërfd;Daniël"), charmap.Windows1252},
		{"Polish", enc1250("Łukasz Wąs;Zofia Wójcik;FAŁSZ"), charmap.Windows1250},
		{"Polish with ż only", enc1250("Może;Różański"), charmap.Windows1250},
		{"Polish without strong letters reads as 1252", enc1250("Wójcik"), charmap.Windows1252},
		{"a pound sign alone", enc1252("Price £5"), charmap.Windows1250},
		{"a pound sign among Swedish names", enc1252("Price £5;Åsa;Måns;Åke"), charmap.Windows1252},
	}
	for _, tt := range tests {
		if got := chooseLegacy(tt.data); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestDecoder checks the decoder against a plain reference, whole and fed one byte at a time
// (which exercises every short-buffer path of the transformer).
func TestDecoder(t *testing.T) {
	t.Parallel()
	reference := func(b []byte, legacy *charmap.Charmap) string {
		var out strings.Builder
		for len(b) > 0 {
			switch r, size := utf8.DecodeRune(b); {
			case b[0] == 0:
				out.WriteRune(utf8.RuneError)
				b = b[1:]
			case legacy != nil && b[0] >= utf8.RuneSelf:
				out.WriteRune(legacy.DecodeByte(b[0]))
				b = b[1:]
			default:
				out.WriteRune(r) // RuneError for a broken byte, as the decoder writes
				b = b[size:]
			}
		}
		return out.String()
	}
	inputs := []string{
		"plain ASCII, longer than one word of eight bytes, and then some",
		"Åsa Öberg, José Peña, Łukasz Wąs",
		"broken \xF6 in the middle of valid UTF-8: Å\xC3",
		"NUL\x00in\x00the\x00middle of ASCII text long enough for words",
		"\xE2\x82 cut sequence, then \xF0\x9F\x98\x80 an emoji and \xED\xA0\x80 a surrogate",
		strings.Repeat("0123456789abcdef", 600) + "\xC3\xA5" + strings.Repeat("x", 4095),
	}
	for _, in := range inputs {
		for _, legacy := range []*charmap.Charmap{nil, charmap.Windows1252} {
			want := reference([]byte(in), legacy)
			for _, oneByte := range []bool{false, true} {
				var src io.Reader = strings.NewReader(in)
				if oneByte {
					src = iotest.OneByteReader(src)
				}
				d := &decoder{declared: true, legacy: legacy}
				got, err := io.ReadAll(transform.NewReader(src, d))
				if err != nil {
					t.Fatal(err)
				}
				if string(got) != want {
					t.Errorf("legacy %v, one byte %v: %q\nwant %q", legacy, oneByte, shorten(string(got)), shorten(want))
				}
				if replaced := strings.Count(want, "\uFFFD"); d.replaced != replaced {
					t.Errorf("replaced %d, want %d", d.replaced, replaced)
				}
			}
		}
	}
}
