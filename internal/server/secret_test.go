package server

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"mime/quotedprintable"
	"net/http"
	"net/http/httptest"
	netmail "net/mail"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"roster"
	"roster/internal/mail"
	"roster/internal/mail/mailtest"
	"roster/internal/outbox"
	"roster/internal/provision"
	"roster/internal/sqldb/sqldbtest"
)

// TestNoSecretAtRestOrInLogs delivers an invitation through a mail server, opens and accepts
// its link through the server, and then looks for the link's token in every column of the
// outbox and the invitations, in the outbox as the API shows it, and in the whole log: after
// delivery, no reader of the database or the log can accept the invitation.
func TestNoSecretAtRestOrInLogs(t *testing.T) {
	t.Parallel()
	for _, engine := range sqldbtest.Engines(t) {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			store, cfg := sqldbtest.OpenWithConfig(t, engine)
			logs := &syncBuffer{}
			log := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
			svc := provision.New(store, provision.WithBaseURL("https://roster.example.com"), provision.WithLogger(log),
				provision.WithMailServer())
			hs := httptest.NewServer(New(Config{Service: svc, Store: store, Logger: log}))
			t.Cleanup(hs.Close)

			sys := provision.System(roster.ViaCLI)
			name := "Acme"
			o, err := svc.CreateOrg(ctx, sys, provision.OrgChange{Name: &name})
			if err != nil {
				t.Fatal(err)
			}
			_, token, err := svc.CreateToken(ctx, sys, provision.NewToken{OrgID: o.ID, Role: roster.AdminFull, Name: "admin"})
			if err != nil {
				t.Fatal(err)
			}
			for _, email := range []string{"ada@acme.example", "bo@acme.example"} {
				if _, err := svc.CreateUser(ctx, sys, o.ID, provision.NewUser{Email: email, FirstName: "Ada"}); err != nil {
					t.Fatal(err)
				}
			}
			mails, err := mailtest.Start(nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(mails.Close)
			sender, err := mail.NewSender("smtp://"+mails.Addr, netmail.Address{Address: "roster@acme.example"})
			if err != nil {
				t.Fatal(err)
			}
			d := outbox.New(store, sender, outbox.Options{Owner: "d1", Logger: log})
			if n, err := d.DeliverDue(ctx); n != 2 || err != nil {
				t.Fatalf("delivered %d, %v", n, err)
			}
			var links []string
			for _, email := range []string{"ada@acme.example", "bo@acme.example"} {
				got := mails.Received(email)
				if len(got) != 1 {
					t.Fatalf("%s got %d messages", email, len(got))
				}
				m, err := netmail.ReadMessage(bytes.NewReader(got[0]))
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(quotedprintable.NewReader(m.Body))
				link := regexp.MustCompile(`https://roster\.example\.com/invite/[A-Za-z0-9_-]+`).Find(body)
				if link == nil {
					t.Fatalf("no link in the message to %s:\n%s", email, body)
				}
				links = append(links, string(link))
			}

			// Ada opens her link and accepts it; the link of Bo is tried with a path it does
			// not serve; a link is sent as a form body no browser sends.
			pathOf := func(link string) string { return strings.TrimPrefix(link, "https://roster.example.com") }
			request := func(method, path, contentType string, body io.Reader) {
				t.Helper()
				req, _ := http.NewRequest(method, hs.URL+path, body)
				if contentType != "" {
					req.Header.Set("Content-Type", contentType)
				}
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				_, _ = io.Copy(io.Discard, res.Body)
				_ = res.Body.Close()
			}
			request("GET", pathOf(links[0]), "", nil)
			request("POST", pathOf(links[0]), "application/x-www-form-urlencoded", strings.NewReader(url.Values{"password": {""}}.Encode()))
			request("GET", pathOf(links[1])+"/more", "", nil)
			request("POST", pathOf(links[1]), "multipart/form-data; boundary=x", strings.NewReader("--x--"))
			if u, err := store.FindUserByEmail(ctx, "ada@acme.example"); err != nil || u.Status != roster.StatusActive {
				t.Fatalf("Ada did not accept: %+v %v", u, err)
			}

			// What the API shows of the outbox.
			req, _ := http.NewRequest("GET", hs.URL+"/api/v1/orgs/"+o.ID+"/emails", nil)
			req.Header.Set("Authorization", "Bearer "+token)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			api, _ := io.ReadAll(res.Body)
			_ = res.Body.Close()
			if res.StatusCode != 200 || strings.Count(string(api), `"linkStatus":"sent"`) != 2 {
				t.Errorf("the outbox: %d %s", res.StatusCode, api)
			}

			places := map[string]string{"the log": logs.String(), "the API's outbox": string(api)}
			raw := sqldbtest.Raw(t, cfg)
			for _, table := range []string{"emails", "invitations"} {
				places["the table "+table] = dumpTable(t, raw, table)
			}
			if !strings.Contains(places["the log"], `"route":"/invite/{token}"`) {
				t.Errorf("the log has no request to an invitation link:\n%s", places["the log"])
			}
			for _, link := range links {
				token := strings.TrimPrefix(link, "https://roster.example.com/invite/")
				secret := token[len(token)-40:] // the last 30 bytes of the 32 of the secret
				for where, text := range places {
					if strings.Contains(text, secret) {
						t.Errorf("%s holds the secret of %s:\n%s", where, link, text)
					}
				}
			}
		})
	}
}

// dumpTable returns every row of table as text, each column a value.
func dumpTable(t *testing.T, db *sql.DB, table string) string {
	t.Helper()
	rows, err := db.Query(`SELECT * FROM ` + table)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rows.Close() }()
	cols, _ := rows.Columns()
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			fmt.Fprintf(&b, "%s=%v ", cols[i], v)
		}
		b.WriteString("\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestPanicLogRedacted: the log of an internal error names the path without the token of an
// invitation link; the access log names only the route.
func TestPanicLogRedacted(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	s := &Server{log: slog.New(slog.NewJSONHandler(logs, nil))}
	srv := httptest.NewServer(s.middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") })))
	defer srv.Close()
	const token = "AZPc3wtA6ztu2KtXx9VmSecretSecretSecret"
	res, _ := get(t, srv.URL+provision.InvitePath+token, nil)
	if res.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d", res.StatusCode)
	}
	out := logs.String()
	if strings.Contains(out, "SecretSecret") || strings.Count(out, `"path":"/invite/[redacted]"`) != 1 ||
		!strings.Contains(out, `"route":"unmatched"`) {
		t.Errorf("log:\n%s", out)
	}
}
