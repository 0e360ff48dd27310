package console

import (
	"errors"
	"mime"
	"net/http"
	"strings"

	"roster/internal/provision"
)

// contentSecurityPolicy is the policy of every page: our own scripts, styles and images only,
// nothing inline, no framing, forms posted back here only.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// maxFormBytes bounds the body of every form but a file upload: the largest, the wizard's 25
// names and emails, stays far below it.
const maxFormBytes = 64 << 10

// guard wraps a page handler in what every page gets: its security headers, the refusal of
// cross-origin form posts, and a bound on the form body, read before any other check. Only an
// upload page takes a file (multipart): it bounds the body itself, once it knows who sends it.
func (c *Console) guard(h http.HandlerFunc, upload bool) http.Handler {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && !upload {
			// Only a URL-encoded form, as browsers send one, is read; anything else (a
			// multipart body, which net/http would spool to temporary files) is refused
			// unread.
			if r.ContentLength != 0 || len(r.TransferEncoding) > 0 {
				if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
					c.errorPage(w, r, http.StatusUnsupportedMediaType, "error.form_not_accepted")
					return
				}
			}
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if err := r.ParseForm(); err != nil {
				if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
					c.errorPage(w, r, http.StatusRequestEntityTooLarge, "error.form_too_large")
				} else {
					c.errorPage(w, r, http.StatusBadRequest, "error.form_not_accepted")
				}
				return
			}
			// Parsed already: PostFormValue reads r.PostForm, never the body.
			r.Body = http.NoBody
		}
		h(w, r)
	})
	protected := c.origins.Handler(inner)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setHeaders(w, r)
		protected.ServeHTTP(w, r)
	})
}

// setHeaders sets the headers of every page.
func setHeaders(w http.ResponseWriter, r *http.Request) {
	hdr := w.Header()
	hdr.Set("Content-Security-Policy", contentSecurityPolicy)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Cache-Control", "no-store")
	if strings.HasPrefix(r.URL.Path, provision.InvitePath) || strings.HasPrefix(r.URL.Path, provision.SetupPath) {
		// The link's secret is in the address: no referrer carries it on.
		hdr.Set("Referrer-Policy", "no-referrer")
	} else {
		hdr.Set("Referrer-Policy", "same-origin")
	}
}

// crossOrigin answers a form posted from another site.
func (c *Console) crossOrigin(w http.ResponseWriter, r *http.Request) {
	c.errorPage(w, r, http.StatusForbidden, "error.cross_origin")
}
