package httpapi

import (
	"net/http"
	"time"

	"roster"
	"roster/internal/provision"
)

// Email is a message of the outbox as the API shows it.
type Email struct {
	ID       string            `json:"id"`
	UserID   string            `json:"userId"`
	Kind     roster.EmailKind  `json:"kind"`
	To       string            `json:"to"`
	ToName   string            `json:"toName"`
	Language roster.Language   `json:"language"`
	State    roster.EmailState `json:"state"`
	Attempts int               `json:"attempts"`
	// NextAttemptAt is when a queued message is sent (again); nil once sent or failed.
	NextAttemptAt *time.Time `json:"nextAttemptAt"`
	// LastError is the last failure, with the mail server's reply; nil when none.
	LastError *string    `json:"lastError"`
	CreatedAt time.Time  `json:"createdAt"`
	SentAt    *time.Time `json:"sentAt"`
	ExpiresAt *time.Time `json:"expiresAt"` // of the invitation
	// Link is the invitation's accept link, which lets anyone accept the account: shown only
	// while a full administrator needs it to hand it over (LinkStatus shown), nil otherwise.
	Link *string `json:"link"`
	// LinkStatus says why Link is nil: restricted (only full administrators see links),
	// mail_server (a mail server delivers it), sent, not_sent or expired; shown when it is not.
	LinkStatus provision.LinkStatus `json:"linkStatus"`
	// Subject and Text are the message as it is sent (its plain text part), so that it can be
	// read where no mail server delivers it; a note stands for a link that is not shown.
	Subject string `json:"subject"`
	Text    string `json:"text"`
}

// EmailList is one page of the outbox, newest first.
type EmailList struct {
	Items      []Email `json:"items"`
	NextCursor *string `json:"nextCursor"`
}

func emailJSON(e *provision.OutboxEmail) Email {
	out := Email{Subject: e.Subject, Text: e.Text, ID: e.ID, UserID: e.UserID, Kind: e.Kind, To: e.To, ToName: e.ToName,
		Language: e.Language, State: e.State, Attempts: e.Attempts, CreatedAt: e.CreatedAt.UTC(), SentAt: timeOrNil(e.SentAt),
		ExpiresAt: timeOrNil(e.ExpiresAt), LinkStatus: e.LinkStatus}
	if e.State == roster.EmailQueued {
		out.NextAttemptAt = timeOrNil(e.NextAttemptAt)
	}
	if e.LastError != "" {
		out.LastError = &e.LastError
	}
	if e.Link != "" {
		out.Link = &e.Link
	}
	return out
}

func (api *API) listEmails(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	q, err := query(r, "userId", "state", "limit", "cursor")
	if err != nil {
		return err
	}
	f := roster.EmailFilter{OrgID: r.PathValue("org"), UserID: q.Get("userId"), State: roster.EmailState(q.Get("state"))}
	if f.Limit, err = limitParam(q); err != nil {
		return err
	}
	if f.Before, err = decodeCursor(q, cursorEmails); err != nil {
		return err
	}
	page, err := api.svc.Emails(r.Context(), a, f)
	if err != nil {
		return err
	}
	list := EmailList{Items: make([]Email, len(page.Emails)), NextCursor: encodeCursor(cursorEmails, page.Next)}
	for i, e := range page.Emails {
		list.Items[i] = emailJSON(e)
	}
	return ok(w, http.StatusOK, list)
}

// resendInvitation writes a new invitation of a pending user to the outbox; 202, because the
// message is sent later.
func (api *API) resendInvitation(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	if _, err := query(r); err != nil {
		return err
	}
	e, err := api.svc.ResendInvitation(r.Context(), a, r.PathValue("org"), r.PathValue("id"))
	if err != nil {
		return err
	}
	return ok(w, http.StatusAccepted, emailJSON(e))
}

// resendInvitations queues the task that sends every pending user a new invitation.
func (api *API) resendInvitations(w http.ResponseWriter, r *http.Request, a roster.Actor) error {
	if _, err := query(r); err != nil {
		return err
	}
	t, err := api.svc.StartResendInvitations(r.Context(), a, r.PathValue("org"))
	if err != nil {
		return err
	}
	return acceptedTask(w, t)
}
