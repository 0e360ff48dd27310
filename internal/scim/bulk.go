package scim

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"roster"
)

// maxBulkOperations bounds the operations of one Bulk request (ServiceProviderConfig says so).
const maxBulkOperations = 1000

type bulkRequest struct {
	Schemas      []string `json:"schemas"`
	FailOnErrors int      `json:"failOnErrors"`
	Operations   []bulkOp `json:"Operations"`
}

type bulkOp struct {
	Method  string          `json:"method"`
	Path    string          `json:"path"`
	BulkID  string          `json:"bulkId"`
	Version string          `json:"version"`
	Data    json.RawMessage `json:"data"`
}

type bulkResult struct {
	Location string     `json:"location,omitempty"`
	Method   string     `json:"method"`
	BulkID   string     `json:"bulkId,omitempty"`
	Version  string     `json:"version,omitempty"`
	Status   string     `json:"status"`
	Response *errorBody `json:"response,omitempty"`
}

// bulk answers POST /Bulk (RFC 7644 §3.7). Operations run in order, each through the same code
// as its own endpoint; one whose data refers to a resource created later in the request
// ("bulkId:qwerty") waits until that resource exists. failOnErrors stops the request after
// that many errors. Each operation is its own transaction: those done before an error stay.
func (s *Server) bulk(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	var req bulkRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	if len(req.Operations) == 0 {
		return errorf(http.StatusBadRequest, typeInvalidValue, "A Bulk request needs at least one operation in Operations.")
	}
	if len(req.Operations) > maxBulkOperations {
		return errorf(http.StatusRequestEntityTooLarge, typeTooMany, "A Bulk request may hold at most %d operations; this one holds %d.", maxBulkOperations, len(req.Operations))
	}
	seen := map[string]bool{}
	for i, op := range req.Operations {
		if op.BulkID == "" {
			continue
		}
		if seen[op.BulkID] {
			return errorf(http.StatusBadRequest, typeInvalidValue, "Operation %d repeats the bulkId %q.", i+1, op.BulkID)
		}
		seen[op.BulkID] = true
	}
	base := baseURL(r)
	ids := map[string]string{} // bulkId → id of the resource created
	results := make([]*bulkResult, len(req.Operations))
	errorsSeen := 0
	pending := make([]int, len(req.Operations))
	for i := range pending {
		pending[i] = i
	}
	for len(pending) > 0 {
		var waiting []int
		for _, i := range pending {
			if req.FailOnErrors > 0 && errorsSeen >= req.FailOnErrors {
				break
			}
			op := req.Operations[i]
			data, unresolved := resolveBulkIDs(op.Data, ids)
			if unresolved != "" && seen[unresolved] {
				waiting = append(waiting, i)
				continue
			}
			res := s.bulkOperation(r.Context(), a, op, data, unresolved, base)
			if res.Response != nil {
				errorsSeen++
			} else if op.BulkID != "" && op.Method != "" && strings.EqualFold(op.Method, "POST") {
				ids[op.BulkID] = res.Location[strings.LastIndexByte(res.Location, '/')+1:]
			}
			results[i] = res
		}
		if len(waiting) == len(pending) || (req.FailOnErrors > 0 && errorsSeen >= req.FailOnErrors) {
			// Nothing moved: the references go round in a circle, or point at failures.
			for _, i := range waiting {
				op := req.Operations[i]
				if req.FailOnErrors > 0 && errorsSeen >= req.FailOnErrors {
					break
				}
				_, missing := resolveBulkIDs(op.Data, ids)
				results[i] = bulkError(op, errorf(http.StatusConflict, typeInvalidValue,
					"bulkId:%s names no resource: its operation failed or refers back to this one.", missing))
				errorsSeen++
			}
			break
		}
		pending = waiting
	}
	resp := struct {
		Schemas    []string      `json:"schemas"`
		Operations []*bulkResult `json:"Operations"`
	}{Schemas: []string{URNBulkResponse}, Operations: []*bulkResult{}}
	for _, res := range results {
		if res != nil { // nil: not run after failOnErrors
			resp.Operations = append(resp.Operations, res)
		}
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// resolveBulkIDs replaces "bulkId:x" strings in data by the ids they name. It returns the
// first reference it could not resolve, or "".
func resolveBulkIDs(data json.RawMessage, ids map[string]string) (any, string) {
	if len(data) == 0 {
		return nil, ""
	}
	var v any
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, ""
	}
	missing := ""
	var walk func(any) any
	walk = func(v any) any {
		switch x := v.(type) {
		case string:
			if ref, ok := strings.CutPrefix(x, "bulkId:"); ok {
				if id, ok := ids[ref]; ok {
					return id
				}
				if missing == "" {
					missing = ref
				}
			}
		case map[string]any:
			for k, e := range x {
				x[k] = walk(e)
			}
		case []any:
			for i, e := range x {
				x[i] = walk(e)
			}
		}
		return v
	}
	return normalizeNumbers(walk(v)), missing
}

// bulkOperation runs one operation through the code of its endpoint.
func (s *Server) bulkOperation(ctx context.Context, a roster.Actor, op bulkOp, data any, unresolved, base string) *bulkResult {
	method := strings.ToUpper(strings.TrimSpace(op.Method))
	res := &bulkResult{Method: method, BulkID: op.BulkID}
	if unresolved != "" {
		return bulkError(op, errorf(http.StatusConflict, typeInvalidValue, "bulkId:%s is not the bulkId of an operation of this request.", unresolved))
	}
	parts := strings.Split(strings.Trim(op.Path, "/"), "/")
	if len(parts) == 0 || len(parts) > 2 || (parts[0] != "Users" && parts[0] != "Groups") || (len(parts) == 1) != (method == "POST") {
		return bulkError(op, errorf(http.StatusBadRequest, typeInvalidPath,
			"%s %s is not an operation of Bulk: use POST /Users, PUT, PATCH or DELETE /Users/{id}, or the same of /Groups.", method, op.Path))
	}
	kind, id := parts[0], ""
	if len(parts) == 2 {
		id = parts[1]
	}
	expect := ifMatchValue(op.Version)
	obj, _ := data.(map[string]any)
	if method != "DELETE" && obj == nil {
		return bulkError(op, errorf(http.StatusBadRequest, typeInvalidValue, "The operation needs a JSON object as its data."))
	}
	var version int64
	var err error
	status := http.StatusOK
	switch kind + " " + method {
	case "Users POST":
		var u *roster.User
		if u, err = s.createUserResource(ctx, a, obj); err == nil {
			id, version, status = u.ID, u.Version, http.StatusCreated
		}
	case "Users PUT":
		var u *roster.User
		if u, err = s.replaceUser(ctx, a, id, obj, expect); err == nil {
			version = u.Version
		}
	case "Users PATCH":
		var u *roster.User
		var patch patchRequest
		if patch, err = patchOf(obj); err == nil {
			if u, err = s.patchUserResource(ctx, a, id, patch, expect, base); err == nil {
				version = u.Version
			}
		}
	case "Users DELETE":
		err, status = s.svc.DeleteUser(ctx, a, a.OrgID, id, expect), http.StatusNoContent
	case "Groups POST":
		var g *roster.Group
		if g, err = s.createGroupResource(ctx, a, obj); err == nil {
			id, version, status = g.ID, g.Version, http.StatusCreated
		}
	case "Groups PUT":
		var g *roster.Group
		if g, err = s.replaceGroup(ctx, a, id, obj, expect); err == nil {
			version = g.Version
		}
	case "Groups PATCH":
		var g *roster.Group
		var patch patchRequest
		if patch, err = patchOf(obj); err == nil {
			if g, err = s.patchGroupResource(ctx, a, id, patch, expect); err == nil {
				version, status = g.Version, http.StatusNoContent
			}
		}
	case "Groups DELETE":
		err, status = s.svc.DeleteGroup(ctx, a, a.OrgID, id, expect), http.StatusNoContent
	default:
		err = errorf(http.StatusMethodNotAllowed, "", "Bulk does not run %s.", method)
	}
	if err != nil {
		if _, ok := toSCIM(err); !ok {
			s.log.ErrorContext(ctx, "internal error in a bulk operation", "method", method, "path", op.Path, "err", err)
		}
		return bulkError(op, err)
	}
	res.Status = strconv.Itoa(status)
	res.Location = base + "/" + kind + "/" + id
	if version > 0 && method != "DELETE" {
		res.Version = etag(version)
	}
	return res
}

// ifMatchValue reads the version of a bulk operation, as If-Match is read.
func ifMatchValue(v string) int64 {
	r := &http.Request{Header: http.Header{"If-Match": {v}}}
	return ifMatch(r)
}

func patchOf(obj map[string]any) (patchRequest, error) {
	var p patchRequest
	raw, err := json.Marshal(obj)
	if err == nil {
		err = json.Unmarshal(raw, &p)
	}
	if err != nil {
		return p, errorf(http.StatusBadRequest, typeInvalidSyntax, "The data of a PATCH must be a PatchOp message.")
	}
	p.Operations = normalizeOps(p.Operations)
	return p, nil
}

func bulkError(op bulkOp, err error) *bulkResult {
	e, _ := toSCIM(err)
	return &bulkResult{
		Method: strings.ToUpper(op.Method), BulkID: op.BulkID, Status: strconv.Itoa(e.Status),
		Response: &errorBody{Schemas: []string{URNError}, Status: strconv.Itoa(e.Status), SCIMType: e.SCIMType, Detail: e.Detail},
	}
}
