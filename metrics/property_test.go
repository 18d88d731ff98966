package metrics

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
	"pgregory.net/rapid"
)

var propSpec = genSpec{shops: 14, clients: 4, days: 60, perDay: 4, start: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), usd: true}

// propService loads the generated warehouse into DuckDB.
func propService(t *testing.T) (*Service, MemoryShops) {
	w := openDuck(t)
	shops := genLoad(t, w, propSpec, 1)
	return &Service{Warehouse: w, Shops: shops, FX: genFX(propSpec)}, shops
}

// additive reports whether a measure's sum over the parts of a partition by
// dim equals its value over the whole.
func additive(me Measure, dim string, grain Grain) bool {
	src := sources[me.Source]
	if src.day == "" && grain != GrainNone {
		return false // the SKU list repeats in every period
	}
	if strings.Contains(me.Expr, "DISTINCT") || src.perCustomer {
		// a buyer or SKU can appear in several parts, except across clients
		return grain == GrainNone && dim == DimClient
	}
	return true
}

// TestPartitionSums: summing a KPI's numerator over a partition (by a
// dimension or by a time grain) gives the numerator of the whole.
func TestPartitionSums(t *testing.T) {
	s, _ := propService(t)
	cat := Catalogue()
	rapid.Check(t, func(rt *rapid.T) {
		k := rapid.SampledFrom(cat).Draw(rt, "kpi")
		grain := rapid.SampledFrom([]Grain{GrainNone, GrainDay, GrainWeek, GrainMonth}).Draw(rt, "grain")
		dim := ""
		if grain == GrainNone {
			dim = rapid.SampledFrom(k.Dimensions).Draw(rt, "dim")
		}
		if !additive(k.Measures[0], dim, grain) {
			rt.Skip("numerator not additive over this partition")
		}
		start := rapid.IntRange(0, propSpec.days-1).Draw(rt, "start")
		n := rapid.IntRange(1, propSpec.days-start).Draw(rt, "len")
		from := daiyun.Date{Time: propSpec.start.AddDate(0, 0, start)}
		to := daiyun.Date{Time: from.AddDate(0, 0, n-1)}
		var clients []int64
		for c := int64(1); c <= int64(propSpec.clients); c++ {
			if rapid.Bool().Draw(rt, "client") {
				clients = append(clients, c)
			}
		}
		whole := Request{KPIs: []string{k.ID}, From: from, To: to, Filters: Filters{ClientIDs: clients}, Currency: "CNY"}
		total, err := s.Query(sysCtx(), whole)
		if err != nil {
			rt.Fatal(err)
		}
		parts := whole
		parts.Grain = grain
		if dim != "" {
			parts.Dimensions = []string{dim}
		}
		split, err := s.Query(sysCtx(), parts)
		if err != nil {
			rt.Fatal(err)
		}
		var sum float64
		for _, r := range split.Rows {
			sum += *r.Values[k.ID].Num
		}
		want := *total.Rows[0].Values[k.ID].Num
		if math.Abs(sum-want) > 1e-6*math.Max(1, math.Abs(want)) {
			rt.Fatalf("%s numerator: parts by %s%s sum to %v, whole is %v", k.ID, dim, grain, sum, want)
		}
	})
}

// TestPeers ranks shops among the generated agency's shops of a category
// (every fourth shop shares a category, so 14 shops give 3–4 per category:
// too few) and among more shops (enough).
func TestPeers(t *testing.T) {
	s, propShop := propService(t)
	ctx := context.Background()
	all := systemTenants(t, 1, 2, 3, 4)
	// beauty: shops 1, 5, 9, 13 — fewer than five.
	ranks, err := s.Peers(ctx, all, PeerRequest{KPI: "gmv", Category: "beauty", From: daiyun.Date{Time: propSpec.start}, To: daiyun.Date{Time: propSpec.start.AddDate(0, 0, 29)}, ShopIDs: []int64{1}})
	if err != nil {
		t.Fatal(err)
	}
	if len(ranks) != 1 || ranks[0].Percentile != nil || ranks[0].Peers != 4 {
		t.Errorf("beauty with 4 shops: %+v", ranks)
	}
	// With every shop relabelled beauty there are 14 peers.
	wide := &Service{Warehouse: s.Warehouse, FX: s.FX, Shops: func() MemoryShops {
		out := slices.Clone(propShop)
		for i := range out {
			out[i].Category = "beauty"
		}
		return out
	}()}
	ids := []int64{1, 2, 3}
	ranks, err = wide.Peers(ctx, all, PeerRequest{KPI: "gmv", Category: "beauty", From: daiyun.Date{Time: propSpec.start}, To: daiyun.Date{Time: propSpec.start.AddDate(0, 0, 29)}, ShopIDs: ids})
	if err != nil {
		t.Fatal(err)
	}
	full, err := wide.run(ctx, Request{KPIs: []string{"gmv"}, Dimensions: []string{DimShop}, From: daiyun.Date{Time: propSpec.start}, To: daiyun.Date{Time: propSpec.start.AddDate(0, 0, 29)}, Currency: "CNY"}, all, wide.Shops.(MemoryShops))
	if err != nil {
		t.Fatal(err)
	}
	var vals []float64
	own := map[string]float64{}
	for _, r := range full.Rows {
		vals = append(vals, *r.Values["gmv"].Value)
		own[r.Dims["shop"]] = *r.Values["gmv"].Value
	}
	for _, rk := range ranks {
		if rk.Percentile == nil || rk.Peers != 14 {
			t.Fatalf("rank %+v", rk)
		}
		x := own[strconv.FormatInt(rk.ShopID, 10)]
		better := 0
		for _, v := range vals {
			if v > x {
				better++
			}
		}
		if rk.Rank != better+1 {
			t.Errorf("shop %d rank %d, want %d", rk.ShopID, rk.Rank, better+1)
		}
		if p := 100 * float64(13-better) / 13; !near(*rk.Percentile, p) {
			t.Errorf("shop %d percentile %v, want %v", rk.ShopID, *rk.Percentile, p)
		}
	}
	// Through Query: a client user gets a percentile for their own shop only.
	wide.PeerTenants = func(context.Context) (daiyun.Tenants, error) { return all, nil }
	client1 := daiyun.WithActor(ctx, daiyun.Actor{UserID: 5, Role: daiyun.RoleClientViewer, ClientID: 1})
	res, err := wide.Query(client1, Request{KPIs: []string{"gmv"}, Dimensions: []string{DimShop}, From: daiyun.Date{Time: propSpec.start},
		To: daiyun.Date{Time: propSpec.start.AddDate(0, 0, 29)}, Comparisons: []string{ComparePercentile}, Currency: "CNY"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Rows {
		if r.Dims["shop"] != "1" && r.Dims["shop"] != "5" && r.Dims["shop"] != "9" && r.Dims["shop"] != "13" {
			t.Errorf("client 1 sees shop %s", r.Dims["shop"])
		}
		if c := r.Values["gmv"].Comparisons[ComparePercentile]; c.Percentile == nil || c.Peers != 14 {
			t.Errorf("shop %s percentile %+v", r.Dims["shop"], c)
		}
	}
}
