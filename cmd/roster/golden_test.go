package main

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"roster/internal/golden"
)

// invocation is one run of the command line and what it did.
type invocation struct {
	args           []string
	code           int
	stdout, stderr string
}

// invoke runs the command line args with the environment vars, as main would for a program
// run as "roster".
func invoke(ctx context.Context, args []string, vars map[string]string) invocation {
	return invokeAs(ctx, "roster", args, vars)
}

// invokeAs runs the command line args of the program invoked as prog (os.Args[0]).
func invokeAs(ctx context.Context, prog string, args []string, vars map[string]string) invocation {
	var stdout, stderr bytes.Buffer
	getenv := func(key string) string { return vars[key] }
	code := run(ctx, append([]string{prog}, args...), getenv, &stdout, &stderr)
	return invocation{args: args, code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// String is the form of the golden files: the command line, the exit code, then both outputs,
// so that a diff shows at once which of them changed.
func (inv invocation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "$ %s\nexit %d\n", quoteArgs(append([]string{"roster"}, inv.args...)), inv.code)
	fmt.Fprintf(&b, "-- stdout --\n%s", withNewline(inv.stdout))
	fmt.Fprintf(&b, "-- stderr --\n%s", withNewline(inv.stderr))
	return b.String()
}

func quoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = a
		if a == "" || strings.ContainsAny(a, " \t\"'&$") {
			q[i] = fmt.Sprintf("%q", a)
		}
	}
	return strings.Join(q, " ")
}

func withNewline(s string) string {
	if s == "" || strings.HasSuffix(s, "\n") {
		return s
	}
	// A missing final newline is part of the output, so it must show in the golden file.
	return s + "\n<no newline at end>\n"
}

// What changes from one run to the next: ids (UUIDv7, time-ordered), times, token secrets,
// invitation tokens.
// They are replaced by placeholders so the golden files are stable. Their lengths are fixed,
// so the columns that tabwriter aligned before the replacement stay the same from run to run.
var (
	uuidRE   = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	timeRE   = regexp.MustCompile(`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z| UTC|[+-]\d{2}:\d{2})?`)
	secretRE = regexp.MustCompile(`rst_[A-Za-z0-9_-]{20,}`)
	inviteRE = regexp.MustCompile(`/invite/[A-Za-z0-9_-]{20,}`)
)

// normalize replaces the literal strings of replace (temporary directories, the server's
// address), then ids, times and secrets, with placeholders.
func normalize(s string, replace map[string]string) string {
	// Longest first, so that a directory is replaced before any prefix of it.
	olds := make([]string, 0, len(replace))
	for old := range replace {
		olds = append(olds, old)
	}
	slices.SortFunc(olds, func(a, b string) int { return len(b) - len(a) })
	for _, old := range olds {
		s = strings.ReplaceAll(s, old, replace[old])
	}
	s = uuidRE.ReplaceAllString(s, "<id>")
	s = timeRE.ReplaceAllString(s, "<time>")
	s = inviteRE.ReplaceAllString(s, "/invite/<token>")
	return secretRE.ReplaceAllString(s, "rst_<secret>")
}

// checkGolden compares got with testdata/<name>.golden, or writes it there with -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	golden.Check(t, filepath.Join("testdata", name+".golden"), got)
}

// TestNormalize pins the placeholders, since every golden file depends on them.
func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"ID: 0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "ID: <id>"},
		{`"createdAt": "2025-03-04T05:06:07.123456Z",`, `"createdAt": "<time>",`},
		{"Created: 2025-03-04 05:06:07 UTC", "Created: <time>"},
		{"rst_Abc-def_0123456789abcdefghijklmnopqrstuvwxyzABC\n", "rst_<secret>\n"},
		{"SQLite in /tmp/x/001", "SQLite in <dir>"},
		{"no change", "no change"},
	}
	for _, tt := range tests {
		if got := normalize(tt.in, map[string]string{"/tmp/x/001": "<dir>", "/tmp/x": "<wrong>"}); got != tt.want {
			t.Errorf("normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestGoldenFiles checks that scenario names are unique and that every golden file belongs to
// a scenario, so that a renamed or removed scenario does not leave a file nobody checks.
func TestGoldenFiles(t *testing.T) {
	t.Parallel()
	names := map[string]bool{}
	add := func(name string) {
		if names[name] {
			t.Errorf("two scenarios named %q write one golden file", name)
		}
		names[name] = true
	}
	for _, sc := range remoteScenarios {
		add(sc.name)
	}
	for _, sc := range localScenarios {
		add(sc.name)
	}
	for _, sc := range importScenarios {
		add(sc.name)
	}
	for _, sc := range groupScenarios {
		add(sc.name)
	}
	for _, sc := range ccScenarios {
		add(sc.name)
	}
	for _, sc := range waitScenarios {
		add(sc.name)
	}
	for _, r := range normalizeEmailsRuns {
		add(r.name)
	}
	files, err := filepath.Glob(filepath.Join("testdata", "*.golden"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if name := strings.TrimSuffix(filepath.Base(f), ".golden"); !names[name] {
			t.Errorf("%s belongs to no scenario: remove it", f)
		}
	}
}
