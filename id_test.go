package roster

import (
	"testing"
	"time"
)

func TestFirstIDAt(t *testing.T) {
	t.Parallel()
	now := time.Now()
	id := NewID()
	for _, tc := range []struct {
		at     time.Time
		before bool // id sorts before FirstIDAt(at)
	}{
		{now.Add(-time.Second), false},
		{now.Add(-time.Millisecond), false},
		{now.Add(time.Millisecond), true},
		{now.Add(time.Hour), true},
	} {
		if got := id < FirstIDAt(tc.at); got != tc.before {
			t.Errorf("%s < FirstIDAt(%s) = %v, want %v", id, tc.at.Format(time.RFC3339Nano), got, tc.before)
		}
	}
	if got, want := FirstIDAt(time.UnixMilli(0x0123456789ab)), "01234567-89ab-7000-8000-000000000000"; got != want {
		t.Errorf("FirstIDAt = %s, want %s", got, want)
	}
}
