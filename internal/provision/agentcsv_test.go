package provision_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"roster"
	"roster/internal/provision"
	"roster/internal/sqldb/sqldbtest"
)

// agentFixture is an organization with sites, teams and profiles, and agents for ada (premium)
// and bo (standard); cy has a user and no agent.
type agentFixture struct {
	svc                   *provision.Service
	store                 roster.Store
	org                   *roster.Org
	ada, bo, cy           *roster.User
	sto, osl              *roster.Site
	tier1, tier2, oslo1   *roster.Team
	sales, deflt, voiceMM *roster.PortalProfile
}

func newAgentFixture(t *testing.T, store roster.Store) *agentFixture {
	t.Helper()
	ctx := context.Background()
	svc := provision.New(store, provision.WithImportChunk(2))
	f := &agentFixture{svc: svc, store: store}
	f.org = newOrg(t, svc, "Acme", orgSpec{})
	full := admin(f.org, roster.AdminFull)
	f.ada = mustCreate(t, svc, f.org, provision.NewUser{Email: "ada@acme.example", FirstName: "Ada", LastName: "Lovelace", License: roster.LicensePremium})
	f.bo = mustCreate(t, svc, f.org, provision.NewUser{Email: "bo@acme.example", FirstName: "=Bo", License: roster.LicenseStandard})
	f.cy = mustCreate(t, svc, f.org, provision.NewUser{Email: "cy@acme.example"})
	makeAgents(t, store, f.ada, f.bo)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	var err error
	f.sto, err = svc.CreateSite(ctx, full, f.org.ID, "Stockholm")
	must(err)
	f.osl, err = svc.CreateSite(ctx, full, f.org.ID, "Oslo")
	must(err)
	f.tier1, err = svc.CreateTeam(ctx, full, f.org.ID, provision.TeamInput{Name: ptr("Tier 1"), SiteID: &f.sto.ID})
	must(err)
	f.tier2, err = svc.CreateTeam(ctx, full, f.org.ID, provision.TeamInput{Name: ptr("Tier 2"), SiteID: &f.sto.ID})
	must(err)
	f.oslo1, err = svc.CreateTeam(ctx, full, f.org.ID, provision.TeamInput{Name: ptr("Oslo 1"), SiteID: &f.osl.ID})
	must(err)
	f.sales, err = svc.CreatePortalProfile(ctx, full, f.org.ID, roster.SkillProfile, "Sales")
	must(err)
	f.deflt, err = svc.CreatePortalProfile(ctx, full, f.org.ID, roster.AgentProfile, "Default")
	must(err)
	f.voiceMM, err = svc.CreatePortalProfile(ctx, full, f.org.ID, roster.MultimediaProfile, "Voice only")
	must(err)
	_, err = svc.UpdateAgent(ctx, full, f.org.ID, f.ada.ID, provision.AgentChange{SiteID: &f.sto.ID, TeamIDs: &[]string{f.tier2.ID, f.tier1.ID},
		SkillProfileID: &f.sales.ID, AgentProfileID: &f.deflt.ID, ExternalID: ptr("-E1"), DefaultDialNumber: ptr("+46701234567")}, 0)
	must(err)
	return f
}

func (f *agentFixture) upload(t *testing.T, a roster.Actor, dry bool, csv string) *roster.Task {
	t.Helper()
	task, err := f.svc.StartAgentUpload(context.Background(), a, f.org.ID, provision.AgentUploadRequest{DryRun: dry, FileName: "agents.csv",
		File: strings.NewReader(csv)})
	if err != nil {
		t.Fatalf("start agent upload: %v", err)
	}
	return waitTask(t, f.svc, f.org, task.ID)
}

