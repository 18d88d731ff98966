package source_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/cohort"
	"github.com/daiyun/daiyun/analysis/source"
	"github.com/daiyun/daiyun/analysis/source/sourcetest"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/internal/pgtest"
	"github.com/daiyun/daiyun/metrics"
	"github.com/daiyun/daiyun/warehouse"
	"github.com/daiyun/daiyun/warehouse/duckdb"
	"github.com/daiyun/daiyun/warehouse/postgres"
)

var sys = daiyun.WithActor(context.Background(), daiyun.SystemActor)

type shopsAdapter struct{ cat *catalog.Store }

func (s shopsAdapter) Shops(ctx context.Context) ([]metrics.ShopInfo, error) {
	shops, err := s.cat.Shops(sys, catalog.ShopFilter{})
	out := make([]metrics.ShopInfo, len(shops))
	for i, sh := range shops {
		out[i] = metrics.ShopInfo{ID: sh.ID, ClientID: sh.ClientID, Platform: string(sh.Platform), Category: sh.Category, Currency: sh.Currency, Timezone: sh.Timezone}
	}
	return out, err
}

type fixture struct {
	l            *source.Loader
	client, shop int64
	other        int64 // another client
}

func setup(t *testing.T, wh warehouse.Warehouse) fixture {
	t.Helper()
	cat, err := catalog.Open(sys, filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	if err := cat.Migrate(sys); err != nil {
		t.Fatal(err)
	}
	if err := wh.Migrate(sys); err != nil {
		t.Fatal(err)
	}
	a, b := daiyun.Client{Name: "Alpha"}, daiyun.Client{Name: "Bravo"}
	for _, c := range []*daiyun.Client{&a, &b} {
		if err := cat.CreateClient(sys, c); err != nil {
			t.Fatal(err)
		}
	}
	sh := daiyun.Shop{ClientID: a.ID, Name: "Alpha Flagship", Platform: daiyun.PlatformTmall, Category: "beauty", Currency: "CNY", Timezone: "Asia/Shanghai"}
	if err := cat.CreateShop(sys, &sh); err != nil {
		t.Fatal(err)
	}
	if err := sourcetest.Seed(sys, wh, a.ID, sh.ID); err != nil {
		t.Fatal(err)
	}
	return fixture{l: &source.Loader{Warehouse: wh, Catalog: cat, Metrics: &metrics.Service{Warehouse: wh, Shops: shopsAdapter{cat}}},
		client: a.ID, shop: sh.ID, other: b.ID}
}

func (f fixture) req(kind string, o source.AnalysisOptions) source.Request {
	from, _ := daiyun.ParseDate(sourcetest.From)
	to, _ := daiyun.ParseDate(sourcetest.To)
	return source.Request{Kind: kind, ClientID: f.client, ShopID: f.shop, From: from, To: to, Options: o}
}

func (f fixture) run(t *testing.T, kind string, o source.AnalysisOptions) *source.Analysis {
	t.Helper()
	res, err := f.l.Run(sys, f.req(kind, o))
	if err != nil {
		t.Fatalf("%s: %v", kind, err)
	}
	if _, err := json.Marshal(res); err != nil {
		t.Fatalf("%s: result does not marshal: %v", kind, err)
	}
	if len(res.Tables) == 0 || len(res.Tables[0].Rows) == 0 {
		t.Fatalf("%s: no result table", kind)
	}
	return res
}

func TestLoadersDuckDB(t *testing.T) {
	wh, err := duckdb.Open(filepath.Join(t.TempDir(), "wh.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	checkFixture(t, setup(t, wh), true)
}

func TestLoadersPostgres(t *testing.T) {
	wh, err := postgres.Open(context.Background(), pgtest.New(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	checkFixture(t, setup(t, wh), false)
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func checkFixture(t *testing.T, f fixture, full bool) {
	// Funnel: counts, weakest step and the per-channel split.
	fr := f.run(t, "funnel", source.AnalysisOptions{}).Result.(source.FunnelResult)
	want := []int{5, 3, 2, 1, 1}
	for i, s := range fr.Steps {
		if s.Count != want[i] {
			t.Errorf("funnel step %s: %d persons, want %d", s.Name, s.Count, want[i])
		}
	}
	if fr.Weakest == nil || fr.Weakest.To != "order" || !near(fr.Weakest.Rate, 0.5) {
		t.Errorf("weakest step %+v, want add_to_cart → order at 0.5", fr.Weakest)
	}
	byCh := map[string][]int{"ads_ztc": {3, 2, 1, 0, 0}, "search": {3, 1, 1, 1, 1}}
	if len(fr.ByChannel) != 2 {
		t.Fatalf("by channel: %d channels, want 2", len(fr.ByChannel))
	}
	for _, c := range fr.ByChannel {
		for i, s := range c.Steps {
			if s.Count != byCh[c.Channel][i] {
				t.Errorf("funnel %s step %s: %d, want %d", c.Channel, s.Name, s.Count, byCh[c.Channel][i])
			}
		}
	}

	// Purchases: statuses counted, refunds netted, one cohort.
	cr := f.run(t, "cohort", source.AnalysisOptions{})
	if cr.InputRows != sourcetest.PurchaseCount {
		t.Errorf("cohort read %d purchases, want %d", cr.InputRows, sourcetest.PurchaseCount)
	}
	co := cr.Result.(*cohort.Result)
	if len(co.Cohorts) != 1 || co.Cohorts[0].Size != 2 || co.Cohorts[0].RepeatCustomers != 1 || !near(co.Cohorts[0].Months[0].Revenue, sourcetest.Revenue) {
		t.Errorf("cohorts %+v, want one of 2 customers, 1 repeat, revenue 300", co.Cohorts)
	}

	// Attribution: journeys, ROI per channel, campaign and KOL, floors.
	floor := 1.0
	ar := f.run(t, "attribution", source.AnalysisOptions{ROIModel: "last_touch", ROIFloor: &floor}).Result.(source.AttributionResult)
	if !near(ar.TotalConversions, 2) || !near(ar.TotalValue, 250) || !near(ar.TotalNulls, 3) {
		t.Errorf("attribution totals %v conversions, %v value, %v nulls; want 2, 250, 3", ar.TotalConversions, ar.TotalValue, ar.TotalNulls)
	}
	rois := map[string]source.ROI{}
	for _, r := range ar.ROI {
		rois[r.Kind+"/"+r.Name] = r
	}
	check := func(key string, roi float64, below bool) {
		r, ok := rois[key]
		if !ok || r.ROI == nil || math.Abs(*r.ROI-roi) > 1e-6 || r.BelowFloor != below {
			t.Errorf("ROI of %s: %+v, want %.4f (below floor %v)", key, r, roi, below)
		}
	}
	check("channel/ads_ztc", 1.5, false)
	check("campaign/C1", 3, false)
	check("kol/K1", 5000.0/1500, false)
	check("kol/K2", 1, true)
	if r := rois["channel/search"]; r.ROI != nil {
		t.Errorf("search has no spend, ROI %v", *r.ROI)
	}

	if !full {
		return
	}
	// The rest reads the same loaders; once on DuckDB is enough.
	// An order before any product view voids both of p4's attempts.
	ex := f.run(t, "funnel", source.AnalysisOptions{Exclude: []string{"order:0-1"}}).Result.(source.FunnelResult)
	if ex.Steps[0].Count != 4 || ex.Steps[1].Count != 3 {
		t.Errorf("funnel with exclusion: %+v, want 4 visitors and 3 product views", ex.Steps[:2])
	}
	f.run(t, "retention", source.AnalysisOptions{StartEvent: "visit", Period: "week", Intervals: 5})
	f.run(t, "paths", source.AnalysisOptions{})
	rr := f.run(t, "rfm", source.AnalysisOptions{})
	if len(rr.Tables) != 2 || len(rr.Tables[1].Rows) != 2 {
		t.Errorf("rfm tables %+v, want segments and 2 customers", rr.Tables)
	}
	fc := f.run(t, "forecast", source.AnalysisOptions{Horizon: 14}).Result.(source.ForecastResult)
	sum := 0.0
	for _, h := range fc.History {
		sum += h.Value
	}
	if len(fc.History) != 31 || !near(sum, sourcetest.GMV) || len(fc.Forecast) != 14 {
		t.Errorf("forecast: %d history days summing to %v, %d forecast days; want 31, %v, 14", len(fc.History), sum, len(fc.Forecast), sourcetest.GMV)
	}
	st := f.run(t, "forecast", source.AnalysisOptions{SKU: "S1", Horizon: 14}).Result.(source.ForecastResult)
	if st.Stock == nil || st.Stock.OnHand != sourcetest.OnHandS1 || st.StockDay != "2026-03-30" {
		t.Errorf("stock plan %+v on %s, want on hand %d on 2026-03-30", st.Stock, st.StockDay, sourcetest.OnHandS1)
	}
}

func TestIsolationAndBadRequests(t *testing.T) {
	wh, err := duckdb.Open(filepath.Join(t.TempDir(), "wh.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	f := setup(t, wh)
	// A user of the other client asks for this client's shop: not found.
	other := daiyun.WithActor(context.Background(), daiyun.Actor{UserID: 9, Role: daiyun.RoleClientManager, ClientID: f.other})
	if _, err := f.l.Run(other, f.req("funnel", source.AnalysisOptions{})); daiyun.ErrorCode(err) != daiyun.ENOTFOUND {
		t.Errorf("another client's user: %v, want not found", err)
	}
	// The shop must belong to the client asked for.
	r := f.req("funnel", source.AnalysisOptions{})
	r.ClientID = f.other
	if _, err := f.l.Run(sys, r); daiyun.ErrorCode(err) != daiyun.ENOTFOUND {
		t.Errorf("shop of another client: %v, want not found", err)
	}
	for _, bad := range []source.Request{f.req("nonsense", source.AnalysisOptions{}), f.req("funnel", source.AnalysisOptions{Steps: []string{"visit", "refund"}}),
		f.req("attribution", source.AnalysisOptions{Touch: "kol"}), f.req("forecast", source.AnalysisOptions{Measure: "buyers"})} {
		if _, err := f.l.Run(sys, bad); daiyun.ErrorCode(err) != daiyun.EINVALID {
			t.Errorf("%s %+v: %v, want invalid", bad.Kind, bad.Options, err)
		}
	}
}

// TestCLVByAcquisitionChannel fits CLV on 300 synthetic customers (and the
// fixture's two) and
// checks lifetime value and CAC by acquisition channel.
func TestCLVByAcquisitionChannel(t *testing.T) {
	wh, err := duckdb.Open(filepath.Join(t.TempDir(), "wh.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	f := setup(t, wh)
	tenants, _ := daiyun.TenantsFor(sys, f.client)
	var rows [][]any
	for k, p := range synthPurchases() {
		ch, camp := any("search"), any(nil)
		if p.ads {
			ch, camp = "ads_ztc", "C1"
		}
		m := int64(p.amount * 100)
		day := p.at.Truncate(24 * time.Hour)
		rows = append(rows, []any{f.client, f.shop, fmt.Sprintf("S%d", k), p.c, "completed", p.at, p.at, day, day, "CNY",
			m, int64(0), int64(0), m, m, int64(0), int64(1), "test", ch, camp})
	}
	cols := []string{"tenant_id", "shop_id", "order_no", "customer_id", "status", "created_at", "paid_at", "created_day", "paid_day", "currency",
		"goods_minor", "discount_minor", "shipping_minor", "total_minor", "paid_minor", "refund_minor", "version", "source", "channel", "campaign"}
	if _, err := wh.Upsert(sys, tenants, "orders", cols, rows); err != nil {
		t.Fatal(err)
	}
	req := f.req("clv", source.AnalysisOptions{})
	req.From, _ = daiyun.ParseDate("2026-01-01")
	req.To, _ = daiyun.ParseDate("2026-06-30")
	res, err := f.l.Run(sys, req)
	if err != nil {
		t.Fatal(err)
	}
	r := res.Result.(source.CLVResult)
	n := 0
	got := map[string]source.ChannelLTV{}
	for _, c := range r.ByChannel {
		n += c.Customers
		got[c.Channel] = c
	}
	if n != len(r.Customers) || got["search"].Customers != 150 || got["ads_ztc"].Customers != 150 || got[""].Customers != 2 {
		t.Fatalf("by channel %+v for %d customers", r.ByChannel, len(r.Customers))
	}
	ads := got["ads_ztc"]
	if ads.Spend != 100 || ads.CAC == nil || !near(*ads.CAC, 100.0/150) || !near(*ads.LTVToCAC, ads.LTV/(100.0/150)) || !near(ads.LTV, ads.HistoricalLTV+ads.PredictedCLV) {
		t.Errorf("ads_ztc %+v", ads)
	}
	if got["search"].CAC != nil || got["search"].HistoricalLTV <= 0 {
		t.Errorf("search %+v: no spend, so no CAC", got["search"])
	}
	if len(res.Tables) != 3 || res.Tables[2].Name != "by_channel" || len(res.Tables[2].Rows) != 3 {
		t.Errorf("tables %v", res.TableNames)
	}
}

type synth struct {
	c      string
	at     time.Time
	amount float64
	ads    bool
}

// synthPurchases draws 300 customers' purchases in the first half of 2026
// from a fixed linear congruential stream: each buys at a rate of her own
// and may stop after any purchase, as the BG/NBD story goes.
func synthPurchases() []synth {
	x := uint64(42)
	rnd := func() float64 {
		x = x*6364136223846793005 + 1442695040888963407
		return float64(x>>11) / (1 << 53)
	}
	start := time.Date(2026, 1, 1, 4, 0, 0, 0, time.UTC)
	end := time.Date(2026, 6, 30, 4, 0, 0, 0, time.UTC)
	var out []synth
	for i := 0; i < 300; i++ {
		c := fmt.Sprintf("c%03d", i)
		at := start.Add(time.Duration(rnd()*90*24) * time.Hour)
		rate := 0.02 + 0.2*rnd()*rnd() // purchases per day
		for at.Before(end) {
			out = append(out, synth{c, at, 30 + 100*rnd(), i%2 == 1})
			if rnd() < 0.3 {
				break
			}
			at = at.Add(time.Duration(-math.Log(1-rnd())/rate*24) * time.Hour)
		}
	}
	return out
}
