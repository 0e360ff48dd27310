package csvfile

import (
	"bufio"
	"io"
	"strings"

	"roster"
)

// bom is the UTF-8 byte order mark that makes Excel open a CSV file as UTF-8 (see the package
// documentation).
const bom = "\uFEFF"

// Writer writes a CSV file for spreadsheets: UTF-8 with a byte order mark, comma-separated,
// CRLF line ends (RFC 4180, what Excel writes), every cell escaped with Escape. It buffers; call
// Flush at the end. Errors are sticky: after one, every call returns it.
type Writer struct {
	bw   *bufio.Writer
	line []byte // the row being written, reused
	err  error
}

// NewWriter returns a Writer on w. The byte order mark goes out with the first flush.
func NewWriter(w io.Writer) *Writer {
	bw := bufio.NewWriterSize(w, 64<<10)
	_, err := bw.WriteString(bom)
	return &Writer{bw: bw, err: err}
}

// WriteRow writes one row.
func (w *Writer) WriteRow(cells ...string) error {
	if w.err != nil {
		return w.err
	}
	w.line = w.line[:0]
	for i, c := range cells {
		if i > 0 {
			w.line = append(w.line, ',')
		}
		w.line = appendCell(w.line, c)
	}
	w.line = append(w.line, '\r', '\n')
	_, w.err = w.bw.Write(w.line)
	return w.err
}

// Flush writes what is buffered to the underlying writer.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	w.err = w.bw.Flush()
	return w.err
}

// appendCell appends one cell: Escape(s), quoted when a reader would otherwise split it or lose
// its white space. It writes Escape's apostrophe itself rather than calling Escape, which
// would build a new string: an export writes millions of cells (BenchmarkUserWriter).
func appendCell(b []byte, s string) []byte {
	apostrophe := needsApostrophe(s)
	if !needsQuotes(s, apostrophe) {
		if apostrophe {
			b = append(b, '\'')
		}
		return append(b, s...)
	}
	b = append(b, '"')
	if apostrophe {
		b = append(b, '\'')
	}
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		b = append(b, s[:i+1]...)
		b = append(b, '"')
		s = s[i+1:]
	}
	b = append(b, s...)
	return append(b, '"')
}

// needsQuotes reports whether the cell s, with an apostrophe before it when apostrophe is
// true, needs quotes: it holds a separator, a quote or a line break, or starts or ends with a
// space or a tab. One pass over the bytes: strings.ContainsAny built its set of four
// characters again for every cell, a twentieth of an export.
func needsQuotes(s string, apostrophe bool) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',', '"', '\r', '\n':
			return true
		}
	}
	if last := s[len(s)-1]; last == ' ' || last == '\t' {
		return true
	}
	// The apostrophe, when there is one, is the cell's first character.
	return !apostrophe && (s[0] == ' ' || s[0] == '\t')
}

// Escape neutralizes a cell that a spreadsheet would run as a formula: one that starts with
// '=', '+', '-', '@', tab or carriage return gets a leading apostrophe, which spreadsheets show
// as text. A valid E.164 phone number ("+" then 2 to 15 digits, the first not 0) is left as it
// is: it is data Excel reads as a number, not a formula. So that the reader can strip exactly
// what Escape added, a cell made of apostrophes and then one of those characters gets one more
// apostrophe too: an import of an export always gives back the exported value.
func Escape(s string) string {
	if needsApostrophe(s) {
		return "'" + s
	}
	return s
}

// needsApostrophe reports whether Escape puts an apostrophe before s.
func needsApostrophe(s string) bool {
	i := 0
	for i < len(s) && s[i] == '\'' {
		i++
	}
	return i < len(s) && isFormulaStart(s[i]) && (i > 0 || !isE164(s))
}

// unescape undoes Escape on a cell read from a file.
func unescape(s string) string {
	i := 0
	for i < len(s) && s[i] == '\'' {
		i++
	}
	if i > 0 && i < len(s) && isFormulaStart(s[i]) {
		return s[1:]
	}
	return s
}

func isFormulaStart(c byte) bool {
	return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r'
}

// isE164 reports whether s is "+" then 2 to 15 digits, the first not 0.
func isE164(s string) bool {
	if len(s) < 3 || len(s) > 16 || s[0] != '+' || s[1] < '1' || s[1] > '9' {
		return false
	}
	for i := 2; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// UserRecord is one user as the export writes it.
type UserRecord struct {
	FirstName         string
	LastName          string
	DisplayName       string
	Email             string
	Status            roster.UserStatus
	PhoneNumber       string
	Title             string
	Department        string
	PreferredLanguage roster.Language
	Groups            []string // written "|"-separated
	Standard          bool     // written TRUE or FALSE
	Premium           bool
	Role              roster.CCRole // written as given; empty for users without premium
	SyncStatus        roster.SyncStatus
}

// UserWriter writes the users export of SPEC §2: the exact header, then one row per user. It
// streams: memory does not grow with the number of users.
type UserWriter struct {
	w     *Writer
	cells [14]string
}

// NewUserWriter returns a UserWriter on w and writes the header (to its buffer).
func NewUserWriter(w io.Writer) *UserWriter {
	uw := &UserWriter{w: NewWriter(w)}
	// An error is sticky in the Writer: Write and Flush return it.
	_ = uw.w.WriteRow(UserHeader()...)
	return uw
}

// Write writes one user.
func (w *UserWriter) Write(u UserRecord) error {
	c := &w.cells
	c[0], c[1], c[2], c[3] = u.FirstName, u.LastName, u.DisplayName, u.Email
	c[4], c[5], c[6], c[7] = string(u.Status), u.PhoneNumber, u.Title, u.Department
	c[8], c[9] = string(u.PreferredLanguage), strings.Join(u.Groups, "|")
	c[10], c[11] = boolCell(u.Standard), boolCell(u.Premium)
	c[12], c[13] = string(u.Role), string(u.SyncStatus)
	return w.w.WriteRow(c[:]...)
}

// Flush writes what is buffered. Call it at the end; an export of no users is the header alone.
func (w *UserWriter) Flush() error { return w.w.Flush() }

func boolCell(b bool) string {
	if b {
		return "TRUE"
	}
	return "FALSE"
}
