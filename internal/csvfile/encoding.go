package csvfile

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// sampleSize is how much of a file is looked at before deciding how to read it: enough for the
// header and a few hundred rows, small enough to keep memory flat whatever the file's size.
const sampleSize = 64 << 10

// headSize is how much decoded text is looked at to find the delimiter, Excel's "sep=" line and
// classic Mac line ends: the start of the header line is enough. It is also the size of the
// buffer the CSV parser reads through.
const headSize = 4 << 10

// Names of the encodings a Table reports (Table.Encoding).
const (
	encUTF8        = "UTF-8"
	encUTF8BOM     = "UTF-8 with BOM"
	encUTF16LE     = "UTF-16LE"
	encUTF16BE     = "UTF-16BE"
	encWindows1252 = "Windows-1252"
	encWindows1250 = "Windows-1250"
)

// signatures are the first bytes of the files administrators upload by mistake instead of a
// CSV. Saying what the file is tells them what to do, where "invalid CSV" would not.
var signatures = []struct {
	magic   string
	message string
	kind    string // File*
}{
	{"PK\x03\x04", "This looks like an Excel workbook (.xlsx) or another ZIP archive, not a CSV file. Open it in your spreadsheet program and save it as \"CSV UTF-8\" first.", FileWorkbook},
	{"PK\x05\x06", "This is an empty ZIP archive, not a CSV file.", FileNotCSV},
	{"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", "This looks like an Excel 97-2003 workbook (.xls), not a CSV file. Open it in your spreadsheet program and save it as \"CSV UTF-8\" first.", FileWorkbook},
	{"%PDF-", "This is a PDF document, not a CSV file.", FileNotCSV},
	{"\x89PNG\r\n\x1a\n", "This is a PNG image, not a CSV file.", FileNotCSV},
	{"\xFF\xD8\xFF", "This is a JPEG image, not a CSV file.", FileNotCSV},
	{"GIF87a", "This is a GIF image, not a CSV file.", FileNotCSV},
	{"GIF89a", "This is a GIF image, not a CSV file.", FileNotCSV},
	{"\x1F\x8B", "This is a gzip-compressed file, not a CSV file. Unpack it first.", FileNotCSV},
	{"{\\rtf", "This is a rich-text (RTF) document, not a CSV file.", FileNotCSV},
	// UTF-32 starts like UTF-16 with a BOM, so it must be recognized before it.
	{"\xFF\xFE\x00\x00", "This file is saved as UTF-32, which Roster does not read. Save it as \"CSV UTF-8\".", FileEncoding},
	{"\x00\x00\xFE\xFF", "This file is saved as UTF-32, which Roster does not read. Save it as \"CSV UTF-8\".", FileEncoding},
}

// encoding is what sniffing decided about a file.
type encoding struct {
	name     string
	bomLen   int                   // bytes of byte order mark to skip (UTF-8 only; UTF-16 decoders eat theirs)
	utf16    transform.Transformer // nil unless UTF-16
	legacy   *charmap.Charmap      // set when the file is not UTF-8 at all
	nonASCII bool                  // the sample holds valid multi-byte UTF-8: never reinterpret the file
}

// notCSV is the up-front refusal of a file that is not text, of one of the kinds File*.
func notCSV(kind, msg string) error {
	return fileRefusal(kind, msg, nil)
}

