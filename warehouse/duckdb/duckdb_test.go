package duckdb_test

import (
	"context"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/daiyun/daiyun/warehouse"
	"github.com/daiyun/daiyun/warehouse/duckdb"
	"github.com/daiyun/daiyun/warehouse/warehousetest"
)

func open(t *testing.T) warehouse.Warehouse {
	t.Helper()
	db, err := duckdb.Open(filepath.Join(t.TempDir(), "warehouse.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) { warehousetest.Run(t, open) }

func TestInMemory(t *testing.T) {
	db, err := duckdb.Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if db.Dialect() != warehouse.DuckDB {
		t.Errorf("dialect %q", db.Dialect())
	}
}

func openBench(b *testing.B) warehouse.Warehouse {
	db, err := duckdb.Open(filepath.Join(b.TempDir(), "bench.duckdb"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Migrate(b.Context()); err != nil {
		b.Fatal(err)
	}
	return db
}

func BenchmarkUpsertOrderLines(b *testing.B) {
	for _, size := range []int{10_000, 100_000} {
		b.Run(strconv.Itoa(size), func(b *testing.B) { warehousetest.BenchUpsertOrderLines(b, openBench, size) })
	}
}

func BenchmarkAppendOrderLines(b *testing.B) { warehousetest.BenchAppendOrderLines(b, openBench) }

func TestCheckpointThreshold(t *testing.T) {
	db, err := duckdb.Open(filepath.Join(t.TempDir(), "w.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v string
	if err := db.SQL().QueryRow(`SELECT current_setting('checkpoint_threshold')`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	if v != "256.0 MiB" {
		t.Errorf("checkpoint_threshold is %q", v)
	}
}

// BenchmarkUpsertManyConcurrent writes API-sized batches (about 1,000 order
// lines with their orders, status history and customers, as one
// UpsertMany) from 4 goroutines, each into its own shop: the warehouse's
// share of API ingest.
func BenchmarkUpsertManyConcurrent(b *testing.B) {
	db := openBench(b)
	ten := warehousetest.Tenants(b, 1)
	const clients, orders = 4, 333
	day := warehousetest.Day(2026, 3, 1)
	batchOf := func(shop int64, first int) []warehouse.TableRows {
		var os, ls, hs, cs [][]any
		for o := first; o < first+orders; o++ {
			no := "O" + strconv.Itoa(o)
			at := day.Add(time.Duration(o) * time.Second)
			cust := "c" + strconv.Itoa(o%5000)
			os = append(os, warehousetest.Row("orders", map[string]any{"tenant_id": int64(1), "shop_id": shop, "order_no": no,
				"customer_id": cust, "status": "paid", "created_at": at, "created_day": day, "currency": "CNY",
				"goods_minor": int64(3000), "discount_minor": int64(0), "shipping_minor": int64(0), "total_minor": int64(3000),
				"paid_minor": int64(3000), "refund_minor": int64(0), "version": int64(1), "source": "api"}))
			for l := 1; l <= 3; l++ {
				ls = append(ls, warehousetest.Row("order_lines", map[string]any{"tenant_id": int64(1), "shop_id": shop, "order_no": no,
					"line_no": l, "sku_id": "S" + strconv.Itoa(o%300), "quantity": 1, "unit_price_minor": int64(1000),
					"amount_minor": int64(1000), "refund_minor": int64(0), "refund_qty": 0, "created_day": day, "version": int64(1)}))
			}
			for _, st := range []string{"pending", "paid"} {
				hs = append(hs, warehousetest.Row("order_status_history", map[string]any{"tenant_id": int64(1), "shop_id": shop,
					"order_no": no, "status": st, "at": at}))
			}
			cs = append(cs, warehousetest.Row("customers", map[string]any{"tenant_id": int64(1), "customer_id": cust + "-" + strconv.FormatInt(shop, 10) + "-" + strconv.Itoa(o)}))
		}
		return []warehouse.TableRows{
			{Table: "orders", Columns: warehousetest.Columns("orders"), Rows: os},
			{Table: "order_status_history", Columns: warehousetest.Columns("order_status_history"), Rows: hs},
			{Table: "order_lines", Columns: warehousetest.Columns("order_lines"), Rows: ls},
			{Table: "customers", Columns: warehousetest.Columns("customers"), Rows: cs},
		}
	}
	mu := db.(warehouse.MultiUpserter)
	next := 0
	for b.Loop() {
		var wg sync.WaitGroup
		for c := range clients {
			batch := batchOf(int64(100+c), next)
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := mu.UpsertMany(context.Background(), ten, batch); err != nil {
					b.Error(err)
				}
			}()
		}
		wg.Wait()
		next += orders
	}
	b.ReportMetric(float64(b.N*clients*orders*3)/b.Elapsed().Seconds(), "lines/s")
}
