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
)

// http: GET one user over HTTP under load. The server is the real binary in its own process;
// this process is the load generator.
func (b *bench) http(ctx context.Context, n int, dur time.Duration, concurrency int) {
	db, o := b.million(ctx, n)
	svc := provision.New(db)
	_, token, err := svc.CreateToken(ctx, provision.System(roster.ViaCLI), provision.NewToken{OrgID: o.ID, Role: roster.AdminReadOnly, Name: "bench"})
	if err != nil {
		log.Fatal(err)
	}
	var ids []string
	for _, q := range []string{"m1", "m4", "m7", "m9"} {
		page, err := db.FindUsers(ctx, roster.UserFilter{OrgID: o.ID, Query: q, Limit: 250})
		if err != nil {
			log.Fatal(err)
		}
		for _, u := range page.Users {
			ids = append(ids, u.ID)
		}
	}
	_ = db.Close()

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
		args = append(args, "--data-dir", filepath.Join(b.out, fmt.Sprintf("sqlite-users%d", n)))
	}
	server := exec.Command(bin, args...)
	server.Stdout = nil // keep the access log out of the figures
	if err := server.Start(); err != nil {
		log.Fatal(err)
	}
	defer func() { _ = server.Process.Kill(); _ = server.Wait() }()
	base := "http://" + addr
	waitReady(base)

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency}}
	get := func(id string) time.Duration {
		req, _ := http.NewRequest(http.MethodGet, base+"/api/v1/orgs/"+o.ID+"/users/"+id, nil)
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
	for range 200 { // warm up connections and caches
		get(ids[rand.IntN(len(ids))])
	}
	var mu sync.Mutex
	var times []time.Duration
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	for range concurrency {
		wg.Go(func() {
			var mine []time.Duration
			for time.Now().Before(deadline) {
				mine = append(mine, get(ids[rand.IntN(len(ids))]))
			}
			mu.Lock()
			times = append(times, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	fmt.Printf("GET one user over HTTP, %d clients in another process, %d users (%s): %.0f req/s\n",
		concurrency, n, b.engine, float64(len(times))/dur.Seconds())
	report("  latency of GET /api/v1/orgs/{org}/users/{id}", nil, times, "")
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
