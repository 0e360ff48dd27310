package csvfile

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/transform"

	"roster"
)

// Default limits (SPEC §2): what one import reads at most.
const (
	DefaultMaxBytes       int64 = 256 << 20
	DefaultMaxRows              = 1_000_000
	DefaultMaxRecordBytes       = 1 << 20
)

// Limits bound what Open reads. A zero or negative field takes its default.
type Limits struct {
	MaxBytes       int64 // bytes of the file as uploaded, whatever its encoding
	MaxRows        int   // rows after the header; blank rows are not counted
	MaxRecordBytes int   // decoded bytes of one row, line breaks inside quotes included
}

// WithDefaults returns l with the defaults in its zero fields.
func (l Limits) WithDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxRows <= 0 {
		l.MaxRows = DefaultMaxRows
	}
	if l.MaxRecordBytes <= 0 {
		l.MaxRecordBytes = DefaultMaxRecordBytes
	}
	return l
}

// Table reads a CSV file record by record, whatever spreadsheet saved it. Open it with Open;
// read it with Next until io.EOF. A Table is not safe for concurrent use.
type Table struct {
	limited    *limitReader
	csv        *csv.Reader
	guard      *recordGuard
	dec        *decoder
	encoding   string
	delim      rune
	header     []string
	headerLine int
	lineOffset int // lines before the CSV reader's first line (Excel's "sep=" line)
	lim        Limits
	rows       int
	lastLine   int
	notices    []Problem
	noticed    bool // the legacy-encoding notice was added
	pending    *Record
	err        error
}

// Record is one row of a Table.
type Record struct {
	// Line is the line of the file where the row starts, the header's being the first line of
	// a file without blank lines before it. Reports point at it.
	Line int
	// Fields holds one cell per header column, trimmed of surrounding white space, with the
	// apostrophe of our own formula escaping removed. Missing cells are empty; cells beyond the
	// header are dropped (and reported as a problem when not empty).
	Fields []string
	// Problems are what is wrong with the row as a CSV row: cell count, a quote never closed,
	// undecodable bytes.
	Problems []Problem
	// CodePage is the legacy code page the row was read in, Windows-1250 or Windows-1252, or
	// "" when it was read as UTF-8 or UTF-16.
	CodePage string
	// Unicode says that the file is known to be Unicode: it has a byte order mark (UTF-8 or
	// UTF-16), or UTF-8 beyond ASCII was read before or with this row. A file that is not
	// known to be Unicode may have been saved in a code page, where a spreadsheet writes "?"
	// for the letters the code page lacks (see LostCharacters): a file of ASCII only is
	// either.
	Unicode bool
}

