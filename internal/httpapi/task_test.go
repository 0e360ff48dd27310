package httpapi_test

import (
	"strings"
	"testing"

	"roster"
	"roster/internal/httpapi"
)

func TestTasks(t *testing.T) {
	t.Parallel()
	runScenarios(t, []scenario{
		{name: "list newest first", method: "GET", path: "/api/v1/orgs/{A}/tasks", token: "A.ro", status: 200,
			want: map[string]any{"items.0.id": "{task:A.queued}", "items.1.id": "{task:A.running}", "items.2.id": "{task:A.done}",
				"items.0.startedAt": nil, "items.0.finishedAt": nil, "items.0.error": nil, "nextCursor": nil}},
		{name: "list by state", method: "GET", path: "/api/v1/orgs/{A}/tasks?state=completed", token: "A.full", status: 200,
			check: func(t *testing.T, f *fixture, r resp) {
				if items := get(r.body, "items").([]any); len(items) != 1 || get(r.body, "items.0.id") != f.tasks["A.done"].ID {
					t.Errorf("items %v", items)
				}
			}},
		{name: "list by kind", method: "GET", path: "/api/v1/orgs/{A}/tasks?kind=users.revert", token: "A.full", status: 200,
			check: func(t *testing.T, f *fixture, r resp) {
				if items := get(r.body, "items").([]any); len(items) != 0 {
					t.Errorf("items %v", items)
				}
			}},
		{name: "list pages", method: "GET", path: "/api/v1/orgs/{A}/tasks?limit=2", token: "A.cc", status: 200,
			check: func(t *testing.T, f *fixture, r resp) {
				cursor, _ := get(r.body, "nextCursor").(string)
				if cursor == "" {
					t.Fatalf("no nextCursor: %s", r.raw)
				}
				next := f.do(req{method: "GET", path: "/api/v1/orgs/" + f.a.ID + "/tasks?limit=2&cursor=" + cursor, token: f.tokens["A.cc"]})
				if get(next.body, "items.0.id") != f.tasks["A.done"].ID || get(next.body, "nextCursor") != nil {
					t.Errorf("second page %s", next.raw)
				}
			}},
		{name: "list bad state", method: "GET", path: "/api/v1/orgs/{A}/tasks?state=done", token: "A.full", status: 400,
			code: roster.CodeInvalid, field: "state"},
		{name: "list bad limit", method: "GET", path: "/api/v1/orgs/{A}/tasks?limit=0", token: "A.full", status: 400,
			code: roster.CodeInvalid, field: "limit"},
		{name: "list bad cursor", method: "GET", path: "/api/v1/orgs/{A}/tasks?cursor=%25", token: "A.full", status: 400,
			code: roster.CodeInvalidCursor, field: "cursor"},
		{name: "list unknown parameter", method: "GET", path: "/api/v1/orgs/{A}/tasks?status=queued", token: "A.full", status: 400,
			code: roster.CodeInvalid, field: "status"},
		{name: "list no token", method: "GET", path: "/api/v1/orgs/{A}/tasks", status: 401, code: roster.CodeUnauthorized},
		{name: "list other org", method: "GET", path: "/api/v1/orgs/{A}/tasks", token: "B.full", status: 404, code: roster.CodeNotFound},
		{name: "list system", method: "GET", path: "/api/v1/orgs/{A}/tasks", token: "sys", status: 200,
			want: map[string]any{"items.2.id": "{task:A.done}"}},

		{name: "get finished", method: "GET", path: "/api/v1/orgs/{A}/tasks/{task:A.done}", token: "A.ro", status: 200,
			want: map[string]any{"id": "{task:A.done}", "kind": "users.import", "state": "completed",
				"progress.done": 2, "progress.total": 2, "counts.created": 1, "counts.errors": 1, "counts.updated": 0,
				"createdBy": "{tok:A.full}", "createdAt": "2026-11-22T09:00:00Z", "startedAt": "2026-11-22T09:00:01Z",
				"finishedAt": "2026-11-22T09:00:02Z", "error": nil}},
		{name: "get running", method: "GET", path: "/api/v1/orgs/{A}/tasks/{task:A.running}", token: "A.cc", status: 200,
			want: map[string]any{"state": "running", "progress.done": 5, "progress.total": 10, "counts.updated": 4,
				"startedAt": "2026-11-22T09:01:00Z", "finishedAt": nil}},
		{name: "get unknown", method: "GET", path: "/api/v1/orgs/{A}/tasks/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", token: "A.full",
			status: 404, code: roster.CodeNotFound},
		{name: "get under other org", method: "GET", path: "/api/v1/orgs/{B}/tasks/{task:A.done}", token: "B.full",
			status: 404, code: roster.CodeNotFound},

		{name: "report", method: "GET", path: "/api/v1/orgs/{A}/tasks/{task:A.done}/report.csv", token: "A.ro", status: 200,
			check: func(t *testing.T, f *fixture, r resp) {
				if ct := r.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
					t.Errorf("Content-Type %q", ct)
				}
				if cd, want := r.header.Get("Content-Disposition"), `attachment; filename="task-`+f.tasks["A.done"].ID+`-report.csv"`; cd != want {
					t.Errorf("Content-Disposition %q, want %q", cd, want)
				}
				want := "\uFEFFRow,Email,Outcome,Code,Message\r\n2,agent@a.example,created,,\r\n" +
					"3,sup@a.example,error,no_seats_available,'=No seats\r\n"
				if string(r.raw) != want {
					t.Errorf("report %q, want %q", r.raw, want)
				}
			}},
		{name: "report of a queued task", method: "GET", path: "/api/v1/orgs/{A}/tasks/{task:A.queued}/report.csv", token: "A.full",
			status: 200, check: func(t *testing.T, f *fixture, r resp) {
				if string(r.raw) != "\uFEFFRow,Email,Outcome,Code,Message\r\n" {
					t.Errorf("report %q", r.raw)
				}
			}},
		{name: "report unknown", method: "GET", path: "/api/v1/orgs/{A}/tasks/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/report.csv",
			token: "A.full", status: 404, code: roster.CodeNotFound},
		{name: "report query", method: "GET", path: "/api/v1/orgs/{A}/tasks/{task:A.done}/report.csv?x=1", token: "A.full",
			status: 400, code: roster.CodeInvalid},

		{name: "cancel queued", method: "POST", path: "/api/v1/orgs/{A}/tasks/{task:A.queued}/cancel", token: "A.full", status: 202,
			want: map[string]any{"id": "{task:A.queued}", "state": "queued"},
			check: func(t *testing.T, f *fixture, r resp) {
				got, err := f.store.FindTaskByID(t.Context(), f.a.ID, f.tasks["A.queued"].ID)
				if err != nil || !got.CancelRequested {
					t.Errorf("cancel not requested: %+v %v", got, err)
				}
				audit := f.do(req{method: "GET", path: "/api/v1/orgs/" + f.a.ID + "/audit?action=task.cancel", token: f.tokens["A.full"]})
				if get(audit.body, "items.0.targetId") != f.tasks["A.queued"].ID || get(audit.body, "items.0.targetKind") != "task" ||
					get(audit.body, "items.0.interface") != "api" {
					t.Errorf("audit %s", audit.raw)
				}
			}},
		{name: "cancel running by cc_service", method: "POST", path: "/api/v1/orgs/{A}/tasks/{task:A.running}/cancel", token: "A.cc",
			status: 202, want: map[string]any{"state": "running"}},
		{name: "cancel read-only", method: "POST", path: "/api/v1/orgs/{A}/tasks/{task:A.queued}/cancel", token: "A.ro", status: 403,
			code: roster.CodeForbidden},
		{name: "cancel finished", method: "POST", path: "/api/v1/orgs/{A}/tasks/{task:A.done}/cancel", token: "A.full", status: 409,
			code: roster.CodeConflict, check: func(t *testing.T, f *fixture, r resp) {
				if d, _ := get(r.body, "detail").(string); !strings.Contains(d, "already finished (completed)") {
					t.Errorf("detail %q", d)
				}
			}},
		{name: "cancel unknown", method: "POST", path: "/api/v1/orgs/{A}/tasks/0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/cancel",
			token: "A.full", status: 404, code: roster.CodeNotFound},
		{name: "cancel wrong method", method: "GET", path: "/api/v1/orgs/{A}/tasks/{task:A.queued}/cancel", token: "A.full",
			status: 405},
	})
}

