package console_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"roster"
	"roster/internal/csvfile"
	"roster/internal/provision"
	"roster/internal/worker"
)

var quietLog = slog.New(slog.DiscardHandler)

// startWorker runs the import tasks of the environment until the test ends.
func (e *env) startWorker() {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	handlers := map[string]worker.Handler{
		provision.KindImport:            worker.HandlerFunc(e.svc.RunImport),
		provision.KindImportRevert:      worker.HandlerFunc(e.svc.RunRevert),
		provision.KindApplyTemplate:     worker.HandlerFunc(e.svc.RunApplyTemplate),
		provision.KindResendInvitations: worker.HandlerFunc(e.svc.RunResendInvitations),
		provision.KindAgentUpload:       worker.HandlerFunc(e.svc.RunAgentUpload),
	}
	w := worker.New(e.store, handlers, worker.Options{Poll: 5 * time.Millisecond, Logger: quietLog})
	wg.Go(func() { _ = w.Run(ctx) })
	e.t.Cleanup(func() { cancel(); wg.Wait() })
}

// waitTask waits until task id is final and returns it.
func (e *env) waitTask(id string) *roster.Task {
	e.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		t, err := e.svc.Task(context.Background(), provision.System(roster.ViaCLI), e.org.ID, id)
		if err != nil {
			e.t.Fatal(err)
		}
		if t.State.Final() {
			return t
		}
	}
	e.t.Fatalf("task %s did not finish", id)
	return nil
}

