package roster

import "context"

// Store keeps the directory. Its reads run on a read pool; its changes run inside Write, in one
// transaction. The application package holds every rule; a Store only stores.
type Store interface {
	Reader
	// Write runs fn in one write transaction, committed when fn returns nil and rolled back
	// otherwise. On PostgreSQL, single-row reads inside it lock the row they read (FOR UPDATE),
	// so a read-modify-write inside Write never loses a concurrent write.
	Write(ctx context.Context, fn func(tx Tx) error) error
	// Ping reports whether the database answers.
	Ping(ctx context.Context) error
	Close() error
}

// Reader holds the queries, available outside and inside a transaction. A missing row is an
// *Error with CodeNotFound.
type Reader interface {
	FindOrgByID(ctx context.Context, id string) (*Org, error)
	FindOrgs(ctx context.Context) ([]*Org, error)

	FindUserByID(ctx context.Context, orgID, id string) (*User, error)
	// FindUserByEmail looks the normalized email up across the whole installation.
	FindUserByEmail(ctx context.Context, email string) (*User, error)
	FindUsers(ctx context.Context, f UserFilter) (*UserPage, error)
	// FindUsersByEmails returns the users, in any organization, that have one of the
	// normalized emails, in no particular order.
	FindUsersByEmails(ctx context.Context, emails []string) ([]*User, error)

	FindTokenByHash(ctx context.Context, hash []byte) (*APIToken, error)
	// FindTokens lists the tokens of an organization, or the system tokens when orgID is "".
	FindTokens(ctx context.Context, orgID string) ([]*APIToken, error)

	FindAuditEntries(ctx context.Context, f AuditFilter) (*AuditPage, error)
}

// Tx is a write transaction.
type Tx interface {
	Reader

	CreateOrg(ctx context.Context, o *Org) error
	// UpdateOrg writes every field of o except Usage, and sets o.Version to the stored
	// version plus one. It fails with CodeConflict when o.Version is not the stored version.
	UpdateOrg(ctx context.Context, o *Org) error
	// UpdateOrgUsage writes only the usage counters of an organization; it leaves its version
	// (the ETag administrators edit against) as it is.
	UpdateOrgUsage(ctx context.Context, orgID string, u Usage) error

	// CreateUser inserts u. An email already taken anywhere fails with CodeConflict.
	CreateUser(ctx context.Context, u *User) error
	// CreateUsers inserts many users in few statements; an email taken anywhere fails the
	// whole call with CodeConflict.
	CreateUsers(ctx context.Context, users []*User) error
	// UpdateUser writes every field of u and sets u.Version to the stored version plus one. It
	// fails with CodeConflict when u.Version is not the stored version.
	UpdateUser(ctx context.Context, u *User) error
	DeleteUser(ctx context.Context, orgID, id string) error

	CreateToken(ctx context.Context, t *APIToken) error
	DeleteToken(ctx context.Context, orgID, id string) error

	CreateAuditEntry(ctx context.Context, e *AuditEntry) error
	CreateAuditEntries(ctx context.Context, entries []*AuditEntry) error
}
