package console

import (
	"net/http"
	"strings"
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
			if isUpload(r) {
				c.errorPage(w, r, http.StatusUnsupportedMediaType, "error.form_not_accepted")
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
			if err := r.ParseForm(); err != nil {
				c.errorPage(w, r, http.StatusRequestEntityTooLarge, "error.form_too_large")
				return
			}
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
	if strings.HasPrefix(r.URL.Path, "/invite/") || strings.HasPrefix(r.URL.Path, "/console/setup/") {
		// The link's secret is in the address: no referrer carries it on.
		hdr.Set("Referrer-Policy", "no-referrer")
	} else {
		hdr.Set("Referrer-Policy", "same-origin")
	}
}

// isUpload reports whether r posts a file (multipart).
func isUpload(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data")
}

// crossOrigin answers a form posted from another site.
func (c *Console) crossOrigin(w http.ResponseWriter, r *http.Request) {
	c.errorPage(w, r, http.StatusForbidden, "error.cross_origin")
}