// sniff decides the encoding of a file from its first bytes. atEOF says the sample is the whole
// file, so a multi-byte sequence cut at its end is an error rather than a cut.
func sniff(sample []byte, atEOF bool) (encoding, error) {
	for _, s := range signatures {
		if bytes.HasPrefix(sample, []byte(s.magic)) {
			return encoding{}, notCSV(s.kind, s.message)
		}
	}
	switch {
	case bytes.HasPrefix(sample, []byte("\xEF\xBB\xBF")):
		if bytes.IndexByte(sample, 0) >= 0 {
			return encoding{}, binaryError(sample)
		}
		return encoding{name: encUTF8BOM, bomLen: 3, nonASCII: true}, nil
	case bytes.HasPrefix(sample, []byte("\xFF\xFE")):
		if hasNUL16(sample[2:]) {
			return encoding{}, notCSV(FileNotCSV, "This file is not a CSV file: it contains binary data.")
		}
		dec := unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
		return encoding{name: encUTF16LE, utf16: dec, nonASCII: true}, nil
	case bytes.HasPrefix(sample, []byte("\xFE\xFF")):
		if hasNUL16(sample[2:]) {
			return encoding{}, notCSV(FileNotCSV, "This file is not a CSV file: it contains binary data.")
		}
		dec := unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder()
		return encoding{name: encUTF16BE, utf16: dec, nonASCII: true}, nil
	}
	if bytes.IndexByte(sample, 0) >= 0 {
		return encoding{}, binaryError(sample)
	}
	invalid, multi := scanUTF8(sample, atEOF)
	// A file that is mostly UTF-8 with a few broken bytes is still UTF-8: reading it as
	// Windows-1252 would garble every correct accented letter to save a few broken ones.
	if invalid == 0 || multi > invalid {
		return encoding{name: encUTF8, nonASCII: multi > 0}, nil
	}
	cm := chooseLegacy(sample)
	return encoding{name: legacyName(cm), legacy: cm}, nil
}

// binaryError refuses a sample with NUL bytes, telling UTF-16 without a byte order mark apart
// from binary data because that one has a remedy the administrator can apply.
func binaryError(sample []byte) error {
	if looksUTF16(sample) {
		return notCSV(FileEncoding, "This file looks like UTF-16 text without a byte order mark, which Roster cannot read reliably. Save it as \"CSV UTF-8\".")
	}
	return notCSV(FileNotCSV, "This file is not a CSV file: it contains binary data. Save the sheet as \"CSV UTF-8\" and upload that file.")
}

// looksUTF16 reports whether NUL bytes fall on every other byte, as ASCII text in UTF-16 does.
func looksUTF16(b []byte) bool {
	var even, odd int
	n := min(len(b), 512) &^ 1
	for i := 0; i < n; i += 2 {
		if b[i] == 0 {
			even++
		}
		if b[i+1] == 0 {
			odd++
		}
	}
	half := n / 2
	return half > 0 && (even*10 >= half*9 && odd == 0 || odd*10 >= half*9 && even == 0)
}

// hasNUL16 reports whether a UTF-16 sample (after its byte order mark) holds the code unit
// U+0000, which text never does.
func hasNUL16(b []byte) bool {
	for i := 0; i+1 < len(b); i += 2 {
		if b[i] == 0 && b[i+1] == 0 {
			return true
		}
	}
	return false
}

// scanUTF8 counts invalid bytes and valid multi-byte sequences. A sequence cut by the end of a
// sample that is not the whole file is not counted.
func scanUTF8(b []byte, atEOF bool) (invalid, multi int) {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			if !atEOF && !utf8.FullRune(b[i:]) {
				break
			}
			invalid++
			i++
			continue
		}
		multi++
		i += size
	}
	return invalid, multi
}

// chooseLegacy picks the code page of a file that is not UTF-8. Excel's plain "CSV" saves in
// the ANSI code page of Windows: 1252 for English, Swedish, Dutch and Spanish, 1250 for Polish.
// The bytes of Polish letters (ł ą ś ż Ł ...) are symbols in 1252 (³ ¹ œ ¿ £ ...) that names
// rarely contain, while letters of the other four languages mostly sit at the same place in
// both pages; the few that differ (å è ï à) count for 1252.
func chooseLegacy(b []byte) *charmap.Charmap {
	var strong, score1250, score1252 int
	for i, c := range b {
		switch c {
		case 0xBF: // ż, or the ¿ that opens a Spanish question: a letter only inside a word
			if i > 0 && isWordByte(b[i-1]) {
				strong++
				score1250 += 2
			}
		case 0xB3, 0xB9, 0xA3, 0xA5, 0x9C, 0x9F, 0x8C, 0x8F, 0xAF: // ł ą Ł Ą ś ź Ś Ź Ż
			strong++
			score1250 += 2
		case 0xE6, 0xEA, 0xC6, 0xCA: // ć ę Ć Ę (æ ê Æ Ê in 1252)
			score1250++
		case 0xE5, 0xC5, 0xE8, 0xC8, 0xEF, 0xCF, 0xE0, 0xC0: // å Å è È ï Ï à À
			score1252 += 2
		}
	}
	if strong > 0 && score1250 > score1252 {
		return charmap.Windows1250
	}
	return charmap.Windows1252
}

