package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"

	"roster"
	"roster/internal/httpapi"
	"roster/internal/provision"
)

// TestClient drives every route through the Go client the CLI uses.
func TestClient(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	sys := httpapi.NewClient(f.srv.URL+"/", f.tokens["sys"], nil, httpapi.WithVersion("test"))
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	doc, err := sys.OpenAPI(ctx)
	must(err)
	if !json.Valid(doc) {
		t.Error("the OpenAPI document is not JSON")
	}

	org, err := sys.CreateOrg(ctx, httpapi.OrgInput{Name: httpapi.Some("Client Co"), Seats: &httpapi.SeatsInput{Premium: httpapi.Some(2)}})
	must(err)
	if org.Name != "Client Co" || org.Seats.Premium != 2 || org.Platform != roster.PlatformNew {
		t.Errorf("CreateOrg: %+v", org)
	}
	orgs, err := sys.Orgs(ctx)
	must(err)
	if len(orgs) != 3 {
		t.Errorf("Orgs: %d", len(orgs))
	}
	org, err = sys.UpdateOrg(ctx, org.ID, httpapi.OrgInput{Settings: &httpapi.OrgSettingsInput{DefaultLanguage: httpapi.Some(roster.Dutch)}}, httpapi.ETag(org.Version))
	must(err)
	if org.Settings.DefaultLanguage != roster.Dutch || org.Version != 2 {
		t.Errorf("UpdateOrg: %+v", org)
	}
	got, err := sys.Org(ctx, org.ID)
	must(err)
	if got.Version != 2 {
		t.Errorf("Org: %+v", got)
	}

	tok, err := sys.CreateToken(ctx, org.ID, httpapi.NewToken{Name: "admin", Role: "full"})
	must(err)
	admin := httpapi.NewClient(f.srv.URL, tok.Secret, f.srv.Client())
	toks, err := admin.Tokens(ctx, org.ID)
	must(err)
	if len(toks) != 1 || toks[0].ID != tok.ID || toks[0].OrgID == nil || *toks[0].OrgID != org.ID {
		t.Errorf("Tokens: %+v", toks)
	}

	u, err := admin.CreateUser(ctx, org.ID, httpapi.NewUser{Email: "c@client.example", FirstName: "Cleo", License: roster.LicensePremium})
	must(err)
	if u.ProfileType != roster.ProfilePremiumAgent || u.UserProfile == nil || *u.UserProfile != "Premium Agent" {
		t.Errorf("CreateUser: %+v", u)
	}
	batch, err := admin.AddOrModifyUsers(ctx, org.ID, httpapi.BatchRequest{Entries: []httpapi.BatchEntry{{Email: "d@client.example"}, {Email: "bad"}}})
	must(err) // 207 is an answer, not an error
	if len(batch.Results) != 2 || batch.Results[0].Outcome != "created" || batch.Results[1].Code != roster.CodeInvalid {
		t.Errorf("AddOrModifyUsers: %+v", batch)
	}
	list, err := admin.Users(ctx, org.ID, httpapi.UserQuery{Q: "c", License: roster.LicensePremium, Limit: 10})
	must(err)
	if list.Total != 1 || len(list.Items) != 1 || list.NextCursor != nil {
		t.Errorf("Users: %+v", list)
	}
	u, err = admin.UpdateUser(ctx, org.ID, u.ID, httpapi.UserPatch{FirstName: httpapi.Null[string](), CCRole: httpapi.Some(roster.RoleSupervisor)}, httpapi.ETag(u.Version))
	must(err)
	if u.FirstName != "" || u.CCRole != roster.RoleSupervisor || u.Version != 2 {
		t.Errorf("UpdateUser: %+v", u)
	}
	u, err = admin.DeactivateUser(ctx, org.ID, u.ID, httpapi.ETag(u.Version))
	must(err)
	u, err = admin.ReactivateUser(ctx, org.ID, u.ID, "")
	must(err)
	if u.Status != roster.StatusActive {
		t.Errorf("ReactivateUser: %+v", u)
	}
	got2, err := admin.User(ctx, org.ID, u.ID)
	must(err)
	if got2.Version != u.Version {
		t.Errorf("User: %+v", got2)
	}
	must(admin.DeleteUser(ctx, org.ID, u.ID, httpapi.AnyVersion))
	audit, err := admin.AuditEntries(ctx, org.ID, httpapi.AuditQuery{Action: "user.delete", Interface: roster.ViaCLI})
	must(err)
	// Without WithVersion the client still says roster-cli/dev: the CLI.
	if len(audit.Items) != 1 || audit.Items[0].Target != "c@client.example" {
		t.Errorf("AuditEntries: %+v", audit.Items)
	}
	// An upload is streamed as multipart; no worker runs here, so the import stays queued,
	// and a second one or a revert must wait for it.
	imp, err := admin.StartImport(ctx, org.ID, httpapi.ImportUpload{Mode: provision.ImportAddRemove, DryRun: true,
		FileName: "people.csv", File: strings.NewReader("Email;Contact Center Premium Agent\r\ne@client.example;WAAR\r\n")})
	must(err)
	if imp.Kind != provision.KindImport || imp.State != roster.TaskQueued || imp.Progress.Total != 1 || imp.Input == nil ||
		*imp.Input != (provision.ImportInput{Mode: provision.ImportAddRemove, DryRun: true, FileName: "people.csv", FileSize: 59}) {
		t.Errorf("StartImport: %+v %+v", imp, imp.Input)
	}
	_, err = admin.StartImport(ctx, org.ID, httpapi.ImportUpload{Mode: provision.ImportAdd, File: strings.NewReader("Email\nf@client.example\n")})
	if roster.ErrorCode(err) != roster.CodeImportInProgress {
		t.Errorf("second import: %v", err)
	}
	_, err = admin.RevertTask(ctx, org.ID, imp.ID)
	if roster.ErrorCode(err) != roster.CodeImportInProgress {
		t.Errorf("revert of a queued import: %v", err)
	}
	must(admin.DeleteToken(ctx, org.ID, tok.ID))

	sysTok, err := sys.CreateToken(ctx, "", httpapi.NewToken{Name: "deploy"})
	must(err)
	if sysTok.Role != "system" || sysTok.OrgID != nil {
		t.Errorf("CreateToken system: %+v", sysTok)
	}
	sysToks, err := sys.Tokens(ctx, "")
	must(err)
	if len(sysToks) != 2 {
		t.Errorf("Tokens system: %+v", sysToks)
	}
	must(sys.DeleteToken(ctx, "", sysTok.ID))

	// Problems come back as *roster.Error with their code, detail and field errors.
	_, err = sys.CreateUser(ctx, org.ID, httpapi.NewUser{Email: "x@client.example", PhoneNumber: "0701234567"})
	var e *roster.Error
	if !errors.As(err, &e) || e.Code != roster.CodeInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "phoneNumber" || e.Message == "" {
		t.Errorf("problem: %#v", err)
	}
	_, err = admin.Orgs(ctx) // the token was deleted
	if roster.ErrorCode(err) != roster.CodeUnauthorized {
		t.Errorf("deleted token: %v", err)
	}
}

