package demo

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
)

// generateDay writes everything of one shop's civil day.
func (s *shopGen) generateDay(sk *sink, day time.Time, di int) error {
	r := s.rng
	y, m, d := day.Date()
	start := time.Date(y, m, d, 0, 0, 0, 0, s.loc)
	next := time.Date(y, m, d+1, 0, 0, 0, 0, s.loc)
	demand, boost := promo(s.tpl.platform, s.category, day)
	expected := s.scale * s.season(day, di)

	s.live, s.cum = s.live[:0], s.cum[:0]
	var acc float64
	for _, k := range s.skus {
		if w := k.weight(day); w > 0 {
			acc += w
			s.live = append(s.live, k)
			s.cum = append(s.cum, acc)
		}
	}
	s.today = s.today[:0]
	clear(s.tally)

	// Orders: the day's expected GMV with a little noise, carried over so
	// small shops still get their share. Tracking value rather than count
	// keeps weekly GMV steady, so week-on-week changes are the planted and
	// seasonal ones, not the luck of a few large orders.
	factor := 1.0
	switch {
	case s.convW.in(day):
		factor = convOrders
	case s.dropW.in(day):
		factor = dropOrders
	}
	// Running averages of order value and lines per order turn the expected
	// order lines into value, so the line target holds whatever the mix.
	aov := (s.aov*20 + float64(s.gmv)) / float64(20+s.orders)
	lpo := (linesPerOrder*20 + float64(s.lineN)) / float64(20+s.orders)
	s.carry += expected * linesPerOrder / lpo * aov * factor * math.Exp(0.06*r.NormFloat64())
	n := 0
	for ; s.carry > 0 && len(s.live) > 0; n++ {
		total, err := s.order(sk, day, start, next, demand, s.carry)
		if err != nil {
			return err
		}
		s.carry -= float64(total)
		s.gmv += total
		s.orders++
	}
	if s.ringW.in(day) && len(s.live) > 0 {
		span := dayOf(s.ringW.from, s.ringW.to) + 1
		k := dayOf(s.ringW.from, day)
		for range s.ringN*(k+1)/span - s.ringN*k/span {
			if err := s.ringOrder(sk, day, start, next); err != nil {
				return err
			}
		}
	}
	// Visitors follow the orders the day would have had without a planted
	// problem, with their own noise: conversion wanders a little around the
	// shop's rate and drops only where a problem is planted.
	base := float64(n) / factor * math.Exp(0.08*r.NormFloat64())
	if n == 0 {
		base = expected
	}
	s.usual = 0.9*s.usual + 0.1*expected
	if di == 0 {
		s.usual = expected
	}
	if err := s.traffic(sk, day, base, expected, boost); err != nil {
		return err
	}
	if s.events && !day.Before(s.a.last.AddDate(0, 0, -59)) {
		if err := s.behaviour(sk, day, di, start, next); err != nil {
			return err
		}
	}
	if err := s.ads(sk, day, di, boost); err != nil {
		return err
	}
	if err := s.kolDeal(sk, day); err != nil {
		return err
	}
	if err := s.competitorPrices(sk, day, start, demand); err != nil {
		return err
	}
	return s.inventory(sk, day, expected)
}

