package alerting_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/alerting"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/internal/pgtest"
	"github.com/daiyun/daiyun/metrics"
	"github.com/daiyun/daiyun/warehouse"
	"github.com/daiyun/daiyun/warehouse/duckdb"
	"github.com/daiyun/daiyun/warehouse/postgres"
)

// TestDetectorsOnBothEngines loads a small hand-made week into DuckDB and
// PostgreSQL and checks every detector's value by hand.
func TestDetectorsOnBothEngines(t *testing.T) {
	engines := map[string]func(t *testing.T) warehouse.Warehouse{
		"duckdb": func(t *testing.T) warehouse.Warehouse {
			w, err := duckdb.Open(filepath.Join(t.TempDir(), "w.duckdb"))
			if err != nil {
				t.Fatal(err)
			}
			return w
		},
		"postgres": func(t *testing.T) warehouse.Warehouse {
			w, err := postgres.Open(context.Background(), pgtest.New(t))
			if err != nil {
				t.Fatal(err)
			}
			return w
		},
	}
	for name, open := range engines {
		t.Run(name, func(t *testing.T) {
			wh := open(t)
			defer wh.Close()
			if err := wh.Migrate(sys); err != nil {
				t.Fatal(err)
			}
			cat, err := catalog.Open(sys, filepath.Join(t.TempDir(), "c.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer cat.Close()
			if err := cat.Migrate(sys); err != nil {
				t.Fatal(err)
			}
			c := daiyun.Client{Name: "Alpha", Package: daiyun.PackageFull}
			must(t, cat.CreateClient(sys, &c))
			sh := daiyun.Shop{ClientID: c.ID, Name: "A1", Platform: daiyun.PlatformTmall, Category: "beauty", Currency: "CNY", Timezone: "Asia/Shanghai"}
			must(t, cat.CreateShop(sys, &sh))
			start, _ := daiyun.ParseDate("2026-01-01")
			end, _ := daiyun.ParseDate("2026-12-31")
			must(t, cat.CreateContract(sys, &daiyun.Contract{ClientID: c.ID, Package: daiyun.PackageFull, Currency: "CNY", StartDate: start, EndDate: end,
				BaseFeeMinor: 3_650_000 * 100 / 12, MarketingBudget: 100}))
			tenants, err := daiyun.TenantsFor(sys, c.ID)
			must(t, err)
			day := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
			// 30 orders paid on 11-20: 6 from one device (fake ring), 3 shipped
			// after 50 h, 1 never shipped; the rest shipped after 5 h.
			var orders [][]any
			for i := range 30 {
				created := day.AddDate(0, 0, -4).Add(time.Duration(i) * time.Minute)
				dev := fmt.Sprintf("dev-%d", i)
				if i < 6 {
					dev = "ring"
				}
				var shipped any = created.Add(5 * time.Hour)
				status := "shipped"
				switch {
				case i >= 10 && i < 13:
					shipped = created.Add(50 * time.Hour)
				case i == 13:
					shipped, status = nil, "paid"
				}
				orders = append(orders, []any{c.ID, sh.ID, fmt.Sprintf("o%d", i), fmt.Sprintf("cust%d", i), status, created, created, shipped, nil,
					created, created, "CNY", int64(1000), int64(0), int64(0), int64(1000), int64(1000), int64(0), dev, int64(1), "test"})
			}
			_, err = wh.Upsert(sys, tenants, "orders", []string{"tenant_id", "shop_id", "order_no", "customer_id", "status", "created_at", "paid_at", "shipped_at", "completed_at",
				"created_day", "paid_day", "currency", "goods_minor", "discount_minor", "shipping_minor", "total_minor", "paid_minor", "refund_minor", "device_hash", "version", "source"}, orders)
			must(t, err)
			// 25 CS sessions on 11-22, 5 of them answered after 45 s.
			var cs [][]any
			for i := range 25 {
				frt := int64(10)
				if i < 5 {
					frt = 45
				}
				at := day.AddDate(0, 0, -2)
				cs = append(cs, []any{c.ID, sh.ID, fmt.Sprintf("s%d", i), at, at, frt, true, false})
			}
			_, err = wh.Upsert(sys, tenants, "cs_sessions", []string{"tenant_id", "shop_id", "session_id", "started_at", "day", "first_response_s", "resolved", "complaint"}, cs)
			must(t, err)
			// Labour: 400 CNY a day for 7 November days against a base fee of
			// 3 650 000 CNY a year, i.e. 304 166.67 a month; a November day
			// earns 304 166.67 / 30 = 10 138.89 (finance.FeeRevenue), so the
			// share is 400 / 10 138.89 = 0.0394521.
			var labour [][]any
			for i := range 7 {
				labour = append(labour, []any{c.ID, day.AddDate(0, 0, -i), "ops", "daily", int64(60), int64(40000)})
			}
			_, err = wh.Upsert(sys, tenants, "labour_logs", []string{"tenant_id", "day", "staff", "activity", "minutes", "cost_minor"}, labour)
			must(t, err)

			ms := &metrics.Service{Warehouse: wh, Shops: shopsOf{cat}}
			ev := &alerting.Evaluator{Metrics: ms, Warehouse: wh, Contracts: cat}
			rule := func(det string, window int, grain string) alerting.Rule {
				return alerting.Rule{Name: det, Scope: alerting.Scope{Kind: alerting.ScopeAgency}, Grain: grain, WindowDays: window,
					Condition: alerting.Condition{Kind: alerting.CondDetector, Detector: det, Op: ">=", Value: 0}, Level: 1, Enabled: true}
			}
			asOf := daiyun.Date{Time: day}
			o, err := ev.Evaluate(sys, []alerting.Rule{rule(alerting.DetectFakeOrders, 14, "day"), rule(alerting.DetectUnshipped48h, 7, "day"),
				rule(alerting.DetectDataStale, 0, "day"), rule(alerting.DetectLabourShare, 0, "week"), rule(alerting.DetectCSSlowReplies, 7, "day")}, asOf)
			must(t, err)
			if len(o.Errors) > 0 {
				t.Fatal(o.Errors)
			}
			want := map[string]float64{alerting.DetectFakeOrders: 6, alerting.DetectUnshipped48h: 4.0 / 30, alerting.DetectDataStale: 96,
				alerting.DetectLabourShare: 400 / (3650000.0 / 12 / 30), alerting.DetectCSSlowReplies: 0.2}
			got := map[string]float64{}
			for _, f := range o.Firing {
				got[f.Rule] = f.Value
			}
			for k, v := range want {
				if g, ok := got[k]; !ok || g < v*0.999 || g > v*1.001 {
					t.Errorf("%s = %v, want %v", k, got[k], v)
				}
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
