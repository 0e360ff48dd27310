package main

import (
	"bufio"
	"context"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"roster"
	"roster/internal/provision"
	"roster/internal/sqldb"
	"roster/internal/worker"
)

// imports: the CSV import of a generated file of n new licensed users, end to end, as a worker
// of roster serve runs it (upload checks, parsing, every rule, users, audit entries, the
// per-row report); then the same file again, where every row is unchanged.
//
// With invite, the organization sends welcome emails (the default of a new organization), so
// each new user also gets an invitation and a message in the outbox; without, it does not, as
// the import's own figure is defined.
func (b *bench) imports(ctx context.Context, runs, n int, invite bool) {
	path := b.usersFile(n)
	var created, unchanged []time.Duration
	var floors []floorTimes
	for range runs {
		db := b.open(ctx, "import", true)
		svc := provision.New(db, provision.WithImportChunk(b.chunk))
		o := newOrg(ctx, svc, "Import")
		if !invite {
			noWelcome(ctx, svc, o)
		}
		// Labeled, so that a profile (-cpuprofile) can show one of them: go tool pprof -tagfocus phase=again
		pprof.Do(ctx, pprof.Labels("phase", "new"), func(ctx context.Context) {
			created = append(created, b.importFile(ctx, db, svc, o, path, roster.TaskCounts{Created: n}))
		})
		floors = append(floors, b.floors(ctx, "import", writeFloor, b.chunk))
		pprof.Do(ctx, pprof.Labels("phase", "again"), func(ctx context.Context) {
			unchanged = append(unchanged, b.importFile(ctx, db, svc, o, path, roster.TaskCounts{Unchanged: n}))
		})
		_ = db.Close()
	}
	target := "target ≤ 1.3× the floor and ≤ 5.5s"
	if b.engine == "postgres" {
		target = "target ≤ 1.3× the floor and ≤ 8s"
	}
	what := "import %d new licensed users from CSV (%s)"
	if invite {
		what, target = "import %d new licensed users from CSV, invitations included (%s)", "no target of its own"
	}
	reportFloor(what, []any{n, b.engine}, created, floors, target)
	report("import the same file again, every row unchanged (%s)", []any{b.engine}, unchanged, "target ≤ 1.2s")
}

// importBig: one import of a file of n new users (a million), for the peak memory of the
// process, which must not grow with the file.
func (b *bench) importBig(ctx context.Context, n int) {
	path := b.usersFile(n)
	db := b.open(ctx, "import-big", true)
	defer db.Close()
	svc := provision.New(db, provision.WithImportChunk(b.chunk))
	o := newOrg(ctx, svc, "Import")
	noWelcome(ctx, svc, o)
	runtime.GC()
	var peak uint64
	stop := sampleHeap(&peak)
	var anon, file int
	stopRSS := sampleRSS(&anon, &file)
	d := b.importFile(ctx, db, svc, o, path, roster.TaskCounts{Created: n})
	stop()
	stopRSS()
	report("import %d new licensed users from CSV (%s)", []any{n, b.engine}, []time.Duration{d}, "peak RSS target < 300 MB")
	fmt.Printf("%-78s peak Go heap in use %.1f MiB, peak RSS of the process (VmHWM) %s\n", "", float64(peak)/(1<<20), vmHWM())
	fmt.Printf("%-78s peak anonymous RSS %d MiB, peak file-backed RSS %d MiB\n", "", anon>>10, file>>10)
}

// sampleRSS records the largest anonymous and file-backed resident sizes of this process, in
// KiB, every 20 ms until stop is called: what the peak RSS is made of (the Go heap and SQLite's
// caches, or files mapped into memory).
func sampleRSS(anon, file *int) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		for {
			if b, err := os.ReadFile("/proc/self/status"); err == nil {
				for line := range strings.Lines(string(b)) {
					k, v, _ := strings.Cut(line, ":")
					kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
					switch k {
					case "RssAnon":
						*anon = max(*anon, kb)
					case "RssFile":
						*file = max(*file, kb)
					}
				}
			}
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return func() { close(done); <-finished }
}

// noWelcome turns the welcome email of o off: its new users get no invitation.
func noWelcome(ctx context.Context, svc *provision.Service, o *roster.Org) {
	off := false
	if _, err := svc.UpdateOrg(ctx, provision.System(roster.ViaCLI), o.ID, provision.OrgChange{SendWelcomeEmail: &off}, 0); err != nil {
		log.Fatal(err)
	}
}

// usersFile writes, once, a users CSV file of n new users, half standard and half premium, in
// random email order, as a spreadsheet saves it (UTF-8 with BOM, CRLF).
func (b *bench) usersFile(n int) string {
	path := filepath.Join(b.out, fmt.Sprintf("users-%d.csv", n))
	if _, err := os.Stat(path); err == nil {
		return path
	}
	if err := os.MkdirAll(b.out, 0o755); err != nil {
		log.Fatal(err)
	}
	// Written aside and renamed into place, so that a run stopped half-way leaves no short file
	// for the next run to take as whole.
	f, err := os.Create(path + ".part")
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprint(w, "\uFEFFFirst Name,Last Name,User ID/Email (Required),Department,Contact Center Standard Agent,Contact Center Premium Agent\r\n")
	first := []string{"Ada", "Björn", "Carmen", "Daan", "Ewa", "Filip", "Greta", "Hugo", "Iris", "Jan", "Karin", "Łukasz"}
	last := []string{"Andersson", "de Vries", "García", "Kowalski", "Nilsson", "Jansen", "López", "Nowak"}
	order := rand.New(rand.NewPCG(uint64(n), 2)).Perm(n)
	for _, i := range order {
		std, prem := "TRUE", "FALSE"
		if i%2 == 1 {
			std, prem = "FALSE", "TRUE"
		}
		fmt.Fprintf(w, "%s,%s,u%07d@example.com,Support,%s,%s\r\n", first[i%len(first)], last[i%len(last)], i, std, prem)
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	if err := os.Rename(path+".part", path); err != nil {
		log.Fatal(err)
	}
	return path
}

// importFile imports the file at path into o with a worker of its own, and returns the time
// from the upload to the end of the task. The task must end with the counts want.
func (b *bench) importFile(ctx context.Context, db *sqldb.DB, svc *provision.Service, o *roster.Org, path string, want roster.TaskCounts) time.Duration {
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	handlers := map[string]worker.Handler{provision.KindImport: worker.HandlerFunc(svc.RunImport)}
	return b.runTask(ctx, db, o.ID, handlers, func() (*roster.Task, error) {
		return svc.StartImport(ctx, provision.System(roster.ViaCLI), o.ID, provision.ImportRequest{Mode: provision.ImportAdd, File: f})
	}, want)
}
