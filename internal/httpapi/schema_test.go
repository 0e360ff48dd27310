package httpapi_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"roster/internal/httpapi"
)

// openAPI is the parsed OpenAPI document with a small JSON Schema checker: enough of JSON
// Schema 2020-12 for the keywords the document uses ($ref, type, properties, required,
// additionalProperties, items, enum, const, oneOf, anyOf, allOf, format date-time, minimum,
// maximum, minItems, maxItems, maxLength).
type openAPI struct {
	root map[string]any
}

func loadOpenAPI(t testing.TB) *openAPI {
	t.Helper()
	var root map[string]any
	if err := json.Unmarshal(httpapi.OpenAPIDocument(), &root); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	return &openAPI{root: root}
}

// resolve follows a local $ref.
func (d *openAPI) resolve(ref string) map[string]any {
	var cur any = d.root
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		m, _ := cur.(map[string]any)
		cur = m[part]
	}
	m, _ := cur.(map[string]any)
	return m
}

// deref returns m, or what its $ref names.
func (d *openAPI) deref(m map[string]any) map[string]any {
	for m != nil {
		r, found := m["$ref"].(string)
		if !found {
			return m
		}
		m = d.resolve(r)
	}
	return m
}

// operations returns the (method, path) pairs the document describes.
func (d *openAPI) operations() [][2]string {
	var out [][2]string
	paths, _ := d.root["paths"].(map[string]any)
	for path, item := range paths {
		for method := range item.(map[string]any) {
			if method == "parameters" {
				continue
			}
			out = append(out, [2]string{strings.ToUpper(method), path})
		}
	}
	return out
}

// operation finds the operation of a concrete request path.
func (d *openAPI) operation(method, path string) (map[string]any, string) {
	paths, _ := d.root["paths"].(map[string]any)
	segs := strings.Split(path, "/")
	for tmpl, item := range paths {
		tsegs := strings.Split(tmpl, "/")
		if len(tsegs) != len(segs) {
			continue
		}
		match := true
		for i := range tsegs {
			if !strings.HasPrefix(tsegs[i], "{") && tsegs[i] != segs[i] {
				match = false
				break
			}
		}
		if !match {
			continue
		}
		if op, found := item.(map[string]any)[strings.ToLower(method)].(map[string]any); found {
			return op, tmpl
		}
	}
	return nil, ""
}

// checkResponse validates a response against the document: the status must be documented
// for the operation, and the body must match the schema of its media type.
func (d *openAPI) checkResponse(method, path string, status int, contentType string, body []byte) error {
	op, tmpl := d.operation(method, strings.SplitN(path, "?", 2)[0])
	if op == nil {
		return nil // unknown routes and methods are tested on their own
	}
	resps, _ := op["responses"].(map[string]any)
	r, found := resps[strconv.Itoa(status)].(map[string]any)
	if !found {
		return fmt.Errorf("%s %s: status %d is not documented", method, tmpl, status)
	}
	r = d.deref(r)
	content, _ := r["content"].(map[string]any)
	if len(content) == 0 {
		if len(body) != 0 {
			return fmt.Errorf("%s %s %d: documented without a body, got %q", method, tmpl, status, body)
		}
		return nil
	}
	mt := strings.TrimSpace(strings.SplitN(contentType, ";", 2)[0])
	media, found := content[mt].(map[string]any)
	if !found {
		return fmt.Errorf("%s %s %d: content type %q is not documented", method, tmpl, status, mt)
	}
	if mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		// A download (text/csv): the document describes it as a string; its content is
		// checked by the tests of the endpoint.
		if schema, _ := media["schema"].(map[string]any); schema["type"] != "string" {
			return fmt.Errorf("%s %s %d: %s is documented with a schema that is not a string", method, tmpl, status, mt)
		}
		return nil
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("%s %s %d: body is not JSON: %v", method, tmpl, status, err)
	}
	schema, _ := media["schema"].(map[string]any)
	if err := d.validate(schema, v, "$"); err != nil {
		return fmt.Errorf("%s %s %d: %v", method, tmpl, status, err)
	}
	return nil
}

