package main

import (
	"context"
	"math/big"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/metrics"
	"github.com/daiyun/daiyun/warehouse"
)

// catalogShops lists every shop for the metrics service, which narrows them
// to the actor's clients itself (through daiyun.TenantsFor). Reading them
// as the system is therefore safe and is the only place that does so.
type catalogShops struct{ cat *catalog.Store }

func (c catalogShops) Shops(ctx context.Context) ([]metrics.ShopInfo, error) {
	shops, err := c.cat.Shops(daiyun.WithActor(ctx, daiyun.SystemActor), catalog.ShopFilter{})
	if err != nil {
		return nil, err
	}
	out := make([]metrics.ShopInfo, len(shops))
	for i, s := range shops {
		out[i] = metrics.ShopInfo{ID: s.ID, ClientID: s.ClientID, Platform: string(s.Platform), Category: s.Category, Currency: s.Currency, Timezone: s.Timezone}
	}
	return out, nil
}

// catalogRefs gives the metrics service the catalog's targets, benchmarks
// and FX rates.
type catalogRefs struct{ cat *catalog.Store }

func (c catalogRefs) Target(ctx context.Context, key metrics.TargetKey) (metrics.Target, bool, error) {
	t, ok, err := c.cat.Target(ctx, key.ClientID, key.ShopID, key.KPI, key.Month)
	return metrics.Target{TargetKey: key, Value: t.Value, Currency: t.Currency}, ok, err
}

func (c catalogRefs) Benchmark(ctx context.Context, category, kpi string) (metrics.Benchmark, bool, error) {
	b, ok, err := c.cat.Benchmark(ctx, category, kpi)
	return metrics.Benchmark{Category: b.Category, KPI: b.KPI, Value: b.Value, Currency: b.Currency, Source: b.Source}, ok, err
}

func (c catalogRefs) Rate(ctx context.Context, from, to string, day daiyun.Date) (*big.Rat, error) {
	return c.cat.Rate(ctx, from, to, day)
}

// newMetrics builds the KPI service over the stores.
func newMetrics(cat *catalog.Store, wh warehouse.Warehouse) *metrics.Service {
	refs := catalogRefs{cat}
	return &metrics.Service{
		Warehouse: wh, Shops: catalogShops{cat}, Targets: refs, Benchmarks: refs, FX: refs,
		// The percentile comparison ranks a shop among all the agency's
		// shops of its category; metrics returns only anonymous ranks and
		// only when at least 5 shops contribute.
		PeerTenants: func(ctx context.Context) (daiyun.Tenants, error) {
			sysCtx := daiyun.WithActor(ctx, daiyun.SystemActor)
			clients, err := cat.Clients(sysCtx)
			if err != nil {
				return daiyun.Tenants{}, err
			}
			ids := make([]int64, len(clients))
			for i, c := range clients {
				ids[i] = c.ID
			}
			return daiyun.TenantsFor(sysCtx, ids...)
		},
	}
}

// seedBenchmarks puts the shipped benchmark defaults into the catalog's
// editable table, leaving rows the agency has edited alone.
func seedBenchmarks(ctx context.Context, cat *catalog.Store) error {
	var rows []catalog.Benchmark
	for _, b := range metrics.DefaultBenchmarks() {
		rows = append(rows, catalog.Benchmark{Category: b.Category, KPI: b.KPI, Value: b.Value, Currency: b.Currency, Source: b.Source})
	}
	return cat.SeedBenchmarks(ctx, rows)
}
