// Package provision holds every rule of the directory: validation, the license and role rules,
// seats, permissions, organization isolation, and the audit trail. Every entry point (REST,
// console, SCIM, CSV, CLI) goes through it, so each rule is enforced in one place, on both
// databases.
package provision

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"time"

	"roster"
	"roster/internal/csvfile"
)

// Service is the application layer of the directory.
type Service struct {
	store roster.Store
	now   func() time.Time
	log   *slog.Logger
	// limits bound what one CSV import reads.
	limits csvfile.Limits
	// chunk is how many rows an import applies a transaction.
	chunk int
	// baseURL starts the absolute links of messages, such as invitations.
	baseURL string
	// connector names the contact-center connector sync pushes to, for Service Details.
	connector string
	// remoteSupport says what the contact center behind a remote connector supports; nil for
	// the builtin connector.
	remoteSupport func() *roster.RemoteSupport
	// passwordIterations is the PBKDF2 cost of new console passwords.
	passwordIterations int
	// mailServer is set when a mail server delivers the outbox (WithMailServer).
	mailServer bool
}

// Option configures a Service.
type Option func(*Service)

// WithClock makes the service read the time from now (tests).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// WithImportLimits sets the limits of CSV imports; zero fields keep the defaults (1,000,000
// rows, 256 MiB).
func WithImportLimits(l csvfile.Limits) Option { return func(s *Service) { s.limits = l } }

// WithImportChunk sets how many rows an import applies a transaction (default DefaultChunk).
func WithImportChunk(n int) Option { return func(s *Service) { s.chunk = n } }

// WithBaseURL sets the start of the absolute links in messages (ROSTER_BASE_URL), for example
// https://roster.example.com; default http://127.0.0.1:8080.
func WithBaseURL(u string) Option { return func(s *Service) { s.baseURL = strings.TrimRight(u, "/") } }

// WithPasswordIterations sets the PBKDF2 iterations of new console passwords, for tests that
// sign in often; 0 keeps the recommended cost. Stored hashes keep the cost they were made with.
func WithPasswordIterations(n int) Option { return func(s *Service) { s.passwordIterations = n } }

// WithConnectorName names the contact-center connector (default "builtin").
func WithConnectorName(n string) Option { return func(s *Service) { s.connector = n } }

// WithRemoteSupport makes Service Details show what the contact center behind a remote
// connector supports, as support returns it (nil while unknown).
func WithRemoteSupport(support func() *roster.RemoteSupport) Option {
	return func(s *Service) { s.remoteSupport = support }
}

// New returns a Service on store.
func New(store roster.Store, opts ...Option) *Service {
	s := &Service{store: store, now: time.Now, log: slog.Default()}
	for _, o := range opts {
		o(s)
	}
	s.limits = s.limits.WithDefaults()
	if s.chunk <= 0 {
		s.chunk = DefaultChunk
	}
	if s.passwordIterations <= 0 {
		s.passwordIterations = passwordIterations
	}
	if s.connector == "" {
		s.connector = "builtin"
	}
	if s.baseURL == "" {
		s.baseURL = "http://127.0.0.1:8080"
	}
	return s
}

// ImportLimits returns the limits of CSV imports.
func (s *Service) ImportLimits() csvfile.Limits { return s.limits }

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// permission is what an action needs of its actor.
type permission int

const (
	permRead     permission = iota // every administrator of the organization
	permLicenses                   // change licenses and contact-center roles: full, cc_service
	permUsers                      // add, change, delete, deactivate users: full
	permOrg                        // change the organization and its tokens: full
	permSystem                     // create organizations, change seats and platform: system
	// permSelf is what a person needs to change their own account (language, password, an
	// invitation they accept): to belong to the organization, whatever their role.
	permSelf
)

