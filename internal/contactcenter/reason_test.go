package contactcenter_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"

	"roster"
	"roster/internal/provision"
)

// unreachableConn fails every push with a raw network error, as an HTTP client does when the
// contact center does not answer.
type unreachableConn struct{}

func (unreachableConn) Name() string { return "unreachable" }

func (unreachableConn) Push(_ context.Context, states []roster.AgentState) []error {
	errs := make([]error, len(states))
	for i := range errs {
		errs[i] = &net.OpError{Op: "dial", Net: "tcp", Addr: &net.TCPAddr{IP: net.IPv4(10, 1, 2, 3), Port: 443},
			Err: errors.New("connect: connection refused")}
	}
	return errs
}

// TestSyncReasonHidesNetworkErrors checks that the reason administrators read for a failed
// delivery is a stable sentence: the network's details (addresses, the Go error) go to the log.
func TestSyncReasonHidesNetworkErrors(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, engine string) {
		f := newFixture(t, engine, func(roster.Store) roster.Connector { return unreachableConn{} })
		u, err := f.svc.CreateUser(f.ctx, f.full, f.org.ID, provision.NewUser{Email: "ada@example.com", License: roster.LicenseStandard})
		if err != nil {
			t.Fatal(err)
		}
		var job *roster.SyncJob
		f.waitFor("a failed attempt", func() bool {
			job, err = f.svc.SyncState(f.ctx, f.full, f.org.ID, u.ID)
			return err == nil && job != nil && job.Attempts > 0
		})
		if job.LastError != "The contact center could not be reached." {
			t.Errorf("reason %q, want the stable sentence", job.LastError)
		}
		if strings.Contains(job.LastError, "10.1.2.3") || strings.Contains(job.LastError, "dial") {
			t.Errorf("reason %q shows the network error", job.LastError)
		}
	})
}
