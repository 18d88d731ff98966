package warehousetest

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/daiyun/daiyun/warehouse"
)

// lineRows makes n order lines of tenant 1 whose keys start at first: three
// lines per order, numbered orders spread over 20 shops, all on one day.
func lineRows(first, n int) [][]any {
	day := Day(2026, 1, 2)
	rows := make([][]any, n)
	for i := range n {
		k := first + i
		rows[i] = []any{int64(1), int64(1 + k/3%20), "O" + strconv.Itoa(k/3), 1 + k%3, "SKU" + strconv.Itoa(k%500),
			"SPU" + strconv.Itoa(k%100), nil, 1 + k%4, int64(1999), int64(1999 * (1 + k%4)), int64(0), 0, day, int64(1)}
	}
	return rows
}

// BenchUpsertOrderLines measures Upsert of order lines in batches of size
// into a growing table (every key new), then a replay of the last batch
// (every key unchanged). It reports lines/s.
func BenchUpsertOrderLines(b *testing.B, open func(b *testing.B) warehouse.Warehouse, size int) {
	ten := Tenants(b, 1)
	cols := Columns("order_lines")
	b.Run("insert", func(b *testing.B) {
		w := open(b)
		var busy, cpu time.Duration
		for i := 0; b.Loop(); i++ {
			b.StopTimer()
			rows := lineRows(i*size, size)
			b.StartTimer()
			start, cpu0 := time.Now(), cpuTime()
			res, err := w.Upsert(context.Background(), ten, "order_lines", cols, rows)
			busy += time.Since(start)
			cpu += cpuTime() - cpu0
			if err != nil || res.Inserted != size {
				b.Fatalf("%+v %v", res, err)
			}
		}
		b.ReportMetric(float64(b.N*size)/busy.Seconds(), "lines/s")
		b.ReportMetric(float64(b.N*size)/cpu.Seconds(), "lines/cpu-s")
		reportPeakRSS(b)
	})
	b.Run("replay", func(b *testing.B) {
		w := open(b)
		rows := lineRows(0, size)
		if _, err := w.Upsert(context.Background(), ten, "order_lines", cols, rows); err != nil {
			b.Fatal(err)
		}
		start, cpu0 := time.Now(), cpuTime()
		for b.Loop() {
			res, err := w.Upsert(context.Background(), ten, "order_lines", cols, rows)
			if err != nil || res.Unchanged != size {
				b.Fatalf("%+v %v", res, err)
			}
		}
		b.ReportMetric(float64(b.N*size)/time.Since(start).Seconds(), "lines/s")
		b.ReportMetric(float64(b.N*size)/(cpuTime()-cpu0).Seconds(), "lines/cpu-s")
	})
}

// BenchAppendOrderLines measures the Appender: one op is one order line;
// it reports lines/s including the final commit.
func BenchAppendOrderLines(b *testing.B, open func(b *testing.B) warehouse.Warehouse) {
	w := open(b)
	const chunk = 10_000
	rows := lineRows(0, chunk)
	a, err := w.Appender(context.Background(), "order_lines")
	if err != nil {
		b.Fatal(err)
	}
	start, cpu0 := time.Now(), cpuTime()
	i := 0
	for b.Loop() {
		r := rows[i%chunk]
		r[2], r[3] = "O"+strconv.Itoa(i/3), 1+i%3 // a fresh key per line
		if err := a.AppendRow(r...); err != nil {
			b.Fatal(err)
		}
		i++
	}
	if err := a.Close(); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "lines/s")
	b.ReportMetric(float64(b.N)/(cpuTime()-cpu0).Seconds(), "lines/cpu-s")
	reportPeakRSS(b)
}

// reportPeakRSS reports the process's peak resident memory (Linux), which
// includes what the engine's C++ side allocates outside the Go heap.
func reportPeakRSS(b *testing.B) {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return
	}
	for l := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			b.ReportMetric(float64(kb)/1024, "peakRSS-MB")
		}
	}
}
