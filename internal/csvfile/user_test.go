package csvfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"roster"
)

// readUsers opens data as a users file and reads every row.
func readUsers(data string) (*UserReader, []*UserRow, error) {
	t, err := Open(strings.NewReader(data), Limits{})
	if err != nil {
		return nil, nil, err
	}
	u, err := NewUserReader(t)
	if err != nil {
		return nil, nil, err
	}
	var rows []*UserRow
	for {
		row, err := u.Next()
		if errors.Is(err, io.EOF) {
			return u, rows, nil
		}
		if err != nil {
			return u, rows, err
		}
		rows = append(rows, row)
	}
}

// TestUserHeader covers how header texts map to fields.
func TestUserHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		header  string
		has     []Field
		err     string // part of the up-front error
		ignored []string
	}{
		{
			name:   "our export",
			header: strings.Join(UserHeader(), ","),
			has: []Field{FieldFirstName, FieldLastName, FieldDisplayName, FieldEmail, FieldPhoneNumber, FieldTitle,
				FieldDepartment, FieldPreferredLanguage, FieldGroups, FieldStandard, FieldPremium},
		},
		{name: "case and spaces", header: "  user id/EMAIL  (required) ,FIRST   name", has: []Field{FieldFirstName, FieldEmail}},
		{name: "Email", header: "Email", has: []Field{FieldEmail}},
		{name: "E-mail", header: "e-mail", has: []Field{FieldEmail}},
		{name: "User ID/Email", header: "User ID/Email", has: []Field{FieldEmail}},
		{
			name:   "Control Hub short license names",
			header: "User ID/Email (Required),Webex Contact Center Standard,Webex Contact Center Premium",
			has:    []Field{FieldEmail, FieldStandard, FieldPremium},
		},
		{
			name:   "Control Hub agent license names",
			header: "User ID/Email (Required),Webex Contact Center Standard Agent,Webex Contact Center Premium Agent",
			has:    []Field{FieldEmail, FieldStandard, FieldPremium},
		},
		{
			name:   "read-only columns are ignored without a notice",
			header: "Email,User Status,Contact Center Role,Sync Status",
			has:    []Field{FieldEmail},
		},
		{
			name:    "unknown columns are ignored with a notice",
			header:  "Email,Extension,,Location",
			has:     []Field{FieldEmail},
			ignored: []string{`"Extension"`, `column 3 (no name)`, `"Location"`},
		},
		{name: "no email column", header: "First Name,Last Name", err: `The file has no email column. Name it "User ID/Email (Required)" ("User ID/Email", "Email" and "E-mail" are accepted too). The header read was: "First Name", "Last Name".`},
		{name: "a wrong delimiter shows in the message", header: "Email|First Name", err: `The header read was: "Email|First Name".`},
		{name: "two email columns", header: "Email,First Name,User ID/Email (Required)", err: `The columns "Email" and "User ID/Email (Required)" both hold the email address`},
		{name: "two standard columns", header: "Email,Contact Center Standard Agent,Webex Contact Center Standard", err: "both hold the Standard Agent license"},
		{name: "two title columns", header: "Email,Title,TITLE", err: "both hold the title"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u, _, err := readUsers(tt.header + "\r\nx@example.com\r\n")
			if tt.err != "" {
				if err == nil {
					t.Fatal("no error")
				}
				if roster.ErrorCode(err) != roster.CodeInvalid || !strings.Contains(roster.ErrorMessage(err), tt.err) {
					t.Errorf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var has []Field
			for f := range numFields {
				if u.Has(f) {
					has = append(has, f)
				}
			}
			if fmt.Sprint(has) != fmt.Sprint(tt.has) {
				t.Errorf("fields %v, want %v", has, tt.has)
			}
			if got := u.IgnoredColumns(); fmt.Sprint(got) != fmt.Sprint(tt.ignored) {
				t.Errorf("ignored %q, want %q", got, tt.ignored)
			}
			notices := u.Notices()
			if len(tt.ignored) == 0 && len(notices) != 0 {
				t.Errorf("notices %v", notices)
			}
			if len(tt.ignored) > 0 && (len(notices) != 1 || notices[0].Code != CodeUnknownColumns ||
				!strings.Contains(notices[0].Message, strings.Join(tt.ignored, ", "))) {
				t.Errorf("notices %v", notices)
			}
		})
	}
	if u := (&UserReader{}); u.Has(-1) || u.Has(numFields) {
		t.Error("Has accepts fields out of range")
	}
}

