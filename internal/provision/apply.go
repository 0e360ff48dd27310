package provision

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"roster"
	"roster/internal/csvfile"
	"roster/internal/worker"
)

// KindApplyTemplate is the task that applies the organization's license template to its
// existing users.
const KindApplyTemplate = "licenses.apply"

// ApplyOptions are the choices of an application of the template to existing users.
type ApplyOptions struct {
	DryRun bool `json:"dryRun"`
	// PreserveLicenses never removes a license: the template's grants are added to what users
	// have. Without it, a user's license becomes exactly what the template gives it.
	PreserveLicenses bool `json:"preserveLicenses"`
	// ConfirmProfileReset accepts that users whose license changes their profile type lose
	// their custom user profile. Without it the real run refuses when any would.
	ConfirmProfileReset bool `json:"confirmProfileReset"`
}

type applyParams struct {
	Assignment struct {
		Mode    roster.AssignmentMode `json:"mode"`
		License roster.License        `json:"license"`
	} `json:"assignment"`
	ApplyOptions
	Actor taskActor `json:"actor"`
}

// ApplySummary counts what an application of the template changes (or, in a dry run, would).
// Every user it changes is one row of its report, and counts either in LicenseChanges or in
// SourceChanges; ProfileResets and Waiting count some of those users again.
type ApplySummary struct {
	// LicenseChanges counts users whose license changes.
	LicenseChanges int `json:"licenseChanges"`
	// SourceChanges counts users whose license stays the same while its sources change: a
	// direct choice replaced by the template's grant, a group's grant changed, a license that
	// now waits for a seat.
	SourceChanges int `json:"sourceChanges"`
	ProfileResets int `json:"profileResets"`
	// Waiting counts users the template gives a license no seat is free for; they wait for one.
	Waiting int `json:"waiting"`
}

// applyPage is how many users an apply task changes a transaction.
const applyPage = 1000

// codeProfileReset marks report rows of users whose custom user profile is reset.
const codeProfileReset roster.Code = "profile_reset"

// StartApplyTemplate queues the application of the current template (org or group mode) to
// every existing user. It refuses in mode off, and, unless the reset is confirmed, when a real
// run would reset any custom user profile: the dry run lists those users.
func (s *Service) StartApplyTemplate(ctx context.Context, a roster.Actor, orgID string, o ApplyOptions) (*roster.Task, error) {
	if err := authorize(a, orgID, permLicenses); err != nil {
		return nil, err
	}
	org, err := s.store.FindOrgByID(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if org.Assignment.Mode == roster.AssignOff {
		return nil, roster.Errorf(roster.CodeTemplateOff,
			"Automatic license assignment is off, so there is no template to apply. Choose the org or group mode first.")
	}
	if !o.DryRun && !o.ConfirmProfileReset {
		if err := s.refuseProfileResets(ctx, org, o); err != nil {
			return nil, err
		}
	}
	var p applyParams
	p.Assignment.Mode, p.Assignment.License = org.Assignment.Mode, org.Assignment.License
	p.ApplyOptions, p.Actor = o, newTaskActor(a)
	params, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	task := &roster.Task{ID: roster.NewID(), OrgID: orgID, Kind: KindApplyTemplate, Params: params,
		Progress: roster.TaskProgress{Total: org.Usage.Users}, CreatedBy: a.Label(), CreatedAt: s.clock()}
	err = s.createTaskAlone(ctx, a, task, []string{KindApplyTemplate, KindImport, KindImportRevert}, func(active *roster.Task) error {
		return roster.Errorf(roster.CodeImportInProgress,
			"Another task that changes licenses (task %s, %s) is running in this organization; start this one when it has finished.", active.ID, active.Kind)
	}, nil)
	if err != nil {
		return nil, err
	}
	return task, nil
}

// refuseProfileResets fails with profile_reset_unconfirmed when applying the template would
// reset the custom user profile of any user. Only users with a custom profile can lose one,
// and they are few (an index holds only them).
func (s *Service) refuseProfileResets(ctx context.Context, org *roster.Org, o ApplyOptions) error {
	var resets []string
	count, after := 0, ""
	for {
		users, err := s.store.FindUsersByProfile(ctx, org.ID, "", after, applyPage)
		if err != nil {
			return err
		}
		if len(users) == 0 {
			break
		}
		after = users[len(users)-1].ID
		plans, err := s.planApply(ctx, s.store, org, org.Assignment, o, users)
		if err != nil {
			return err
		}
		for _, pl := range plans {
			if pl.after.UserProfileID == "" {
				count++
				if len(resets) < 5 {
					resets = append(resets, pl.before.Email)
				}
			}
		}
	}
	if count == 0 {
		return nil
	}
	more := ""
	if count > len(resets) {
		more = fmt.Sprintf(" and %d more", count-len(resets))
	}
	return roster.Errorf(roster.CodeProfileResetUnconfirmed,
		"Applying the template resets the custom user profile of %d users (%s%s) to the default profile of their new type. Run a dry run to see them all, then confirm the reset.",
		count, strings.Join(resets, ", "), more)
}

// applyPlan is what applying the template does to one user: the user after it (its license
// still to be resolved) and the memberships whose license changes.
type applyPlan struct {
	before, after *roster.User
	memberships   []*roster.Membership // with their new license
	oldLicenses   map[string]any       // group id → license before, for the audit and revert
	newLicenses   map[string]any
}

// planApply works out, for each of users, the sources the template gives it, and resolves its
// license against a copy of org's seats, so that callers outside a transaction (the profile
// reset check) see what a real run would do.
func (s *Service) planApply(ctx context.Context, r roster.Reader, org *roster.Org, as roster.LicenseAssignment, o ApplyOptions, users []*roster.User) ([]*applyPlan, error) {
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = u.ID
	}
	of, err := membershipsByUser(ctx, r, org.ID, ids)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	seats := *org
	plans := make([]*applyPlan, len(users))
	for i, u := range users {
		pl := &applyPlan{before: u, oldLicenses: map[string]any{}, newLicenses: map[string]any{}}
		next := *u
		if !o.PreserveLicenses {
			next.DirectLicense, next.TemplateLicense = roster.LicenseGrant{}, roster.LicenseGrant{}
		}
		next.GroupLicense = roster.LicenseNone
		for _, m := range of[u.ID] {
			want := roster.LicenseNone
			if as.Mode == roster.AssignGroup {
				want = m.GroupLicense
			}
			if o.PreserveLicenses {
				want = roster.Best(m.License, want)
			}
			if want != m.License {
				pl.oldLicenses[m.GroupID], pl.newLicenses[m.GroupID] = string(m.License), string(want)
				changed := *m
				changed.License, changed.Since = want, now
				pl.memberships = append(pl.memberships, &changed)
			}
			next.GroupLicense = roster.Best(next.GroupLicense, want)
		}
		if as.Mode == roster.AssignOrg {
			t := as.License
			if o.PreserveLicenses {
				t = roster.Best(t, u.TemplateLicense.License)
			}
			if t != u.TemplateLicense.License {
				next.TemplateLicense = roster.LicenseGrant{License: t, Since: now}
			} else {
				next.TemplateLicense = u.TemplateLicense
			}
		}
		next.License = "" // resolved from the sources
		if _, err := resolveLicense(u, &next, now); err != nil {
			return nil, err
		}
		resetProfile(u, &next)
		if err := seatLicense(&seats, u, &next, true, now); err != nil && roster.ErrorCode(err) != roster.CodeNoSeatsAvailable {
			return nil, err
		}
		pl.after = &next
		plans[i] = pl
	}
	return plans, nil
}

