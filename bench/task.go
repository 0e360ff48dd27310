package main

import (
	"context"
	"log"
	"log/slog"
	"sync"
	"time"

	"roster"
	"roster/internal/sqldb"
	"roster/internal/worker"
)

// runTask runs the task that start creates in organization orgID on a worker of its own with
// handlers, and returns the time from the call of start to the record of the task's end. The
// task must complete with the counts want.
//
// The worker says when the task ends (taskEnds): reading the task every 2 ms to find out took
// 6 % of a core from the run it measured.
func (b *bench) runTask(ctx context.Context, db *sqldb.DB, orgID string, handlers map[string]worker.Handler,
	start func() (*roster.Task, error), want roster.TaskCounts) time.Duration {
	wctx, stop := context.WithCancel(ctx)
	ends := make(taskEnds, 1)
	var wg sync.WaitGroup
	wg.Go(func() {
		opts := worker.Options{Poll: time.Millisecond, Logger: slog.New(slog.DiscardHandler), Observer: ends}
		_ = worker.New(db, handlers, opts).Run(wctx)
	})
	defer func() { stop(); wg.Wait() }()

	b.settle(ctx)
	began := time.Now()
	task, err := start()
	if err != nil {
		log.Fatal(err)
	}
	<-ends
	elapsed := time.Since(began)
	if task, err = db.FindTaskByID(ctx, orgID, task.ID); err != nil {
		log.Fatal(err)
	}
	if task.State != roster.TaskCompleted || task.Counts != want {
		log.Fatalf("%s ended %s with %+v, want %+v (%s)", task.Kind, task.State, task.Counts, want, task.Error)
	}
	return elapsed
}

// taskEnds is a worker.Observer that receives a value when a task's end is recorded.
type taskEnds chan struct{}

func (taskEnds) TaskStarted(string)                                     {}
func (taskEnds) TaskProgressed(string, int)                             {}
func (e taskEnds) TaskFinished(string, roster.TaskState, time.Duration) { e <- struct{}{} }
