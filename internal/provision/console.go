package provision

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"slices"
	"strings"
	"sync"
	"time"

	"roster"
)

// Console sessions end an hour after their last use, and twelve hours after sign-in at most.
const (
	SessionIdle     = time.Hour
	SessionAbsolute = 12 * time.Hour
	// sessionTouch is how stale a session's last use may be before a request writes it: a
	// page view does not cost a write each time.
	sessionTouch = time.Minute
)

// Sign-in failures are counted over a window, by account and by client address, in the
// database so that every node counts the same. Past a limit, sign-ins of that account or
// address wait for the window to pass.
const (
	// SignInWindow is how long a failed sign-in counts; older failures serve nothing.
	SignInWindow       = 15 * time.Minute
	signInAccountLimit = 5
	signInAddrLimit    = 30
	// signInChecks bounds the password checks that run at once: each takes most of a second
	// of one core, so a flood of sign-ins must not take every core from the server.
	signInChecks = 2
	// signInQueue is how long a sign-in waits for a free check before it is told to retry.
	signInQueue = 5 * time.Second
)

// Admin is the person behind a console session, read again on every request: the role they
// act with is the one they hold now.
type Admin struct {
	Session *roster.ConsoleSession
	User    *roster.User
	Org     *roster.Org // the person's own organization
	// Installation is true for an installation administrator, who may open every
	// organization and create new ones.
	Installation bool
	// Customers are the organizations the person's own organization manages as their
	// partner, by name: the person opens them with the role they hold in their own.
	Customers []*roster.Org
}

// Actor is who the administrator is in organization orgID: themselves with their role in
// their own organization and in the organizations it manages as a partner, an installation
// administrator anywhere. Anywhere else the actor is the person of their own organization,
// whom every check of orgID refuses.
func (a *Admin) Actor(orgID string) roster.Actor {
	act := roster.Actor{Kind: "admin", ID: a.User.ID, Name: a.User.Email, OrgID: a.User.OrgID, Role: a.User.AdminRole, Interface: roster.ViaConsole}
	switch {
	case a.Installation && orgID != a.User.OrgID:
		act.OrgID, act.Role, act.System = orgID, roster.AdminFull, true
	case a.Installation:
		act.System = true
	case a.Manages(orgID):
		act.OrgID = orgID
	}
	return act
}

// Manages reports whether orgID is one of the administrator's customers.
func (a *Admin) Manages(orgID string) bool {
	return slices.ContainsFunc(a.Customers, func(o *roster.Org) bool { return o.ID == orgID })
}

// SignIn is what the sign-in form sends, and where from.
type SignIn struct {
	Email, Password       string
	ClientAddr, UserAgent string
	Language              roster.Language // the language of the sign-in page
}

// checks bounds the password checks running at once (signInChecks).
var checks = make(chan struct{}, signInChecks)

// dummyHash is checked for unknown emails, so that they cost the same time as known ones.
var dummyHash = sync.OnceValue(func() string {
	h, err := hashPasswordWith("not a password of anyone", passwordIterations)
	if err != nil {
		panic(err)
	}
	return h
})

// SignIn checks an administrator's email and password and starts a session. It returns the
// session's cookie value (its id and secret). Every failure says the same (unauthorized),
// whether the email is unknown, the password wrong, or the person no administrator.
func (s *Service) SignIn(ctx context.Context, in SignIn) (string, *Admin, error) {
	email := NormalizeEmail(in.Email)
	keys := []string{"email:" + email, "addr:" + in.ClientAddr}
	if err := s.signInAllowed(ctx, keys); err != nil {
		return "", nil, err
	}
	select {
	case checks <- struct{}{}:
		defer func() { <-checks }()
	case <-time.After(signInQueue):
		return "", nil, roster.Errorf(roster.CodeTooManyAttempts, "Too many people are signing in at once. Try again in a minute.").With("Minutes", 1)
	case <-ctx.Done():
		return "", nil, ctx.Err()
	}
	admin, err := s.checkSignIn(ctx, email, in.Password)
	if err != nil {
		if roster.ErrorCode(err) == roster.CodeUnauthorized {
			now := s.clock()
			if werr := s.writeAccess(ctx, func(tx accessTx) error {
				for _, k := range keys {
					if err := tx.RecordSignInFailure(ctx, k, now, now.Add(-SignInWindow)); err != nil {
						return err
					}
				}
				return nil
			}); werr != nil {
				return "", nil, werr
			}
		}
		return "", nil, err
	}
	secret, sess := newSession(admin.User, s.clock())
	sess.ClientAddr, sess.UserAgent, sess.Language = in.ClientAddr, truncate(in.UserAgent, 200), in.Language
	err = s.writeAccess(ctx, func(tx accessTx) error {
		if err := tx.ClearSignInFailures(ctx, keys[0]); err != nil {
			return err
		}
		now := s.clock()
		if err := tx.DeleteExpiredConsoleSessions(ctx, now.Add(-SessionIdle), now.Add(-SessionAbsolute)); err != nil {
			return err
		}
		return tx.CreateConsoleSession(ctx, sess)
	})
	if err != nil {
		return "", nil, err
	}
	admin.Session = sess
	return sess.ID + "." + secret, admin, nil
}

