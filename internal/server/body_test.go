package server

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"roster"
	"roster/internal/provision"
	"roster/internal/sqldb/sqldbtest"
)

// TestSlowBody sends a body a byte every 100 ms to a server whose bodies must arrive within
// 300 ms plus 32 KiB a second: it is answered 408 and cut off, and the log says so; a large
// upload that arrives at a good rate for longer than 300 ms goes in.
func TestSlowBody(t *testing.T) {
	t.Parallel()
	store := sqldbtest.Open(t, "sqlite")
	svc := provision.New(store)
	logs := &syncBuffer{}
	s := New(Config{Service: svc, Store: store, Logger: slog.New(slog.NewJSONHandler(logs, nil)),
		BodyTimeout: 300 * time.Millisecond, BodyMinRate: 32 << 10})
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	addr := strings.TrimPrefix(hs.URL, "http://")
	ctx := context.Background()
	sys := provision.System(roster.ViaCLI)
	name := "Acme"
	o, err := svc.CreateOrg(ctx, sys, provision.OrgChange{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	_, token, err := svc.CreateToken(ctx, sys, provision.NewToken{OrgID: o.ID, Role: roster.AdminFull, Name: "upload"})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("a byte every 100 ms", func(t *testing.T) {
		t.Parallel()
		for path, contentType := range map[string]string{"/invite/nothing": "application/x-www-form-urlencoded", "/api/v1/orgs": "application/json"} {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = conn.Close() }()
			const size = 100
			id := fmt.Sprintf("slow-%d", len(path))
			fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nX-Request-Id: %s\r\nAuthorization: Bearer %s\r\n"+
				"Content-Type: %s\r\nContent-Length: %d\r\n\r\n", path, id, token, contentType, size)
			go func() {
				for range size {
					if _, err := conn.Write([]byte("a")); err != nil {
						return
					}
					time.Sleep(100 * time.Millisecond)
				}
			}()
			start := time.Now()
			_ = conn.SetReadDeadline(start.Add(3 * time.Second))
			res, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("%s: no answer within 3 s: %v", path, err)
			}
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(body), `"code":"request_timeout"`) {
				t.Errorf("%s: %d %s", path, res.StatusCode, body)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("%s: answered after %s", path, d)
			}
			// The connection is closed (or reset, as the client still writes): the rest of the
			// body is not waited for.
			if _, err := io.ReadAll(conn); err != nil && !strings.Contains(err.Error(), "reset") {
				t.Errorf("%s: connection not closed: %v", path, err)
			}
			if !strings.Contains(logs.String(), `"status":408,"bytes":`) || !strings.Contains(logs.String(), `"requestId":"`+id+`"`) {
				t.Errorf("%s: not in the access log:\n%s", path, logs)
			}
		}
	})

	t.Run("a large upload at a good rate", func(t *testing.T) {
		t.Parallel()
		var csv strings.Builder
		csv.WriteString("User ID/Email (Required)\r\n")
		for i := 0; csv.Len() < 256<<10; i++ {
			fmt.Fprintf(&csv, "person%06d@example.com\r\n", i)
		}
		head := "--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"users.csv\"\r\n\r\n"
		body := head + csv.String() + "\r\n--x--\r\n"
		pr, pw := io.Pipe()
		go func() {
			// 16 KiB every 50 ms: 320 KiB a second, for about 850 ms.
			for rest := body; rest != ""; {
				n := min(16<<10, len(rest))
				if _, err := pw.Write([]byte(rest[:n])); err != nil {
					return
				}
				rest = rest[n:]
				time.Sleep(50 * time.Millisecond)
			}
			_ = pw.Close()
		}()
		req, _ := http.NewRequest("POST", hs.URL+"/api/v1/orgs/"+o.ID+"/imports", pr)
		req.ContentLength = int64(len(body))
		req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
		req.Header.Set("Authorization", "Bearer "+token)
		start := time.Now()
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = res.Body.Close() }()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusAccepted {
			t.Errorf("%d %s", res.StatusCode, b)
		}
		if d := time.Since(start); d < 500*time.Millisecond {
			t.Errorf("the upload took %s, not longer than the grace", d)
		}
	})
}
