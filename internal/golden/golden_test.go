package golden

import "testing"

func TestDiff(t *testing.T) {
	t.Parallel()
	tests := []struct{ want, got, diff string }{
		{"a\nb\nc", "a\nc\nd", "-2: b\n+3: d\n"},
		{"a\nb", "b\na", "(the same lines, in another order or number)"},
	}
	for _, tt := range tests {
		if got := diff(tt.want, tt.got); got != tt.diff {
			t.Errorf("diff(%q, %q) = %q, want %q", tt.want, tt.got, got, tt.diff)
		}
	}
}