// Open reads the start of a file to learn its encoding, delimiter and header, and returns a
// Table positioned at the first row. The errors are for the administrator (*roster.Error with
// code invalid): an empty file, a file that is not a CSV file (a workbook, a PDF, binary data),
// a file with a header and no rows (wrapping ErrNoRows), and a file over lim.MaxBytes (wrapping
// ErrTooLarge); other errors come from reading r.
func Open(r io.Reader, lim Limits) (*Table, error) {
	lim = lim.WithDefaults()
	limited := &limitReader{r: r, left: lim.MaxBytes, max: lim.MaxBytes}
	sample, err := readSample(limited)
	atEOF := errors.Is(err, io.EOF)
	if err != nil && !atEOF {
		return nil, readError(err)
	}
	if len(sample) == 0 {
		return nil, errEmpty()
	}
	enc, err := sniff(sample, atEOF)
	if err != nil {
		return nil, err
	}
	raw := io.MultiReader(bytes.NewReader(sample[enc.bomLen:]), limited)
	dec := &decoder{legacy: enc.legacy, declared: enc.bomLen > 0 || enc.utf16 != nil, nonASCII: enc.nonASCII}
	var text io.Reader
	if enc.utf16 != nil {
		text = transform.NewReader(raw, transform.Chain(enc.utf16, dec))
	} else {
		text = transform.NewReader(raw, dec)
	}
	br := bufio.NewReaderSize(text, headSize)
	t := &Table{limited: limited, dec: dec, encoding: enc.name, lim: lim}
	// Blank lines before the header are skipped here, so that the header is in the head that
	// the delimiter is detected from, however many there are.
	head, err := t.skipBlankLines(br)
	if err != nil {
		return nil, err
	}
	if err := markupError(head); err != nil {
		return nil, err
	}
	if d, n := sepLine(head); n > 0 {
		if _, err := br.Discard(n); err != nil {
			return nil, readError(err)
		}
		t.delim = d
		t.lineOffset++
		if head, err = t.skipBlankLines(br); err != nil {
			return nil, err
		}
	} else {
		t.delim = detectDelimiter(head)
	}
	var src io.Reader = br
	if bytes.IndexByte(head, '\r') >= 0 && bytes.IndexByte(head, '\n') < 0 {
		src = crReader{br}
	}
	// The parser reads through a buffer of its own, which may hold that much of the next rows
	// when a row starts: the margin keeps rows within the limit from ever tripping the guard.
	t.guard = &recordGuard{r: src, max: lim.MaxRecordBytes + 2*headSize, delim: byte(t.delim)}
	t.csv = csv.NewReader(t.guard)
	t.csv.Comma = t.delim
	t.csv.FieldsPerRecord = -1 // a row with the wrong number of cells is a row problem, not a failure
	t.csv.LazyQuotes = true    // Excel never writes a bare quote, but hand-edited files do: keep it as text
	t.csv.ReuseRecord = true

	fields, line, err := t.read()
	if errors.Is(err, io.EOF) {
		return nil, errEmpty()
	}
	if err != nil {
		return nil, err
	}
	fields[0] = strings.TrimSpace(strings.TrimPrefix(fields[0], "\uFEFF")) // a second byte order mark, saved by some tools
	for len(fields) > 1 && fields[len(fields)-1] == "" {
		// Excel writes trailing empty cells for formatted but empty columns.
		fields = fields[:len(fields)-1]
	}
	t.header = append([]string(nil), fields...)
	t.headerLine = line
	t.noticeEncoding()

	// Read the first row now, so that a file without rows is refused up front.
	rec, err := t.next()
	if errors.Is(err, io.EOF) {
		return nil, fileRefusal(FileNoRows, "The file has a header line but no rows.", ErrNoRows)
	}
	if err != nil {
		return nil, err
	}
	t.pending = rec
	return t, nil
}

// Header returns the column names of the file, trimmed, as written in it.
func (t *Table) Header() []string { return append([]string(nil), t.header...) }

// HeaderLine returns the line of the header: 1, unless blank lines or Excel's "sep=" line come
// before it.
func (t *Table) HeaderLine() int { return t.headerLine }

// Delimiter returns the cell delimiter of the file: ',', ';' or '\t' (or what a "sep=" line said).
func (t *Table) Delimiter() rune { return t.delim }

// Encoding returns the name of the encoding the file is read as: UTF-8, UTF-8 with BOM,
// UTF-16LE, UTF-16BE, Windows-1252 or Windows-1250. It may change from UTF-8 to a legacy code
// page while reading, when a file that started with ASCII only turns out not to be UTF-8.
func (t *Table) Encoding() string {
	if t.dec.legacy != nil {
		return legacyName(t.dec.legacy)
	}
	return t.encoding
}

// Notices returns what the administrator should know about the file as a whole, such as the
// encoding it was read in. More may come while reading (see Encoding).
func (t *Table) Notices() []Problem { return append([]Problem(nil), t.notices...) }

// Rows returns the number of rows returned so far by Next, blank rows not counted.
func (t *Table) Rows() int { return t.rows }

// BytesRead returns how many bytes of the file have been read so far, read-ahead included: the
// progress of a task that knows the file's size.
func (t *Table) BytesRead() int64 { return t.limited.max - t.limited.left }