func TestExportAgents(t *testing.T) {
	t.Parallel()
	_, store := newService(t)
	f := newAgentFixture(t, store)
	var b bytes.Buffer
	if err := f.svc.ExportAgents(context.Background(), admin(f.org, roster.AdminReadOnly), f.org.ID, &b); err != nil {
		t.Fatal(err)
	}
	want := "\ufeffEmail,First Name,Last Name,User Profile,Contact Center Enabled,Site,Teams,Skill Profile,Agent Profile,Multimedia Profile,External ID,Default Dial Number\r\n" +
		"ada@acme.example,Ada,Lovelace,Premium Agent,TRUE,Stockholm,Tier 1|Tier 2,Sales,Default,,'-E1,+46701234567\r\n" +
		"bo@acme.example,'=Bo,,Standard Agent,TRUE,,,,,,,\r\n"
	if b.String() != want {
		t.Errorf("export:\n%q\nwant\n%q", b.String(), want)
	}
	err := f.svc.ExportAgents(context.Background(), admin(newOrg(t, f.svc, "Other", orgSpec{}), roster.AdminFull), f.org.ID, &b)
	wantCode(t, err, roster.CodeNotFound)
}

func TestAgentUpload(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		store := sqldbtest.Open(t, engine)
		f := newAgentFixture(t, store)
		startWorker(t, store, f.svc, 30*time.Second)
		ctx := context.Background()
		cc := admin(f.org, roster.AdminCCService)
		// As a Swedish Excel saves it: semicolons, SANT/FALSKT, names in another case.
		file := "Email;First Name;Contact Center Enabled;Site;Teams;Skill Profile;Agent Profile;Multimedia Profile;External ID;Default Dial Number;Shoe Size\r\n" +
			"ADA@acme.example;Ignored;FALSKT;oslo;Tier 1|Tier 2;;;voice ONLY;;;42\r\n" + // the old teams, unchanged: dropped with the site
			"bo@acme.example;;;Stockholm;tier 1;Gold;;;;;\r\n" + // an unknown skill profile
			"cy@acme.example;;SANT;;;;;;;;\r\n" + // a user without an agent
			"nobody@acme.example;;SANT;;;;;;;;\r\n" +
			"bo@acme.example;;;Oslo;Tier 1;;;;;46701234567;\r\n" + // a duplicate
			"bo@acme.example2;;maybe;;;;;;;;\r\n" +
			"bo@acme.example3;;;;;;;;;;\r\n"
		dry := f.upload(t, cc, true, file)
		if dry.State != roster.TaskCompletedWithErrors || counts(dry.Counts) != "created 0 updated 1 unchanged 0 warnings 2 errors 6" {
			t.Fatalf("dry run: %s %s", dry.State, counts(dry.Counts))
		}
		if ag, _ := f.svc.Agent(ctx, cc, f.org.ID, f.ada.ID); ag.SiteID != f.sto.ID || !ag.ContactCenterEnabled {
			t.Fatalf("the dry run changed the agent: %+v", ag)
		}
		wantReport := "1 warning csv_unknown_columns\n" +
			"2 warning teams_cleared\n" +
			"3 error unknown_name\n" +
			"4 error not_found\n" +
			"5 error not_found\n" +
			"6 error csv_duplicate_email\n" +
			"7 error csv_invalid_boolean\n" +
			"8 error not_found"
		if got := report(t, f.svc, f.org, dry.ID); got != wantReport {
			t.Errorf("dry-run report:\n%s\nwant\n%s", got, wantReport)
		}
		// An unknown name is reported on its row, at its column, with what the console needs
		// to say it in the reader's language.
		problems, err := f.svc.TaskProblems(ctx, cc, f.org.ID, dry.ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		if p := problems[2]; p.Row != 3 || p.Email != "bo@acme.example" || p.Code != "unknown_name" || p.Column != "Skill Profile" ||
			fmt.Sprint(p.Params) != "map[Column:Skill Profile Name:Gold]" || !strings.Contains(p.Message, `no skill profile of this organization is named "Gold"`) {
			t.Errorf("the row of an unknown name: %+v", p)
		}
		in, ok := provision.AgentUploadInput(dry)
		if !ok || !in.DryRun || in.FileName != "agents.csv" {
			t.Errorf("input %+v %v", in, ok)
		}

		real := f.upload(t, cc, false, file)
		if counts(real.Counts) != counts(dry.Counts) || report(t, f.svc, f.org, real.ID) != wantReport {
			t.Errorf("the real run differs from the dry run: %s", counts(real.Counts))
		}
		ag, err := f.svc.Agent(ctx, cc, f.org.ID, f.ada.ID)
		if err != nil || ag.SiteID != f.osl.ID || len(ag.TeamIDs) != 0 || ag.ContactCenterEnabled || ag.MultimediaProfileID != f.voiceMM.ID ||
			ag.SkillProfileID != f.sales.ID || ag.ExternalID != "-E1" {
			t.Fatalf("agent after the upload: %+v %v", ag, err)
		}
		page, err := f.svc.AuditEntries(ctx, cc, roster.AuditFilter{OrgID: f.org.ID, TaskID: real.ID})
		if err != nil || len(page.Entries) != 1 || page.Entries[0].Action != "agent.update" || page.Entries[0].Interface != roster.ViaCSV {
			t.Fatalf("audit: %+v %v", page, err)
		}

		// Teams of another site are refused; a dial number a spreadsheet damaged is not
		// stored, and the rest of the row applies; the same file again changes nothing.
		bad := f.upload(t, cc, false, "Email,Teams,Default Dial Number,External ID\nada@acme.example,Tier 1,,\n"+
			"bo@acme.example,,46701234567,B-1\n")
		if got := report(t, f.svc, f.org, bad.ID); got != "2 error invalid\n3 warning csv_phone_lost_plus" {
			t.Errorf("report: %s", got)
		}
		if ag, err := f.svc.Agent(ctx, cc, f.org.ID, f.bo.ID); err != nil || ag.ExternalID != "B-1" || ag.DefaultDialNumber != "" {
			t.Errorf("bo after a damaged dial number: %+v %v", ag, err)
		}
		again := f.upload(t, cc, false, "Email,Site,Teams\nada@acme.example,Oslo,Oslo 1\n")
		if counts(again.Counts) != "created 0 updated 1 unchanged 0 warnings 0 errors 0" {
			t.Errorf("site and team: %s", counts(again.Counts))
		}
		again = f.upload(t, cc, false, "Email,Site,Teams\nada@acme.example,Oslo,Oslo 1\n")
		if counts(again.Counts) != "created 0 updated 0 unchanged 1 warnings 0 errors 0" {
			t.Errorf("the same file again: %s", counts(again.Counts))
		}

		// Refused up front: no email column, a read-only administrator.
		_, err = f.svc.StartAgentUpload(ctx, cc, f.org.ID, provision.AgentUploadRequest{File: strings.NewReader("Site\nOslo\n")})
		wantCode(t, err, roster.CodeInvalid)
		_, err = f.svc.StartAgentUpload(ctx, admin(f.org, roster.AdminReadOnly), f.org.ID, provision.AgentUploadRequest{File: strings.NewReader("Email\na@b.example\n")})
		wantCode(t, err, roster.CodeForbidden)
	})
}

func TestAgentUploadOneAtATime(t *testing.T) {
	t.Parallel()
	_, store := newService(t)
	f := newAgentFixture(t, store)
	cc := admin(f.org, roster.AdminCCService)
	first, err := f.svc.StartAgentUpload(context.Background(), cc, f.org.ID, provision.AgentUploadRequest{File: strings.NewReader("Email\nada@acme.example\n")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.StartAgentUpload(context.Background(), cc, f.org.ID, provision.AgentUploadRequest{File: strings.NewReader("Email\nada@acme.example\n")})
	wantCode(t, err, roster.CodeImportInProgress)
	if !strings.Contains(roster.ErrorMessage(err), first.ID) {
		t.Errorf("message %q", roster.ErrorMessage(err))
	}
	// A user import may run meanwhile.
	if _, err := f.svc.StartImport(context.Background(), cc, f.org.ID, provision.ImportRequest{Mode: provision.ImportAdd,
		File: strings.NewReader("Email\nada@acme.example\n")}); err != nil {
		t.Errorf("user import during an agent upload: %v", err)
	}
}