// TestParseChoice covers every accepted spelling, in several cases, and a few refusals.
func TestParseChoice(t *testing.T) {
	t.Parallel()
	yes := []string{"TRUE", "true", "True", "1", "yes", "YES", "SANT", "sant", "ja", "JA", "WAAR", "Waar",
		"VERDADERO", "verdadero", "sí", "SÍ", "si", "Si", "PRAWDA", "prawda", "tak", "TAK", " TRUE "}
	no := []string{"FALSE", "false", "0", "no", "NO", "FALSKT", "falskt", "nej", "ONWAAR", "onwaar", "nee",
		"FALSO", "falso", "FAŁSZ", "fałsz", "FALSZ", "nie", "NIE"}
	bad := []string{"maybe", "misschien", "2", "-1", "y", "n", "TRUE FALSE", "1.0", "verdad", "x"}
	for _, s := range yes {
		if c, ok := ParseChoice(s); !ok || c != True {
			t.Errorf("ParseChoice(%q) = %v, %v", s, c, ok)
		}
	}
	for _, s := range no {
		if c, ok := ParseChoice(s); !ok || c != False {
			t.Errorf("ParseChoice(%q) = %v, %v", s, c, ok)
		}
	}
	for _, s := range bad {
		if _, ok := ParseChoice(s); ok {
			t.Errorf("ParseChoice(%q) accepted", s)
		}
	}
	if c, ok := ParseChoice(""); !ok || c != Unset {
		t.Errorf("empty cell: %v, %v", c, ok)
	}
	p := ChoiceProblem("Contact Center Premium Agent", strings.Repeat("x", 100))
	if p.Severity != SeverityError || p.Code != CodeInvalidBoolean || p.Column != "Contact Center Premium Agent" ||
		!strings.Contains(p.Message, "…\" in column") || !strings.Contains(p.Message, "WAAR/ONWAAR") {
		t.Errorf("problem %+v", p)
	}
	if True.String() != "TRUE" || False.String() != "FALSE" || Unset.String() != "" {
		t.Error("Choice.String")
	}
}

