package scim

import (
	"net/http"
	"strings"

	"roster"
)

// serviceProviderConfig answers GET /ServiceProviderConfig (RFC 7643 §5).
func (s *Server) serviceProviderConfig(w http.ResponseWriter, r *http.Request, _ roster.Actor) error {
	writeJSON(w, http.StatusOK, map[string]any{
		"schemas":          []any{"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"},
		"documentationUri": "https://github.com/roster/roster/blob/main/docs/scim.md",
		"patch":            map[string]any{"supported": true},
		"bulk":             map[string]any{"supported": true, "maxOperations": maxBulkOperations, "maxPayloadSize": maxBody},
		"filter":           map[string]any{"supported": true, "maxResults": maxCount},
		"changePassword":   map[string]any{"supported": false},
		"sort":             map[string]any{"supported": true},
		"etag":             map[string]any{"supported": true},
		"authenticationSchemes": []any{map[string]any{
			"type": "oauthbearertoken", "name": "API token", "primary": true,
			"description": "An API token of the organization, sent as Authorization: Bearer <token>. The token's administrator role applies.",
		}},
		"meta": map[string]any{"resourceType": "ServiceProviderConfig", "location": baseURL(r) + "/ServiceProviderConfig"},
	})
	return nil
}

// attribute describes one attribute of a schema (RFC 7643 §7).
func attribute(name, typ string, opts ...func(map[string]any)) map[string]any {
	a := map[string]any{
		"name": name, "type": typ, "multiValued": false, "required": false, "caseExact": false,
		"mutability": "readWrite", "returned": "default", "uniqueness": "none", "description": "",
	}
	for _, o := range opts {
		o(a)
	}
	return a
}

func set(key string, v any) func(map[string]any) { return func(a map[string]any) { a[key] = v } }

func describe(d string) func(map[string]any) { return set("description", d) }

func subs(attrs ...map[string]any) func(map[string]any) { return set("subAttributes", attrs) }

func values(v ...string) func(map[string]any) { return set("canonicalValues", v) }

var (
	multi    = set("multiValued", true)
	required = set("required", true)
	readOnly = set("mutability", "readOnly")
	exact    = set("caseExact", true)
)

// multiValue is the sub-attributes of emails and phoneNumbers.
func multiValue(what string) func(map[string]any) {
	return subs(attribute("value", "string", describe(what)), attribute("type", "string", values("work")),
		attribute("primary", "boolean"))
}

// schemas are the schemas Roster serves, in the order /Schemas lists them.
var schemas = []map[string]any{
	{
		"id": URNUser, "name": "User", "description": "A person of the organization. userName is the email address, Roster's identity.",
		"attributes": []any{
			attribute("userName", "string", required, set("uniqueness", "server"), describe("The email address; unique across the installation, compared without regard to case.")),
			attribute("name", "complex", subs(attribute("givenName", "string"), attribute("familyName", "string"),
				attribute("formatted", "string", readOnly))),
			attribute("displayName", "string"),
			attribute("title", "string"),
			attribute("preferredLanguage", "string", describe("en, sv, nl, es or pl (a tag such as sv-SE is read by its language); other languages leave the organization's default.")),
			attribute("active", "boolean", describe("false deactivates the user, who keeps its license.")),
			attribute("emails", "complex", multi, multiValue("Always the userName; changes to it are ignored.")),
			attribute("phoneNumbers", "complex", multi, multiValue("E.164, with a leading +. Roster keeps one number: the primary, else the work one, else the first.")),
		},
	},
	{
		"id": URNEnterpriseUser, "name": "EnterpriseUser", "description": "Enterprise user extension: Roster keeps the department.",
		"attributes": []any{attribute("department", "string")},
	},
	{
		"id": URNRosterUser, "name": "RosterUser", "description": "The contact-center license and role of a Roster user.",
		"attributes": []any{
			attribute("license", "string", values("none", "standard", "premium"), describe("The contact-center license. Left out, the license stays as it is (on creation: automatic assignment decides).")),
			attribute("ccRole", "string", values("agent", "supervisor"), describe("The contact-center role; supervisor requires premium.")),
			attribute("status", "string", readOnly, values("pending", "active", "inactive")),
			attribute("profileType", "string", readOnly),
			attribute("syncStatus", "string", readOnly, values("none", "pending", "valid", "invalid")),
		},
	},
	{
		"id": URNGroup, "name": "Group", "description": "A group of users of the organization.",
		"attributes": []any{
			attribute("displayName", "string", required, set("uniqueness", "server")),
			attribute("members", "complex", multi, subs(attribute("value", "string", set("mutability", "immutable"), exact),
				attribute("$ref", "reference", set("mutability", "immutable")), attribute("display", "string", readOnly),
				attribute("type", "string", set("mutability", "immutable"), values("User")))),
		},
	},
}

