package provision

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"roster"
)

// BatchRecord is one submission of the console's "Add or modify users" wizard and what it did.
type BatchRecord struct {
	Key     string
	Batch   Batch
	Results []Result
	At      time.Time
}

// maxBatchKeyLen bounds the key a wizard's form carries (the console's are 22 characters).
const maxBatchKeyLen = 64

// SubmitBatch saves an add-or-modify submission of the console once. key, new on every review
// form the wizard shows, names the submission: the first request with it runs the batch as
// AddOrModifyUsers does and keeps the submission and its results for the session, in the same
// transaction; a later one with the same key (a double click, a reload, Back and Save again)
// returns what the first did and changes nothing. Without the key a second request would
// create nothing either, emails being unique, but would answer "unchanged" for the people the
// first one created.
func (s *Service) SubmitBatch(ctx context.Context, admin *Admin, orgID, key string, b Batch) (*BatchRecord, error) {
	a := admin.Actor(orgID)
	if err := checkBatch(a, orgID, b); err != nil {
		return nil, err
	}
	if key == "" || len(key) > maxBatchKeyLen {
		return nil, roster.InvalidFields(roster.FieldError{Field: "key", Code: roster.CodeInvalid,
			Message: "The form lacks its submission key; open the wizard again."})
	}
	var rec *BatchRecord
	err := s.writeOrg(ctx, a, permLicenses, orgID, func(tx roster.Tx, org *roster.Org) error {
		// The organization is locked first, as by every write: a second request with this key
		// waits here until the first has committed, and then finds its record.
		kept, err := tx.FindConsoleBatch(ctx, admin.Session.ID, key)
		if err == nil && kept.OrgID == orgID {
			rec, err = decodeBatchRecord(kept)
			return err
		}
		if err != nil && roster.ErrorCode(err) != roster.CodeNotFound {
			return err
		}
		if err == nil {
			return roster.Errorf(roster.CodeConflict, "This form was already sent for another organization.")
		}
		results, writes, err := s.decideBatch(ctx, tx, a, org, b)
		if err != nil {
			return err
		}
		if err := s.writeUsers(ctx, tx, writes); err != nil {
			return err
		}
		now := s.clock()
		rec = &BatchRecord{Key: key, Batch: b, Results: results, At: now}
		data, err := json.Marshal(rec)
		if err != nil {
			return fmt.Errorf("encode batch record: %w", err)
		}
		return tx.CreateConsoleBatch(ctx, &roster.ConsoleBatch{SessionID: admin.Session.ID, Key: key, OrgID: orgID, Record: data, CreatedAt: now},
			now.Add(-SessionAbsolute))
	})
	if err != nil {
		return nil, err
	}
	return rec, nil
}

// SubmittedBatch returns the submission the administrator's session made under key in the
// organization, for its summary page; not_found once it is no longer kept (it outlives no
// session).
func (s *Service) SubmittedBatch(ctx context.Context, admin *Admin, orgID, key string) (*BatchRecord, error) {
	if err := authorize(admin.Actor(orgID), orgID, permRead); err != nil {
		return nil, err
	}
	kept, err := s.store.FindConsoleBatch(ctx, admin.Session.ID, key)
	if err != nil {
		return nil, err
	}
	if kept.OrgID != orgID {
		return nil, roster.Errorf(roster.CodeNotFound, "This summary is no longer kept.")
	}
	return decodeBatchRecord(kept)
}

func decodeBatchRecord(kept *roster.ConsoleBatch) (*BatchRecord, error) {
	var rec BatchRecord
	if err := json.Unmarshal(kept.Record, &rec); err != nil {
		return nil, fmt.Errorf("decode batch record: %w", err)
	}
	return &rec, nil
}