// TestUserRows covers what a row carries: values as written, groups, tri-state licenses and
// the problems of the row.
func TestUserRows(t *testing.T) {
	t.Parallel()
	header := "Email,First Name,Phone Number,Groups,Contact Center Standard Agent,Contact Center Premium Agent\r\n"
	tests := []struct {
		name     string
		row      string
		want     UserRow
		problems []string // "severity code [column]"
	}{
		{
			name: "plain",
			row:  "ann@example.com,Ann,+46701234567,Sales|Support,TRUE,FALSE",
			want: UserRow{Email: "ann@example.com", FirstName: "Ann", PhoneNumber: "+46701234567",
				Groups: []string{"Sales", "Support"}, Standard: True, Premium: False},
		},
		{
			name: "email as written, not normalized",
			row:  "  Ann@Example.COM ,,,,,",
			want: UserRow{Email: "Ann@Example.COM"},
		},
		{
			name: "empty license cells are no choice",
			row:  "ann@example.com,,,,,",
			want: UserRow{Email: "ann@example.com"},
		},
		{
			name: "a phone number that lost its + is passed through for the application to report",
			row:  "ann@example.com,,46701234567,,,",
			want: UserRow{Email: "ann@example.com", PhoneNumber: "46701234567"},
		},
		{
			name: "a phone number Excel turned into a float is passed through",
			row:  "ann@example.com,,\"4,67012E+10\",,,",
			want: UserRow{Email: "ann@example.com", PhoneNumber: "4,67012E+10"},
		},
		{
			name: "groups trimmed, empty ones dropped",
			row:  "ann@example.com,,, Sales || Support |  |,,",
			want: UserRow{Email: "ann@example.com", Groups: []string{"Sales", "Support"}},
		},
		{
			name: "groups of separators only",
			row:  "ann@example.com,,,| |,,",
			want: UserRow{Email: "ann@example.com"},
		},
		{
			name:     "both TRUE: premium wins, with a warning",
			row:      "ann@example.com,,,,TRUE,yes",
			want:     UserRow{Email: "ann@example.com", Standard: True, Premium: True},
			problems: []string{"warning csv_both_licenses [Contact Center Premium Agent]"},
		},
		{
			name:     "both words of two languages",
			row:      "ann@example.com,,,,waar,SANT",
			want:     UserRow{Email: "ann@example.com", Standard: True, Premium: True},
			problems: []string{"warning csv_both_licenses [Contact Center Premium Agent]"},
		},
		{
			name:     "license cells that are not yes/no",
			row:      "ann@example.com,,,,maybe,2",
			want:     UserRow{Email: "ann@example.com"},
			problems: []string{"error csv_invalid_boolean [Contact Center Standard Agent]", "error csv_invalid_boolean [Contact Center Premium Agent]"},
		},
		{
			name:     "too few cells: a warning and empty values",
			row:      "ann@example.com,Ann",
			want:     UserRow{Email: "ann@example.com", FirstName: "Ann"},
			problems: []string{"warning csv_too_few_fields []"},
		},
		{
			name:     "too many cells: an error",
			row:      "ann@example.com,Smith, Ann,,,TRUE,FALSE",
			want:     UserRow{Email: "ann@example.com", FirstName: "Smith", PhoneNumber: "Ann", Premium: True},
			problems: []string{"error csv_too_many_fields []"},
		},
		{
			name: "escaped formula cells come back unescaped",
			row:  "'-ann@example.com,'=Ann,,'@team,,",
			want: UserRow{Email: "-ann@example.com", FirstName: "=Ann", Groups: []string{"@team"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, rows, err := readUsers(header + tt.row + "\r\n")
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 1 {
				t.Fatalf("%d rows", len(rows))
			}
			got := rows[0]
			var problems []string
			for _, p := range got.Problems {
				problems = append(problems, fmt.Sprintf("%s %s [%s]", p.Severity, p.Code, p.Column))
			}
			if fmt.Sprint(problems) != fmt.Sprint(tt.problems) {
				t.Errorf("problems %q, want %q", problems, tt.problems)
			}
			hasErr := false
			for _, p := range tt.problems {
				hasErr = hasErr || strings.HasPrefix(p, "error")
			}
			if got.HasErrors() != hasErr {
				t.Errorf("HasErrors() = %v", got.HasErrors())
			}
			tt.want.Line = 2
			got.Problems = nil
			if fmt.Sprintf("%#v", *got) != fmt.Sprintf("%#v", tt.want) {
				t.Errorf("row\n %#v\nwant\n %#v", *got, tt.want)
			}
		})
	}
}

// TestFieldString checks that every field names its export header, and the export header is
// the exact text of SPEC §2.
func TestFieldString(t *testing.T) {
	t.Parallel()
	want := "First Name, Last Name, Display Name, User ID/Email (Required), User Status, Phone Number, " +
		"Title, Department, Preferred Language, Groups, Contact Center Standard Agent, " +
		"Contact Center Premium Agent, Contact Center Role, Sync Status"
	if got := strings.Join(UserHeader(), ", "); got != want {
		t.Errorf("header\n %s\nwant\n %s", got, want)
	}
	for f := range numFields {
		if !bytes.Contains([]byte(want), []byte(f.String())) {
			t.Errorf("%d: %q is not an export column", f, f.String())
		}
		if got := userColumns[normalizeHeader(f.String())]; got != f {
			t.Errorf("%q maps to %v", f.String(), got)
		}
	}
	if Field(99).String() != "Field(99)" {
		t.Error(Field(99).String())
	}
}
