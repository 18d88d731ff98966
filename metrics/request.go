package metrics

import (
	"context"
	"math/big"
	"slices"
	"time"

	"github.com/daiyun/daiyun"
)

// Grain is the time grain of a query. Periods are cut on the day columns,
// which are already in each shop's own timezone; weeks are ISO weeks
// starting on Monday.
type Grain string

// Grains. GrainNone gives one total over the whole range.
const (
	GrainNone    Grain = ""
	GrainDay     Grain = "day"
	GrainWeek    Grain = "week"
	GrainMonth   Grain = "month"
	GrainQuarter Grain = "quarter"
	GrainYear    Grain = "year"
)

// Valid reports whether g is a known grain.
func (g Grain) Valid() bool {
	switch g {
	case GrainNone, GrainDay, GrainWeek, GrainMonth, GrainQuarter, GrainYear:
		return true
	}
	return false
}

// Comparison kinds (PRODUCT.md C3).
const (
	ComparePrevious   = "previous_period"       // the same length immediately before
	CompareLastYear   = "same_period_last_year" // the same dates a year earlier
	CompareTarget     = "target"                // monthly targets (C6): attainment = actual ÷ target
	CompareBenchmark  = "benchmark"             // the category benchmark table (C4)
	ComparePercentile = "percentile"            // among the agency's shops in the category, ≥ 5 shops
)

// Comparisons lists the comparison kinds.
var Comparisons = []string{ComparePrevious, CompareLastYear, CompareTarget, CompareBenchmark, ComparePercentile}

// Request asks for KPIs by dimensions over a date range.
type Request struct {
	KPIs       []string `json:"kpis"`
	Dimensions []string `json:"dimensions,omitempty"`
	Grain      Grain    `json:"grain,omitempty"`
	// From and To are inclusive days, in each shop's own calendar.
	From    daiyun.Date `json:"from"`
	To      daiyun.Date `json:"to"`
	Filters Filters     `json:"filters"`
	// Comparisons are the kinds in Comparisons.
	Comparisons []string `json:"comparisons,omitempty"`
	// Currency is the currency money is shown in. Empty: the shops' own
	// currency when they share one, otherwise the service's base currency
	// (CNY by default), converted with the FX table.
	Currency string `json:"currency,omitempty"`
}

// Filters narrow a request. Empty lists do not filter; the client and shop
// lists still pass the actor's access check.
type Filters struct {
	ClientIDs  []int64  `json:"client_ids,omitempty"`
	ShopIDs    []int64  `json:"shop_ids,omitempty"`
	Platforms  []string `json:"platforms,omitempty"`
	Categories []string `json:"categories,omitempty"`
	Channels   []string `json:"channels,omitempty"`
	Campaigns  []string `json:"campaigns,omitempty"`
	Provinces  []string `json:"provinces,omitempty"`
	SKUs       []string `json:"skus,omitempty"`
	SPUs       []string `json:"spus,omitempty"`
	BuyerTypes []string `json:"buyer_types,omitempty"` // new, returning
}

// factFilters returns the filters on fact columns, by dimension.
func (f Filters) factFilters() map[string][]string {
	out := map[string][]string{}
	for d, v := range map[string][]string{DimChannel: f.Channels, DimCampaign: f.Campaigns, DimProvince: f.Provinces,
		DimSKU: f.SKUs, DimSPU: f.SPUs, DimBuyerType: f.BuyerTypes} {
		if len(v) > 0 {
			out[d] = v
		}
	}
	return out
}

// ShopInfo is what metrics needs to know of a shop; it comes from the
// catalog, not the warehouse.
type ShopInfo struct {
	ID       int64  `json:"id"`
	ClientID int64  `json:"client_id"`
	Platform string `json:"platform"`
	Category string `json:"category"`
	Currency string `json:"currency"`
	Timezone string `json:"timezone"`
}

// Shops lists the agency's shops. It returns every shop whatever the actor:
// the service narrows them to the clients the actor may see through
// daiyun.TenantsFor.
type Shops interface {
	Shops(ctx context.Context) ([]ShopInfo, error)
}

// FX gives dated exchange rates: how many units of to one unit of from is
// worth on day. A missing rate must be an error naming the pair and the
// day, never zero.
type FX interface {
	Rate(ctx context.Context, from, to string, day daiyun.Date) (*big.Rat, error)
}

