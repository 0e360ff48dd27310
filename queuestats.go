package roster

import "time"

// QueueStats is how much background work waits, as an operator watches it: the sync queue to
// the contact center and the outbox of emails. It holds counts only, nothing of a person.
type QueueStats struct {
	// SyncQueued counts the sync jobs that still have to be delivered (failed ones excluded);
	// SyncInFlight those of them a worker holds right now; SyncFailed those that gave up
	// retrying and wait for an administrator.
	SyncQueued, SyncInFlight, SyncFailed int
	// SyncOldestDue is the due time of the oldest sync job still to deliver; zero when none.
	SyncOldestDue time.Time
	// EmailsQueued counts the emails waiting to be sent; EmailsRetrying those of them whose
	// delivery already failed at least once.
	EmailsQueued, EmailsRetrying int
	// EmailOldestDue is the next attempt time of the oldest queued email; zero when none.
	EmailOldestDue time.Time
}
