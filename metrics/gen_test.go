package metrics

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/warehouse"
)

// genSpec sizes a generated warehouse: shops spread over clients, days of
// data, and mean paid orders per shop and day.
type genSpec struct {
	shops, clients, days, perDay int
	start                        time.Time
	usd                          bool // make every seventh shop a USD shop in New York
}

var genPlatforms = []string{"tmall", "jd", "douyin", "pdd", "taobao"}
var genChannels = []string{"search", "recommendation", "ads", "live", "private"}
var genProvinces = []string{"浙江", "江苏", "广东", "北京", "上海", "四川"}

// genShops lists the generated shops: categories cycle over
// daiyun.Categories, so every category has several shops.
func genShops(g genSpec) MemoryShops {
	var out MemoryShops
	for i := 0; i < g.shops; i++ {
		s := ShopInfo{ID: int64(i + 1), ClientID: int64(i%g.clients + 1), Platform: genPlatforms[i%len(genPlatforms)],
			Category: daiyun.Categories[i%4], Currency: "CNY", Timezone: "Asia/Shanghai"}
		if g.usd && i%7 == 6 {
			s.Platform, s.Currency, s.Timezone = "shopify", "USD", "America/New_York"
		}
		out = append(out, s)
	}
	return out
}

// genLoad writes a deterministic generated warehouse through the engine's
// appender and returns its shops.
func genLoad(tb testing.TB, w warehouse.Warehouse, g genSpec, seed uint64) MemoryShops {
	tb.Helper()
	ctx := context.Background()
	shops := genShops(g)
	// Rows are kept per table and written one table at a time: an engine
	// may hold a connection per open appender.
	data := map[string][][]any{}
	put := func(table string, v ...any) { data[table] = append(data[table], v) }
	r := rand.New(rand.NewPCG(seed, 7))
	for _, sh := range shops {
		loc, _ := time.LoadLocation(sh.Timezone)
		ten := sh.ClientID
		nsku := 20
		for k := 0; k < nsku; k++ {
			put("skus", ten, sh.ID, fmt.Sprintf("S%d", k), fmt.Sprintf("P%d", k/3), "sku", "c", int64(1000+k*500), int64(400+k*200),
				k < 16, nil, k < 3)
		}
		custPool := g.days*g.perDay/3 + 5
		for d := 0; d < g.days; d++ {
			day := g.start.AddDate(0, 0, d)
			n := r.IntN(2*g.perDay + 1)
			for o := 0; o < n; o++ {
				local := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, r.IntN(86400), 0, loc)
				created := local.UTC()
				status := []string{"completed", "completed", "completed", "shipped", "paid", "refunded", "closed", "pending"}[r.IntN(8)]
				var paidAt, shippedAt, paidDay any
				goods := int64(1000 + r.IntN(30000))
				disc := int64(r.IntN(3)) * 500
				if disc > goods {
					disc = 0
				}
				total := goods - disc + 800
				var paid, refund int64
				if status != "pending" && !(status == "closed" && r.IntN(2) == 0) {
					pt := created.Add(time.Duration(r.IntN(3600)) * time.Second)
					paidAt, paid = pt, total
					y, m, dd := pt.In(loc).Date()
					paidDay = time.Date(y, m, dd, 0, 0, 0, 0, time.UTC)
					if status != "paid" {
						shippedAt = pt.Add(time.Duration(1+r.IntN(60)) * time.Hour)
					}
					if status == "refunded" || status == "closed" {
						refund = paid
					} else if r.IntN(10) == 0 {
						refund = paid / 2
					}
				}
				no := fmt.Sprintf("%d-%d-%d", sh.ID, d, o)
				cd := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
				cust := fmt.Sprintf("k%d", r.IntN(custPool))
				put("orders", ten, sh.ID, no, cust, status, created, paidAt, shippedAt, nil, cd, paidDay, sh.Currency,
					goods, disc, int64(800), total, paid, refund, genProvinces[r.IntN(len(genProvinces))], "c",
					genChannels[r.IntN(len(genChannels))], "camp", nil, nil, int64(1), "gen")
				lines := 1 + r.IntN(3)
				left := goods
				for l := 0; l < lines; l++ {
					amt := left / int64(lines-l)
					left -= amt
					qty := int64(1 + r.IntN(3))
					var lref, lqty int64
					if refund > 0 {
						lref = amt * refund / paid
						if refund == paid {
							lqty = qty
						}
					}
					put("order_lines", ten, sh.ID, no, l+1, fmt.Sprintf("S%d", r.IntN(nsku)), nil, "t", qty, amt/qty, amt, lref, lqty, cd, int64(1))
				}
			}
			cd := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
			for _, src := range genChannels[:3] {
				uv := int64(r.IntN(400))
				put("traffic_daily", ten, sh.ID, cd, src, uv, uv*3, uv/2, uv/10, uv/40, uv/50, int64(0), int64(0), int64(0))
			}
			imp := int64(r.IntN(5000))
			put("ad_spend", ten, sh.ID, cd, "ztc", "camp", imp, imp/30, int64(r.IntN(20000)), int64(r.IntN(5)), int64(r.IntN(60000)))
			if r.IntN(2) == 0 {
				at := time.Date(day.Year(), day.Month(), day.Day(), 10, 0, 0, 0, loc).UTC()
				var sat any
				if r.IntN(2) == 0 {
					sat = 1 + r.IntN(5)
				}
				put("cs_sessions", ten, sh.ID, fmt.Sprintf("cs%d", d), "k1", at, cd, "a", 5+r.IntN(60), r.IntN(4) > 0, sat, r.IntN(10) == 0, nil)
				put("nps_answers", ten, sh.ID, fmt.Sprintf("n%d", d), "k1", r.IntN(11), nil, at, cd)
			}
			if d%7 == 0 {
				for k := 0; k < 5; k++ {
					put("inventory_snapshots", ten, sh.ID, fmt.Sprintf("S%d", k), cd, int64(r.IntN(50)), int64(r.IntN(5)), int64(0))
				}
			}
		}
	}
	for _, t := range warehouse.Tables {
		if len(data[t.Name]) == 0 {
			continue
		}
		a, err := w.Appender(ctx, t.Name)
		if err != nil {
			tb.Fatal(err)
		}
		for _, row := range data[t.Name] {
			if err := a.AppendRow(row...); err != nil {
				tb.Fatalf("append %s: %v", t.Name, err)
			}
		}
		if err := a.Close(); err != nil {
			tb.Fatal(err)
		}
	}
	return shops
}

// genFX gives USD→CNY rates that change every day.
func genFX(g genSpec) *MemoryFX {
	fx := &MemoryFX{}
	for d := -400; d < g.days+400; d++ {
		day := daiyun.Date{Time: g.start.AddDate(0, 0, d)}
		fx.Set("USD", "CNY", day, fmt.Sprintf("7.%04d", 1000+(d*37+4000)%2000))
	}
	return fx
}
