package provision

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"roster"
	"roster/internal/csvfile"
	"roster/internal/worker"
)

// actionInvite is the audit action of an invitation sent again. It changes no field of the
// user, so a revert does not count it as a change since the import.
const actionInvite = "user.invite"

// InvitationTTL is how long an invitation link works.
const InvitationTTL = 7 * 24 * time.Hour

// InvitePath starts the path of every invitation link; the token follows it.
const InvitePath = "/invite/"

// SetupPath starts the path of the first start's one-time setup link; its secret follows.
const SetupPath = "/console/setup/"

// secretLinkRE finds the secret of an invitation or setup link in a path, a link or a text.
// Any case, and any characters up to the end of the path segment: what a log must not keep is
// whatever was sent there, a valid secret or not.
var secretLinkRE = regexp.MustCompile(`(?i)(/invite/|/console/setup/)[^/?#\s"]+`)

// RedactLinks returns s, a path, a link or a text that may hold one, with the secret of every
// invitation or setup link in it replaced: whoever reads a log line must not be able to accept
// someone's invitation or set the installation up. Every log line that prints a request path
// or a link goes through it.
func RedactLinks(s string) string {
	low := strings.ToLower(s)
	if !strings.Contains(low, InvitePath) && !strings.Contains(low, SetupPath) {
		return s
	}
	return secretLinkRE.ReplaceAllStringFunc(s, func(m string) string {
		prefix := InvitePath
		if strings.HasPrefix(strings.ToLower(m), SetupPath) {
			prefix = SetupPath
		}
		return prefix + "[redacted]"
	})
}

// invite writes, in the transaction of w, the invitation of a new or pending user and its
// message to the outbox, in the user's language, else the organization's.
func (s *Service) invite(org *roster.Org, u *roster.User) (*roster.Invitation, *roster.Email) {
	var secret [32]byte
	if _, err := rand.Read(secret[:]); err != nil {
		// crypto/rand does not fail on supported platforms; a failure is not recoverable here.
		panic("provision: invitation secret: " + err.Error())
	}
	now := s.clock()
	lang := u.PreferredLanguage
	if lang == "" {
		lang = org.Settings.DefaultLanguage
	}
	id := roster.NewID()
	inv := &roster.Invitation{ID: id, SecretHash: hashSecret(string(secret[:])), OrgID: org.ID, UserID: u.ID,
		CreatedAt: now, ExpiresAt: now.Add(InvitationTTL)}
	e := &roster.Email{ID: roster.NewID(), OrgID: org.ID, UserID: u.ID, Kind: roster.EmailInvitation,
		To: u.Email, ToName: displayName(u), Language: lang, Link: s.baseURL + InvitePath + invitationToken(id, secret[:]),
		State: roster.EmailQueued, NextAttemptAt: now, CreatedAt: now, ExpiresAt: inv.ExpiresAt}
	return inv, e
}

// invitationToken is the last part of an invitation link: the invitation's id (16 bytes) and
// its secret, in URL-safe base64.
func invitationToken(id string, secret []byte) string {
	raw, err := hex.DecodeString(strings.ReplaceAll(id, "-", ""))
	if err != nil || len(raw) != 16 {
		panic("provision: invitation id " + id + " is not a UUID")
	}
	return base64.RawURLEncoding.EncodeToString(append(raw, secret...))
}

// findInvitation returns the invitation of a link's token when its secret matches, and
// not_found for any token that does not name one.
func findInvitation(ctx context.Context, r roster.Reader, token string) (*roster.Invitation, error) {
	notFound := roster.Errorf(roster.CodeNotFound, "This invitation link is not valid.")
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != 16+32 {
		return nil, notFound
	}
	h := hex.EncodeToString(raw[:16])
	id := h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
	inv, err := r.FindInvitation(ctx, id)
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(inv.SecretHash, hashSecret(string(raw[16:]))) != 1 {
		return nil, notFound
	}
	return inv, nil
}

// displayName is how a message addresses a user: the display name, else first and last name.
func displayName(u *roster.User) string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return strings.TrimSpace(u.FirstName + " " + u.LastName)
}

// ResendInvitation sends a pending user a new invitation; the links of earlier ones stop
// working. Full and contact center service administrators may send invitations.
func (s *Service) ResendInvitation(ctx context.Context, a roster.Actor, orgID, userID string) (*OutboxEmail, error) {
	var e *roster.Email
	var orgName string
	err := s.writeOrg(ctx, a, permLicenses, orgID, func(tx roster.Tx, org *roster.Org) error {
		orgName = org.Name
		u, err := tx.FindUserByID(ctx, orgID, userID)
		if err != nil {
			return err
		}
		if u.Status != roster.StatusPending {
			return roster.Errorf(roster.CodeConflict, "%s has already accepted an invitation (status %s); there is nothing to resend.", u.Email, u.Status)
		}
		var inv *roster.Invitation
		inv, e = s.invite(org, u)
		if err := s.replaceInvitations(ctx, tx, u.ID); err != nil {
			return err
		}
		if err := tx.CreateInvitations(ctx, []*roster.Invitation{inv}); err != nil {
			return err
		}
		if err := tx.CreateEmails(ctx, []*roster.Email{e}); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, orgID, actionInvite, "user", u.ID, u.Email, nil,
			map[string]any{"expiresAt": inv.ExpiresAt.Format(time.RFC3339)})
	})
	if err != nil {
		return nil, err
	}
	return s.shown(a, orgName, e)
}

