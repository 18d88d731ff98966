package imports_test

import (
	"bytes"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/imports"
)

// ndjsonBatch makes one NDJSON batch of about n order lines (orders of 1–3
// lines) for order numbers prefix0, prefix1, …
func ndjsonBatch(prefix string, first, n int) ([]byte, int) {
	var b bytes.Buffer
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	lines, o := 0, first
	for ; lines < n; o++ {
		k := 1 + o%3
		created := start.Add(time.Duration(o) * 17 * time.Second).Format("2006-01-02 15:04:05")
		for l := 1; l <= k; l++ {
			fmt.Fprintf(&b, `{"order_no":"%s%d","customer_id":"buyer-%d","status":"completed","created_at":"%s","paid_at":"%s","total_minor":"%d","line_no":"%d","sku_id":"SKU-%d","quantity":"1","unit_price_minor":"1000","amount_minor":"1000"}`+"\n",
				prefix, o, o%5000, created, created, 1000*k, l, (o+l)%300)
		}
		lines += k
	}
	return b.Bytes(), o - first
}

// BenchmarkIngestBatchConcurrent sends NDJSON batches of ~1,000 lines from 4
// concurrent clients, each into its own shop, through IngestBatch (decode,
// validate, upsert, record): the API ingest path without HTTP.
func BenchmarkIngestBatchConcurrent(b *testing.B) {
	f := setup(b)
	const clients, batches = 4, 10
	shops := make([]int64, clients)
	for i := range shops {
		sh := daiyun.Shop{ClientID: f.shop.ClientID, Name: "bench " + strconv.Itoa(i), Platform: daiyun.PlatformTmall, Category: "beauty", Currency: "CNY", Timezone: "Asia/Shanghai"}
		if err := f.cat.CreateShop(sys, &sh); err != nil {
			b.Fatal(err)
		}
		shops[i] = sh.ID
	}
	lines := 0
	b.ResetTimer()
	for it := 0; it < b.N; it++ {
		var wg sync.WaitGroup
		var mu sync.Mutex
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				next := 0
				for range batches {
					body, orders := ndjsonBatch(fmt.Sprintf("R%d-C%d-", it, c), next, 1000)
					next += orders
					batch, err := imports.DecodeBatch(bytes.NewReader(body))
					if err != nil {
						b.Error(err)
						return
					}
					res, err := f.svc.IngestBatch(sys, shops[c], "orders", batch)
					if err != nil || res.Quarantined > 0 {
						b.Errorf("batch: %v %+v", err, res.Rows[:1])
						return
					}
					mu.Lock()
					lines += res.Read
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
	}
	b.ReportMetric(float64(lines)/b.Elapsed().Seconds(), "lines/s")
}
