package main

import (
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestFamilyUsage checks that the usage table of each family, which "roster FAMILY -h" prints
// and from which each subcommand's -h takes its synopsis, names exactly the subcommands the
// family runs: in the <a|b|c> of its first line, and each on a line of its own.
func TestFamilyUsage(t *testing.T) {
	t.Parallel()
	org := orgRemote{remote: remote{env: func(string) string { return "" }, stdout: io.Discard}}
	families := []*family{
		(&orgsCommand{orgRemote: org}).family(),
		(&usersCommand{orgRemote: org}).family(),
		(&groupsCommand{orgRemote: org}).family(),
		(&templatesCommand{orgRemote: org}).family(),
		(&tasksCommand{orgRemote: org}).family(),
		(&invitationsCommand{orgRemote: org}).family(),
	}
	synopsis := regexp.MustCompile(`^roster ([a-z]+) <([a-z|-]+)>`)
	for _, f := range families {
		runs := slices.Sorted(maps.Keys(f.subcommands))
		lines := strings.Split(f.usage, "\n")
		m := synopsis.FindStringSubmatch(lines[0])
		if m == nil || m[1] != f.name {
			t.Errorf("%s: the first line of the usage is %q, want roster %s <sub|...> ...", f.name, lines[0], f.name)
			continue
		}
		if listed := slices.Sorted(slices.Values(strings.Split(m[2], "|"))); !slices.Equal(listed, runs) {
			t.Errorf("%s: the usage lists <%s>, the family runs %v", f.name, m[2], runs)
		}
		// The first column of each line of the table: "add EMAIL", "deactivate USER, reactivate USER".
		described := map[string]bool{}
		for _, line := range lines[1:] {
			col, _, _ := strings.Cut(strings.TrimSpace(line), "  ")
			for _, form := range strings.Split(col, ", ") {
				name, _, _ := strings.Cut(form, " ")
				described[name] = true
			}
		}
		for _, sub := range runs {
			if !described[sub] {
				t.Errorf("%s %s: no line of the usage table describes it", f.name, sub)
			}
		}
	}
}