// Why the outbox did not send a message that a change made pointless; the outbox's own
// deliverer records the same reasons when it meets such a message first.
const (
	notSentReplaced = "Not sent: a newer invitation replaced this one."
	notSentAccepted = "Not sent: the user has already accepted an invitation."
)

// replaceInvitations deletes the invitations of a user, whose links stop working, and cancels
// their messages still queued: a message whose link no longer works is not sent, and its
// link is not kept.
func (s *Service) replaceInvitations(ctx context.Context, tx roster.Tx, userID string) error {
	if err := tx.DeleteInvitations(ctx, userID); err != nil {
		return err
	}
	return tx.CancelEmails(ctx, userID, notSentReplaced)
}

// Invitee is who an invitation link invites, for the page that accepts it.
type Invitee struct {
	User *roster.User
	Org  *roster.Org
}

// Invitation returns who a link's secret invites, and why the link does not work when it does
// not: unknown or replaced by a newer one (not_found, no invitee), expired or accepted already
// (conflict, with the invitee, so that a page can still speak their language).
func (s *Service) Invitation(ctx context.Context, token string) (*Invitee, error) {
	inv, err := findInvitation(ctx, s.store, token)
	if err != nil {
		return nil, err
	}
	u, err := s.store.FindUserByID(ctx, inv.OrgID, inv.UserID)
	if err != nil {
		return nil, err
	}
	org, err := s.store.FindOrgByID(ctx, inv.OrgID)
	if err != nil {
		return nil, err
	}
	return &Invitee{User: u, Org: org}, s.usable(inv)
}

// usable says why an invitation can no longer be accepted, if it cannot.
func (s *Service) usable(inv *roster.Invitation) error {
	switch {
	case !inv.AcceptedAt.IsZero():
		return roster.Errorf(roster.CodeConflict, "This invitation has already been accepted.")
	case !s.clock().Before(inv.ExpiresAt):
		return roster.Errorf(roster.CodeConflict, "This invitation has expired. Ask your administrator to send a new one.")
	}
	return nil
}

// NeedsPassword reports whether the person of an invitation sets a console password when
// accepting it: administrators do, to sign in to the console.
func (i *Invitee) NeedsPassword() bool { return i.User.AdminRole != roster.AdminNone }

// AcceptInvitation accepts the invitation of a link's secret, once: its user becomes active.
// An administrator sets their console password with it (password; ignored for others). The
// person acts for themselves, recorded as the invitee through the console.
func (s *Service) AcceptInvitation(ctx context.Context, token, password string) (*Invitee, error) {
	// The password is checked and hashed before the transaction: hashing takes a while, and
	// the one writer of SQLite must not wait for it.
	var hash string
	who, err := s.Invitation(ctx, token)
	if err != nil {
		return who, err
	}
	if who.NeedsPassword() {
		if err := checkPassword(password); err != nil {
			return who, err
		}
		if hash, err = s.hashPassword(password); err != nil {
			return who, fmt.Errorf("hash console password: %w", err)
		}
	}
	// An invitation stays in the organization of its user, read above: the transaction locks
	// it first and reads the invitation again.
	self := roster.Actor{Kind: "invitee", ID: who.User.ID, Name: who.User.Email, OrgID: who.Org.ID, Interface: roster.ViaConsole}
	err = s.writeOrg(ctx, self, permSelf, who.Org.ID, func(tx roster.Tx, org *roster.Org) error {
		inv, err := findInvitation(ctx, tx, token)
		if err != nil {
			return err
		}
		if err := s.usable(inv); err != nil {
			return err
		}
		u, err := tx.FindUserByID(ctx, inv.OrgID, inv.UserID)
		if err != nil {
			return err
		}
		who = &Invitee{User: u, Org: org}
		if who.NeedsPassword() {
			if hash == "" {
				return roster.Errorf(roster.CodeConflict, "The account was made an administrator meanwhile; open the link again to set a password.")
			}
			if err := tx.SetConsolePassword(ctx, u.ID, hash, s.clock()); err != nil {
				return err
			}
		}
		if err := tx.AcceptInvitation(ctx, inv.ID, s.clock()); err != nil {
			return err
		}
		// A message of this invitation still queued (no mail server, the link was handed
		// over) has served its purpose; its link must not stay readable.
		if err := tx.CancelEmails(ctx, u.ID, notSentAccepted); err != nil {
			return err
		}
		if u.Status != roster.StatusPending {
			return nil // active or deactivated meanwhile: accepting changes nothing else
		}
		next := *u
		next.Status = roster.StatusActive
		a := roster.Actor{Kind: "invitee", ID: u.ID, Name: u.Email, OrgID: org.ID, Interface: roster.ViaConsole}
		if _, err := s.saveUser(ctx, tx, a, org, u, &next); err != nil {
			return err
		}
		who.User = &next
		return nil
	})
	return who, err
}

