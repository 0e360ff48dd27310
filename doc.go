// Package roster is the vocabulary of the domain: organizations, users, licenses, roles, API
// tokens, audit entries, the error type with its stable codes, and the Store that adapters
// implement. It imports only the standard library; the rules live in internal/provision.
package roster
