package provision_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"

	"roster"
	"roster/internal/provision"
	"roster/internal/sqldb/sqldbtest"
)

// TestImportSpreadsheetRoundTrip imports our own export as five spreadsheet programs save it after
// an administrator changed only the license columns (testdata/spreadsheets, made by
// make_fixtures.py): in Windows-1252 and Windows-1250, where names lost letters to "?"; in
// UTF-8 and UTF-16; with phone numbers that lost their "+" or were turned into scientific
// notation. Every license change must go in, and nothing stored may be lost: not a letter of a
// name, not a phone number, not a group membership.
func TestImportSpreadsheetRoundTrip(t *testing.T) {
	t.Parallel()
	files := []struct {
		name  string
		codes string // the code of each row's report: the first warning
		// the new user's last name: "" when the code page could not carry it
		newLast  string
		codePage bool
	}{
		{"excel_en_1252.csv", "csv_lost_characters csv_lost_characters csv_phone_lost_plus csv_lost_characters", "", true},
		{"excel_pl_1250.csv", "csv_phone_scientific csv_lost_characters csv_lost_characters csv_phone_scientific", "Wąs", true},
		{"excel_nl_utf8.csv", "csv_phone_lost_plus csv_phone_lost_plus csv_phone_lost_plus csv_phone_lost_plus", "Wąs", false},
		{"excel_es_unicode.txt", "csv_phone_scientific csv_phone_scientific csv_phone_scientific csv_phone_scientific", "Wąs", false},
		{"libreoffice_en_utf8.csv", "csv_phone_scientific csv_phone_scientific csv_phone_scientific csv_phone_scientific", "Wąs", false},
	}
	eachEngine(t, func(t *testing.T, engine string) {
		for _, f := range files {
			t.Run(f.name, func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				// A database each: an email address is unique in the whole installation.
				store := sqldbtest.Open(t, engine)
				svc := provision.New(store)
				startWorker(t, store, svc, 0)
				data, err := os.ReadFile(filepath.Join("testdata", "spreadsheets", f.name))
				if err != nil {
					t.Fatal(err)
				}
				o := newOrg(t, svc, "Acme "+f.name, orgSpec{premium: 5, standard: 5})
				full := admin(o, roster.AdminFull)
				want := []provision.NewUser{
					{Email: "lukasz@acme.example", FirstName: "Łukasz", LastName: "Żółć", DisplayName: "Łukasz Żółć",
						PhoneNumber: "+48601234567", Title: "Kierownik zmiany", Department: "Obsługa klienta", PreferredLanguage: roster.Polish},
					{Email: "li@acme.example", FirstName: "伟", LastName: "李", DisplayName: "李伟",
						PhoneNumber: "+8613800138000", Title: "Agent", Department: "Support", PreferredLanguage: roster.English},
					{Email: "asa@acme.example", FirstName: "Åsa", LastName: "Öberg", DisplayName: "Åsa Öberg",
						PhoneNumber: "+46701234567", Title: "Agent", Department: "Support", PreferredLanguage: roster.Swedish},
				}
				for _, in := range want {
					in.License = roster.LicenseNone
					mustCreate(t, svc, o, in)
				}
				name, none := "Obsługa klienta", roster.LicenseNone
				g, err := svc.CreateGroup(ctx, full, o.ID, provision.GroupInput{Name: &name, License: &none})
				if err != nil {
					t.Fatal(err)
				}
				lukasz := userByEmail(t, store, "lukasz@acme.example")
				if _, err := svc.AddMembers(ctx, full, o.ID, g.ID, provision.MemberRefs{UserIDs: []string{lukasz.ID}}); err != nil {
					t.Fatal(err)
				}

				task := importFile(t, svc, full, o, provision.ImportAddRemove, false, string(data))
				// A file in a code page has a notice on its header line, a warning of its own.
				wantCounts := "created 1 updated 3 unchanged 0 warnings 4 errors 0"
				if f.codePage {
					wantCounts = "created 1 updated 3 unchanged 0 warnings 5 errors 0"
				}
				if got := counts(task.Counts); got != wantCounts {
					t.Errorf("counts: %s, want %s\n%s", got, wantCounts, report(t, svc, o, task.ID))
				}
				var codes []string
				for _, line := range strings.Split(report(t, svc, o, task.ID), "\n") {
					if fs := strings.Fields(line); fs[0] != "1" {
						codes = append(codes, fs[2])
					}
				}
				if got := strings.Join(codes, " "); got != f.codes {
					t.Errorf("codes %s, want %s", got, f.codes)
				}
				for _, in := range want {
					u := userByEmail(t, store, in.Email)
					got := provision.NewUser{Email: u.Email, FirstName: u.FirstName, LastName: u.LastName, DisplayName: u.DisplayName,
						PhoneNumber: u.PhoneNumber, Title: u.Title, Department: u.Department, PreferredLanguage: u.PreferredLanguage}
					if got != in {
						t.Errorf("%s changed:\n got  %+v\n want %+v", in.Email, got, in)
					}
					if u.License != roster.LicenseStandard {
						t.Errorf("%s: license %s, want standard", in.Email, u.License)
					}
				}
				ms, err := store.FindMembershipsOfUsers(ctx, o.ID, []string{lukasz.ID})
				if err != nil {
					t.Fatal(err)
				}
				if len(ms) != 1 || ms[0].GroupID != g.ID {
					t.Errorf("memberships of lukasz: %+v, want the group %s", ms, name)
				}
				zoe := userByEmail(t, store, "zoe@acme.example")
				if zoe == nil {
					t.Fatal("zoe@acme.example was not created")
				}
				if zoe.FirstName != "Zoë" || zoe.LastName != f.newLast || zoe.PhoneNumber != "" || zoe.License != roster.LicensePremium {
					t.Errorf("new user: %q %q phone %q license %s, want \"Zoë\" %q, no phone, premium",
						zoe.FirstName, zoe.LastName, zoe.PhoneNumber, zoe.License, f.newLast)
				}
			})
		}
	})
}

