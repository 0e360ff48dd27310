package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"roster"
	"roster/internal/provision"
)

// scimCycle: an identity provider's first provisioning cycle, as Entra ID runs it: for each of
// n users, a lookup by userName (which finds nothing) then a create with the enterprise and
// Roster extensions, from concurrency clients, against the real binary on a fresh database.
// The organization sends welcome emails (the default), so every create also queues an
// invitation; the server's sync delivers the agents meanwhile, as it would.
func (b *bench) scimCycle(ctx context.Context, n, concurrency int) {
	db := b.open(ctx, fmt.Sprintf("scim-cycle%d", n), true)
	svc := provision.New(db)
	o := newOrg(ctx, svc, "Cycle")
	_, token, err := svc.CreateToken(ctx, provision.System(roster.ViaCLI), provision.NewToken{OrgID: o.ID, Role: roster.AdminFull, Name: "Entra ID"})
	if err != nil {
		log.Fatal(err)
	}
	_ = db.Close()
	base, stop := b.serve(ctx, fmt.Sprintf("scim-cycle%d", n), fmt.Sprintf("bench_scim_cycle%d", n))
	defer stop()

	users := newUsers("s", n)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency}}
	work := make(chan provision.NewUser)
	var mu sync.Mutex
	var lookups, creates []time.Duration
	start := time.Now()
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			var myLookups, myCreates []time.Duration
			for u := range work {
				d, body := scimDo(client, "GET", base+"/scim/v2/Users?"+url.Values{"filter": {`userName eq "` + u.Email + `"`}}.Encode(), token, "", http.StatusOK)
				if !strings.Contains(body, `"totalResults":0`) {
					log.Fatalf("lookup of a new user found one: %s", body)
				}
				myLookups = append(myLookups, d)
				d, _ = scimDo(client, "POST", base+"/scim/v2/Users", token, entraUser(u), http.StatusCreated)
				myCreates = append(myCreates, d)
			}
			mu.Lock()
			lookups, creates = append(lookups, myLookups...), append(creates, myCreates...)
			mu.Unlock()
		})
	}
	for _, u := range users {
		work <- u
	}
	close(work)
	wg.Wait()
	elapsed := time.Since(start)
	fmt.Printf("SCIM first cycle (lookup then create), %d users, %d clients (%s): %s, %.0f users/s (target ≥ 1,000/s)\n",
		n, concurrency, b.engine, elapsed.Round(10*time.Millisecond), float64(n)/elapsed.Seconds())
	report("  lookup GET /scim/v2/Users?filter=userName eq, during the cycle", nil, lookups, "")
	report("  create POST /scim/v2/Users, during the cycle", nil, creates, "")
}

// scimLookup: lookups by userName eq from concurrency clients for dur, in the organization of
// n users the list and HTTP benchmarks share.
func (b *bench) scimLookup(ctx context.Context, n int, dur time.Duration, concurrency int) {
	db, o := b.million(ctx, n)
	svc := provision.New(db)
	_, token, err := svc.CreateToken(ctx, provision.System(roster.ViaCLI), provision.NewToken{OrgID: o.ID, Role: roster.AdminReadOnly, Name: "bench scim"})
	if err != nil {
		log.Fatal(err)
	}
	_ = db.Close()
	base, stop := b.serve(ctx, fmt.Sprintf("users%d", n), fmt.Sprintf("bench_users%d", n))
	defer stop()
	const step = 100_000
	email := func() string {
		i := rand.IntN(n)
		return fmt.Sprintf("m%d-%07d@example.com", i/step, i%step)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency}}
	lookup := func() time.Duration {
		e := email()
		d, body := scimDo(client, "GET", base+"/scim/v2/Users?"+url.Values{"filter": {`userName eq "` + strings.ToUpper(e) + `"`},
			"startIndex": {"1"}, "count": {"100"}}.Encode(), token, "", http.StatusOK)
		if !strings.Contains(body, `"totalResults":1`) {
			log.Fatalf("lookup of %s: %s", e, body)
		}
		return d
	}
	for range 200 {
		lookup()
	}
	var mu sync.Mutex
	var times []time.Duration
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(deadline) {
				mine = append(mine, lookup())
			}
			mu.Lock()
			times = append(times, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	fmt.Printf("SCIM lookup by userName eq, %d clients, %d users (%s): %.0f req/s\n", concurrency, n, b.engine, float64(len(times))/dur.Seconds())
	report("  latency of GET /scim/v2/Users?filter=userName eq", nil, times, "target p99 < 5ms")
}

// serve starts the real binary on the database of name (a data directory, or a PostgreSQL
// schema named schema) and returns its base URL and how to stop it.
func (b *bench) serve(ctx context.Context, name, schema string) (string, func()) {
	bin := filepath.Join(os.TempDir(), "roster-bench")
	build := exec.Command("go", "build", "-o", bin, "./cmd/roster")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		log.Fatal(err)
	}
	addr := freeAddr()
	args := []string{"serve", "--addr", addr}
	if b.engine == "postgres" {
		args = append(args, "--database-url", postgresSchema(ctx, schema, false))
	} else {
		args = append(args, "--data-dir", filepath.Join(b.out, b.engine+"-"+name))
	}
	server := exec.Command(bin, args...)
	if err := server.Start(); err != nil {
		log.Fatal(err)
	}
	base := "http://" + addr
	waitReady(base)
	return base, func() { _ = server.Process.Kill(); _ = server.Wait() }
}

// entraUser is the body Entra ID sends to create u, with Roster's extension mapped.
func entraUser(u provision.NewUser) string {
	body, _ := json.Marshal(map[string]any{
		"schemas":    []string{"urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"},
		"externalId": u.Email, "userName": u.Email, "active": true, "displayName": u.FirstName + " " + u.LastName,
		"emails": []any{map[string]any{"primary": true, "type": "work", "value": u.Email}},
		"name":   map[string]any{"givenName": u.FirstName, "familyName": u.LastName},
		"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": map[string]any{"department": u.Department},
		"urn:ietf:params:scim:schemas:extension:roster:2.0:User":     map[string]any{"license": string(u.License)},
	})
	return string(body)
}

func scimDo(client *http.Client, method, url, token, body string, want int) (time.Duration, string) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	out, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	d := time.Since(start)
	if resp.StatusCode != want {
		log.Fatalf("%s %s: %s %s", method, url, resp.Status, out)
	}
	return d, string(out)
}
