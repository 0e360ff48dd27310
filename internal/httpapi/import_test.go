package httpapi_test

import (
	"bytes"
	"mime/multipart"
	"strings"
	"testing"

	"roster"
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