// signInAllowed refuses a sign-in of an account or address that failed too often lately.
func (s *Service) signInAllowed(ctx context.Context, keys []string) error {
	since := s.clock().Add(-SignInWindow)
	for i, k := range keys {
		n, err := s.store.CountSignInFailures(ctx, k, since)
		if err != nil {
			return err
		}
		if limit := []int{signInAccountLimit, signInAddrLimit}[i]; n >= limit {
			return roster.Errorf(roster.CodeTooManyAttempts, "Too many failed sign-ins. Wait %d minutes and try again.", int(SignInWindow/time.Minute)).
				With("Minutes", int(SignInWindow/time.Minute))
		}
	}
	return nil
}

// checkSignIn finds the administrator of email and checks the password, in constant time
// whatever fails.
func (s *Service) checkSignIn(ctx context.Context, email, password string) (*Admin, error) {
	wrong := roster.Errorf(roster.CodeUnauthorized, "Email or password is wrong.")
	u, err := s.store.FindUserByEmail(ctx, email)
	if err != nil && roster.ErrorCode(err) != roster.CodeNotFound {
		return nil, err
	}
	hash := dummyHash()
	if u != nil {
		switch h, err := s.store.FindConsolePassword(ctx, u.ID); {
		case err == nil:
			hash = h
		case roster.ErrorCode(err) != roster.CodeNotFound:
			return nil, err
		}
	}
	ok := passwordMatches(hash, password)
	if u == nil || !ok || hash == dummyHash() {
		return nil, wrong
	}
	admin, err := s.admin(ctx, u)
	if err != nil {
		return nil, wrong
	}
	return admin, nil
}

// admin returns the administrator u is now, or unauthorized when u may not use the console:
// no administrator role (and not an installation administrator), or not active.
func (s *Service) admin(ctx context.Context, u *roster.User) (*Admin, error) {
	inst, err := s.store.IsInstallationAdmin(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if (u.AdminRole == roster.AdminNone && !inst) || u.Status != roster.StatusActive {
		return nil, roster.Errorf(roster.CodeUnauthorized, "This account may not use the console.")
	}
	org, err := s.store.FindOrgByID(ctx, u.OrgID)
	if err != nil {
		return nil, err
	}
	admin := &Admin{User: u, Org: org, Installation: inst}
	if u.AdminRole != roster.AdminNone {
		// Read again on every request, as the role is: a partner removed is refused at once.
		if admin.Customers, err = s.store.FindCustomerOrgs(ctx, org.ID); err != nil {
			return nil, err
		}
	}
	return admin, nil
}

// newSession returns a new session of u and its secret.
func newSession(u *roster.User, now time.Time) (string, *roster.ConsoleSession) {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	secret := base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(secret))
	return secret, &roster.ConsoleSession{ID: roster.NewID(), UserID: u.ID, OrgID: u.OrgID, SecretHash: sum[:], CreatedAt: now, LastSeenAt: now}
}

// ConsoleAdmin returns the administrator of a session's cookie value, with the role they hold
// now. A session unused for SessionIdle, older than SessionAbsolute, of a person who lost the
// console, or with a wrong secret, has ended (unauthorized).
func (s *Service) ConsoleAdmin(ctx context.Context, cookie string) (*Admin, error) {
	ended := roster.Errorf(roster.CodeUnauthorized, "Your session has ended. Sign in again.")
	id, secret, ok := strings.Cut(cookie, ".")
	if !ok || id == "" || secret == "" {
		return nil, ended
	}
	sess, err := s.store.FindConsoleSession(ctx, id)
	if roster.ErrorCode(err) == roster.CodeNotFound {
		return nil, ended
	}
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(secret))
	now := s.clock()
	if subtle.ConstantTimeCompare(sum[:], sess.SecretHash) != 1 ||
		now.Sub(sess.LastSeenAt) > SessionIdle || now.Sub(sess.CreatedAt) > SessionAbsolute {
		return nil, ended
	}
	u, err := s.store.FindUserByID(ctx, sess.OrgID, sess.UserID)
	if roster.ErrorCode(err) == roster.CodeNotFound {
		return nil, ended
	}
	if err != nil {
		return nil, err
	}
	admin, err := s.admin(ctx, u)
	if roster.ErrorCode(err) == roster.CodeUnauthorized {
		// The person lost the console: their sessions end with it.
		_ = s.writeAccess(ctx, func(tx accessTx) error { _, err := tx.DeleteConsoleSessions(ctx, u.ID, ""); return err })
		return nil, ended
	}
	if err != nil {
		return nil, err
	}
	admin.Session = sess
	if now.Sub(sess.LastSeenAt) > sessionTouch {
		sess.LastSeenAt = now
		if err := s.saveSession(ctx, sess); err != nil {
			return nil, err
		}
	}
	return admin, nil
}