// TargetKey names one monthly target: of a shop (ShopID set) or of a whole
// client (ShopID 0), for a KPI, in the month starting on Month.
type TargetKey struct {
	ClientID int64       `json:"client_id"`
	ShopID   int64       `json:"shop_id,omitempty"`
	KPI      string      `json:"kpi"`
	Month    daiyun.Date `json:"month"`
}

// Target is a monthly target in the KPI's unit; a money target is in major
// units of Currency.
type Target struct {
	TargetKey
	Value    float64 `json:"value"`
	Currency string  `json:"currency,omitempty"`
}

// Targets looks up monthly targets (PRODUCT.md C6). ok is false when none
// is set.
type Targets interface {
	Target(ctx context.Context, key TargetKey) (t Target, ok bool, err error)
}

// Benchmark is an industry benchmark of a KPI in a category (PRODUCT.md
// C4), in the KPI's unit; a money benchmark is in major units of Currency.
type Benchmark struct {
	Category string  `json:"category"`
	KPI      string  `json:"kpi"`
	Value    float64 `json:"value"`
	Currency string  `json:"currency,omitempty"`
	Source   string  `json:"source"`
}

// Benchmarks looks up the benchmark table. ok is false when none is set.
type Benchmarks interface {
	Benchmark(ctx context.Context, category, kpi string) (b Benchmark, ok bool, err error)
}

// validate checks the request against the catalogue and normalises it.
func (r *Request) validate() error {
	if len(r.KPIs) == 0 {
		return daiyun.Errorf(daiyun.EINVALID, "no KPI asked for")
	}
	if r.From.IsZero() || r.To.IsZero() {
		return daiyun.Errorf(daiyun.EINVALID, "from and to dates are required")
	}
	if r.To.Before(r.From.Time) {
		return daiyun.Errorf(daiyun.EINVALID, "to %s is before from %s", r.To, r.From)
	}
	if r.To.Sub(r.From.Time) > 20*366*24*time.Hour {
		return daiyun.Errorf(daiyun.EINVALID, "date range %s..%s is longer than 20 years", r.From, r.To)
	}
	var dims []string
	for _, d := range r.Dimensions {
		switch Grain(d) {
		case GrainDay, GrainWeek, GrainMonth, GrainQuarter, GrainYear:
			if r.Grain != GrainNone && r.Grain != Grain(d) {
				return daiyun.Errorf(daiyun.EINVALID, "two time grains asked for: %s and %s", r.Grain, d)
			}
			r.Grain = Grain(d)
			continue
		}
		if d == DimPeriod {
			continue
		}
		if !slices.Contains(Dimensions, d) {
			return daiyun.Errorf(daiyun.EINVALID, "dimension %q is not one of %v", d, Dimensions)
		}
		if !slices.Contains(dims, d) {
			dims = append(dims, d)
		}
	}
	r.Dimensions = dims
	if !r.Grain.Valid() {
		return daiyun.Errorf(daiyun.EINVALID, "grain %q is not one of day, week, month, quarter, year", r.Grain)
	}
	ff := r.Filters.factFilters()
	for _, id := range r.KPIs {
		k, ok := kpiByID[id]
		if !ok {
			return daiyun.Errorf(daiyun.EINVALID, "KPI %q is not in the catalogue", id)
		}
		for _, d := range dims {
			if !k.Supports(d) {
				return daiyun.Errorf(daiyun.EINVALID, "KPI %s cannot be broken down by %s (it supports %v)", id, d, k.Dimensions)
			}
		}
		for d := range ff {
			if !k.Supports(d) {
				return daiyun.Errorf(daiyun.EINVALID, "KPI %s cannot be filtered by %s (it supports %v)", id, d, k.Dimensions)
			}
		}
	}
	for _, c := range r.Comparisons {
		if !slices.Contains(Comparisons, c) {
			return daiyun.Errorf(daiyun.EINVALID, "comparison %q is not one of %v", c, Comparisons)
		}
	}
	if r.Currency != "" && !daiyun.ValidCurrency(r.Currency) {
		return daiyun.Errorf(daiyun.EINVALID, "currency %q is not an ISO 4217 code Daiyun knows", r.Currency)
	}
	return nil
}
