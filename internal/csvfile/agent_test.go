package csvfile

import (
	"bytes"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"roster"
)

func TestAgentWriterRoundTrip(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	w := NewAgentWriter(&b)
	recs := []AgentRecord{
		{Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace", UserProfile: "Premium Agent", ContactCenterEnabled: true,
			Site: "Stockholm", Teams: []string{"Tier 1", "Billing, EMEA"}, SkillProfile: "Sales", AgentProfile: "Default",
			MultimediaProfile: "Voice only", ExternalID: "=HYPERLINK(\"x\")", DefaultDialNumber: "+46701234567"},
		{Email: "bo@example.com", UserProfile: "Standard Agent"},
	}
	for _, r := range recs {
		if err := w.Write(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if !strings.HasPrefix(out, "\ufeffEmail,First Name,Last Name,User Profile,Contact Center Enabled,Site,Teams,Skill Profile,Agent Profile,Multimedia Profile,External ID,Default Dial Number\r\n") {
		t.Fatalf("header: %q", out)
	}
	if !strings.Contains(out, `"'=HYPERLINK(""x"")"`) || !strings.Contains(out, ",+46701234567\r\n") {
		t.Errorf("escaping: %q", out)
	}
	tbl, err := Open(strings.NewReader(out), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	r, err := NewAgentReader(tbl)
	if err != nil {
		t.Fatal(err)
	}
	if n := r.Notices(); len(n) != 0 {
		t.Errorf("notices %+v", n)
	}
	row, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	want := &AgentRow{Line: 2, Email: "ada@example.com", ContactCenterEnabled: True, Site: "Stockholm",
		Teams: []string{"Tier 1", "Billing, EMEA"}, SkillProfile: "Sales", AgentProfile: "Default", MultimediaProfile: "Voice only",
		ExternalID: "=HYPERLINK(\"x\")", DefaultDialNumber: "+46701234567"}
	if !agentRowEqual(row, want) {
		t.Errorf("row %+v, want %+v", row, want)
	}
	row, err = r.Next()
	if err != nil {
		t.Fatal(err)
	}
	if row.Email != "bo@example.com" || row.ContactCenterEnabled != False || row.Teams != nil || row.Site != "" {
		t.Errorf("row %+v", row)
	}
	if _, err := r.Next(); !errors.Is(err, io.EOF) {
		t.Errorf("after the last row: %v", err)
	}
}

func agentRowEqual(a, b *AgentRow) bool {
	return a.Line == b.Line && a.Email == b.Email && a.ContactCenterEnabled == b.ContactCenterEnabled && a.Site == b.Site &&
		slices.Equal(a.Teams, b.Teams) && a.SkillProfile == b.SkillProfile && a.AgentProfile == b.AgentProfile &&
		a.MultimediaProfile == b.MultimediaProfile && a.ExternalID == b.ExternalID && a.DefaultDialNumber == b.DefaultDialNumber &&
		len(a.Problems) == len(b.Problems)
}

func TestAgentReader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		file    string
		err     string // part of the message of NewAgentReader's or Open's error
		notice  roster.Code
		email   string
		site    string
		teams   []string
		enabled Choice
		problem roster.Code
	}{
		{name: "semicolons, BOM, Dutch booleans", file: "\ufeffE-MAIL;Contact Center Enabled;Site;Teams\r\nada@example.com;WAAR;Malmö; a | b |\r\n",
			email: "ada@example.com", site: "Malmö", teams: []string{"a", "b"}, enabled: True},
		{name: "tabs", file: "Email\tSite\nada@example.com\tOslo\n", email: "ada@example.com", site: "Oslo"},
		{name: "UTF-16 LE", file: utf16LE("Email,Site\r\nada@example.com,Köln\r\n"), email: "ada@example.com", site: "Köln"},
		{name: "Windows-1252", file: "Email,Site\r\nada@example.com,M\xe4lar\r\n", email: "ada@example.com", site: "Mälar",
			notice: CodeLegacyEncoding},
		{name: "unknown column", file: "Email,Shoe Size\nada@example.com,42\n", email: "ada@example.com", notice: CodeUnknownColumns},
		{name: "read-only columns are ignored silently", file: "First Name,Email,User Profile\nAda,ada@example.com,Supervisor\n",
			email: "ada@example.com"},
		{name: "bad boolean", file: "Email,Contact Center Enabled\nada@example.com,maybe\n", email: "ada@example.com",
			problem: CodeInvalidBoolean},
		{name: "no email column", file: "Site,Teams\nx,y\n", err: "no email column"},
		{name: "two email columns", file: "Email,E-mail\nx,y\n", err: "both hold"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tbl, err := Open(strings.NewReader(tt.file), Limits{})
			var r *AgentReader
			if err == nil {
				r, err = NewAgentReader(tbl)
			}
			if tt.err != "" {
				if err == nil || !strings.Contains(roster.ErrorMessage(err), tt.err) {
					t.Fatalf("error %v, want one saying %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			row, err := r.Next()
			if err != nil {
				t.Fatal(err)
			}
			if row.Email != tt.email || row.Site != tt.site || !slices.Equal(row.Teams, tt.teams) || row.ContactCenterEnabled != tt.enabled {
				t.Errorf("row %+v", row)
			}
			var codes []roster.Code
			for _, p := range row.Problems {
				codes = append(codes, p.Code)
			}
			if (tt.problem == "") != (len(codes) == 0) || tt.problem != "" && !slices.Contains(codes, tt.problem) {
				t.Errorf("problems %v, want %q", codes, tt.problem)
			}
			var notices []roster.Code
			for _, p := range r.Notices() {
				notices = append(notices, p.Code)
			}
			if (tt.notice == "") != (len(notices) == 0) || tt.notice != "" && !slices.Contains(notices, tt.notice) {
				t.Errorf("notices %v, want %q", notices, tt.notice)
			}
		})
	}
}

func utf16LE(s string) string {
	b := []byte{0xFF, 0xFE}
	for _, r := range s {
		b = append(b, byte(r), byte(r>>8))
	}
	return string(b)
}

// FuzzAgentReader reads arbitrary bytes as an agent file: no input may panic or hang, and
// every row keeps the reader's promises.
func FuzzAgentReader(f *testing.F) {
	addSeeds(f)
	for _, s := range []string{
		"Email,Contact Center Enabled,Site,Teams,Skill Profile,Agent Profile,Multimedia Profile,External ID,Default Dial Number\r\n" +
			"a@example.com,TRUE,Stockholm,Tier 1|Tier 2,Sales,Default,Voice,'=1,+46701234567\r\n",
		"\ufeffEmail;Teams\na;|||\n",
		"Email\tContact Center Enabled\na\tPRAWDA\n",
		"Email,Email\na,b\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tbl, err := Open(bytes.NewReader(data), fuzzLimits)
		if err != nil {
			checkTableErr(t, err)
			return
		}
		r, err := NewAgentReader(tbl)
		if err != nil {
			checkTableErr(t, err)
			return
		}
		last := r.HeaderLine()
		for {
			row, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				checkTableErr(t, err)
				return
			}
			if row.Line <= last {
				t.Fatalf("line %d after %d", row.Line, last)
			}
			last = row.Line
			for _, team := range row.Teams {
				if team == "" || strings.Contains(team, "|") || team != strings.TrimSpace(team) {
					t.Fatalf("team %q", team)
				}
			}
			if !utf8.ValidString(row.Email + row.Site + row.ExternalID) {
				t.Fatalf("invalid UTF-8 in %+v", row)
			}
		}
	})
}