// Next returns the next row, or io.EOF after the last. Blank rows (empty, or cells of white
// space only) are skipped. Any other error ends the table: a limit (wrapping ErrTooLarge or
// ErrTooManyRows), a row longer than Limits.MaxRecordBytes, or a read error.
func (t *Table) Next() (*Record, error) {
	if t.pending != nil {
		rec := t.pending
		t.pending = nil
		return rec, nil
	}
	return t.next()
}

func (t *Table) next() (*Record, error) {
	fields, line, err := t.read()
	if err != nil {
		return nil, err
	}
	if t.rows >= t.lim.MaxRows {
		t.err = tooManyRows(t.lim.MaxRows)
		return nil, t.err
	}
	t.rows++
	t.lastLine = line
	t.noticeEncoding()

	rec := &Record{Line: line, Fields: make([]string, len(t.header))}
	if t.dec.legacy != nil {
		rec.CodePage = legacyName(t.dec.legacy)
	}
	rec.Unicode = t.dec.legacy == nil && (t.dec.declared || t.dec.nonASCII)
	copy(rec.Fields, fields)
	switch n, want := len(fields), len(t.header); {
	case n > want && !blank(fields[want:]):
		rec.Problems = append(rec.Problems, Problem{
			Severity: SeverityError,
			Code:     CodeTooManyFields,
			Message: fmt.Sprintf("The row has %d cells but the header has %d columns; a value probably "+
				"contains a %s that is not inside quotes.", n, want, delimName(t.delim)),
		})
	case n < want:
		rec.Problems = append(rec.Problems, Problem{
			Severity: SeverityWarning,
			Code:     CodeTooFewFields,
			Message: fmt.Sprintf("The row has %d cells but the header has %d columns; the missing "+
				"cells are read as empty.", n, want),
		})
	}
	if t.dec.replaced > 0 {
		// Only after the decoder replaced something: clean files pay nothing for this scan.
		for i, f := range rec.Fields {
			if strings.ContainsRune(f, utf8.RuneError) {
				rec.Problems = append(rec.Problems, Problem{
					Severity: SeverityError,
					Code:     CodeUndecodable,
					Column:   t.header[i],
					Message: fmt.Sprintf("Some characters in column %q could not be read as %s. "+
						"Save the file as \"CSV UTF-8\" and import it again.", t.header[i], t.Encoding()),
				})
				break
			}
		}
	}
	if p, ok := t.swallowed(rec, len(fields)); ok {
		// The quote explains the cell count too: report only the cause, and first, since a
		// report shows a row's first error.
		rec.Problems = slices.DeleteFunc(rec.Problems, func(p Problem) bool {
			return p.Code == CodeTooFewFields || p.Code == CodeTooManyFields
		})
		rec.Problems = slices.Insert(rec.Problems, 0, p)
	}
	return rec, nil
}

// read returns the cells of the next non-blank record, trimmed and unescaped, and the line where
// it starts. The slice is reused by the next call.
func (t *Table) read() ([]string, int, error) {
	if t.err != nil {
		return nil, 0, t.err
	}
	for {
		fields, err := t.csv.Read()
		if err != nil {
			t.err = t.translate(err)
			return nil, 0, t.err
		}
		for i, f := range fields {
			fields[i] = strings.TrimSpace(f)
		}
		if blank(fields) {
			continue
		}
		for i, f := range fields {
			fields[i] = unescape(f)
		}
		line, _ := t.csv.FieldPos(0)
		return fields, line + t.lineOffset, nil
	}
}

