package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/daiyun/daiyun"
)

// shopGen generates one shop's facts. Its state is bounded: the assortment,
// the traffic sources, campaigns, competitors and the current day's orders.
type shopGen struct {
	a        *agency
	idx      int
	cl       *clientGen
	tpl      shopTemplate
	shop     daiyun.Shop
	loc      *time.Location
	cutoff   time.Time // start of the end day in the shop's timezone: nothing happens from here on
	rng      *rand.Rand
	us       bool
	category string
	salt     uint64

	lines    float64 // target order lines
	scale    float64 // expected orders per unit of season
	sMean    float64 // mean season
	aov      float64 // estimated order value, minor units
	convMult float64 // normal conversion ÷ category benchmark
	growth   float64 // yearly growth rate of demand
	adRatio  float64 // ad spend ÷ GMV

	skus      []*sku
	hero      *sku
	sources   []source
	srcCum    []float64 // cumulative order share by source
	campaigns []*campaign
	comps     []*competitor
	events    bool
	kol       bool

	carry                                    float64
	usual                                    float64 // expected orders a day, smoothed over about ten days
	gmv, orders, lineN                       int64   // realised order value, orders and lines, for running averages
	seq, csSeq, revSeq, npsSeq, evSeq, kolNo int64

	// planted problems
	convW, spikeW, dropW, ringW window
	spikeSrc                    int
	ringN                       int
	slowFrom, undercutFrom      time.Time

	// per-day scratch
	today []orderInfo
	tally []tally
	live  []*sku
	cum   []float64
}

// tally counts a source's orders of the day and its funnel.
type tally struct {
	orders, paid, paidMinor   int64
	visitors, products, carts int64
}

func newShopGen(a *agency, c *clientGen, idx int, t shopTemplate) (*shopGen, error) {
	loc, err := time.LoadLocation(t.tz)
	if err != nil {
		return nil, fmt.Errorf("demo: timezone %s: %w", t.tz, err)
	}
	s := &shopGen{a: a, idx: idx, cl: c, tpl: t, loc: loc, rng: newShopRand(a.opt.Seed, idx),
		us: c.tpl.market == "us", category: c.tpl.category}
	y, m, d := a.endDay.Date()
	s.cutoff = time.Date(y, m, d, 0, 0, 0, 0, loc).UTC()
	currency := "CNY"
	if s.us {
		currency = "USD"
	}
	s.shop = daiyun.Shop{Name: c.tpl.name + t.suffix, Platform: t.platform, Category: c.tpl.category,
		Currency: currency, Timezone: t.tz, ExternalID: fmt.Sprintf("%d", 62_000_000+idx*7919), CreatedAt: a.first}
	r := s.rng
	s.newSKUs(a.first, a.last)
	s.sources = sourceTable(t.platform)
	var norm float64
	for _, src := range s.sources {
		norm += src.share * src.conv
	}
	var acc float64
	for i := range s.sources {
		s.sources[i].conv /= norm
		acc += s.sources[i].share * s.sources[i].conv
		s.srcCum = append(s.srcCum, acc)
	}
	s.tally = make([]tally, len(s.sources))
	s.convMult = 1.25 + 0.35*r.Float64()
	s.growth = 0.05 + 0.3*r.Float64()
	s.adRatio = 0.08 + 0.07*r.Float64()
	camps := campaignTable(t.platform)
	var shares float64
	for j, ct := range camps {
		cp := &campaign{platform: ct[0], source: ct[1], name: ct[2], share: 0.5 + r.Float64(),
			ctr: 0.015 + 0.03*r.Float64(), seed: mix(uint64(a.opt.Seed) ^ uint64(idx)<<16 ^ uint64(j))}
		cp.cpc = 50 + 200*r.Float64()
		if s.us {
			cp.cpc = 40 + 110*r.Float64()
		}
		shares += cp.share
		s.campaigns = append(s.campaigns, cp)
	}
	for _, cp := range s.campaigns {
		cp.share /= shares
	}
	s.events = idx%4 == 1
	s.kol = (slices.Contains(c.tpl.addons, "kol") || slices.Contains(c.tpl.addons, "live_streaming")) &&
		(t.platform == daiyun.PlatformDouyin || t.platform == daiyun.PlatformTmall || t.platform == daiyun.PlatformTaobao)
	s.newCompetitors()
	return s, nil
}

