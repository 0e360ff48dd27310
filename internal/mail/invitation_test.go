package mail

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestInvitationLanguages(t *testing.T) {
	t.Parallel()
	d := InvitationData{
		OrgName:   "Acme & Co",
		FirstName: `<script>alert("x")</script>`,
		Email:     "ada@customer.example",
		Link:      "https://roster.example/invite/abc123?x=1&y=2",
		ExpiresAt: time.Date(2026, 11, 29, 15, 0, 0, 0, time.FixedZone("CET", 3600)),
	}
	tests := []struct {
		lang        string
		wantSubject string
		wantText    string // a phrase proving the language
		wantHTML    string
	}{
		{"en", "Acme & Co has invited you to Roster", "contact center administration service", `<html lang="en">`},
		{"sv", "Acme & Co har bjudit in dig till Roster", "tjänsten för administration av kontaktcenter", `<html lang="sv">`},
		{"nl", "Acme & Co heeft je uitgenodigd voor Roster", "de beheerdienst voor contactcenters", `<html lang="nl">`},
		{"es", "Acme & Co te ha invitado a Roster", "el servicio de administración del centro de contacto", `<html lang="es">`},
		{"pl", "Acme & Co zaprasza Cię do Roster", "usługi do administrowania centrum kontaktowym", `<html lang="pl">`},
		{"", "Acme & Co has invited you to Roster", "contact center administration service", `<html lang="en">`},
		{"de", "Acme & Co has invited you to Roster", "contact center administration service", `<html lang="en">`},
		{"xx-YY", "Acme & Co has invited you to Roster", "contact center administration service", `<html lang="en">`},
		{"sv-SE", "Acme & Co har bjudit in dig till Roster", "tjänsten för administration", `<html lang="sv">`},
		{"PL", "Acme & Co zaprasza Cię do Roster", "centrum kontaktowym", `<html lang="pl">`},
	}
	for _, tt := range tests {
		t.Run("lang="+tt.lang, func(t *testing.T) {
			t.Parallel()
			subject, text, html, err := Invitation(tt.lang, d)
			if err != nil {
				t.Fatal(err)
			}
			if subject != tt.wantSubject {
				t.Errorf("subject = %q, want %q", subject, tt.wantSubject)
			}
			for _, want := range []string{tt.wantText, d.Link, d.FirstName, d.Email, "2026-11-29 14:00 UTC"} {
				if !strings.Contains(text, want) {
					t.Errorf("text does not contain %q:\n%s", want, text)
				}
			}
			for _, want := range []string{
				tt.wantHTML,
				`href="https://roster.example/invite/abc123?x=1&amp;y=2"`,
				`&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;`,
				"Acme &amp; Co",
				"2026-11-29 14:00 UTC",
			} {
				if !strings.Contains(html, want) {
					t.Errorf("HTML does not contain %q:\n%s", want, html)
				}
			}
			if strings.Contains(html, "<script>") {
				t.Errorf("HTML contains an unescaped name:\n%s", html)
			}
			if strings.Contains(text, "{{") || strings.Contains(html, "{{") || strings.Contains(text, "<no value>") {
				t.Errorf("unrendered template text:\n%s\n%s", text, html)
			}
		})
	}
}

func TestInvitationGreeting(t *testing.T) {
	t.Parallel()
	link := "https://roster.example/invite/abc"
	long := strings.Repeat("Ł", 300)
	tests := []struct {
		name      string
		lang      string
		d         InvitationData
		wantFirst string // first line of the text part
	}{
		{"first name", "en", InvitationData{FirstName: "Åsa", DisplayName: "Åsa Öberg"}, "Hello Åsa,"},
		{"display name", "en", InvitationData{DisplayName: "Åsa Öberg"}, "Hello Åsa Öberg,"},
		{"blank first name", "sv", InvitationData{FirstName: "  ", DisplayName: "Åsa Öberg"}, "Hej Åsa Öberg!"},
		{"no name en", "en", InvitationData{}, "Hello,"},
		{"no name sv", "sv", InvitationData{}, "Hej!"},
		{"no name nl", "nl", InvitationData{}, "Hallo,"},
		{"no name es", "es", InvitationData{}, "Hola:"},
		{"no name pl", "pl", InvitationData{}, "Witaj!"},
		{"name es", "es", InvitationData{FirstName: "Łukasz"}, "Hola, Łukasz:"},
		{"name pl", "pl", InvitationData{FirstName: "Łukasz"}, "Witaj, Łukasz!"},
		{"name with newline", "en", InvitationData{FirstName: "Ada\r\nLovelace"}, "Hello Ada Lovelace,"},
		{"300-character name is cut", "en", InvitationData{FirstName: long}, "Hello " + strings.Repeat("Ł", 200) + ","},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.d.OrgName, tt.d.Link = "Acme", link
			_, text, html, err := Invitation(tt.lang, tt.d)
			if err != nil {
				t.Fatal(err)
			}
			if first, _, _ := strings.Cut(text, "\n"); first != tt.wantFirst {
				t.Errorf("first line = %q, want %q", first, tt.wantFirst)
			}
			if !strings.Contains(html, "<p>"+tt.wantFirst+"</p>") {
				t.Errorf("HTML greeting is not %q:\n%s", tt.wantFirst, html)
			}
			if !utf8.ValidString(text) {
				t.Error("text is not valid UTF-8")
			}
		})
	}
}

func TestInvitationWithoutExpiryOrEmail(t *testing.T) {
	t.Parallel()
	_, text, html, err := Invitation("en", InvitationData{OrgName: "Acme", Link: "https://roster.example/i"})
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{text, html} {
		if strings.Contains(part, "expires") || strings.Contains(part, "was sent to") {
			t.Errorf("part mentions a missing expiry or email:\n%s", part)
		}
	}
	if strings.Contains(text, "\n\n\n") {
		t.Errorf("text has a double blank line:\n%s", text)
	}
}

func TestInvitationRequiresLink(t *testing.T) {
	t.Parallel()
	if _, _, _, err := Invitation("en", InvitationData{OrgName: "Acme"}); err == nil {
		t.Fatal("Invitation without a link succeeded")
	}
}
