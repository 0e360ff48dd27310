package httpapi_test

import (
	"testing"

	"roster"
	"roster/internal/provision"
)

func TestUserProfiles(t *testing.T) {
	t.Parallel()
	profiles, one := "/api/v1/orgs/{A}/contact-center/user-profiles", "/api/v1/orgs/{A}/contact-center/user-profiles/{profile:Night}"
	night := func(f *fixture) { f.profile("Night", roster.ProfileSupervisor) }
	// A.sup is a supervisor: the Night profile fits it.
	nightInUse := func(f *fixture) {
		night(f)
		id := f.profiles["Night"].ID
		if _, err := f.svc.UpdateUser(f.t.Context(), actor, f.a.ID, f.users["A.sup"].ID, provision.UserChange{UserProfileID: &id}, 0); err != nil {
			f.t.Fatal(err)
		}
	}
	runScenarios(t, []scenario{
		{name: "list", method: "GET", path: profiles, token: "A.ro", setup: night, status: 200,
			want: map[string]any{"items.0.id": "standard_agent", "items.0.name": "Standard Agent", "items.0.builtIn": true,
				"items.2.id": "supervisor", "items.4.type": "administrator_only", "items.5.name": "Night", "items.5.builtIn": false,
				"items.5.type": "supervisor", "items.6": nil}},
		{name: "list by another org", method: "GET", path: profiles, token: "B.full", status: 404, code: roster.CodeNotFound},
		{name: "create", method: "POST", path: profiles, token: "A.cc", body: map[string]any{"name": "Night shift", "type": "supervisor"},
			status: 201, want: map[string]any{"name": "Night shift", "type": "supervisor", "builtIn": false, "version": 1},
			check: func(t *testing.T, f *fixture, r resp) {
				if loc := r.header.Get("Location"); loc != "/api/v1/orgs/"+f.a.ID+"/contact-center/user-profiles/"+get(r.body, "id").(string) {
					t.Errorf("Location %q", loc)
				}
			}},
		{name: "create a taken name", method: "POST", path: profiles, token: "A.full", body: map[string]any{"name": "NIGHT", "type": "premium_agent"},
			setup: night, status: 409, code: roster.CodeNameExists},
		{name: "create a built-in name", method: "POST", path: profiles, token: "A.full", body: map[string]any{"name": "supervisor", "type": "supervisor"},
			status: 400, code: roster.CodeInvalid, field: "name"},
		{name: "create an unknown type", method: "POST", path: profiles, token: "A.full", body: map[string]any{"name": "X", "type": "none"},
			status: 400, code: roster.CodeInvalid, field: "type"},
		{name: "create by read_only", method: "POST", path: profiles, token: "A.ro", body: map[string]any{"name": "X", "type": "supervisor"},
			status: 403, code: roster.CodeForbidden},

		{name: "get a built-in", method: "GET", path: profiles + "/premium_agent", token: "A.ro", status: 200,
			want: map[string]any{"id": "premium_agent", "name": "Premium Agent", "type": "premium_agent", "builtIn": true}},
		{name: "get a custom one", method: "GET", path: one, token: "A.ro", setup: night, status: 200,
			want: map[string]any{"name": "Night", "version": 1}},
		{name: "get unknown", method: "GET", path: profiles + "/nope", token: "A.ro", status: 404, code: roster.CodeNotFound},
		{name: "get by another org", method: "GET", path: one, token: "B.full", setup: night, status: 404, code: roster.CodeNotFound},

		{name: "rename", method: "PATCH", path: one, token: "A.full", header: ifMatch(`"1"`), body: map[string]any{"name": "Late"},
			setup: night, status: 200, want: map[string]any{"name": "Late", "type": "supervisor", "version": 2}},
		{name: "rename stale", method: "PATCH", path: one, token: "A.full", header: ifMatch(`"3"`), body: map[string]any{"name": "Late"},
			setup: night, status: 412, code: roster.CodePreconditionFailed},
		{name: "rename a built-in", method: "PATCH", path: profiles + "/supervisor", token: "A.full", body: map[string]any{"name": "Bosses"},
			status: 409, code: roster.CodeConflict},
		{name: "rename by read_only", method: "PATCH", path: one, token: "A.ro", body: map[string]any{"name": "Late"},
			setup: night, status: 403, code: roster.CodeForbidden},
		{name: "delete", method: "DELETE", path: one, token: "A.full", header: ifMatch(`"1"`), setup: night, status: 204},
		{name: "delete stale", method: "DELETE", path: one, token: "A.full", header: ifMatch(`"2"`), setup: night,
			status: 412, code: roster.CodePreconditionFailed},
		{name: "delete in use", method: "DELETE", path: one, token: "A.full", setup: nightInUse, status: 409, code: roster.CodeInUse},
		{name: "delete a built-in", method: "DELETE", path: profiles + "/standard_agent", token: "A.full", status: 409, code: roster.CodeConflict},
		{name: "delete by another org", method: "DELETE", path: one, token: "B.full", setup: night, status: 404, code: roster.CodeNotFound},

		{name: "give a user a custom profile", method: "PATCH", path: "/api/v1/orgs/{A}/users/{A.sup}", token: "A.cc", header: ifMatch(`"1"`),
			body: map[string]any{"userProfileId": "{profile:Night}"}, setup: night, status: 200,
			want: map[string]any{"userProfileId": "{profile:Night}", "userProfile": "Night", "profileType": "supervisor"},
			check: func(t *testing.T, f *fixture, _ resp) {
				list := f.do(req{method: "GET", path: f.expand("/api/v1/orgs/{A}/users?ccRole=supervisor"), token: f.tokens["A.ro"]})
				if get(list.body, "items.0.userProfile") != "Night" {
					t.Errorf("list: %s", list.raw)
				}
			}},
		{name: "a profile of another type", method: "PATCH", path: "/api/v1/orgs/{A}/users/{A.agent}", token: "A.full", header: ifMatch("*"),
			body: map[string]any{"userProfileId": "{profile:Night}"}, setup: night, status: 422, code: roster.CodeProfileMismatch},
		{name: "the built-in profile of the user's type", method: "PATCH", path: "/api/v1/orgs/{A}/users/{A.sup}", token: "A.full", header: ifMatch("*"),
			body: map[string]any{"userProfileId": "supervisor"}, setup: nightInUse, status: 200,
			want: map[string]any{"userProfileId": "", "userProfile": "Supervisor"}},
		{name: "null is the default profile", method: "PATCH", path: "/api/v1/orgs/{A}/users/{A.sup}", token: "A.full", header: ifMatch("*"),
			body: `{"userProfileId":null}`, setup: nightInUse, status: 200, want: map[string]any{"userProfileId": ""}},
		{name: "an unknown profile", method: "PATCH", path: "/api/v1/orgs/{A}/users/{A.sup}", token: "A.full", header: ifMatch("*"),
			body: map[string]any{"userProfileId": "nope"}, status: 400, code: roster.CodeInvalid},
		{name: "a profile of another org", method: "PATCH", path: "/api/v1/orgs/{B}/users/{B.sup}", token: "B.full", header: ifMatch("*"),
			body: map[string]any{"userProfileId": "{profile:Night}"}, setup: night, status: 400, code: roster.CodeInvalid},
	})
}
