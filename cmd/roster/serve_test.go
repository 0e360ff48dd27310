package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"roster"
)

// TestServeRunsWorkers starts `roster serve` on a data directory, queues a task of a kind no
// handler runs, and expects a worker of the server to fail it with a message that says so, and
// the server to stop cleanly when its context ends. What it printed names the commands to run
// next as they run.
func TestServeRunsWorkers(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	orgID := createOrg(t, dir, "Acme")
	db := openDataDir(t, dir)
	task := &roster.Task{ID: roster.NewID(), OrgID: orgID, Kind: "test.unknown", Params: json.RawMessage(`{}`), CreatedAt: time.Now()}
	if err := db.Write(t.Context(), func(tx roster.Tx) error { return tx.CreateTask(t.Context(), task) }); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan invocation, 1)
	go func() {
		// Run as a README runs it, from a binary built into bin/.
		done <- invokeAs(ctx, "bin/roster", []string{"serve", "--data-dir", dir, "--addr", "127.0.0.1:0"}, map[string]string{})
	}()
	var got *roster.Task
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var err error
		if got, err = db.FindTaskByID(t.Context(), orgID, task.ID); err != nil {
			t.Fatal(err)
		}
		if got.State.Final() {
			break
		}
	}
	cancel()
	select {
	case inv := <-done:
		if inv.code != 0 {
			t.Errorf("serve exited with %d:\n%s%s", inv.code, inv.stdout, inv.stderr)
		}
		// What it suggests runs as pasted: the program as invoked, the CLI's address on a
		// port that is not the CLI's default.
		port := regexp.MustCompile(`listening on http://127\.0\.0\.1:(\d+)\n`).FindStringSubmatch(inv.stdout)
		if port == nil || !strings.Contains(inv.stdout, "\n  bin/roster token create --system --data-dir "+dir+"\n") ||
			!strings.Contains(inv.stdout, "export ROSTER_SERVER=http://127.0.0.1:"+port[1]+"\n") {
			t.Errorf("serve output:\n%s", inv.stdout)
		}
		if !strings.Contains(inv.stdout, "Retention: dry-run files kept 7d, finished tasks kept 90d, sent emails kept 30d, audit kept forever\n") {
			t.Errorf("serve output without the retention defaults:\n%s", inv.stdout)
		}
		// The log goes to the command's standard error, not the process's.
		if !strings.Contains(inv.stderr, `"msg":"task finished"`) || !strings.Contains(inv.stderr, task.ID) {
			t.Errorf("serve log on stderr:\n%s", inv.stderr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop 10s after its context ended")
	}
	if got.State != roster.TaskFailed || got.Error != `No worker can run tasks of kind "test.unknown".` {
		t.Errorf("task %s: %q", got.State, got.Error)
	}
}

// TestServeMetricsAddr starts `roster serve` with ROSTER_METRICS_ADDR: /metrics answers there,
// counting what the server's workers did, and not on the main address.
func TestServeMetricsAddr(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	orgID := createOrg(t, dir, "Acme")
	db := openDataDir(t, dir)
	task := &roster.Task{ID: roster.NewID(), OrgID: orgID, Kind: "test.unknown", Params: json.RawMessage(`{}`), CreatedAt: time.Now()}
	if err := db.Write(t.Context(), func(tx roster.Tx) error { return tx.CreateTask(t.Context(), task) }); err != nil {
		t.Fatal(err)
	}
	mainAddr, metricsAddr := freeAddr(t), freeAddr(t)

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan invocation, 1)
	go func() {
		done <- invokeAs(ctx, "roster", []string{"serve", "--data-dir", dir, "--addr", mainAddr},
			map[string]string{"ROSTER_METRICS_ADDR": metricsAddr})
	}()
	const want = `roster_tasks_finished_total{kind="test.unknown",state="failed"} 1`
	var body string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !strings.Contains(body, want); time.Sleep(50 * time.Millisecond) {
		body = fetch("http://" + metricsAddr + "/metrics")
	}
	if !strings.Contains(body, want) || !strings.Contains(body, `roster_tasks_started_total{kind="test.unknown"} 1`) {
		t.Errorf("GET /metrics on %s:\n%s", metricsAddr, body)
	}
	if got := fetch("http://" + mainAddr + "/metrics"); strings.Contains(got, "roster_") {
		t.Errorf("the main address serves the metrics too:\n%s", got)
	}
	cancel()
	select {
	case inv := <-done:
		if inv.code != 0 || !strings.Contains(inv.stdout, "Metrics: http://"+metricsAddr+"/metrics\n") {
			t.Errorf("serve exited with %d:\n%s%s", inv.code, inv.stdout, inv.stderr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop 10s after its context ended")
	}
}

// freeAddr returns a loopback address with a port free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// fetch returns the body of a GET of url, "" when it fails.
func fetch(url string) string {
	res, err := http.Get(url)
	if err != nil {
		return ""
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

// TestServeLogFormat: ROSTER_LOG_FORMAT=text writes key=value lines, with one line a request
// naming its route; a format it does not know is a mistake in the command line.
func TestServeLogFormat(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	addr := freeAddr(t)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan invocation, 1)
	go func() {
		done <- invokeAs(ctx, "roster", []string{"serve", "--data-dir", dir, "--addr", addr}, map[string]string{"ROSTER_LOG_FORMAT": "text"})
	}()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && fetch("http://"+addr+"/readyz") != "ok\n"; {
		time.Sleep(20 * time.Millisecond)
	}
	fetch("http://" + addr + "/api/v1/orgs/o1/users?q=secret")
	cancel()
	select {
	case inv := <-done:
		if inv.code != 0 || !strings.Contains(inv.stderr, `level=INFO msg=request method=GET route=/api/v1/orgs/{org}/users status=401`) ||
			strings.Contains(inv.stderr, `"msg"`) || strings.Contains(inv.stderr, "secret") {
			t.Errorf("serve exited with %d; log:\n%s", inv.code, inv.stderr)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop 10s after its context ended")
	}

	inv := invokeAs(t.Context(), "roster", []string{"serve", "--data-dir", dir, "--addr", "127.0.0.1:0", "--log-format", "xml"}, map[string]string{})
	if inv.code != exitUsage || !strings.Contains(inv.stderr, `--log-format "xml": want text or json`) {
		t.Errorf("--log-format xml: exit %d\n%s%s", inv.code, inv.stdout, inv.stderr)
	}
}

// TestServeRetentionFlags: an age that does not parse, from a flag or its variable, stops the
// start with a usage error that names it.
func TestServeRetentionFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--retain-tasks", "soon"}, nil, `invalid value "soon" for flag -retain-tasks`},
		{[]string{"--retain-files=-1d"}, nil, `invalid value "-1d" for flag -retain-files`},
		{nil, map[string]string{"ROSTER_RETAIN_EMAILS": "1w"}, `ROSTER_RETAIN_EMAILS="1w"`},
		{nil, map[string]string{"ROSTER_RETAIN_AUDIT": "365"}, `ROSTER_RETAIN_AUDIT="365"`},
	} {
		args := append([]string{"serve", "--data-dir", t.TempDir(), "--addr", "127.0.0.1:0"}, tc.args...)
		inv := invokeAs(t.Context(), "roster", args, tc.env)
		if inv.code != 2 || !strings.Contains(inv.stderr, tc.want) {
			t.Errorf("roster %v with %v: exit %d, stderr:\n%s\nwant exit 2 and %q", tc.args, tc.env, inv.code, inv.stderr, tc.want)
		}
	}
}
