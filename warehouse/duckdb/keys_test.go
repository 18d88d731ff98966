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

// keyRows has a row of every key type: text, integer, a timestamp (with
// microseconds, in a non-UTC location) and a date given at noon in
// Shanghai, which must hash as the stored midnight-UTC day.
func keyRows() map[string][][]any {
	cst := time.FixedZone("CST", 8*3600)
	at := time.Date(2026, 3, 1, 9, 30, 15, 123456000, cst)
	day := time.Date(2026, 3, 1, 12, 0, 0, 0, cst)
	return map[string][][]any{
		"orders": {warehousetest.Row("orders", map[string]any{
			"tenant_id": int64(1), "shop_id": int64(11), "order_no": "K-1", "status": "paid", "created_at": at,
			"created_day": day, "currency": "CNY", "goods_minor": int64(100), "discount_minor": int64(0),
			"shipping_minor": int64(0), "total_minor": int64(100), "paid_minor": int64(100), "refund_minor": int64(0),
			"version": int64(1), "source": "test"})},
		"order_status_history": {warehousetest.Row("order_status_history", map[string]any{
			"tenant_id": int64(1), "shop_id": int64(11), "order_no": "K-1", "status": "paid", "at": at})},
		"order_lines": {warehousetest.Row("order_lines", map[string]any{
			"tenant_id": int64(1), "shop_id": int64(11), "order_no": "K-1", "line_no": 1, "sku_id": "S",
			"quantity": 1, "unit_price_minor": int64(100), "amount_minor": int64(100), "refund_minor": int64(0),
			"refund_qty": 0, "created_day": day, "version": int64(1)})},
		"customers": {warehousetest.Row("customers", map[string]any{"tenant_id": int64(1), "customer_id": "c-1"})},
		"inventory_snapshots": {warehousetest.Row("inventory_snapshots", map[string]any{
			"tenant_id": int64(1), "shop_id": int64(11), "sku_id": "S", "day": day, "on_hand": int64(5), "reserved": int64(0), "in_transit": int64(0)})},
	}
}

// TestKeySetsAfterReopen writes rows, reopens the file (the key sets are
// then loaded from the tables) and writes them again: every row must be
// found unchanged, none inserted twice. A hash that differed between a
// batch's key and the stored key would insert duplicates here.
func TestKeySetsAfterReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys.duckdb")
	ten := warehousetest.Tenants(t, 1)
	write := func(want func(table string, r warehouse.UpsertResult)) {
		db, err := duckdb.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if err := db.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		for table, rows := range keyRows() {
			r, err := db.Upsert(t.Context(), ten, table, warehousetest.Columns(table), rows)
			if err != nil {
				t.Fatalf("%s: %v", table, err)
			}
			want(table, r)
		}
	}
	write(func(table string, r warehouse.UpsertResult) {
		if r.Inserted != 1 {
			t.Errorf("%s: first write %+v, want 1 inserted", table, r)
		}
	})
	for range 2 {
		write(func(table string, r warehouse.UpsertResult) {
			if r.Unchanged != 1 {
				t.Errorf("%s: write after reopen %+v, want 1 unchanged", table, r)
			}
		})
	}
}

// TestKeySetsAndAppender loads a shop's key set, appends a key with the
// Appender, then upserts that key changed: it must replace the appended
// row, not add a second one.
func TestKeySetsAndAppender(t *testing.T) {
	db := openMigrated(t)
	ctx := context.Background()
	ten := warehousetest.Tenants(t, 1)
	row := func(no string, version int64) []any {
		return warehousetest.Row("order_lines", map[string]any{
			"tenant_id": int64(1), "shop_id": int64(11), "order_no": no, "line_no": 1, "sku_id": "S",
			"quantity": 1, "unit_price_minor": int64(100), "amount_minor": int64(100 * version), "refund_minor": int64(0),
			"refund_qty": 0, "created_day": warehousetest.Day(2026, 3, 1), "version": version})
	}
	cols := warehousetest.Columns("order_lines")
	if _, err := db.Upsert(ctx, ten, "order_lines", cols, [][]any{row("A", 1)}); err != nil {
		t.Fatal(err)
	}
	a, err := db.Appender(ctx, "order_lines")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.AppendRow(row("B", 1)...); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	r, err := db.Upsert(ctx, ten, "order_lines", cols, [][]any{row("B", 2), row("C", 1)})
	if err != nil {
		t.Fatal(err)
	}
	if r.Updated != 1 || r.Inserted != 1 {
		t.Errorf("upsert after the appender: %+v, want 1 updated and 1 inserted", r)
	}
	var n int
	if err := db.SQL().QueryRow(`SELECT count(*) FROM order_lines`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("%d lines stored, want 3 (A, B, C)", n)
	}
}

