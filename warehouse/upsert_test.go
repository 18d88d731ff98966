package warehouse_test

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/warehouse"
)

func TestNormalizeValue(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	at := time.Date(2026, 3, 1, 7, 0, 0, 0, cst)
	col := func(typ warehouse.Type, notNull bool) warehouse.Column {
		return warehouse.Column{Name: "c", Type: typ, NotNull: notNull}
	}
	for _, tc := range []struct {
		c    warehouse.Column
		in   any
		want any
		bad  bool
	}{
		{col(warehouse.BigInt, true), 7, 7, false},
		{col(warehouse.BigInt, true), int32(-7), int32(-7), false},
		{col(warehouse.BigInt, true), uint64(math.MaxUint64), nil, true},
		{col(warehouse.Int, true), int64(math.MaxInt32 + 1), nil, true},
		{col(warehouse.Int, true), "7", nil, true},
		{col(warehouse.BigInt, true), nil, nil, true},
		{col(warehouse.BigInt, false), nil, nil, false},
		{col(warehouse.Text, true), []byte("x"), "x", false},
		{col(warehouse.Timestamp, true), at, time.Date(2026, 2, 28, 23, 0, 0, 0, time.UTC), false},
		{col(warehouse.DateT, true), at, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), false},
		{col(warehouse.DateT, true), "2026-03-01", nil, true},
		{col(warehouse.Bool, true), 1, nil, true},
		{col(warehouse.Double, true), 2, 2.0, false},
	} {
		got, err := warehouse.NormalizeValue(tc.c, tc.in)
		if (err != nil) != tc.bad || !tc.bad && got != tc.want {
			t.Errorf("%s %v: got %#v, %v; want %#v, bad=%v", tc.c.Type, tc.in, got, err, tc.want, tc.bad)
		}
	}
}

func TestDedup(t *testing.T) {
	ten, _ := daiyun.TenantsFor(daiyun.WithActor(context.Background(), daiyun.SystemActor), 1)
	// Rows 0 and 1 share a key (no version column: the last wins).
	b, err := warehouse.PrepareUpsert(ten, "order_status_history", []string{"tenant_id", "shop_id", "order_no", "status", "at"},
		[][]any{{1, 2, "a", "paid", time.Unix(0, 0)}, {1, 2, "a", "paid", time.Unix(0, 0)}, {1, 2, "a", "paid", time.Unix(1, 0)}})
	if err != nil {
		t.Fatal(err)
	}
	b.Dedup()
	if b.Winner(0) || !b.Winner(1) || !b.Winner(2) || b.Staged() != 2 {
		t.Errorf("winners %v %v %v staged %d", b.Winner(0), b.Winner(1), b.Winner(2), b.Staged())
	}
}

// TestDedupNormalisesKeys: the same key spelled with other Go types (int vs
// int64, []byte vs string, a date in another location) is one key.
func TestDedupNormalisesKeys(t *testing.T) {
	ten, _ := daiyun.TenantsFor(daiyun.WithActor(context.Background(), daiyun.SystemActor), 1)
	cst := time.FixedZone("CST", 8*3600)
	cols := []string{"tenant_id", "shop_id", "sku_id", "day", "on_hand", "reserved", "in_transit"}
	b, err := warehouse.PrepareUpsert(ten, "inventory_snapshots", cols, [][]any{
		{int64(1), int64(2), "s", time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC), 1, 0, 0},
		{1, int32(2), []byte("s"), time.Date(2026, 1, 2, 0, 0, 0, 0, cst), 2, 0, 0},
		{1, 2, "s", time.Date(2026, 1, 3, 0, 0, 0, 0, cst), 3, 0, 0},
	})
	if err != nil {
		t.Fatal(err)
	}
	b.Dedup()
	if b.Winner(0) || !b.Winner(1) || !b.Winner(2) {
		t.Errorf("winners %v %v %v, want false true true", b.Winner(0), b.Winner(1), b.Winner(2))
	}
}

func TestFreshCheckSQL(t *testing.T) {
	ctx := daiyun.WithActor(context.Background(), daiyun.SystemActor)
	tn, err := daiyun.TenantsFor(ctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	tbl, _ := warehouse.TableByName("traffic_daily")
	cols := tbl.ColumnNames()
	row := func(d int, source string) []any {
		r := make([]any, len(cols))
		for i, c := range tbl.Columns {
			switch c.Name {
			case "tenant_id":
				r[i] = 7
			case "shop_id":
				r[i] = 3
			case "day":
				r[i] = time.Date(2026, 5, d, 0, 0, 0, 0, time.UTC)
			case "source":
				r[i] = source
			default:
				if c.Type == warehouse.BigInt || c.Type == warehouse.Int {
					r[i] = 0
				}
			}
		}
		return r
	}
	b, err := warehouse.PrepareUpsert(tn, "traffic_daily", cols, [][]any{row(1, "search"), row(2, "ads")})
	if err != nil {
		t.Fatal(err)
	}
	b.Dedup()
	q, args, ok := b.FreshCheckSQL(warehouse.DuckDB)
	// The constant tenant and shop are literals; the varying day is the
	// list parameter, as dates; the source after it is not compared.
	want := `SELECT count(*) FROM (SELECT 1 FROM "traffic_daily" t WHERE t.tenant_id IN (7) AND t."tenant_id" = 7 AND t."shop_id" = 3 AND t."day" IN (SELECT CAST(unnest(string_split($1, chr(31))) AS DATE)) LIMIT 1) x`
	if !ok || q != want || len(args) != 1 || args[0] != "2026-05-01\x1f2026-05-02" {
		t.Fatalf("FreshCheckSQL = %v\n%s\n%q", ok, q, args)
	}
	// A text key holding the separator cannot travel as a list.
	b, _ = warehouse.PrepareUpsert(tn, "customers", []string{"tenant_id", "customer_id"}, [][]any{{7, "a\x1fb"}, {7, "c"}})
	b.Dedup()
	if _, _, ok := b.FreshCheckSQL(warehouse.Postgres); ok {
		t.Fatal("a key holding the unit separator was put in a list")
	}
}
