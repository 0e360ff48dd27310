package provision_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"roster"
	"roster/internal/csvfile"
	"roster/internal/provision"
)

func TestExportUsers(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t)
	o := newOrg(t, svc, "Acme", orgSpec{})
	other := newOrg(t, svc, "Other", orgSpec{})
	mustCreate(t, svc, o, provision.NewUser{Email: "zed@example.com", FirstName: "=cmd", LastName: "@SUM(A1)",
		PhoneNumber: "+46701234567", Title: "-1", Department: "R&D, Stockholm", License: roster.LicensePremium,
		CCRole: roster.RoleSupervisor})
	mustCreate(t, svc, o, provision.NewUser{Email: "ada@example.com", FirstName: "Ada", LastName: "Lovelace",
		DisplayName: `Ada "the first"`, PreferredLanguage: roster.Swedish, License: roster.LicenseStandard})
	mustCreate(t, svc, o, provision.NewUser{Email: "bob@example.com", FirstName: "Björn"})
	mustCreate(t, svc, other, provision.NewUser{Email: "eve@example.com"})

	var buf bytes.Buffer
	if err := svc.ExportUsers(context.Background(), admin(o, roster.AdminReadOnly), o.ID, &buf); err != nil {
		t.Fatal(err)
	}
	want := "\uFEFFFirst Name,Last Name,Display Name,User ID/Email (Required),User Status,Phone Number,Title," +
		"Department,Preferred Language,Groups,Contact Center Standard Agent,Contact Center Premium Agent," +
		"Contact Center Role,Sync Status\r\n" +
		// In creation order, not email order.
		`'=cmd,'@SUM(A1),,zed@example.com,pending,+46701234567,'-1,"R&D, Stockholm",,,FALSE,TRUE,supervisor,pending` + "\r\n" +
		`Ada,Lovelace,"Ada ""the first""",ada@example.com,pending,,,,sv,,TRUE,FALSE,,pending` + "\r\n" +
		"Björn,,,bob@example.com,pending,,,,,,FALSE,FALSE,,none\r\n"
	if got := buf.String(); got != want {
		t.Errorf("export:\n%q\nwant\n%q", got, want)
	}

	// The file imports back to the values exported.
	tbl, err := csvfile.Open(bytes.NewReader(buf.Bytes()), csvfile.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	ur, err := csvfile.NewUserReader(tbl)
	if err != nil {
		t.Fatal(err)
	}
	var rows []*csvfile.UserRow
	for {
		row, err := ur.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if len(row.Problems) > 0 {
			t.Errorf("line %d: %+v", row.Line, row.Problems)
		}
		rows = append(rows, row)
	}
	if len(rows) != 3 {
		t.Fatalf("%d rows read back, want 3", len(rows))
	}
	z := rows[0]
	if z.FirstName != "=cmd" || z.LastName != "@SUM(A1)" || z.PhoneNumber != "+46701234567" || z.Title != "-1" ||
		z.Department != "R&D, Stockholm" || z.Standard != csvfile.False || z.Premium != csvfile.True {
		t.Errorf("read back %+v", z)
	}
	if a := rows[1]; a.DisplayName != `Ada "the first"` || a.PreferredLanguage != "sv" || a.Standard != csvfile.True {
		t.Errorf("read back %+v", a)
	}

	// Every administrator may export; other tenants see no organization and get no byte.
	for _, tt := range []struct {
		name  string
		actor roster.Actor
		code  roster.Code
	}{
		{"full", admin(o, roster.AdminFull), ""},
		{"cc_service", admin(o, roster.AdminCCService), ""},
		{"system", system, ""},
		{"other organization", admin(other, roster.AdminFull), roster.CodeNotFound},
		{"no administrator role", admin(o, roster.AdminNone), roster.CodeForbidden},
	} {
		var b bytes.Buffer
		err := svc.ExportUsers(context.Background(), tt.actor, o.ID, &b)
		if got := roster.ErrorCode(err); err != nil && got != tt.code || err == nil && tt.code != "" {
			t.Errorf("%s: error %v, want code %q", tt.name, err, tt.code)
		}
		if tt.code != "" && b.Len() != 0 {
			t.Errorf("%s: %d bytes written before the error", tt.name, b.Len())
		}
		if tt.code == "" && b.String() != want {
			t.Errorf("%s: another file than the read-only administrator's", tt.name)
		}
	}
	err = svc.ExportUsers(context.Background(), system, "no-such-org", io.Discard)
	wantCode(t, err, roster.CodeNotFound)
}

