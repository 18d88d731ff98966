package metrics

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/daiyun/daiyun"
)

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

// find returns the row with the period and dimension values.
func find(t *testing.T, res *Result, period string, dims map[string]string) Row {
	t.Helper()
next:
	for _, r := range res.Rows {
		if r.Period != period {
			continue
		}
		for k, v := range dims {
			if r.Dims[k] != v {
				continue next
			}
		}
		return r
	}
	t.Fatalf("no row %q %v in %+v", period, dims, res.Rows)
	return Row{}
}

func query(t *testing.T, s *Service, ctx context.Context, req Request) *Result {
	t.Helper()
	res, err := s.Query(ctx, req)
	if err != nil {
		t.Fatalf("query %+v: %v", req, err)
	}
	return res
}

// none marks an expected "no value".
var none = math.NaN()

func checkValue(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	switch {
	case math.IsNaN(want) && got != nil:
		t.Errorf("%s = %v, want no value", what, *got)
	case math.IsNaN(want):
	case got == nil:
		t.Errorf("%s = no value, want %v", what, want)
	case !near(*got, want):
		t.Errorf("%s = %v, want %v", what, *got, want)
	}
}

// shop11 holds every KPI of shop 11 over 2025-03-01..02, computed by hand
// from fixture_test.go.
var shop11 = map[string]float64{
	"gmv":                     380, // A1 100 + A2 200 + A5 30 (pending) + A3 50; A4 closed unpaid excluded
	"paid_amount":             350, // A1 100 + A2 200 + A3 50
	"net_sales":               250, // 350 − 50 − 50
	"orders":                  3,   // A1 A2 A3
	"units":                   4,   // 2 + 1 + 1
	"buyers":                  2,   // c1 c2
	"new_buyers":              1,   // c1 (first paid 2025-03-01 local)
	"returning_buyers":        1,   // c2 (paid in January)
	"aov":                     175, // 350 ÷ 2 buyers
	"visitors":                150, // 100 + 50 + 0
	"page_views":              400, // 300 + 100
	"conversion_rate":         4.0 / 150,
	"add_to_cart_rate":        15.0 / 150,
	"ctr":                     30.0 / 1000,
	"refund_rate":             2.0 / 3, // A2, A3
	"return_rate":             1.0 / 4,
	"repurchase_rate":         1.0 / 2, // c1 paid twice
	"ad_spend":                50,
	"roas":                    4,
	"cac":                     50, // 50 ÷ 1 new buyer
	"gross_margin":            13000.0 / 25000,
	"sell_through_rate":       2.0 / 3, // S1 S2 of S1 S2 S3
	"active_sku_ratio":        3.0 / 4,
	"core_sku_gmv_share":      15000.0 / 35000,
	"inventory_turnover_days": 76000.0 / 12000,
	"stockout_rate":           2.0 / 4,
	"slow_moving_skus":        1,  // S3
	"order_to_ship_hours":     18, // 12 h and 24 h
	"cs_first_response_s":     30, // (20 + 40) ÷ 2
	"cs_resolution_rate":      2.0 / 3,
	"csat":                    1.0 / 2,
	"nps":                     25, // (2 − 1) ÷ 4 × 100
	"complaint_rate":          1.0 / 3,
	"clv":                     100, // c1: 100 + (50 − 50)
}

func TestCatalogueComplete(t *testing.T) {
	if len(shop11) != len(Catalogue()) {
		t.Errorf("test covers %d KPIs, catalogue has %d", len(shop11), len(Catalogue()))
	}
	for _, k := range Catalogue() {
		if _, ok := shop11[k.ID]; !ok {
			t.Errorf("KPI %s has no hand-computed expectation", k.ID)
		}
		if k.NameZH == "" || k.NameEN == "" || k.Formula == "" || k.FormulaZH == "" || k.Unit == "" || k.Direction == "" || len(k.Facts) == 0 {
			t.Errorf("KPI %s is missing a field: %+v", k.ID, k)
		}
		if !k.Supports(DimShop) || !k.Supports(DimClient) || !k.Supports(DimPlatform) || !k.Supports(DimCategory) {
			t.Errorf("KPI %s does not support the catalog dimensions: %v", k.ID, k.Dimensions)
		}
	}
}

