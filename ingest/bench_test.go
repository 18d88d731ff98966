package ingest

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
)

// canonicalCSV generates n order lines in the canonical_orders template:
// orders of 1–3 lines, buyers already pseudonymised, money in minor units.
func canonicalCSV(n int) []byte {
	var b bytes.Buffer
	writeCanonicalCSV(&b, n)
	return b.Bytes()
}

// writeCanonicalCSV writes what canonicalCSV returns.
func writeCanonicalCSV(b io.Writer, n int) {
	io.WriteString(b, "order_no,customer_id,status,created_at,paid_at,goods_minor,discount_minor,shipping_minor,total_minor,paid_minor,refund_minor,province,city,channel,line_no,sku_id,quantity,unit_price_minor,amount_minor\n")
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	statuses := []string{"completed", "paid", "shipped", "refunded", "closed"}
	provinces := []string{"浙江省,杭州市", "广东省,深圳市", "上海,上海市", "北京,北京市"}
	channels := []string{"search", "recommendation", "ads_ztc", "live"}
	for o, line := 0, 0; line < n; o++ {
		lines := 1 + o%3
		if line+lines > n {
			lines = n - line
		}
		created := start.Add(time.Duration(o) * 17 * time.Second)
		var goods int64
		for l := 0; l < lines; l++ {
			goods += int64(1000 + (o+l)%50*100)
		}
		cust := daiyun.Pseudonym([]byte("bench"), strconv.Itoa(o%50000))
		head := fmt.Sprintf("B%09d,%s,%s,%s,%s,%d,0,0,%d,%d,0,%s,%s,", o, cust, statuses[o%5],
			created.Format("2006-01-02 15:04:05"), created.Add(time.Minute).Format("2006-01-02 15:04:05"),
			goods, goods, goods, provinces[o%4], channels[o%4])
		for l := 0; l < lines; l++ {
			price := 1000 + (o+l)%50*100
			io.WriteString(b, head)
			fmt.Fprintf(b, "%d,SKU-%04d,1,%d,%d\n", l+1, (o*7+l)%2000, price, price)
		}
		line += lines
	}
}

// BenchmarkImportOrderLines imports a generated canonical CSV of order lines
// into a DuckDB file, end to end: decoding, parsing, validation, grouping
// into orders, history and customers, and Upsert with dedup. Each iteration
// writes into a new shop, so every line is an insert.
func BenchmarkImportOrderLines(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			data := canonicalCSV(n)
			wh := openDuck(b)
			ctx := context.Background()
			b.SetBytes(int64(len(data)))
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				shop := shopCN()
				shop.ID = int64(1000 + i)
				req := Request{ImportID: "bench", Tenants: tenants(b, 7), Shop: shop, ClientKey: testKey,
					FileName: "bench.csv", Reader: bytes.NewReader(data), Now: benchNow, BatchSize: 100_000}
				rep, err := Import(ctx, wh, &MemorySink{}, req)
				if err != nil {
					b.Fatal(err)
				}
				if rep.Inserted != n {
					b.Fatalf("inserted %d of %d: %+v", rep.Inserted, n, rep.Errors)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
		})
	}
}

// BenchmarkParseOrderLines measures the file side alone (no warehouse
// writes): reading, parsing and building the rows.
func BenchmarkParseOrderLines(b *testing.B) {
	n := 1_000_000
	data := canonicalCSV(n)
	wh := discard{openDuck(b)}
	ctx := context.Background()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req := Request{ImportID: "bench", Tenants: tenants(b, 7), Shop: shopCN(), ClientKey: testKey,
			FileName: "bench.csv", Reader: bytes.NewReader(data), Now: benchNow, BatchSize: 100_000}
		if _, err := Import(ctx, wh, &MemorySink{}, req); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// benchNow is after every generated date.
var benchNow = time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)

// BenchmarkRawCopyOrderLines loads the same generated CSV with DuckDB's own
// CSV reader into a table, in the same process: the anchor the import's
// lines/s is compared with (no validation, no dedup, one table).
func BenchmarkRawCopyOrderLines(b *testing.B) {
	n := 1_000_000
	path := filepath.Join(b.TempDir(), "lines.csv")
	if err := os.WriteFile(path, canonicalCSV(n), 0o644); err != nil {
		b.Fatal(err)
	}
	wh := openDuck(b)
	db := wh.(interface{ SQL() *sql.DB }).SQL()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := db.Exec(fmt.Sprintf("CREATE OR REPLACE TABLE raw_lines AS SELECT * FROM read_csv('%s', header = true)", path)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
}

// BenchmarkImportFile imports a generated file from disk (Request.Path) with
// the default batch size, to see memory stay flat as the file grows: run
// each size alone under /usr/bin/time -v and compare the peak RSS.
func BenchmarkImportFile(b *testing.B) {
	for _, n := range []int{200_000, 1_000_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			path := filepath.Join(b.TempDir(), "lines.csv")
			f, err := os.Create(path)
			if err != nil {
				b.Fatal(err)
			}
			w := bufio.NewWriter(f)
			writeCanonicalCSV(w, n)
			w.Flush()
			f.Close()
			wh := openDuck(b)
			peak := watchHeap()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				shop := shopCN()
				shop.ID = int64(2000 + i)
				req := Request{ImportID: "bench", Tenants: tenants(b, 7), Shop: shop, ClientKey: testKey,
					Path: path, Now: benchNow}
				if rep, err := Import(context.Background(), wh, &MemorySink{}, req); err != nil || rep.Inserted != n {
					b.Fatalf("%v %+v", err, rep.Errors)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "lines/s")
			b.ReportMetric(float64(peak())/(1<<20), "peak-go-heap-MB")
		})
	}
}

// watchHeap samples the Go heap in use every 50 ms until the returned
// function is called, which returns the peak seen.
func watchHeap() func() uint64 {
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(stop); <-done; return peak.Load() }
}