// taskCount is how many tasks the organization has.
func (e *env) taskCount() int {
	e.t.Helper()
	page, err := e.svc.Tasks(context.Background(), provision.System(roster.ViaCLI), roster.TaskFilter{OrgID: e.org.ID, Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(page.Tasks)
}

// uploadForm is the body of the upload form as a browser sends it: mode, dry run (when
// ticked) and the file, in the form's order. A nil file is the file input left empty.
func uploadForm(mode string, dryRun bool, name string, file []byte) (string, []byte) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	_ = mw.WriteField("mode", mode)
	if dryRun {
		_ = mw.WriteField("dryRun", "true")
	}
	if file == nil {
		_ = mw.WriteField("file", "")
	} else {
		fw, _ := mw.CreateFormFile("file", name)
		_, _ = fw.Write(file)
	}
	_ = mw.Close()
	return mw.FormDataContentType(), b.Bytes()
}

// upload posts the upload form from a page of the site.
func (b *browser) upload(contentType string, body io.Reader) response {
	b.e.t.Helper()
	return b.uploadTo(b.e.orgPath("/import"), contentType, body)
}

// uploadTo posts an upload form to path from a page of the site.
func (b *browser) uploadTo(path, contentType string, body io.Reader) response {
	b.e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.e.srv.URL+path, body)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Origin", b.e.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

var taskLocation = regexp.MustCompile(`/tasks/([0-9a-f-]{36})$`)

// startedTask returns the task a redirect leads to.
func startedTask(t *testing.T, resp response) string {
	t.Helper()
	m := taskLocation.FindStringSubmatch(resp.header.Get("Location"))
	if resp.status != http.StatusSeeOther || m == nil {
		t.Fatalf("no task started: %d %s\n%s", resp.status, resp.header.Get("Location"), resp.body)
	}
	return m[1]
}

const smallCSV = "User ID/Email (Required),Phone Number,Contact Center Standard Agent\n" +
	"ada@acme.example,+46701234567,TRUE\n" +
	"bo@acme.example,46701234567,TRUE\n" + // a phone number a spreadsheet took the + of
	"cy@acme.example,,maybe\n"

func TestImportPageByRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	readers := map[string]*browser{
		"signed out": e.browser("en"),
		"full":       e.signedIn(roster.AdminFull, "en"),
		"cc_service": e.signedIn(roster.AdminCCService, "en"),
		"read_only":  e.signedIn(roster.AdminReadOnly, "en"),
	}
	form := `enctype="multipart/form-data"`
	tests := []struct {
		reader      string
		status      int
		has, hasNot []string
	}{
		{"signed out", http.StatusSeeOther, nil, nil},
		{"full", http.StatusOK, []string{form, "Add services only — TRUE adds; FALSE and empty change nothing",
			"Add and remove services — FALSE removes", `id="dryRun" name="dryRun" value="true" checked`,
			`id="mode-add" name="mode" value="add" checked`, "Spreadsheet programs drop the", "fresh export", "Delete the columns"},
			[]string{"contact center service administrator you may"}},
		{"cc_service", http.StatusOK, []string{form, "contact center service administrator you may"}, nil},
		{"read_only", http.StatusOK, []string{"may read users but not import them"}, []string{form, `type="file"`}},
	}
	for _, tt := range tests {
		t.Run(tt.reader, func(t *testing.T) {
			resp := readers[tt.reader].get(e.orgPath("/import"))
			if resp.status != tt.status {
				t.Fatalf("status %d, want %d", resp.status, tt.status)
			}
			if tt.status == http.StatusSeeOther {
				if loc := resp.header.Get("Location"); !strings.HasPrefix(loc, "/console/sign-in?next=") {
					t.Errorf("redirect to %q", loc)
				}
				return
			}
			checkHeaders(t, resp)
			for _, s := range tt.has {
				if !strings.Contains(resp.body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, s := range tt.hasNot {
				if strings.Contains(resp.body, s) {
					t.Errorf("page shows %q", s)
				}
			}
		})
	}
	// "Choose another file" keeps the mode of the dry run.
	if resp := readers["full"].get(e.orgPath("/import?mode=add_remove")); !strings.Contains(resp.body, `value="add_remove" checked`) {
		t.Error("the mode in the address is not chosen")
	}
}

func TestImportUploadByRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	e.startWorker()
	ct, body := uploadForm("add", true, "users.csv", []byte(smallCSV))
	full := e.signedIn(roster.AdminFull, "sv")
	tests := []struct {
		reader   *browser
		name     string
		status   int
		location string
	}{
		{e.browser("en"), "signed out", http.StatusSeeOther, "/console/sign-in"},
		{e.signedIn(roster.AdminReadOnly, "en"), "read_only", http.StatusForbidden, ""},
		{e.signedIn(roster.AdminCCService, "en"), "cc_service", http.StatusSeeOther, e.orgPath("/tasks/")},
		{full, "full", http.StatusSeeOther, e.orgPath("/tasks/")},
	}
	for _, tt := range tests {
		before := e.taskCount()
		resp := tt.reader.upload(ct, bytes.NewReader(body))
		if resp.status != tt.status || !strings.HasPrefix(resp.header.Get("Location"), tt.location) {
			t.Errorf("%s: %d %s, want %d %s", tt.name, resp.status, resp.header.Get("Location"), tt.status, tt.location)
		}
		started := e.taskCount() - before
		if want := map[bool]int{true: 1, false: 0}[tt.location == e.orgPath("/tasks/")]; started != want {
			t.Errorf("%s: %d tasks started, want %d", tt.name, started, want)
		}
		if tt.location == e.orgPath("/tasks/") {
			task, err := e.svc.Task(context.Background(), provision.System(roster.ViaCLI), e.org.ID, startedTask(t, resp))
			if err != nil {
				t.Fatal(err)
			}
			if in, _ := provision.TaskInput(task); !in.DryRun || in.Mode != provision.ImportAdd || in.FileName != "users.csv" {
				t.Errorf("%s: task input %+v", tt.name, in)
			}
			// One import at a time: the next reader's waits for this one's end.
			e.waitTask(task.ID)
		}
	}

	// A form posted from another site is refused before anything is read.
	if resp := full.post("/console/language", url.Values{"language": {"sv"}, "next": {"/console/"}}); resp.status != http.StatusSeeOther {
		t.Fatal(resp.status)
	}
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+e.orgPath("/import"), bytes.NewReader(body))
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Origin", "http://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	before := e.taskCount()
	if resp := full.do(req); resp.status != http.StatusForbidden || !strings.Contains(resp.body, "en annan webbplats") {
		t.Errorf("cross-site upload: %d\n%s", resp.status, resp.body)
	}
	if e.taskCount() != before {
		t.Error("a cross-site upload started a task")
	}
}

