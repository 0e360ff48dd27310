package provision

import (
	"context"
	"fmt"
	"io"

	"roster"
	"roster/internal/csvfile"
)

// ExportUsers writes every user of an organization to w as the users CSV file of SPEC §2, in
// email order. It reads the users a page of roster.MaxPageSize at a time, through the store's
// read pool, and writes each page before reading the next, so memory does not grow with the
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
	f := roster.UserFilter{OrgID: orgID, Limit: roster.MaxPageSize}
	for {
		page, err := s.store.FindUsers(ctx, f)
		if err != nil {
			return fmt.Errorf("export users of organization %s: %w", orgID, err)
		}
		for _, u := range page.Users {
			if err := uw.Write(userRecord(u)); err != nil {
				return fmt.Errorf("export users of organization %s: %w", orgID, err)
			}
		}
		if page.Next == "" {
			break
		}
		f.After = page.Next
	}
	if err := uw.Flush(); err != nil {
		return fmt.Errorf("export users of organization %s: %w", orgID, err)
	}
	return nil
}

// userRecord is a user as the export writes it. Groups stay empty until groups exist.
func userRecord(u *roster.User) csvfile.UserRecord {
	r := csvfile.UserRecord{
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
