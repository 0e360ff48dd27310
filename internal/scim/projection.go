package scim

import (
	"net/http"
	"strings"

	"roster/internal/scim/filter"
)

// projection is what the attributes and excludedAttributes parameters ask of a resource
// (RFC 7644 §3.4.2.5). id and schemas are always returned.
type projection struct {
	include, exclude []filter.AttrPath
}

func projectionOf(attributes, excluded string) (projection, error) {
	var p projection
	var err error
	if p.include, err = attrList(attributes, "attributes"); err != nil {
		return p, err
	}
	p.exclude, err = attrList(excluded, "excludedAttributes")
	return p, err
}

// knownURNs are the schemas whose attributes live under their URN in a resource.
var knownURNs = []string{URNEnterpriseUser, URNRosterUser, URNMicrosoftGroup}

func attrList(s, param string) ([]filter.AttrPath, error) {
	var out []filter.AttrPath
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		whole := false
		for _, u := range knownURNs {
			if strings.EqualFold(item, u) {
				out, whole = append(out, filter.AttrPath{URN: u}), true
			}
		}
		if whole {
			continue
		}
		p, err := filter.ParsePath(item)
		if err != nil || p.Filter != nil {
			return nil, errorf(http.StatusBadRequest, typeInvalidPath, "%s: %q is not an attribute name.", param, item)
		}
		if strings.EqualFold(p.Attr.URN, URNUser) || strings.EqualFold(p.Attr.URN, URNGroup) {
			p.Attr.URN = ""
		}
		out = append(out, p.Attr)
	}
	return out, nil
}

// apply returns the attributes of res that p asks for.
func (p projection) apply(res map[string]any) map[string]any {
	if len(p.include) == 0 && len(p.exclude) == 0 {
		return res
	}
	if len(p.include) > 0 {
		out := map[string]any{"schemas": res["schemas"], "id": res["id"]}
		for _, a := range p.include {
			copyAttr(out, res, a)
		}
		return out
	}
	out := make(map[string]any, len(res))
	for k, v := range res {
		out[k] = v
	}
	for _, a := range p.exclude {
		dropAttr(out, a)
	}
	return out
}

// container returns the object that holds a's attribute in res (res, or an extension's).
func container(res map[string]any, a filter.AttrPath) (map[string]any, string) {
	if a.URN == "" {
		return res, ""
	}
	key := filter.Key(res, a.URN)
	m, _ := res[key].(map[string]any)
	return m, key
}

func copyAttr(out, res map[string]any, a filter.AttrPath) {
	src, key := container(res, a)
	if src == nil {
		return
	}
	dst := out
	if key != "" {
		if a.Name == "" {
			out[key] = src
			return
		}
		m, ok := out[key].(map[string]any)
		if !ok {
			m = map[string]any{}
			out[key] = m
		}
		dst = m
	}
	name := filter.Key(src, a.Name)
	v, ok := src[name]
	if !ok {
		return
	}
	if a.Sub == "" {
		dst[name] = v
		return
	}
	switch v := v.(type) {
	case map[string]any:
		m, ok := dst[name].(map[string]any)
		if !ok {
			m = map[string]any{}
			dst[name] = m
		}
		if sv, ok := v[filter.Key(v, a.Sub)]; ok {
			m[filter.Key(v, a.Sub)] = sv
		}
	case []any:
		var list []any
		for _, e := range v {
			if em, ok := e.(map[string]any); ok {
				if sv, ok := em[filter.Key(em, a.Sub)]; ok {
					list = append(list, map[string]any{filter.Key(em, a.Sub): sv})
				}
			}
		}
		dst[name] = list
	}
}

func dropAttr(out map[string]any, a filter.AttrPath) {
	src, key := container(out, a)
	if src == nil {
		return
	}
	if key != "" {
		if a.Name == "" {
			delete(out, key)
			return
		}
		cp := make(map[string]any, len(src))
		for k, v := range src {
			cp[k] = v
		}
		out[key], src = cp, cp
	}
	name := filter.Key(src, a.Name)
	if key == "" && (strings.EqualFold(name, "id") || strings.EqualFold(name, "schemas")) {
		return
	}
	if a.Sub == "" {
		delete(src, name)
		return
	}
	if m, ok := src[name].(map[string]any); ok {
		cp := make(map[string]any, len(m))
		for k, v := range m {
			if !strings.EqualFold(k, a.Sub) {
				cp[k] = v
			}
		}
		src[name] = cp
	}
}