// A read-only administrator's upload is refused before its body is read: the answer comes
// while the body has not even been sent whole.
func TestImportUploadAuthorizedBeforeRead(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	b := e.signedIn(roster.AdminReadOnly, "en")
	pr, pw := io.Pipe()
	defer pw.Close()
	go func() {
		mw := multipart.NewWriter(pw)
		fw, _ := mw.CreateFormFile("file", "big.csv")
		_, _ = fw.Write([]byte("User ID/Email (Required)\n"))
		// More than net/http reads of a body its handler left (256 KiB), then nothing: the
		// rest of the body never comes while the test waits for the answer.
		_, _ = fw.Write(bytes.Repeat([]byte("x@acme.example\n"), 30_000))
	}()
	done := make(chan response, 1)
	go func() {
		done <- b.upload("multipart/form-data; boundary=x", pr)
	}()
	select {
	case resp := <-done:
		if resp.status != http.StatusForbidden {
			t.Fatalf("status %d, want 403", resp.status)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the server waited for the body of a refused upload")
	}
}

func TestImportBadUploads(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, roster.PlatformNew, provision.WithImportLimits(csvfile.Limits{MaxBytes: 4 << 20, MaxRows: 3000}))
	b := e.signedIn(roster.AdminFull, "en")
	pl := e.signedIn(roster.AdminCCService, "pl")
	if resp := pl.post("/console/language", url.Values{"language": {"pl"}, "next": {"/console/"}}); resp.status != http.StatusSeeOther {
		t.Fatal(resp.status)
	}
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 100)...)
	big := append([]byte("User ID/Email (Required)\n"), bytes.Repeat([]byte("someone@acme.example\n"), (5<<20)/21)...)
	tests := []struct {
		name     string
		reader   *browser
		ct       string
		body     []byte
		status   int
		has      string
		dryRunOn bool // the form keeps the box as it was sent
	}{
		{"no file", b, "", nil, http.StatusUnprocessableEntity, "Choose a CSV file to upload.", true},
		{"png", b, "", png, http.StatusUnprocessableEntity, "This is not a CSV file, so nothing was changed.", true},
		{"xlsx", b, "", []byte("PK\x03\x04workbook"), http.StatusUnprocessableEntity, "spreadsheet workbook, not a CSV file", true},
		{"empty", b, "", []byte{}, http.StatusUnprocessableEntity, "The file is empty", true},
		{"no email column", b, "", []byte("Name\nAda\n"), http.StatusUnprocessableEntity, "The file has no email column", true},
		{"over the limit", b, "", big, http.StatusRequestEntityTooLarge, "larger than 4 MiB", true},
		{"too many rows", b, "", []byte("Email\n" + strings.Repeat("someone@acme.example\n", 3001)), http.StatusRequestEntityTooLarge,
			"more than 3,000 rows", true},
		{"not multipart", b, "application/x-www-form-urlencoded", []byte("mode=add"), http.StatusUnsupportedMediaType, "did not arrive whole", true},
		{"png in Polish", pl, "", png, http.StatusUnprocessableEntity, "To nie jest plik CSV", true},
		{"real run kept", b, "", []byte("Name\nAda\n"), http.StatusUnprocessableEntity, "The file has no email column", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct, body := tt.ct, tt.body
			if ct == "" {
				ct, body = uploadForm("add_remove", tt.dryRunOn, "users.csv", tt.body)
			}
			resp := tt.reader.upload(ct, bytes.NewReader(body))
			if resp.status != tt.status || !strings.Contains(resp.body, tt.has) {
				t.Fatalf("%d, want %d with %q\n%s", resp.status, tt.status, tt.has, resp.body)
			}
			if !strings.Contains(resp.body, `class="error-summary"`) || !strings.Contains(resp.body, `aria-invalid="true"`) {
				t.Error("no error summary, or the file input is not marked invalid")
			}
			// A body past the limit is not read, its mode with it.
			if tt.ct == "" && tt.status != http.StatusRequestEntityTooLarge && !strings.Contains(resp.body, `value="add_remove" checked`) {
				t.Error("the mode chosen is lost")
			}
			if tt.ct == "" && strings.Contains(resp.body, `value="true" checked`) != tt.dryRunOn {
				t.Error("the dry run box is not as sent")
			}
		})
	}
	if n := e.taskCount(); n != 0 {
		t.Errorf("bad uploads started %d tasks", n)
	}
}