// validate checks v against schema.
func (d *openAPI) validate(schema map[string]any, v any, at string) error {
	if r, found := schema["$ref"].(string); found {
		target := d.resolve(r)
		if target == nil {
			return fmt.Errorf("%s: unresolved %s", at, r)
		}
		if err := d.validate(target, v, at); err != nil {
			return err
		}
	}
	if types, found := schema["type"]; found && !typeMatches(types, v) {
		return fmt.Errorf("%s: %s is not of type %v", at, brief(v), types)
	}
	if c, found := schema["const"]; found && !equalJSON(c, v) {
		return fmt.Errorf("%s: %s is not %v", at, brief(v), c)
	}
	if enum, found := schema["enum"].([]any); found && !slices.ContainsFunc(enum, func(e any) bool { return equalJSON(e, v) }) {
		return fmt.Errorf("%s: %s is not one of %v", at, brief(v), enum)
	}
	for _, s := range list(schema["allOf"]) {
		if err := d.validate(s, v, at); err != nil {
			return err
		}
	}
	if anyOf := list(schema["anyOf"]); len(anyOf) > 0 {
		if !slices.ContainsFunc(anyOf, func(s map[string]any) bool { return d.validate(s, v, at) == nil }) {
			return fmt.Errorf("%s: %s matches none of anyOf", at, brief(v))
		}
	}
	if oneOf := list(schema["oneOf"]); len(oneOf) > 0 {
		n := 0
		for _, s := range oneOf {
			if d.validate(s, v, at) == nil {
				n++
			}
		}
		if n != 1 {
			return fmt.Errorf("%s: %s matches %d of oneOf, want 1", at, brief(v), n)
		}
	}
	switch v := v.(type) {
	case map[string]any:
		return d.validateObject(schema, v, at)
	case []any:
		if n, found := schema["minItems"].(float64); found && float64(len(v)) < n {
			return fmt.Errorf("%s: %d items, fewer than %v", at, len(v), n)
		}
		if n, found := schema["maxItems"].(float64); found && float64(len(v)) > n {
			return fmt.Errorf("%s: %d items, more than %v", at, len(v), n)
		}
		if items, found := schema["items"].(map[string]any); found {
			for i, e := range v {
				if err := d.validate(items, e, fmt.Sprintf("%s[%d]", at, i)); err != nil {
					return err
				}
			}
		}
	case string:
		if schema["format"] == "date-time" {
			if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
				return fmt.Errorf("%s: %q is not an RFC 3339 time", at, v)
			}
		}
		if n, found := schema["maxLength"].(float64); found && float64(len([]rune(v))) > n {
			return fmt.Errorf("%s: longer than %v", at, n)
		}
	case float64:
		if n, found := schema["minimum"].(float64); found && v < n {
			return fmt.Errorf("%s: %v is below %v", at, v, n)
		}
		if n, found := schema["maximum"].(float64); found && v > n {
			return fmt.Errorf("%s: %v is above %v", at, v, n)
		}
	}
	return nil
}

func (d *openAPI) validateObject(schema map[string]any, v map[string]any, at string) error {
	props, _ := schema["properties"].(map[string]any)
	for _, name := range list2(schema["required"]) {
		if _, found := v[name]; !found {
			return fmt.Errorf("%s: required property %q is missing", at, name)
		}
	}
	for name, value := range v {
		p, found := props[name].(map[string]any)
		if !found {
			if schema["additionalProperties"] == false {
				return fmt.Errorf("%s: property %q is not in the schema", at, name)
			}
			continue
		}
		if err := d.validate(p, value, at+"."+name); err != nil {
			return err
		}
	}
	return nil
}

// properties returns the property names of a schema (following $ref and allOf).
func (d *openAPI) properties(schema map[string]any) []string {
	schema = d.deref(schema)
	var names []string
	if props, found := schema["properties"].(map[string]any); found {
		for name := range props {
			names = append(names, name)
		}
	}
	for _, s := range list(schema["allOf"]) {
		names = append(names, d.properties(s)...)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

func typeMatches(types any, v any) bool {
	var names []string
	switch t := types.(type) {
	case string:
		names = []string{t}
	case []any:
		for _, n := range t {
			names = append(names, n.(string))
		}
	}
	for _, n := range names {
		switch n {
		case "object":
			if _, is := v.(map[string]any); is {
				return true
			}
		case "array":
			if _, is := v.([]any); is {
				return true
			}
		case "string":
			if _, is := v.(string); is {
				return true
			}
		case "boolean":
			if _, is := v.(bool); is {
				return true
			}
		case "null":
			if v == nil {
				return true
			}
		case "number":
			if _, is := v.(float64); is {
				return true
			}
		case "integer":
			if f, is := v.(float64); is && f == math.Trunc(f) {
				return true
			}
		}
	}
	return false
}

func list(v any) []map[string]any {
	var out []map[string]any
	for _, e := range asSlice(v) {
		if m, found := e.(map[string]any); found {
			out = append(out, m)
		}
	}
	return out
}

func list2(v any) []string {
	var out []string
	for _, e := range asSlice(v) {
		if s, found := e.(string); found {
			out = append(out, s)
		}
	}
	return out
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

func equalJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func brief(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 80 {
		b = append(b[:80], "…"...)
	}
	return string(b)
}

// TestOpenAPIValidatorRejects makes sure the checker the other tests rely on does reject.
func TestOpenAPIValidatorRejects(t *testing.T) {
	t.Parallel()
	doc := loadOpenAPI(t)
	user := doc.resolve("#/components/schemas/User")
	good := doc.resolve("#/components/schemas/User")["example"]
	if err := doc.validate(user, good, "$"); err != nil {
		t.Fatalf("the User example: %v", err)
	}
	tests := []struct {
		name   string
		change func(map[string]any)
	}{
		{"extra property", func(m map[string]any) { m["nickname"] = "x" }},
		{"missing property", func(m map[string]any) { delete(m, "email") }},
		{"wrong type", func(m map[string]any) { m["version"] = "3" }},
		{"not in enum", func(m map[string]any) { m["license"] = "gold" }},
		{"bad time", func(m map[string]any) { m["createdAt"] = "yesterday" }},
		{"null not allowed", func(m map[string]any) { m["title"] = nil }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var m map[string]any
			b, _ := json.Marshal(good)
			_ = json.Unmarshal(b, &m)
			tt.change(m)
			if err := doc.validate(user, m, "$"); err == nil {
				t.Errorf("accepted %s", brief(m))
			}
		})
	}
	if err := doc.checkResponse(http.MethodGet, "/api/v1/orgs/x/users/y", 418, "application/json", []byte("{}")); err == nil {
		t.Error("accepted an undocumented status")
	}
}
