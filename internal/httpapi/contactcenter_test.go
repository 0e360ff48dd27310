package httpapi_test

import (
	"bytes"
	"mime/multipart"
	"net/url"
	"strings"
	"testing"
	"time"

	"roster"
	"roster/internal/provision"
)

func TestContactCenter(t *testing.T) {
	t.Parallel()
	cc := "/api/v1/orgs/{A}/contact-center"
	portal := func(f *fixture) { f.portal() }
	oslo := func(f *fixture) {
		f.portal()
		site, err := f.svc.CreateSite(f.t.Context(), actor, f.a.ID, "Oslo")
		if err != nil {
			f.t.Fatal(err)
		}
		f.sites["Oslo"] = site
		team, err := f.svc.CreateTeam(f.t.Context(), actor, f.a.ID, provision.TeamInput{Name: ptr("Fjord"), SiteID: &site.ID})
		if err != nil {
			f.t.Fatal(err)
		}
		f.teams["Fjord"] = team
	}
	// disabled is the portal with A.agent not enabled in the contact center.
	disabled := func(f *fixture) {
		f.portal()
		if _, err := f.svc.UpdateAgent(f.t.Context(), actor, f.a.ID, f.users["A.agent"].ID,
			provision.AgentChange{ContactCenterEnabled: ptr(false)}, 0); err != nil {
			f.t.Fatal(err)
		}
	}
	runScenarios(t, []scenario{
		{name: "service details", method: "GET", path: cc, token: "A.ro", setup: portal, status: 200,
			want: map[string]any{"platform": "new", "connector": "builtin", "agents.standard_agent": 1, "agents.supervisor": 1,
				"agents.premium_agent": 0},
			check: func(t *testing.T, _ *fixture, r resp) {
				sum := 0.0
				for _, s := range []string{"none", "pending", "valid", "invalid"} {
					sum += get(r.body, "users."+s).(float64)
				}
				if sum != 2 {
					t.Errorf("users per sync status add up to %v, want 2: %s", sum, r.raw)
				}
			}},
		{name: "service details of another org", method: "GET", path: cc, token: "B.full", status: 404, code: roster.CodeNotFound},
		{name: "synchronize", method: "POST", path: cc + "/synchronize", token: "A.cc", status: 202,
			want: map[string]any{"kind": "contactcenter.synchronize", "state": "queued", "progress.total": 2},
			check: func(t *testing.T, f *fixture, r resp) {
				again := f.do(req{method: "POST", path: f.expand(cc + "/synchronize"), token: f.tokens["A.full"]})
				if again.status != 409 {
					t.Errorf("a second synchronize: %d %s", again.status, again.raw)
				}
			}},
		{name: "synchronize by read_only", method: "POST", path: cc + "/synchronize", token: "A.ro", status: 403, code: roster.CodeForbidden},

		{name: "list agents", method: "GET", path: cc + "/agents", token: "A.ro", setup: portal, status: 200,
			want: map[string]any{"items.0.email": "agent@a.example", "items.0.profileType": "standard_agent", "items.0.teamIds.0": nil,
				"items.1.email": "sup@a.example", "items.1.siteId": "{site:Malmö}", "items.1.teamIds.0": "{team:Support}", "nextCursor": nil}},
		{name: "list agents by prefix and page", method: "GET", path: cc + "/agents?q=SUP&limit=1", token: "A.ro", setup: portal, status: 200,
			want: map[string]any{"items.0.email": "sup@a.example", "items.1": nil}},
		{name: "list agents at a site", method: "GET", path: cc + "/agents?site={site:Malmö}", token: "A.ro", setup: portal, status: 200,
			want: map[string]any{"items.0.email": "sup@a.example", "items.1": nil}},
		{name: "list agents in a team", method: "GET", path: cc + "/agents?team={team:Support}", token: "A.ro", setup: portal, status: 200,
			want: map[string]any{"items.0.email": "sup@a.example", "items.1": nil}},
		{name: "list agents of a profile type", method: "GET", path: cc + "/agents?profileType=standard_agent", token: "A.ro", setup: portal, status: 200,
			want: map[string]any{"items.0.email": "agent@a.example", "items.1": nil}},
		{name: "list active agents", method: "GET", path: cc + "/agents?active=true", token: "A.ro", setup: portal, status: 200,
			want: map[string]any{"items.0.email": "agent@a.example", "items.1.email": "sup@a.example"}},
		{name: "list inactive agents", method: "GET", path: cc + "/agents?active=false", token: "A.ro", setup: portal, status: 200,
			want: map[string]any{"items.0": nil}},
		{name: "list agents not enabled", method: "GET", path: cc + "/agents?contactCenterEnabled=false", token: "A.ro", setup: disabled, status: 200,
			want: map[string]any{"items.0.email": "agent@a.example", "items.0.contactCenterEnabled": false, "items.1": nil}},
		{name: "list enabled agents", method: "GET", path: cc + "/agents?contactCenterEnabled=true", token: "A.ro", setup: disabled, status: 200,
			want: map[string]any{"items.0.email": "sup@a.example", "items.0.contactCenterEnabled": true, "items.1": nil}},
		{name: "list enabled supervisors at a site", method: "GET", path: cc + "/agents?contactCenterEnabled=true&profileType=supervisor&site={site:Malmö}&active=true",
			token: "A.ro", setup: disabled, status: 200, want: map[string]any{"items.0.email": "sup@a.example", "items.1": nil}},
		{name: "list agents of an unknown profile type", method: "GET", path: cc + "/agents?profileType=boss", token: "A.ro", status: 400,
			code: roster.CodeInvalid, field: "profileType"},
		{name: "list agents with active neither true nor false", method: "GET", path: cc + "/agents?active=yes", token: "A.ro", status: 400,
			code: roster.CodeInvalid, field: "active"},
		{name: "list agents with enabled neither true nor false", method: "GET", path: cc + "/agents?contactCenterEnabled=1", token: "A.ro", status: 400,
			code: roster.CodeInvalid, field: "contactCenterEnabled"},
		{name: "list agents at a site named instead of its id", method: "GET", path: cc + "/agents?site=Malm%C3%B6", token: "A.ro", status: 400,
			code: roster.CodeInvalid, field: "site"},
		{name: "list agents in a team named instead of its id", method: "GET", path: cc + "/agents?team=Support", token: "A.ro", status: 400,
			code: roster.CodeInvalid, field: "team"},
		{name: "list agents with a filter given twice", method: "GET", path: cc + "/agents?active=true&active=false", token: "A.ro", status: 400,
			code: roster.CodeInvalid, field: "active"},
		{name: "a cursor belongs to its filters", method: "GET", path: cc + "/agents?active=true&limit=1", token: "A.ro", setup: portal, status: 200,
			want: map[string]any{"items.0.email": "agent@a.example"},
			check: func(t *testing.T, f *fixture, r resp) {
				cursor := url.QueryEscape(get(r.body, "nextCursor").(string))
				for _, tt := range []struct {
					query  string
					status int
				}{
					{"active=true&limit=1", 200},
					{"active=false&limit=1", 400},
					{"limit=1", 400},
					{"active=true&contactCenterEnabled=true&limit=1", 400},
					{"active=true&q=s&limit=1", 400},
					{"active=true&profileType=supervisor&limit=1", 400},
					// The page size is not a filter: a client may read on in larger pages.
					{"active=true&limit=50", 200},
				} {
					next := f.do(req{method: "GET", path: f.expand(cc + "/agents?" + tt.query + "&cursor=" + cursor), token: f.tokens["A.ro"]})
					if next.status != tt.status {
						t.Errorf("%s: %d, want %d: %s", tt.query, next.status, tt.status, next.raw)
						continue
					}
					if tt.status == 400 && get(next.body, "code") != string(roster.CodeInvalidCursor) {
						t.Errorf("%s: %s, want invalid_cursor", tt.query, next.raw)
					}
					if tt.status == 200 && (get(next.body, "items.0.email") != "sup@a.example" || get(next.body, "items.1") != nil) {
						t.Errorf("%s: the next page is %s", tt.query, next.raw)
					}
				}
			}},
		{name: "list agents with a bad limit", method: "GET", path: cc + "/agents?limit=0", token: "A.ro", status: 400, code: roster.CodeInvalid, field: "limit"},
		{name: "list agents of another org", method: "GET", path: cc + "/agents", token: "B.full", status: 404, code: roster.CodeNotFound},
		{name: "get an agent", method: "GET", path: cc + "/agents/{A.sup}", token: "A.ro", setup: portal, status: 200,
			want: map[string]any{"userId": "{A.sup}", "firstName": "Sven", "profileType": "supervisor", "active": true,
				"contactCenterEnabled": true, "skillProfileId": "{skill:Examples}", "version": 2},
			check: func(t *testing.T, _ *fixture, r resp) {
				if r.header.Get("ETag") != `"2"` {
					t.Errorf("ETag %q", r.header.Get("ETag"))
				}
			}},
		{name: "get a user without an agent", method: "GET", path: cc + "/agents/{A.sup}", token: "A.ro", status: 404, code: roster.CodeNotFound},
		{name: "patch an agent", method: "PATCH", path: cc + "/agents/{A.agent}", token: "A.cc", header: ifMatch(`"1"`), setup: oslo,
			body: map[string]any{"siteId": "{site:Oslo}", "teamIds": []string{"{team:Fjord}"}, "contactCenterEnabled": false,
				"agentProfileId": "{agent:Examples}", "externalId": "E-7", "defaultDialNumber": "+4722334455"},
			status: 200, want: map[string]any{"siteId": "{site:Oslo}", "teamIds.0": "{team:Fjord}", "contactCenterEnabled": false,
				"agentProfileId": "{agent:Examples}", "externalId": "E-7", "defaultDialNumber": "+4722334455", "version": 2},
			check: func(t *testing.T, f *fixture, _ resp) {
				audit := f.do(req{method: "GET", path: f.expand("/api/v1/orgs/{A}/audit?action=agent.update&targetId={A.agent}"), token: f.tokens["A.ro"]})
				if get(audit.body, "items.0.after.siteId") != f.sites["Oslo"].ID || get(audit.body, "items.0.before.contactCenterEnabled") != true {
					t.Errorf("audit: %s", audit.raw)
				}
			}},
		{name: "patch a team of another site", method: "PATCH", path: cc + "/agents/{A.sup}", token: "A.cc", setup: oslo,
			body: map[string]any{"teamIds": []string{"{team:Support}", "{team:Fjord}"}}, status: 400, code: roster.CodeInvalid, field: "teamIds"},
		{name: "changing the site drops the teams of the old one", method: "PATCH", path: cc + "/agents/{A.sup}", token: "A.cc", setup: oslo,
			body: map[string]any{"siteId": "{site:Oslo}"}, status: 200, want: map[string]any{"siteId": "{site:Oslo}", "teamIds.0": nil}},
		{name: "null site clears it", method: "PATCH", path: cc + "/agents/{A.sup}", token: "A.cc", setup: portal,
			body: `{"siteId":null,"skillProfileId":null}`, status: 200, want: map[string]any{"siteId": "", "skillProfileId": "", "teamIds.0": nil}},
		{name: "patch with ids of the wrong kind", method: "PATCH", path: cc + "/agents/{A.sup}", token: "A.cc", setup: portal,
			body: map[string]any{"multimediaProfileId": "{skill:Examples}", "siteId": "nope"}, status: 400, code: roster.CodeInvalid, field: "multimediaProfileId"},
		{name: "patch a dial number without +", method: "PATCH", path: cc + "/agents/{A.sup}", token: "A.cc", setup: portal,
			body: map[string]any{"defaultDialNumber": "46701234567"}, status: 400, code: roster.CodeInvalid, field: "defaultDialNumber"},
		{name: "the user profile is the directory's", method: "PATCH", path: cc + "/agents/{A.sup}", token: "A.cc", setup: portal,
			body: map[string]any{"userProfileId": "supervisor"}, status: 400, code: roster.CodeInvalid, field: "userProfileId"},
		{name: "patch stale", method: "PATCH", path: cc + "/agents/{A.sup}", token: "A.cc", header: ifMatch(`"1"`), setup: portal,
			body: map[string]any{"externalId": "x"}, status: 412, code: roster.CodePreconditionFailed},
		{name: "patch by read_only", method: "PATCH", path: cc + "/agents/{A.sup}", token: "A.ro", setup: portal,
			body: map[string]any{"externalId": "x"}, status: 403, code: roster.CodeForbidden},

		{name: "list sites", method: "GET", path: cc + "/sites", token: "A.ro", setup: portal, status: 200,
			want: map[string]any{"items.0.name": "Malmö", "items.0.version": 1, "items.1": nil}},
		{name: "create a site", method: "POST", path: cc + "/sites", token: "A.cc", body: map[string]any{"name": "Oslo"}, status: 201,
			want: map[string]any{"name": "Oslo", "orgId": "{A}", "version": 1},
			check: func(t *testing.T, f *fixture, r resp) {
				if loc := r.header.Get("Location"); loc != "/api/v1/orgs/"+f.a.ID+"/contact-center/sites/"+get(r.body, "id").(string) {
					t.Errorf("Location %q", loc)
				}
			}},
		{name: "create a taken site name", method: "POST", path: cc + "/sites", token: "A.cc", setup: portal, body: map[string]any{"name": "MALMÖ"},
			status: 409, code: roster.CodeNameExists},
		{name: "create a site without a name", method: "POST", path: cc + "/sites", token: "A.cc", body: map[string]any{}, status: 400,
			code: roster.CodeInvalid, field: "name"},
		{name: "rename a site", method: "PATCH", path: cc + "/sites/{site:Malmö}", token: "A.full", header: ifMatch(`"1"`), setup: portal,
			body: map[string]any{"name": "Malmö C"}, status: 200, want: map[string]any{"name": "Malmö C", "version": 2}},
		{name: "delete a site with teams", method: "DELETE", path: cc + "/sites/{site:Malmö}", token: "A.full", setup: portal,
			status: 409, code: roster.CodeInUse, want: map[string]any{"detail": "The site Malmö has team Support; delete it or move it to another site first."}},
		{name: "delete a site", method: "DELETE", path: cc + "/sites/{site:Oslo}", token: "A.full", setup: func(f *fixture) {
			oslo(f)
			if err := f.svc.DeleteTeam(f.t.Context(), actor, f.a.ID, f.teams["Fjord"].ID, 0); err != nil {
				f.t.Fatal(err)
			}
		}, status: 204},
		{name: "get a site of another org", method: "GET", path: "/api/v1/orgs/{B}/contact-center/sites/{site:Malmö}", token: "B.full", setup: portal,
			status: 404, code: roster.CodeNotFound},

		{name: "list the teams of a site", method: "GET", path: cc + "/teams?siteId={site:Oslo}", token: "A.ro", setup: oslo, status: 200,
			want: map[string]any{"items.0.name": "Fjord", "items.0.siteId": "{site:Oslo}", "items.1": nil}},
		{name: "list teams with an unknown parameter", method: "GET", path: cc + "/teams?site=x", token: "A.ro", status: 400, code: roster.CodeInvalid, field: "site"},
		{name: "create a team", method: "POST", path: cc + "/teams", token: "A.cc", setup: portal,
			body: map[string]any{"name": "Tier 1", "siteId": "{site:Malmö}"}, status: 201, want: map[string]any{"name": "Tier 1", "siteId": "{site:Malmö}"}},
		{name: "create a team without a site", method: "POST", path: cc + "/teams", token: "A.cc", body: map[string]any{"name": "Tier 1"},
			status: 400, code: roster.CodeInvalid, field: "siteId"},
		{name: "create a team at an unknown site", method: "POST", path: cc + "/teams", token: "A.cc", body: map[string]any{"name": "T", "siteId": "nope"},
			status: 400, code: roster.CodeInvalid, field: "siteId"},
		{name: "a team's site cannot be null", method: "PATCH", path: cc + "/teams/{team:Support}", token: "A.cc", setup: portal,
			body: `{"siteId":null}`, status: 400, code: roster.CodeInvalid, field: "siteId"},
		{name: "a team agents are in does not move", method: "PATCH", path: cc + "/teams/{team:Support}", token: "A.cc", setup: oslo,
			body: map[string]any{"siteId": "{site:Oslo}"}, status: 409, code: roster.CodeInUse},
		{name: "move a team", method: "PATCH", path: cc + "/teams/{team:Fjord}", token: "A.cc", setup: oslo,
			body: map[string]any{"siteId": "{site:Malmö}", "name": "Fjord South"}, status: 200,
			want: map[string]any{"siteId": "{site:Malmö}", "name": "Fjord South", "version": 2}},
		{name: "delete a team in use", method: "DELETE", path: cc + "/teams/{team:Support}", token: "A.full", setup: portal, status: 409,
			code: roster.CodeInUse, want: map[string]any{"detail": "The team Support is in use by sup@a.example; give them another team first."}},

		{name: "list skill profiles", method: "GET", path: cc + "/skill-profiles", token: "A.ro", setup: portal, status: 200,
			want: map[string]any{"items.0.name": "Examples", "items.0.kind": "skill", "items.1": nil}},
		{name: "create an agent profile", method: "POST", path: cc + "/agent-profiles", token: "A.cc", setup: portal,
			body: map[string]any{"name": "Examples 2"}, status: 201, want: map[string]any{"kind": "agent", "name": "Examples 2"}},
		{name: "create a taken multimedia profile name", method: "POST", path: cc + "/multimedia-profiles", token: "A.cc", setup: portal,
			body: map[string]any{"name": "examples"}, status: 409, code: roster.CodeNameExists},
		{name: "a profile of another kind is not found", method: "GET", path: cc + "/agent-profiles/{skill:Examples}", token: "A.ro", setup: portal,
			status: 404, code: roster.CodeNotFound},
		{name: "rename a multimedia profile", method: "PATCH", path: cc + "/multimedia-profiles/{multimedia:Examples}", token: "A.cc",
			header: ifMatch(`"1"`), setup: portal, body: map[string]any{"name": "Voice"}, status: 200, want: map[string]any{"name": "Voice", "version": 2}},
		{name: "delete a skill profile in use", method: "DELETE", path: cc + "/skill-profiles/{skill:Examples}", token: "A.full", setup: portal,
			status: 409, code: roster.CodeInUse},
		{name: "delete an agent profile", method: "DELETE", path: cc + "/agent-profiles/{agent:Examples}", token: "A.full", setup: portal, status: 204},
		{name: "delete a profile by read_only", method: "DELETE", path: cc + "/agent-profiles/{agent:Examples}", token: "A.ro", setup: portal,
			status: 403, code: roster.CodeForbidden},

		{name: "a user shows why it is not in sync", method: "GET", path: "/api/v1/orgs/{A}/users/{A.agent}", token: "A.ro", status: 200,
			check: func(t *testing.T, _ *fixture, r resp) {
				if v, found := r.body["syncError"]; !found || v != nil {
					t.Errorf("syncError %v (present %v), want null", v, found)
				}
			}},
		{name: "lists leave the sync error out", method: "GET", path: "/api/v1/orgs/{A}/users", token: "A.ro", status: 200,
			check: func(t *testing.T, _ *fixture, r resp) {
				if _, found := get(r.body, "items.0").(map[string]any)["syncError"]; found {
					t.Errorf("syncError in a list: %s", r.raw)
				}
			}},
	})
}

