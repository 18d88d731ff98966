// Package sourcetest writes a small, hand-checkable set of facts for one
// client and shop (March 2026, Asia/Shanghai, CNY) so the loaders, the API
// and the CLI can be tested on the same data. The expected figures are
// listed with the fixture.
package sourcetest

import (
	"context"
	"fmt"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/warehouse"
)

// From and To bound the fixture's month.
const (
	From = "2026-03-01"
	To   = "2026-03-31"
)

// Expected figures of the fixture over From..To.
//
// Funnel (visit → product_view → add_to_cart → order → pay): 5, 3, 2, 1, 1
// persons; the weakest step is add_to_cart → order (0.5). By channel:
// ads_ztc 3, 2, 1, 0, 0; search 3, 1, 1, 1, 1. p5's visit at 20:00 UTC on
// Feb 28 is March 1 in Shanghai (inside); p6's at 17:00 UTC on March 31
// is April 1 (outside).
//
// Purchases (paid, shipped, completed, refunding; net of refunds): O1 p1
// 100, O2 p4 150 (200 paid, 50 refunded), O3 p1 50. One cohort (2026-03)
// of 2 customers, 1 repeat customer, revenue 300.
//
// Attribution (touch = source): journeys [search] → 100, [ads_ztc] null
// ×2, [search, ads_ztc] → 150, [search] null. Campaign C1 (ads_ztc) spent
// 100 and reports 300; last-touch ROI of ads_ztc 1.5. KOL K1 costs 1000 +
// 10% of 5000 = 1500 for 5000 (ROI 3.33); KOL K2 costs 1000 for 1000 (ROI
// 1, under the 1.1 floor).
//
// GMV (orders placed, not closed): 100 + 200 + 50 + 80 (refunded) + 60
// (pending) = 490. SKU S1: 4 units paid in March; 40 on hand on March 30.
const (
	Visitors      = 5
	GMV           = 490.0
	PurchaseCount = 3
	Revenue       = 300.0
	OnHandS1      = 40
)

