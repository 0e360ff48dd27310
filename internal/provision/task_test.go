package provision_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"roster"
)

// newTask stores a task of the organization directly, as the import will.
func newTask(t *testing.T, store roster.Store, o *roster.Org, kind string, state roster.TaskState) *roster.Task {
	t.Helper()
	task := &roster.Task{ID: roster.NewID(), OrgID: o.ID, Kind: kind, State: state, Params: json.RawMessage(`{}`),
		CreatedBy: "tok-full", CreatedAt: time.Now()}
	if state.Final() {
		task.FinishedAt = time.Now()
	}
	if err := store.Write(context.Background(), func(tx roster.Tx) error { return tx.CreateTask(context.Background(), task) }); err != nil {
		t.Fatalf("create task: %v", err)
	}
	return task
}

func TestTasks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, store := newService(t)
	o := newOrg(t, svc, "Acme", orgSpec{})
	other := newOrg(t, svc, "Other", orgSpec{})
	done := newTask(t, store, o, "users.import", roster.TaskCompleted)
	queued := newTask(t, store, o, "users.import", roster.TaskQueued)
	revert := newTask(t, store, o, "users.revert", roster.TaskQueued)
	theirs := newTask(t, store, other, "users.import", roster.TaskQueued)

	ids := func(p *roster.TaskPage) string {
		var s []string
		for _, t := range p.Tasks {
			s = append(s, t.ID)
		}
		return strings.Join(s, " ")
	}
	tests := []struct {
		name string
		a    roster.Actor
		f    roster.TaskFilter
		want string
		code roster.Code
	}{
		{"all, newest first", admin(o, roster.AdminReadOnly), roster.TaskFilter{OrgID: o.ID}, revert.ID + " " + queued.ID + " " + done.ID, ""},
		{"kind", admin(o, roster.AdminFull), roster.TaskFilter{OrgID: o.ID, Kind: "users.import"}, queued.ID + " " + done.ID, ""},
		{"state", admin(o, roster.AdminCCService), roster.TaskFilter{OrgID: o.ID, State: roster.TaskCompleted}, done.ID, ""},
		{"page", admin(o, roster.AdminFull), roster.TaskFilter{OrgID: o.ID, Limit: 1, Before: revert.ID}, queued.ID, ""},
		{"system", system, roster.TaskFilter{OrgID: other.ID}, theirs.ID, ""},
		{"bad state", admin(o, roster.AdminFull), roster.TaskFilter{OrgID: o.ID, State: "done"}, "", roster.CodeInvalid},
		{"bad limit", admin(o, roster.AdminFull), roster.TaskFilter{OrgID: o.ID, Limit: 1001}, "", roster.CodeInvalid},
		{"other org", admin(other, roster.AdminFull), roster.TaskFilter{OrgID: o.ID}, "", roster.CodeNotFound},
		{"no role", admin(o, roster.AdminNone), roster.TaskFilter{OrgID: o.ID}, "", roster.CodeForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			page, err := svc.Tasks(ctx, tt.a, tt.f)
			wantCode(t, err, tt.code)
			if err == nil && ids(page) != tt.want {
				t.Errorf("tasks %s, want %s", ids(page), tt.want)
			}
		})
	}

	got, err := svc.Task(ctx, admin(o, roster.AdminReadOnly), o.ID, done.ID)
	if err != nil || got.ID != done.ID || got.State != roster.TaskCompleted {
		t.Fatalf("task %+v, %v", got, err)
	}
	_, err = svc.Task(ctx, admin(o, roster.AdminFull), o.ID, theirs.ID)
	wantCode(t, err, roster.CodeNotFound)
	_, err = svc.Task(ctx, admin(other, roster.AdminFull), o.ID, done.ID)
	wantCode(t, err, roster.CodeNotFound)
}

