package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/daiyun/daiyun"
)

// linesPerOrder is the mean number of lines per order (see orderLineCount).
const linesPerOrder = 1.43

// source is a traffic source of a shop: its share of visitors and how well
// it converts relative to the shop's average (normalised so the shares
// weighted by conversion sum to 1).
type source struct {
	name   string
	share  float64
	conv   float64
	medium string
	pv     float64 // share of visitors who view a product
}

// sourceTable lists each platform's traffic sources with share, relative
// conversion, medium and product-view ratio.
func sourceTable(pl daiyun.Platform) []source {
	switch pl {
	case daiyun.PlatformJD:
		return []source{{"search", .38, 1.1, "organic", .7}, {"recommendation", .2, .6, "feed", .55}, {"ads_jd", .15, 1.1, "cpc", .65},
			{"direct", .12, 1.7, "none", .75}, {"live", .05, 1.2, "live", .6}, {"private", .03, 2.0, "wecom", .75}, {"external", .07, .5, "referral", .5}}
	case daiyun.PlatformDouyin:
		return []source{{"live", .42, 1.1, "live", .6}, {"short_video", .25, .8, "video", .55}, {"ads_qianchuan", .15, 1.0, "cpc", .6},
			{"search", .09, 1.4, "organic", .7}, {"recommendation", .06, .6, "feed", .5}, {"private", .03, 2.0, "fans", .75}}
	case daiyun.PlatformPDD:
		return []source{{"search", .3, 1.1, "organic", .7}, {"recommendation", .3, .8, "feed", .6}, {"ads_pdd", .15, 1.0, "cpc", .65},
			{"activity", .15, 1.3, "promotion", .7}, {"direct", .05, 1.5, "none", .75}, {"private", .05, 1.6, "wecom", .7}}
	case daiyun.PlatformShopify:
		return []source{{"organic_search", .25, 1.0, "organic", .7}, {"ads_google", .15, 1.1, "cpc", .65}, {"ads_meta", .15, .7, "paid_social", .55},
			{"direct", .2, 1.4, "none", .7}, {"email", .08, 2.0, "email", .75}, {"referral", .07, .8, "referral", .6}, {"social", .1, .5, "social", .5}}
	}
	return []source{{"search", .34, 1.1, "organic", .7}, {"recommendation", .24, .6, "feed", .55}, {"ads_ztc", .12, 1.2, "cpc", .7},
		{"ads_wxt", .08, .9, "cpc", .6}, {"live", .08, 1.3, "live", .6}, {"private", .04, 2.2, "wecom", .75},
		{"direct", .07, 1.8, "none", .75}, {"external", .03, .5, "referral", .5}}
}

// campaignTable lists each platform's ad campaigns: ad platform, the traffic
// source the clicks land in, and the campaign name.
func campaignTable(pl daiyun.Platform) [][3]string {
	switch pl {
	case daiyun.PlatformJD:
		return [][3]string{{"other", "ads_jd", "京东快车-搜索推广"}, {"other", "ads_jd", "京准通-推荐广告"}}
	case daiyun.PlatformDouyin:
		return [][3]string{{"qianchuan", "ads_qianchuan", "千川-直播间推广"}, {"qianchuan", "ads_qianchuan", "千川-短视频带货"}, {"qianchuan", "ads_qianchuan", "千川-全域推广"}}
	case daiyun.PlatformPDD:
		return [][3]string{{"other", "ads_pdd", "多多搜索-全站推广"}, {"other", "ads_pdd", "多多场景-展示推广"}}
	case daiyun.PlatformShopify:
		return [][3]string{{"google", "ads_google", "Google Shopping - Best Sellers"}, {"google", "ads_google", "Google Search - Brand"},
			{"meta", "ads_meta", "Meta Advantage+ Shopping"}, {"meta", "ads_meta", "Meta Retargeting"}}
	}
	return [][3]string{{"ztc", "ads_ztc", "直通车-核心词"}, {"ztc", "ads_ztc", "直通车-长尾词"}, {"wxt", "ads_wxt", "万相台-货品加速"},
		{"wxt", "ads_wxt", "万相台-拉新快"}, {"ylmf", "ads_wxt", "引力魔方-人群拉新"}}
}

// campaign is one ad campaign with a concave response: attributed GMV =
// a·spend^0.6, so each extra yuan returns less.
type campaign struct {
	platform, source, name string
	share                  float64 // of the shop's ad spend
	a                      float64
	cpc                    float64 // minor units per click
	ctr                    float64
	seed                   uint64
}

// sku is one SKU with its lifecycle and stock.
type sku struct {
	id, spu, title, leaf string
	price, cost          int64
	hero                 bool
	base                 float64   // popularity at maturity
	launch               time.Time // first day on sale
	grow, mature, fall   int       // lifecycle phase lengths in days
	retire               time.Time // last day on sale + 1; zero if never in the window
	stopSales            time.Time // planted slow mover: no sales from this day
	stockDrop            int64     // planted slow mover: the oversized delivery

	onHand, inTransit int64
	arrival           time.Time
	velocity          float64 // units per day, smoothed
	soldToday         int64
	started           bool
}