// RunApplyTemplate is the worker handler of apply tasks. It walks the organization's users in
// email order, applyPage a transaction, with the email reached as its cursor and the rows
// reported so far as its checkpoint. Only users whose license or profile changes are reported.
func (s *Service) RunApplyTemplate(ctx context.Context, r *worker.Run) error {
	task := r.Task()
	var p applyParams
	if err := json.Unmarshal(task.Params, &p); err != nil {
		return fmt.Errorf("apply task %s: parameters: %w", task.ID, err)
	}
	a := p.Actor.actor(task.ID)
	a.Interface = p.Actor.Interface
	var summary ApplySummary
	if len(task.Summary) > 0 {
		if err := json.Unmarshal(task.Summary, &summary); err != nil {
			return fmt.Errorf("apply task %s: summary: %w", task.ID, err)
		}
	}
	as := roster.LicenseAssignment{Mode: p.Assignment.Mode, License: p.Assignment.License}
	if task.Checkpoint < 0 {
		return nil // the last page was committed before a takeover
	}
	cursor, reported := task.Cursor, int(task.Checkpoint)
	for {
		page, err := s.store.FindUsers(ctx, roster.UserFilter{OrgID: task.OrgID, Limit: applyPage, After: cursor})
		if err != nil {
			return err
		}
		c := &worker.Commit{}
		err = r.Commit(ctx, func(tx roster.Tx) error {
			sum := summary
			*c = worker.Commit{Done: len(page.Users), Cursor: page.Next}
			n, err := s.applyChunk(ctx, tx, a, task.OrgID, as, p.ApplyOptions, page.Users, reported, &sum, c)
			if err != nil {
				return err
			}
			c.Checkpoint = int64(reported + n)
			if page.Next == "" {
				c.Checkpoint = -1 // done: a takeover has nothing left
			}
			if c.Summary, err = json.Marshal(sum); err != nil {
				return err
			}
			return nil
		}, c)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(c.Summary, &summary); err != nil {
			return err
		}
		reported = int(c.Checkpoint)
		if page.Next == "" {
			return nil
		}
		cursor = page.Next
	}
}

