package main

import (
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"time"

	"roster"
	"roster/internal/metrics"
	"roster/internal/provision"
	"roster/internal/server"
)

// metricsCost: what the Prometheus metrics cost GET one user. Two servers in this process
// read the same database, one recording every request in the metrics and one without; rounds
// of the same load alternate between them so that the machine's other work falls on both.
func (b *bench) metricsCost(ctx context.Context, n int, dur time.Duration, concurrency int) {
	db, o := b.million(ctx, n)
	defer db.Close()
	svc := provision.New(db)
	_, token, err := svc.CreateToken(ctx, provision.System(roster.ViaCLI), provision.NewToken{OrgID: o.ID, Role: roster.AdminReadOnly, Name: "bench"})
	if err != nil {
		log.Fatal(err)
	}
	page, err := db.FindUsers(ctx, roster.UserFilter{OrgID: o.ID, Query: fmt.Sprintf("m%d", n/2/100_000), Limit: 1000})
	if err != nil {
		log.Fatal(err)
	}
	var ids []string
	for _, u := range page.Users {
		ids = append(ids, u.ID)
	}
	quiet := slog.New(slog.DiscardHandler)
	m := metrics.New("bench")
	servers := map[string]*httptest.Server{
		"without metrics": httptest.NewServer(server.New(server.Config{Service: svc, Store: db, Logger: quiet})),
		"with metrics":    httptest.NewServer(server.New(server.Config{Service: svc, Store: db, Logger: quiet, Metrics: m})),
	}
	for _, s := range servers {
		defer s.Close()
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: concurrency}}
	get := func(base, id string) time.Duration {
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
	// load runs the clients against one server for d and returns the requests per second and
	// the latencies.
	load := func(base string, d time.Duration) (float64, []time.Duration) {
		var mu sync.Mutex
		var times []time.Duration
		deadline := time.Now().Add(d)
		var wg sync.WaitGroup
		for range concurrency {
			wg.Go(func() {
				var mine []time.Duration
				for time.Now().Before(deadline) {
					mine = append(mine, get(base, ids[rand.IntN(len(ids))]))
				}
				mu.Lock()
				times = append(times, mine...)
				mu.Unlock()
			})
		}
		wg.Wait()
		return float64(len(times)) / d.Seconds(), times
	}
	for _, s := range servers {
		load(s.URL, time.Second) // warm up connections and caches
	}
	const rounds = 5
	rates := map[string][]float64{}
	times := map[string][]time.Duration{}
	for range rounds {
		for _, name := range []string{"without metrics", "with metrics"} {
			rate, t := load(servers[name].URL, dur/rounds)
			rates[name] = append(rates[name], rate)
			times[name] = append(times[name], t...)
		}
	}
	median := func(v []float64) float64 { slices.Sort(v); return v[len(v)/2] }
	without, with := median(rates["without metrics"]), median(rates["with metrics"])
	for _, name := range []string{"without metrics", "with metrics"} {
		fmt.Printf("GET one user in process, %s, %d clients, %d users (%s): %.0f req/s (median of %d rounds)\n",
			name, concurrency, n, b.engine, median(rates[name]), rounds)
		report("  latency "+name, nil, times[name], "")
	}
	fmt.Printf("cost of the metrics on GET one user: %.1f%% of the throughput (target under 3%%)\n", (without-with)/without*100)

	// The scrape works and counted the requests.
	resp, err := http.Get(servers["with metrics"].URL + "/metrics")
	if err != nil || resp.StatusCode != http.StatusOK {
		log.Fatalf("scrape: %v %v", resp, err)
	}
	_ = resp.Body.Close()
}