func TestClientTasks(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	cl := httpapi.NewClient(f.srv.URL, f.tokens["A.cc"], f.srv.Client())

	page, err := cl.Tasks(ctx, f.a.ID, httpapi.TaskQuery{State: roster.TaskQueued, Kind: "users.import", Limit: 5})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != f.tasks["A.queued"].ID || page.NextCursor != nil {
		t.Fatalf("tasks %+v, %v", page, err)
	}
	page, err = cl.Tasks(ctx, f.a.ID, httpapi.TaskQuery{Limit: 2})
	if err != nil || page.NextCursor == nil {
		t.Fatalf("tasks %+v, %v", page, err)
	}
	page, err = cl.Tasks(ctx, f.a.ID, httpapi.TaskQuery{Limit: 2, Cursor: *page.NextCursor})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != f.tasks["A.done"].ID {
		t.Fatalf("second page %+v, %v", page, err)
	}
	task, err := cl.Task(ctx, f.a.ID, f.tasks["A.done"].ID)
	if err != nil || task.State != roster.TaskCompleted || task.FinishedAt == nil || task.Counts.Created != 1 {
		t.Fatalf("task %+v, %v", task, err)
	}
	var buf strings.Builder
	if err := cl.TaskReport(ctx, f.a.ID, f.tasks["A.done"].ID, &buf); err != nil || !strings.Contains(buf.String(), "agent@a.example") {
		t.Fatalf("report %q, %v", buf.String(), err)
	}
	task, err = cl.CancelTask(ctx, f.a.ID, f.tasks["A.running"].ID)
	if err != nil || task.State != roster.TaskRunning {
		t.Fatalf("cancel %+v, %v", task, err)
	}
	_, err = cl.CancelTask(ctx, f.a.ID, f.tasks["A.done"].ID)
	if roster.ErrorCode(err) != roster.CodeConflict {
		t.Fatalf("cancel finished: %v", err)
	}
	buf.Reset()
	other := httpapi.NewClient(f.srv.URL, f.tokens["B.full"], f.srv.Client())
	if err := other.TaskReport(ctx, f.a.ID, f.tasks["A.done"].ID, &buf); roster.ErrorCode(err) != roster.CodeNotFound || buf.Len() != 0 {
		t.Fatalf("other org's report: %v, %q", err, buf.String())
	}
}
