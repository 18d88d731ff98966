package ingest

import (
	"context"
	"github.com/daiyun/daiyun"
	"testing"
	"time"
)

func TestHealth(t *testing.T) {
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			ctx := context.Background()
			wh := e.open(t)
			for _, f := range []string{"taobao_orders.csv", "taobao_order_items.csv", "sycm_traffic.csv", "canonical_orders.csv"} {
				if _, err := Import(ctx, wh, &MemorySink{}, request(t, shopCN(), f, readTestdata(t, f))); err != nil {
					t.Fatal(err)
				}
			}
			hs, err := Health(ctx, wh, tenants(t, 7), HealthOptions{Today: time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC)})
			if err != nil {
				t.Fatal(err)
			}
			if len(hs) != 1 || hs[0].ShopID != 70 {
				t.Fatalf("health %+v", hs)
			}
			h := hs[0]
			if h.ReconciliationFailures != 1 {
				t.Errorf("reconciliation failures %d, want 1 (C-0004)", h.ReconciliationFailures)
			}
			got := map[string]SourceHealth{}
			for _, s := range h.Sources {
				got[s.Source] = s
			}
			tb := got["import:taobao_orders"]
			if tb.LastDay.String() != "2024-03-08" || tb.LastAt == nil || !tb.LastAt.Equal(time.Date(2024, 3, 8, 3, 0, 0, 0, time.UTC)) {
				t.Errorf("taobao freshness %+v", tb)
			}
			if want := []string{"2024-03-06", "2024-03-07", "2024-03-09"}; !sameDays(tb.MissingDays, want) {
				t.Errorf("taobao missing %v, want %v", tb.MissingDays, want)
			}
			tr := got["traffic_daily"]
			if tr.LastDay.String() != "2024-03-02" || len(tr.MissingDays) != 7 || tr.DaysWithData != 2 {
				t.Errorf("traffic %+v", tr)
			}
			nos, err := ReconciliationFailedOrders(ctx, wh, tenants(t, 7), 7, 70, 10)
			if err != nil || len(nos) != 1 || nos[0] != "C-0004" {
				t.Errorf("failed orders %v, %v", nos, err)
			}
		})
	}
}

func sameDays(got []daiyun.Date, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i].String() != want[i] {
			return false
		}
	}
	return true
}