// TestExportUsersPages exports more users than one page holds, so the keyset paging is
// crossed, and an organization without users, which is the header alone.
func TestExportUsersPages(t *testing.T) {
	t.Parallel()
	svc, _ := newService(t)
	o := newOrg(t, svc, "Big", orgSpec{})
	n := roster.MaxPageSize + 7
	// Created in reverse email order, so that the file's order shows which order it is in.
	in := make([]provision.NewUser, n)
	for i := range in {
		in[i] = provision.NewUser{Email: fmt.Sprintf("u%05d@example.com", n-i)}
	}
	if _, err := svc.CreateUsers(context.Background(), system, o.ID, in, provision.DefaultChunk); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := svc.ExportUsers(context.Background(), system, o.ID, &buf); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\r\n"), "\r\n")
	if len(lines) != n+1 {
		t.Fatalf("%d lines, want %d", len(lines), n+1)
	}
	for i, l := range lines[1:] {
		if want := in[i].Email; !strings.Contains(l, ","+want+",") {
			t.Fatalf("line %d is %q, want the user %s (creation order)", i+2, l, want)
		}
	}

	empty := newOrg(t, svc, "Empty", orgSpec{})
	buf.Reset()
	if err := svc.ExportUsers(context.Background(), system, empty.ID, &buf); err != nil {
		t.Fatal(err)
	}
	if want := "\uFEFF" + strings.Join(csvfile.UserHeader(), ",") + "\r\n"; buf.String() != want {
		t.Errorf("empty organization: %q, want %q", buf.String(), want)
	}
}

// failingReads is a store whose export reads fail from the call number failAt on (from 1).
type failingReads struct {
	roster.Store
	calls, failAt int
}

var errRead = errors.New("read failed")

func (s *failingReads) FindUsersForExport(ctx context.Context, orgID, afterID string, limit int) ([]*roster.User, error) {
	s.calls++
	if s.calls >= s.failAt {
		return nil, errRead
	}
	return s.Store.FindUsersForExport(ctx, orgID, afterID, limit)
}

// failingWriter fails every write.
type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

// TestExportUsersErrors: the pages are read on a goroutine of their own (readExportPages); a
// read that fails after the first page fails the export rather than ending the file early,
// and a write that fails ends the reading instead of leaving it blocked.
func TestExportUsersErrors(t *testing.T) {
	t.Parallel()
	svc, store := newService(t)
	o := newOrg(t, svc, "Big", orgSpec{})
	// More than a page, and more than the CSV writer buffers before its first write.
	in := make([]provision.NewUser, 3*roster.MaxPageSize)
	for i := range in {
		in[i] = provision.NewUser{Email: fmt.Sprintf("u%05d@example.com", i), FirstName: "Someone",
			LastName: "With a name long enough", Title: "to fill the buffer sooner"}
	}
	if _, err := svc.CreateUsers(context.Background(), system, o.ID, in, provision.DefaultChunk); err != nil {
		t.Fatal(err)
	}

	for _, failAt := range []int{1, 2, 3} {
		reads := &failingReads{Store: store, failAt: failAt}
		err := provision.New(reads).ExportUsers(context.Background(), system, o.ID, io.Discard)
		if !errors.Is(err, errRead) {
			t.Errorf("read %d fails: export error %v, want %v", failAt, err, errRead)
		}
	}

	// The writer fails on the first page, while the reader waits to hand over the next ones.
	done := make(chan error, 1)
	go func() { done <- svc.ExportUsers(context.Background(), system, o.ID, failingWriter{}) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "disk full") {
			t.Errorf("write fails: export error %v, want disk full", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("write fails: the export does not return")
	}

	// A context cancelled during the export is an error, never a complete-looking file.
	ctx, cancel := context.WithCancel(context.Background())
	cancelling := &cancellingReads{Store: store, cancel: cancel}
	if err := provision.New(cancelling).ExportUsers(ctx, system, o.ID, io.Discard); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: export error %v, want %v", err, context.Canceled)
	}
}

// cancellingReads cancels the export's context after its first read.
type cancellingReads struct {
	roster.Store
	cancel context.CancelFunc
}

func (s *cancellingReads) FindUsersForExport(ctx context.Context, orgID, afterID string, limit int) ([]*roster.User, error) {
	users, err := s.Store.FindUsersForExport(ctx, orgID, afterID, limit)
	s.cancel()
	return users, err
}