// ringOrder writes one order of the planted fake-order ring (刷单): a fresh
// buyer, at night, one of three devices and four addresses, the cheapest
// SKU, quickly confirmed, a five-star review, some refunded.
func (s *shopGen) ringOrder(sk *sink, day, start, next time.Time) error {
	r := s.rng
	cheapest := s.live[0]
	for _, k := range s.live {
		if k.price < cheapest.price {
			cheapest = k
		}
	}
	frac := (1 + 4*r.Float64()) / 24
	created := start.Add(time.Duration(frac * float64(next.Sub(start)))).Truncate(time.Second).UTC()
	pool := s.cl.pool
	cid := daiyun.Pseudonym(pool.key, fmt.Sprintf("ring_%d_%d", s.idx, s.seq))
	device := "d_" + hex16(mix(s.salt^0x7269_6e67+uint64(r.IntN(3))))
	addrN := r.IntN(4)
	address := "a_" + hex16(mix(s.salt^0x6164_6472+uint64(addrN)))
	prov, city := pickPlace(cnPlaces, mix(s.salt+uint64(addrN)))
	src := 0 // search
	for i, so := range s.sources {
		if so.name == "search" || so.name == "organic_search" {
			src = i
			break
		}
	}
	t := s.timeline(r, created, true)
	err := s.writeOrder(sk, r, orderRow{
		no: s.orderNo(day), customer: cid, isNew: true, ring: true, src: src,
		device: device, address: address, province: prov, city: city,
		goods: cheapest.price, total: cheapest.price,
		lines: []line{{k: cheapest, qty: 1, unitPrice: cheapest.price, amount: cheapest.price}}, t: t,
	})
	return err
}

// traffic writes the day's visitors by source (生意参谋 flow shape). The
// funnel is built down from visitors and up from the day's real orders, so
// visitors ≥ product visitors ≥ cart visitors ≥ order buyers ≥ pay buyers.
func (s *shopGen) traffic(sk *sink, day time.Time, base, expected, boost float64) error {
	r := s.rng
	conv := Benchmarks[s.category] * s.convMult * boost
	total := base / conv
	for i, src := range s.sources {
		v := total * src.share * math.Exp(0.05*r.NormFloat64())
		pvRatio := src.pv * (0.95 + 0.1*r.Float64())
		switch {
		case s.convW.in(day):
			v *= convVisitors
		case s.dropW.in(day):
			v *= dropVisitors
		}
		if i == s.spikeSrc && s.spikeW.in(day) {
			// The extra visitors are measured against the shop's usual
			// level, not the day's, so a spike stays a spike in a slump.
			v += max(expected, s.usual) / conv * src.share * (spikeVisitors - 1)
			pvRatio *= 0.5
		}
		tl := &s.tally[i]
		visitors := max(int64(math.Round(v)), tl.orders)
		products := int64(math.Round(float64(visitors) * pvRatio))
		carts := int64(math.Round(float64(tl.orders)*(2.2+r.Float64()) + float64(visitors)*0.004))
		carts = max(tl.orders, min(carts, products))
		products = max(products, carts)
		visitors = max(visitors, products)
		tl.visitors, tl.products, tl.carts = visitors, products, carts
		pv := int64(math.Round(float64(visitors) * (2.5 + 2*r.Float64())))
		var impressions, clicks int64
		switch {
		case strings.HasPrefix(src.name, "ads_"):
			clicks = visitors + visitors/20
			impressions = int64(float64(clicks) / (0.02 + 0.02*r.Float64()))
		case src.name == "search" || src.name == "organic_search" || src.name == "recommendation":
			clicks = visitors
			impressions = int64(float64(clicks) / (0.03 + 0.03*r.Float64()))
		}
		if err := sk.add(tTraffic, s.cl.c.ID, s.shop.ID, day, src.name, visitors, pv, products, carts,
			tl.orders, tl.paid, tl.paidMinor, impressions, clicks); err != nil {
			return err
		}
	}
	return nil
}

