package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"

	"roster"
)

// maxBodyBytes bounds every request body. The largest legitimate body, a batch of 25 people,
// is a few kilobytes; the bound keeps one request from holding much memory.
const maxBodyBytes = 1 << 20

// writeJSON writes v as the JSON body of a response with status.
func writeJSON(w http.ResponseWriter, status int, contentType string, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	// Responses are JSON, never HTML: "R&D" and "<token>" stay readable. The Content-Type and
	// nosniff keep browsers from reading them as anything else.
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		// Only the API's own types reach here; failing to encode them is a programming error.
		panic("httpapi: encode response: " + err.Error())
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// ok writes v as a JSON response with status.
func ok(w http.ResponseWriter, status int, v any) error {
	writeJSON(w, status, "application/json", v)
	return nil
}

// decodeJSON reads the body of r, one JSON object, into dst. Unknown fields, a key given
// twice, a field name in another case (see checkKeys), wrong types, malformed JSON, a body
// that is not JSON and a body over maxBodyBytes are refused with an error that says what and
// where, so a client can fix its request without guessing.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	return decodeJSONLimit(w, r, dst, maxBodyBytes)
}

// decodeJSONLimit is decodeJSON for an endpoint whose bodies may be larger than maxBodyBytes,
// up to limit bytes (a whole number of MiB).
func decodeJSONLimit(w http.ResponseWriter, r *http.Request, dst any, limit int64) error {
	if !isJSON(r.Header.Get("Content-Type")) {
		return roster.Errorf(codeUnsupportedMediaType,
			"The request body must be JSON: send it with Content-Type: application/json.")
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return roster.Errorf(codeRequestTooLarge, "The request body is larger than %d MiB.", limit>>20)
		}
		return roster.Errorf(roster.CodeInvalid, "The request body could not be read.")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return roster.Errorf(roster.CodeInvalid, "The request body is empty; send a JSON object.")
	}
	if !utf8.Valid(body) {
		// encoding/json would silently replace the bad bytes; refuse instead of storing U+FFFD.
		return roster.Errorf(roster.CodeInvalid, "The request body is not valid UTF-8.")
	}
	if err := checkKeys(body, dst); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return jsonError(body, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		line, col := position(body, dec.InputOffset())
		return roster.Errorf(roster.CodeInvalid,
			"The request body must hold exactly one JSON object; more follows at line %d, column %d.", line, col)
	}
	return nil
}

// jsonError translates a decoding error into an `invalid` error naming the field or the
// position.
func jsonError(body []byte, err error) error {
	if e, ok := errors.AsType[*json.SyntaxError](err); ok {
		// Offset counts the bytes read up to and including the offending one.
		line, col := position(body, e.Offset-1)
		return roster.Errorf(roster.CodeInvalid, "The request body is not valid JSON: %s (line %d, column %d).",
			strings.TrimPrefix(e.Error(), "json: "), line, col)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		line, col := position(body, int64(len(body)))
		return roster.Errorf(roster.CodeInvalid, "The request body is not valid JSON: it ends early (line %d, column %d).", line, col)
	}
	if e, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		if e.Field == "" {
			return roster.Errorf(roster.CodeInvalid, "The request body must be a JSON object, not %s.", jsonKind(e.Value))
		}
		return roster.InvalidFields(roster.FieldError{Field: e.Field, Code: roster.CodeInvalid,
			Message: fmt.Sprintf("The field %s must be %s, not %s.", e.Field, goKind(e.Type.Kind().String()), jsonKind(e.Value))})
	}
	// encoding/json has no error type for an unknown field, only this message; it has been
	// stable since DisallowUnknownFields exists (and is kept by the json/v2-based v1).
	if name, found := strings.CutPrefix(err.Error(), `json: unknown field "`); found {
		name = strings.TrimSuffix(name, `"`)
		return roster.InvalidFields(roster.FieldError{Field: name, Code: roster.CodeInvalid,
			Message: fmt.Sprintf("Unknown field %q.", name)})
	}
	return roster.Errorf(roster.CodeInvalid, "The request body could not be decoded.")
}

// jsonKind names the JSON value encoding/json reports in an UnmarshalTypeError ("number 1.5").
func jsonKind(v string) string {
	kind, literal, found := strings.Cut(v, " ")
	if found {
		// A number that does not fit, such as 1.5 for a whole number: show the number.
		return literal
	}
	switch kind {
	case "array", "object":
		return "an " + kind
	case "bool":
		return "true or false"
	}
	return "a " + kind
}

// goKind names what a Go kind expects in JSON terms.
func goKind(kind string) string {
	switch {
	case kind == "string":
		return "a string"
	case kind == "bool":
		return "true or false"
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"):
		return "a whole number"
	case strings.HasPrefix(kind, "float"):
		return "a number"
	case kind == "slice", kind == "array":
		return "an array"
	case kind == "struct", kind == "map":
		return "an object"
	}
	return "another type"
}

// position converts a byte offset of body into a 1-based line and column.
func position(body []byte, off int64) (line, col int) {
	off = min(max(off, 0), int64(len(body)))
	before := body[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = utf8.RuneCount(before[bytes.LastIndexByte(before, '\n')+1:]) + 1
	return line, col
}

// isJSON reports whether a Content-Type is JSON: application/json or any application/*+json
// (such as application/merge-patch+json).
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")
}

// Optional is one field of a partial update (JSON merge patch, RFC 7396): absent, null, or a
// value. Absent fields are left as they are; what null means is said per field.
type Optional[T any] struct {
	Set   bool // the field is present
	Null  bool // the field is present as JSON null
	Value T
}

// Some returns an Optional holding v.
func Some[T any](v T) Optional[T] { return Optional[T]{Set: true, Value: v} }

// Null returns an Optional that is present as JSON null.
func Null[T any]() Optional[T] { return Optional[T]{Set: true, Null: true} }

// IsZero reports whether the field is absent; with the omitzero option it leaves the field out
// of an encoded document.
func (o Optional[T]) IsZero() bool { return !o.Set }

// MarshalJSON encodes the value, or null.
func (o Optional[T]) MarshalJSON() ([]byte, error) {
	if o.Null || !o.Set {
		return []byte("null"), nil
	}
	return json.Marshal(o.Value)
}

func (Optional[T]) jsonValueType() reflect.Type { return reflect.TypeFor[T]() }

// UnmarshalJSON records that the field is present, and whether it is null.
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	*o = Optional[T]{Set: true}
	if string(b) == "null" {
		o.Null = true
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}

// orNull returns nil when the field is absent, null when it is null, and its value otherwise:
// the pointer form the application layer takes for "change this field".
func orNull[T any](o Optional[T], null T) *T {
	switch {
	case !o.Set:
		return nil
	case o.Null:
		return &null
	}
	v := o.Value
	return &v
}

// notNull is like orNull for a field that has no meaning for null: null is refused.
func notNull[T any](field string, o Optional[T]) (*T, error) {
	if o.Set && o.Null {
		return nil, roster.InvalidFields(roster.FieldError{Field: field, Code: roster.CodeInvalid,
			Message: fmt.Sprintf("The field %s cannot be null; leave it out to keep its value.", field)})
	}
	return orNull(o, *new(T)), nil
}
