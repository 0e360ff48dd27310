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
	// Field names the input at fault when Code is invalid ("email", "firstName", ...), so that
	// each language can say which.
	Field  string `json:",omitempty"`
	UserID string
	// Before is the license and role of a user that existed (empty for a new one); After is
	// what the user holds after the entry (empty when it failed). An add-or-modify preview
	// says with them what will happen: "new", "license changes from standard to premium".
	Before, After Holding
}

// Holding is a user's contact-center license and role.
type Holding struct {
	License roster.License `json:",omitempty"`
	CCRole  roster.CCRole  `json:",omitempty"`
}

func holding(u *roster.User) Holding { return Holding{License: u.License, CCRole: u.CCRole} }

// AddOrModifyUsers creates the entries whose email is new and gives the license choice to the
// ones that exist in the organization. Each entry succeeds or fails on its own.
func (s *Service) AddOrModifyUsers(ctx context.Context, a roster.Actor, orgID string, b Batch) ([]Result, error) {
	if err := checkBatch(a, orgID, b); err != nil {
		return nil, err
	}
	var results []Result
	err := s.writeOrg(ctx, a, permLicenses, orgID, func(tx roster.Tx, org *roster.Org) error {
		var writes []*userWrite
		var err error
		if results, writes, err = s.decideBatch(ctx, tx, a, org, b); err != nil {
			return err
		}
		return s.writeUsers(ctx, tx, writes)
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// BatchPreview is what an add-or-modify submission would do, before it is saved.
type BatchPreview struct {
	// Results are what saving would do to each entry, as AddOrModifyUsers would answer now.
	Results []Result
	// Seats has one check per license whose seats are limited.
	Seats []SeatCheck
	// Automatic is the license a new user gets without an explicit choice from the
	// organization-wide template; "" when no organization-wide template is active.
	Automatic roster.License
}

// SeatCheck compares a limited license's free seats with what a submission may take.
type SeatCheck struct {
	License roster.License
	Seats   int // bought
	Free    int // not in use now
	// UpTo counts the entries that do not hold the license now: choosing it for everyone
	// takes at most this many seats.
	UpTo int
}

// Short reports whether choosing the license for everyone could run out of seats.
func (c SeatCheck) Short() bool { return c.UpTo > c.Free }

// errPreview rolls back the transaction of a preview, which decides everything and keeps
// nothing.
var errPreview = errors.New("provision: preview rolled back")

// PreviewAddOrModifyUsers answers what AddOrModifyUsers would do with b now, entry by entry,
// and how the submission meets the organization's seats, changing nothing. It decides in the
// same code and the same kind of transaction as the real run, so the preview only differs
// from it when someone changes the organization in between.
func (s *Service) PreviewAddOrModifyUsers(ctx context.Context, a roster.Actor, orgID string, b Batch) (*BatchPreview, error) {
	if err := checkBatch(a, orgID, b); err != nil {
		return nil, err
	}
	var p BatchPreview
	err := s.writeOrg(ctx, a, permLicenses, orgID, func(tx roster.Tx, org *roster.Org) error {
		var err error
		if org.Assignment.Mode == roster.AssignOrg {
			p.Automatic = org.Assignment.License
		}
		usage := org.Usage // before the entries take their seats
		if p.Results, _, err = s.decideBatch(ctx, tx, a, org, b); err != nil {
			return err
		}
		for _, l := range []roster.License{roster.LicenseStandard, roster.LicensePremium} {
			seats := org.Seats.Seat(l)
			if seats == 0 {
				continue
			}
			c := SeatCheck{License: l, Seats: seats, Free: max(0, seats-usage.Used(l))}
			for _, r := range p.Results {
				// An entry refused for what it is (its address, the caller's role) takes
				// nothing whatever the license; one refused for the license itself would.
				takes := r.Outcome != Failed || r.Code == roster.CodeNoSeatsAvailable || r.Code == roster.CodeLicenseInherited
				if takes && r.Before.License != l {
					c.UpTo++
				}
			}
			p.Seats = append(p.Seats, c)
		}
		return errPreview
	})
	if !errors.Is(err, errPreview) {
		return nil, err
	}
	return &p, nil
}

// checkBatch checks what refuses a submission as a whole: the caller's role and the form.
func checkBatch(a roster.Actor, orgID string, b Batch) error {
	if err := authorize(a, orgID, permLicenses); err != nil {
		return err
	}
	switch {
	case len(b.Entries) == 0:
		return roster.InvalidFields(roster.FieldError{Field: "entries", Code: roster.CodeInvalid, Message: "Enter at least one email address."})
	case len(b.Entries) > MaxBatchEntries:
		return (&roster.Error{Code: roster.CodeBatchTooLarge,
			Message: "Up to 25 people can be added or modified at a time; this submission has " + strconv.Itoa(len(b.Entries)) + ". Use a CSV import for more."}).
			With("Max", MaxBatchEntries).With("Count", len(b.Entries))
	case b.License != "" && !b.License.Valid():
		return roster.InvalidFields(*enumError("license", string(b.License), "none, standard, premium"))
	case b.CCRole != "" && !b.CCRole.Valid():
		return roster.InvalidFields(*enumError("ccRole", string(b.CCRole), "agent, supervisor"))
	case b.CCRole == roster.RoleSupervisor && b.License != roster.LicensePremium:
		return roster.Errorf(roster.CodeRoleRequiresPremium, "The supervisor role requires the premium license.")
	}
	return nil
}

// decideBatch checks every entry of b through the rules, in org, and returns each entry's
// result and the changes that passed, unwritten. Entries have distinct emails, so they only
// meet in org's seat counters, which the checks move in order.
func (s *Service) decideBatch(ctx context.Context, tx roster.Tx, a roster.Actor, org *roster.Org, b Batch) ([]Result, []*userWrite, error) {
	role := b.CCRole
	if role == "" {
		role = roster.RoleAgent
	}
	canCreate := authorize(a, org.ID, permUsers)
	results := make([]Result, len(b.Entries))
	writes := make([]*userWrite, 0, len(b.Entries))
	seen := make(map[string]bool, len(b.Entries))
	for i, e := range b.Entries {
		email := NormalizeEmail(e.Email)
		if seen[email] {
			results[i] = failed(email, roster.Errorf(roster.CodeDuplicateEmail,
				"This email address appears more than once in this submission; only its first entry is processed."))
			continue
		}
		seen[email] = true
		r, w, err := s.decideEntry(ctx, tx, a, org, e, email, b.License, role, canCreate)
		if err != nil {
			return nil, nil, err
		}
		results[i] = r
		if w != nil {
			writes = append(writes, w)
		}
	}
	return results, writes, nil
}

// decideEntry decides one batch entry. Rule refusals become a failed result; only store
// failures are returned as errors.
func (s *Service) decideEntry(ctx context.Context, tx roster.Tx, a roster.Actor, org *roster.Org, e BatchEntry, email string,
	license roster.License, role roster.CCRole, canCreate error) (Result, *userWrite, error) {
	existing, err := tx.FindUserByEmail(ctx, email)
	if err != nil && roster.ErrorCode(err) != roster.CodeNotFound {
		return Result{}, nil, err
	}
	if existing == nil || existing.OrgID != org.ID {
		if existing == nil && canCreate != nil {
			return failed(email, canCreate), nil, nil
		}
		u := newUser(org, NewUser{Email: email, FirstName: e.FirstName, LastName: e.LastName, License: license, CCRole: role}, s.clock())
		w, err := s.checkUser(ctx, tx, a, org, nil, u, existing)
		if err != nil {
			r, err := failedOrError(email, err)
			return r, nil, err
		}
		return Result{Email: email, Outcome: Created, UserID: u.ID, After: holding(u)}, w, nil
	}
	before := holding(existing)
	next := *existing
	if license != "" {
		next.License, next.CCRole = license, role
	}
	// Names typed for a known person correct the directory; empty cells leave it alone.
	set(&next.FirstName, nonEmpty(e.FirstName))
	set(&next.LastName, nonEmpty(e.LastName))
	if canCreate != nil && (next.FirstName != existing.FirstName || next.LastName != existing.LastName) {
		return withBefore(failed(email, canCreate), before, existing.ID), nil, nil
	}
	w, err := s.checkUser(ctx, tx, a, org, existing, &next, nil)
	if err != nil {
		r, err := failedOrError(email, err)
		return withBefore(r, before, existing.ID), nil, err
	}
	if w == nil {
		return Result{Email: email, Outcome: Unchanged, UserID: existing.ID, Before: before, After: before}, nil, nil
	}
	return Result{Email: email, Outcome: Updated, UserID: existing.ID, Before: before, After: holding(&next)}, w, nil
}

func withBefore(r Result, before Holding, userID string) Result {
	r.Before, r.UserID = before, userID
	return r
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
		err := s.writeOrg(ctx, a, permUsers, orgID, func(tx roster.Tx, org *roster.Org) error {
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
	if errors.As(err, &e) && e.Code != roster.CodeInternal && e.Code != roster.CodeConflict && e.Code != roster.CodeVersionConflict {
		r := failed(email, err)
		if len(e.Fields) > 0 {
			r.Field = e.Fields[0].Field
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
