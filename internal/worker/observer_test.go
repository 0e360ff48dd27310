package worker_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"roster"
	"roster/internal/worker"
)

// recorder is an Observer that keeps what it was told.
type recorder struct {
	mu       sync.Mutex
	started  []string
	finished []string // kind/state
	progress []string // kind:done
	ended    chan struct{}
}

func (o *recorder) TaskStarted(kind string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.started = append(o.started, kind)
}

func (o *recorder) TaskFinished(kind string, state roster.TaskState, took time.Duration) {
	o.mu.Lock()
	o.finished = append(o.finished, kind+"/"+string(state))
	o.mu.Unlock()
	if took < 0 {
		panic("negative duration")
	}
	o.ended <- struct{}{}
}

func (o *recorder) TaskProgressed(kind string, done int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.progress = append(o.progress, fmt.Sprintf("%s:%d", kind, done))
}

func TestObserver(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		db := nodes(t, engine, 1)[0]
		obs := &recorder{ended: make(chan struct{}, 4)}
		opts := options("w1", time.Minute)
		opts.Observer = obs
		handlers := map[string]worker.Handler{
			"test.count": &counter{},
			"test.fail": worker.HandlerFunc(func(_ context.Context, _ *worker.Run) error {
				return roster.Errorf(roster.CodeInvalid, "No.")
			}),
		}
		start(t, worker.New(db, handlers, opts))
		createTask(t, db, "test.count", countParams{N: 3, Chunk: 2})
		<-obs.ended
		createTask(t, db, "test.fail", nil)
		<-obs.ended
		createTask(t, db, "test.unknown", nil)
		<-obs.ended

		obs.mu.Lock()
		defer obs.mu.Unlock()
		wantStrings(t, "started", obs.started, "test.count", "test.fail", "test.unknown")
		wantStrings(t, "finished", obs.finished, "test.count/completed", "test.fail/failed", "test.unknown/failed")
		wantStrings(t, "progress", obs.progress, "test.count:2", "test.count:1")
	})
}

func wantStrings(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s = %q, want %q", what, got, want)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s = %q, want %q", what, got, want)
		}
	}
}
