package scim

import (
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"roster/internal/scim/filter"
)

var get = filter.Get

// patchRequest is the body of a PATCH (RFC 7644 §3.5.2). encoding/json matches "Operations"
// whatever its case.
type patchRequest struct {
	Schemas    []string  `json:"schemas"`
	Operations []patchOp `json:"Operations"`
}

type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value"`
}

// maxPatchOperations bounds the operations of one PATCH.
const maxPatchOperations = 1000

// resourceSchema is what the patcher needs to know of a resource type.
type resourceSchema struct {
	core       string
	extensions []string
	// readOnly attributes refuse every operation (mutability).
	readOnly map[string]bool
	// multiValued attributes collect values on add.
	multiValued map[string]bool
}

var userSchema = resourceSchema{
	core:        URNUser,
	extensions:  []string{URNEnterpriseUser, URNRosterUser},
	readOnly:    map[string]bool{"id": true, "meta": true, "groups": true},
	multiValued: map[string]bool{"emails": true, "phonenumbers": true, "addresses": true, "ims": true, "photos": true, "entitlements": true, "roles": true, "x509certificates": true},
}

// applyPatch applies the operations of req to res, a resource as GET shows it. Operation
// names are read without regard to case (Entra ID sends Add, Replace, Remove). Attributes the
// resource type does not keep are set on res and ignored by whoever reads it.
func applyPatch(res map[string]any, req patchRequest, sc resourceSchema) error {
	if len(req.Operations) == 0 {
		return errorf(http.StatusBadRequest, typeInvalidValue, "A PATCH needs at least one operation in Operations.")
	}
	if len(req.Operations) > maxPatchOperations {
		return errorf(http.StatusBadRequest, typeTooMany, "A PATCH may hold at most %d operations.", maxPatchOperations)
	}
	for i, op := range req.Operations {
		if err := applyOp(res, op, sc); err != nil {
			if e, ok := err.(*Error); ok {
				e.Detail = "Operation " + strconv.Itoa(i+1) + " (" + op.Op + " " + op.Path + "): " + e.Detail
			}
			return err
		}
	}
	return nil
}

func applyOp(res map[string]any, op patchOp, sc resourceSchema) error {
	kind := strings.ToLower(strings.TrimSpace(op.Op))
	if kind != "add" && kind != "replace" && kind != "remove" {
		return errorf(http.StatusBadRequest, typeInvalidSyntax, "op must be add, replace or remove, not %q.", op.Op)
	}
	path := strings.TrimSpace(op.Path)
	if path == "" {
		if kind == "remove" {
			return errorf(http.StatusBadRequest, typeNoTarget, "remove needs a path.")
		}
		values, ok := op.Value.(map[string]any)
		if !ok {
			return errorf(http.StatusBadRequest, typeInvalidValue, "Without a path, value must be an object of attributes.")
		}
		return applyObject(res, kind, "", values, sc)
	}
	if ext := extensionURN(path, sc); ext != "" {
		values, ok := op.Value.(map[string]any)
		if kind == "remove" {
			delete(res, filter.Key(res, ext))
			return nil
		}
		if !ok {
			return errorf(http.StatusBadRequest, typeInvalidValue, "The value of %s must be an object of attributes.", ext)
		}
		return applyObject(res, kind, ext, values, sc)
	}
	p, err := filter.ParsePath(path)
	if err != nil {
		return errorf(http.StatusBadRequest, typeInvalidPath, "The path cannot be read: %s.", err.Error())
	}
	return applyPath(res, kind, p, op.Value, sc)
}

// applyObject applies an operation without a path: each key of values is an attribute path
// (Entra ID sends dotted keys such as "name.givenName", or a schema URN's attributes) and its
// value what to set there. urn is the extension the keys belong to, or "".
func applyObject(res map[string]any, kind, urn string, values map[string]any, sc resourceSchema) error {
	for key, v := range values {
		if strings.EqualFold(key, "schemas") {
			continue
		}
		if ext := extensionURN(key, sc); ext != "" && urn == "" {
			m, ok := v.(map[string]any)
			if !ok {
				return errorf(http.StatusBadRequest, typeInvalidValue, "The value of %s must be an object of attributes.", ext)
			}
			if err := applyObject(res, kind, ext, m, sc); err != nil {
				return err
			}
			continue
		}
		full := key
		if urn != "" {
			full = urn + ":" + key
		}
		p, err := filter.ParsePath(full)
		if err != nil {
			return errorf(http.StatusBadRequest, typeInvalidPath, "The attribute %q cannot be read: %s.", key, err.Error())
		}
		if err := applyPath(res, kind, p, v, sc); err != nil {
			return err
		}
	}
	return nil
}

// extensionURN returns the extension schema path names as a whole, or "".
func extensionURN(path string, sc resourceSchema) string {
	for _, u := range sc.extensions {
		if strings.EqualFold(path, u) {
			return u
		}
	}
	return ""
}