// TestClientTransportErrors covers answers that are not problems, and bad base URLs.
func TestClientTransportErrors(t *testing.T) {
	t.Parallel()
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("User-Agent") != "roster-cli/9.9" || r.Header.Get("Authorization") != "Bearer tok" {
			t.Errorf("headers: %v", r.Header)
		}
		http.Error(w, "<html>bad gateway</html>", http.StatusBadGateway)
	}))
	defer proxy.Close()
	_, err := httpapi.NewClient(proxy.URL, "tok", nil, httpapi.WithVersion("9.9")).Orgs(context.Background())
	var e *roster.Error
	if err == nil || errors.As(err, &e) {
		t.Errorf("a gateway error page: %#v", err)
	}
	if _, err := httpapi.NewClient("ftp://x", "", nil).Orgs(context.Background()); err == nil {
		t.Error("an ftp base URL was accepted")
	}

	// Nothing listens on a port just closed: the error names the server and says so, without
	// the dial error's jargon, which stays reachable through Unwrap.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	_ = ln.Close()
	_, err = httpapi.NewClient(closed, "tok", nil).Orgs(context.Background())
	var unreachable *httpapi.UnreachableError
	if !errors.As(err, &unreachable) || unreachable.Server != closed ||
		err.Error() != "cannot reach the Roster server at "+closed+": connection refused (nothing listens there)" ||
		!errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("a closed port: %v", err)
	}
	// A request the caller canceled is not an unreachable server.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := httpapi.NewClient(closed, "tok", nil).Orgs(ctx); errors.As(err, &unreachable) {
		t.Errorf("a canceled request: %v", err)
	}
}

