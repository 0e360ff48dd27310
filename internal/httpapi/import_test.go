package httpapi_test

import (
	"bytes"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"roster"
	"roster/internal/server"
)

// form encodes fields as multipart/form-data, "file" as a file named users.csv (or, with the
// key "file=", as a plain value), and returns the body and its content type.
func form(fields map[string]string) (string, map[string]string) {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, v := range fields {
		switch k {
		case "file":
			fw, _ := mw.CreateFormFile("file", "users.csv")
			_, _ = fw.Write([]byte(v))
		case "file=":
			_ = mw.WriteField("file", v)
		default:
			_ = mw.WriteField(k, v)
		}
	}
	_ = mw.Close()
	return b.String(), map[string]string{"Content-Type": mw.FormDataContentType()}
}

func TestImports(t *testing.T) {
	t.Parallel()
	csv := "User ID/Email (Required),Contact Center Premium Agent\r\nnew@b.example,TRUE\r\n"
	upload := func(fields map[string]string) (string, map[string]string) { return form(fields) }
	ok, okHeader := upload(map[string]string{"file": csv, "mode": "add_remove", "dryRun": "true"})
	plain, plainHeader := upload(map[string]string{"file=": csv})
	noFile, noFileHeader := upload(map[string]string{"mode": "add"})
	badDry, badDryHeader := upload(map[string]string{"file": csv, "dryRun": "maybe"})
	badMode, badModeHeader := upload(map[string]string{"file": csv, "mode": "replace"})
	extra, extraHeader := upload(map[string]string{"file": csv, "notes": "x"})
	empty, emptyHeader := upload(map[string]string{"file": ""})
	workbook, workbookHeader := upload(map[string]string{"file": "PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00binary"})
	noEmail, noEmailHeader := upload(map[string]string{"file": "Name,Phone\r\nAda,+46701234567\r\n"})
	runScenarios(t, []scenario{
		{name: "queued", method: "POST", path: "/api/v1/orgs/{B}/imports", token: "B.full", body: ok, header: okHeader, status: 202,
			want: map[string]any{"kind": "users.import", "state": "queued", "progress.total": float64(1), "input.mode": "add_remove",
				"input.dryRun": true, "input.fileName": "users.csv", "summary": nil},
			check: func(t *testing.T, f *fixture, r resp) {
				if loc := r.header.Get("Location"); loc != "/api/v1/orgs/"+f.b.ID+"/tasks/"+get(r.body, "id").(string) {
					t.Errorf("Location %q", loc)
				}
			}},
		{name: "content without a file name", method: "POST", path: "/api/v1/orgs/{B}/imports", token: "B.full", body: plain,
			header: plainHeader, status: 202, want: map[string]any{"input.mode": "add", "input.dryRun": false}},
		{name: "one at a time", method: "POST", path: "/api/v1/orgs/{A}/imports", token: "A.full", body: ok, header: okHeader,
			status: 409, code: roster.CodeImportInProgress},
		// cc_service passes the permission check and meets A's queued import.
		{name: "cc_service may import", method: "POST", path: "/api/v1/orgs/{A}/imports", token: "A.cc", body: ok, header: okHeader,
			status: 409, code: roster.CodeImportInProgress},
		{name: "read_only may not", method: "POST", path: "/api/v1/orgs/{A}/imports", token: "A.ro", body: ok, header: okHeader,
			status: 403, code: roster.CodeForbidden},
		{name: "not multipart", method: "POST", path: "/api/v1/orgs/{B}/imports", token: "B.full", body: csv,
			header: map[string]string{"Content-Type": "text/csv"}, status: 415},
		{name: "no file", method: "POST", path: "/api/v1/orgs/{B}/imports", token: "B.full", body: noFile, header: noFileHeader,
			status: 400, code: roster.CodeInvalid, field: "file"},
		{name: "bad dryRun", method: "POST", path: "/api/v1/orgs/{B}/imports", token: "B.full", body: badDry, header: badDryHeader,
			status: 400, code: roster.CodeInvalid, field: "dryRun"},
		{name: "bad mode", method: "POST", path: "/api/v1/orgs/{B}/imports", token: "B.full", body: badMode, header: badModeHeader,
			status: 400, code: roster.CodeInvalid, field: "mode"},
		{name: "unknown field", method: "POST", path: "/api/v1/orgs/{B}/imports", token: "B.full", body: extra, header: extraHeader,
			status: 400, code: roster.CodeInvalid, field: "notes"},
		{name: "empty file", method: "POST", path: "/api/v1/orgs/{B}/imports", token: "B.full", body: empty, header: emptyHeader,
			status: 400, code: roster.CodeInvalid},
		{name: "a workbook", method: "POST", path: "/api/v1/orgs/{B}/imports", token: "B.full", body: workbook, header: workbookHeader,
			status: 400, code: roster.CodeInvalid,
			check: func(t *testing.T, f *fixture, r resp) {
				if d, _ := get(r.body, "detail").(string); !strings.Contains(d, "CSV") {
					t.Errorf("detail %q", d)
				}
			}},
		{name: "no email column", method: "POST", path: "/api/v1/orgs/{B}/imports", token: "B.full", body: noEmail, header: noEmailHeader,
			status: 400, code: roster.CodeInvalid},
		{name: "revert a queued import", method: "POST", path: "/api/v1/orgs/{A}/tasks/{task:A.queued}/revert", token: "A.full",
			status: 409, code: roster.CodeImportInProgress},
		{name: "revert by read_only", method: "POST", path: "/api/v1/orgs/{A}/tasks/{task:A.done}/revert", token: "A.ro",
			status: 403, code: roster.CodeForbidden},
	})
}