// weight is the SKU's popularity on day: growth, maturity, decline.
func (k *sku) weight(day time.Time) float64 {
	if day.Before(k.launch) || (!k.retire.IsZero() && !day.Before(k.retire)) {
		return 0
	}
	if !k.stopSales.IsZero() && !day.Before(k.stopSales) {
		return 0
	}
	a := dayOf(k.launch, day)
	switch {
	case a < k.grow:
		return k.base * (0.15 + 0.85*float64(a)/float64(k.grow))
	case a < k.grow+k.mature:
		return k.base
	}
	d := float64(a-k.grow-k.mature) / float64(k.fall)
	return k.base * max(0.12, 1-0.88*d)
}

// onSale reports whether the SKU is listed on day.
func (k *sku) onSale(day time.Time) bool {
	return !day.Before(k.launch) && (k.retire.IsZero() || day.Before(k.retire))
}

// competitor is a tracked competitor SKU.
type competitor struct {
	name, sku string
	ours      *sku
	ratio     float64 // their price ÷ ours
}

// newSKUs builds a shop's assortment over the window: products launched
// before the window and new ones every month or two, each going through
// growth, maturity and decline; the first product is the hero.
func (s *shopGen) newSKUs(first, last time.Time) {
	r := s.rng
	prods := cnProducts[s.category]
	if s.us {
		prods = usProducts[s.category]
	}
	pr := priceRange[s.category]
	lo, hi := pr.lo, pr.hi
	if s.us {
		lo, hi = usPriceRange[s.category].lo, usPriceRange[s.category].hi
	}
	// A shop's prices cluster around its own positioning in the category.
	center := lo * math.Pow(hi/lo, 0.15+0.45*r.Float64())
	nInitial := 6 + int(math.Round(s.tpl.size*3))
	window := dayOf(first, last)
	every := 40 + r.IntN(30)
	nSPU := nInitial + window/every
	for i := range nSPU {
		p := prods[i%len(prods)]
		title := p.title
		if gen := i / len(prods); gen > 0 {
			if s.us {
				title = fmt.Sprintf("%s %d.0", title, gen+1)
			} else {
				title = fmt.Sprintf("%s（%d代）", title, gen+1)
			}
		}
		var launch time.Time
		if i < nInitial {
			launch = first.AddDate(0, 0, -r.IntN(500)-30)
		} else {
			launch = first.AddDate(0, 0, (i-nInitial+1)*every-r.IntN(15))
		}
		grow, mature, fall := 30+r.IntN(90), 200+r.IntN(500), 120+r.IntN(240)
		base := math.Exp(r.NormFloat64() * 0.8)
		hero := i == 0
		if hero {
			base, grow, mature = 6, 30, 100000 // the hero sells through the whole window
		}
		var retire time.Time
		if end := launch.AddDate(0, 0, grow+mature+fall); !hero && !end.After(last) {
			retire = end
		}
		priceMajor := min(hi, max(lo, center*math.Exp(0.4*r.NormFloat64())))
		spu := fmt.Sprintf("SPU%03d%03d", s.idx%1000, i+1)
		nv := min(len(p.variants), 1+r.IntN(3))
		for v := range nv {
			price := roundPrice(priceMajor*(1+0.12*float64(v)), s.us)
			cost := int64(float64(price) * (pr.costLo + r.Float64()*(pr.costHi-pr.costLo)))
			s.skus = append(s.skus, &sku{
				id: fmt.Sprintf("%s-%d", spu, v+1), spu: spu, leaf: p.title,
				title: title + " " + p.variants[v],
				price: price, cost: cost, hero: hero && v == 0,
				base:   base / float64(v+1),
				launch: launch, grow: grow, mature: mature, fall: fall, retire: retire,
			})
		}
	}
	sort.SliceStable(s.skus, func(i, j int) bool { return s.skus[i].id < s.skus[j].id })
	s.hero = s.skus[0]
}

// roundPrice makes a list price look like a shop's: ¥X9 or $X.99, in minor
// units.
func roundPrice(major float64, us bool) int64 {
	if us {
		return int64(math.Max(1, math.Round(major)))*100 - 1
	}
	p := int64(math.Round(major/10))*10 - 1
	if p < 9 {
		p = 9
	}
	return p * 100
}

// meanOrderValue estimates the shop's average order value in minor units
// from its assortment, for ad spend and budgets.
func (s *shopGen) meanOrderValue(day time.Time) float64 {
	var w, v float64
	for _, k := range s.skus {
		x := k.weight(day)
		w += x
		v += x * float64(k.price)
	}
	if w == 0 {
		return float64(s.skus[0].price)
	}
	return v / w * linesPerOrder * 1.12 * 0.93
}

// newShopRand returns the shop's own random stream.
func newShopRand(seed int64, idx int) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), 0x5109_0000+uint64(idx)))
}
