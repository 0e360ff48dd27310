package httpapi

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"roster"
)

// query reads the query string of r, refusing parameters not in allowed and parameters given
// more than once: a misspelled filter silently ignored would return the wrong users.
func query(r *http.Request, allowed ...string) (url.Values, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, roster.Errorf(roster.CodeInvalid, "The query string is not valid: %s.", err)
	}
	var errs []roster.FieldError
	for name, vs := range q {
		switch {
		case !slices.Contains(allowed, name):
			errs = append(errs, roster.FieldError{Field: name, Code: roster.CodeInvalid,
				Message: "Unknown query parameter " + strconv.Quote(name) + "; use one of: " + strings.Join(allowed, ", ") + "."})
		case len(vs) > 1:
			errs = append(errs, roster.FieldError{Field: name, Code: roster.CodeInvalid,
				Message: "The query parameter " + name + " is given more than once."})
		}
	}
	if len(errs) > 0 {
		slices.SortFunc(errs, func(a, b roster.FieldError) int { return strings.Compare(a.Field, b.Field) })
		return nil, roster.InvalidFields(errs...)
	}
	return q, nil
}

// limitParam reads the page size; absent means the default page size.
func limitParam(q url.Values) (int, error) {
	s := q.Get("limit")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > roster.MaxPageSize {
		return 0, roster.InvalidFields(roster.FieldError{Field: "limit", Code: roster.CodeInvalid,
			Message: "The page size must be a whole number between 1 and " + strconv.Itoa(roster.MaxPageSize) + "."})
	}
	return n, nil
}

// timeParam reads an RFC 3339 time; absent is the zero time.
func timeParam(q url.Values, name string) (time.Time, error) {
	s := q.Get(name)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, roster.InvalidFields(roster.FieldError{Field: name, Code: roster.CodeInvalid,
			Message: "The time " + name + " must be in RFC 3339 form, for example 2025-01-31T09:00:00Z."})
	}
	return t, nil
}

// Cursors are opaque to clients: the application layer's position, base64url-encoded, so that
// clients pass them back as they are and the position's form may change.

// encodeCursor returns the cursor of a page position, or nil after the last page.
func encodeCursor(next string) *string {
	if next == "" {
		return nil
	}
	c := base64.RawURLEncoding.EncodeToString([]byte(next))
	return &c
}

// decodeCursor reads the cursor parameter back into a page position.
func decodeCursor(q url.Values) (string, error) {
	c := q.Get("cursor")
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) == 0 {
		return "", roster.InvalidFields(roster.FieldError{Field: "cursor", Code: roster.CodeInvalid,
			Message: "The cursor is not valid; pass the nextCursor of the previous page as it is."})
	}
	return string(b), nil
}