// applyChunk applies the template to one page of users in one transaction and reports the
// users it changes (or would, in a dry run). It returns how many rows it reported.
func (s *Service) applyChunk(ctx context.Context, tx roster.Tx, a roster.Actor, orgID string, as roster.LicenseAssignment, o ApplyOptions,
	listed []*roster.User, reported int, sum *ApplySummary, c *worker.Commit) (int, error) {
	org, err := tx.FindOrgByID(ctx, orgID)
	if err != nil {
		return 0, err
	}
	stored := org.Usage
	ids := make([]string, len(listed))
	for i, u := range listed {
		ids[i] = u.ID
	}
	users, err := tx.FindUsersByIDs(ctx, orgID, ids) // as they are now, locked
	if err != nil {
		return 0, err
	}
	plans, err := s.planApply(ctx, tx, org, as, o, users)
	if err != nil {
		return 0, err
	}
	var writes []*userWrite
	var memberships []*roster.Membership
	var audits []*roster.AuditEntry // of users only whose memberships change
	n := 0
	for _, pl := range plans {
		u := pl.before
		row := &roster.TaskRow{Row: reported + n + 1, Email: u.Email}
		reset := u.UserProfileID != "" && pl.after.UserProfileID == ""
		if reset && !o.DryRun && !o.ConfirmProfileReset {
			row.Outcome, row.Code = string(csvfile.OutcomeError), roster.CodeProfileResetUnconfirmed
			row.Message = "Not changed: this would reset the user's custom user profile, and the reset was not confirmed."
			c.Counts.Errors++
			c.Rows = append(c.Rows, row)
			n++
			continue
		}
		next := *pl.after
		next.License = "" // resolved again, against the seats of this transaction
		w, err := s.checkUser(ctx, tx, a, org, u, &next, nil)
		if err != nil {
			r, err := failedOrError(u.Email, err)
			if err != nil {
				return 0, err
			}
			row.Outcome, row.Code, row.Message = string(csvfile.OutcomeError), r.Code, r.Message
			c.Counts.Errors++
			c.Rows = append(c.Rows, row)
			n++
			continue
		}
		if w == nil && len(pl.memberships) == 0 {
			c.Counts.Unchanged++
			continue
		}
		row.Outcome, row.Message = string(csvfile.OutcomeUpdated), applyMessage(u, &next)
		// The console says the change in the reader's language from these.
		row.Params = map[string]string{"From": string(u.License), "To": string(next.License)}
		if next.License != u.License {
			sum.LicenseChanges++
		} else {
			sum.SourceChanges++
		}
		// As in an import, a row applied with a warning counts as updated and as a warning:
		// created plus updated are the rows with a user, which a revert walks.
		c.Counts.Updated++
		if reset {
			sum.ProfileResets++
			row.Outcome, row.Code = string(csvfile.OutcomeWarning), codeProfileReset
			c.Counts.Warnings++
		}
		if next.WaitingLicense.Granted() && next.WaitingLicense != u.WaitingLicense {
			sum.Waiting++
		}
		c.Rows = append(c.Rows, row)
		n++
		if o.DryRun {
			continue
		}
		row.UserID = u.ID
		var audit *roster.AuditEntry
		if w != nil {
			writes, audit = append(writes, w), w.audit
		} else {
			audit = s.auditEntry(a, orgID, "user.update", "user", u.ID, u.Email, map[string]any{}, map[string]any{})
			audits = append(audits, audit)
		}
		if len(pl.oldLicenses) > 0 {
			audit.Before = withField(audit.Before, "groupLicenses", pl.oldLicenses)
			audit.After = withField(audit.After, "groupLicenses", pl.newLicenses)
		}
		memberships = append(memberships, pl.memberships...)
	}
	if o.DryRun {
		org.Usage = stored
		return n, nil
	}
	if err := s.writeUsers(ctx, tx, writes); err != nil {
		return 0, err
	}
	if err := tx.UpdateMemberships(ctx, memberships); err != nil {
		return 0, err
	}
	if err := tx.CreateAuditEntries(ctx, audits); err != nil {
		return 0, err
	}
	return n, s.saveUsage(ctx, tx, a, org, stored)
}

// applyMessage says what applying the template does to u.
func applyMessage(u, next *roster.User) string {
	var parts []string
	if u.License != next.License {
		parts = append(parts, fmt.Sprintf("License %s → %s.", u.License, next.License))
	}
	if next.WaitingLicense.Granted() && next.WaitingLicense != u.WaitingLicense {
		parts = append(parts, fmt.Sprintf("Waits for a %s seat.", next.WaitingLicense.License))
	}
	if u.UserProfileID != "" && next.UserProfileID == "" {
		parts = append(parts, "Custom user profile reset to the default profile of its type.")
	}
	if len(parts) == 0 {
		parts = append(parts, "License sources updated; the license stays "+string(u.License)+".")
	}
	return strings.Join(parts, " ")
}

// withField sets one key of an audit entry's JSON values.
func withField(v json.RawMessage, key string, value any) json.RawMessage {
	var m map[string]any
	if err := json.Unmarshal(v, &m); err != nil || m == nil {
		m = map[string]any{}
	}
	m[key] = value
	return rawJSON(m)
}
