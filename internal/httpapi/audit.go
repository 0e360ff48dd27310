package httpapi

import (
	"encoding/json"
	"net/http"
	"time"

	"roster"
)

// AuditEntry is one entry of the audit log as the API shows it.
type AuditEntry struct {
	ID         string           `json:"id"`
	At         time.Time        `json:"at"`
	ActorKind  string           `json:"actorKind"`
	ActorID    string           `json:"actorId"` // "" for the installation itself
	ActorName  string           `json:"actorName"`
	Interface  roster.Interface `json:"interface"`
	Action     string           `json:"action"`
	TargetKind string           `json:"targetKind"`
	TargetID   string           `json:"targetId"`
	Target     string           `json:"target"`
	// Before and After hold the changed fields; Before is null for a creation and After for a
	// deletion.
	Before json.RawMessage `json:"before"`
	After  json.RawMessage `json:"after"`
	TaskID string          `json:"taskId"` // "" when the change was not made by a task
}

// AuditList is one page of the audit log, newest first.
type AuditList struct {
	Items []AuditEntry `json:"items"`
	// NextCursor, passed as the cursor parameter, reads the next page; nil on the last page.
	NextCursor *string `json:"nextCursor"`
}

// AuditQuery filters and pages GET /api/v1/orgs/{org}/audit; empty fields are not sent.
type AuditQuery struct {
	Action    string
	TargetID  string
	ActorID   string
	TaskID    string
	Interface roster.Interface
	Since     time.Time // inclusive
	Until     time.Time // exclusive
	Limit     int
	Cursor    string
}

func auditJSON(e *roster.AuditEntry) AuditEntry {
	return AuditEntry{
		ID: e.ID, At: e.At.UTC(), ActorKind: e.ActorKind, ActorID: e.ActorID, ActorName: e.ActorName,
		Interface: e.Interface, Action: e.Action, TargetKind: e.TargetKind, TargetID: e.TargetID,
		Target: e.Target, Before: rawOrNull(e.Before), After: rawOrNull(e.After), TaskID: e.TaskID,
	}
}

// rawOrNull makes an absent JSON value an explicit null, since an empty RawMessage would not
// encode.
func rawOrNull(m json.RawMessage) json.RawMessage {
	if len(m) == 0 {
		return json.RawMessage("null")
	}
	return m
}

func (api *API) listAudit(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	q, err := query(r, "action", "targetId", "actorId", "taskId", "interface", "since", "until", "limit", "cursor")
	if err != nil {
		return err
	}
	f := roster.AuditFilter{
		OrgID: r.PathValue("org"), Action: q.Get("action"), TargetID: q.Get("targetId"),
		ActorID: q.Get("actorId"), TaskID: q.Get("taskId"), Interface: roster.Interface(q.Get("interface")),
	}
	if f.Since, err = timeParam(q, "since"); err != nil {
		return err
	}
	if f.Until, err = timeParam(q, "until"); err != nil {
		return err
	}
	if f.Limit, err = limitParam(q); err != nil {
		return err
	}
	if f.Before, err = decodeCursor(q, cursorAudit); err != nil {
		return err
	}
	page, err := api.svc.AuditEntries(r.Context(), a, f)
	if err != nil {
		return err
	}
	list := AuditList{Items: make([]AuditEntry, len(page.Entries)), NextCursor: encodeCursor(cursorAudit, page.Next)}
	for i, e := range page.Entries {
		list.Items[i] = auditJSON(e)
	}
	return ok(w, http.StatusOK, list)
}
