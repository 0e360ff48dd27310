package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"roster"
)

// exportUsers streams the users CSV file of an organization. Errors found before the first
// byte (token, organization) are problems as everywhere; an error after it can no longer change
// the status, so the response is aborted, and the client sees a truncated transfer instead of a
// file that looks complete.
func (api *API) exportUsers(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	if _, err := query(r); err != nil {
		return err
	}
	orgID := r.PathValue("org")
	org, err := api.svc.Org(r.Context(), a, orgID)
	if err != nil {
		return err
	}
	lw := &lazyWriter{w: w, header: func(h http.Header) {
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="`+exportFilename(org, time.Now())+`"`)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
	}}
	err = api.svc.ExportUsers(r.Context(), a, orgID, lw)
	if err == nil || !lw.started {
		return err
	}
	if !errors.Is(err, context.Canceled) || r.Context().Err() == nil {
		api.log.ErrorContext(r.Context(), "export aborted after the response started",
			"requestId", requestID(r), "org", orgID, "err", err)
	}
	panic(http.ErrAbortHandler)
}

// lazyWriter sets the headers of a successful response at the first write, so that an error
// before it can still be answered as a problem.
type lazyWriter struct {
	w       http.ResponseWriter
	header  func(http.Header)
	started bool
}

func (l *lazyWriter) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		l.header(l.w.Header())
		l.w.WriteHeader(http.StatusOK)
	}
	return l.w.Write(p)
}

// exportFilename is users-<organization>-<UTC date>.csv, with the name reduced to ASCII
// letters, digits, '_' and '-' so that it is safe in a header and on every file system; the id
// stands in when nothing of the name is left.
func exportFilename(org *roster.Org, now time.Time) string {
	var b strings.Builder
	dash := false
	for _, c := range org.Name {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
			b.WriteRune(c)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 64 {
			break
		}
	}
	name := strings.TrimRight(b.String(), "-")
	if name == "" {
		name = org.ID
	}
	return "users-" + name + "-" + now.UTC().Format("2006-01-02") + ".csv"
}