// behaviour writes raw events that add up to the traffic funnel: each buyer's
// visit, product views, add-to-cart, order and payment, and the visitors
// who left earlier. Fake-order buyers have order and pay events only.
func (s *shopGen) behaviour(sk *sink, day time.Time, di int, start, next time.Time) error {
	r := s.rng
	tenant, shopID := s.cl.c.ID, s.shop.ID
	ymd := day.Format("20060102")
	ev := func(person, event string, at time.Time, src int, campaign, skuID, orderNo, device string) error {
		s.evSeq++
		so := s.sources[src]
		if at.Before(start) {
			at = start
		}
		return sk.add(tEvents, tenant, shopID, fmt.Sprintf("e%s-%d", ymd, s.evSeq), person, event, at.UTC(),
			so.name, so.medium, nullable(campaign), nullable(skuID), nullable(orderNo), nullable(device))
	}
	buyers := make([]int64, len(s.sources))
	for _, o := range s.today {
		if !o.ring {
			buyers[o.src]++
			at := o.created.Add(-time.Duration(3+27*r.Float64()) * time.Minute)
			if err := ev(o.customer, "visit", at, o.src, o.campaign, "", "", o.device); err != nil {
				return err
			}
			for j, k := range o.skus {
				at = at.Add(time.Duration(20+100*r.Float64()) * time.Second)
				if err := ev(o.customer, "product_view", at, o.src, o.campaign, k.id, "", o.device); err != nil {
					return err
				}
				if j < 3 {
					if err := ev(o.customer, "add_to_cart", at.Add(30*time.Second), o.src, o.campaign, k.id, "", o.device); err != nil {
						return err
					}
				}
			}
		}
		if err := ev(o.customer, "order", o.created, o.src, o.campaign, "", o.no, o.device); err != nil {
			return err
		}
		if !o.paid.IsZero() {
			if err := ev(o.customer, "pay", o.paid, o.src, o.campaign, "", o.no, o.device); err != nil {
				return err
			}
		}
	}
	for i := range s.sources {
		tl := s.tally[i]
		nb := buyers[i]
		for j := int64(0); j < tl.visitors-nb; j++ {
			person := "v_" + hex16(mix(s.salt^uint64(di)<<24^uint64(i)<<20^uint64(j)))
			at := timeInDay(r, start, next, cnHours)
			if s.us {
				at = timeInDay(r, start, next, usHours)
			}
			if err := ev(person, "visit", at, i, "", "", "", ""); err != nil {
				return err
			}
			if j >= tl.products-nb || len(s.live) == 0 {
				continue
			}
			k := s.pickSKU(r)
			at = at.Add(time.Duration(10+120*r.Float64()) * time.Second)
			if err := ev(person, "product_view", at, i, "", k.id, "", ""); err != nil {
				return err
			}
			if j < tl.carts-nb {
				if err := ev(person, "add_to_cart", at.Add(time.Duration(15+60*r.Float64())*time.Second), i, "", k.id, "", ""); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// ads writes each campaign's day: spend follows demand and a monthly budget,
// attributed GMV grows as spend^0.6 (diminishing returns).
func (s *shopGen) ads(sk *sink, day time.Time, di int, boost float64) error {
	r := s.rng
	over := 1.0
	if s.cl.overspend > 0 && !day.Before(s.cl.overFrom) {
		over = s.cl.overspend
	}
	for _, cp := range s.campaigns {
		spend := cp.planned(s, day, di) * math.Exp(0.12*r.NormFloat64()) * over
		if spend < 1 {
			continue
		}
		gmv := cp.a * math.Pow(spend, 0.6) * boost * math.Exp(0.1*r.NormFloat64())
		orders := int64(math.Round(gmv / max(s.aov, 1)))
		clicks := int64(math.Round(spend / cp.cpc * math.Exp(0.05*r.NormFloat64())))
		impressions := int64(float64(clicks) / cp.ctr)
		if err := sk.add(tAdSpend, s.cl.c.ID, s.shop.ID, day, cp.platform, cp.name, impressions, clicks,
			int64(math.Round(spend)), orders, int64(math.Round(gmv))); err != nil {
			return err
		}
	}
	return nil
}

// kolDeal writes an occasional influencer or live-stream deal.
func (s *shopGen) kolDeal(sk *sink, day time.Time) error {
	r := s.rng
	if !s.kol || r.Float64() >= 0.05 {
		return nil
	}
	s.kolNo++
	plat := "taobao_live"
	if s.tpl.platform == daiyun.PlatformDouyin {
		plat = "douyin"
	}
	fee := int64(5_000+r.IntN(45_000)) * 100
	orders := int64(float64(20+r.IntN(300)) * s.tpl.size)
	gmv := int64(float64(orders) * s.aov * (0.7 + 0.3*r.Float64()))
	return sk.add(tKOL, s.cl.c.ID, s.shop.ID, fmt.Sprintf("kol-%d-%d", s.idx, s.kolNo), pick(r, cnKOLs), plat, day,
		fee, int64(1000+r.IntN(16)*100), orders, gmv)
}

// competitorPrices writes one observation a day per tracked competitor SKU;
// prices wander within −10%…+12% of ours, dip on promotion days, and the
// planted competitor undercuts the hero by 20%.
func (s *shopGen) competitorPrices(sk *sink, day, start time.Time, demand float64) error {
	r := s.rng
	for i, c := range s.comps {
		if !c.ours.onSale(day) {
			continue
		}
		c.ratio = math.Min(1.12, math.Max(0.91, c.ratio+0.004*r.NormFloat64()))
		ratio, promoText := c.ratio, ""
		if demand >= 1.2 {
			ratio *= 0.95
			promoText = pick(r, promos)
		}
		if i == 0 && !s.undercutFrom.IsZero() && !day.Before(s.undercutFrom) {
			ratio, promoText = undercutRatio, "直降20%"
			if s.us {
				promoText = "20% off"
			}
		}
		at := start.Add(time.Duration(9*3600+r.IntN(7200)) * time.Second).UTC()
		price := int64(math.Ceil(float64(c.ours.price)*ratio/10)) * 10 // to the jiao or dime
		if err := sk.add(tCompetitor, s.cl.c.ID, s.shop.ID, c.name, c.sku, c.ours.id, at, day, price, nullable(promoText)); err != nil {
			return err
		}
	}
	return nil
}

// inventory moves stock (sales out, deliveries in, reorders when cover runs
// short) and writes snapshots: weekly on Mondays, daily for the last 60 days.
func (s *shopGen) inventory(sk *sink, day time.Time, expected float64) error {
	r := s.rng
	snapshot := !day.Before(s.a.last.AddDate(0, 0, -59)) || day.Weekday() == time.Monday
	var totalW float64
	if len(s.cum) > 0 {
		totalW = s.cum[len(s.cum)-1]
	}
	for _, k := range s.skus {
		if !k.onSale(day) {
			k.onHand, k.inTransit, k.soldToday = 0, 0, 0 // retired: cleared
			continue
		}
		if !k.started {
			k.started = true
			if totalW > 0 {
				k.velocity = expected * linesPerOrder * 1.12 * k.weight(day) / totalW
			}
			k.onHand = int64(k.velocity*(30+30*r.Float64())) + 10
		}
		if k.inTransit > 0 && !day.Before(k.arrival) {
			k.onHand += k.inTransit
			k.inTransit = 0
		}
		if k.stockDrop > 0 && day.Equal(k.stopSales) {
			k.onHand += k.stockDrop
		}
		sold := k.soldToday
		k.soldToday = 0
		k.onHand = max(0, k.onHand-sold)
		k.velocity = 0.92*k.velocity + 0.08*float64(sold)
		selling := k.stopSales.IsZero() || day.Before(k.stopSales)
		if selling && k.inTransit == 0 && float64(k.onHand) < k.velocity*14 {
			k.inTransit = int64(k.velocity*(40+20*r.Float64())) + 5
			k.arrival = day.AddDate(0, 0, 5+r.IntN(6))
		}
		if snapshot {
			reserved := min(k.onHand, int64(math.Round(float64(sold)*0.4)))
			if err := sk.add(tInventory, s.cl.c.ID, s.shop.ID, k.id, day, k.onHand, reserved, k.inTransit); err != nil {
				return err
			}
		}
	}
	return nil
}