// ansi encodes s as a spreadsheet saves it in a Windows code page: "?" for every character the
// code page lacks.
func ansi(cm *charmap.Charmap, s string) string {
	var b []byte
	for _, r := range s {
		c, ok := cm.EncodeRune(r)
		if !ok {
			c = '?'
		}
		b = append(b, c)
	}
	return string(b)
}

// TestImportLostCharacters covers the rule of cells that lost letters to a code page: such a
// cell never replaces the stored value, the rest of the row applies, and the row says which
// column; only a "?" in a file that cannot have lost anything, or one the stored value already
// has, is a value like any other.
func TestImportLostCharacters(t *testing.T) {
	t.Parallel()
	const header = "First Name,Last Name,User ID/Email (Required),Title,Department,Contact Center Standard Agent\r\n"
	tests := []struct {
		name   string
		file   string
		cc     bool   // imported by a contact center service administrator, who may change only licenses
		report string // "row outcome code" of the row
		user   string // the user afterwards: first|last|title|department|license; "" when none
	}{
		{name: "names lost letters in Windows-1252: kept, the title and license apply",
			file:   ansi(charmap.Windows1252, header+"Łukasz,Żółć,lukasz@acme.example,Kierownik zmiany,Obsługa,TRUE\r\n"),
			report: "2 warning csv_lost_characters", user: "Łukasz|Żółć|Kierownik zmiany|Obsługa|standard"},
		{name: "a name changed to letters the code page lacks is not stored",
			file:   ansi(charmap.Windows1252, header+"Łucja,Żółć,lukasz@acme.example,,,\r\n"),
			report: "2 warning csv_lost_characters", user: "Łukasz|Żółć|Agent|Obsługa|none"},
		{name: "Windows-1250 carries Polish letters: the Chinese name of the title is lost",
			file:   ansi(charmap.Windows1250, header+"Łukasz,Żółć,lukasz@acme.example,李伟,Dział Łódź,TRUE\r\n"),
			report: "2 warning csv_lost_characters", user: "Łukasz|Żółć|Agent|Dział Łódź|standard"},
		{name: "a contact center administrator's license change goes in",
			file: ansi(charmap.Windows1252, header+"Łukasz,Żółć,lukasz@acme.example,,,TRUE\r\n"), cc: true,
			report: "2 warning csv_lost_characters", user: "Łukasz|Żółć|Agent|Obsługa|standard"},
		{name: "an email address that lost letters refuses the row",
			file:   ansi(charmap.Windows1252, header+"Anna,Łoś,łoś@acme.example,,,TRUE\r\n"),
			report: "2 error csv_lost_characters"},
		{name: "a new user's lost cell is left empty",
			file:   ansi(charmap.Windows1252, header+"Åsa,Łoś,asa@acme.example,Säljare,,TRUE\r\n"),
			report: "2 warning csv_lost_characters", user: "Åsa||Säljare||standard"},
		{name: "a ? the stored value has is no loss",
			file:   ansi(charmap.Windows1252, header+"Who,Knows,who@acme.example,Who?,Säljare,TRUE\r\n"),
			report: "2 updated ", user: "Who|Knows|Who?|Säljare|standard"},
		{name: "a file left with ASCII only may be in a code page too",
			file:   ansi(charmap.Windows1252, header+"Łukasz,Łoś,lukasz@acme.example,Śląsk,,TRUE\r\n"),
			report: "2 warning csv_lost_characters", user: "Łukasz|Żółć|Agent|Obsługa|standard"},
		{name: "a ? in a UTF-8 file is a value like any other",
			file:   "\uFEFF" + header + "Łukasz?,Żółć,lukasz@acme.example,,,\r\n",
			report: "2 updated ", user: "Łukasz?|Żółć|Agent|Obsługa|none"},
	}
	eachEngine(t, func(t *testing.T, engine string) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				store := sqldbtest.Open(t, engine)
				svc := provision.New(store)
				startWorker(t, store, svc, 0)
				o := newOrg(t, svc, "Acme", orgSpec{})
				mustCreate(t, svc, o, provision.NewUser{Email: "lukasz@acme.example", FirstName: "Łukasz", LastName: "Żółć",
					Title: "Agent", Department: "Obsługa", License: roster.LicenseNone})
				mustCreate(t, svc, o, provision.NewUser{Email: "who@acme.example", FirstName: "Who", LastName: "Knows",
					Title: "Who?", License: roster.LicenseNone})
				a := admin(o, roster.AdminFull)
				if tt.cc {
					a = admin(o, roster.AdminCCService)
				}
				task := importFile(t, svc, a, o, provision.ImportAdd, false, tt.file)
				lines := strings.Split(report(t, svc, o, task.ID), "\n")
				if got := lines[len(lines)-1]; got != tt.report {
					t.Errorf("report %q, want %q\n%s", got, tt.report, strings.Join(lines, "\n"))
				}
				email := strings.Split(strings.Split(tt.file, "\r\n")[1], ",")[2]
				u := userByEmail(t, store, email)
				switch {
				case u == nil && tt.user != "":
					t.Errorf("%s: no user", email)
				case u != nil && tt.user == "" && email != "lukasz@acme.example":
					t.Errorf("%s: created", email)
				case u != nil && tt.user != "":
					got := strings.Join([]string{u.FirstName, u.LastName, u.Title, u.Department, string(u.License)}, "|")
					if got != tt.user {
						t.Errorf("user %s, want %s", got, tt.user)
					}
				}
			})
		}
	})
}

