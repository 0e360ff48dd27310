// Package console serves Roster's web pages. So far it has the page where an invited person
// accepts their account; the administrators' console comes later.
package console

import (
	"embed"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"strings"

	"roster"
	"roster/internal/provision"
)

//go:embed invite.html
var pages embed.FS

var inviteTmpl = template.Must(template.ParseFS(pages, "invite.html"))

// Console serves the web pages.
type Console struct {
	svc *provision.Service
	log *slog.Logger
}

// New returns the console over svc.
func New(svc *provision.Service, log *slog.Logger) *Console {
	if log == nil {
		log = slog.Default()
	}
	return &Console{svc: svc, log: log}
}

// Register adds the console's routes to mux.
func (c *Console) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /invite/{token}", c.showInvitation)
	mux.HandleFunc("POST /invite/{token}", c.acceptInvitation)
}

// minPassword is the shortest console password, as provision checks it; the page says it.
const minPassword = 12

// invitePage is what invite.html shows.
type invitePage struct {
	Lang     roster.Language
	T        texts
	Name     string
	Org      string
	Email    string
	Problem  string // why the link does not work; "" when it does
	Done     bool   // accepted
	Password bool   // an administrator: the form asks for a console password
	FormNote string // what to fix in the form
}

// renderForm shows the form again with what to fix.
func (c *Console) renderForm(w http.ResponseWriter, r *http.Request, who *provision.Invitee, note func(texts) string) {
	c.write(w, r, http.StatusUnprocessableEntity, c.page(r, who, false), note)
}

func (c *Console) showInvitation(w http.ResponseWriter, r *http.Request) {
	who, err := c.svc.Invitation(r.Context(), r.PathValue("token"))
	c.render(w, r, who, err, false)
}

func (c *Console) acceptInvitation(w http.ResponseWriter, r *http.Request) {
	token, password := r.PathValue("token"), r.PostFormValue("password")
	if password != r.PostFormValue("confirm") {
		who, err := c.svc.Invitation(r.Context(), token)
		if err == nil {
			c.renderForm(w, r, who, func(t texts) string { return t.Mismatch })
			return
		}
		c.render(w, r, who, err, false)
		return
	}
	who, err := c.svc.AcceptInvitation(r.Context(), token, password)
	if roster.ErrorCode(err) == roster.CodeInvalid && who != nil {
		c.renderForm(w, r, who, func(t texts) string { return fmt.Sprintf(t.TooShort, minPassword) })
		return
	}
	if err != nil {
		// Say why in the invited person's language, when the link names one.
		if shown, _ := c.svc.Invitation(r.Context(), r.PathValue("token")); shown != nil {
			who = shown
		}
	}
	c.render(w, r, who, err, err == nil)
}

// page is the page of who (nil when the link names no one), in the invited person's language,
// else the browser's.
func (c *Console) page(r *http.Request, who *provision.Invitee, done bool) invitePage {
	p := invitePage{Lang: browserLanguage(r), Done: done}
	if who != nil {
		p.Lang = who.User.PreferredLanguage
		if p.Lang == "" {
			p.Lang = who.Org.Settings.DefaultLanguage
		}
		p.Name, p.Org, p.Email, p.Password = who.User.FirstName, who.Org.Name, who.User.Email, who.NeedsPassword()
	}
	p.T = textsOf(p.Lang)
	return p
}

// render answers with the page of who, or with why the link does not work.
func (c *Console) render(w http.ResponseWriter, r *http.Request, who *provision.Invitee, err error, done bool) {
	p := c.page(r, who, done)
	status := http.StatusOK
	switch roster.ErrorCode(err) {
	case "":
	case roster.CodeNotFound:
		status, p.Problem = http.StatusNotFound, p.T.Unknown
	case roster.CodeConflict:
		status, p.Problem = http.StatusGone, p.T.Used
		if strings.Contains(roster.ErrorMessage(err), "expired") {
			p.Problem = p.T.Expired
		}
	default:
		c.log.ErrorContext(r.Context(), "invitation page", "err", err)
		status, p.Problem = http.StatusInternalServerError, p.T.Failed
	}
	c.write(w, r, status, p, nil)
}

// write sends p with status; note, when set, says what to fix in the form.
func (c *Console) write(w http.ResponseWriter, r *http.Request, status int, p invitePage, note func(texts) string) {
	if note != nil {
		p.FormNote = note(p.T)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// The link's secret is in the address: no cache keeps it, no referrer carries it on.
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
	w.WriteHeader(status)
	if err := inviteTmpl.Execute(w, p); err != nil {
		c.log.ErrorContext(r.Context(), "render invitation page", "err", err)
	}
}

// browserLanguage is the first supported language of the request's Accept-Language.
func browserLanguage(r *http.Request) roster.Language {
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag, _, _ = strings.Cut(strings.ToLower(tag), "-")
		if l := roster.Language(tag); l.Valid() {
			return l
		}
	}
	return roster.English
}
