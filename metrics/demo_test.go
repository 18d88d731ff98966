package metrics

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/demo"
	"github.com/daiyun/daiyun/warehouse"
)

// demoCatalog records what the demo generator creates.
type demoCatalog struct {
	next  int64
	shops MemoryShops
}

func (c *demoCatalog) id() int64 { c.next++; return c.next }
func (c *demoCatalog) CreateClient(_ context.Context, cl *daiyun.Client) error {
	cl.ID = c.id()
	return nil
}
func (c *demoCatalog) CreateShop(_ context.Context, s *daiyun.Shop) error {
	s.ID = c.id() + 100
	c.shops = append(c.shops, ShopInfo{ID: s.ID, ClientID: s.ClientID, Platform: string(s.Platform), Category: s.Category,
		Currency: s.Currency, Timezone: s.Timezone})
	return nil
}
func (c *demoCatalog) CreateUser(_ context.Context, u *daiyun.User, _ string) error {
	u.ID = c.id()
	return nil
}
func (c *demoCatalog) CreateContract(_ context.Context, k *daiyun.Contract) error {
	k.ID = c.id()
	return nil
}
func (c *demoCatalog) Assign(context.Context, daiyun.Assignment) error { return nil }
func (c *demoCatalog) ClientKey(_ context.Context, id int64) ([]byte, error) {
	return []byte{byte(id), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}, nil
}

// TestDemoEnginesAgree generates a small demo agency into DuckDB and
// PostgreSQL and checks that the same requests give identical answers, and
// that the planted conversion drop shows against the category benchmark.
func TestDemoEnginesAgree(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a demo agency")
	}
	opt := demo.Options{Seed: 7, OrderLines: 40_000, Years: 1, End: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	// The demo writes into DuckDB; its rows are copied into PostgreSQL one
	// table at a time (the generator holds an appender per table open at
	// once, more than the PostgreSQL pool's connections).
	duck, pg := openDuck(t), openPG(t)
	cat := &demoCatalog{}
	sum, err := demo.Generate(context.Background(), cat, duck, opt, nil)
	if err != nil {
		t.Fatalf("demo: %v", err)
	}
	copyWarehouse(t, duck, pg)
	shops := cat.shops
	svcs := map[string]*Service{}
	for name, w := range map[string]warehouse.Warehouse{"duckdb": duck, "postgres": pg} {
		fx := &MemoryFX{}
		fx.Set("USD", "CNY", daiyun.Date{Time: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}, "7.1")
		svcs[name] = &Service{Warehouse: w, Shops: shops, FX: fx, Benchmarks: NewMemoryBenchmarks(DefaultBenchmarks())}
	}
	last := sum.Last
	from := daiyun.Date{Time: last.AddDate(0, 0, -29)}
	var all []string
	for _, k := range Catalogue() {
		all = append(all, k.ID)
	}
	for name, req := range map[string]Request{
		"all_by_shop_30d":    {KPIs: all, Dimensions: []string{DimShop}, From: from, To: last},
		"weekly_by_platform": {KPIs: overviewKPIs, Grain: GrainWeek, Dimensions: []string{DimPlatform}, From: daiyun.Date{Time: last.AddDate(0, -3, 0)}, To: last},
		"channels_month":     {KPIs: []string{"gmv", "orders", "buyers", "new_buyers", "repurchase_rate", "clv"}, Grain: GrainMonth, Dimensions: []string{DimChannel}, From: daiyun.Date{Time: last.AddDate(0, -2, 0)}, To: last, Currency: "CNY"},
	} {
		var got [2][]byte
		for i, en := range []string{"duckdb", "postgres"} {
			res, err := svcs[en].Query(sysCtx(), req)
			if err != nil {
				t.Fatalf("%s %s: %v", name, en, err)
			}
			got[i], _ = json.Marshal(res.Rows)
		}
		if !bytes.Equal(got[0], got[1]) {
			t.Errorf("%s: engines differ:\n%s", name, firstDiff(got[0], got[1]))
		}
	}
	// The planted conversion drop: below the category benchmark in its window.
	found := 0
	for _, p := range sum.Planted {
		if p.Kind != demo.KindConversionDrop {
			continue
		}
		found++
		res, err := svcs["duckdb"].Query(sysCtx(), Request{KPIs: []string{"conversion_rate"}, From: p.From, To: p.To,
			Filters: Filters{ShopIDs: []int64{p.ShopID}}, Comparisons: []string{CompareBenchmark}})
		if err != nil {
			t.Fatal(err)
		}
		c := res.Rows[0].Values["conversion_rate"].Comparisons[CompareBenchmark]
		if c.Better == nil || *c.Better {
			t.Errorf("planted conversion drop %s: %v against benchmark %v", p.Shop, *res.Rows[0].Values["conversion_rate"].Value, c.Baseline)
		}
	}
	if found == 0 {
		t.Error("the demo planted no conversion drop")
	}
}

// copyWarehouse copies every fact row from one engine into another.
func copyWarehouse(t *testing.T, from, to warehouse.Warehouse) {
	t.Helper()
	db := from.(sqlDB).SQL()
	for _, tb := range warehouse.Tables {
		cols := make([]string, len(tb.Columns))
		for i, c := range tb.Columns {
			cols[i] = warehouse.Quote(c.Name)
		}
		rows, err := db.Query("SELECT " + strings.Join(cols, ", ") + " FROM " + tb.Name)
		if err != nil {
			t.Fatal(err)
		}
		a, err := to.Appender(context.Background(), tb.Name)
		if err != nil {
			t.Fatal(err)
		}
		vals := make([]any, len(tb.Columns))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			if err := a.AppendRow(vals...); err != nil {
				t.Fatalf("copy %s: %v", tb.Name, err)
			}
		}
		rows.Close()
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
