package provision

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"roster"
)

// MaxBatchEntries is how many people "Add or modify users" takes in one submission.
const MaxBatchEntries = 25

// BatchEntry is one person of an add-or-modify submission.
type BatchEntry struct {
	Email     string
	FirstName string
	LastName  string
}

// Batch is an add-or-modify submission: up to 25 people and one contact-center license choice
// for all of them. An empty License means no choice: new users get the automatic assignment,
// existing users keep theirs.
type Batch struct {
	Entries []BatchEntry
	License roster.License
	CCRole  roster.CCRole
}

// Outcome is what happened to one entry of a bulk operation.
type Outcome string

// Outcomes.
const (
	Created   Outcome = "created"
	Updated   Outcome = "updated"
	Unchanged Outcome = "unchanged"
	Failed    Outcome = "failed"
)

// Result is the outcome of one entry of a bulk operation.
type Result struct {
	Email   string
	Outcome Outcome
	Code    roster.Code // when Failed
	Message string      // when Failed
	UserID  string
}

// AddOrModifyUsers creates the entries whose email is new and gives the license choice to the
// ones that exist in the organization. Each entry succeeds or fails on its own.
func (s *Service) AddOrModifyUsers(ctx context.Context, a roster.Actor, orgID string, b Batch) ([]Result, error) {
	if err := authorize(a, orgID, permLicenses); err != nil {
		return nil, err
	}
	switch {
	case len(b.Entries) == 0:
		return nil, roster.InvalidFields(roster.FieldError{Field: "entries", Code: roster.CodeInvalid, Message: "Enter at least one email address."})
	case len(b.Entries) > MaxBatchEntries:
		return nil, &roster.Error{Code: roster.CodeBatchTooLarge,
			Message: "Up to 25 people can be added or modified at a time; this submission has " + strconv.Itoa(len(b.Entries)) + ". Use a CSV import for more."}
	case b.License != "" && !b.License.Valid():
		return nil, roster.InvalidFields(*enumError("license", string(b.License), "none, standard, premium"))
	case b.CCRole != "" && !b.CCRole.Valid():
		return nil, roster.InvalidFields(*enumError("ccRole", string(b.CCRole), "agent, supervisor"))
	case b.CCRole == roster.RoleSupervisor && b.License != roster.LicensePremium:
		return nil, roster.Errorf(roster.CodeRoleRequiresPremium, "The supervisor role requires the premium license.")
	}
	role := b.CCRole
	if role == "" {
		role = roster.RoleAgent
	}
	canCreate := authorize(a, orgID, permUsers)
	results := make([]Result, len(b.Entries))
	seen := make(map[string]bool, len(b.Entries))
	err := s.writeOrg(ctx, a, orgID, func(tx roster.Tx, org *roster.Org) error {
		for i, e := range b.Entries {
			email := NormalizeEmail(e.Email)
			if seen[email] {
				results[i] = failed(email, roster.Errorf(roster.CodeInvalid, "This email address appears more than once in this submission."))
				continue
			}
			seen[email] = true
			r, err := s.addOrModify(ctx, tx, a, org, e, email, b.License, role, canCreate)
			if err != nil {
				return err
			}
			results[i] = r
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// addOrModify handles one batch entry. Rule refusals become a failed result; only store
// failures are returned as errors.
func (s *Service) addOrModify(ctx context.Context, tx roster.Tx, a roster.Actor, org *roster.Org, e BatchEntry, email string,
	license roster.License, role roster.CCRole, canCreate error) (Result, error) {
	existing, err := tx.FindUserByEmail(ctx, email)
	if err != nil && roster.ErrorCode(err) != roster.CodeNotFound {
		return Result{}, err
	}
	if existing == nil || existing.OrgID != org.ID {
		if existing == nil && canCreate != nil {
			return failed(email, canCreate), nil
		}
		u, err := s.createUser(ctx, tx, a, org, NewUser{Email: email, FirstName: e.FirstName, LastName: e.LastName, License: license, CCRole: role})
		if err != nil {
			return failedOrError(email, err)
		}
		return Result{Email: email, Outcome: Created, UserID: u.ID}, nil
	}
	next := *existing
	if license != "" {
		next.License, next.CCRole = license, role
	}
	// Names typed for a known person correct the directory; empty cells leave it alone.
	if e.FirstName != "" || e.LastName != "" {
		if canCreate != nil {
			return failed(email, canCreate), nil
		}
		set(&next.FirstName, nonEmpty(e.FirstName))
		set(&next.LastName, nonEmpty(e.LastName))
	}
	changed, err := s.saveUser(ctx, tx, a, org, existing, &next)
	if err != nil {
		return failedOrError(email, err)
	}
	if !changed {
		return Result{Email: email, Outcome: Unchanged, UserID: existing.ID}, nil
	}
	return Result{Email: email, Outcome: Updated, UserID: existing.ID}, nil
}

// DefaultChunk is how many users a bulk operation writes per transaction. Larger transactions
// write each index page to SQLite's write-ahead log fewer times; smaller ones hold the one
// writer, which interactive requests wait for, for less time. 100,000 new users took 12.7 s at
// 1,000 a transaction, 7.8 s at 5,000 and 7.0 s at 10,000 (bench/README.md).
const DefaultChunk = 5000

// CreateUsers creates many users, committing every chunk users in one transaction. It is the
// bulk path under imports and benchmarks; each user goes through every rule.
func (s *Service) CreateUsers(ctx context.Context, a roster.Actor, orgID string, users []NewUser, chunk int) ([]Result, error) {
	if err := authorize(a, orgID, permUsers); err != nil {
		return nil, err
	}
	if chunk <= 0 {
		chunk = DefaultChunk
	}
	results := make([]Result, len(users))
	for start := 0; start < len(users); start += chunk {
		end := min(start+chunk, len(users))
		err := s.writeOrg(ctx, a, orgID, func(tx roster.Tx, org *roster.Org) error {
			return s.createChunk(ctx, tx, a, org, users[start:end], results[start:end])
		})
		if err != nil {
			return results[:start], err
		}
	}
	return results, nil
}

// createChunk checks every user of one chunk through the rules, looking the emails up in a few
// queries, and writes those that pass in a few statements. results gets one entry per user.
func (s *Service) createChunk(ctx context.Context, tx roster.Tx, a roster.Actor, org *roster.Org, users []NewUser, results []Result) error {
	emails := make([]string, len(users))
	for i, in := range users {
		emails[i] = NormalizeEmail(in.Email)
	}
	found, err := tx.FindUsersByEmails(ctx, emails)
	if err != nil {
		return err
	}
	owners := make(map[string]*roster.User, len(found)+len(users))
	for _, u := range found {
		owners[u.Email] = u
	}
	writes := make([]*userWrite, 0, len(users))
	for i, in := range users {
		u := newUser(org, in, s.clock())
		w, err := s.checkUser(ctx, tx, a, org, nil, u, owners[u.Email])
		if err != nil {
			if results[i], err = failedOrError(u.Email, err); err != nil {
				return err
			}
			continue
		}
		owners[u.Email] = u // a second row with this email in the chunk is refused
		writes = append(writes, w)
		results[i] = Result{Email: u.Email, Outcome: Created, UserID: u.ID}
	}
	return s.writeUsers(ctx, tx, writes)
}

func failed(email string, err error) Result {
	return Result{Email: email, Outcome: Failed, Code: roster.ErrorCode(err), Message: roster.ErrorMessage(err)}
}

// failedOrError turns a rule's refusal into a failed result and passes store errors on.
func failedOrError(email string, err error) (Result, error) {
	var e *roster.Error
	if errors.As(err, &e) && e.Code != roster.CodeInternal && e.Code != roster.CodeConflict {
		r := failed(email, err)
		if len(e.Fields) > 0 {
			msgs := make([]string, len(e.Fields))
			for i, f := range e.Fields {
				msgs[i] = f.Message
			}
			r.Message = strings.Join(msgs, " ")
			// One field refused for a reason of its own (invalid_characters): that is the code.
			if len(e.Fields) == 1 && e.Code == roster.CodeInvalid {
				r.Code = e.Fields[0].Code
			}
		}
		return r, nil
	}
	return Result{}, err
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
