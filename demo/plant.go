package demo

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
)

// Benchmarks are the category payment conversion rates (paying buyers ÷
// visitors) the demo assumes; docs/demo.md lists them so the metrics
// defaults can match (they equal metrics' shipped defaults). Shops normally
// convert 1.25–1.6× their benchmark.
var Benchmarks = map[string]float64{
	"beauty": 0.030, "apparel": 0.025, "mother_baby": 0.040, "food_fresh": 0.045, "home": 0.025,
	"appliances": 0.020, "pets": 0.045, "outdoor": 0.020, "auto_accessories": 0.025,
	"kitchenware": 0.030, "3c": 0.020, "other": 0.030,
}

// window is a range of civil days, both ends included.
type window struct{ from, to time.Time }

func (w window) in(day time.Time) bool {
	return !w.from.IsZero() && !day.Before(w.from) && !day.After(w.to)
}

// Plant effects.
const (
	convOrders    = 0.8  // orders during the conversion drop …
	convVisitors  = 1.25 // … while visitors rise: conversion × 0.64
	spikeVisitors = 6.5  // the abnormal source's visitors
	dropOrders    = 0.45 // GMV drop week: orders …
	dropVisitors  = 0.7  // … and visitors
	undercutRatio = 0.8  // competitor price ÷ ours
)

// plantedShop records which shops carry which problem, chosen before the
// shops are calibrated; resolvePlants fills in names and ids.
type plantedShop struct {
	kind   string
	shop   *shopGen
	client *clientGen
	w      window
	what   string
}

// choosePlants picks distinct shops (Chinese marketplaces first, large ones
// for the signals that need volume) and sets their windows, all inside the
// last 30 days.
func (a *agency) choosePlants() {
	L := a.last
	day := func(k int) time.Time { return L.AddDate(0, 0, -k) }
	used := map[*shopGen]bool{}
	bySize := slices.Clone(a.shops)
	slices.SortStableFunc(bySize, func(x, y *shopGen) int {
		switch {
		case x.us != y.us:
			if x.us {
				return 1
			}
			return -1
		case x.tpl.size > y.tpl.size:
			return -1
		case x.tpl.size < y.tpl.size:
			return 1
		}
		return x.idx - y.idx
	})
	next := func(ok func(*shopGen) bool) *shopGen {
		for _, s := range bySize {
			if !used[s] && ok(s) {
				used[s] = true
				return s
			}
		}
		for _, s := range bySize { // fewer shops than problems: share
			if ok(s) {
				return s
			}
		}
		return bySize[0]
	}
	anyShop := func(*shopGen) bool { return true }

	// The fake-order ring needs a shop with behaviour events, on Taobao or Tmall.
	ring := next(func(s *shopGen) bool {
		return s.tpl.platform == daiyun.PlatformTmall || s.tpl.platform == daiyun.PlatformTaobao
	})
	ring.events = true
	ring.ringW = window{day(13), day(1)}
	ring.ringN = 60 + ring.rng.IntN(60)

	conv := next(anyShop)
	conv.convW = window{day(9), day(3)}
	conv.convMult = 1.2

	spike := next(anyShop)
	spike.spikeW = window{day(6), day(4)}
	spike.spikeSrc = spikeSource(spike.sources)
	spike.convMult = 1.7

	drop := next(anyShop)
	drop.dropW = window{day(6), day(0)}
	drop.convMult = 1.65

	slow := next(anyShop)
	slow.slowFrom = day(74)
	slow.plantSlow(slow.slowFrom)

	comp := next(func(s *shopGen) bool { return slices.Contains(s.cl.tpl.addons, "competitor_watch") })
	comp.undercutFrom = day(6)

	a.plants = []plantedShop{
		{kind: KindFakeOrders, shop: ring, w: ring.ringW},
		{kind: KindConversionDrop, shop: conv, w: conv.convW},
		{kind: KindTrafficSpike, shop: spike, w: spike.spikeW},
		{kind: KindGMVDrop, shop: drop, w: drop.dropW},
		// Slow movers count from the day they pass 60 days without a sale.
		{kind: KindSlowMovers, shop: slow, w: window{slow.slowFrom.AddDate(0, 0, 60), L}},
		{kind: KindCompetitorUndercut, shop: comp, w: window{comp.undercutFrom, L}},
	}
	// The overspending client is one whose shops carry no other problem.
	over := a.clients[0]
	for _, c := range a.clients {
		clean := true
		for _, s := range c.shops {
			clean = clean && !used[s]
		}
		if clean && c.tpl.market == "cn" {
			over = c
			break
		}
	}
	over.overspend = 1
	a.plants = append(a.plants, plantedShop{kind: KindBudgetOverspend, client: over, w: window{day(29), L}})
}

