package contactcenter_test

import (
	"context"
	"testing"
	"time"

	"roster"
	"roster/internal/contactcenter"
	"roster/internal/sqldb/sqldbtest"
)

// heldConnector tells the test when a push began, and finishes it when the test lets it.
type heldConnector struct {
	began   chan<- int
	proceed <-chan struct{}
}

func (c heldConnector) Name() string { return "held" }

func (c heldConnector) Push(ctx context.Context, states []roster.AgentState) []error {
	c.began <- len(states)
	<-c.proceed
	return make([]error, len(states))
}

// TestEngineStopFinishesBatch: an engine stopped during a push delivers and records that batch,
// instead of leaving its jobs leased for a minute, and claims no other.
func TestEngineStopFinishesBatch(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		ctx := context.Background()
		store := sqldbtest.Open(t, engine)
		org := &roster.Org{ID: roster.NewID(), Name: "Acme", Platform: roster.PlatformNew,
			CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC(), Version: 1}
		users := []string{roster.NewID(), roster.NewID(), roster.NewID()}
		err := store.Write(ctx, func(tx roster.Tx) error {
			if err := tx.CreateOrg(ctx, org); err != nil {
				return err
			}
			return tx.EnqueueSync(ctx, org.ID, users, time.Now().Add(-time.Second))
		})
		if err != nil {
			t.Fatal(err)
		}
		began, proceed := make(chan int, 2), make(chan struct{})
		e := contactcenter.New(store, heldConnector{began: began, proceed: proceed},
			contactcenter.Options{Owner: "e1", Batch: 2, Poll: time.Hour, Logger: quiet})
		stopCtx, stop := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- e.Run(stopCtx) }()
		if n := <-began; n != 2 {
			t.Fatalf("the first push has %d states, want 2", n)
		}
		stop()
		close(proceed)
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		// Two jobs delivered (deleted users: nothing left to do), one never claimed.
		var left []*roster.SyncJob
		for _, id := range users {
			j, err := store.FindSyncJob(ctx, id)
			switch {
			case roster.ErrorCode(err) == roster.CodeNotFound:
			case err != nil:
				t.Fatal(err)
			default:
				left = append(left, j)
			}
		}
		if len(left) != 1 || left[0].LeaseOwner != "" || left[0].Attempts != 0 {
			t.Fatalf("jobs left: %+v, want one, never claimed", left)
		}
		if len(began) != 0 {
			t.Fatal("a second batch was pushed after the stop")
		}
	})
}