func (s *Service) saveSession(ctx context.Context, sess *roster.ConsoleSession) error {
	return s.writeAccess(ctx, func(tx accessTx) error { return tx.UpdateConsoleSession(ctx, sess) })
}

// SetFlash keeps a message for the session's next page.
func (s *Service) SetFlash(ctx context.Context, sess *roster.ConsoleSession, msg string) error {
	sess.Flash = msg
	return s.saveSession(ctx, sess)
}

// TakeFlash returns the session's message for this page and forgets it.
func (s *Service) TakeFlash(ctx context.Context, sess *roster.ConsoleSession) (string, error) {
	msg := sess.Flash
	if msg == "" {
		return "", nil
	}
	sess.Flash = ""
	return msg, s.saveSession(ctx, sess)
}

// SignOut ends a session.
func (s *Service) SignOut(ctx context.Context, sess *roster.ConsoleSession) error {
	return s.writeAccess(ctx, func(tx accessTx) error { return tx.DeleteConsoleSession(ctx, sess.ID) })
}

// SignOutOthers ends every other session of the administrator, and says how many.
func (s *Service) SignOutOthers(ctx context.Context, admin *Admin) (int, error) {
	var n int
	err := s.writeAccess(ctx, func(tx accessTx) error {
		var err error
		n, err = tx.DeleteConsoleSessions(ctx, admin.User.ID, admin.Session.ID)
		return err
	})
	return n, err
}

// Sessions lists the administrator's sessions, newest first.
func (s *Service) Sessions(ctx context.Context, admin *Admin) ([]*roster.ConsoleSession, error) {
	return s.store.FindConsoleSessions(ctx, admin.User.ID)
}

// ChangePassword sets a new console password after checking the current one, and ends every
// other session of the person: whoever knew the old password is signed out.
func (s *Service) ChangePassword(ctx context.Context, admin *Admin, current, next string) error {
	if err := checkPassword(next); err != nil {
		return err
	}
	hash, err := s.store.FindConsolePassword(ctx, admin.User.ID)
	if err != nil && roster.ErrorCode(err) != roster.CodeNotFound {
		return err
	}
	checks <- struct{}{}
	ok := passwordMatches(hash, current)
	var newHash string
	if ok {
		newHash, err = s.hashPassword(next)
	}
	<-checks
	if err != nil {
		return err
	}
	if !ok {
		return roster.InvalidFields(roster.FieldError{Field: "current", Code: roster.CodeUnauthorized, Message: "The current password is wrong."})
	}
	a := admin.Actor(admin.User.OrgID)
	return s.writeOrg(ctx, a, permSelf, admin.User.OrgID, func(tx roster.Tx, _ *roster.Org) error {
		if err := tx.SetConsolePassword(ctx, admin.User.ID, newHash, s.clock()); err != nil {
			return err
		}
		if _, err := tx.DeleteConsoleSessions(ctx, admin.User.ID, admin.Session.ID); err != nil {
			return err
		}
		return s.audit(ctx, tx, a, admin.User.OrgID, "user.change_password", "user", admin.User.ID, admin.User.Email, nil, nil)
	})
}

// SetConsoleLanguage sets the language an administrator reads the console (and their own
// messages) in: their preferred language. Every administrator may choose their own, read-only
// ones included; it is recorded like any change of the user.
func (s *Service) SetConsoleLanguage(ctx context.Context, admin *Admin, lang roster.Language) error {
	if !lang.Valid() && lang != "" {
		return roster.InvalidFields(roster.FieldError{Field: "language", Code: roster.CodeInvalid, Message: "Choose one of the languages offered."})
	}
	self := admin.Actor(admin.User.OrgID)
	err := s.writeOrg(ctx, self, permSelf, admin.User.OrgID, func(tx roster.Tx, org *roster.Org) error {
		u, err := tx.FindUserByID(ctx, org.ID, admin.User.ID)
		if err != nil {
			return err
		}
		next := *u
		next.PreferredLanguage = lang
		_, err = s.saveUser(ctx, tx, self, org, u, &next)
		return err
	})
	if err != nil {
		return err
	}
	admin.User.PreferredLanguage = lang
	if admin.Session.Language != "" {
		admin.Session.Language = ""
		return s.saveSession(ctx, admin.Session)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