func TestEveryKPIHandComputed(t *testing.T) {
	for name, w := range engines(t) {
		t.Run(name, func(t *testing.T) {
			s := newService(t, w)
			var ids []string
			for _, k := range Catalogue() {
				ids = append(ids, k.ID)
			}
			res := query(t, s, sysCtx(), Request{KPIs: ids, From: date("2025-03-01"), To: date("2025-03-02"), Filters: Filters{ShopIDs: []int64{11}}})
			if res.Currency != "CNY" || res.Converted {
				t.Errorf("currency %s converted %v, want CNY unconverted", res.Currency, res.Converted)
			}
			if len(res.Rows) != 1 {
				t.Fatalf("%d rows, want 1", len(res.Rows))
			}
			for id, want := range shop11 {
				checkValue(t, id, res.Rows[0].Values[id].Value, want)
			}
			// Each KPI alone gives the same figure as in the batch.
			for id, want := range shop11 {
				r := query(t, s, sysCtx(), Request{KPIs: []string{id}, From: date("2025-03-01"), To: date("2025-03-02"), Filters: Filters{ShopIDs: []int64{11}}})
				checkValue(t, id+" alone", r.Rows[0].Values[id].Value, want)
			}
		})
	}
}

func TestDailyAndZeroDenominators(t *testing.T) {
	for name, w := range engines(t) {
		t.Run(name, func(t *testing.T) {
			s := newService(t, w)
			res := query(t, s, sysCtx(), Request{KPIs: []string{"gmv", "paid_amount", "conversion_rate", "ctr", "new_buyers", "returning_buyers", "buyers"},
				Grain: GrainDay, From: date("2025-03-01"), To: date("2025-03-03"), Filters: Filters{ShopIDs: []int64{11}}})
			if len(res.Rows) != 3 {
				t.Fatalf("%d rows, want 3 (dense days)", len(res.Rows))
			}
			want := map[string]map[string]float64{
				"2025-03-01": {"gmv": 330, "paid_amount": 100, "conversion_rate": 4.0 / 150, "ctr": 0.03, "new_buyers": 1, "returning_buyers": 0, "buyers": 1},
				"2025-03-02": {"gmv": 50, "paid_amount": 250, "conversion_rate": none, "ctr": none, "new_buyers": 0, "returning_buyers": 2, "buyers": 2},
				"2025-03-03": {"gmv": 0, "paid_amount": 0, "conversion_rate": none, "ctr": none, "new_buyers": 0, "returning_buyers": 0, "buyers": 0},
			}
			for per, kv := range want {
				r := find(t, res, per, nil)
				for id, v := range kv {
					checkValue(t, per+" "+id, r.Values[id].Value, v)
				}
			}
		})
	}
}

// TestTimezoneEdges: orders a few minutes either side of local midnight in a
// UTC+8 and a UTC−5 shop land on the shop's own day, not the UTC one.
func TestTimezoneEdges(t *testing.T) {
	for name, w := range engines(t) {
		t.Run(name, func(t *testing.T) {
			s := newService(t, w)
			for _, c := range []struct {
				shop      int64
				d1, d2    float64 // GMV on 03-01 and 03-02
				paid1, p2 float64
			}{
				// A2 placed 23:59 on 03-01 Shanghai (15:59 UTC), paid 00:01 on 03-02; A3 placed 00:30 on 03-02 (16:30 UTC on 03-01).
				{11, 330, 50, 100, 250},
				// B1 placed 23:30 on 03-01 New York (04:30 UTC on 03-02); B2 placed 00:30 on 03-02.
				{12, 10, 20, 10, 20},
			} {
				res := query(t, s, sysCtx(), Request{KPIs: []string{"gmv", "paid_amount"}, Grain: GrainDay, From: date("2025-03-01"), To: date("2025-03-02"),
					Filters: Filters{ShopIDs: []int64{c.shop}}})
				checkValue(t, "gmv 03-01", find(t, res, "2025-03-01", nil).Values["gmv"].Value, c.d1)
				checkValue(t, "gmv 03-02", find(t, res, "2025-03-02", nil).Values["gmv"].Value, c.d2)
				checkValue(t, "paid 03-01", find(t, res, "2025-03-01", nil).Values["paid_amount"].Value, c.paid1)
				checkValue(t, "paid 03-02", find(t, res, "2025-03-02", nil).Values["paid_amount"].Value, c.p2)
			}
		})
	}
}

