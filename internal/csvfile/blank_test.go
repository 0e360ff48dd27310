package csvfile

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"roster"
)

// TestBlankLines covers files with very many blank lines, before the header and between rows:
// they are skipped, whatever their number, and the lines of the rows stay right. A quoted cell
// of line breaks still counts against the limit of a row.
func TestBlankLines(t *testing.T) {
	t.Parallel()
	million := strings.Repeat("\r\n", 1_000_000)
	tests := []struct {
		name   string
		data   string
		delim  rune
		header int
		lines  []int
	}{
		{name: "a million before the header", data: million + "Email;Name\r\na@example.com;Ann\r\n",
			delim: ';', header: 1_000_001, lines: []int{1_000_002}},
		{name: "a million between rows", data: "Email,Name\r\na@example.com,Ann\r\n" + million + "b@example.com,Bo\r\n",
			delim: ',', header: 1, lines: []int{2, 1_000_003}},
		{name: "a million after a bare quote in a cell", data: "Email,Name\na@example.com,5\" screen\n" + million + "b@example.com,Bo\n",
			delim: ',', header: 1, lines: []int{2, 1_000_003}},
		{name: "a million after a sep= line", data: "sep=;\r\n" + million + "Email;Name\r\na@example.com;Ann\r\n",
			delim: ';', header: 1_000_002, lines: []int{1_000_003}},
		{name: "classic Mac line ends", data: "\r\r\rEmail;Name\ra@example.com;Ann\r\r\rb@example.com;Bo\r",
			delim: ';', header: 4, lines: []int{5, 8}},
		{name: "a tab-separated file after blank lines", data: strings.Repeat("\n", 5000) + "Email\tName\na@example.com\tAnn\n",
			delim: '\t', header: 5001, lines: []int{5002}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tbl, recs, err := readTable([]byte(tt.data), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if tbl.Delimiter() != tt.delim || tbl.HeaderLine() != tt.header {
				t.Errorf("delimiter %q, header on line %d; want %q, %d", tbl.Delimiter(), tbl.HeaderLine(), tt.delim, tt.header)
			}
			var lines []int
			for _, r := range recs {
				lines = append(lines, r.Line)
				if len(r.Problems) > 0 {
					t.Errorf("line %d: %+v", r.Line, r.Problems)
				}
			}
			if fmt.Sprint(lines) != fmt.Sprint(tt.lines) {
				t.Errorf("lines %v, want %v", lines, tt.lines)
			}
		})
	}
	// Line breaks inside quotes are a row the parser holds: the limit stands.
	_, _, err := readTable([]byte("Email,Note\na@example.com,\""+million+"\"\n"), Limits{})
	if msg := roster.ErrorMessage(err); !strings.Contains(msg, "longer than 1 MiB") {
		t.Errorf("a quoted cell of a million line breaks: %v", err)
	}
}

// TestRecordGuardFollowsParser checks the guard's idea of where records end against the CSV
// parser's, on random text of quotes, delimiters and line ends: a record the parser reads must
// not contain an end the guard saw (the guard would then count it short, and let the parser
// hold more than the limit), and each record that ends with a line feed must end where the
// guard saw an end (or the guard would count blank lines and rows together), unless the input
// ended there.
func TestRecordGuardFollowsParser(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("a,\"\n\r ")
	for range 20000 {
		data := make([]byte, rng.IntN(40))
		for i := range data {
			data[i] = alphabet[rng.IntN(len(alphabet))]
		}
		g := &recordGuard{delim: ','}
		ends := map[int]bool{}
		for i, c := range data {
			if g.step(c) {
				ends[i] = true
			}
		}
		r := csv.NewReader(bytes.NewReader(data))
		r.FieldsPerRecord, r.LazyQuotes = -1, true
		for {
			start := int(r.InputOffset())
			if _, err := r.Read(); err != nil {
				break
			}
			end := int(r.InputOffset())
			// Blank lines the parser skipped before the record are ends of their own.
			for start < end && (data[start] == '\n' || data[start] == '\r' && start+1 < end && data[start+1] == '\n') {
				if data[start] == '\r' {
					start++
				}
				start++
			}
			for i := start; i < end-1; i++ {
				if ends[i] {
					t.Fatalf("%q: the guard saw a record end at %d inside the record %q", data, i, data[start:end])
				}
			}
			// At the end of the input a quoted field ends however it stands.
			if end < len(data) && data[end-1] == '\n' && !ends[end-1] {
				t.Fatalf("%q: the record %q ends with a line feed the guard did not take for an end", data, data[start:end])
			}
		}
	}
}