func ts(s string) time.Time {
	t, err := time.Parse(time.DateTime, s)
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

// Seed writes the fixture for client and shop through Upsert.
func Seed(ctx context.Context, wh warehouse.Warehouse, client, shop int64) error {
	ctx = daiyun.WithActor(ctx, daiyun.SystemActor)
	tenants, err := daiyun.TenantsFor(ctx, client)
	if err != nil {
		return err
	}
	put := func(table string, cols []string, rows [][]any) error {
		for i := range rows {
			rows[i] = append([]any{client, shop}, rows[i]...)
		}
		_, err := wh.Upsert(ctx, tenants, table, append([]string{"tenant_id", "shop_id"}, cols...), rows)
		if err != nil {
			return fmt.Errorf("sourcetest: %s: %w", table, err)
		}
		return nil
	}
	n := 0
	ev := func(person, event, at, source, campaign, order string) []any {
		n++
		var c, o any
		if campaign != "" {
			c = campaign
		}
		if order != "" {
			o = order
		}
		return []any{fmt.Sprintf("ev%03d", n), person, event, ts(at), source, c, o}
	}
	events := [][]any{
		ev("p1", "visit", "2026-03-02 10:00:00", "search", "", ""),
		ev("p1", "product_view", "2026-03-02 10:01:00", "search", "", ""),
		ev("p1", "add_to_cart", "2026-03-02 10:02:00", "search", "", ""),
		ev("p1", "order", "2026-03-02 10:05:00", "search", "", "O1"),
		ev("p1", "pay", "2026-03-02 10:06:00", "search", "", "O1"),
		ev("p2", "visit", "2026-03-03 02:00:00", "ads_ztc", "C1", ""),
		ev("p2", "product_view", "2026-03-03 02:01:00", "ads_ztc", "C1", ""),
		ev("p2", "add_to_cart", "2026-03-03 02:02:00", "ads_ztc", "C1", ""),
		ev("p3", "visit", "2026-03-04 03:00:00", "ads_ztc", "C1", ""),
		ev("p3", "product_view", "2026-03-04 03:01:00", "ads_ztc", "C1", ""),
		ev("p4", "visit", "2026-03-05 04:00:00", "search", "", ""),
		ev("p4", "visit", "2026-03-06 04:00:00", "ads_ztc", "C1", ""),
		ev("p4", "order", "2026-03-06 04:10:00", "ads_ztc", "C1", "O2"),
		ev("p4", "pay", "2026-03-06 04:11:00", "ads_ztc", "C1", "O2"),
		ev("p5", "visit", "2026-02-28 20:00:00", "search", "", ""),
		ev("p6", "visit", "2026-03-31 17:00:00", "search", "", ""),
	}
	if err := put("events", []string{"event_id", "person_id", "event", "at", "source", "campaign", "order_no"}, events); err != nil {
		return err
	}
	order := func(no, customer, status, at string, total, paid, refund int64) []any {
		t := ts(at)
		d := t.In(shanghai).Format(time.DateOnly)
		var paidAt, paidDay any
		if paid > 0 {
			paidAt, paidDay = t.Add(time.Minute), day(d)
		}
		return []any{no, customer, status, t, paidAt, day(d), paidDay, "CNY", total, int64(0), int64(0), total, paid, refund, int64(1), "test"}
	}
	orders := [][]any{
		order("O1", "p1", "completed", "2026-03-02 10:05:00", 10000, 10000, 0),
		order("O2", "p4", "refunding", "2026-03-06 04:10:00", 20000, 20000, 5000),
		order("O3", "p1", "shipped", "2026-03-20 04:00:00", 5000, 5000, 0),
		order("O4", "p7", "refunded", "2026-03-21 04:00:00", 8000, 8000, 8000),
		order("O5", "p8", "pending", "2026-03-22 04:00:00", 6000, 0, 0),
		order("O6", "p9", "closed", "2026-03-23 04:00:00", 7000, 0, 0),
		order("O7", "p1", "completed", "2026-04-02 04:00:00", 9000, 9000, 0),
	}
	if err := put("orders", []string{"order_no", "customer_id", "status", "created_at", "paid_at", "created_day", "paid_day", "currency",
		"goods_minor", "discount_minor", "shipping_minor", "total_minor", "paid_minor", "refund_minor", "version", "source"}, orders); err != nil {
		return err
	}
	line := func(no string, qty int64, amount int64, d string) []any {
		return []any{no, 1, "S1", qty, amount / qty, amount, int64(0), 0, day(d), int64(1)}
	}
	lines := [][]any{line("O1", 2, 10000, "2026-03-02"), line("O3", 2, 5000, "2026-03-20")}
	if err := put("order_lines", []string{"order_no", "line_no", "sku_id", "quantity", "unit_price_minor", "amount_minor", "refund_minor", "refund_qty", "created_day", "version"}, lines); err != nil {
		return err
	}
	if err := put("ad_spend", []string{"day", "ad_platform", "campaign", "impressions", "clicks", "spend_minor", "attributed_orders", "attributed_gmv_minor"},
		[][]any{{day("2026-03-03"), "ztc", "C1", int64(1000), int64(30), int64(10000), int64(1), int64(30000)}}); err != nil {
		return err
	}
	if err := put("kol_deals", []string{"deal_id", "kol", "kol_platform", "live_day", "fee_minor", "commission_bp", "orders", "gmv_minor"},
		[][]any{{"d1", "K1", "taobao_live", day("2026-03-10"), int64(100000), int64(1000), int64(10), int64(500000)},
			{"d2", "K2", "taobao_live", day("2026-03-12"), int64(100000), int64(0), int64(2), int64(100000)}}); err != nil {
		return err
	}
	return put("inventory_snapshots", []string{"sku_id", "day", "on_hand", "reserved", "in_transit"},
		[][]any{{"S1", day("2026-03-29"), int64(44), int64(0), int64(0)}, {"S1", day("2026-03-30"), int64(OnHandS1), int64(0), int64(0)}})
}

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()