func TestMultiCurrency(t *testing.T) {
	for name, w := range engines(t) {
		t.Run(name, func(t *testing.T) {
			s := newService(t, w)
			req := Request{KPIs: []string{"gmv", "aov", "buyers", "orders"}, From: date("2025-03-01"), To: date("2025-03-02"), Filters: Filters{ClientIDs: []int64{1}}}
			res := query(t, s, sysCtx(), req)
			if res.Currency != "CNY" || !res.Converted || res.FXNote == "" {
				t.Errorf("currency %s converted %v note %q", res.Currency, res.Converted, res.FXNote)
			}
			// 380 CNY + 10 USD × 7.2 (03-01) + 20 USD × 7.1 (03-02)
			checkValue(t, "gmv", res.Rows[0].Values["gmv"].Value, 594)
			// paid: 350 + 72 + 142 over 4 buyers
			checkValue(t, "aov", res.Rows[0].Values["aov"].Value, 564.0/4)
			checkValue(t, "buyers", res.Rows[0].Values["buyers"].Value, 4)
			if c := res.Rows[0].Values["gmv"].Currency; c != "CNY" {
				t.Errorf("gmv currency %s", c)
			}
			// Per shop with shop dimension: each in CNY.
			req.Dimensions = []string{DimShop}
			res = query(t, s, sysCtx(), req)
			checkValue(t, "shop 12 gmv", find(t, res, "", map[string]string{"shop": "12"}).Values["gmv"].Value, 214)
			// USD asked for the USD shop alone: no conversion.
			res = query(t, s, sysCtx(), Request{KPIs: []string{"gmv"}, From: date("2025-03-01"), To: date("2025-03-02"), Filters: Filters{ShopIDs: []int64{12}}, Currency: "USD"})
			if res.Converted {
				t.Error("USD shop in USD converted")
			}
			checkValue(t, "shop 12 usd", res.Rows[0].Values["gmv"].Value, 30)
			// A missing rate is an explicit error naming the pair and the day.
			s.FX = &MemoryFX{}
			_, err := s.Query(sysCtx(), Request{KPIs: []string{"gmv"}, From: date("2025-03-01"), To: date("2025-03-02"), Filters: Filters{ClientIDs: []int64{1}}})
			if err == nil || !strings.Contains(err.Error(), "USD") || !strings.Contains(err.Error(), "CNY") || !strings.Contains(err.Error(), "2025-03-0") {
				t.Errorf("missing rate: %v", err)
			}
			// Count KPIs need no rate.
			if _, err := s.Query(sysCtx(), Request{KPIs: []string{"orders"}, From: date("2025-03-01"), To: date("2025-03-02"), Filters: Filters{ClientIDs: []int64{1}}}); err != nil {
				t.Errorf("orders across currencies: %v", err)
			}
		})
	}
}

func TestBuyersAcrossTenants(t *testing.T) {
	for name, w := range engines(t) {
		t.Run(name, func(t *testing.T) {
			s := newService(t, w)
			res := query(t, s, sysCtx(), Request{KPIs: []string{"buyers", "orders"}, From: date("2025-03-01"), To: date("2025-03-02")})
			// c1 of client 1 and c1 of client 2 are different people.
			checkValue(t, "buyers", res.Rows[0].Values["buyers"].Value, 5)
			checkValue(t, "orders", res.Rows[0].Values["orders"].Value, 6)
		})
	}
}

