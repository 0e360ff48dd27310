package console_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"roster"
	"roster/internal/provision"
)

// TestAgentTemplateByRole downloads the agent update template and opens its upload page as
// each kind of reader, and uploads it as the roles that may and may not.
func TestAgentTemplateByRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	e.startWorker()
	ctx := context.Background()
	sto, _ := e.svc.CreateSite(ctx, sys, e.org.ID, "Stockholm")
	ada := e.newAgent("ada@acme.example")
	if _, err := e.svc.UpdateAgent(ctx, sys, e.org.ID, ada.ID, provision.AgentChange{SiteID: &sto.ID}, 0); err != nil {
		t.Fatal(err)
	}
	readers := map[string]*browser{
		"signed out": e.browser("en"),
		"full":       e.signedIn(roster.AdminFull, "en"),
		"cc_service": e.signedIn(roster.AdminCCService, "en"),
		"read_only":  e.signedIn(roster.AdminReadOnly, "en"),
	}
	csvPath, uploadPath := e.orgPath("/contact-center/agents.csv"), e.orgPath("/contact-center/agents-upload")
	form := `action="` + uploadPath + `" enctype="multipart/form-data"`
	for _, tt := range []struct {
		reader, path string
		status       int
		has, hasNot  []string
	}{
		{"signed out", csvPath, http.StatusSeeOther, nil, nil},
		{"signed out", uploadPath, http.StatusSeeOther, nil, nil},
		{"full", csvPath, http.StatusOK, []string{"Email,", "ada@acme.example,", ",Stockholm,"}, nil},
		{"read_only", csvPath, http.StatusOK, []string{"ada@acme.example,"}, nil},
		{"cc_service", csvPath, http.StatusOK, []string{"ada@acme.example,"}, nil},
		{"full", uploadPath, http.StatusOK, []string{form, `href="` + csvPath + `" download`, "never created", `id="dryRun" name="dryRun" value="true" aria-describedby`}, nil},
		{"cc_service", uploadPath, http.StatusOK, []string{form}, nil},
		{"read_only", uploadPath, http.StatusOK, []string{"may download the agent update template, but not upload it", `href="` + csvPath + `"`},
			[]string{form, `type="file"`}},
		{"full", e.orgPath("/contact-center/agents"), http.StatusOK, []string{`href="` + csvPath + `"`, `href="` + uploadPath + `"`}, nil},
		{"read_only", e.orgPath("/contact-center/agents"), http.StatusOK, []string{`href="` + csvPath + `"`}, []string{`href="` + uploadPath + `"`}},
	} {
		resp := readers[tt.reader].get(tt.path)
		if resp.status != tt.status {
			t.Errorf("%s %s: status %d, want %d", tt.reader, tt.path, resp.status, tt.status)
			continue
		}
		if tt.status == http.StatusSeeOther {
			if loc := resp.header.Get("Location"); !strings.HasPrefix(loc, "/console/sign-in?next=") {
				t.Errorf("%s %s: redirect to %q", tt.reader, tt.path, loc)
			}
			continue
		}
		if tt.path == csvPath {
			if ct, cd := resp.header.Get("Content-Type"), resp.header.Get("Content-Disposition"); ct != "text/csv; charset=utf-8" || cd != `attachment; filename="agents.csv"` {
				t.Errorf("%s: %s, %s", tt.path, ct, cd)
			}
		} else {
			checkHeaders(t, resp)
		}
		for _, s := range tt.has {
			if !strings.Contains(resp.body, s) {
				t.Errorf("%s %s lacks %q", tt.reader, tt.path, s)
			}
		}
		for _, s := range tt.hasNot {
			if strings.Contains(resp.body, s) {
				t.Errorf("%s %s shows %q", tt.reader, tt.path, s)
			}
		}
	}
	other, err := e.svc.CreateOrg(ctx, sys, provision.OrgChange{Name: ptr("Other")})
	if err != nil {
		t.Fatal(err)
	}
	if resp := readers["full"].get("/console/orgs/" + other.ID + "/contact-center/agents.csv"); resp.status != http.StatusNotFound {
		t.Errorf("another organization's template: %d", resp.status)
	}

	// The template comes back as it went: every row unchanged.
	template := readers["full"].get(csvPath).body
	ct, body := agentUploadForm(false, "agents.csv", []byte(template))
	for _, tt := range []struct {
		reader string
		status int
	}{{"signed out", http.StatusSeeOther}, {"read_only", http.StatusForbidden}} {
		before := e.taskCount()
		if resp := readers[tt.reader].uploadTo(uploadPath, ct, bytes.NewReader(body)); resp.status != tt.status {
			t.Errorf("%s uploads: %d, want %d", tt.reader, resp.status, tt.status)
		}
		if e.taskCount() != before {
			t.Errorf("%s started a task", tt.reader)
		}
	}
	for _, reader := range []string{"full", "cc_service"} {
		resp := readers[reader].uploadTo(uploadPath, ct, bytes.NewReader(body))
		task := e.waitTask(startedTask(t, resp))
		if task.Kind != provision.KindAgentUpload || task.State != roster.TaskCompleted || task.Counts.Unchanged != 1 || task.Counts.Errors != 0 {
			t.Errorf("%s: the template uploaded as it came: %s %+v", reader, task.State, task.Counts)
		}
		if in, _ := provision.AgentUploadInput(task); in.DryRun || in.FileName != "agents.csv" {
			t.Errorf("%s: task input %+v", reader, in)
		}
	}
}

