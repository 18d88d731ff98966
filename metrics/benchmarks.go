package metrics

import "github.com/daiyun/daiyun"

// Benchmark sources. Daiyun ships no measured industry figures: every
// default is an assumption to be edited to the agency's market, except
// where the product's own service standards set the bar.
const (
	SourceAssumption = "assumption — edit to your market"
	SourceSLA        = "Daiyun service standard (PRODUCT.md E4: CS first response within 30 s) — not an industry measurement; edit to your market"
	SourceQC         = "Daiyun quality standard (PRODUCT.md F7: satisfaction ≥ 85) — not an industry measurement; edit to your market"
	SourceBudget     = "Daiyun budget rule (PRODUCT.md D15: ROAS target ≥ 3.5) — not an industry measurement; edit to your market"
)

// benchmarkRow holds one category's defaults: conversion rate, AOV in CNY,
// refund rate, repurchase rate (buyers with ≥ 2 orders in a month), ad CTR,
// add-to-cart rate.
type benchmarkRow struct {
	conv, aov, refund, repurchase, ctr, cart float64
}

// defaultRows are assumptions for mainland marketplaces (Tmall, JD,
// Douyin, PDD) in 2024–2026, chosen as round, plausible figures; edit
// them to your market. The demo generator's conversion rates
// (docs/demo.md) are kept consistent with conv.
var defaultRows = map[string]benchmarkRow{
	"beauty":           {conv: 0.030, aov: 180, refund: 0.08, repurchase: 0.12, ctr: 0.030, cart: 0.080},
	"apparel":          {conv: 0.025, aov: 220, refund: 0.25, repurchase: 0.08, ctr: 0.035, cart: 0.090},
	"mother_baby":      {conv: 0.040, aov: 160, refund: 0.06, repurchase: 0.20, ctr: 0.030, cart: 0.085},
	"food_fresh":       {conv: 0.045, aov: 90, refund: 0.05, repurchase: 0.18, ctr: 0.032, cart: 0.095},
	"home":             {conv: 0.025, aov: 200, refund: 0.08, repurchase: 0.05, ctr: 0.025, cart: 0.070},
	"appliances":       {conv: 0.020, aov: 450, refund: 0.06, repurchase: 0.03, ctr: 0.022, cart: 0.060},
	"pets":             {conv: 0.045, aov: 150, refund: 0.05, repurchase: 0.22, ctr: 0.030, cart: 0.090},
	"outdoor":          {conv: 0.020, aov: 300, refund: 0.10, repurchase: 0.05, ctr: 0.025, cart: 0.065},
	"auto_accessories": {conv: 0.025, aov: 110, refund: 0.07, repurchase: 0.06, ctr: 0.025, cart: 0.070},
	"kitchenware":      {conv: 0.030, aov: 160, refund: 0.07, repurchase: 0.06, ctr: 0.028, cart: 0.075},
	"3c":               {conv: 0.020, aov: 260, refund: 0.08, repurchase: 0.05, ctr: 0.025, cart: 0.060},
	"other":            {conv: 0.030, aov: 150, refund: 0.06, repurchase: 0.10, ctr: 0.028, cart: 0.075},
}

// DefaultBenchmarks returns the shipped benchmark table: for every category
// in daiyun.Categories, conversion rate, AOV (CNY), refund rate,
// repurchase rate, CTR, add-to-cart rate, ROAS, CS first response time and
// CSAT, each with its source.
func DefaultBenchmarks() []Benchmark {
	var out []Benchmark
	for _, cat := range daiyun.Categories {
		r, ok := defaultRows[cat]
		if !ok {
			r = defaultRows["other"]
		}
		out = append(out,
			Benchmark{Category: cat, KPI: "conversion_rate", Value: r.conv, Source: SourceAssumption},
			Benchmark{Category: cat, KPI: "aov", Value: r.aov, Currency: "CNY", Source: SourceAssumption},
			Benchmark{Category: cat, KPI: "refund_rate", Value: r.refund, Source: SourceAssumption},
			Benchmark{Category: cat, KPI: "repurchase_rate", Value: r.repurchase, Source: SourceAssumption},
			Benchmark{Category: cat, KPI: "ctr", Value: r.ctr, Source: SourceAssumption},
			Benchmark{Category: cat, KPI: "add_to_cart_rate", Value: r.cart, Source: SourceAssumption},
			Benchmark{Category: cat, KPI: "roas", Value: 3.5, Source: SourceBudget},
			Benchmark{Category: cat, KPI: "cs_first_response_s", Value: 30, Source: SourceSLA},
			Benchmark{Category: cat, KPI: "csat", Value: 0.85, Source: SourceQC},
		)
	}
	return out
}
