package csvfile

import (
	"fmt"
	"strings"
)

// Field is a column of the users file that an import reads.
type Field int

// Fields, in the order of the export.
const (
	FieldFirstName Field = iota
	FieldLastName
	FieldDisplayName
	FieldEmail
	FieldPhoneNumber
	FieldTitle
	FieldDepartment
	FieldPreferredLanguage
	FieldGroups
	FieldStandard
	FieldPremium
	numFields

	fieldReadOnly Field = -1 // a column of our export that an import ignores
)

// Header texts of the export, exact (SPEC §2).
const (
	headerFirstName   = "First Name"
	headerLastName    = "Last Name"
	headerDisplayName = "Display Name"
	headerEmail       = "User ID/Email (Required)"
	headerStatus      = "User Status"
	headerPhone       = "Phone Number"
	headerTitle       = "Title"
	headerDepartment  = "Department"
	headerLanguage    = "Preferred Language"
	headerGroups      = "Groups"
	headerStandard    = "Contact Center Standard Agent"
	headerPremium     = "Contact Center Premium Agent"
	headerRole        = "Contact Center Role"
	headerSyncStatus  = "Sync Status"
)

var fieldHeaders = [numFields]string{
	headerFirstName, headerLastName, headerDisplayName, headerEmail, headerPhone, headerTitle,
	headerDepartment, headerLanguage, headerGroups, headerStandard, headerPremium,
}

// String returns the header text of the field in our export.
func (f Field) String() string {
	if f < 0 || f >= numFields {
		return fmt.Sprintf("Field(%d)", int(f))
	}
	return fieldHeaders[f]
}

// UserHeader returns the header of the users export, in order, exactly as SPEC §2 names it.
func UserHeader() []string {
	return []string{
		headerFirstName, headerLastName, headerDisplayName, headerEmail, headerStatus, headerPhone,
		headerTitle, headerDepartment, headerLanguage, headerGroups, headerStandard, headerPremium,
		headerRole, headerSyncStatus,
	}
}

// userColumns maps normalized header texts (see normalizeHeader) to fields. Besides our own
// export it accepts:
//   - the license columns of Webex Control Hub exports: "Webex Contact Center Standard",
//     "Webex Contact Center Standard Agent", "Webex Contact Center Premium" and
//     "Webex Contact Center Premium Agent";
//   - for the email, "User ID/Email", "Email" and "E-mail", which people write in files they
//     make by hand.
//
// "User Status", "Contact Center Role" and "Sync Status" are our export's read-only columns:
// ignored without a warning, since roles are never set by CSV and the others are computed.
var userColumns = map[string]Field{
	"first name":                          FieldFirstName,
	"last name":                           FieldLastName,
	"display name":                        FieldDisplayName,
	"user id/email (required)":            FieldEmail,
	"user id/email":                       FieldEmail,
	"email":                               FieldEmail,
	"e-mail":                              FieldEmail,
	"phone number":                        FieldPhoneNumber,
	"title":                               FieldTitle,
	"department":                          FieldDepartment,
	"preferred language":                  FieldPreferredLanguage,
	"groups":                              FieldGroups,
	"contact center standard agent":       FieldStandard,
	"webex contact center standard":       FieldStandard,
	"webex contact center standard agent": FieldStandard,
	"contact center premium agent":        FieldPremium,
	"webex contact center premium":        FieldPremium,
	"webex contact center premium agent":  FieldPremium,
	"user status":                         fieldReadOnly,
	"contact center role":                 fieldReadOnly,
	"sync status":                         fieldReadOnly,
}

// normalizeHeader folds case and white space, so that "  user id/EMAIL  (required)" matches.
func normalizeHeader(h string) string {
	return strings.ToLower(strings.Join(strings.Fields(h), " "))
}

// UserReader reads the users file of SPEC §2 from a Table.
type UserReader struct {
	t       *Table
	col     [numFields]int    // index of the field's column in a record, -1 when absent
	name    [numFields]string // the field's header text as written in the file
	ignored []string
	notices []Problem
}

// UserRow is one row of a users file, read faithfully: nothing is validated but the license
// cells, which must be yes/no words to mean anything.
type UserRow struct {
	Line              int    // the line of the file where the row starts
	Email             string // trimmed, as written; not normalized or validated
	FirstName         string
	LastName          string
	DisplayName       string
	PhoneNumber       string // as written: a number that lost its "+" is the caller's to report
	Title             string
	Department        string
	PreferredLanguage string   // as written; the caller checks it is a supported language
	Groups            []string // the "|"-separated names, trimmed, empty ones dropped; nil when none
	Standard          Choice
	Premium           Choice
	// Problems are the row's format problems: cell count, undecodable text, license cells that
	// are not yes/no (error), both licenses yes (warning: premium wins).
	Problems []Problem
	// CodePage is the legacy code page the row was read in, and Unicode whether the file is
	// known to be Unicode (see Record and LostCharacters).
	CodePage string
	Unicode  bool
}

// HasErrors reports whether a problem of the row is an error, so that the row must not be
// applied.
func (r *UserRow) HasErrors() bool {
	for _, p := range r.Problems {
		if p.Severity == SeverityError {
			return true
		}
	}
	return false
}

