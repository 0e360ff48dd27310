package console

import (
	"net"
	"net/http"
	"net/url"

	"roster"
	"roster/internal/provision"
)

// home sends a signed-in administrator to their organization's overview, and anyone else to
// the sign-in page.
func (c *Console) home(w http.ResponseWriter, r *http.Request) {
	c.signedIn(func(w http.ResponseWriter, r *http.Request, admin *provision.Admin) {
		http.Redirect(w, r, orgPath(admin.Org.ID, "/"), http.StatusSeeOther)
	})(w, r)
}

// orgPath is the address of a page of an organization.
func orgPath(orgID, p string) string { return "/console/orgs/" + url.PathEscape(orgID) + p }

// signInForm is what the sign-in page shows.
type signInForm struct {
	Email string
	Next  string
}

func (c *Console) showSignIn(w http.ResponseWriter, r *http.Request) {
	if admin, _ := c.currentAdmin(r); admin != nil {
		http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	t := c.localizer(r, nil)
	c.render(w, r, http.StatusOK, "signin", &page{T: t, Title: t.Text("signin.title"),
		Data: signInForm{Next: r.URL.Query().Get("next")}})
}

func (c *Console) signIn(w http.ResponseWriter, r *http.Request) {
	form := signInForm{Email: r.PostFormValue("email"), Next: r.PostFormValue("next")}
	lang := c.language(r, nil)
	cookie, _, err := c.svc.SignIn(r.Context(), provision.SignIn{
		Email: form.Email, Password: r.PostFormValue("password"),
		ClientAddr: clientAddr(r), UserAgent: r.UserAgent(), Language: chosenLanguage(r),
	})
	if err != nil {
		t := c.cat.For(lang)
		if roster.ErrorCode(err) == roster.CodeInternal {
			c.failed(w, r, err)
			return
		}
		msg := t.Text("signin.wrong")
		if roster.ErrorCode(err) == roster.CodeTooManyAttempts {
			msg = t.Error(err)
		}
		c.render(w, r, statusOf(err), "signin", &page{T: t, Title: t.Text("signin.title"),
			Errors: problems{{Field: "email", Message: msg}}, Data: form})
		return
	}
	c.setSessionCookie(w, cookie)
	next := localPath(form.Next)
	if form.Next == "" {
		next = "/console/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// chosenLanguage is the language picked with the switch before signing in, "" when none was.
func chosenLanguage(r *http.Request) roster.Language {
	if ck, err := r.Cookie(langCookie); err == nil && roster.Language(ck.Value).Valid() {
		return roster.Language(ck.Value)
	}
	return ""
}

// clientAddr is the address the request came from, for counting failed sign-ins. A proxy's
// headers are not trusted: anyone can send them.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (c *Console) signOut(w http.ResponseWriter, r *http.Request) {
	if admin, _ := c.currentAdmin(r); admin != nil {
		if err := c.svc.SignOut(r.Context(), admin.Session); err != nil {
			c.failed(w, r, err)
			return
		}
	}
	c.clearSessionCookie(w)
	http.Redirect(w, r, "/console/sign-in", http.StatusSeeOther)
}

// switchLanguage is the language switch of every page's footer: the signed-in administrator's
// own preference, or a cookie before signing in.
func (c *Console) switchLanguage(w http.ResponseWriter, r *http.Request) {
	lang := roster.Language(r.PostFormValue("language"))
	next := localPath(r.PostFormValue("next"))
	if !lang.Valid() {
		c.errorPage(w, r, http.StatusUnprocessableEntity, "error.language")
		return
	}
	admin, err := c.currentAdmin(r)
	if err != nil {
		c.failed(w, r, err)
		return
	}
	if admin != nil {
		if err := c.svc.SetConsoleLanguage(r.Context(), admin, lang); err != nil {
			c.failed(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: string(lang), Path: "/", HttpOnly: true, Secure: c.secure,
		SameSite: http.SameSiteLaxMode, MaxAge: 365 * 24 * 3600})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// setupForm is what the setup page shows.
type setupForm struct {
	provision.Setup
	Platforms []roster.Platform
	Languages []roster.Language
}

func (c *Console) showSetup(w http.ResponseWriter, r *http.Request) {
	t := c.localizer(r, nil)
	if err := c.svc.CheckSetupSecret(r.Context(), r.PathValue("secret")); err != nil {
		if roster.ErrorCode(err) == roster.CodeNotFound {
			c.errorPage(w, r, http.StatusNotFound, "setup.link_used")
			return
		}
		c.failed(w, r, err)
		return
	}
	form := setupForm{Setup: provision.Setup{Platform: roster.PlatformNew, Language: t.Lang()},
		Platforms: []roster.Platform{roster.PlatformNew, roster.Platform10}, Languages: roster.Languages}
	c.render(w, r, http.StatusOK, "setup", &page{T: t, Title: t.Text("setup.title"), Data: form})
}

func (c *Console) setup(w http.ResponseWriter, r *http.Request) {
	t := c.localizer(r, nil)
	in := provision.Setup{
		OrgName: r.PostFormValue("name"), Platform: roster.Platform(r.PostFormValue("platform")),
		FirstName: r.PostFormValue("firstName"), LastName: r.PostFormValue("lastName"),
		Email: r.PostFormValue("email"), Password: r.PostFormValue("password"),
		Language: roster.Language(r.PostFormValue("language")),
	}
	form := setupForm{Setup: in, Platforms: []roster.Platform{roster.PlatformNew, roster.Platform10}, Languages: roster.Languages}
	form.Password = ""
	if in.Password != r.PostFormValue("confirm") {
		c.render(w, r, http.StatusUnprocessableEntity, "setup", &page{T: t, Title: t.Text("setup.title"),
			Errors: problems{{Field: "confirm", Message: t.Text("account.password_mismatch")}}, Data: form})
		return
	}
	secret := r.PathValue("secret")
	if _, err := c.svc.CompleteSetup(r.Context(), secret, in); err != nil {
		switch roster.ErrorCode(err) {
		case roster.CodeNotFound, roster.CodeConflict:
			c.errorPage(w, r, http.StatusNotFound, "setup.link_used")
		case roster.CodeInternal:
			c.failed(w, r, err)
		default:
			c.render(w, r, statusOf(err), "setup", &page{T: t, Title: t.Text("setup.title"),
				Errors: problemsOf(t, err), Data: form})
		}
		return
	}
	cookie, _, err := c.svc.SignIn(r.Context(), provision.SignIn{Email: in.Email, Password: in.Password,
		ClientAddr: clientAddr(r), UserAgent: r.UserAgent()})
	if err != nil {
		c.failed(w, r, err)
		return
	}
	c.setSessionCookie(w, cookie)
	http.Redirect(w, r, "/console/", http.StatusSeeOther)
}