// countingBody is a request body of n bytes, a multipart file part of a CSV file, that counts
// how many bytes were read of it.
type countingBody struct {
	head    string
	n, read int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	if b.read >= b.n {
		return 0, io.EOF
	}
	k := min(int64(len(p)), b.n-b.read)
	for i := range p[:k] {
		if j := b.read + int64(i); j < int64(len(b.head)) {
			p[i] = b.head[j]
		} else {
			p[i] = 'a'
		}
	}
	b.read += k
	return int(k), nil
}

func (b *countingBody) Close() error { return nil }

// TestUploadAuthorizedFirst posts large uploads that their tokens may not make: the server
// answers without reading the body (the 256 MiB limit would otherwise be read and spooled
// first).
func TestUploadAuthorizedFirst(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	h := server.New(server.Config{Service: f.svc, Store: f.store, Logger: slog.New(slog.DiscardHandler)})
	const size = 64 << 20
	tests := []struct {
		name, path, token string
		status            int
		code              roster.Code
	}{
		{"import, read_only", "/api/v1/orgs/{A}/imports", "A.ro", 403, roster.CodeForbidden},
		{"import, another organization", "/api/v1/orgs/{A}/imports", "B.full", 404, roster.CodeNotFound},
		{"import, an unknown organization", "/api/v1/orgs/0193a4f5-0000-7000-8000-000000000000/imports", "sys", 404, roster.CodeNotFound},
		{"import, no valid token", "/api/v1/orgs/{A}/imports", "bogus", 401, roster.CodeUnauthorized},
		{"agent upload, read_only", "/api/v1/orgs/{A}/contact-center/agents/upload", "A.ro", 403, roster.CodeForbidden},
		{"agent upload, another organization", "/api/v1/orgs/{A}/contact-center/agents/upload", "B.full", 404, roster.CodeNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := &countingBody{n: size,
				head: "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"users.csv\"\r\nContent-Type: text/csv\r\n\r\nemail\r\n"}
			req := httptest.NewRequest("POST", f.expand(tt.path), body)
			req.ContentLength = size
			req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
			req.Header.Set("Authorization", "Bearer "+f.tokens[tt.token])
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status || !strings.Contains(rec.Body.String(), `"code":"`+string(tt.code)+`"`) {
				t.Errorf("%d %s, want %d %s", rec.Code, rec.Body, tt.status, tt.code)
			}
			if body.read > 0 {
				t.Errorf("the server read %d bytes of an upload it refused", body.read)
			}
		})
	}
}

// TestImportDryRunForReal runs a dry run, then the real import of its file, through a worker.
func TestImportDryRunForReal(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.runWorker()
	org := "/api/v1/orgs/" + f.b.ID
	wait := func(task resp) map[string]any {
		t.Helper()
		if task.status != 202 {
			t.Fatalf("start: %d %s", task.status, task.raw)
		}
		for range 500 {
			r := f.do(req{method: "GET", path: task.header.Get("Location"), token: f.tokens["B.full"]})
			if s, _ := get(r.body, "state").(string); roster.TaskState(s).Final() {
				return r.body
			}
			time.Sleep(10 * time.Millisecond)
		}
		t.Fatalf("the task does not finish")
		return nil
	}
	body, header := form(map[string]string{"file": "User ID/Email (Required),First Name\r\nnew@b.example,Nova\r\n",
		"mode": "add_remove", "dryRun": "true"})
	dry := wait(f.do(req{method: "POST", path: org + "/imports", token: f.tokens["B.full"], body: body, header: header}))
	dryID := get(dry, "id").(string)

	if r := f.do(req{method: "POST", path: "/api/v1/orgs/" + f.a.ID + "/tasks/" + dryID + "/run", token: f.tokens["A.ro"]}); r.status != 403 {
		t.Errorf("read_only: %d %s", r.status, r.raw)
	}
	real := wait(f.do(req{method: "POST", path: org + "/tasks/" + dryID + "/run", token: f.tokens["B.full"]}))
	if real["state"] != "completed" || get(real, "input.dryRun") != false || get(real, "input.mode") != "add_remove" ||
		get(real, "counts.created") != float64(1) {
		t.Errorf("real import: %v", real)
	}
	if r := f.do(req{method: "POST", path: org + "/tasks/" + dryID + "/run", token: f.tokens["B.full"]}); r.status != 409 ||
		get(r.body, "code") != string(roster.CodeConflict) {
		t.Errorf("second run: %d %s", r.status, r.raw)
	}
	if r := f.do(req{method: "POST", path: org + "/tasks/" + get(real, "id").(string) + "/run", token: f.tokens["B.full"]}); r.status != 400 {
		t.Errorf("run of a real import: %d %s", r.status, r.raw)
	}
	if r := f.do(req{method: "POST", path: "/api/v1/orgs/" + f.a.ID + "/tasks/" + dryID + "/run", token: f.tokens["A.full"]}); r.status != 404 {
		t.Errorf("another organization's dry run: %d %s", r.status, r.raw)
	}
}
