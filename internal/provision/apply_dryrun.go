package provision

import (
	"context"
	"encoding/json"

	"roster"
)

// ApplyTask is what an application of the template was asked to do and what it found.
type ApplyTask struct {
	Mode    roster.AssignmentMode
	License roster.License // the organization-wide template in org mode
	Options ApplyOptions
	Summary ApplySummary
}

// ApplyTaskOf reads the parameters and summary of a template application task; ok is false
// for other tasks.
func ApplyTaskOf(t *roster.Task) (ApplyTask, bool) {
	var p applyParams
	if t.Kind != KindApplyTemplate || json.Unmarshal(t.Params, &p) != nil {
		return ApplyTask{}, false
	}
	at := ApplyTask{Mode: p.Assignment.Mode, License: p.Assignment.License, Options: p.ApplyOptions}
	if len(t.Summary) > 0 {
		// A summary that cannot be read shows as zeros: the counts and the report stand.
		_ = json.Unmarshal(t.Summary, &at.Summary)
	}
	return at, true
}

// StartApplyFromDryRun applies the template for real with the options of a finished dry run,
// so that what runs is what the administrator looked at. It refuses when the template changed
// since the dry run (code conflict): a new dry run must show what the new one does.
func (s *Service) StartApplyFromDryRun(ctx context.Context, a roster.Actor, orgID, dryRunID string, confirmProfileReset bool) (*roster.Task, error) {
	if err := authorize(a, orgID, permLicenses); err != nil {
		return nil, err
	}
	t, err := s.store.FindTaskByID(ctx, orgID, dryRunID)
	if err != nil {
		return nil, err
	}
	at, ok := ApplyTaskOf(t)
	if !ok || !at.Options.DryRun || (t.State != roster.TaskCompleted && t.State != roster.TaskCompletedWithErrors) {
		return nil, roster.Errorf(roster.CodeInvalid, "Task %s is not a finished dry run of a template application.", dryRunID)
	}
	org, err := s.store.FindOrgByID(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if org.Assignment.Mode != at.Mode || org.Assignment.License != at.License {
		return nil, roster.Errorf(roster.CodeConflict,
			"The automatic license assignment changed after dry run %s; run a new dry run to see what applying it does.", dryRunID)
	}
	o := at.Options
	o.DryRun, o.ConfirmProfileReset = false, confirmProfileReset
	return s.StartApplyTemplate(ctx, a, orgID, o)
}
