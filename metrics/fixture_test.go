package metrics

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/internal/pgtest"
	"github.com/daiyun/daiyun/warehouse"
	"github.com/daiyun/daiyun/warehouse/duckdb"
	"github.com/daiyun/daiyun/warehouse/postgres"
)

// The fixture: client 1 has a UTC+8 CNY shop (11) and a UTC−5 USD shop
// (12); client 2 has a CNY shop (21). Every expectation in metrics_test.go
// is computed by hand from these rows.
var fixtureShops = MemoryShops{
	{ID: 11, ClientID: 1, Platform: "tmall", Category: "beauty", Currency: "CNY", Timezone: "Asia/Shanghai"},
	{ID: 12, ClientID: 1, Platform: "shopify", Category: "beauty", Currency: "USD", Timezone: "America/New_York"},
	{ID: 21, ClientID: 2, Platform: "jd", Category: "apparel", Currency: "CNY", Timezone: "Asia/Shanghai"},
}

func shopOf(id int64) ShopInfo {
	for _, s := range fixtureShops {
		if s.ID == id {
			return s
		}
	}
	panic("no shop")
}

// localDay cuts a UTC time into the shop's calendar day, as ingestion does.
func localDay(shop int64, t time.Time) time.Time {
	loc, err := time.LoadLocation(shopOf(shop).Timezone)
	if err != nil {
		panic(err)
	}
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

type fxOrder struct {
	shop                   int64
	no, cust, status       string
	created, paid, shipped string
	total, paidAmt, refund int64
	channel, province      string
	lines                  []fxLine
}

type fxLine struct {
	sku            string
	qty            int64
	amount, refund int64
	refundQty      int64
}

var fixtureOrders = []fxOrder{
	// shop 11, Asia/Shanghai
	{11, "A0", "c2", "completed", "2025-01-10T02:00:00Z", "2025-01-10T02:05:00Z", "", 8000, 8000, 0, "search", "浙江",
		[]fxLine{{"S2", 1, 8000, 0, 0}}},
	{11, "A1", "c1", "completed", "2025-02-28T16:30:00Z", "2025-02-28T16:35:00Z", "2025-03-01T04:35:00Z", 10000, 10000, 0, "search", "浙江",
		[]fxLine{{"S1", 2, 10000, 0, 0}}},
	{11, "A2", "c2", "completed", "2025-03-01T15:59:00Z", "2025-03-01T16:01:00Z", "2025-03-02T16:01:00Z", 20000, 20000, 5000, "ads_ztc", "江苏",
		[]fxLine{{"S2", 1, 20000, 5000, 0}}},
	{11, "A3", "c1", "refunded", "2025-03-01T16:30:00Z", "2025-03-01T16:31:00Z", "", 5000, 5000, 5000, "search", "浙江",
		[]fxLine{{"S1", 1, 5000, 5000, 1}}},
	{11, "A4", "c3", "closed", "2025-03-01T02:00:00Z", "", "", 4000, 0, 0, "search", "上海",
		[]fxLine{{"S1", 1, 4000, 0, 0}}},
	{11, "A5", "c4", "pending", "2025-03-01T03:00:00Z", "", "", 3000, 0, 0, "search", "上海",
		[]fxLine{{"S1", 1, 3000, 0, 0}}},
	// shop 12, America/New_York (UTC−5 in March before DST)
	{12, "B1", "u1", "completed", "2025-03-02T04:30:00Z", "2025-03-02T04:32:00Z", "", 1000, 1000, 0, "organic_search", "",
		[]fxLine{{"U1", 1, 1000, 0, 0}}},
	{12, "B2", "u2", "paid", "2025-03-02T05:30:00Z", "2025-03-02T05:31:00Z", "", 2000, 2000, 0, "organic_search", "",
		[]fxLine{{"U1", 2, 2000, 0, 0}}},
	// shop 21, client 2: the same pseudonymous id as client 1's c1
	{21, "C1", "c1", "completed", "2025-03-01T06:00:00Z", "2025-03-01T06:01:00Z", "", 7000, 7000, 0, "search", "北京",
		[]fxLine{{"J1", 1, 7000, 0, 0}}},
}

func nullTime(s string) any {
	if s == "" {
		return nil
	}
	return ts(s)
}

func tenantOf(shop int64) int64 { return shopOf(shop).ClientID }

// fixtureRows returns the fixture's rows per table, in column order.
func fixtureRows() map[string][][]any {
	rows := map[string][][]any{}
	add := func(table string, v map[string]any) {
		t, _ := warehouse.TableByName(table)
		r := make([]any, len(t.Columns))
		for i, c := range t.Columns {
			r[i] = v[c.Name]
		}
		for k := range v {
			if _, ok := t.Column(k); !ok {
				panic(table + " has no " + k)
			}
		}
		rows[table] = append(rows[table], r)
	}
	for _, o := range fixtureOrders {
		var paidDay any
		if o.paid != "" {
			paidDay = localDay(o.shop, ts(o.paid))
		}
		cd := localDay(o.shop, ts(o.created))
		add("orders", map[string]any{"tenant_id": tenantOf(o.shop), "shop_id": o.shop, "order_no": o.no, "customer_id": o.cust,
			"status": o.status, "created_at": ts(o.created), "paid_at": nullTime(o.paid), "shipped_at": nullTime(o.shipped),
			"created_day": cd, "paid_day": paidDay, "currency": shopOf(o.shop).Currency,
			"goods_minor": o.total, "discount_minor": int64(0), "shipping_minor": int64(0), "total_minor": o.total,
			"paid_minor": o.paidAmt, "refund_minor": o.refund, "province": o.province, "channel": o.channel,
			"version": int64(1), "source": "test"})
		for i, l := range o.lines {
			add("order_lines", map[string]any{"tenant_id": tenantOf(o.shop), "shop_id": o.shop, "order_no": o.no, "line_no": i + 1,
				"sku_id": l.sku, "spu_id": "P" + l.sku, "quantity": l.qty, "unit_price_minor": l.amount / l.qty, "amount_minor": l.amount,
				"refund_minor": l.refund, "refund_qty": l.refundQty, "created_day": cd, "version": int64(1)})
		}
	}
	for _, s := range []struct {
		shop         int64
		sku          string
		cost         int64
		active, hero bool
	}{{11, "S1", 2000, true, true}, {11, "S2", 8000, true, false}, {11, "S3", 1000, true, false}, {11, "S4", 1000, false, false},
		{12, "U1", 300, true, true}, {21, "J1", 3000, true, false}} {
		add("skus", map[string]any{"tenant_id": tenantOf(s.shop), "shop_id": s.shop, "sku_id": s.sku, "spu_id": "P" + s.sku,
			"price_minor": int64(5000), "cost_minor": s.cost, "active": s.active, "hero": s.hero})
	}
	for _, t := range []struct {
		shop                         int64
		day, src                     string
		uv, pv, cart, pay, impr, clk int64
	}{{11, "2025-03-01", "search", 100, 300, 10, 3, 0, 0}, {11, "2025-03-01", "ads_ztc", 50, 100, 5, 1, 0, 0},
		{11, "2025-03-02", "search", 0, 0, 0, 0, 0, 0}, {12, "2025-03-01", "organic_search", 40, 80, 4, 1, 0, 0},
		{21, "2025-03-01", "search", 70, 140, 7, 1, 0, 0}} {
		add("traffic_daily", map[string]any{"tenant_id": tenantOf(t.shop), "shop_id": t.shop, "day": day(t.day), "source": t.src,
			"visitors": t.uv, "page_views": t.pv, "product_visitors": t.uv, "cart_visitors": t.cart, "order_buyers": t.pay,
			"pay_buyers": t.pay, "pay_minor": int64(0), "impressions": t.impr, "clicks": t.clk})
	}
	for _, a := range []struct {
		shop                  int64
		day                   string
		impr, clk, spend, gmv int64
	}{{11, "2025-03-01", 1000, 30, 5000, 20000}, {11, "2025-03-02", 0, 0, 0, 0}} {
		add("ad_spend", map[string]any{"tenant_id": tenantOf(a.shop), "shop_id": a.shop, "day": day(a.day), "ad_platform": "ztc",
			"campaign": "c-a", "impressions": a.impr, "clicks": a.clk, "spend_minor": a.spend, "attributed_orders": int64(1),
			"attributed_gmv_minor": a.gmv})
	}
	for _, c := range []struct {
		id, at         string
		frt, sat       any
		resolved, comp bool
	}{{"s1", "2025-03-01T02:00:00Z", 20, 5, true, false}, {"s2", "2025-03-01T03:00:00Z", 40, 2, false, true},
		{"s3", "2025-03-02T03:00:00Z", nil, nil, true, false}} {
		add("cs_sessions", map[string]any{"tenant_id": int64(1), "shop_id": int64(11), "session_id": c.id, "started_at": ts(c.at),
			"day": localDay(11, ts(c.at)), "first_response_s": c.frt, "resolved": c.resolved, "satisfaction": c.sat, "complaint": c.comp})
	}
	for i, s := range []int64{10, 9, 7, 3} {
		at := ts("2025-03-01T05:00:00Z")
		add("nps_answers", map[string]any{"tenant_id": int64(1), "shop_id": int64(11), "answer_id": string(rune('a' + i)), "score": s,
			"answered_at": at, "day": localDay(11, at)})
	}
	for _, s := range []struct {
		d, sku       string
		onHand, resv int64
	}{{"2025-03-01", "S1", 10, 0}, {"2025-03-01", "S2", 0, 0}, {"2025-03-02", "S1", 8, 8}, {"2025-03-02", "S2", 5, 0}} {
		add("inventory_snapshots", map[string]any{"tenant_id": int64(1), "shop_id": int64(11), "sku_id": s.sku, "day": day(s.d),
			"on_hand": s.onHand, "reserved": s.resv, "in_transit": int64(0)})
	}
	return rows
}

func systemTenants(t testing.TB, ids ...int64) daiyun.Tenants {
	t.Helper()
	ten, err := daiyun.TenantsFor(daiyun.WithActor(context.Background(), daiyun.SystemActor), ids...)
	if err != nil {
		t.Fatal(err)
	}
	return ten
}

func loadRows(t testing.TB, w warehouse.Warehouse, rows map[string][][]any) {
	t.Helper()
	ctx := context.Background()
	for _, tb := range warehouse.Tables {
		data := rows[tb.Name]
		if len(data) == 0 {
			continue
		}
		byTenant := map[int64][][]any{}
		for _, r := range data {
			byTenant[r[0].(int64)] = append(byTenant[r[0].(int64)], r)
		}
		for id, rs := range byTenant {
			if _, err := w.Upsert(ctx, systemTenants(t, id), tb.Name, tb.ColumnNames(), rs); err != nil {
				t.Fatalf("load %s: %v", tb.Name, err)
			}
		}
	}
}

func openDuck(t testing.TB) warehouse.Warehouse {
	t.Helper()
	w, err := duckdb.Open(filepath.Join(t.TempDir(), "w.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	if err := w.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return w
}

func openPG(t testing.TB) warehouse.Warehouse {
	t.Helper()
	w, err := postgres.Open(context.Background(), pgtest.New(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	if err := w.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return w
}

// engines returns the fixture loaded into each real engine.
func engines(t *testing.T) map[string]warehouse.Warehouse {
	t.Helper()
	out := map[string]warehouse.Warehouse{"duckdb": openDuck(t), "postgres": openPG(t)}
	for _, w := range out {
		loadRows(t, w, fixtureRows())
	}
	return out
}

func fixtureFX(t testing.TB) *MemoryFX {
	fx := &MemoryFX{}
	for _, r := range []struct{ day, rate string }{{"2025-01-01", "7.2"}, {"2025-03-02", "7.1"}} {
		d, _ := daiyun.ParseDate(r.day)
		if err := fx.Set("USD", "CNY", d, r.rate); err != nil {
			t.Fatal(err)
		}
	}
	return fx
}

func newService(t testing.TB, w warehouse.Warehouse) *Service {
	return &Service{Warehouse: w, Shops: fixtureShops, FX: fixtureFX(t), Benchmarks: NewMemoryBenchmarks(DefaultBenchmarks()),
		Targets: &MemoryTargets{}}
}

func sysCtx() context.Context { return daiyun.WithActor(context.Background(), daiyun.SystemActor) }

func date(s string) daiyun.Date {
	d, err := daiyun.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func warehouseDialect(s string) warehouse.Dialect { return warehouse.Dialect(s) }