// agentUploadForm is the body of the agent upload form as a browser sends it.
func agentUploadForm(dryRun bool, name string, file []byte) (string, []byte) {
	ct, body := uploadForm("", dryRun, name, file)
	// The agent form has no mode: the empty field is left for the server to ignore.
	return ct, body
}

// TestAgentUploadReportsUnknownNames uploads a file naming a site the organization does not
// have: the task's page reports it on its row, at its column, in the reader's language, and the
// agent is left as it was.
func TestAgentUploadReportsUnknownNames(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	e.startWorker()
	ctx := context.Background()
	if _, err := e.svc.CreateSite(ctx, sys, e.org.ID, "Stockholm"); err != nil {
		t.Fatal(err)
	}
	ada, bo := e.newAgent("ada@acme.example"), e.newAgent("bo@acme.example")
	b := e.signedIn(roster.AdminFull, "pl")
	if resp := b.post("/console/language", url.Values{"language": {"pl"}, "next": {"/console/"}}); resp.status != http.StatusSeeOther {
		t.Fatal(resp.status)
	}
	file := "Email,Site,Contact Center Enabled\r\nada@acme.example,Paryż,\r\nbo@acme.example,stockholm,FALSE\r\n"
	for _, dryRun := range []bool{true, false} {
		ct, body := agentUploadForm(dryRun, "agents.csv", []byte(file))
		resp := b.uploadTo(e.orgPath("/contact-center/agents-upload"), ct, bytes.NewReader(body))
		id := startedTask(t, resp)
		task := e.waitTask(id)
		if task.State != roster.TaskCompletedWithErrors || task.Counts.Errors != 1 || task.Counts.Updated != 1 {
			t.Fatalf("dry run %v: %s %+v", dryRun, task.State, task.Counts)
		}
		page := b.get(e.orgPath("/tasks/" + id))
		mustAnswer(t, "the task's page", page, http.StatusOK,
			"<td>2</td>", "ada@acme.example", "<td>Site</td>", "Kolumna Site podaje nazwę Paryż, której ta organizacja nie ma")
		checkLocalized(t, roster.Polish, "agent upload task", page.body)
	}
	if ag, _ := e.svc.Agent(ctx, sys, e.org.ID, ada.ID); ag.SiteID != "" || ag.Version != 1 {
		t.Errorf("the row with an unknown site changed the agent: %+v", ag)
	}
	if ag, _ := e.svc.Agent(ctx, sys, e.org.ID, bo.ID); ag.SiteID == "" || ag.ContactCenterEnabled {
		t.Errorf("the good row was not applied: %+v", ag)
	}
}

// TestAgentBadUploads answers a form without a file, a file that is not an agent file and a
// second upload while one runs with the form again, the message at its place, nothing started.
func TestAgentBadUploads(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	b := e.signedIn(roster.AdminFull, "en")
	path := e.orgPath("/contact-center/agents-upload")
	for _, tt := range []struct {
		name   string
		dryRun bool
		file   []byte
		status int
		has    []string
	}{
		{"no file", true, nil, http.StatusUnprocessableEntity, []string{"Choose a CSV file to upload.", `aria-invalid="true"`, `value="true" checked`}},
		{"not an agent file", false, []byte("Name,Shoe Size\nAda,42\n"), http.StatusUnprocessableEntity, []string{`id="file-error"`, `aria-invalid="true"`}},
	} {
		ct, body := agentUploadForm(tt.dryRun, "agents.csv", tt.file)
		before := e.taskCount()
		mustAnswer(t, tt.name, b.uploadTo(path, ct, bytes.NewReader(body)), tt.status, tt.has...)
		if e.taskCount() != before {
			t.Errorf("%s started a task", tt.name)
		}
	}
	mustAnswer(t, "not multipart", b.uploadTo(path, "text/plain", strings.NewReader("x")), http.StatusUnsupportedMediaType, "did not arrive whole")

	// No worker runs here: the first upload stays queued, and the form gives way to it.
	ct, body := agentUploadForm(false, "agents.csv", []byte("Email\r\nada@acme.example\r\n"))
	id := startedTask(t, b.uploadTo(path, ct, bytes.NewReader(body)))
	mustAnswer(t, "a second upload", b.uploadTo(path, ct, bytes.NewReader(body)), http.StatusConflict,
		"One agent upload at a time runs in an organization.", "An agent upload is running", e.orgPath("/tasks/"+id))
	mustAnswer(t, "the form while one runs", b.get(path), http.StatusOK, "An agent upload is running", e.orgPath("/tasks/"+id))
}