// KindResendInvitations is the task that resends an invitation to every pending user of an
// organization; one runs at a time per organization.
const KindResendInvitations = "users.invitations.resend"

// resendPage is how many users a resend task invites a transaction.
const resendPage = 500

type resendParams struct {
	Actor taskActor `json:"actor"`
}

// StartResendInvitations queues the task that sends every pending user of the organization a
// new invitation.
func (s *Service) StartResendInvitations(ctx context.Context, a roster.Actor, orgID string) (*roster.Task, error) {
	if err := authorize(a, orgID, permLicenses); err != nil {
		return nil, err
	}
	params, err := json.Marshal(resendParams{Actor: newTaskActor(a)})
	if err != nil {
		return nil, err
	}
	task := &roster.Task{ID: roster.NewID(), OrgID: orgID, Kind: KindResendInvitations, Params: params,
		CreatedBy: a.Label(), CreatedAt: s.clock()}
	err = s.createTaskAlone(ctx, a, task, []string{KindResendInvitations}, func(active *roster.Task) error {
		return roster.Errorf(roster.CodeConflict, "Invitations are already being resent to all pending users (task %s).", active.ID)
	}, func(tx roster.Tx) error {
		if page, err := tx.FindUsers(ctx, roster.UserFilter{OrgID: orgID, Status: roster.StatusPending, Limit: 1}); err == nil && page.TotalExact {
			task.Progress.Total = page.Total
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return task, nil
}

// RunResendInvitations is the worker handler of resend tasks. It walks the pending users in
// email order, resendPage a transaction, with the email reached as its cursor; the checkpoint
// counts the users done, so that a task resumed after its last page knows it has finished.
func (s *Service) RunResendInvitations(ctx context.Context, r *worker.Run) error {
	task := r.Task()
	var p resendParams
	if err := json.Unmarshal(task.Params, &p); err != nil {
		return fmt.Errorf("resend task %s: parameters: %w", task.ID, err)
	}
	a := p.Actor.actor(task.ID)
	a.Interface = p.Actor.Interface
	if task.Checkpoint > 0 && task.Cursor == "" {
		return nil // the last page was committed before a takeover
	}
	cursor, done := task.Cursor, int(task.Checkpoint)
	for {
		page, err := s.store.FindUsers(ctx, roster.UserFilter{OrgID: task.OrgID, Status: roster.StatusPending,
			Limit: resendPage, After: cursor})
		if err != nil {
			return err
		}
		if len(page.Users) == 0 {
			return nil
		}
		c := &worker.Commit{}
		err = r.Commit(ctx, func(tx roster.Tx) error {
			*c = worker.Commit{Done: len(page.Users), Checkpoint: int64(done + len(page.Users)), Cursor: page.Next}
			return s.resendChunk(ctx, tx, a, task.OrgID, page.Users, done, c)
		}, c)
		if err != nil {
			return err
		}
		done += len(page.Users)
		if page.Next == "" {
			return nil
		}
		cursor = page.Next
	}
}

// resendChunk invites the users of one page again, those still pending, in one transaction.
func (s *Service) resendChunk(ctx context.Context, tx roster.Tx, a roster.Actor, orgID string, users []*roster.User, done int, c *worker.Commit) error {
	org, err := tx.FindOrgByID(ctx, orgID)
	if err != nil {
		return err
	}
	var invs []*roster.Invitation
	var emails []*roster.Email
	var audits []*roster.AuditEntry
	for i, listed := range users {
		row := &roster.TaskRow{Row: done + i + 1, Email: listed.Email, UserID: listed.ID}
		u, err := tx.FindUserByID(ctx, orgID, listed.ID)
		switch {
		case roster.ErrorCode(err) == roster.CodeNotFound:
			row.Outcome, row.Message = string(csvfile.OutcomeUnchanged), "Not invited: the user was deleted."
			c.Counts.Unchanged++
		case err != nil:
			return err
		case u.Status != roster.StatusPending:
			row.Outcome, row.Message = string(csvfile.OutcomeUnchanged), "Not invited: the user has accepted an invitation."
			c.Counts.Unchanged++
		default:
			if err := s.replaceInvitations(ctx, tx, u.ID); err != nil {
				return err
			}
			inv, e := s.invite(org, u)
			invs, emails = append(invs, inv), append(emails, e)
			audits = append(audits, s.auditEntry(a, orgID, actionInvite, "user", u.ID, u.Email, nil,
				map[string]any{"expiresAt": inv.ExpiresAt.Format(time.RFC3339)}))
			row.Outcome, row.Message = string(csvfile.OutcomeUpdated), "Invitation queued."
			c.Counts.Updated++
		}
		c.Rows = append(c.Rows, row)
	}
	if err := tx.CreateInvitations(ctx, invs); err != nil {
		return err
	}
	if err := tx.CreateEmails(ctx, emails); err != nil {
		return err
	}
	return tx.CreateAuditEntries(ctx, audits)
}