// TestKeySetsAfterRollback writes a batch whose second table fails: the
// first table's keys were added to its set but rolled back, and must still
// be inserted by the next write (a false "maybe stored" costs a query, never
// a row).
func TestKeySetsAfterRollback(t *testing.T) {
	db := openMigrated(t)
	ctx := context.Background()
	ten := warehousetest.Tenants(t, 1)
	rows := keyRows()
	bad := warehousetest.Row("order_lines", map[string]any{"tenant_id": int64(1), "shop_id": int64(11), "order_no": "K-1", "line_no": 1})
	_, err := db.UpsertMany(ctx, ten, []warehouse.TableRows{
		{Table: "orders", Columns: warehousetest.Columns("orders"), Rows: rows["orders"]},
		{Table: "order_lines", Columns: warehousetest.Columns("order_lines"), Rows: [][]any{bad}},
	})
	if err == nil {
		t.Fatal("a line with NULL NOT NULL columns was accepted")
	}
	r, err := db.Upsert(ctx, ten, "orders", warehousetest.Columns("orders"), rows["orders"])
	if err != nil {
		t.Fatal(err)
	}
	if r.Inserted != 1 {
		t.Errorf("after the rollback: %+v, want 1 inserted", r)
	}
}

// TestGroupCommit writes from many goroutines at once, one batch of each
// round bad: the bad one must fail alone, every other must be stored with
// its own counts, whether or not it shared a commit with the bad one.
func TestGroupCommit(t *testing.T) {
	db := openMigrated(t)
	ctx := context.Background()
	ten := warehousetest.Tenants(t, 1)
	line := func(shop int64, no string) []any {
		return warehousetest.Row("order_lines", map[string]any{
			"tenant_id": int64(1), "shop_id": shop, "order_no": no, "line_no": 1, "sku_id": "S",
			"quantity": 1, "unit_price_minor": int64(100), "amount_minor": int64(100), "refund_minor": int64(0),
			"refund_qty": 0, "created_day": warehousetest.Day(2026, 3, 1), "version": int64(1)})
	}
	cols := warehousetest.Columns("order_lines")
	const writers, rounds = 8, 10
	for r := range rounds {
		errs := make([]error, writers)
		results := make([][]warehouse.UpsertResult, writers)
		var wg sync.WaitGroup
		for w := range writers {
			rows := [][]any{line(int64(w), "R"+strconv.Itoa(r)+"-a"), line(int64(w), "R"+strconv.Itoa(r)+"-b")}
			if w == r%writers {
				rows[1][4] = nil // sku_id is NOT NULL
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[w], errs[w] = db.UpsertMany(ctx, ten, []warehouse.TableRows{{Table: "order_lines", Columns: cols, Rows: rows}})
			}()
		}
		wg.Wait()
		for w := range writers {
			bad := w == r%writers
			switch {
			case bad && errs[w] == nil:
				t.Errorf("round %d: the bad batch of writer %d was accepted", r, w)
			case !bad && errs[w] != nil:
				t.Errorf("round %d: writer %d failed: %v", r, w, errs[w])
			case !bad && results[w][0].Inserted != 2:
				t.Errorf("round %d: writer %d: %+v, want 2 inserted", r, w, results[w][0])
			}
		}
	}
	var n int
	if err := db.SQL().QueryRow(`SELECT count(*) FROM order_lines`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if want := rounds * (writers - 1) * 2; n != want {
		t.Errorf("%d lines stored, want %d", n, want)
	}
}

// openMigrated opens a migrated DuckDB file closed at the test's end.
func openMigrated(t *testing.T) *duckdb.DB {
	t.Helper()
	db, err := duckdb.Open(filepath.Join(t.TempDir(), "warehouse.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}
