package scim

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"roster"
	"roster/internal/provision"
	"roster/internal/scim/filter"
)

// groupResource is how a Roster group is shown over SCIM. members is nil when not asked for.
func groupResource(g *roster.Group, members []*roster.Membership, base string) map[string]any {
	res := map[string]any{
		"schemas":     []any{URNGroup},
		"id":          g.ID,
		"displayName": g.Name,
		"meta": map[string]any{
			"resourceType": "Group", "created": g.CreatedAt.UTC().Format(time.RFC3339Nano),
			"lastModified": g.UpdatedAt.UTC().Format(time.RFC3339Nano),
			"location":     base + "/Groups/" + g.ID, "version": etag(g.Version),
		},
	}
	if members != nil {
		list := make([]any, 0, len(members))
		for _, m := range members {
			list = append(list, map[string]any{"value": m.UserID, "display": m.Email, "type": "User", "$ref": base + "/Users/" + m.UserID})
		}
		res["members"] = list
	}
	return res
}

// wantsMembers reports whether a projection returns members, which cost a read of every
// membership of the group.
func (p projection) wantsMembers() bool {
	if len(p.include) > 0 {
		for _, a := range p.include {
			if a.URN == "" && strings.EqualFold(a.Name, "members") {
				return true
			}
		}
		return false
	}
	for _, a := range p.exclude {
		if a.URN == "" && strings.EqualFold(a.Name, "members") && a.Sub == "" {
			return false
		}
	}
	return true
}

// members returns every membership of a group.
func (s *Server) members(ctx context.Context, a roster.Actor, groupID string) ([]*roster.Membership, error) {
	out := []*roster.Membership{}
	f := roster.MembershipFilter{OrgID: a.OrgID, GroupID: groupID, Limit: roster.MaxPageSize}
	for {
		page, err := s.svc.Memberships(ctx, a, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Memberships...)
		if page.Next == "" {
			return out, nil
		}
		f.After = page.Next
	}
}

func (s *Server) writeGroup(w http.ResponseWriter, r *http.Request, a roster.Actor, status int, g *roster.Group, proj projection) error {
	var members []*roster.Membership
	if proj.wantsMembers() {
		var err error
		if members, err = s.members(r.Context(), a, g.ID); err != nil {
			return err
		}
	}
	w.Header().Set("ETag", etag(g.Version))
	if status == http.StatusCreated {
		w.Header().Set("Location", baseURL(r)+"/Groups/"+g.ID)
	}
	writeJSON(w, status, proj.apply(groupResource(g, members, baseURL(r))))
	return nil
}

