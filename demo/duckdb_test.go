package demo

import (
	"context"
	"io"
	"path/filepath"
	"testing"

	"github.com/daiyun/daiyun/warehouse/duckdb"
)

// TestGenerateIntoDuckDB loads a small demo into a real in-memory DuckDB and
// checks with SQL that orders reconcile with their lines and that days are
// cut in each shop's timezone.
func TestGenerateIntoDuckDB(t *testing.T) {
	ctx := context.Background()
	db, err := duckdb.Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	cat := &memCatalog{}
	sum, err := Generate(ctx, cat, db, Options{Seed: 3, Shops: 14, OrderLines: 6_000, End: testEnd, Years: 1}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	q := func(query string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := db.SQL().QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		return n
	}
	if n := q(`SELECT count(*) FROM order_lines`); n != sum.Rows["order_lines"] {
		t.Fatalf("%d order lines stored, %d generated", n, sum.Rows["order_lines"])
	}
	if n := q(`SELECT count(*) FROM orders o LEFT JOIN (
			SELECT tenant_id, shop_id, order_no, sum(amount_minor) AS goods, sum(refund_minor) AS refund
			FROM order_lines GROUP BY ALL) l USING (tenant_id, shop_id, order_no)
		WHERE l.goods IS DISTINCT FROM o.goods_minor OR l.refund IS DISTINCT FROM o.refund_minor
		   OR o.total_minor <> o.goods_minor - o.discount_minor + o.shipping_minor
		   OR (o.paid_at IS NOT NULL AND o.paid_minor <> o.total_minor)
		   OR (o.paid_at IS NULL AND o.paid_minor <> 0)`); n != 0 {
		t.Errorf("%d orders do not reconcile with their lines", n)
	}
	for _, s := range cat.shops {
		if n := q(`SELECT count(*) FROM orders WHERE shop_id = ? AND (
				created_day <> CAST(timezone(?, timezone('UTC', created_at)) AS DATE)
				OR paid_day <> CAST(timezone(?, timezone('UTC', paid_at)) AS DATE))`, s.ID, s.Timezone, s.Timezone); n != 0 {
			t.Errorf("shop %s (%s): %d orders with days not in the shop's timezone", s.Name, s.Timezone, n)
		}
	}
	if n := q(`SELECT count(*) FROM orders WHERE shop_id IN (SELECT DISTINCT shop_id FROM orders WHERE currency = 'USD')
			AND created_day <> CAST(created_at AS DATE)`); n == 0 {
		t.Error("no US order falls on another UTC day: timezone cut not exercised")
	}
}

// BenchmarkGenerateDuckDB measures a demo load into a DuckDB file
// (go test -bench GenerateDuckDB -benchtime 1x -demo.lines 5000000).
func BenchmarkGenerateDuckDB(b *testing.B) {
	ctx := context.Background()
	var lines int64
	for b.Loop() {
		db, err := duckdb.Open(filepath.Join(b.TempDir(), "warehouse.duckdb"))
		if err != nil {
			b.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
		sum, err := Generate(ctx, &memCatalog{}, db, Options{Seed: 1, Shops: *benchShops, OrderLines: *benchLines, End: testEnd}, io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		lines += sum.Rows["order_lines"]
		db.Close()
	}
	b.ReportMetric(float64(lines)/b.Elapsed().Seconds(), "lines/s")
}