// authorize checks that actor may do what p says in organization orgID. An actor of another
// organization is told the organization does not exist, so ids of other tenants leak nothing.
func authorize(a roster.Actor, orgID string, p permission) error {
	if a.System {
		return nil
	}
	if p == permSystem {
		return roster.Errorf(roster.CodeForbidden, "Only an installation (system) token may do this.")
	}
	if orgID == "" || a.OrgID != orgID {
		return roster.Errorf(roster.CodeNotFound, "The organization was not found.")
	}
	var ok bool
	switch p {
	case permRead:
		ok = a.Role == roster.AdminFull || a.Role == roster.AdminCCService || a.Role == roster.AdminReadOnly
	case permLicenses:
		ok = a.Role == roster.AdminFull || a.Role == roster.AdminCCService
	case permUsers, permOrg:
		ok = a.Role == roster.AdminFull
	case permSelf:
		ok = true
	}
	if !ok {
		return roster.Errorf(roster.CodeForbidden, "Your administrator role (%s) does not allow this.", roleLabel(a.Role))
	}
	return nil
}

func roleLabel(r roster.AdminRole) string {
	switch r {
	case roster.AdminFull:
		return "full administrator"
	case roster.AdminCCService:
		return "contact center service administrator"
	case roster.AdminReadOnly:
		return "read-only administrator"
	}
	return "none"
}

// audit writes one audit entry in tx. before and after are values to record, or nil.
func (s *Service) audit(ctx context.Context, tx roster.Tx, a roster.Actor, orgID, action, kind, targetID, target string, before, after any) error {
	return tx.CreateAuditEntry(ctx, s.auditEntry(a, orgID, action, kind, targetID, target, before, after))
}

// auditEntry builds the audit entry of one change.
func (s *Service) auditEntry(a roster.Actor, orgID, action, kind, targetID, target string, before, after any) *roster.AuditEntry {
	return &roster.AuditEntry{
		ID: roster.NewID(), OrgID: orgID, At: s.clock(),
		ActorKind: a.Kind, ActorID: a.ID, ActorName: a.Label(), Interface: a.Interface,
		Action: action, TargetKind: kind, TargetID: targetID, Target: target,
		Before: rawJSON(before), After: rawJSON(after), TaskID: a.TaskID,
	}
}

func rawJSON(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	if r, ok := v.(json.RawMessage); ok {
		if len(r) == 0 {
			return nil
		}
		return r
	}
	b, err := json.Marshal(v)
	if err != nil {
		// Only maps of plain values reach here; a failure is a programming error.
		panic("provision: audit value: " + err.Error())
	}
	return b
}

// AuditEntries returns a page of the audit log of an organization.
func (s *Service) AuditEntries(ctx context.Context, a roster.Actor, f roster.AuditFilter) (*roster.AuditPage, error) {
	if err := authorize(a, f.OrgID, permRead); err != nil {
		return nil, err
	}
	if f.Interface != "" && !validInterface(f.Interface) {
		return nil, roster.InvalidFields(*enumError("interface", string(f.Interface), "api, console, csv, scim, cli, sync"))
	}
	if err := CheckPageSize(f.Limit); err != nil {
		return nil, err
	}
	return s.store.FindAuditEntries(ctx, f)
}

func validInterface(i roster.Interface) bool {
	switch i {
	case roster.ViaAPI, roster.ViaConsole, roster.ViaCSV, roster.ViaSCIM, roster.ViaCLI, roster.ViaSync:
		return true
	}
	return false
}

// Permissions says what an actor may do in an organization, for pages that show only the
// actions the actor may take. Every use case checks again.
type Permissions struct {
	Read     bool // read everything
	Licenses bool // change licenses and contact-center roles, invite, synchronize, import licenses
	Users    bool // add, change, delete, deactivate and reactivate users; give administrator roles
	Org      bool // change the organization's settings and tokens
	System   bool // create organizations, change seats and platform
}

// Allowed returns what a may do in organization orgID, from the rules authorize enforces.
func Allowed(a roster.Actor, orgID string) Permissions {
	return Permissions{
		Read:     authorize(a, orgID, permRead) == nil,
		Licenses: authorize(a, orgID, permLicenses) == nil,
		Users:    authorize(a, orgID, permUsers) == nil,
		Org:      authorize(a, orgID, permOrg) == nil,
		System:   authorize(a, orgID, permSystem) == nil,
	}
}
