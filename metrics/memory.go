package metrics

import (
	"context"
	"slices"
	"sync"
)

// MemoryShops is a fixed shop list (tests, benchmarks).
type MemoryShops []ShopInfo

// Shops implements Shops.
func (m MemoryShops) Shops(context.Context) ([]ShopInfo, error) { return slices.Clone(m), nil }

// MemoryTargets keeps monthly targets in memory (tests; the lead implements
// Targets over the catalog).
type MemoryTargets struct {
	mu sync.RWMutex
	m  map[TargetKey]Target
}

// Set stores a target; Month is normalised to the first of its month.
func (t *MemoryTargets) Set(tg Target) {
	tg.Month.Time = truncate(GrainMonth, tg.Month.Time)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[TargetKey]Target{}
	}
	t.m[tg.TargetKey] = tg
}

// Target implements Targets.
func (t *MemoryTargets) Target(_ context.Context, k TargetKey) (Target, bool, error) {
	k.Month.Time = truncate(GrainMonth, k.Month.Time)
	t.mu.RLock()
	defer t.mu.RUnlock()
	tg, ok := t.m[k]
	return tg, ok, nil
}

// Attainment is actual ÷ target, or nil when either is missing or the
// target is zero.
func Attainment(actual, target *float64) *float64 {
	if actual == nil || target == nil || *target == 0 {
		return nil
	}
	a := *actual / *target
	return &a
}

// MemoryBenchmarks is an editable benchmark table in memory, seeded from
// DefaultBenchmarks by NewMemoryBenchmarks.
type MemoryBenchmarks struct {
	mu sync.RWMutex
	m  map[[2]string]Benchmark
}

// NewMemoryBenchmarks returns a table holding list.
func NewMemoryBenchmarks(list []Benchmark) *MemoryBenchmarks {
	b := &MemoryBenchmarks{m: map[[2]string]Benchmark{}}
	for _, x := range list {
		b.Set(x)
	}
	return b
}

// Set adds or replaces the benchmark of a category and KPI.
func (b *MemoryBenchmarks) Set(x Benchmark) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.m == nil {
		b.m = map[[2]string]Benchmark{}
	}
	b.m[[2]string{x.Category, x.KPI}] = x
}

// Benchmark implements Benchmarks.
func (b *MemoryBenchmarks) Benchmark(_ context.Context, category, kpi string) (Benchmark, bool, error) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	x, ok := b.m[[2]string{category, kpi}]
	return x, ok, nil
}
