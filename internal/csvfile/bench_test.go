package csvfile

import (
	"errors"
	"io"
	"runtime"
	"strconv"
	"testing"

	"roster"
)

// userFile generates a users export of n rows on the fly, so that a million-row file costs
// no memory in the test either.
type userFile struct {
	n, i   int
	buf    []byte
	off    int
	header bool
}

func newUserFile(n int) *userFile { return &userFile{n: n} }

// Read implements io.Reader.
func (g *userFile) Read(p []byte) (int, error) {
	for g.off >= len(g.buf) {
		g.off = 0
		switch {
		case !g.header:
			g.header = true
			g.buf = append(g.buf[:0], "\xEF\xBB\xBFFirst Name,Last Name,Display Name,User ID/Email (Required),User Status,"+
				"Phone Number,Title,Department,Preferred Language,Groups,Contact Center Standard Agent,"+
				"Contact Center Premium Agent,Contact Center Role,Sync Status\r\n"...)
		case g.i == g.n:
			return 0, io.EOF
		default:
			g.buf = appendUserRow(g.buf[:0], g.i)
			g.i++
		}
	}
	n := copy(p, g.buf[g.off:])
	g.off += n
	return n, nil
}

// appendUserRow writes a realistic row: names, email, E.164 phone, two groups, a license.
func appendUserRow(b []byte, i int) []byte {
	n := strconv.AppendInt(nil, int64(i), 10)
	b = append(b, "Anna"...)
	b = append(b, n...)
	b = append(b, ",Lindqvist,Anna"...)
	b = append(b, n...)
	b = append(b, " Lindqvist,anna.lindqvist"...)
	b = append(b, n...)
	b = append(b, "@example.com,active,+4670"...)
	b = strconv.AppendInt(b, int64(1000000+i%9000000), 10)
	b = append(b, ",Customer Service Agent,Support Stockholm,sv,Support|Stockholm,"...)
	if i%3 == 0 {
		b = append(b, "FALSE,TRUE,agent,valid\r\n"...)
	} else {
		b = append(b, "TRUE,FALSE,,valid\r\n"...)
	}
	return b
}

// parseUsers reads every row of r, calling sample every `every` rows, and returns the count.
func parseUsers(tb testing.TB, r io.Reader, every int, sample func(rows int)) int {
	t, err := Open(r, Limits{})
	if err != nil {
		tb.Fatal(err)
	}
	u, err := NewUserReader(t)
	if err != nil {
		tb.Fatal(err)
	}
	rows := 0
	for {
		row, err := u.Next()
		if errors.Is(err, io.EOF) {
			return rows
		}
		if err != nil {
			tb.Fatal(err)
		}
		if row.Email == "" || row.HasErrors() {
			tb.Fatalf("line %d: %+v", row.Line, row)
		}
		rows++
		if sample != nil && rows%every == 0 {
			sample(rows)
		}
	}
}

// BenchmarkUserReader parses a generated file of 1,000,000 rows (about 190 MB) per operation
// and reports the cost per row; then, untimed, it parses the file once more watching the heap
// and reports the peak (sampled every 10,000 rows) and the bytes allocated per row.
//
//	go test -run '^$' -bench BenchmarkUserReader -benchtime 3x ./internal/csvfile/
func BenchmarkUserReader(b *testing.B) {
	const rows = 1_000_000
	b.ReportAllocs()
	for b.Loop() {
		if n := parseUsers(b, newUserFile(rows), 0, nil); n != rows {
			b.Fatalf("%d rows", n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")

	b.StopTimer()
	runtime.GC()
	var before, ms runtime.MemStats
	runtime.ReadMemStats(&before)
	peak := before.HeapAlloc
	parseUsers(b, newUserFile(rows), 10_000, func(int) {
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapAlloc)
	})
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
	b.ReportMetric(float64(ms.TotalAlloc-before.TotalAlloc)/rows, "alloc-B/row")
	if peak > 64<<20 {
		b.Errorf("peak heap %d MiB: memory grows with the file", peak>>20)
	}
}

// TestMemoryFlat checks that parsing keeps no memory per row: the live heap after a
// collection is the same after 50,000 rows and after 400,000.
func TestMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("parses 400,000 rows")
	}
	// Not parallel: other tests' allocations would blur the live heap.
	live := map[int]uint64{}
	parseUsers(t, newUserFile(400_000), 50_000, func(rows int) {
		if rows == 50_000 || rows == 400_000 {
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			live[rows] = ms.HeapAlloc
		}
	})
	growth := int64(live[400_000]) - int64(live[50_000])
	t.Logf("live heap after 50,000 rows: %d KiB, after 400,000: %d KiB", live[50_000]>>10, live[400_000]>>10)
	if growth > 256<<10 {
		t.Errorf("the live heap grew by %d KiB over 350,000 rows", growth>>10)
	}
}

// BenchmarkUserWriter writes 1,000,000 users per operation and reports the cost per row.
//
//	go test -run '^$' -bench BenchmarkUserWriter -benchtime 3x ./internal/csvfile/
func BenchmarkUserWriter(b *testing.B) {
	const rows = 1_000_000
	u := UserRecord{FirstName: "Anna", LastName: "Lindqvist", DisplayName: "Anna Lindqvist",
		Email: "anna.lindqvist@example.com", Status: roster.StatusActive, PhoneNumber: "+46701234567",
		Title: "Customer Service Agent", Department: "Support Stockholm", PreferredLanguage: roster.Swedish,
		Groups: []string{"Support", "Stockholm"}, Premium: true, Role: roster.RoleAgent, SyncStatus: roster.SyncValid}
	b.ReportAllocs()
	for b.Loop() {
		w := NewUserWriter(io.Discard)
		for range rows {
			if err := w.Write(u); err != nil {
				b.Fatal(err)
			}
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*rows), "ns/row")
}