// resolvePlants writes Summary.Planted once the catalog has given ids.
func (a *agency) resolvePlants() {
	for _, p := range a.plants {
		out := Planted{Kind: p.kind, From: daiyun.Date{Time: p.w.from}, To: daiyun.Date{Time: p.w.to}}
		c := p.client
		if p.shop != nil {
			c = p.shop.cl
			out.Shop, out.ShopID = p.shop.shop.Name, p.shop.shop.ID
		}
		out.Client, out.ClientID = c.c.Name, c.c.ID
		s := p.shop
		switch p.kind {
		case KindFakeOrders:
			out.What = fmt.Sprintf("%d fake orders (刷单) at night from 3 devices and 4 addresses, new buyers without browsing events, small order value, about a quarter refunded, most with a 5-star review", s.ringN)
		case KindConversionDrop:
			out.What = fmt.Sprintf("payment conversion about %.1f%% against a %s benchmark of %.1f%% for 7 days (visitors +25%%, orders −20%%)",
				100*Benchmarks[s.category]*s.convMult*convOrders/convVisitors, s.category, 100*Benchmarks[s.category])
		case KindTrafficSpike:
			out.Source = s.sources[s.spikeSrc].name
			out.What = fmt.Sprintf("visitors from source %q ×%.1f for 3 days with no more buyers", out.Source, spikeVisitors)
		case KindGMVDrop:
			out.What = fmt.Sprintf("orders ×%.2f and visitors ×%.1f over the last 7 days: GMV more than 50%% below the 7 days before (level 3)", dropOrders, dropVisitors)
		case KindSlowMovers:
			var ids []string
			for _, k := range s.skus {
				if !k.stopSales.IsZero() {
					ids = append(ids, k.id)
				}
			}
			if len(ids) > 0 {
				out.SKU = ids[0]
			}
			out.What = fmt.Sprintf("SKUs %v on sale, last sold before %s (60+ days without a sale from %s) with 1,200–2,500 units delivered that day",
				ids, s.slowFrom.Format(time.DateOnly), p.w.from.Format(time.DateOnly))
		case KindCompetitorUndercut:
			out.SKU = s.hero.id
			out.What = fmt.Sprintf("competitor %s prices its SKU against our hero %s at %.0f%% of our price from %s", s.comps[0].name, s.hero.id, 100*undercutRatio, p.w.from.Format(time.DateOnly))
		case KindBudgetOverspend:
			out.What = fmt.Sprintf("ad spend over the last 30 days about 155%% of the monthly marketing budget %s CNY (this month to date also more than 20%% over the pro-rated budget)", daiyun.Money(c.budget))
		}
		a.planted = append(a.planted, out)
	}
}

// spikeSource picks the organic source whose share is nearest 8%: large
// enough for a spike to stand out, small enough that the shop's overall
// conversion stays above its benchmark.
func spikeSource(src []source) int {
	best := -1
	for i, s := range src {
		if strings.HasPrefix(s.name, "ads_") {
			continue
		}
		if best < 0 || math.Abs(s.share-0.08) < math.Abs(src[best].share-0.08) {
			best = i
		}
	}
	return best
}
