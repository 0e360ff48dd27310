package provision

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"roster"
	"roster/internal/csvfile"
	"roster/internal/worker"
)

// revertParams is the input of a revert task.
type revertParams struct {
	ImportTaskID string    `json:"importTaskId"`
	Actor        taskActor `json:"actor"`
}

// revertPage is how many report rows of the import a revert reads and applies a transaction.
const revertPage = 1000

// StartRevert queues the revert of a finished import: every user the import changed goes back
// to its values before the import, and every user it created is deleted, unless the user was
// changed again since (then its row is reported and the user left alone).
func (s *Service) StartRevert(ctx context.Context, a roster.Actor, orgID, importID string) (*roster.Task, error) {
	if err := authorize(a, orgID, permLicenses); err != nil {
		return nil, err
	}
	imp, err := s.store.FindTaskByID(ctx, orgID, importID)
	if err != nil {
		return nil, err
	}
	var ip struct {
		DryRun bool `json:"dryRun"`
	}
	switch {
	case imp.Kind != KindImport && imp.Kind != KindApplyTemplate:
		return nil, roster.Errorf(roster.CodeInvalid, "Only an import or a template application can be reverted; task %s is a %s task.", imp.ID, imp.Kind)
	case json.Unmarshal(imp.Params, &ip) != nil:
		return nil, fmt.Errorf("revert task %s: parameters of the task", imp.ID)
	case !imp.State.Final():
		return nil, roster.Errorf(roster.CodeImportInProgress, "The task %s has not finished; wait for it or cancel it, then revert it.", imp.ID)
	case ip.DryRun:
		return nil, roster.Errorf(roster.CodeInvalid, "Task %s is a dry run: it changed nothing, so there is nothing to revert.", imp.ID)
	}
	params, err := json.Marshal(revertParams{ImportTaskID: imp.ID, Actor: newTaskActor(a)})
	if err != nil {
		return nil, fmt.Errorf("revert parameters: %w", err)
	}
	// The revert walks the rows that name a user: those that created or updated one. A row
	// with a warning counts as created or updated too, and a warning about the whole file
	// names no user, so warnings are no part of the total.
	task := &roster.Task{ID: roster.NewID(), OrgID: orgID, Kind: KindImportRevert, Params: params,
		Progress:  roster.TaskProgress{Total: imp.Counts.Created + imp.Counts.Updated},
		CreatedBy: a.Label(), CreatedAt: s.clock()}
	err = s.startImportTask(ctx, a, task, func(tx roster.Tx) error {
		return revertedBy(ctx, tx, orgID, imp.ID)
	})
	if err != nil {
		return nil, err
	}
	return task, nil
}

// revertedBy refuses a second revert of an import: once reverted, its users are as before, and
// a second pass could only undo what happened since. A failed revert does not count.
func revertedBy(ctx context.Context, tx roster.Tx, orgID, importID string) error {
	f := roster.TaskFilter{OrgID: orgID, Kind: KindImportRevert, Limit: roster.MaxPageSize}
	for {
		page, err := tx.FindTasks(ctx, f)
		if err != nil {
			return err
		}
		for _, t := range page.Tasks {
			var p revertParams
			if json.Unmarshal(t.Params, &p) == nil && p.ImportTaskID == importID && t.State != roster.TaskFailed {
				return roster.Errorf(roster.CodeConflict, "The import %s is already reverted by task %s.", importID, t.ID)
			}
		}
		if page.Next == "" {
			return nil
		}
		f.Before = page.Next
	}
}

// RunRevert is the worker handler of revert tasks. It walks the report of the import in row
// order, revertPage rows a transaction, with the row reached as its checkpoint.
func (s *Service) RunRevert(ctx context.Context, r *worker.Run) error {
	task := r.Task()
	var p revertParams
	if err := json.Unmarshal(task.Params, &p); err != nil {
		return fmt.Errorf("revert task %s: parameters: %w", task.ID, err)
	}
	rv := &revertRun{s: s, importID: p.ImportTaskID, actor: p.Actor.actor(task.ID)}
	rv.canDelete = authorize(rv.actor, task.OrgID, permUsers)
	after := int(task.Checkpoint)
	for {
		rows, err := s.store.FindTaskRows(ctx, p.ImportTaskID, after, revertPage)
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return nil
		}
		after = rows[len(rows)-1].Row
		changed := rows[:0]
		for _, row := range rows {
			if row.UserID != "" {
				changed = append(changed, row)
			}
		}
		if len(changed) > 0 {
			c := &worker.Commit{}
			err := r.Commit(ctx, func(tx roster.Tx) error {
				*c = worker.Commit{Done: len(changed), Checkpoint: int64(after)}
				return rv.revertChunk(ctx, tx, task.OrgID, changed, c)
			}, c)
			if err != nil {
				return err
			}
		}
		if len(rows) < revertPage {
			return nil
		}
	}
}

