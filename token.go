package roster

import "time"

// APIToken is a bearer token of the REST API. It belongs to one organization and carries one
// administrator role, or it is an installation token (System) that may create and manage
// organizations. Only a hash of its secret is stored.
type APIToken struct {
	ID         string
	OrgID      string // empty for a system token
	Name       string
	Role       AdminRole // empty for a system token
	System     bool
	SecretHash []byte
	CreatedAt  time.Time
	CreatedBy  string // who minted it: an actor label
	LastUsedAt time.Time
}