// TestImportDryRunThenReal follows the seeds' flow: a dry run, its result, the real import
// from the same file, its task page with revert and synchronize, in every language.
func TestImportDryRunThenReal(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	e.startWorker()
	full := e.signedIn(roster.AdminFull, "en")
	ro := e.signedIn(roster.AdminReadOnly, "en")

	ct, body := uploadForm("add", true, "people.csv", []byte(smallCSV))
	dry := startedTask(t, full.upload(ct, bytes.NewReader(body)))
	e.waitTask(dry)
	resp := full.get(e.orgPath("/tasks/" + dry))
	for _, s := range []string{"Dry run of a CSV import", "nothing was changed", "What the import would do", "people.csv",
		"Add services only", "Seats per license", "Rows without a free seat", "Import for real", "Choose another file",
		e.orgPath("/import?mode=add"), e.orgPath("/tasks/" + dry + "/run"), "Phone Number", "The spreadsheet removed the &#43; of the phone number",
		"“maybe” is not a yes/no value", "Contact Center Standard Agent"} {
		if !strings.Contains(resp.body, s) {
			t.Errorf("dry run page lacks %q", s)
		}
	}
	if resp := ro.get(e.orgPath("/tasks/" + dry)); strings.Contains(resp.body, "/run\"") || strings.Contains(resp.body, "Choose another file") {
		t.Error("a read-only administrator is offered the real import")
	}
	if resp := ro.post(e.orgPath("/tasks/"+dry+"/run"), nil); resp.status != http.StatusForbidden {
		t.Errorf("read-only real import: %d", resp.status)
	}
	if u, _ := e.store.FindUserByEmail(context.Background(), "ada@acme.example"); u != nil {
		t.Fatal("the dry run created a user")
	}

	resp = full.post(e.orgPath("/tasks/"+dry+"/run"), nil)
	real := startedTask(t, resp)
	// A second click finds the import running, or its file gone: the form says so, and
	// nothing starts.
	again := full.post(e.orgPath("/tasks/"+dry+"/run"), nil)
	explained := strings.Contains(again.body, "no longer kept") || strings.Contains(again.body, "An import is running")
	if again.status != http.StatusConflict || !explained {
		t.Errorf("second real import: %d\n%s", again.status, again.body)
	}
	task := e.waitTask(real)
	if task.Counts.Created != 2 || task.Counts.Errors != 1 {
		t.Errorf("real import counts %+v", task.Counts)
	}
	if u, _ := e.store.FindUserByEmail(context.Background(), "ada@acme.example"); u == nil || u.License != roster.LicenseStandard {
		t.Errorf("ada: %+v", u)
	}
	resp = full.get(e.orgPath("/tasks/" + real))
	for _, s := range []string{"Revert this import", "Now synchronize users", "Download the report", "people.csv"} {
		if !strings.Contains(resp.body, s) {
			t.Errorf("real import page lacks %q", s)
		}
	}
	for _, s := range []string{"Import for real", "Dry run of a CSV import"} {
		if strings.Contains(resp.body, s) {
			t.Errorf("real import page shows %q", s)
		}
	}
	if again := full.post(e.orgPath("/tasks/"+dry+"/run"), nil); again.status != http.StatusConflict || !strings.Contains(again.body, "no longer kept") {
		t.Errorf("real import of an imported dry run: %d", again.status)
	}

	// Revert this import: a confirmation page that counts what it deletes and restores.
	resp = full.get(e.orgPath("/tasks/" + real + "/revert"))
	for _, s := range []string{"Revert this import?", "Users the import created, to be deleted", `action="` + e.orgPath("/tasks/"+real+"/revert") + `"`,
		"autofocus>Cancel and keep the import"} {
		if !strings.Contains(resp.body, s) {
			t.Errorf("revert confirmation lacks %q", s)
		}
	}
	for _, p := range []string{"/tasks/" + dry + "/revert", "/tasks/" + real + "/revert"} {
		if resp := ro.get(e.orgPath(p)); resp.status != http.StatusSeeOther {
			t.Errorf("read-only %s: %d, want a redirect to the task", p, resp.status)
		}
	}
	if resp := full.get(e.orgPath("/tasks/" + dry + "/revert")); resp.status != http.StatusSeeOther {
		t.Errorf("revert confirmation of a dry run: %d", resp.status)
	}
	pages := []string{e.orgPath("/import"), e.orgPath("/tasks/" + dry), e.orgPath("/tasks/" + real), e.orgPath("/tasks/" + real + "/revert")}
	for _, lang := range roster.Languages {
		if resp := full.post("/console/language", url.Values{"language": {string(lang)}, "next": {"/console/"}}); resp.status != http.StatusSeeOther {
			t.Fatalf("language %s: %d", lang, resp.status)
		}
		for _, p := range pages {
			resp := full.get(p)
			if resp.status != http.StatusOK {
				t.Fatalf("%s %s: %d", lang, p, resp.status)
			}
			checkLocalized(t, lang, p, resp.body)
			if lang != roster.English && strings.Contains(resp.body, "is not a yes/no value") {
				t.Errorf("%s %s: a row's problem in English", lang, p)
			}
		}
	}
	if resp := full.post("/console/language", url.Values{"language": {"en"}, "next": {"/console/"}}); resp.status != http.StatusSeeOther {
		t.Fatal(resp.status)
	}
	revert := startedTask(t, full.post(e.orgPath("/tasks/"+real+"/revert"), nil))
	if task := e.waitTask(revert); task.State != roster.TaskCompleted {
		t.Errorf("revert %s: %s", task.State, task.Error)
	}
	if u, _ := e.store.FindUserByEmail(context.Background(), "ada@acme.example"); u != nil {
		t.Error("the revert left the user the import created")
	}
}