func (s *Server) getGroup(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	g, err := s.svc.Group(r.Context(), a, a.OrgID, r.PathValue("id"))
	if err != nil {
		return err
	}
	if noneMatch(r, g.Version) {
		w.Header().Set("ETag", etag(g.Version))
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	proj, err := projectionOf(r.URL.Query().Get("attributes"), r.URL.Query().Get("excludedAttributes"))
	if err != nil {
		return err
	}
	return s.writeGroup(w, r, a, http.StatusOK, g, proj)
}

// listGroups answers GET /Groups. displayName eq and id eq are looked up through indexes;
// other filters are evaluated over the organization's groups (without their members) up to
// maxScan of them.
func (s *Server) listGroups(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	req, err := queryOf(r.URL.Query()).read()
	if err != nil {
		return err
	}
	ctx, base := r.Context(), baseURL(r)
	var candidates []*roster.Group
	name, id, indexed := indexedGroup(req.filter)
	switch {
	case indexed && id != "":
		g, err := s.svc.Group(ctx, a, a.OrgID, id)
		if err != nil && roster.ErrorCode(err) != roster.CodeNotFound {
			return err
		}
		if g != nil {
			candidates = append(candidates, g)
		}
	default:
		f := roster.GroupFilter{OrgID: a.OrgID, Limit: roster.MaxPageSize}
		if indexed {
			f.Query = name // a prefix of the name: the exact match is among them
		}
		for {
			page, err := s.svc.Groups(ctx, a, f)
			if err != nil {
				return err
			}
			candidates = append(candidates, page.Groups...)
			if len(candidates) > s.maxScan {
				return errorf(http.StatusBadRequest, typeTooMany,
					"The organization has more than %d groups: look groups up by displayName eq or id eq.", s.maxScan)
			}
			if page.Next == "" {
				break
			}
			f.After = page.Next
		}
	}
	var matched []*roster.Group
	var resources []map[string]any
	for _, g := range candidates {
		res := groupResource(g, nil, base)
		if req.filter == nil || filter.Match(req.filter, res, URNGroup) {
			matched, resources = append(matched, g), append(resources, res)
		}
	}
	if !req.naturalOrder("displayname") {
		sortBy(matched, resources, req, URNGroup)
	}
	resp := listResponse{Schemas: []string{URNListResponse}, TotalResults: len(matched), StartIndex: req.startIndex, Resources: []any{}}
	start := req.startIndex - 1
	if start < len(matched) {
		for _, g := range matched[start:min(len(matched), start+req.count)] {
			var members []*roster.Membership
			if req.proj.wantsMembers() {
				if members, err = s.members(ctx, a, g.ID); err != nil {
					return err
				}
			}
			resp.Resources = append(resp.Resources, req.proj.apply(groupResource(g, members, base)))
		}
	}
	resp.ItemsPerPage = len(resp.Resources)
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// indexedGroup returns the name or id a filter looks a group up by.
func indexedGroup(x filter.Expr) (name, id string, ok bool) {
	switch x := x.(type) {
	case *filter.Logical:
		if x.Op == "and" {
			if name, id, ok = indexedGroup(x.Left); ok {
				return name, id, ok
			}
			return indexedGroup(x.Right)
		}
	case *filter.Compare:
		v, isString := x.Value.(string)
		if x.Op != "eq" || !isString || x.Path.Sub != "" || (x.Path.URN != "" && !strings.EqualFold(x.Path.URN, URNGroup)) {
			return "", "", false
		}
		switch strings.ToLower(x.Path.Name) {
		case "displayname":
			return strings.ToLower(strings.TrimSpace(v)), "", true
		case "id":
			return "", v, true
		}
	}
	return "", "", false
}

// groupInput is what a SCIM Group resource says: its name and, when given, its members.
type groupInput struct {
	Name    string
	Members []string // user ids; nil when the resource has no members attribute
}

func readGroup(res map[string]any) (*groupInput, error) {
	name, ok := get(res, "displayName").(string)
	if !ok || strings.TrimSpace(name) == "" {
		return nil, errorf(http.StatusBadRequest, typeInvalidValue, "displayName is required: the group's name.")
	}
	in := &groupInput{Name: name}
	if v := get(res, "members"); v != nil {
		ids, err := memberValues(v)
		if err != nil {
			return nil, err
		}
		in.Members = append([]string{}, ids...)
	}
	return in, nil
}

// memberValues reads the user ids of a members value: a list of {"value": id}, or one.
func memberValues(v any) ([]string, error) {
	var ids []string
	for _, e := range filter.AsList(v) {
		m, ok := e.(map[string]any)
		id, _ := get(m, "value").(string)
		if !ok || id == "" {
			return nil, errorf(http.StatusBadRequest, typeInvalidValue, `Each member must be an object with the user's id as "value".`)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// checkUsers refuses ids that are not users of the organization, before anything changes.
func (s *Server) checkUsers(ctx context.Context, a roster.Actor, ids []string) error {
	for _, id := range ids {
		if _, err := s.svc.User(ctx, a, a.OrgID, id); err != nil {
			if roster.ErrorCode(err) == roster.CodeNotFound {
				return errorf(http.StatusBadRequest, typeInvalidValue, "The member %q is not a user of this organization.", id)
			}
			return err
		}
	}
	return nil
}

func (s *Server) createGroup(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	var res map[string]any
	if err := readJSON(r, &res); err != nil {
		return err
	}
	g, err := s.createGroupResource(r.Context(), a, normalizeNumbers(res).(map[string]any))
	if err != nil {
		return err
	}
	return s.writeGroup(w, r, a, http.StatusCreated, g, projection{})
}

func (s *Server) createGroupResource(ctx context.Context, a roster.Actor, res map[string]any) (*roster.Group, error) {
	in, err := readGroup(res)
	if err != nil {
		return nil, err
	}
	if err := s.checkUsers(ctx, a, in.Members); err != nil {
		return nil, err
	}
	g, err := s.svc.CreateGroup(ctx, a, a.OrgID, provision.GroupInput{Name: &in.Name})
	if err != nil {
		return nil, err
	}
	if err := s.changeMembers(ctx, a, g.ID, in.Members, nil); err != nil {
		return nil, err
	}
	return g, nil
}

// changeMembers adds and removes members through provision.
func (s *Server) changeMembers(ctx context.Context, a roster.Actor, groupID string, add, remove []string) error {
	if len(add) > 0 {
		res, err := s.svc.AddMembers(ctx, a, a.OrgID, groupID, provision.MemberRefs{UserIDs: add})
		if err != nil {
			return err
		}
		if err := membersFailed(res); err != nil {
			return err
		}
	}
	if len(remove) > 0 {
		res, err := s.svc.RemoveMembers(ctx, a, a.OrgID, groupID, provision.MemberRefs{UserIDs: remove})
		if err != nil {
			return err
		}
		return membersFailed(res)
	}
	return nil
}

// membersFailed turns the first member provision refused into the error of the request.
func membersFailed(res *provision.MembersResult) error {
	for _, f := range res.Failed {
		if f.Code == roster.CodeNotFound {
			continue // a user deleted meanwhile: it is in no group
		}
		return roster.Errorf(f.Code, "%s: %s", f.Email, f.Message)
	}
	return nil
}

// putGroup answers PUT /Groups/{id}: the name, and the members when the resource has them.
func (s *Server) putGroup(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	var res map[string]any
	if err := readJSON(r, &res); err != nil {
		return err
	}
	g, err := s.replaceGroup(r.Context(), a, r.PathValue("id"), normalizeNumbers(res).(map[string]any), ifMatch(r))
	if err != nil {
		return err
	}
	return s.writeGroup(w, r, a, http.StatusOK, g, projection{})
}

func (s *Server) replaceGroup(ctx context.Context, a roster.Actor, id string, res map[string]any, expect int64) (*roster.Group, error) {
	g, err := s.svc.Group(ctx, a, a.OrgID, id)
	if err != nil {
		return nil, err
	}
	in, err := readGroup(res)
	if err != nil {
		return nil, err
	}
	ops := groupOps{name: &in.Name}
	if in.Members != nil {
		ops.replaceAll = true
		for _, m := range in.Members {
			ops.set(m, true)
		}
	}
	return s.applyGroupOps(ctx, a, g, ops, expect)
}

// groupOps is what a PATCH or PUT of a group asks: a new name, and members to end up in or
// out of the group. With replaceAll, members not named leave the group.
type groupOps struct {
	name       *string
	replaceAll bool
	members    map[string]bool // user id: in (true) or out (false)
	order      []string        // ids in the order given, for stable calls
}

func (o *groupOps) set(id string, in bool) {
	if o.members == nil {
		o.members = map[string]bool{}
	}
	if _, seen := o.members[id]; !seen {
		o.order = append(o.order, id)
	}
	o.members[id] = in
}

// patchGroup answers PATCH /Groups/{id}. Members are changed with add and remove of
// "members" (with a list of values, or a filter such as members[value eq "id"]), and the name
// with displayName; Okta sends both in one request, Entra ID removes members with a list.
// Attributes Roster does not keep (externalId, Microsoft's schema) are accepted and ignored.
// The answer is 204: a group's members may be many.
func (s *Server) patchGroup(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	var req patchRequest
	if err := readJSON(r, &req); err != nil {
		return err
	}
	g, err := s.patchGroupResource(r.Context(), a, r.PathValue("id"), req, ifMatch(r))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(g.Version))
	w.Header().Set("Content-Type", ContentType)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) patchGroupResource(ctx context.Context, a roster.Actor, id string, req patchRequest, expect int64) (*roster.Group, error) {
	g, err := s.svc.Group(ctx, a, a.OrgID, id)
	if err != nil {
		return nil, err
	}
	if len(req.Operations) == 0 || len(req.Operations) > maxPatchOperations {
		return nil, errorf(http.StatusBadRequest, typeInvalidValue, "A PATCH needs between 1 and %d operations.", maxPatchOperations)
	}
	var ops groupOps
	for _, op := range normalizeOps(req.Operations) {
		if err := ops.read(g, op); err != nil {
			return nil, err
		}
	}
	return s.applyGroupOps(ctx, a, g, ops, expect)
}

func normalizeOps(ops []patchOp) []patchOp {
	for i := range ops {
		ops[i].Value = normalizeNumbers(ops[i].Value)
	}
	return ops
}

// read adds one PATCH operation to o.
func (o *groupOps) read(g *roster.Group, op patchOp) error {
	kind := strings.ToLower(strings.TrimSpace(op.Op))
	if kind != "add" && kind != "replace" && kind != "remove" {
		return errorf(http.StatusBadRequest, typeInvalidSyntax, "op must be add, replace or remove, not %q.", op.Op)
	}
	if strings.TrimSpace(op.Path) == "" {
		values, ok := op.Value.(map[string]any)
		if kind == "remove" || !ok {
			return errorf(http.StatusBadRequest, typeNoTarget, "Without a path, %s needs an object of attributes as its value.", op.Op)
		}
		for k, v := range values {
			if err := o.read(g, patchOp{Op: kind, Path: k, Value: v}); err != nil {
				return err
			}
		}
		return nil
	}
	if len(op.Path) >= len(URNMicrosoftGroup) && strings.EqualFold(op.Path[:len(URNMicrosoftGroup)], URNMicrosoftGroup) {
		return nil // Microsoft's schema, which Entra ID adds to groups: nothing Roster keeps
	}
	p, err := filter.ParsePath(op.Path)
	if err != nil {
		return errorf(http.StatusBadRequest, typeInvalidPath, "The path cannot be read: %s.", err.Error())
	}
	if p.Attr.URN != "" && !strings.EqualFold(p.Attr.URN, URNGroup) {
		return nil // an extension Roster does not keep, such as Microsoft's
	}
	switch strings.ToLower(p.Attr.Name) {
	case "displayname":
		name, ok := op.Value.(string)
		if kind == "remove" || !ok {
			return errorf(http.StatusBadRequest, typeInvalidValue, "displayName must be a string; a group keeps its name.")
		}
		o.name = &name
	case "members":
		return o.readMembers(kind, p, op.Value)
	case "id":
		if v, _ := op.Value.(string); kind == "replace" && v == g.ID {
			return nil
		}
		return errorf(http.StatusBadRequest, typeMutability, "id is read-only.")
	case "meta":
		return errorf(http.StatusBadRequest, typeMutability, "meta is read-only.")
	}
	return nil
}

func (o *groupOps) readMembers(kind string, p filter.Path, value any) error {
	if p.Attr.Sub != "" || p.Sub != "" {
		return errorf(http.StatusBadRequest, typeInvalidPath, "Members are added and removed whole: use the path members.")
	}
	if p.Filter != nil {
		// members[value eq "id"]: only a removal names members this way.
		cmp, ok := p.Filter.(*filter.Compare)
		var id string
		if ok {
			id, ok = cmp.Value.(string)
		}
		if kind != "remove" || !ok || cmp.Op != "eq" || !strings.EqualFold(cmp.Path.Name, "value") {
			return errorf(http.StatusBadRequest, typeInvalidPath, `A filter on members can only remove one member: members[value eq "user id"].`)
		}
		o.set(id, false)
		return nil
	}
	ids, err := memberValues(value)
	if err != nil {
		return err
	}
	switch {
	case kind == "replace", kind == "remove" && value == nil:
		// Everyone not named leaves: what came before no longer counts.
		o.replaceAll = true
		for id := range o.members {
			o.members[id] = false
		}
		for _, id := range ids {
			o.set(id, kind == "replace")
		}
	default:
		for _, id := range ids {
			o.set(id, kind == "add")
		}
	}
	return nil
}

// applyGroupOps renames g and changes its members as ops says.
func (s *Server) applyGroupOps(ctx context.Context, a roster.Actor, g *roster.Group, ops groupOps, expect int64) (*roster.Group, error) {
	if expect != 0 && expect != g.Version {
		return nil, roster.Errorf(roster.CodePreconditionFailed,
			"The group was changed since you read it (If-Match does not match its version %d). Read it again and retry.", g.Version)
	}
	var add, remove []string
	for _, id := range ops.order {
		if ops.members[id] {
			add = append(add, id)
		} else {
			remove = append(remove, id)
		}
	}
	if ops.replaceAll {
		current, err := s.members(ctx, a, g.ID)
		if err != nil {
			return nil, err
		}
		member := map[string]bool{}
		for _, m := range current {
			member[m.UserID] = true
			if _, named := ops.members[m.UserID]; !named {
				remove = append(remove, m.UserID)
			}
		}
		add = slices.DeleteFunc(add, func(id string) bool { return member[id] })
		remove = slices.DeleteFunc(remove, func(id string) bool { return !member[id] })
	}
	if err := s.checkUsers(ctx, a, add); err != nil {
		return nil, err
	}
	if ops.name != nil && *ops.name != g.Name {
		var err error
		if g, err = s.svc.UpdateGroup(ctx, a, a.OrgID, g.ID, provision.GroupInput{Name: ops.name}, expect); err != nil {
			return nil, err
		}
	}
	if err := s.changeMembers(ctx, a, g.ID, add, remove); err != nil {
		return nil, err
	}
	return s.svc.Group(ctx, a, a.OrgID, g.ID)
}

func (s *Server) deleteGroup(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	if err := s.svc.DeleteGroup(r.Context(), a, a.OrgID, r.PathValue("id"), ifMatch(r)); err != nil {
		return err
	}
	w.Header().Set("Content-Type", ContentType)
	w.WriteHeader(http.StatusNoContent)
	return nil
}