func schemaResource(sc map[string]any, base string) map[string]any {
	out := map[string]any{"schemas": []any{"urn:ietf:params:scim:schemas:core:2.0:Schema"}}
	for k, v := range sc {
		out[k] = v
	}
	out["meta"] = map[string]any{"resourceType": "Schema", "location": base + "/Schemas/" + sc["id"].(string)}
	return out
}

func (s *Server) listSchemas(w http.ResponseWriter, r *http.Request, _ roster.Actor) error {
	var list []any
	for _, sc := range schemas {
		list = append(list, schemaResource(sc, baseURL(r)))
	}
	writeJSON(w, http.StatusOK, listResponse{Schemas: []string{URNListResponse}, TotalResults: len(list), StartIndex: 1, ItemsPerPage: len(list), Resources: list})
	return nil
}

func (s *Server) getSchema(w http.ResponseWriter, r *http.Request, _ roster.Actor) error {
	for _, sc := range schemas {
		if strings.EqualFold(sc["id"].(string), r.PathValue("id")) {
			writeJSON(w, http.StatusOK, schemaResource(sc, baseURL(r)))
			return nil
		}
	}
	return errorf(http.StatusNotFound, "", "There is no schema %s.", r.PathValue("id"))
}

func resourceTypes(base string) []any {
	return []any{
		map[string]any{
			"schemas": []any{"urn:ietf:params:scim:schemas:core:2.0:ResourceType"},
			"id":      "User", "name": "User", "endpoint": "/Users", "schema": URNUser,
			"schemaExtensions": []any{
				map[string]any{"schema": URNEnterpriseUser, "required": false},
				map[string]any{"schema": URNRosterUser, "required": false},
			},
			"meta": map[string]any{"resourceType": "ResourceType", "location": base + "/ResourceTypes/User"},
		},
		map[string]any{
			"schemas": []any{"urn:ietf:params:scim:schemas:core:2.0:ResourceType"},
			"id":      "Group", "name": "Group", "endpoint": "/Groups", "schema": URNGroup,
			"meta": map[string]any{"resourceType": "ResourceType", "location": base + "/ResourceTypes/Group"},
		},
	}
}

func (s *Server) listResourceTypes(w http.ResponseWriter, r *http.Request, _ roster.Actor) error {
	list := resourceTypes(baseURL(r))
	writeJSON(w, http.StatusOK, listResponse{Schemas: []string{URNListResponse}, TotalResults: len(list), StartIndex: 1, ItemsPerPage: len(list), Resources: list})
	return nil
}

func (s *Server) getResourceType(w http.ResponseWriter, r *http.Request, _ roster.Actor) error {
	for _, rt := range resourceTypes(baseURL(r)) {
		if strings.EqualFold(rt.(map[string]any)["id"].(string), r.PathValue("id")) {
			writeJSON(w, http.StatusOK, rt)
			return nil
		}
	}
	return errorf(http.StatusNotFound, "", "There is no resource type %s.", r.PathValue("id"))
}
