// Package golden compares what a test produced with a file under testdata/, or rewrites the
// file with it when the test binary runs with -update (make golden). Tests import it; the
// product does not.
package golden

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/ with the output of the tests")

// Check compares got with the file at path, or with -update writes got there. A difference
// fails t and shows the lines of the file that got lacks and those it adds.
func Check(t testing.TB, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run the test with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("the output differs from %s: review the change, then run the test with -update (make golden)\n%s",
			path, diff(string(want), got))
	}
}

// diff lists the lines of want missing from got (-) and the lines of got not in want (+): enough
// to see what changed in a transcript or a dump without a diff library.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i, l := range w {
		if !slices.Contains(g, l) {
			fmt.Fprintf(&b, "-%d: %s\n", i+1, l)
		}
	}
	for i, l := range g {
		if !slices.Contains(w, l) {
			fmt.Fprintf(&b, "+%d: %s\n", i+1, l)
		}
	}
	if b.Len() == 0 {
		// The same lines in another order, or a line repeated.
		return "(the same lines, in another order or number)"
	}
	return b.String()
}
