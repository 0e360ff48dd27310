package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"
	"time"
)

//go:embed templates/*
var templateFS embed.FS

// Languages lists the languages the invitation is written in; English is the fallback.
var Languages = []string{"en", "sv", "nl", "es", "pl"}

// expiryLayout formats the expiry time the same way in every language: unambiguous and
// independent of the reader's conventions.
const expiryLayout = "2006-01-02 15:04 MST"

// InvitationData fills the invitation email.
type InvitationData struct {
	OrgName     string
	FirstName   string
	DisplayName string
	Email       string
	Link        string    // absolute URL that activates the account
	ExpiresAt   time.Time // zero omits the expiry sentence
}

// invitationView is what the templates see: cleaned, single-line values.
type invitationView struct {
	OrgName string
	Name    string // first name, else display name, else empty
	Email   string
	Link    string
	Expires string // empty when there is no expiry
}

type invitationTemplates struct {
	subject *texttemplate.Template
	text    *texttemplate.Template
	html    *htmltemplate.Template
}

// invitations is parsed once at start-up; the templates are embedded, so a parse error is a
// programming error that every test run reveals.
var invitations = mustParseInvitations()

func mustParseInvitations() map[string]invitationTemplates {
	m := make(map[string]invitationTemplates, len(Languages))
	for _, lang := range Languages {
		base := "templates/invitation." + lang
		m[lang] = invitationTemplates{
			subject: texttemplate.Must(texttemplate.ParseFS(templateFS, base+".subject.txt")),
			text:    texttemplate.Must(texttemplate.ParseFS(templateFS, base+".txt")),
			html:    htmltemplate.Must(htmltemplate.ParseFS(templateFS, base+".html")),
		}
	}
	return m
}

// Invitation renders the invitation email in lang ("sv", "sv-SE" and "SV" all select Swedish;
// an unknown or empty language selects English). Names are escaped in the HTML part; the
// subject is a single line.
func Invitation(lang string, d InvitationData) (subject, text, html string, err error) {
	if strings.TrimSpace(d.Link) == "" {
		return "", "", "", errors.New("mail: invitation without a link")
	}
	lang = normalizeLanguage(lang)
	t := invitations[lang]
	v := invitationView{
		OrgName: cleanHeaderText(d.OrgName),
		Name:    cleanHeaderText(d.FirstName),
		Email:   cleanHeaderText(d.Email),
		Link:    strings.TrimSpace(d.Link),
	}
	if v.Name == "" {
		v.Name = cleanHeaderText(d.DisplayName)
	}
	if !d.ExpiresAt.IsZero() {
		v.Expires = d.ExpiresAt.UTC().Format(expiryLayout)
	}

	var b bytes.Buffer
	if err := t.subject.Execute(&b, v); err != nil {
		return "", "", "", fmt.Errorf("mail: render %s invitation subject: %w", lang, err)
	}
	subject = cleanHeaderText(b.String())
	b.Reset()
	if err := t.text.Execute(&b, v); err != nil {
		return "", "", "", fmt.Errorf("mail: render %s invitation text: %w", lang, err)
	}
	text = b.String()
	b.Reset()
	if err := t.html.Execute(&b, v); err != nil {
		return "", "", "", fmt.Errorf("mail: render %s invitation HTML: %w", lang, err)
	}
	return subject, text, b.String(), nil
}

// normalizeLanguage maps a language tag to one of Languages by its primary subtag.
func normalizeLanguage(lang string) string {
	lang = strings.ToLower(strings.TrimSpace(lang))
	if i := strings.IndexAny(lang, "-_"); i >= 0 {
		lang = lang[:i]
	}
	if _, ok := invitations[lang]; ok {
		return lang
	}
	return "en"
}
