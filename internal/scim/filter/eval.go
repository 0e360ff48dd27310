package filter

import (
	"strings"
	"time"
)

// Resource is a SCIM resource decoded from JSON: attribute names to values (string, float64,
// bool, nil, []any, map[string]any). Extension attributes live under their schema's URN.
type Resource = map[string]any

// Match reports whether the resource r satisfies x. core is the URN of r's core schema: paths
// that name it address r's top-level attributes. Attribute names and string values compare
// without regard to case (caseExact is false for every attribute Roster serves, except id,
// which compares exactly).
func Match(x Expr, r Resource, core string) bool {
	switch x := x.(type) {
	case *Logical:
		if x.Op == "and" {
			return Match(x.Left, r, core) && Match(x.Right, r, core)
		}
		return Match(x.Left, r, core) || Match(x.Right, r, core)
	case *Not:
		return !Match(x.X, r, core)
	case *ValuePath:
		for _, v := range AsList(Lookup(r, x.Path, core)) {
			if m, ok := v.(map[string]any); ok && Match(x.Filter, m, "") {
				return true
			}
		}
		return false
	case *Compare:
		return compareAttr(x, r, core)
	}
	return false
}

// Lookup returns the value at path in r: nil when absent. A sub-attribute of a multi-valued
// attribute gives the list of the values' sub-attributes.
func Lookup(r Resource, path AttrPath, core string) any {
	if path.URN != "" && !strings.EqualFold(path.URN, core) {
		ext, ok := Get(r, path.URN).(map[string]any)
		if !ok {
			return nil
		}
		r = ext
	}
	v := Get(r, path.Name)
	if path.Sub == "" || v == nil {
		return v
	}
	switch v := v.(type) {
	case map[string]any:
		return Get(v, path.Sub)
	case []any:
		var out []any
		for _, e := range v {
			if m, ok := e.(map[string]any); ok {
				if s := Get(m, path.Sub); s != nil {
					out = append(out, s)
				}
			}
		}
		return out
	}
	return nil
}

// Get returns the attribute of m named name, whatever its case.
func Get(m map[string]any, name string) any {
	if v, ok := m[name]; ok {
		return v
	}
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return nil
}

// Key returns the key of m that names name whatever its case, or name when there is none.
func Key(m map[string]any, name string) string {
	if _, ok := m[name]; ok {
		return name
	}
	for k := range m {
		if strings.EqualFold(k, name) {
			return k
		}
	}
	return name
}

// AsList returns v as a list: a multi-valued attribute as it is, a single value as a list of
// one, nothing as no list.
func AsList(v any) []any {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		return v
	}
	return []any{v}
}

func compareAttr(c *Compare, r Resource, core string) bool {
	// A complex multi-valued attribute compared as a whole compares its values' "value".
	var values []any
	for _, v := range AsList(Lookup(r, c.Path, core)) {
		if m, ok := v.(map[string]any); ok {
			v = Get(m, "value")
		}
		values = append(values, v)
	}
	present := false
	for _, v := range values {
		if !empty(v) {
			present = true
		}
	}
	switch c.Op {
	case "pr":
		return present
	case "eq", "ne":
		eq := false
		if c.Value == nil {
			eq = !present
		}
		for _, v := range values {
			if equal(v, c.Value, c.Path) {
				eq = true
			}
		}
		return eq == (c.Op == "eq")
	}
	for _, v := range values {
		if order(c.Op, v, c.Value) {
			return true
		}
	}
	return false
}

func empty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == ""
	case []any:
		return len(v) == 0
	case map[string]any:
		return len(v) == 0
	}
	return false
}

func equal(v, want any, path AttrPath) bool {
	switch want := want.(type) {
	case string:
		s, ok := v.(string)
		if !ok {
			return false
		}
		if path.URN == "" && path.Sub == "" && path.Name == "id" {
			return s == want
		}
		if t1, t2, ok := times(s, want); ok {
			return t1.Equal(t2)
		}
		return strings.EqualFold(s, want)
	case float64:
		n, ok := v.(float64)
		return ok && n == want
	case bool:
		b, ok := v.(bool)
		return ok && b == want
	}
	return false
}

// order evaluates co, sw, ew, gt, lt, ge and le. Strings compare without regard to case;
// strings that are both date-times (RFC 3339) compare as instants.
func order(op string, v, want any) bool {
	switch want := want.(type) {
	case string:
		s, ok := v.(string)
		if !ok {
			return false
		}
		ls, lw := strings.ToLower(s), strings.ToLower(want)
		switch op {
		case "co":
			return strings.Contains(ls, lw)
		case "sw":
			return strings.HasPrefix(ls, lw)
		case "ew":
			return strings.HasSuffix(ls, lw)
		}
		cmp := strings.Compare(ls, lw)
		if t1, t2, ok := times(s, want); ok {
			cmp = t1.Compare(t2)
		}
		return ordered(op, cmp)
	case float64:
		n, ok := v.(float64)
		if !ok {
			return false
		}
		cmp := 0
		if n < want {
			cmp = -1
		} else if n > want {
			cmp = 1
		}
		return ordered(op, cmp)
	}
	return false
}

func ordered(op string, cmp int) bool {
	switch op {
	case "gt":
		return cmp > 0
	case "ge":
		return cmp >= 0
	case "lt":
		return cmp < 0
	case "le":
		return cmp <= 0
	}
	return false
}

func times(a, b string) (time.Time, time.Time, bool) {
	if len(a) < 20 || len(b) < 20 || a[4] != '-' || b[4] != '-' {
		return time.Time{}, time.Time{}, false
	}
	t1, err1 := time.Parse(time.RFC3339Nano, a)
	t2, err2 := time.Parse(time.RFC3339Nano, b)
	return t1, t2, err1 == nil && err2 == nil
}
