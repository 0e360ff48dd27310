package roster

import (
	"testing"
	"time"
)

func TestFirstIDAt(t *testing.T) {
	t.Parallel()
	before := time.Now()
	id := NewID()
	after := time.Now()
	for _, tc := range []struct {
		at    time.Time
		below bool // id sorts below FirstIDAt(at)
	}{
		{before.Add(-time.Hour), false},
		{before, false},
		{after.Add(time.Millisecond), true},
		{after.Add(time.Hour), true},
	} {
		if got := id < FirstIDAt(tc.at); got != tc.below {
			t.Errorf("%s < FirstIDAt(%s) = %v, want %v", id, tc.at.Format(time.RFC3339Nano), got, tc.below)
		}
	}
	if got, want := FirstIDAt(time.UnixMilli(0x0123456789ab)), "01234567-89ab-7000-8000-000000000000"; got != want {
		t.Errorf("FirstIDAt = %s, want %s", got, want)
	}
}
