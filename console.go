package roster

import (
	"context"
	"time"
)

// ConsoleSession is one signed-in browser of an administrator. Only the SHA-256 of its
// secret is stored: a reader of the database cannot take the session over.
type ConsoleSession struct {
	ID         string
	UserID     string
	OrgID      string // the organization of the user
	SecretHash []byte
	// Language is the language chosen on the sign-in page, before the person was known;
	// "" once the person's own choice applies.
	Language   Language
	Flash      string // a message for the next page, shown once
	CreatedAt  time.Time
	LastSeenAt time.Time
	ClientAddr string // where the session signed in from, shown on the account page
	UserAgent  string
}

// ConsoleBatch is the kept outcome of one add-or-modify submission of a console session, under
// the key of the form that sent it.
type ConsoleBatch struct {
	SessionID string
	Key       string
	OrgID     string
	Record    []byte // the submission and its results, as the application encodes them
	CreatedAt time.Time
}

// ConsoleReader holds the console's queries.
type ConsoleReader interface {
	// FindConsoleSession returns the session with this id.
	FindConsoleSession(ctx context.Context, id string) (*ConsoleSession, error)
	// FindConsoleSessions returns the sessions of a user, newest first.
	FindConsoleSessions(ctx context.Context, userID string) ([]*ConsoleSession, error)
	// FindConsolePassword returns the hash of a user's console password.
	FindConsolePassword(ctx context.Context, userID string) (string, error)
	// CountSignInFailures counts the failed sign-ins recorded for key since a time.
	CountSignInFailures(ctx context.Context, key string, since time.Time) (int, error)
	// IsInstallationAdmin reports whether the user may administer the whole installation.
	IsInstallationAdmin(ctx context.Context, userID string) (bool, error)
	// FindSetupSecret returns the hash of the first start's setup secret; not_found when there
	// is none.
	FindSetupSecret(ctx context.Context) ([]byte, error)
	// FindConsoleBatch returns the submission a session made under key; not_found when there
	// is none. Inside Write it locks it on PostgreSQL.
	FindConsoleBatch(ctx context.Context, sessionID, key string) (*ConsoleBatch, error)
}

// ConsoleTx holds the console's changes.
type ConsoleTx interface {
	SessionTx
	// SetConsolePassword stores the hash of a user's console password, replacing any other.
	SetConsolePassword(ctx context.Context, userID, hash string, at time.Time) error
	GrantInstallationAdmin(ctx context.Context, userID string, at time.Time) error
	// CreateConsoleBatch keeps a submission, and forgets those made before the time forget.
	// A second one with the same session and key fails with CodeConflict.
	CreateConsoleBatch(ctx context.Context, b *ConsoleBatch, forget time.Time) error
}

// SessionTx holds the bookkeeping of who gets in: console sessions, sign-in failures and the
// setup secret. It changes no directory row, so it needs no organization lock.
type SessionTx interface {
	CreateConsoleSession(ctx context.Context, s *ConsoleSession) error
	// UpdateConsoleSession saves the session's last use, language and flash message.
	UpdateConsoleSession(ctx context.Context, s *ConsoleSession) error
	DeleteConsoleSession(ctx context.Context, id string) error
	// DeleteConsoleSessions ends every session of a user but the one with id keep ("" for
	// none), and returns how many it ended.
	DeleteConsoleSessions(ctx context.Context, userID, keep string) (int, error)
	// DeleteExpiredConsoleSessions ends sessions last used before idle or begun before
	// absolute.
	DeleteExpiredConsoleSessions(ctx context.Context, idle, absolute time.Time) error
	// RecordSignInFailure records a failed sign-in under key, and forgets those of every key
	// older than before.
	RecordSignInFailure(ctx context.Context, key string, at, before time.Time) error
	// ClearSignInFailures forgets the failures of key.
	ClearSignInFailures(ctx context.Context, key string) error
	// SetSetupSecret replaces the setup secret's hash; nil removes it.
	SetSetupSecret(ctx context.Context, hash []byte, at time.Time) error
}