// swallowed recognizes a quote that is never closed: the cell that starts with it runs over
// the following lines, which look like rows (see looksLikeRow). Without this the rows it
// swallowed would silently not be imported. n is the row's cell count.
func (t *Table) swallowed(rec *Record, n int) (Problem, bool) {
	from := 0
	if first, _ := t.csv.FieldPos(0); n > 0 && n <= len(rec.Fields) {
		// A cell can hold a line break only if the row spans lines; when the last cell starts
		// on the row's first line, only the last cell can.
		if last, _ := t.csv.FieldPos(n - 1); last == first {
			from = n - 1
		}
	}
	for i := from; i < len(rec.Fields); i++ {
		f := rec.Fields[i]
		nl := strings.IndexByte(f, '\n')
		if nl < 0 {
			continue
		}
		for _, l := range strings.Split(f[nl+1:], "\n") {
			if !t.looksLikeRow(l, n < len(t.header)) {
				continue
			}
			line, _ := t.csv.FieldPos(i)
			line += t.lineOffset
			lost := fmt.Sprintf("line %d", line+1)
			if last := line + strings.Count(f, "\n"); last > line+1 {
				lost = fmt.Sprintf("lines %d to %d", line+1, last)
			}
			return Problem{
				Severity: SeverityError,
				Code:     CodeUnclosedQuote,
				Column:   t.header[i],
				Message: fmt.Sprintf("A quote in column %q on line %d is never closed, so the cell swallowed %s, "+
					"which were not imported. Close or remove the quote on line %d and import the file again.",
					t.header[i], line, lost, line),
			}, true
		}
	}
	return Problem{}, false
}

// looksLikeRow reports whether a line inside a cell looks like a row of the file: it holds as
// many delimiters as a row. A correctly quoted cell whose second line holds that many would
// be taken for one too; in a file of several columns that does not happen with real names and
// titles. A row that ended early (short: the quote ran to the end of the file) needs one
// delimiter fewer. Files of one or two columns have too few delimiters to tell a row from
// text, so there a line is a row when it also holds an email address, which every row of the
// files Roster reads has.
func (t *Table) looksLikeRow(line string, short bool) bool {
	cols := len(t.header)
	d := strings.Count(line, string(t.delim))
	if d >= max(2, cols-1) || short && d >= max(1, cols-1) {
		return true
	}
	if d < cols-1 {
		return false
	}
	for _, c := range strings.Split(line, string(t.delim)) {
		if looksLikeEmail(strings.TrimSpace(c)) {
			return true
		}
	}
	return false
}

// looksLikeEmail reports whether s has the shape of an email address: something, one @, and
// a domain with a dot, without spaces.
func looksLikeEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && strings.Contains(domain, ".") && !strings.Contains(domain, "@") &&
		!strings.ContainsAny(s, " \t")
}

// translate turns what the CSV parser returned into the error the table reports.
func (t *Table) translate(err error) error {
	var re *roster.Error
	switch {
	case errors.Is(err, io.EOF):
		return io.EOF
	case errors.As(err, &re):
		return err
	case errors.Is(err, errRecordTooLong):
		where := "The first row"
		if t.lastLine > 0 {
			where = fmt.Sprintf("A row after line %d", t.lastLine)
		}
		return fileRefusal(FileRowTooLong, fmt.Sprintf("%s is longer than %s; a quote is probably never closed. "+
			"Check the quotes in the rows that follow.", where, formatBytes(int64(t.lim.MaxRecordBytes))), nil)
	}
	return readError(err)
}

// skipBlankLines skips the line ends at the start of br, counting the lines in t.lineOffset,
// and returns the start of what follows (up to headSize bytes).
func (t *Table) skipBlankLines(br *bufio.Reader) ([]byte, error) {
	for {
		head, err := br.Peek(headSize)
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
			return nil, readError(err)
		}
		n := 0
		for n < len(head) && (head[n] == '\n' || head[n] == '\r') {
			// A line ends with LF, CRLF or, in classic Mac files, a lone CR.
			if head[n] == '\n' || n+1 == len(head) || head[n+1] != '\n' {
				t.lineOffset++
			}
			n++
		}
		if n > 0 && n == len(head) && head[n-1] == '\r' && err == nil {
			// A CR at the end of the head may be the first half of a CRLF: look at it again.
			n--
			t.lineOffset--
		}
		if n == 0 {
			return head, nil
		}
		if _, err := br.Discard(n); err != nil {
			return nil, readError(err)
		}
	}
}

