package console

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"roster"
	"roster/internal/i18n"
	"roster/internal/provision"
)

// cookieName is the session cookie's name; under https it takes the __Host- prefix, which
// binds it to this host and path / and requires Secure.
func (c *Console) cookieName() string {
	if c.secure {
		return "__Host-roster_session"
	}
	return "roster_session"
}

// langCookie keeps the language chosen before signing in.
const langCookie = "roster_lang"

type adminKey struct{}

// currentAdmin returns the signed-in administrator of r, nil when there is none.
func (c *Console) currentAdmin(r *http.Request) (*provision.Admin, error) {
	if a, ok := r.Context().Value(adminKey{}).(*provision.Admin); ok {
		return a, nil
	}
	cookies := r.CookiesNamed(c.cookieName())
	if len(cookies) == 0 {
		return nil, nil // signed out
	}
	admin, err := c.svc.ConsoleAdmin(r.Context(), cookies[0].Value)
	if roster.ErrorCode(err) == roster.CodeUnauthorized {
		return nil, nil
	}
	return admin, err
}

// setSessionCookie gives the browser its session; clearSessionCookie takes it back.
func (c *Console) setSessionCookie(w http.ResponseWriter, value string) {
	http.SetCookie(w, &http.Cookie{Name: c.cookieName(), Value: value, Path: "/", HttpOnly: true, Secure: c.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(provision.SessionAbsolute.Seconds())})
}

func (c *Console) clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: c.cookieName(), Value: "", Path: "/", HttpOnly: true, Secure: c.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// localizer returns the reader's language: the administrator's own choice, else the one
// chosen on the sign-in page, else their organization's default; signed out, the one chosen
// with the switch, else the browser's.
func (c *Console) localizer(r *http.Request, admin *provision.Admin) *i18n.Localizer {
	return c.cat.For(c.language(r, admin))
}

func (c *Console) language(r *http.Request, admin *provision.Admin) roster.Language {
	if admin != nil {
		for _, l := range []roster.Language{admin.User.PreferredLanguage, admin.Session.Language, admin.Org.Settings.DefaultLanguage} {
			if l.Valid() {
				return l
			}
		}
	}
	if ck, err := r.Cookie(langCookie); err == nil && roster.Language(ck.Value).Valid() {
		return roster.Language(ck.Value)
	}
	l, _ := i18n.Match(r.Header.Get("Accept-Language"))
	return l
}

// signedIn wraps a page that needs a signed-in administrator: without one, the browser goes
// to the sign-in page, which brings it back here afterwards.
func (c *Console) signedIn(h func(w http.ResponseWriter, r *http.Request, admin *provision.Admin)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		admin, err := c.currentAdmin(r)
		if err != nil {
			c.failed(w, r, err)
			return
		}
		if admin == nil {
			next := r.URL.RequestURI()
			if r.Method != http.MethodGet {
				next = r.Header.Get("Referer")
				if u, err := url.Parse(next); err == nil {
					next = u.RequestURI()
				}
			}
			http.Redirect(w, r, "/console/sign-in?next="+url.QueryEscape(localPath(next)), http.StatusSeeOther)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), adminKey{}, admin))
		h(w, r, admin)
	}
}

// localPath returns p when it is a path of this site, and the console's home otherwise, so
// that a sign-in link cannot send a person elsewhere.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || strings.ContainsAny(p, "\r\n") {
		return "/console/"
	}
	return p
}

// request is a request of a page of one organization: who asks, as which actor, and what
// they may do there.
type request struct {
	admin *provision.Admin
	org   *roster.Org
	actor roster.Actor
	can   provision.Permissions
	t     *i18n.Localizer
}

// page starts the page data of a page of the organization.
func (q *request) page(title, nav string) *page {
	p := &page{T: q.t, Admin: q.admin, Org: q.org, Can: q.can, Nav: nav, Title: title}
	return p
}

type orgHandler func(w http.ResponseWriter, r *http.Request, q *request)

// inOrg wraps a page of the organization {org}: the administrator must be signed in and may
// read it (another organization's pages are not found, as in the API).
func (c *Console) inOrg(h orgHandler) http.HandlerFunc {
	return c.signedIn(func(w http.ResponseWriter, r *http.Request, admin *provision.Admin) {
		orgID := r.PathValue("org")
		actor := admin.Actor(orgID)
		org, err := c.svc.Org(r.Context(), actor, orgID)
		if err != nil {
			c.failed(w, r, err)
			return
		}
		q := &request{admin: admin, org: org, actor: actor, can: provision.Allowed(actor, orgID), t: c.localizer(r, admin)}
		h(w, r, q)
	})
}

// flash keeps a message for the next page of the session; a failure to keep it is logged, not
// shown: the change it reports is done.
func (c *Console) flash(r *http.Request, admin *provision.Admin, msg string) {
	if err := c.svc.SetFlash(r.Context(), admin.Session, msg); err != nil {
		c.log.WarnContext(r.Context(), "keep flash message", "err", err)
	}
}

// takeFlash returns the session's message for this page.
func (c *Console) takeFlash(r *http.Request, admin *provision.Admin) string {
	msg, err := c.svc.TakeFlash(r.Context(), admin.Session)
	if err != nil {
		c.log.WarnContext(r.Context(), "take flash message", "err", err)
	}
	return msg
}
