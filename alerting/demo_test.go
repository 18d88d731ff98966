package alerting_test

import (
	"context"
	"flag"
	"io"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/alerting"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/demo"
	"github.com/daiyun/daiyun/metrics"
	"github.com/daiyun/daiyun/warehouse"
	"github.com/daiyun/daiyun/warehouse/duckdb"
)

var (
	sys       = daiyun.WithActor(context.Background(), daiyun.SystemActor)
	demoEnd   = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	demoLines = flag.Int64("demo.lines", 150_000, "order lines of the demo the alerting tests and benchmark generate")
	demoShops = flag.Int("demo.shops", 0, "shops of the demo (0: the standard agency)")
)

// shopsOf adapts the catalog to metrics.Shops (as cmd/daiyun does).
type shopsOf struct{ cat *catalog.Store }

func (s shopsOf) Shops(ctx context.Context) ([]metrics.ShopInfo, error) {
	shops, err := s.cat.Shops(sys, catalog.ShopFilter{})
	out := make([]metrics.ShopInfo, len(shops))
	for i, sh := range shops {
		out[i] = metrics.ShopInfo{ID: sh.ID, ClientID: sh.ClientID, Platform: string(sh.Platform), Category: sh.Category, Currency: sh.Currency, Timezone: sh.Timezone}
	}
	return out, err
}

// demoEnv is a generated demo agency in a temporary SQLite catalog and
// DuckDB warehouse, shared by the tests of the package.
type demoEnv struct {
	sum  demo.Summary
	cat  *catalog.Store
	wh   warehouse.Warehouse
	eval *alerting.Evaluator
}

var (
	demoOnce sync.Once
	shared   *demoEnv
	demoErr  error
	demoDir  string
)

func newDemo(tb testing.TB, dir string, lines int64, shops int) (*demoEnv, error) {
	cat, err := catalog.Open(sys, filepath.Join(dir, "catalog.db"))
	if err != nil {
		return nil, err
	}
	if err := cat.Migrate(sys); err != nil {
		return nil, err
	}
	wh, err := duckdb.Open(filepath.Join(dir, "warehouse.duckdb"))
	if err != nil {
		return nil, err
	}
	if err := wh.Migrate(sys); err != nil {
		return nil, err
	}
	sum, err := demo.Generate(sys, cat, wh, demo.Options{Seed: 1, OrderLines: lines, Shops: shops, End: demoEnd}, io.Discard)
	if err != nil {
		return nil, err
	}
	return &demoEnv{sum: sum, cat: cat, wh: wh, eval: evaluator(cat, wh)}, nil
}

// evaluator builds the evaluator the way the binary does, with the
// benchmark table the demo was calibrated on for conversion.
func evaluator(cat *catalog.Store, wh warehouse.Warehouse) *alerting.Evaluator {
	bench := metrics.NewMemoryBenchmarks(metrics.DefaultBenchmarks())
	for c, v := range demo.Benchmarks {
		bench.Set(metrics.Benchmark{Category: c, KPI: "conversion_rate", Value: v, Source: "demo"})
	}
	fx := &metrics.MemoryFX{}
	fx.Set("USD", "CNY", daiyun.Date{Time: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}, "7.1")
	fx.Set("CNY", "USD", daiyun.Date{Time: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}, "0.14")
	ms := &metrics.Service{Warehouse: wh, Shops: shopsOf{cat}, Benchmarks: bench, FX: fx}
	return &alerting.Evaluator{Metrics: ms, Warehouse: wh, Contracts: cat}
}

func sharedDemo(t testing.TB) *demoEnv {
	t.Helper()
	if testing.Short() {
		t.Skip("generates a demo agency")
	}
	demoOnce.Do(func() {
		var err error
		if demoDir, err = makeTemp(); err != nil {
			demoErr = err
			return
		}
		shared, demoErr = newDemo(t, demoDir, *demoLines, *demoShops)
	})
	if demoErr != nil {
		t.Fatal(demoErr)
	}
	return shared
}
