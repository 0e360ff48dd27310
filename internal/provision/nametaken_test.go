package provision

import (
	"testing"

	"roster"
)

// TestNameTaken checks that only a taken name becomes name_exists: a record changed
// meanwhile keeps its own code, so the caller is not told to choose another name.
func TestNameTaken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want roster.Code
	}{
		{"name taken", roster.Errorf(roster.CodeConflict, "A site named Oslo already exists."), roster.CodeNameExists},
		{"changed meanwhile", roster.Errorf(roster.CodeVersionConflict, "The site has changed since it was read."), roster.CodeVersionConflict},
		{"missing", roster.Errorf(roster.CodeNotFound, "Site not found."), roster.CodeNotFound},
		{"none", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := roster.ErrorCode(nameTaken(tt.err, "site", "Oslo")); got != tt.want {
				t.Errorf("code %q, want %q", got, tt.want)
			}
		})
	}
}
