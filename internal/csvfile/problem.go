package csvfile

import (
	"errors"
	"fmt"
	"strconv"

	"roster"
)

// Severity says whether a problem stops a row (error) or only accompanies it (warning).
type Severity string

// Severities.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Codes of row problems and notices. They appear in the per-row report only; errors that refuse
// a whole file use roster.CodeInvalid.
const (
	// CodeTooManyFields: a row has non-empty cells beyond the header's columns, usually a value
	// with an unquoted delimiter that shifted the row. An error: the cells cannot be trusted.
	CodeTooManyFields roster.Code = "csv_too_many_fields"
	// CodeTooFewFields: a row ends before the header's last column; the missing cells read as
	// empty. A warning.
	CodeTooFewFields roster.Code = "csv_too_few_fields"
	// CodeUnclosedQuote: a quote is never closed, so one cell swallowed the lines after it,
	// which would otherwise be lost without a word. An error.
	CodeUnclosedQuote roster.Code = "csv_unclosed_quote"
	// CodeUndecodable: a cell holds bytes that are not text in the file's encoding. An error.
	CodeUndecodable roster.Code = "csv_undecodable"
	// CodeInvalidBoolean: a license cell is not one of the accepted yes/no words. An error.
	CodeInvalidBoolean roster.Code = "csv_invalid_boolean"
	// CodeBothLicenses: standard and premium are both yes; premium wins. A warning.
	CodeBothLicenses roster.Code = "csv_both_licenses"
	// CodeDuplicateEmail: the row's email is on an earlier row of the file. An error: a file
	// names each person once.
	CodeDuplicateEmail roster.Code = "csv_duplicate_email"
	// CodeUnknownColumns: the header names columns Roster does not read. A warning (notice).
	CodeUnknownColumns roster.Code = "csv_unknown_columns"
	// CodeLegacyEncoding: the file is not UTF-8 and was read as Windows-1252 or -1250. A
	// warning (notice).
	CodeLegacyEncoding roster.Code = "csv_legacy_encoding"
)

// Kinds of the refusal of a whole file, the parameter ParamFile of its error: a client that
// speaks another language than the message says the same from the kind.
const (
	ParamFile           = "File"
	FileNotCSV          = "not_csv"          // another kind of file: an image, a PDF, an archive
	FileWorkbook        = "workbook"         // a spreadsheet workbook, not saved as CSV
	FileEncoding        = "encoding"         // text in an encoding Roster does not read
	FileEmpty           = "empty"            // nothing in it
	FileNoRows          = "no_rows"          // a header and no row
	FileNoEmailColumn   = "no_email_column"  // no column holds the email
	FileDuplicateColumn = "duplicate_column" // two columns hold the same field (parameter Columns)
	FileRowTooLong      = "row_too_long"     // a row past the limit: a quote never closed
)

// fileRefusal is the error that refuses a whole file, of kind (File*), wrapping err.
func fileRefusal(kind, msg string, err error) *roster.Error {
	return &roster.Error{Code: roster.CodeInvalid, Message: msg, Err: err, Params: map[string]any{ParamFile: kind}}
}

// Problem is something wrong with one row, or, as a notice, with the whole file.
type Problem struct {
	Severity Severity
	Code     roster.Code
	Column   string // the header text of the cell concerned, as in the file; empty for the row or file
	Message  string // for people, in English; the code is the stable part
	// Params are the values the message speaks of, by name, for other languages to say the
	// same (a cell's value, the ignored columns, the encoding read).
	Params map[string]string
}

// Errors wrapped by the *roster.Error that reports a limit, so that a transport can answer
// "content too large" and an import can fail its task instead of reporting a row.
var (
	ErrTooLarge    = errors.New("csvfile: file larger than the limit")
	ErrTooManyRows = errors.New("csvfile: more rows than the limit")
	// ErrNoRows is wrapped by Open's error for a file that has a header and no row. A caller
	// that treats such a file as zero rows rather than a mistake can test for it.
	ErrNoRows = errors.New("csvfile: header without rows")
)

func tooLarge(max int64) error {
	return &roster.Error{
		Code: roster.CodeInvalid,
		Message: fmt.Sprintf("The file is larger than %s, the most Roster reads from one file. "+
			"Split it into smaller files.", formatBytes(max)),
		Err: ErrTooLarge,
	}
}

func tooManyRows(max int) error {
	return &roster.Error{
		Code: roster.CodeInvalid,
		Message: fmt.Sprintf("The file has more than %s rows, the most Roster reads from one file. "+
			"Split it into smaller files.", formatCount(int64(max))),
		Err: ErrTooManyRows,
	}
}

// formatBytes writes a size the way an administrator reads it: 256 MiB, 1.5 KiB, 300 bytes.
func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " bytes"
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	s := strconv.FormatFloat(v, 'f', 1, 64)
	if n%div == 0 {
		s = strconv.FormatInt(n/div, 10)
	}
	return s + " " + string("KMGTPE"[exp]) + "iB"
}

// formatCount writes a count with thousands separators: 1,000,000.
func formatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	if n < 0 {
		return "-" + formatCount(-n)
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