// isWordByte reports whether c is a letter in ASCII or any byte of a legacy code page's upper
// half, most of which are letters.
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0xC0
}

func legacyName(cm *charmap.Charmap) string {
	if cm == charmap.Windows1250 {
		return encWindows1250
	}
	return encWindows1252
}

// legacyNotice tells the administrator that the file was read in a legacy code page, so that a
// garbled name in the report has an explanation and a remedy.
func legacyNotice(cm *charmap.Charmap) Problem {
	what := "Windows-1252 (Western European), as older versions of Excel save CSV"
	if cm == charmap.Windows1250 {
		what = "Windows-1250 (Central European), as Polish versions of Excel save CSV"
	}
	return Problem{
		Severity: SeverityWarning,
		Code:     CodeLegacyEncoding,
		Message: fmt.Sprintf("The file is not saved as UTF-8, so Roster read it as %s. "+
			"If names look wrong, save the file as \"CSV UTF-8\" and import it again.", what),
		Params: map[string]string{"Encoding": legacyName(cm)},
	}
}

// decoder turns the file's bytes into valid UTF-8. It reads UTF-8 and, when the file turns out
// not to be UTF-8, switches to a legacy code page; that switch loses nothing as long as
// everything read before was ASCII, which the two encodings share. Bytes that cannot be decoded,
// and NUL, become U+FFFD, which the table then reports on the row instead of storing garbage.
type decoder struct {
	legacy   *charmap.Charmap // nil while reading UTF-8
	declared bool             // a byte order mark said what the file is: never switch
	nonASCII bool             // valid multi-byte UTF-8 was read: switching now would change it
	replaced int              // U+FFFD written so far, decoded or replaced
}

// Transform implements transform.Transformer.
func (d *decoder) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		// Most files are mostly ASCII: copy runs of it eight bytes at a time.
		if n := asciiRun(src[nSrc:], len(dst)-nDst); n > 0 {
			copy(dst[nDst:], src[nSrc:nSrc+n])
			nDst += n
			nSrc += n
			continue
		}
		c := src[nSrc]
		if c < utf8.RuneSelf && c != 0 {
			if nDst >= len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			dst[nDst] = c
			nDst++
			nSrc++
			continue
		}
		if c == 0 {
			if nDst+3 > len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			nDst += copy(dst[nDst:], "\uFFFD")
			nSrc++
			d.replaced++
			continue
		}
		if d.legacy != nil {
			r := d.legacy.DecodeByte(c)
			if nDst+utf8.RuneLen(r) > len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			nDst += utf8.EncodeRune(dst[nDst:], r)
			nSrc++
			if r == utf8.RuneError {
				d.replaced++
			}
			continue
		}
		r, size := utf8.DecodeRune(src[nSrc:])
		if r == utf8.RuneError && size <= 1 {
			if !atEOF && !utf8.FullRune(src[nSrc:]) {
				return nDst, nSrc, transform.ErrShortSrc
			}
			if !d.declared && !d.nonASCII {
				d.legacy = chooseLegacy(src[nSrc:])
				continue
			}
			if nDst+3 > len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			nDst += copy(dst[nDst:], "\uFFFD")
			nSrc++
			d.replaced++
			continue
		}
		if nDst+size > len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		nDst += copy(dst[nDst:], src[nSrc:nSrc+size])
		nSrc += size
		d.nonASCII = true
		if r == utf8.RuneError {
			d.replaced++
		}
	}
	return nDst, nSrc, nil
}