func TestAgentTemplate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.portal()
	f.runWorker()
	r := f.do(req{method: "GET", path: f.expand("/api/v1/orgs/{A}/contact-center/agents.csv"), token: f.tokens["A.ro"]})
	want := "\ufeffEmail,First Name,Last Name,User Profile,Contact Center Enabled,Site,Teams,Skill Profile,Agent Profile,Multimedia Profile,External ID,Default Dial Number\r\n" +
		"agent@a.example,Ada,Agent,Standard Agent,TRUE,,,,,,,\r\n" +
		"sup@a.example,Sven,Super,Supervisor,TRUE,Malmö,Support,Examples,,,,\r\n"
	if r.status != 200 || string(r.raw) != want || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(r.header.Get("Content-Disposition"), `filename="agents-Alpha-Corp-`) {
		t.Fatalf("export: %d %q %v", r.status, r.raw, r.header)
	}
	if r := f.do(req{method: "GET", path: f.expand("/api/v1/orgs/{A}/contact-center/agents.csv"), token: f.tokens["B.full"]}); r.status != 404 {
		t.Errorf("export by another org: %d", r.status)
	}

	upload := func(token, file string, fields map[string]string) resp {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		fw, _ := mw.CreateFormFile("file", "agents.csv")
		_, _ = fw.Write([]byte(file))
		for k, v := range fields {
			_ = mw.WriteField(k, v)
		}
		_ = mw.Close()
		return f.do(req{method: "POST", path: f.expand("/api/v1/orgs/{A}/contact-center/agents/upload"), token: f.tokens[token],
			body: b.Bytes(), header: map[string]string{"Content-Type": mw.FormDataContentType()}})
	}
	wait := func(id string) resp {
		deadline := time.Now().Add(30 * time.Second)
		for {
			r := f.do(req{method: "GET", path: f.expand("/api/v1/orgs/{A}/tasks/" + id), token: f.tokens["A.ro"]})
			if s := get(r.body, "state").(string); s != "queued" && s != "running" || time.Now().After(deadline) {
				return r
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	// The export, edited in a spreadsheet: Ada gets the site and the team, a name is unknown.
	file := strings.Replace(want, "agent@a.example,Ada,Agent,Standard Agent,TRUE,,,,,,,", "agent@a.example,Ada,Agent,Standard Agent,FALSE,malmö,SUPPORT,,,,E-1,+46701234567", 1)
	file = strings.Replace(file, "Support,Examples", "Support,Gold", 1) + "nobody@a.example,,,,,,,,,,,\r\n"
	dry := upload("A.cc", file, map[string]string{"dryRun": "true"})
	if dry.status != 202 || get(dry.body, "kind") != provision.KindAgentUpload || get(dry.body, "input.dryRun") != true ||
		get(dry.body, "input.fileName") != "agents.csv" {
		t.Fatalf("dry run: %d %s", dry.status, dry.raw)
	}
	done := wait(get(dry.body, "id").(string))
	if get(done.body, "state") != "completed_with_errors" || get(done.body, "counts.updated") != 1.0 || get(done.body, "counts.errors") != 2.0 {
		t.Fatalf("dry run finished: %s", done.raw)
	}
	rep := f.do(req{method: "GET", path: f.expand("/api/v1/orgs/{A}/tasks/" + get(dry.body, "id").(string) + "/report.csv"), token: f.tokens["A.ro"]})
	if !strings.Contains(string(rep.raw), `3,sup@a.example,error,unknown_name,"Column ""Skill Profile"": no skill profile of this organization is named ""Gold"".`) {
		t.Errorf("report: %s", rep.raw)
	}
	real := upload("A.cc", file, nil)
	wait(get(real.body, "id").(string))
	ag := f.do(req{method: "GET", path: f.expand("/api/v1/orgs/{A}/contact-center/agents/{A.agent}"), token: f.tokens["A.ro"]})
	if get(ag.body, "siteId") != f.sites["Malmö"].ID || get(ag.body, "teamIds.0") != f.teams["Support"].ID ||
		get(ag.body, "contactCenterEnabled") != false || get(ag.body, "defaultDialNumber") != "+46701234567" {
		t.Errorf("agent after the upload: %s", ag.raw)
	}

	for name, sc := range map[string]struct {
		token  string
		file   string
		fields map[string]string
		status int
		code   roster.Code
	}{
		"read_only":         {token: "A.ro", file: "Email\nagent@a.example\n", status: 403, code: roster.CodeForbidden},
		"no email column":   {token: "A.cc", file: "Site\nMalmö\n", status: 400, code: roster.CodeInvalid},
		"an unknown field":  {token: "A.cc", file: "Email\nagent@a.example\n", fields: map[string]string{"mode": "add"}, status: 400, code: roster.CodeInvalid},
		"a bad dryRun":      {token: "A.cc", file: "Email\nagent@a.example\n", fields: map[string]string{"dryRun": "maybe"}, status: 400, code: roster.CodeInvalid},
		"another org's key": {token: "B.full", file: "Email\nagent@a.example\n", status: 404, code: roster.CodeNotFound},
	} {
		if r := upload(sc.token, sc.file, sc.fields); r.status != sc.status || get(r.body, "code") != string(sc.code) {
			t.Errorf("%s: %d %s", name, r.status, r.raw)
		}
	}
	if r := f.do(req{method: "POST", path: f.expand("/api/v1/orgs/{A}/contact-center/agents/upload"), token: f.tokens["A.cc"], body: "{}"}); r.status != 415 {
		t.Errorf("JSON instead of a form: %d", r.status)
	}
}