// applyPath applies one operation at p.
func applyPath(res map[string]any, kind string, p filter.Path, value any, sc resourceSchema) error {
	container := res
	top := p.Attr.URN == "" || strings.EqualFold(p.Attr.URN, sc.core)
	if !top {
		ext := extensionURN(p.Attr.URN, sc)
		if ext == "" {
			ext = p.Attr.URN // an extension Roster does not know: kept aside, ignored
		}
		m, ok := get(res, ext).(map[string]any)
		if !ok {
			if kind == "remove" {
				return nil
			}
			m = map[string]any{}
			res[filter.Key(res, ext)] = m
		}
		container = m
	}
	name := p.Attr.Name
	key := filter.Key(container, name)
	current := container[key]
	if top && sc.readOnly[strings.ToLower(name)] {
		// Okta sends the id back in a replace of the group: the same value changes nothing.
		if kind == "replace" && p.Filter == nil && p.Attr.Sub == "" && reflect.DeepEqual(current, value) {
			return nil
		}
		return errorf(http.StatusBadRequest, typeMutability, "%s is read-only.", name)
	}
	if p.Filter != nil {
		return applyFiltered(container, key, kind, p, value)
	}
	if p.Attr.Sub != "" {
		switch cur := current.(type) {
		case []any:
			// A sub-attribute of every value: emails.type.
			for _, e := range cur {
				if m, ok := e.(map[string]any); ok {
					setAttr(m, p.Attr.Sub, kind, value)
				}
			}
			return nil
		case map[string]any:
			setAttr(cur, p.Attr.Sub, kind, value)
			return nil
		case nil:
			if kind != "remove" {
				container[key] = map[string]any{p.Attr.Sub: value}
			}
			return nil
		}
		return errorf(http.StatusBadRequest, typeInvalidPath, "%s has no sub-attribute %s.", name, p.Attr.Sub)
	}
	multi := sc.multiValued[strings.ToLower(name)] || isList(current)
	switch kind {
	case "remove":
		if list, ok := current.([]any); ok && value != nil {
			// Remove the values given (Entra ID removes members this way).
			container[key] = without(list, filter.AsList(value))
			return nil
		}
		delete(container, key)
	case "add":
		if multi {
			container[key] = union(filter.AsList(current), filter.AsList(value))
			return nil
		}
		container[key] = merge(current, value)
	case "replace":
		if multi {
			container[key] = filter.AsList(value)
			return nil
		}
		container[key] = merge(current, value)
	}
	return nil
}

// applyFiltered applies an operation to the values of the multi-valued attribute
// container[key] that p's filter selects. An add or replace that selects none adds a value
// built from the filter's equalities (emails[type eq "work"].value adds a work email), as
// Entra ID expects.
func applyFiltered(container map[string]any, key, kind string, p filter.Path, value any) error {
	list, _ := container[key].([]any)
	var kept []any
	matched := 0
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok || !filter.Match(p.Filter, m, "") {
			kept = append(kept, e)
			continue
		}
		matched++
		switch {
		case kind == "remove" && p.Sub == "":
			continue // dropped
		case p.Sub != "":
			setAttr(m, p.Sub, kind, value)
		default:
			obj, ok := value.(map[string]any)
			if !ok {
				return errorf(http.StatusBadRequest, typeInvalidValue, "The value of %s must be an object.", p.String())
			}
			for k, v := range obj {
				m[filter.Key(m, k)] = v
			}
		}
		kept = append(kept, m)
	}
	if matched == 0 && kind != "remove" {
		m := equalities(p.Filter)
		if m == nil {
			return errorf(http.StatusBadRequest, typeNoTarget, "No value of %s matches the filter.", p.Attr.Name)
		}
		if p.Sub != "" {
			m[p.Sub] = value
		} else if obj, ok := value.(map[string]any); ok {
			for k, v := range obj {
				m[k] = v
			}
		}
		kept = append(kept, m)
	}
	container[key] = kept
	return nil
}

// equalities returns the attributes a filter of eq joined by and sets, or nil for any other
// filter.
func equalities(x filter.Expr) map[string]any {
	switch x := x.(type) {
	case *filter.Compare:
		if x.Op == "eq" && x.Path.Sub == "" && x.Path.URN == "" {
			return map[string]any{x.Path.Name: x.Value}
		}
	case *filter.Logical:
		if x.Op == "and" {
			l, r := equalities(x.Left), equalities(x.Right)
			if l != nil && r != nil {
				for k, v := range r {
					l[k] = v
				}
				return l
			}
		}
	}
	return nil
}

func setAttr(m map[string]any, name, kind string, value any) {
	key := filter.Key(m, name)
	if kind == "remove" {
		delete(m, key)
		return
	}
	m[key] = merge(m[key], value)
}

// merge returns value, or, when both are objects, current with value's attributes set on it
// (RFC 7644 §3.5.2.3: sub-attributes not given are left as they are).
func merge(current, value any) any {
	cur, ok1 := current.(map[string]any)
	v, ok2 := value.(map[string]any)
	if !ok1 || !ok2 {
		return value
	}
	for k, e := range v {
		cur[filter.Key(cur, k)] = e
	}
	return cur
}

func isList(v any) bool { _, ok := v.([]any); return ok }

// union returns list with the values of add that it does not hold yet.
func union(list, add []any) []any {
	out := append([]any(nil), list...)
	for _, a := range add {
		if !containsValue(out, a) {
			out = append(out, a)
		}
	}
	return out
}

// without returns list without the values of drop. Complex values match on their "value".
func without(list, drop []any) []any {
	var out []any
	for _, e := range list {
		if !containsValue(drop, e) {
			out = append(out, e)
		}
	}
	return out
}

func containsValue(list []any, v any) bool {
	for _, e := range list {
		if sameValue(e, v) {
			return true
		}
	}
	return false
}

func sameValue(a, b any) bool {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		if av, bv := get(am, "value"), get(bm, "value"); av != nil || bv != nil {
			return reflect.DeepEqual(av, bv)
		}
	}
	return reflect.DeepEqual(a, b)
}