// asciiRun returns the length, in whole words of eight bytes and at most room, of the run at the
// start of b that holds neither NUL nor a byte of the upper half.
func asciiRun(b []byte, room int) int {
	const lows, highs = 0x0101010101010101, 0x8080808080808080
	n := 0
	for n+8 <= len(b) && n+8 <= room {
		v := binary.LittleEndian.Uint64(b[n:])
		// v&highs: a byte of the upper half; (v-lows)&^v&highs: a zero byte.
		if (v|(v-lows)&^v)&highs != 0 {
			break
		}
		n += 8
	}
	return n
}

// Reset implements transform.Transformer.
func (d *decoder) Reset() {}

// limitReader reads at most max bytes and fails with the file-size error when there are more.
// It is the first reader over the upload, so the limit holds for the raw bytes whatever the
// encoding.
type limitReader struct {
	r    io.Reader
	left int64
	max  int64
}

// Read implements io.Reader.
func (l *limitReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// Everything allowed was read: one more byte means the file is too large.
		var one [1]byte
		for range 100 {
			n, err := l.r.Read(one[:])
			if n > 0 {
				return 0, tooLarge(l.max)
			}
			if err != nil {
				return 0, err
			}
		}
		return 0, io.ErrNoProgress
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

// recordGuard counts the decoded bytes of the record the CSV parser is reading. The standard
// parser keeps a whole record in memory, so a quote that is never closed would make it swallow
// the rest of the file; the guard stops it after max bytes instead. It follows the syntax the
// parser reads (LazyQuotes: a quote opens a quoted field only at the start of a field, and
// inside one is text unless doubled or followed by the delimiter or a line end) to know where
// each record ends, and starts counting again there: blank lines between rows, which the
// parser skips without keeping them, count for nothing, however many there are.
type recordGuard struct {
	r     io.Reader
	max   int
	delim byte
	n     int // bytes of the record being read so far
	state guardState
	over  bool // a record passed max: the next Read fails
}

// guardState is where the guard is in the CSV syntax.
type guardState uint8

const (
	atFieldStart  guardState = iota // at the start of a record or field: a quote opens a quoted field
	inField                         // in a field without quotes: a line feed ends the record
	inQuotes                        // in a quoted field: line feeds are text
	quoteInQuotes                   // just after a quote in a quoted field
	quoteCR                         // just after a quote and a carriage return in a quoted field
)

// errRecordTooLong is the guard's signal; the table turns it into a message with a line number.
var errRecordTooLong = fmt.Errorf("csvfile: record too long")

// Read implements io.Reader.
func (g *recordGuard) Read(p []byte) (int, error) {
	if g.over {
		return 0, errRecordTooLong
	}
	n, err := g.r.Read(p)
	for _, c := range p[:n] {
		if g.step(c) {
			g.n = 0
			continue
		}
		if g.n++; g.n > g.max {
			g.over = true
		}
	}
	return n, err
}

// step moves the guard over byte c and reports whether c ended a record.
func (g *recordGuard) step(c byte) bool {
	switch g.state {
	case atFieldStart, inField:
		switch c {
		case '\n':
			g.state = atFieldStart
			return true
		case g.delim:
			g.state = atFieldStart
		case '"':
			if g.state == atFieldStart {
				g.state = inQuotes
			}
		default:
			g.state = inField
		}
	case inQuotes:
		if c == '"' {
			g.state = quoteInQuotes
		}
	case quoteInQuotes:
		switch c {
		case '\n':
			g.state = atFieldStart
			return true
		case g.delim:
			g.state = atFieldStart
		case '\r':
			g.state = quoteCR
		default: // a doubled quote, or a bare one that LazyQuotes keeps as text
			g.state = inQuotes
		}
	case quoteCR:
		if c == '\n' {
			g.state = atFieldStart
			return true
		}
		g.state = inQuotes
		return g.step(c)
	}
	return false
}

// crReader turns lone carriage returns into line feeds, for files saved with classic Mac line
// ends (Excel for Mac's "CSV (Macintosh)"); it is used only when the sample has no line feed.
type crReader struct{ r io.Reader }

// Read implements io.Reader.
func (c crReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i, b := range p[:n] {
		if b == '\r' {
			p[i] = '\n'
		}
	}
	return n, err
}
