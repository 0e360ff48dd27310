package contactcenter

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"sync"
	"time"

	"roster"
)

// FaultConfig says which pushes a Fault fails.
type FaultConfig struct {
	// FailShare is the share of states, from 0 to 1, that fail with a retryable SyncError
	// "injected fault".
	FailShare float64
	// Latency is added to every Push call.
	Latency time.Duration
	// Permanent, when set, selects users whose states always fail with a non-retryable
	// SyncError, as if the contact center refused them.
	Permanent func(userID string) bool
	// Seed makes the sequence of failures reproducible.
	Seed uint64
}

// Fault wraps a connector and makes a configured share of its pushes fail, to exercise
// retries, backoff and the invalid sync status. It is configurable only in test and
// benchmark setups: the server never builds one from user input.
//
// The states that fail are not passed to the wrapped connector; the others are. Given the
// seed, the same sequence of Push calls fails the same states; concurrent calls draw from
// one shared generator, so their interleaving decides which call gets which draws.
type Fault struct {
	inner roster.Connector
	cfg   FaultConfig

	mu  sync.Mutex
	rng *rand.Rand
}

var _ Reconciler = (*Fault)(nil)

// NewFault returns inner wrapped with the faults of cfg. It panics when cfg.FailShare is
// outside 0..1 or cfg.Latency is negative: a test that asks for that is wrong.
func NewFault(inner roster.Connector, cfg FaultConfig) *Fault {
	if math.IsNaN(cfg.FailShare) || cfg.FailShare < 0 || cfg.FailShare > 1 {
		panic(fmt.Sprintf("contactcenter: fault share %v outside 0..1", cfg.FailShare))
	}
	if cfg.Latency < 0 {
		panic(fmt.Sprintf("contactcenter: negative fault latency %s", cfg.Latency))
	}
	return &Fault{
		inner: inner,
		cfg:   cfg,
		// The second PCG word is fixed: the seed alone decides the sequence.
		rng: rand.New(rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15)),
	}
}

// Name returns the wrapped connector's name: the fault injector stands in for it.
func (f *Fault) Name() string { return f.inner.Name() }

// Push waits the configured latency, fails the selected states and pushes the others to the
// wrapped connector.
func (f *Fault) Push(ctx context.Context, states []roster.AgentState) []error {
	_, errs := f.Reconcile(ctx, states)
	return errs
}

// Reconcile is Push that returns what the wrapped connector did to each state that passed.
func (f *Fault) Reconcile(ctx context.Context, states []roster.AgentState) ([]Change, []error) {
	changes := make([]Change, len(states))
	errs := make([]error, len(states))
	if f.cfg.Latency > 0 {
		t := time.NewTimer(f.cfg.Latency)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			for i := range errs {
				errs[i] = ctx.Err()
			}
			return changes, errs
		}
	}
	fail := f.draw(len(states))
	pass := make([]roster.AgentState, 0, len(states))
	passIdx := make([]int, 0, len(states))
	for i, st := range states {
		switch {
		case f.cfg.Permanent != nil && f.cfg.Permanent(st.UserID):
			errs[i] = &roster.SyncError{Message: "rejected by the contact center (injected)"}
		case fail[i]:
			errs[i] = &roster.SyncError{Retryable: true, Message: "injected fault"}
		default:
			pass = append(pass, st)
			passIdx = append(passIdx, i)
		}
	}
	if len(pass) == 0 {
		return changes, errs
	}
	done, res := reconcile(ctx, f.inner, pass)
	for j, i := range passIdx {
		if j < len(res) && j < len(done) {
			changes[i], errs[i] = done[j], res[j]
		} else {
			errs[i] = fmt.Errorf("connector %s returned %d results for %d states", f.inner.Name(), len(res), len(pass))
		}
	}
	return changes, errs
}

// draw decides for n states in a row whether each fails. One draw per state, whatever
// Permanent says, keeps the sequence independent of Permanent.
func (f *Fault) draw(n int) []bool {
	fail := make([]bool, n)
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range fail {
		fail[i] = f.rng.Float64() < f.cfg.FailShare
	}
	return fail
}