func TestIsolation(t *testing.T) {
	w := openDuck(t)
	loadRows(t, w, fixtureRows())
	s := newService(t, w)
	client2 := daiyun.WithActor(context.Background(), daiyun.Actor{UserID: 9, Role: daiyun.RoleClientManager, ClientID: 2})
	for _, f := range []Filters{{ShopIDs: []int64{11}}, {ClientIDs: []int64{1}}, {ShopIDs: []int64{999}}} {
		_, err := s.Query(client2, Request{KPIs: []string{"gmv"}, From: date("2025-03-01"), To: date("2025-03-02"), Filters: f})
		if daiyun.ErrorCode(err) != daiyun.ENOTFOUND {
			t.Errorf("client 2 asking %+v: %v, want not found", f, err)
		}
		_, err = s.Explain(client2, Cell{Request: Request{KPIs: []string{"gmv"}, From: date("2025-03-01"), To: date("2025-03-02"), Filters: f}, KPI: "gmv"}, Page{})
		if daiyun.ErrorCode(err) != daiyun.ENOTFOUND {
			t.Errorf("client 2 explaining %+v: %v, want not found", f, err)
		}
	}
	// Without filters a client user sees their own client only.
	res := query(t, s, client2, Request{KPIs: []string{"gmv"}, From: date("2025-03-01"), To: date("2025-03-02"), Dimensions: []string{DimShop}})
	if len(res.Rows) != 1 || res.Rows[0].Dims["shop"] != "21" {
		t.Errorf("client 2 rows: %+v", res.Rows)
	}
	checkValue(t, "client 2 gmv", res.Rows[0].Values["gmv"].Value, 70)
	// The zero actor sees nothing.
	if _, err := s.Query(context.Background(), Request{KPIs: []string{"gmv"}, From: date("2025-03-01"), To: date("2025-03-02")}); daiyun.ErrorCode(err) != daiyun.ENOTFOUND {
		t.Errorf("no actor: %v", err)
	}
}

func TestDimensions(t *testing.T) {
	for name, w := range engines(t) {
		t.Run(name, func(t *testing.T) {
			s := newService(t, w)
			res := query(t, s, sysCtx(), Request{KPIs: []string{"paid_amount", "orders"}, Dimensions: []string{DimChannel}, From: date("2025-03-01"), To: date("2025-03-02"),
				Filters: Filters{ShopIDs: []int64{11}}})
			checkValue(t, "search", find(t, res, "", map[string]string{"channel": "search"}).Values["paid_amount"].Value, 150)
			checkValue(t, "ads", find(t, res, "", map[string]string{"channel": "ads_ztc"}).Values["paid_amount"].Value, 200)
			res = query(t, s, sysCtx(), Request{KPIs: []string{"units", "gross_margin"}, Dimensions: []string{DimSKU}, From: date("2025-03-01"), To: date("2025-03-02"),
				Filters: Filters{ShopIDs: []int64{11}}})
			checkValue(t, "S1 units", find(t, res, "", map[string]string{"sku": "S1"}).Values["units"].Value, 3)
			checkValue(t, "S2 margin", find(t, res, "", map[string]string{"sku": "S2"}).Values["gross_margin"].Value, 7000.0/15000)
			res = query(t, s, sysCtx(), Request{KPIs: []string{"orders", "buyers"}, Dimensions: []string{DimBuyerType}, From: date("2025-03-01"), To: date("2025-03-02"),
				Filters: Filters{ShopIDs: []int64{11}}})
			checkValue(t, "new orders", find(t, res, "", map[string]string{"buyer_type": "new"}).Values["orders"].Value, 1)
			checkValue(t, "returning orders", find(t, res, "", map[string]string{"buyer_type": "returning"}).Values["orders"].Value, 2)
			res = query(t, s, sysCtx(), Request{KPIs: []string{"orders"}, Dimensions: []string{DimPlatform, DimCategory}, From: date("2025-03-01"), To: date("2025-03-02")})
			checkValue(t, "jd apparel", find(t, res, "", map[string]string{"platform": "jd", "category": "apparel"}).Values["orders"].Value, 1)
			checkValue(t, "tmall beauty", find(t, res, "", map[string]string{"platform": "tmall", "category": "beauty"}).Values["orders"].Value, 3)
			// Filters on fact columns.
			res = query(t, s, sysCtx(), Request{KPIs: []string{"gmv"}, From: date("2025-03-01"), To: date("2025-03-02"), Filters: Filters{ShopIDs: []int64{11}, Provinces: []string{"上海"}}})
			checkValue(t, "上海 gmv", res.Rows[0].Values["gmv"].Value, 30)
			// A KPI that cannot be broken down that way says so.
			if _, err := s.Query(sysCtx(), Request{KPIs: []string{"visitors"}, Dimensions: []string{DimSKU}, From: date("2025-03-01"), To: date("2025-03-02")}); daiyun.ErrorCode(err) != daiyun.EINVALID {
				t.Errorf("visitors by sku: %v", err)
			}
		})
	}
}

