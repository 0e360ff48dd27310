package main

import (
	"fmt"
	"testing"
	"time"

	"roster/internal/httpapi"
)

func TestRemoteSupportDetails(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 2, 8, 15, 0, 0, time.UTC)
	tests := []struct {
		name   string
		remote *httpapi.RemoteSupport
		want   string
	}{
		{name: "builtin", want: "[]"},
		{name: "unreachable", remote: &httpapi.RemoteSupport{CheckedAt: at, Problem: "The SCIM service could not be reached (GET /ServiceProviderConfig)."},
			want: "[[Remote checked 2026-03-02T08:15:00Z] [Remote not reachable] " +
				"[Remote problem The SCIM service could not be reached (GET /ServiceProviderConfig).]]"},
		{name: "complete", remote: &httpapi.RemoteSupport{CheckedAt: at, Reachable: true, Patch: true, ETags: true,
			Schemas: []string{"core", "ext"}, ExtensionListed: true},
			want: "[[Remote checked 2026-03-02T08:15:00Z] [Remote changes PATCH (attributes set there stay)] " +
				"[Remote versions ETags (changes sent with If-Match)] [Remote schemas core, ext] [Contact-center schema listed]]"},
		{name: "gateway", remote: &httpapi.RemoteSupport{CheckedAt: at, Reachable: true, Schemas: []string{"core"}, Problem: "Not listed."},
			want: "[[Remote checked 2026-03-02T08:15:00Z] [Remote changes PUT of the remote user with Roster's attributes merged in] " +
				"[Remote versions none] [Remote schemas core] [Contact-center schema not listed] [Remote problem Not listed.]]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := fmt.Sprint(remoteSupportDetails(tt.remote)); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
