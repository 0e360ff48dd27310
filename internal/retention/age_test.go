package retention

import (
	"flag"
	"io"
	"testing"
	"time"
)

func TestParseAge(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want time.Duration
		str  string
	}{
		{"7d", 7 * 24 * time.Hour, "7d"},
		{"90d", 90 * 24 * time.Hour, "90d"},
		{"0", 0, "0"},
		{"0d", 0, "0"},
		{"12h", 12 * time.Hour, "12h0m0s"},
		{"48h", 48 * time.Hour, "2d"},
		{"1h30m", 90 * time.Minute, "1h30m0s"},
		{" 30d ", 30 * 24 * time.Hour, "30d"},
	} {
		got, err := ParseAge(tc.in)
		if err != nil || time.Duration(got) != tc.want || got.String() != tc.str {
			t.Errorf("ParseAge(%q) = %v (%s), %v; want %v (%s)", tc.in, time.Duration(got), got, err, tc.want, tc.str)
		}
		// What String writes reads back as the same age.
		if again, err := ParseAge(got.String()); err != nil || again != got {
			t.Errorf("ParseAge(%q) = %v, %v; want %v", got.String(), again, err, got)
		}
	}
	for _, bad := range []string{"", "d", "7", "-1d", "-3h", "1.5d", "7 days", "1w", "99999999d", "7D"} {
		if got, err := ParseAge(bad); err == nil {
			t.Errorf("ParseAge(%q) = %v, want an error", bad, got)
		}
	}
}

func TestAgeFlag(t *testing.T) {
	t.Parallel()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	files, tasks := Age(7*24*time.Hour), Age(90*24*time.Hour)
	fs.Var(&files, "retain-files", "")
	fs.Var(&tasks, "retain-tasks", "")
	if err := fs.Parse([]string{"--retain-files", "12h", "--retain-tasks=0"}); err != nil {
		t.Fatal(err)
	}
	if time.Duration(files) != 12*time.Hour || tasks != 0 {
		t.Errorf("files %v, tasks %v", files, tasks)
	}
	if fs.Lookup("retain-tasks").DefValue != "90d" {
		t.Errorf("default shown as %q, want 90d", fs.Lookup("retain-tasks").DefValue)
	}
	if err := fs.Parse([]string{"--retain-files", "soon"}); err == nil {
		t.Error("--retain-files soon: no error")
	}
}