func TestComparisons(t *testing.T) {
	for name, w := range engines(t) {
		t.Run(name, func(t *testing.T) {
			s := newService(t, w)
			tg := s.Targets.(*MemoryTargets)
			tg.Set(Target{TargetKey: TargetKey{ClientID: 1, ShopID: 11, KPI: "gmv", Month: date("2025-03-01")}, Value: 3100, Currency: "CNY"})
			tg.Set(Target{TargetKey: TargetKey{ClientID: 1, ShopID: 11, KPI: "conversion_rate", Month: date("2025-03-01")}, Value: 0.02})
			res := query(t, s, sysCtx(), Request{KPIs: []string{"gmv", "conversion_rate", "aov"}, From: date("2025-03-01"), To: date("2025-03-02"),
				Filters: Filters{ShopIDs: []int64{11}}, Comparisons: Comparisons})
			v := res.Rows[0].Values
			// Previous period 02-27..02-28: nothing placed (A1 is 03-01 local).
			prev := v["gmv"].Comparisons[ComparePrevious]
			checkValue(t, "previous gmv", prev.Baseline, 0)
			if prev.Change != nil || prev.From.String() != "2025-02-27" || prev.To.String() != "2025-02-28" {
				t.Errorf("previous: %+v", prev)
			}
			// Target: 3100 for March, pro rata 2 of 31 days = 200; attainment 380 ÷ 200.
			tgt := v["gmv"].Comparisons[CompareTarget]
			checkValue(t, "gmv target", tgt.Baseline, 200)
			checkValue(t, "gmv attainment", tgt.Ratio, 1.9)
			checkValue(t, "conversion target", v["conversion_rate"].Comparisons[CompareTarget].Baseline, 0.02)
			if b := v["conversion_rate"].Comparisons[CompareTarget].Better; b == nil || !*b {
				t.Errorf("conversion beats target: %v", b)
			}
			// Benchmark: beauty defaults.
			bm := v["aov"].Comparisons[CompareBenchmark]
			checkValue(t, "aov benchmark", bm.Baseline, 180)
			checkValue(t, "aov index", bm.Ratio, 175.0/180)
			if bm.Source == "" {
				t.Error("benchmark without source")
			}
			// Percentile: not configured here.
			if p := v["gmv"].Comparisons[ComparePercentile]; p.Percentile != nil || p.Note == "" {
				t.Errorf("percentile: %+v", p)
			}
			// Whole months compare with whole months: Feb–Mar with Dec–Jan.
			res = query(t, s, sysCtx(), Request{KPIs: []string{"gmv"}, Grain: GrainMonth, From: date("2025-02-01"), To: date("2025-03-31"),
				Filters: Filters{ShopIDs: []int64{11}}, Comparisons: []string{ComparePrevious, CompareLastYear}})
			mar := find(t, res, "2025-03-01", nil).Values["gmv"]
			checkValue(t, "march gmv", mar.Value, 380)
			checkValue(t, "march vs january", mar.Comparisons[ComparePrevious].Baseline, 80)
			checkValue(t, "march change", mar.Comparisons[ComparePrevious].Change, 3.75)
			if c := mar.Comparisons[CompareLastYear]; c.From.String() != "2024-03-01" || c.To.String() != "2024-03-31" {
				t.Errorf("last year: %+v", c)
			}
		})
	}
}

func TestPeriods(t *testing.T) {
	for _, c := range []struct{ from, to, pf, pt string }{
		{"2025-03-01", "2025-03-31", "2025-02-01", "2025-02-28"},
		{"2025-04-01", "2025-06-30", "2025-01-01", "2025-03-31"},
		{"2025-03-10", "2025-03-16", "2025-03-03", "2025-03-09"},
		{"2025-03-01", "2025-03-02", "2025-02-27", "2025-02-28"},
	} {
		f, tt := PreviousPeriod(date(c.from), date(c.to))
		if f.String() != c.pf || tt.String() != c.pt {
			t.Errorf("previous of %s..%s = %s..%s, want %s..%s", c.from, c.to, f, tt, c.pf, c.pt)
		}
	}
	f, tt := SamePeriodLastYear(date("2024-02-01"), date("2024-02-29"))
	if f.String() != "2023-02-01" || tt.String() != "2023-02-28" {
		t.Errorf("last year of Feb 2024 = %s..%s", f, tt)
	}
	// ISO weeks start on Monday: 2025-03-02 is a Sunday.
	if b := truncate(GrainWeek, day("2025-03-02")); b.Format("2006-01-02") != "2025-02-24" {
		t.Errorf("week of 2025-03-02 starts %s", b)
	}
	if b := truncate(GrainQuarter, day("2025-08-15")); b.Format("2006-01-02") != "2025-07-01" {
		t.Errorf("quarter of 2025-08-15 starts %s", b)
	}
}