// An import started while another runs is refused with the running one's link.
func TestImportWhileOneRuns(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew) // no worker: the first import stays queued
	b := e.signedIn(roster.AdminFull, "nl")
	if resp := b.post("/console/language", url.Values{"language": {"nl"}, "next": {"/console/"}}); resp.status != http.StatusSeeOther {
		t.Fatal(resp.status)
	}
	ct, body := uploadForm("add", true, "a.csv", []byte(smallCSV))
	first := startedTask(t, b.upload(ct, bytes.NewReader(body)))
	resp := b.upload(ct, bytes.NewReader(body))
	if resp.status != http.StatusConflict || !strings.Contains(resp.body, "/tasks/"+first) || !strings.Contains(resp.body, "Er loopt een import") {
		t.Errorf("second upload: %d\n%s", resp.status, resp.body)
	}
	if n := e.taskCount(); n != 1 {
		t.Errorf("%d tasks", n)
	}
	if resp := b.get(e.orgPath("/import")); strings.Contains(resp.body, `type="file"`) {
		t.Error("the form shows while an import runs")
	}
}

// TestImportForRealByRole posts "Import for real" as each kind of reader, and from another site.
func TestImportForRealByRole(t *testing.T) {
	t.Parallel()
	e := newEnv(t, roster.PlatformNew)
	e.startWorker()
	ctx := context.Background()
	dryRun := func() string {
		t.Helper()
		task, err := e.svc.StartImport(ctx, provision.System(roster.ViaCLI), e.org.ID, provision.ImportRequest{Mode: provision.ImportAdd,
			DryRun: true, File: strings.NewReader("User ID/Email (Required),Contact Center Standard Agent\nkept@acme.example,TRUE\n")})
		if err != nil {
			t.Fatal(err)
		}
		e.waitTask(task.ID)
		return task.ID
	}
	if _, err := e.svc.CreateUser(ctx, provision.System(roster.ViaCLI), e.org.ID, provision.NewUser{Email: "kept@acme.example"}); err != nil {
		t.Fatal(err)
	}
	full := e.signedIn(roster.AdminFull, "en")
	dry := dryRun()
	run := e.orgPath("/tasks/" + dry + "/run")

	if resp := e.browser("en").post(run, nil); resp.status != http.StatusSeeOther || !strings.HasPrefix(resp.header.Get("Location"), "/console/sign-in") {
		t.Errorf("signed out: %d %s", resp.status, resp.header.Get("Location"))
	}
	if resp := e.signedIn(roster.AdminReadOnly, "en").post(run, nil); resp.status != http.StatusForbidden {
		t.Errorf("read_only: %d", resp.status)
	}
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+run, strings.NewReader(""))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "http://evil.example")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp := full.do(req); resp.status != http.StatusForbidden {
		t.Errorf("cross-site: %d", resp.status)
	}
	if n := e.taskCount(); n != 1 {
		t.Fatalf("refused posts started tasks: %d tasks", n)
	}
	// A contact center service administrator may import for real what changes licenses only.
	real := startedTask(t, e.signedIn(roster.AdminCCService, "en").post(run, nil))
	if task := e.waitTask(real); task.Counts.Updated != 1 {
		t.Errorf("cc_service real import: %+v", task.Counts)
	}
	real = startedTask(t, full.post(e.orgPath("/tasks/"+dryRun()+"/run"), nil))
	if task := e.waitTask(real); task.Counts.Unchanged != 1 {
		t.Errorf("full real import: %+v", task.Counts)
	}
}