// revertRun is the state of one run of a revert task.
type revertRun struct {
	s         *Service
	importID  string
	actor     roster.Actor
	canDelete error // nil when the actor may delete users
}

// revertChunk puts the users of some rows of the import back as they were before it.
func (rv *revertRun) revertChunk(ctx context.Context, tx roster.Tx, orgID string, rows []*roster.TaskRow, c *worker.Commit) error {
	org, err := tx.FindOrgByID(ctx, orgID)
	if err != nil {
		return err
	}
	stored := org.Usage
	var writes []*userWrite
	for _, row := range rows {
		report, w, err := rv.revertUser(ctx, tx, org, row.UserID)
		if err != nil {
			return err
		}
		if w != nil {
			writes = append(writes, w)
		}
		report.Row, report.Email, report.UserID = row.Row, row.Email, row.UserID
		c.Rows = append(c.Rows, report)
		switch csvfile.Outcome(report.Outcome) {
		case csvfile.OutcomeUpdated:
			c.Counts.Updated++
		case csvfile.OutcomeUnchanged:
			c.Counts.Unchanged++
		case csvfile.OutcomeWarning:
			c.Counts.Warnings++
		default:
			c.Counts.Errors++
		}
	}
	if err := rv.s.writeUsers(ctx, tx, writes); err != nil {
		return err
	}
	return rv.s.saveUsage(ctx, tx, rv.actor, org, stored)
}

// revertUser undoes what the import did to one user, unless the user changed since: the
// import's entry must still be the latest change of the user's directory fields. A deletion is
// written here; a restore is returned to be written with the others of the chunk.
func (rv *revertRun) revertUser(ctx context.Context, tx roster.Tx, org *roster.Org, userID string) (*roster.TaskRow, *userWrite, error) {
	last, err := lastDirectoryChange(ctx, tx, org.ID, userID)
	if err != nil {
		return nil, nil, err
	}
	if last.TaskID != rv.importID {
		return &roster.TaskRow{Outcome: string(csvfile.OutcomeWarning), Code: codeChangedSince,
			Message: fmt.Sprintf("Not reverted: the user was changed after the import (%s by %s at %s).",
				last.Action, last.ActorName, last.At.Format("2006-01-02 15:04 UTC"))}, nil, nil
	}
	u, err := tx.FindUserByID(ctx, org.ID, userID)
	if err != nil {
		return nil, nil, err
	}
	if last.Action == "user.create" {
		if rv.canDelete != nil {
			return refusedRow(rowForbidden(rv.canDelete, "reverting this row deletes the user the import created"))
		}
		if err := rv.s.deleteUser(ctx, tx, rv.actor, org, u); err != nil {
			return refusedRow(err)
		}
		return &roster.TaskRow{Outcome: string(csvfile.OutcomeUpdated), Message: "Deleted: the import created this user."}, nil, nil
	}
	var before map[string]any
	if err := json.Unmarshal(last.Before, &before); err != nil {
		return nil, nil, fmt.Errorf("revert user %s: audit entry %s: %w", userID, last.ID, err)
	}
	next := *u
	restoreFields(&next, before, rv.s.clock())
	mc, err := rv.restoreMemberships(ctx, tx, org, &next, before["groupLicenses"])
	if err != nil {
		return nil, nil, err
	}
	if rv.canDelete != nil && profileChanged(u, &next) {
		return refusedRow(rowForbidden(rv.canDelete, "reverting this row changes more than licenses"))
	}
	w, err := rv.s.checkUser(ctx, tx, rv.actor, org, u, &next, nil)
	if err != nil {
		return refusedRow(err)
	}
	if err := mc.write(ctx, tx); err != nil {
		return nil, nil, err
	}
	switch {
	case w == nil && !mc.any():
		return &roster.TaskRow{Outcome: string(csvfile.OutcomeUnchanged), Message: "Already as before the import."}, nil, nil
	case w == nil:
		// Only memberships change: the user's own record stays, the entry records them.
		e := rv.s.auditEntry(rv.actor, org.ID, "user.update", "user", u.ID, u.Email,
			nil, map[string]any{"groupLicenses": before["groupLicenses"]})
		if err := tx.CreateAuditEntry(ctx, e); err != nil {
			return nil, nil, err
		}
	case before["groupLicenses"] != nil:
		w.audit.After = withField(w.audit.After, "groupLicenses", before["groupLicenses"])
	}
	return &roster.TaskRow{Outcome: string(csvfile.OutcomeUpdated), Message: "Restored to the values before the import."}, w, nil
}

