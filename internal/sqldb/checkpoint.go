package sqldb

import (
	"context"
	"database/sql"
	"sync/atomic"
	"time"
)

// checkpointer copies the write-ahead log of SQLite into the database file in the background,
// on a connection of its own, so that the writer rarely does. SQLite's automatic checkpoint
// runs in the commit that crosses its threshold: the writer copied and synced tens of
// megabytes there, a few times in each bulk write, while the second core sat idle. A passive
// checkpoint never blocks the writer; the writer still checkpoints itself past a larger
// threshold (sqliteDSN), which bounds the log when writes outrun the checkpointer.
type checkpointer struct {
	db   *sql.DB
	stop context.CancelFunc
	done chan struct{}
	// frames and copied are the pages in the log and those copied, at the last checkpoint.
	frames, copied atomic.Int64
}

// checkpointEvery is how often the checkpointer copies what was committed since.
const checkpointEvery = 250 * time.Millisecond

func startCheckpointer(path string) (*checkpointer, error) {
	db, err := sql.Open("sqlite", checkpointDSN(path))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
	ctx, stop := context.WithCancel(context.Background())
	c := &checkpointer{db: db, stop: stop, done: make(chan struct{})}
	go c.run(ctx)
	return c, nil
}

func (c *checkpointer) run(ctx context.Context) {
	defer close(c.done)
	tick := time.NewTicker(checkpointEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		// Errors are left to the next tick and to the writer's own checkpoint: a failed
		// checkpoint loses nothing, the log stays as it is.
		var busy, frames, copied int64
		err := c.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`).Scan(&busy, &frames, &copied)
		if err == nil {
			c.frames.Store(frames)
			c.copied.Store(copied)
		}
	}
}

// close stops the checkpointer and closes its connection.
func (c *checkpointer) close() error {
	c.stop()
	<-c.done
	return c.db.Close()
}
