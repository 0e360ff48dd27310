package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"roster"
	"roster/internal/provision"
	"roster/internal/sqldb"
)

// http: GET one user over HTTP under load. The server is the real binary in its own process;
// this process is the load generator.
func (b *bench) http(ctx context.Context, n int, dur time.Duration, concurrency int) {
	db, o := b.million(ctx, n)
	token, ids := readerSetup(ctx, db, o)
	_ = db.Close()
	base, stop := b.serveBig(ctx, n)
	defer stop()
	get := userGetter(base, o.ID, token, concurrency)
	for range 200 { // warm up connections and caches
		get(ids[rand.IntN(len(ids))])
	}
	times := readLoad(get, ids, concurrency, time.After(dur))
	fmt.Printf("GET one user over HTTP, %d clients in another process, %d users (%s): %.0f req/s\n",
		concurrency, n, b.engine, float64(len(times))/dur.Seconds())
	report("  latency of GET /api/v1/orgs/{org}/users/{id}", nil, times, "")
}

// readerSetup creates a read-only token of the organization and picks the ids of a thousand of
// its users, spread over it, for the readers of the HTTP load.
func readerSetup(ctx context.Context, db *sqldb.DB, o *roster.Org) (token string, ids []string) {
	svc := provision.New(db)
	_, token, err := svc.CreateToken(ctx, provision.System(roster.ViaCLI), provision.NewToken{OrgID: o.ID, Role: roster.AdminReadOnly, Name: "bench"})
	if err != nil {
		log.Fatal(err)
	}
	for _, q := range []string{"m1", "m4", "m7", "m9"} {
		page, err := db.FindUsers(ctx, roster.UserFilter{OrgID: o.ID, Query: q, Limit: 250})
		if err != nil {
			log.Fatal(err)
		}
		for _, u := range page.Users {
			ids = append(ids, u.ID)
		}
	}
	return token, ids
}

// serveBig builds the binary and starts roster serve on the database of the organization of n
// users, and returns its base URL and the function that stops it.
func (b *bench) serveBig(ctx context.Context, n int) (base string, stop func()) {
	bin := filepath.Join(os.TempDir(), "roster-bench")
	build := exec.Command("go", "build", "-o", bin, "./cmd/roster")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		log.Fatal(err)
	}
	addr := freeAddr()
	args := []string{"serve", "--addr", addr}
	if b.engine == "postgres" {
		args = append(args, "--database-url", postgresSchema(ctx, fmt.Sprintf("bench_users%d", n), false))
	} else {
		args = append(args, "--data-dir", b.bigDataDir(n))
	}
	server := exec.Command(bin, args...)
	server.Stdout = nil // keep the access log out of the figures
	if err := server.Start(); err != nil {
		log.Fatal(err)
	}
	base = "http://" + addr
	waitReady(base)
	return base, func() { _ = server.Process.Kill(); _ = server.Wait() }
}

// bigDataDir is the SQLite data directory of the organization of n users.
func (b *bench) bigDataDir(n int) string {
	return filepath.Join(b.out, fmt.Sprintf("sqlite-users%d", n))
}

// userGetter returns a function that GETs one user of the organization and returns how long
// the answer took.
func userGetter(base, orgID, token string, concurrency int) func(id string) time.Duration {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency}}
	return func(id string) time.Duration {
		req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/orgs/"+orgID+"/users/"+id, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		start := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			log.Fatalf("GET user: %s", resp.Status)
		}
		return time.Since(start)
	}
}

// readLoad runs concurrency clients that get random users of ids one after the other until
// stop, and returns the time of every request.
func readLoad(get func(id string) time.Duration, ids []string, concurrency int, stop <-chan time.Time) []time.Duration {
	var mu sync.Mutex
	var times []time.Duration
	done := make(chan struct{})
	go func() { <-stop; close(done) }()
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			var mine []time.Duration
			for {
				select {
				case <-done:
					mu.Lock()
					times = append(times, mine...)
					mu.Unlock()
					return
				default:
				}
				mine = append(mine, get(ids[rand.IntN(len(ids))]))
			}
		})
	}
	wg.Wait()
	return times
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitReady(base string) {
	for range 300 {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	log.Fatal("the server did not become ready")
}