// lastDirectoryChange returns the latest audit entry that changed the directory fields of a
// user: its profile, status, license, roles or memberships, by whoever made it. The contact
// center's entries (agent.*, the sync following a change), invitations sent again and failed
// syncs queued again change none of them, so they are passed over.
func lastDirectoryChange(ctx context.Context, tx roster.Tx, orgID, userID string) (*roster.AuditEntry, error) {
	f := roster.AuditFilter{OrgID: orgID, TargetID: userID, TargetKind: "user", Limit: 10}
	for {
		page, err := tx.FindAuditEntries(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, e := range page.Entries {
			if e.Action != actionInvite && e.Action != actionRetrySync {
				return e, nil
			}
		}
		if page.Next == "" {
			return nil, fmt.Errorf("revert user %s: no audit entry", userID)
		}
		f.Before = page.Next
	}
}

// restoreMemberships puts back the licenses of u's memberships recorded in an audit entry's
// before values (group id → license; "" for no membership), and recomputes u's group license.
// Memberships of groups deleted since stay deleted. The change is written by the caller once
// the user's change passed the rules.
func (rv *revertRun) restoreMemberships(ctx context.Context, tx roster.Tx, org *roster.Org, u *roster.User, recorded any) (*membershipChange, error) {
	want, _ := recorded.(map[string]any)
	mc := &membershipChange{}
	if len(want) == 0 {
		return mc, nil
	}
	ms, err := tx.FindMembershipsOfUsers(ctx, org.ID, []string{u.ID})
	if err != nil {
		return nil, err
	}
	now := rv.s.clock()
	have := make(map[string]*roster.Membership, len(ms))
	for _, m := range ms {
		have[m.GroupID] = m
	}
	for groupID, v := range want {
		l, _ := v.(string)
		m := have[groupID]
		switch {
		case l == "" && m != nil:
			mc.remove = append(mc.remove, m)
			delete(have, groupID)
		case l != "" && m == nil:
			if _, err := tx.FindGroupByID(ctx, org.ID, groupID); roster.ErrorCode(err) == roster.CodeNotFound {
				continue
			} else if err != nil {
				return nil, err
			}
			m = &roster.Membership{GroupID: groupID, UserID: u.ID, OrgID: org.ID, License: roster.License(l), Since: now}
			mc.create, have[groupID] = append(mc.create, m), m
		case m != nil && m.License != roster.License(l):
			m.License, m.Since = roster.License(l), now
			mc.update = append(mc.update, m)
		}
	}
	u.GroupLicense = roster.LicenseNone
	for _, m := range have {
		u.GroupLicense = roster.Best(u.GroupLicense, m.License)
	}
	return mc, nil
}

// membershipChange is a change of some memberships, to write.
type membershipChange struct {
	create, update, remove []*roster.Membership
}

func (mc *membershipChange) any() bool {
	return len(mc.create)+len(mc.update)+len(mc.remove) > 0
}

func (mc *membershipChange) write(ctx context.Context, tx roster.Tx) error {
	if err := tx.CreateMemberships(ctx, mc.create); err != nil {
		return err
	}
	if err := tx.UpdateMemberships(ctx, mc.update); err != nil {
		return err
	}
	return tx.DeleteMemberships(ctx, mc.remove)
}

// codeChangedSince marks a row a revert left alone because its user changed after the import.
const codeChangedSince roster.Code = "changed_since_import"

// refusedRow reports a rule's refusal as an error row and passes store errors on.
func refusedRow(err error) (*roster.TaskRow, *userWrite, error) {
	r, err := failedOrError("", err)
	if err != nil {
		return nil, nil, err
	}
	return errorRow(r.Code, r.Message), nil, nil
}

// restoreFields sets the fields of u recorded in an audit entry's before values (userFields).
// Restored sources of the license count from now.
func restoreFields(u *roster.User, m map[string]any, now time.Time) {
	grant := func(v string) roster.LicenseGrant {
		if v == "" {
			return roster.LicenseGrant{}
		}
		return roster.LicenseGrant{License: roster.License(v), Since: now}
	}
	for k, val := range m {
		v, _ := val.(string)
		switch k {
		case "email":
			u.Email = v
		case "firstName":
			u.FirstName = v
		case "lastName":
			u.LastName = v
		case "displayName":
			u.DisplayName = v
		case "phoneNumber":
			u.PhoneNumber = v
		case "title":
			u.Title = v
		case "department":
			u.Department = v
		case "preferredLanguage":
			u.PreferredLanguage = roster.Language(v)
		case "status":
			u.Status = roster.UserStatus(v)
		case "license":
			u.License = roster.License(v)
		case "ccRole":
			u.CCRole = roster.CCRole(v)
		case "adminRole":
			u.AdminRole = roster.AdminRole(v)
		case "userProfile":
			u.UserProfileID = v
		case "directLicense":
			u.DirectLicense = grant(v)
		case "templateLicense":
			u.TemplateLicense = grant(v)
		}
	}
}