// noticeEncoding adds the legacy-encoding notice once, when the decoder reads a code page.
func (t *Table) noticeEncoding() {
	if !t.noticed && t.dec.legacy != nil {
		t.noticed = true
		t.notices = append(t.notices, legacyNotice(t.dec.legacy))
	}
}

// readSample reads the first sampleSize bytes of r (fewer for a smaller file, with io.EOF),
// into a buffer that grows with what it reads, so that small files cost little.
func readSample(r io.Reader) ([]byte, error) {
	buf := make([]byte, 0, 4<<10)
	for empty := 0; len(buf) < sampleSize; {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), sampleSize)])
		buf = buf[:len(buf)+n]
		if err != nil {
			return buf, err
		}
		// Like bufio, give up on a reader that keeps returning nothing rather than spin.
		if empty++; n > 0 {
			empty = 0
		} else if empty == 100 {
			return buf, io.ErrNoProgress
		}
	}
	return buf, nil
}

func readError(err error) error {
	var re *roster.Error
	if errors.As(err, &re) {
		return err
	}
	return fmt.Errorf("read csv file: %w", err)
}

func errEmpty() error {
	return fileRefusal(FileEmpty, "The file is empty.", nil)
}

// markupError refuses XML and HTML, which are text and would otherwise fail later with a
// confusing "no email column".
func markupError(head []byte) error {
	s := bytes.TrimLeft(head, " \t\r\n\uFEFF")
	s = s[:min(len(s), 16)]
	lower := strings.ToLower(string(s))
	switch {
	case strings.HasPrefix(lower, "<?xml"):
		return notCSV(FileWorkbook, "This looks like an XML file (for example an Excel XML spreadsheet), not a CSV file. Save the sheet as \"CSV UTF-8\".")
	case strings.HasPrefix(lower, "<!doctype html"), strings.HasPrefix(lower, "<html"):
		return notCSV(FileNotCSV, "This looks like a web page (HTML), not a CSV file. Save the sheet as \"CSV UTF-8\".")
	}
	return nil
}

// sepLine recognizes Excel's optional first line "sep=;" that names the delimiter, and returns
// the delimiter and the length of the line with its line end.
func sepLine(head []byte) (rune, int) {
	if len(head) < 5 || !strings.EqualFold(string(head[:4]), "sep=") {
		return 0, 0
	}
	d := rune(head[4])
	if !strings.ContainsRune(",;\t|", d) {
		return 0, 0
	}
	rest := head[5:]
	switch {
	case bytes.HasPrefix(rest, []byte("\r\n")):
		return d, 7
	case len(rest) == 0 || rest[0] == '\n' || rest[0] == '\r':
		return d, 5 + min(len(rest), 1)
	}
	return 0, 0
}

// detectDelimiter counts ',', ';' and tab outside quotes on the header line (the first line that
// is not blank) and returns the most frequent, preferring that order on a tie. Excel writes ';'
// in locales where the comma is the decimal separator (nl, sv, es, pl) and tabs in "Unicode
// text"; a header with none of them has one column, and the comma is as good as any.
func detectDelimiter(head []byte) rune {
	delims := [...]byte{',', ';', '\t'}
	var counts [len(delims)]int
	inQuote, nonBlank := false, false
	for _, c := range head {
		if c == '"' {
			inQuote = !inQuote
		}
		if inQuote {
			nonBlank = true
			continue
		}
		if c == '\n' || c == '\r' {
			if nonBlank {
				break
			}
			continue
		}
		if c != ' ' {
			nonBlank = true
		}
		for i, d := range delims {
			if c == d {
				counts[i]++
			}
		}
	}
	best := 0
	for i := range delims {
		if counts[i] > counts[best] {
			best = i
		}
	}
	return rune(delims[best])
}

func delimName(d rune) string {
	switch d {
	case ',':
		return "comma"
	case ';':
		return "semicolon"
	case '\t':
		return "tab"
	}
	return fmt.Sprintf("%q", d)
}

// blank reports whether every cell is empty.
func blank(fields []string) bool {
	for _, f := range fields {
		if f != "" {
			return false
		}
	}
	return true
}