// TestImportUnclosedQuote checks that a quote never closed is what the report says about the
// row where it starts, whatever else is wrong with that row, so that the rows it swallowed do
// not vanish without a word.
func TestImportUnclosedQuote(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file string
		report     string
		lost       string // part of the row's message
	}{
		{name: "closed by a later row's quote, with too many cells",
			file:   "User ID/Email (Required),First Name,Title\r\na@acme.example,\"Ann,x\r\nb@acme.example,Bo,y\r\n\"c@acme.example\",Cy,z\r\nd@acme.example,Di,w\r\n",
			report: "2 error csv_unclosed_quote\n5 created ", lost: "lines 3 to 4"},
		{name: "two columns",
			file:   "Email;First Name\r\na@acme.example;\"Ann\r\nb@acme.example;Bo\r\nc@acme.example;Cy\r\n",
			report: "2 error csv_unclosed_quote", lost: "lines 3 to 4"},
	}
	eachEngine(t, func(t *testing.T, engine string) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				store := sqldbtest.Open(t, engine)
				svc := provision.New(store)
				startWorker(t, store, svc, 0)
				o := newOrg(t, svc, "Acme", orgSpec{})
				task := importFile(t, svc, admin(o, roster.AdminFull), o, provision.ImportAdd, false, tt.file)
				if got := report(t, svc, o, task.ID); got != tt.report {
					t.Errorf("report:\n%s\nwant:\n%s", got, tt.report)
				}
				rows, err := svc.TaskProblems(context.Background(), system, o.ID, task.ID, 10)
				if err != nil {
					t.Fatal(err)
				}
				if len(rows) == 0 || !strings.Contains(rows[0].Message, tt.lost) {
					t.Errorf("problems %+v, want a message naming %s", rows, tt.lost)
				}
				for _, email := range []string{"a@acme.example", "b@acme.example", "c@acme.example"} {
					if userByEmail(t, store, email) != nil {
						t.Errorf("%s created from a row the quote swallowed", email)
					}
				}
			})
		}
	})
}
