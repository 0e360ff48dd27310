package provision

import (
	"context"
	"encoding/json"
	"fmt"

	"roster"
)

// A dry run keeps its file when it completes, so that the real import can start from the very
// file the administrator checked, without uploading it again. The organization keeps the file
// of its latest dry run only: starting any import deletes the files that finished imports kept,
// and the real import takes the file over (it is deleted when that import ends).

// StartImportFromDryRun queues the real import of the file of a completed dry run, in the dry
// run's mode. The new task is the actor's: it runs with their rights, whoever ran the dry run.
// A task that is not a completed dry run of an import is refused as invalid; a dry run whose
// file is no longer kept (a real import took it, a later import replaced it, or retention
// removed it) is a conflict; a dry run retention removed whole is not found.
func (s *Service) StartImportFromDryRun(ctx context.Context, a roster.Actor, orgID, dryRunID string) (*roster.Task, error) {
	if err := s.AuthorizeImport(ctx, a, orgID); err != nil {
		return nil, err
	}
	dry, err := s.store.FindTaskByID(ctx, orgID, dryRunID)
	if err != nil {
		return nil, err
	}
	var p importParams
	if dry.Kind != KindImport || json.Unmarshal(dry.Params, &p) != nil || !p.DryRun {
		return nil, roster.Errorf(roster.CodeInvalid, "Task %s is not the dry run of an import.", dry.ID)
	}
	if dry.State != roster.TaskCompleted && dry.State != roster.TaskCompletedWithErrors {
		return nil, roster.Errorf(roster.CodeInvalid,
			"The dry run %s did not complete (%s); start the import again with the file.", dry.ID, dry.State)
	}
	p.DryRun, p.Actor = false, newTaskActor(a)
	params, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("import parameters: %w", err)
	}
	task := &roster.Task{ID: roster.NewID(), OrgID: orgID, Kind: KindImport, Params: params,
		Progress: roster.TaskProgress{Total: dry.Progress.Total}, CreatedBy: a.Label(), CreatedAt: s.clock()}
	err = s.startImportTask(ctx, a, task, func(tx roster.Tx) error {
		parts, err := tx.MoveTaskFile(ctx, dry.ID, task.ID)
		if err != nil {
			return err
		}
		if parts == 0 {
			return fileGone(dry.ID)
		}
		return tx.DeleteFinishedTaskFiles(ctx, orgID, KindImport)
	})
	if err != nil {
		return nil, err
	}
	return task, nil
}

// fileGone is the refusal of a real import from a dry run whose file is no longer kept.
func fileGone(dryRunID string) error {
	return roster.Errorf(roster.CodeConflict,
		"The file of dry run %s is no longer kept: an import started since, or its time to be kept (retention) has passed. Upload the file again.", dryRunID)
}

// ActiveImport returns the import, revert or template application that is queued or running in
// the organization, nil when there is none: while one is, no other import starts. Any
// administrator of the organization may ask.
func (s *Service) ActiveImport(ctx context.Context, a roster.Actor, orgID string) (*roster.Task, error) {
	if err := authorize(a, orgID, permRead); err != nil {
		return nil, err
	}
	for _, kind := range importKinds {
		t, err := s.store.FindActiveTask(ctx, orgID, kind)
		switch {
		case err == nil:
			return t, nil
		case roster.ErrorCode(err) != roster.CodeNotFound:
			return nil, err
		}
	}
	return nil, nil
}