// TestClientGroups drives the routes of groups, license assignment and user profiles through
// the Go client.
func TestClientGroups(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	cl := httpapi.NewClient(f.srv.URL, f.tokens["A.full"], f.srv.Client())
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	la, err := cl.LicenseAssignment(ctx, f.a.ID)
	must(err)
	la, err = cl.SetLicenseAssignment(ctx, f.a.ID, httpapi.LicenseAssignmentInput{Mode: roster.AssignGroup}, httpapi.ETag(la.Version))
	must(err)
	if la.Mode != roster.AssignGroup {
		t.Errorf("SetLicenseAssignment: %+v", la)
	}
	g, err := cl.CreateGroup(ctx, f.a.ID, httpapi.GroupInput{Name: httpapi.Some("Premium"), License: httpapi.Some(roster.LicensePremium)})
	must(err)
	res, err := cl.AddMembers(ctx, f.a.ID, g.ID, httpapi.MembersRequest{Emails: []string{"agent@a.example", "nobody@a.example"}})
	must(err)
	if res.Changed != 1 || len(res.Failed) != 1 || res.Failed[0].Code != roster.CodeNotFound {
		t.Errorf("AddMembers: %+v", res)
	}
	agent := f.users["A.agent"].ID
	groups, err := cl.UserGroups(ctx, f.a.ID, agent, 0, "")
	must(err)
	if len(groups.Items) != 1 || groups.Items[0].Name != "Premium" || groups.Items[0].License != roster.LicensePremium {
		t.Errorf("UserGroups: %+v", groups)
	}
	src, err := cl.LicenseSources(ctx, f.a.ID, agent)
	must(err)
	if src.License != roster.LicensePremium || len(src.Sources) != 2 || src.Waiting != nil {
		t.Errorf("LicenseSources: %+v", src)
	}
	page, err := cl.Users(ctx, f.a.ID, httpapi.UserQuery{Group: g.ID})
	must(err)
	if len(page.Items) != 1 || page.Items[0].ID != agent {
		t.Errorf("Users of the group: %+v", page.Items)
	}
	p, err := cl.UserProfiles(f.a.ID).Create(ctx, httpapi.NewUserProfile{Name: "Night", Type: roster.ProfilePremiumAgent})
	must(err)
	u, err := cl.UpdateUser(ctx, f.a.ID, agent, httpapi.UserPatch{UserProfileID: httpapi.Some(p.ID)}, httpapi.AnyVersion)
	must(err)
	if u.UserProfileID != p.ID || u.UserProfile == nil || *u.UserProfile != "Night" {
		t.Errorf("UpdateUser with a profile: %+v", u)
	}
	ps, err := cl.UserProfiles(f.a.ID).List(ctx, nil)
	must(err)
	if len(ps) != 6 || ps[5].ID != p.ID || !ps[0].BuiltIn {
		t.Errorf("UserProfiles: %+v", ps)
	}
	res, err = cl.RemoveMembers(ctx, f.a.ID, g.ID, httpapi.MembersRequest{UserIDs: []string{agent}})
	must(err)
	if res.Changed != 1 {
		t.Errorf("RemoveMembers: %+v", res)
	}
	// Back to standard, a change of profile type: the custom profile is reset.
	u, err = cl.User(ctx, f.a.ID, agent)
	must(err)
	if u.License != roster.LicenseStandard || u.UserProfileID != "" {
		t.Errorf("after leaving: %+v", u)
	}
	must(cl.DeleteGroup(ctx, f.a.ID, g.ID, httpapi.ETag(g.Version)))
	if _, err := cl.Group(ctx, f.a.ID, g.ID); roster.ErrorCode(err) != roster.CodeNotFound {
		t.Errorf("Group after delete: %v", err)
	}
}
