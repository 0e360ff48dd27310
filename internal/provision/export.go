package provision

import (
	"context"
	"fmt"
	"io"

	"roster"
	"roster/internal/csvfile"
)

// exportPageSize is how many users an export reads a query. Each query costs a round trip and,
// on SQLite, a new read transaction; a page of users holds about 300 bytes each, so bigger
// pages buy little more than memory.
const exportPageSize = 1000

// ExportUsers writes every user of an organization to w as the users CSV file of SPEC §2, in
// creation order (docs/decisions.md): the order the store reads fastest, since it follows the
// table rather than an index. It reads the users exportPageSize at a time, through the store's
// read pool, and writes each page while the next is read, so memory does not grow with the
// organization. An export is a read: it writes no audit entry.
//
// Nothing is written to w when the actor may not read the organization; after the first
// byte, an error leaves w with a partial file, which the caller must discard.
func (s *Service) ExportUsers(ctx context.Context, a roster.Actor, orgID string, w io.Writer) error {
	if err := authorize(a, orgID, permRead); err != nil {
		return err
	}
	// An organization deleted or never created is not_found before anything is written, as
	// for a system token that names an unknown id.
	if _, err := s.store.FindOrgByID(ctx, orgID); err != nil {
		return err
	}
	uw := csvfile.NewUserWriter(w)
	pages, stop := s.readExportPages(ctx, orgID)
	defer stop()
	for p := range pages {
		if p.err != nil {
			return fmt.Errorf("export users of organization %s: %w", orgID, p.err)
		}
		for _, u := range p.users {
			if err := uw.Write(userRecord(u, p.groups[u.ID])); err != nil {
				return fmt.Errorf("export users of organization %s: %w", orgID, err)
			}
		}
	}
	if err := uw.Flush(); err != nil {
		return fmt.Errorf("export users of organization %s: %w", orgID, err)
	}
	return nil
}

// exportPage is a page of users read for an export, or the error that ended the reading.
type exportPage struct {
	users  []*roster.User
	groups map[string][]string // names of the users' groups, by user id
	err    error
}

// readExportPages reads the organization's users in creation order, exportPageSize at a time,
// on a goroutine of its own, and sends each page on the channel it returns, then closes it. A
// failed read is sent as the last page, so that a cancelled context never passes for the end
// of the organization. So the store reads the next page while the caller writes this one:
// reading takes most of an export, writing the rest, and with both on one goroutine one core
// sat idle. The channel holds one page: at most three pages are in memory at once. stop ends
// the reading early and waits for the goroutine to finish; call it when done with the pages.
func (s *Service) readExportPages(ctx context.Context, orgID string) (pages <-chan exportPage, stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	ch := make(chan exportPage, 1)
	go func() {
		defer close(ch)
		// An organization without groups spares every page its query of memberships.
		groups, err := s.store.FindGroups(ctx, roster.GroupFilter{OrgID: orgID, Limit: 1})
		if err != nil {
			ch <- exportPage{err: err}
			return
		}
		after := ""
		for {
			users, err := s.store.FindUsersForExport(ctx, orgID, after, exportPageSize)
			var names map[string][]string
			if err == nil && len(groups.Groups) > 0 && len(users) > 0 {
				ids := make([]string, len(users))
				for i, u := range users {
					ids[i] = u.ID
				}
				names, err = s.store.FindGroupNames(ctx, orgID, ids)
			}
			ch <- exportPage{users: users, groups: names, err: err}
			if err != nil || len(users) < exportPageSize {
				return
			}
			after = users[len(users)-1].ID
		}
	}()
	return ch, func() {
		// Once cancelled, the next read fails at once and the goroutine returns; draining
		// unblocks its sends until then.
		cancel()
		for range ch {
		}
	}
}

// userRecord is a user as the export writes it, with the names of its groups.
func userRecord(u *roster.User, groups []string) csvfile.UserRecord {
	r := csvfile.UserRecord{Groups: groups,
		FirstName: u.FirstName, LastName: u.LastName, DisplayName: u.DisplayName, Email: u.Email,
		Status: u.Status, PhoneNumber: u.PhoneNumber, Title: u.Title, Department: u.Department,
		PreferredLanguage: u.PreferredLanguage,
		Standard:          u.License == roster.LicenseStandard,
		Premium:           u.License == roster.LicensePremium,
		SyncStatus:        u.SyncStatus,
	}
	if r.Premium {
		// The role means something only with premium (UserRecord.Role).
		r.Role = u.CCRole
	}
	return r
}

// ExportMatchingUsers writes the users of f (the users list's filters) to w as the users CSV
// file, in the list's order: what an administrator sees is what they download. Without a
// filter it is ExportUsers.
func (s *Service) ExportMatchingUsers(ctx context.Context, a roster.Actor, f roster.UserFilter, w io.Writer) error {
	f.After, f.Before, f.Limit = "", "", exportPageSize
	if f == (roster.UserFilter{OrgID: f.OrgID, Limit: exportPageSize}) {
		return s.ExportUsers(ctx, a, f.OrgID, w)
	}
	uw := csvfile.NewUserWriter(w)
	for {
		page, err := s.Users(ctx, a, f)
		if err != nil {
			return err
		}
		ids := make([]string, len(page.Users))
		for i, u := range page.Users {
			ids[i] = u.ID
		}
		groups, err := s.store.FindGroupNames(ctx, f.OrgID, ids)
		if err != nil {
			return fmt.Errorf("export users of organization %s: %w", f.OrgID, err)
		}
		for _, u := range page.Users {
			if err := uw.Write(userRecord(u, groups[u.ID])); err != nil {
				return fmt.Errorf("export users of organization %s: %w", f.OrgID, err)
			}
		}
		if page.Next == "" {
			break
		}
		f.After = page.Next
	}
	if err := uw.Flush(); err != nil {
		return fmt.Errorf("export users of organization %s: %w", f.OrgID, err)
	}
	return nil
}
