package main

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"time"

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
	token, ids := readerSetup(ctx, db, o)
	svc := provision.New(db)
	quiet := slog.New(slog.DiscardHandler)
	servers := map[string]*httptest.Server{
		"without metrics": httptest.NewServer(server.New(server.Config{Service: svc, Store: db, Logger: quiet})),
		"with metrics":    httptest.NewServer(server.New(server.Config{Service: svc, Store: db, Logger: quiet, Metrics: metrics.New("bench")})),
	}
	getters := map[string]func(string) time.Duration{}
	for name, s := range servers {
		defer s.Close()
		getters[name] = userGetter(s.URL, o.ID, token, concurrency)
		readLoad(getters[name], ids, concurrency, time.After(time.Second)) // warm up connections and caches
	}
	const rounds = 5
	rates := map[string][]float64{}
	times := map[string][]time.Duration{}
	for range rounds {
		for _, name := range []string{"without metrics", "with metrics"} {
			t := readLoad(getters[name], ids, concurrency, time.After(dur/rounds))
			rates[name] = append(rates[name], float64(len(t))/(dur/rounds).Seconds())
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

	// The scrape answers, with the requests counted.
	resp, err := http.Get(servers["with metrics"].URL + "/metrics")
	if err != nil || resp.StatusCode != http.StatusOK {
		log.Fatalf("scrape: %v %v", resp, err)
	}
	_ = resp.Body.Close()
}
