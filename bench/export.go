package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"roster"
	"roster/internal/provision"
)

// export: the CSV export of the organization of n users through the application layer, to
// io.Discard and to a file, with the peak of the Go heap in use sampled during the runs.
func (b *bench) export(ctx context.Context, runs, n int) {
	db, o := b.million(ctx, n)
	defer db.Close()
	svc := provision.New(db)
	reader := provision.System(roster.ViaAPI)
	path := filepath.Join(b.out, "export.csv")
	defer func() { _ = os.Remove(path) }()
	for _, dest := range []string{"io.Discard", "file"} {
		var times []time.Duration
		var peak uint64
		var size int64
		for range runs {
			runtime.GC()
			stop := sampleHeap(&peak)
			cw := &countingWriter{w: io.Discard}
			var f *os.File
			if dest == "file" {
				var err error
				if f, err = os.Create(path); err != nil {
					log.Fatal(err)
				}
				cw.w = f
			}
			start := time.Now()
			err := svc.ExportUsers(ctx, reader, o.ID, cw)
			if err == nil && f != nil {
				err = f.Close()
			}
			times = append(times, time.Since(start))
			stop()
			if err != nil {
				log.Fatal(err)
			}
			size = cw.n
		}
		report("export %d users to %s (%s, %.0f MB)", []any{n, dest, b.engine, float64(size) / 1e6}, times, "target < 5s")
		fmt.Printf("%-78s peak Go heap in use %.1f MiB\n", "", float64(peak)/(1<<20))
	}
	fmt.Printf("%-78s peak RSS of the process (VmHWM) %s\n", "", vmHWM())
}

// sampleHeap records the largest HeapInuse into peak every 10 ms until stop is called.
func sampleHeap(peak *uint64) (stop func()) {
	var done atomic.Bool
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		var ms runtime.MemStats
		for !done.Load() {
			runtime.ReadMemStats(&ms)
			*peak = max(*peak, ms.HeapInuse)
			time.Sleep(10 * time.Millisecond)
		}
	}()
	return func() { done.Store(true); <-finished }
}

// vmHWM returns the peak resident set size of this process, from /proc/self/status.
func vmHWM() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for line := range bytes.Lines(b) {
		if v, ok := strings.CutPrefix(string(line), "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			if err != nil {
				return strings.TrimSpace(v)
			}
			return fmt.Sprintf("%.0f MiB", float64(kb)/1024)
		}
	}
	return "unknown"
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