// NewUserReader maps the table's header to the fields of a users file, matching header texts
// case-insensitively and ignoring white space around and inside them. Only the email column is
// required. The errors (*roster.Error with code invalid) are for the administrator: no email
// column, or two columns for the same field. Columns it does not know are ignored, with a
// notice naming them.
func NewUserReader(t *Table) (*UserReader, error) {
	u := &UserReader{t: t}
	for i := range u.col {
		u.col[i] = -1
	}
	for i, h := range t.header {
		f, ok := userColumns[normalizeHeader(h)]
		switch {
		case !ok:
			name := fmt.Sprintf("%q", h)
			if h == "" {
				name = fmt.Sprintf("column %d (no name)", i+1)
			}
			u.ignored = append(u.ignored, name)
		case f == fieldReadOnly:
		case u.col[f] >= 0:
			err := fileRefusal(FileDuplicateColumn, fmt.Sprintf("The columns %q and %q both hold %s; keep only one of them.",
				u.name[f], h, fieldNoun(f)), nil)
			err.Params["Columns"] = fmt.Sprintf("%q, %q", u.name[f], h)
			return nil, err
		default:
			u.col[f], u.name[f] = i, h
		}
	}
	if u.col[FieldEmail] < 0 {
		return nil, fileRefusal(FileNoEmailColumn, fmt.Sprintf("The file has no email column. Name it %q (%q, %q and %q are accepted too). "+
			"The header read was: %s.", headerEmail, "User ID/Email", "Email", "E-mail", headerList(t.header)), nil)
	}
	if len(u.ignored) > 0 {
		u.notices = append(u.notices, Problem{
			Severity: SeverityWarning,
			Code:     CodeUnknownColumns,
			Message: fmt.Sprintf("Roster does not know these columns and ignored them: %s.",
				strings.Join(u.ignored, ", ")),
			Params: map[string]string{"Columns": strings.Join(u.ignored, ", ")},
		})
	}
	return u, nil
}

// fieldNoun names what a field holds, for messages.
func fieldNoun(f Field) string {
	switch f {
	case FieldEmail:
		return "the email address"
	case FieldStandard:
		return "the Standard Agent license"
	case FieldPremium:
		return "the Premium Agent license"
	}
	return "the " + strings.ToLower(f.String())
}

// headerList shows the header as read, cut short, so that a wrong delimiter or a missing header
// line is visible in the message.
func headerList(h []string) string {
	const most = 8
	var b strings.Builder
	for i, s := range h {
		if i == most {
			fmt.Fprintf(&b, " and %d more", len(h)-most)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", shorten(s))
	}
	return b.String()
}

// Has reports whether the file has a column for f. An importer uses it to tell "no such column,
// leave the value alone" from "empty cell".
func (u *UserReader) Has(f Field) bool {
	return f >= 0 && f < numFields && u.col[f] >= 0
}

// ColumnName returns the header text of the column of f as written in the file, or the header
// text of our export when the file has no such column: what a message about a cell names.
func (u *UserReader) ColumnName(f Field) string {
	if u.Has(f) {
		return u.name[f]
	}
	return f.String()
}

// IgnoredColumns returns the header texts (quoted) of the columns Roster does not know.
func (u *UserReader) IgnoredColumns() []string { return append([]string(nil), u.ignored...) }

// Notices returns what the administrator should know about the whole file: its encoding (from
// the table) and the ignored columns.
func (u *UserReader) Notices() []Problem { return append(u.t.Notices(), u.notices...) }

// HeaderLine returns the line of the file's header.
func (u *UserReader) HeaderLine() int { return u.t.HeaderLine() }

// Rows returns the number of rows read so far, blank rows not counted.
func (u *UserReader) Rows() int { return u.t.Rows() }

// Next returns the next row, or io.EOF after the last; other errors end the file (see
// Table.Next).
func (u *UserReader) Next() (*UserRow, error) {
	rec, err := u.t.Next()
	if err != nil {
		return nil, err
	}
	row := &UserRow{
		Line:              rec.Line,
		Email:             u.cell(rec, FieldEmail),
		FirstName:         u.cell(rec, FieldFirstName),
		LastName:          u.cell(rec, FieldLastName),
		DisplayName:       u.cell(rec, FieldDisplayName),
		PhoneNumber:       u.cell(rec, FieldPhoneNumber),
		Title:             u.cell(rec, FieldTitle),
		Department:        u.cell(rec, FieldDepartment),
		PreferredLanguage: u.cell(rec, FieldPreferredLanguage),
		Groups:            splitGroups(u.cell(rec, FieldGroups)),
		Problems:          rec.Problems,
		CodePage:          rec.CodePage,
		Unicode:           rec.Unicode,
	}
	row.Standard = u.choice(row, rec, FieldStandard)
	row.Premium = u.choice(row, rec, FieldPremium)
	if row.Standard == True && row.Premium == True {
		row.Problems = append(row.Problems, Problem{
			Severity: SeverityWarning,
			Code:     CodeBothLicenses,
			Column:   u.name[FieldPremium],
			Message:  "Both Standard Agent and Premium Agent are yes; a user holds one license, so the user gets Premium.",
		})
	}
	return row, nil
}

func (u *UserReader) cell(rec *Record, f Field) string {
	if i := u.col[f]; i >= 0 {
		return rec.Fields[i]
	}
	return ""
}

// choice reads a license cell, adding a problem to the row when it is not a yes/no word.
func (u *UserReader) choice(row *UserRow, rec *Record, f Field) Choice {
	s := u.cell(rec, f)
	c, ok := ParseChoice(s)
	if !ok {
		row.Problems = append(row.Problems, ChoiceProblem(u.name[f], s))
	}
	return c
}

// splitGroups splits a Groups cell on "|", trimming names and dropping empty ones.
func splitGroups(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, "|")
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