func TestWriteTaskReport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, store := newService(t)
	o := newOrg(t, svc, "Acme", orgSpec{})
	other := newOrg(t, svc, "Other", orgSpec{})
	task := newTask(t, store, o, "users.import", roster.TaskCompletedWithErrors)
	empty := newTask(t, store, o, "users.import", roster.TaskQueued)

	// More rows than a page, stored out of order, so that paging and the order both show.
	const n = 2*1000 + 5
	rows := make([]*roster.TaskRow, 0, n)
	for i := n; i >= 1; i-- {
		r := &roster.TaskRow{TaskID: task.ID, Row: i + 1, Email: fmt.Sprintf("u%d@example.com", i), Outcome: "created"}
		if i == 7 {
			r.Outcome, r.Code, r.Message = "error", roster.CodeInvalid, "=HYPERLINK(\"x\"), not an email"
		}
		rows = append(rows, r)
	}
	if err := store.Write(ctx, func(tx roster.Tx) error { return tx.CreateTaskRows(ctx, rows) }); err != nil {
		t.Fatal(err)
	}

	var buf bytes.Buffer
	if err := svc.WriteTaskReport(ctx, admin(o, roster.AdminReadOnly), o.ID, task.ID, &buf); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\r\n"), "\r\n")
	if len(lines) != n+1 {
		t.Fatalf("%d lines, want %d", len(lines), n+1)
	}
	if lines[0] != "\uFEFFRow,Email,Outcome,Code,Message" {
		t.Errorf("header %q", lines[0])
	}
	if lines[1] != "2,u1@example.com,created,," || lines[n] != fmt.Sprintf("%d,u%d@example.com,created,,", n+1, n) {
		t.Errorf("first %q, last %q", lines[1], lines[n])
	}
	if want := `8,u7@example.com,error,invalid,"'=HYPERLINK(""x""), not an email"`; lines[7] != want {
		t.Errorf("row 8: %q, want %q", lines[7], want)
	}

	buf.Reset()
	if err := svc.WriteTaskReport(ctx, admin(o, roster.AdminFull), o.ID, empty.ID, &buf); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "\uFEFFRow,Email,Outcome,Code,Message\r\n" {
		t.Errorf("empty report %q", buf.String())
	}

	// Other tenants see no task and get no byte.
	for _, tt := range []struct {
		name   string
		a      roster.Actor
		orgID  string
		taskID string
	}{
		{"other org's admin", admin(other, roster.AdminFull), o.ID, task.ID},
		{"task under another org", admin(other, roster.AdminFull), other.ID, task.ID},
		{"unknown task", admin(o, roster.AdminFull), o.ID, roster.NewID()},
	} {
		buf.Reset()
		err := svc.WriteTaskReport(ctx, tt.a, tt.orgID, tt.taskID, &buf)
		if roster.ErrorCode(err) != roster.CodeNotFound || buf.Len() != 0 {
			t.Errorf("%s: %v, %d bytes written", tt.name, err, buf.Len())
		}
	}
}

func TestCancelTask(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, store := newService(t)
	o := newOrg(t, svc, "Acme", orgSpec{})
	other := newOrg(t, svc, "Other", orgSpec{})
	queued := newTask(t, store, o, "users.import", roster.TaskQueued)
	running := newTask(t, store, o, "users.import", roster.TaskRunning)
	done := newTask(t, store, o, "users.import", roster.TaskCompleted)

	tests := []struct {
		name string
		a    roster.Actor
		org  string
		id   string
		code roster.Code
	}{
		{"read-only may not", admin(o, roster.AdminReadOnly), o.ID, queued.ID, roster.CodeForbidden},
		{"other org", admin(other, roster.AdminFull), o.ID, queued.ID, roster.CodeNotFound},
		{"under other org", admin(other, roster.AdminFull), other.ID, queued.ID, roster.CodeNotFound},
		{"cc_service may", admin(o, roster.AdminCCService), o.ID, queued.ID, ""},
		{"again", admin(o, roster.AdminFull), o.ID, queued.ID, ""},
		{"full may", admin(o, roster.AdminFull), o.ID, running.ID, ""},
		{"finished", admin(o, roster.AdminFull), o.ID, done.ID, roster.CodeConflict},
		{"unknown", admin(o, roster.AdminFull), o.ID, roster.NewID(), roster.CodeNotFound},
	}
	for _, tt := range tests {
		// Not parallel: the cases run in order on the same tasks.
		task, err := svc.CancelTask(ctx, tt.a, tt.org, tt.id)
		if roster.ErrorCode(err) != tt.code {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.code)
			continue
		}
		if err == nil && (!task.CancelRequested || task.State.Final()) {
			t.Errorf("%s: task %+v", tt.name, task)
		}
		if tt.code == roster.CodeConflict && !strings.Contains(err.Error(), "already finished (completed)") {
			t.Errorf("%s: message %q", tt.name, err)
		}
	}
	for _, id := range []string{queued.ID, running.ID} {
		if got, _ := store.FindTaskByID(ctx, o.ID, id); !got.CancelRequested {
			t.Errorf("task %s: cancel not requested", id)
		}
	}
	if got, _ := store.FindTaskByID(ctx, o.ID, done.ID); got.CancelRequested || got.State != roster.TaskCompleted {
		t.Errorf("finished task changed: %+v", got)
	}

	// One audit entry per cancel that changed something; asking again records nothing.
	page, err := svc.AuditEntries(ctx, system, roster.AuditFilter{OrgID: o.ID, Action: "task.cancel"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) != 2 {
		t.Fatalf("%d task.cancel entries, want 2", len(page.Entries))
	}
	e := page.Entries[1]
	if e.TargetKind != "task" || e.TargetID != queued.ID || e.ActorID != "tok-cc_service" || string(e.After) != `{"cancelRequested":true,"state":"queued"}` {
		t.Errorf("audit entry %+v after %s", e, e.After)
	}
}
