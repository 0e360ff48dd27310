package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"roster"
	"roster/internal/provision"
	"roster/internal/server"
)

// console: the console's users page of an organization of a million users, rendered for each
// single filter, as an installation administrator signed in to it reads it. The server runs
// in this process: what is measured is the request, the session, the queries and the template.
func (b *bench) console(ctx context.Context, n int) {
	db, o := b.million(ctx, n)
	defer db.Close()
	svc := provision.New(db, provision.WithPasswordIterations(1000))
	email := consoleAdmin(ctx, svc, db)
	srv := httptest.NewServer(server.New(server.Config{Service: svc, Store: db, Logger: slog.New(slog.DiscardHandler)}))
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	form := url.Values{"email": {email}, "password": {consolePassword}}
	resp, err := client.PostForm(srv.URL+"/console/sign-in", form)
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		log.Fatalf("sign in: %v %v", resp, err)
	}
	// The group filter reads a page in one of two ways (sqldb's groupPlan): the largest group
	// read from its members is the slowest case, about 3,000 of a million users.
	group, edge, small := benchGroup(ctx, svc, o, "One in a hundred", n, 100),
		benchGroup(ctx, svc, o, "Three in a thousand", n, 333), benchGroup(ctx, svc, o, "Ten people", n, n/10)
	deep := fmt.Sprintf("m%d-%07d@example.com", (n*9/10)/100_000, 0)
	cases := []struct{ name, query string }{
		{"no filter", ""},
		{"deep page (90%)", "after=" + url.QueryEscape(deep)},
		{"previous page from 90%", "before=" + url.QueryEscape(deep)},
		{"license=premium", "license=premium"},
		{"license=none", "license=none"},
		{"ccRole=supervisor", "ccRole=supervisor"},
		{"adminRole=full", "adminRole=full"},
		{"status=pending", "status=pending"},
		{"syncStatus=invalid", "syncStatus=invalid"},
		{"group (1% of the users)", "group=" + group},
		{"group (0.3% of the users)", "group=" + edge},
		{"group (10 users)", "group=" + small},
		{"q=kow (name prefix)", "q=kow"},
		{"q=m7-00012 (email prefix)", "q=m7-00012"},
		{"q=a (one letter)", "q=a"},
	}
	for _, size := range []int{25, 100} {
		for _, c := range cases {
			path := fmt.Sprintf("%s/console/orgs/%s/users?size=%d&%s", srv.URL, o.ID, size, c.query)
			var times []time.Duration
			for range 100 {
				start := time.Now()
				resp, err := client.Get(path)
				if err != nil {
					log.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				_ = resp.Body.Close()
				times = append(times, time.Since(start))
				if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<table") && !strings.Contains(c.name, "supervisor") &&
					!strings.Contains(c.name, "admin") && !strings.Contains(c.name, "invalid") {
					log.Fatalf("%s: %d", c.name, resp.StatusCode)
				}
			}
			report("console users page, %d rows, %s, %d users (%s)", []any{size, c.name, n, b.engine}, times, "target < 50ms")
		}
	}
}

// benchGroup returns the id of the group called name holding one user in every step of the
// organization of n users, creating it on first use.
func benchGroup(ctx context.Context, svc *provision.Service, o *roster.Org, name string, n, step int) string {
	sys := provision.System(roster.ViaCLI)
	groups, err := svc.Groups(ctx, sys, roster.GroupFilter{OrgID: o.ID, Limit: roster.MaxPageSize})
	if err != nil {
		log.Fatal(err)
	}
	for _, g := range groups.Groups {
		if g.Name == name {
			return g.ID
		}
	}
	g, err := svc.CreateGroup(ctx, sys, o.ID, provision.GroupInput{Name: new(name)})
	if err != nil {
		log.Fatal(err)
	}
	var emails []string
	for i := 0; i < n; i += step {
		emails = append(emails, fmt.Sprintf("m%d-%07d@example.com", i/100_000, i%100_000))
	}
	added, err := svc.AddMembers(ctx, sys, o.ID, g.ID, provision.MemberRefs{Emails: emails})
	if err != nil || len(added.Failed) > 0 {
		log.Fatalf("members of the benchmark's group: %v %+v", err, added)
	}
	return g.ID
}

const consolePassword = "correct horse battery staple"

// consoleAdmin returns the email of an installation administrator with a console password,
// in an organization of its own beside the million users', creating them on first use.
func consoleAdmin(ctx context.Context, svc *provision.Service, db roster.Store) string {
	const email = "bench-admin@example.com"
	if _, err := db.FindUserByEmail(ctx, email); err == nil {
		return email
	}
	sys := provision.System(roster.ViaCLI)
	name := "Console benchmark"
	o, err := svc.CreateOrg(ctx, sys, provision.OrgChange{Name: &name})
	if err != nil {
		log.Fatal(err)
	}
	u, err := svc.CreateUser(ctx, sys, o.ID, provision.NewUser{Email: email})
	if err != nil {
		log.Fatal(err)
	}
	full := roster.AdminFull
	if _, err := svc.UpdateUser(ctx, sys, o.ID, u.ID, provision.UserChange{AdminRole: &full}, 0); err != nil {
		log.Fatal(err)
	}
	emails, err := svc.Emails(ctx, sys, roster.EmailFilter{OrgID: o.ID})
	if err != nil || len(emails.Emails) == 0 {
		log.Fatalf("invitation of the benchmark's administrator: %v", err)
	}
	link := emails.Emails[0].Link
	if _, err := svc.AcceptInvitation(ctx, link[strings.LastIndex(link, "/")+1:], consolePassword); err != nil {
		log.Fatal(err)
	}
	if _, err := svc.GrantInstallationAdmin(ctx, sys, email); err != nil {
		log.Fatal(err)
	}
	return email
}