func TestWeeklyGrainAgreesWithDays(t *testing.T) {
	for name, w := range engines(t) {
		t.Run(name, func(t *testing.T) {
			s := newService(t, w)
			res := query(t, s, sysCtx(), Request{KPIs: []string{"gmv"}, Grain: GrainWeek, From: date("2025-02-24"), To: date("2025-03-09"), Filters: Filters{ShopIDs: []int64{11}}})
			// Week of Mon 02-24 holds 03-01 and 03-02 (Sat, Sun).
			checkValue(t, "week 02-24", find(t, res, "2025-02-24", nil).Values["gmv"].Value, 380)
			checkValue(t, "week 03-03", find(t, res, "2025-03-03", nil).Values["gmv"].Value, 0)
		})
	}
}

func TestExplain(t *testing.T) {
	for name, w := range engines(t) {
		t.Run(name, func(t *testing.T) {
			s := newService(t, w)
			req := Request{KPIs: []string{"gmv", "refund_rate"}, Grain: GrainDay, Dimensions: []string{DimShop}, From: date("2025-03-01"), To: date("2025-03-02"),
				Filters: Filters{ClientIDs: []int64{1}}}
			ex, err := s.Explain(sysCtx(), Cell{Request: req, KPI: "refund_rate", Period: "2025-03-02", Dims: map[string]string{"shop": "11"}}, Page{Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			// 03-02 paid: A2 (refund) and A3 (refund) → 2 ÷ 2.
			checkValue(t, "refund_rate 03-02", ex.Value.Value, 1)
			if len(ex.Queries) == 0 || !strings.Contains(ex.Queries[0].SQL, "{{tenants") {
				t.Errorf("queries: %+v", ex.Queries)
			}
			if len(ex.Facts) != 2 || ex.Facts[0].Role != "numerator" || ex.Facts[1].Total != 2 || len(ex.Facts[1].Rows) != 1 {
				t.Fatalf("facts: %+v", ex.Facts)
			}
			// Paging walks the rows in a fixed order.
			ex2, err := s.Explain(sysCtx(), Cell{Request: req, KPI: "refund_rate", Period: "2025-03-02", Dims: map[string]string{"shop": "11"}}, Page{Offset: 1, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			first, second := ex.Facts[1].Rows[0][1], ex2.Facts[1].Rows[0][1]
			if first != "A2" || second != "A3" {
				t.Errorf("orders behind the cell: %v then %v", first, second)
			}
			if ex.KPI.Formula == "" {
				t.Error("no formula")
			}
		})
	}
}

func TestSQLGeneration(t *testing.T) {
	req := Request{KPIs: []string{"gmv", "buyers", "order_to_ship_hours", "repurchase_rate"}, Grain: GrainMonth, Dimensions: []string{DimPlatform},
		From: date("2025-01-01"), To: date("2025-03-31"), Filters: Filters{Channels: []string{"search' OR 1=1 --"}}}
	if err := req.validate(); err != nil {
		t.Fatal(err)
	}
	shops := []ShopInfo{{ID: 1, ClientID: 1, Platform: "tmall", Category: "beauty", Currency: "CNY"}, {ID: 2, ClientID: 2, Platform: "jd", Category: "beauty", Currency: "CNY"}}
	for _, d := range []string{"duckdb", "postgres"} {
		p, err := newPlan(req, warehouseDialect(d), systemTenants(t, 1, 2), shops, "CNY", false, rateSteps{})
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range p.queries {
			if !strings.Contains(q.SQL, "{{tenants") {
				t.Errorf("%s: %s has no tenant placeholder", d, q.src.id)
			}
			if strings.Contains(q.SQL, "OR 1=1") {
				t.Errorf("%s: filter value written into SQL", d)
			}
			if !strings.Contains(q.SQL, "CAST(date_trunc('month', CAST(") {
				t.Errorf("%s: month bucket not cast: %s", d, q.SQL)
			}
			if q.src.id == "paid_orders" && !strings.Contains(q.SQL, "CAST(f.tenant_id AS TEXT) || ':' || f.customer_id") {
				t.Errorf("%s: buyers across tenants not qualified: %s", d, q.SQL)
			}
			if q.src.id == "paid_orders" && d == "postgres" && !strings.Contains(q.SQL, "EXTRACT(EPOCH") {
				t.Errorf("postgres seconds: %s", q.SQL)
			}
			if q.Args[2] != "search' OR 1=1 --" {
				t.Errorf("%s: args %v", d, q.Args)
			}
		}
	}
}

// TestExplainEveryKPI opens every KPI of shop 11 on both engines: the
// value equals the query's, and every measure lists its fact rows.
func TestExplainEveryKPI(t *testing.T) {
	for name, w := range engines(t) {
		t.Run(name, func(t *testing.T) {
			s := newService(t, w)
			for id, want := range shop11 {
				req := Request{KPIs: []string{id}, Grain: GrainMonth, From: date("2025-03-01"), To: date("2025-03-02"), Filters: Filters{ShopIDs: []int64{11}}}
				ex, err := s.Explain(sysCtx(), Cell{Request: req, KPI: id, Period: "2025-03-01"}, Page{Limit: 3})
				if err != nil {
					t.Fatalf("%s: %v", id, err)
				}
				checkValue(t, id+" explained", ex.Value.Value, want)
				for _, f := range ex.Facts {
					if f.Total == 0 || len(f.Rows) == 0 || len(f.Rows) > 3 || len(f.Columns) == 0 || !strings.Contains(f.SQL, "{{tenants") {
						t.Errorf("%s %s facts: total %d, %d rows", id, f.Role, f.Total, len(f.Rows))
					}
				}
			}
		})
	}
}

// TestTargetsSpanMonths: a sum KPI takes each month's target pro rata, a
// ratio KPI the day-weighted mean; a client target applies to the whole
// client only.
func TestTargetsSpanMonths(t *testing.T) {
	w := openDuck(t)
	loadRows(t, w, fixtureRows())
	s := newService(t, w)
	tg := s.Targets.(*MemoryTargets)
	for _, m := range []struct {
		month string
		gmv   float64
		conv  float64
	}{{"2025-02-01", 2800, 0.01}, {"2025-03-01", 3100, 0.04}} {
		tg.Set(Target{TargetKey: TargetKey{ClientID: 2, KPI: "gmv", Month: date(m.month)}, Value: m.gmv, Currency: "CNY"})
		tg.Set(Target{TargetKey: TargetKey{ClientID: 2, KPI: "conversion_rate", Month: date(m.month)}, Value: m.conv})
	}
	res := query(t, s, sysCtx(), Request{KPIs: []string{"gmv", "conversion_rate"}, From: date("2025-02-27"), To: date("2025-03-01"),
		Filters: Filters{ClientIDs: []int64{2}}, Comparisons: []string{CompareTarget}})
	v := res.Rows[0].Values
	// 2 of 28 February days × 2800 + 1 of 31 March days × 3100 = 200 + 100.
	checkValue(t, "gmv target", v["gmv"].Comparisons[CompareTarget].Baseline, 300)
	checkValue(t, "gmv attainment", v["gmv"].Comparisons[CompareTarget].Ratio, 70.0/300)
	// (2 × 0.01 + 1 × 0.04) ÷ 3 days.
	checkValue(t, "conversion target", v["conversion_rate"].Comparisons[CompareTarget].Baseline, 0.02)
	// A month without a target leaves no target.
	res = query(t, s, sysCtx(), Request{KPIs: []string{"gmv"}, From: date("2025-03-30"), To: date("2025-04-01"),
		Filters: Filters{ClientIDs: []int64{2}}, Comparisons: []string{CompareTarget}})
	if c := res.Rows[0].Values["gmv"].Comparisons[CompareTarget]; c.Baseline != nil || c.Note == "" {
		t.Errorf("April without target: %+v", c)
	}
	// Broken down by channel, targets do not apply.
	res = query(t, s, sysCtx(), Request{KPIs: []string{"gmv"}, Dimensions: []string{DimChannel}, From: date("2025-03-01"), To: date("2025-03-01"),
		Filters: Filters{ClientIDs: []int64{2}}, Comparisons: []string{CompareTarget}})
	if c := res.Rows[0].Values["gmv"].Comparisons[CompareTarget]; c.Baseline != nil {
		t.Errorf("target by channel: %+v", c)
	}
}
