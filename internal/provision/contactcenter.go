package provision

import (
	"context"
	"encoding/json"

	"roster"
)

// KindSynchronize is the Synchronize Users task: it reconciles every user of an organization
// with the contact center and retries the failed ones. Its handler lives with the sync engine
// (internal/contactcenter).
const KindSynchronize = "contactcenter.synchronize"

// SynchronizeParams is the input of a synchronize task.
type SynchronizeParams struct {
	Actor taskActor `json:"actor"`
}

// StartSynchronize queues Synchronize Users for an organization; one runs at a time.
func (s *Service) StartSynchronize(ctx context.Context, a roster.Actor, orgID string) (*roster.Task, error) {
	if err := authorize(a, orgID, permLicenses); err != nil {
		return nil, err
	}
	params, err := json.Marshal(SynchronizeParams{Actor: newTaskActor(a)})
	if err != nil {
		return nil, err
	}
	task := &roster.Task{ID: roster.NewID(), OrgID: orgID, Kind: KindSynchronize, Params: params,
		CreatedBy: a.Label(), CreatedAt: s.clock()}
	err = s.createTaskAlone(ctx, a, task, []string{KindSynchronize}, func(active *roster.Task) error {
		return roster.Errorf(roster.CodeConflict, "Users are already being synchronized (task %s); wait for it to finish.", active.ID)
	}, func(tx roster.Tx) error {
		org, err := tx.FindOrgByID(ctx, orgID)
		if err == nil {
			task.Progress.Total = org.Usage.Users
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return task, nil
}

// ServiceDetails is the contact center's Service Details page: the platform, the connector,
// the agents per profile type and the users per sync status.
type ServiceDetails struct {
	OrgID     string
	Platform  roster.Platform
	Connector string
	Agents    map[roster.ProfileType]int
	Users     map[roster.SyncStatus]int
	// Remote is what the contact center behind a remote connector said it supports; nil with
	// the builtin connector, or before it was asked.
	Remote *roster.RemoteSupport
}

// ContactCenter returns an organization's Service Details.
func (s *Service) ContactCenter(ctx context.Context, a roster.Actor, orgID string) (*ServiceDetails, error) {
	if err := authorize(a, orgID, permRead); err != nil {
		return nil, err
	}
	org, err := s.store.FindOrgByID(ctx, orgID)
	if err != nil {
		return nil, err
	}
	agents, err := s.store.CountAgents(ctx, orgID)
	if err != nil {
		return nil, err
	}
	users, err := s.store.CountUsersBySyncStatus(ctx, orgID)
	if err != nil {
		return nil, err
	}
	d := &ServiceDetails{OrgID: orgID, Platform: org.Platform, Connector: s.connector, Agents: agents, Users: users}
	if s.remoteSupport != nil {
		d.Remote = s.remoteSupport()
	}
	return d, nil
}

// SyncState returns the pending or failed delivery of a user to the contact center, or nil
// when there is none: what the user's sync status is about.
func (s *Service) SyncState(ctx context.Context, a roster.Actor, orgID, userID string) (*roster.SyncJob, error) {
	if err := authorize(a, orgID, permRead); err != nil {
		return nil, err
	}
	j, err := s.store.FindSyncJob(ctx, userID)
	if roster.ErrorCode(err) == roster.CodeNotFound || err == nil && j.OrgID != orgID {
		return nil, nil
	}
	return j, err
}

// actionRetrySync is the audit action of a user's failed sync queued again. It changes no
// field of the directory, so reverting an import passes over it (lastDirectoryChange).
const actionRetrySync = "user.retry_sync"

// RetrySync queues the delivery of one user whose sync status is invalid, with a fresh retry
// budget, without a Synchronize Users of the whole organization. The user is pending until the
// sync engine delivers it (valid) or its retries run out again (invalid). Full and contact
// center service administrators may run syncs; a user whose sync did not fail is refused with
// CodeConflict, as there is nothing to retry.
func (s *Service) RetrySync(ctx context.Context, a roster.Actor, orgID, userID string) (*roster.User, error) {
	var u *roster.User
	err := s.writeOrg(ctx, a, permLicenses, orgID, func(tx roster.Tx, org *roster.Org) error {
		var err error
		if u, err = tx.FindUserByID(ctx, orgID, userID); err != nil {
			return err
		}
		if u.SyncStatus != roster.SyncInvalid {
			return roster.Errorf(roster.CodeConflict,
				"The sync status of %s is %s, not invalid: there is no failed sync to retry.", u.Email, u.SyncStatus)
		}
		// A new generation of the user's job, due now, its attempts back to zero.
		if err := tx.EnqueueSync(ctx, orgID, []string{u.ID}, s.clock()); err != nil {
			return err
		}
		if err := tx.SetSyncStatuses(ctx, orgID, map[string]roster.SyncStatus{u.ID: roster.SyncPending}); err != nil {
			return err
		}
		u.SyncStatus = roster.SyncPending
		return s.audit(ctx, tx, a, orgID, actionRetrySync, "user", u.ID, u.Email,
			map[string]any{"syncStatus": string(roster.SyncInvalid)}, map[string]any{"syncStatus": string(roster.SyncPending)})
	})
	if err != nil {
		return nil, err
	}
	return u, nil
}
