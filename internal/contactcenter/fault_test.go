package contactcenter_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"roster"
	"roster/internal/contactcenter"
)

// recorder is a connector that succeeds and remembers what it was given.
type recorder struct {
	mu  sync.Mutex
	got []string // user ids
}

func (r *recorder) Name() string { return "recorder" }

func (r *recorder) Push(_ context.Context, states []roster.AgentState) []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, st := range states {
		r.got = append(r.got, st.UserID)
	}
	return make([]error, len(states))
}

func manyStates(n int) []roster.AgentState {
	states := make([]roster.AgentState, n)
	for i := range states {
		states[i] = agentState(fmt.Sprintf("u%05d", i))
	}
	return states
}

// failedIDs pushes states through f and returns the users that failed, checking that every
// other one reached inner, in order.
func failedIDs(t *testing.T, f *contactcenter.Fault, inner *recorder, states []roster.AgentState) []string {
	t.Helper()
	inner.mu.Lock()
	inner.got = nil
	inner.mu.Unlock()
	var failed, passed []string
	for i, err := range f.Push(context.Background(), states) {
		if err == nil {
			passed = append(passed, states[i].UserID)
			continue
		}
		var se *roster.SyncError
		if !errors.As(err, &se) {
			t.Fatalf("state %d: error %v is not a *roster.SyncError", i, err)
		}
		failed = append(failed, states[i].UserID)
	}
	if fmt.Sprint(inner.got) != fmt.Sprint(passed) {
		t.Fatalf("inner connector got %d states, want the %d that did not fail", len(inner.got), len(passed))
	}
	return failed
}

func TestFaultShare(t *testing.T) {
	t.Parallel()
	for _, share := range []float64{0, 0.05, 0.2, 0.5, 1} {
		t.Run(fmt.Sprint(share), func(t *testing.T) {
			t.Parallel()
			inner := &recorder{}
			f := contactcenter.NewFault(inner, contactcenter.FaultConfig{FailShare: share, Seed: 42})
			const n = 10_000
			states := manyStates(n)
			errs := f.Push(context.Background(), states)
			failed := 0
			for i, err := range errs {
				if err == nil {
					continue
				}
				failed++
				var se *roster.SyncError
				if !errors.As(err, &se) || !se.Retryable || se.Message != "injected fault" {
					t.Fatalf("state %d: error = %#v, want a retryable SyncError \"injected fault\"", i, err)
				}
			}
			if got := float64(failed) / n; math.Abs(got-share) > 0.03 {
				t.Errorf("failed share = %.3f, want %.2f ± 0.03", got, share)
			}
			if len(inner.got) != n-failed {
				t.Errorf("inner connector got %d states, want %d", len(inner.got), n-failed)
			}
		})
	}
}

func TestFaultPermanent(t *testing.T) {
	t.Parallel()
	inner := &recorder{}
	f := contactcenter.NewFault(inner, contactcenter.FaultConfig{
		FailShare: 0.3, Seed: 7,
		Permanent: func(id string) bool { return strings.HasSuffix(id, "7") },
	})
	states := manyStates(1000)
	for range 5 {
		for i, err := range f.Push(context.Background(), states) {
			if !strings.HasSuffix(states[i].UserID, "7") {
				continue
			}
			var se *roster.SyncError
			if !errors.As(err, &se) || se.Retryable || se.Message != "rejected by the contact center (injected)" {
				t.Fatalf("state %s: error = %#v, want a non-retryable SyncError", states[i].UserID, err)
			}
		}
	}
	for _, id := range inner.got {
		if strings.HasSuffix(id, "7") {
			t.Fatalf("permanent user %s reached the inner connector", id)
		}
	}
}

func TestFaultDeterministic(t *testing.T) {
	t.Parallel()
	states := manyStates(2000)
	run := func(seed uint64) string {
		inner := &recorder{}
		f := contactcenter.NewFault(inner, contactcenter.FaultConfig{FailShare: 0.1, Seed: seed})
		var all []string
		for range 3 { // a sequence of calls, not only the first
			all = append(all, failedIDs(t, f, inner, states)...)
		}
		return strings.Join(all, ",")
	}
	a, b, c := run(1), run(1), run(2)
	if a != b {
		t.Error("two faults with the same seed failed different states")
	}
	if a == c {
		t.Error("faults with different seeds failed the same states")
	}
}

func TestFaultLatencyAndName(t *testing.T) {
	t.Parallel()
	inner := &recorder{}
	f := contactcenter.NewFault(inner, contactcenter.FaultConfig{Latency: 30 * time.Millisecond})
	if f.Name() != "recorder" {
		t.Errorf("Name = %q, want the inner connector's", f.Name())
	}
	start := time.Now()
	for i, err := range f.Push(context.Background(), manyStates(3)) {
		if err != nil {
			t.Fatalf("state %d: %v", i, err)
		}
	}
	if d := time.Since(start); d < 30*time.Millisecond {
		t.Errorf("Push took %s, want at least the 30ms latency", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for i, err := range f.Push(ctx, manyStates(2)) {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("state %d: error = %v, want context.Canceled", i, err)
		}
	}
}

func TestFaultConcurrentUse(t *testing.T) {
	t.Parallel()
	inner := &recorder{}
	f := contactcenter.NewFault(inner, contactcenter.FaultConfig{FailShare: 0.5, Seed: 3})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { f.Push(context.Background(), manyStates(500)) })
	}
	wg.Wait()
}

func TestFaultOverSCIM(t *testing.T) {
	t.Parallel()
	srv := newSCIMServer(t)
	f := contactcenter.NewFault(newSCIM(t, contactcenter.SCIMConfig{BaseURL: srv.URL}),
		contactcenter.FaultConfig{FailShare: 0.25, Seed: 11})
	states := manyStates(200)
	failed := 0
	for _, err := range f.Push(context.Background(), states) {
		if err != nil {
			failed++
		}
	}
	if got := len(srv.Users()); got != len(states)-failed {
		t.Errorf("server holds %d users, want the %d that did not fail", got, len(states)-failed)
	}
}

func TestNewFaultRejectsBadShare(t *testing.T) {
	t.Parallel()
	for _, share := range []float64{-0.1, 1.5, math.NaN()} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewFault with share %v did not panic", share)
				}
			}()
			contactcenter.NewFault(&recorder{}, contactcenter.FaultConfig{FailShare: share})
		}()
	}
}