// newCompetitors tracks competitor SKUs against the hero and two more of
// our SKUs on sale at the end.
func (s *shopGen) newCompetitors() {
	r := s.rng
	n := 2
	if slices.Contains(s.cl.tpl.addons, "competitor_watch") {
		n = 3
	}
	ours := []*sku{s.hero}
	for _, k := range s.skus {
		if len(ours) == n {
			break
		}
		if k != s.hero && k.onSale(s.a.last) && k.launch.Before(s.a.first) {
			ours = append(ours, k)
		}
	}
	for i, k := range ours {
		s.comps = append(s.comps, &competitor{
			name:  competitorName(r, s.category, s.us),
			sku:   fmt.Sprintf("CP%03d%02d%04d", s.idx%1000, i+1, r.IntN(10000)),
			ours:  k,
			ratio: 0.93 + 0.17*r.Float64(),
		})
	}
}

// season is the demand shape on day: growth, weekday, time of year and
// promotions.
func (s *shopGen) season(day time.Time, di int) float64 {
	d, _ := promo(s.tpl.platform, s.category, day)
	return math.Exp(s.growth*float64(di)/365) * weekly(s.tpl.platform, day.Weekday()) * yearly(s.category, day) * d
}

// calibrate scales demand so the shop's expected order lines over the whole
// window equal its share of the target, and sets campaign responses.
func (s *shopGen) calibrate() {
	var sum float64
	for di := range s.a.ndays {
		sum += s.season(s.a.first.AddDate(0, 0, di), di)
	}
	s.sMean = sum / float64(s.a.ndays)
	s.scale = s.lines / linesPerOrder / sum
	var v float64
	for i := range 5 {
		v += s.meanOrderValue(s.a.first.AddDate(0, 0, s.a.ndays*i/5+s.a.ndays/10))
	}
	s.aov = v / 5
	for _, cp := range s.campaigns {
		base := s.adRatio * s.aov * s.scale * s.sMean * cp.share
		roas := 2.5 + 3*s.rng.Float64()
		cp.a = roas * math.Pow(max(base, 1), 0.4)
	}
}

// plannedSpend is the expected ad spend on day in minor units, without
// noise or planted overspend.
func (s *shopGen) plannedSpend(day time.Time, di int) float64 {
	var v float64
	for _, cp := range s.campaigns {
		v += cp.planned(s, day, di)
	}
	return v
}

func (cp *campaign) planned(s *shopGen, day time.Time, di int) float64 {
	base := s.adRatio * s.aov * s.scale * math.Pow(s.sMean, 0.2) * math.Pow(s.season(day, di), 0.8) * cp.share
	return base * cp.monthFactor(day)
}

// monthFactor varies a campaign's budget month by month (0.7–1.3), which
// gives the spend–return curve its spread.
func (cp *campaign) monthFactor(day time.Time) float64 {
	h := mix(cp.seed ^ uint64(day.Year()*12+int(day.Month())))
	return 0.7 + 0.6*float64(h>>11)/(1<<53)
}

// plantSlow makes up to three SKUs slow movers: no sales from day on, and
// an oversized delivery arriving that day.
func (s *shopGen) plantSlow(day time.Time) {
	n := 0
	for _, k := range s.skus {
		if n == 3 {
			break
		}
		if k.hero || !k.launch.Before(day.AddDate(0, 0, -120)) || (!k.retire.IsZero() && k.retire.Before(day)) {
			continue
		}
		k.retire = time.Time{}
		k.stopSales = day
		k.stockDrop = int64(1200 + s.rng.IntN(1300))
		n++
	}
}

// writeSKUs writes the assortment as it stands on the last day.
func (s *shopGen) writeSKUs(sk *sink, last time.Time) error {
	for _, k := range s.skus {
		if k.launch.After(last) {
			continue
		}
		if err := sk.add(tSKUs, s.cl.c.ID, s.shop.ID, k.id, k.spu, k.title, k.leaf, k.price, k.cost,
			k.onSale(last), k.launch, k.hero); err != nil {
			return err
		}
	}
	return nil
}
