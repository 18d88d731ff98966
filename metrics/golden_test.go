package metrics

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
)

var update = flag.Bool("update", false, "rewrite the golden files from DuckDB")

func goldenRequests() map[string]Request {
	d := func(n int) daiyun.Date { return daiyun.Date{Time: propSpec.start.AddDate(0, 0, n)} }
	var all []string
	for _, k := range Catalogue() {
		all = append(all, k.ID)
	}
	return map[string]Request{
		"all_by_shop": {KPIs: all, Dimensions: []string{DimShop}, From: d(10), To: d(39), Currency: "CNY"},
		"weekly_by_client": {KPIs: []string{"gmv", "paid_amount", "net_sales", "buyers", "aov", "refund_rate", "conversion_rate", "orders"},
			Grain: GrainWeek, Dimensions: []string{DimClient}, From: d(3), To: d(45), Currency: "CNY"},
		"sku_monthly_shop1": {KPIs: []string{"units", "return_rate", "gross_margin", "inventory_turnover_days", "stockout_rate"},
			Grain: GrainMonth, Dimensions: []string{DimSKU}, From: d(0), To: d(59), Filters: Filters{ShopIDs: []int64{1}}},
		"buyers_by_channel": {KPIs: []string{"repurchase_rate", "new_buyers", "returning_buyers", "clv", "buyers"},
			Grain: GrainMonth, Dimensions: []string{DimChannel}, From: d(0), To: d(59), Filters: Filters{ClientIDs: []int64{1, 2}}},
		"service_by_platform": {KPIs: []string{"cs_first_response_s", "cs_resolution_rate", "csat", "nps", "complaint_rate", "order_to_ship_hours"},
			Grain: GrainDay, Dimensions: []string{DimPlatform}, From: d(20), To: d(29), Currency: "CNY"},
		"usd_portfolio": {KPIs: []string{"gmv", "aov", "roas", "cac", "ad_spend", "sell_through_rate"},
			Dimensions: []string{DimCategory}, From: d(0), To: d(59), Currency: "USD"},
	}
}

// TestEnginesAgreeGolden runs the same requests on DuckDB and PostgreSQL
// over the same generated data: both must equal the golden file.
func TestEnginesAgreeGolden(t *testing.T) {
	duck, pg := openDuck(t), openPG(t)
	shops := genLoad(t, duck, propSpec, 1)
	genLoad(t, pg, propSpec, 1)
	for name, req := range goldenRequests() {
		t.Run(name, func(t *testing.T) {
			var got [2][]byte
			for i, w := range []*Service{{Warehouse: duck, Shops: shops, FX: genFX(propSpec)}, {Warehouse: pg, Shops: shops, FX: genFX(propSpec)}} {
				res, err := w.Query(sysCtx(), req)
				if err != nil {
					t.Fatal(err)
				}
				out := struct {
					Currency  string `json:"currency"`
					Converted bool   `json:"converted"`
					Rows      []Row  `json:"rows"`
				}{res.Currency, res.Converted, res.Rows}
				got[i], _ = json.MarshalIndent(out, "", " ")
			}
			if !bytes.Equal(got[0], got[1]) {
				t.Errorf("DuckDB and PostgreSQL differ:\n%s", firstDiff(got[0], got[1]))
			}
			path := filepath.Join("testdata", "golden", name+".json")
			if *update {
				os.MkdirAll(filepath.Dir(path), 0o755)
				if err := os.WriteFile(path, got[0], 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./metrics -run Golden -update)", err)
			}
			if !bytes.Equal(got[0], want) {
				t.Errorf("differs from %s:\n%s", path, firstDiff(got[0], want))
			}
		})
	}
	// Lineage reaches the same rows on both engines.
	cell := Cell{Request: goldenRequests()["weekly_by_client"], KPI: "aov", Period: propSpec.start.AddDate(0, 0, 13).Format(time.DateOnly), Dims: map[string]string{"client": "2"}}
	var rows [2][]byte
	for i, w := range []*Service{{Warehouse: duck, Shops: shops, FX: genFX(propSpec)}, {Warehouse: pg, Shops: shops, FX: genFX(propSpec)}} {
		ex, err := w.Explain(sysCtx(), cell, Page{Limit: 20, Offset: 3})
		if err != nil {
			t.Fatal(err)
		}
		if ex.Value.Value == nil || len(ex.Facts) != 2 || len(ex.Facts[0].Rows) == 0 {
			t.Fatalf("explain: %+v", ex)
		}
		rows[i], _ = json.Marshal([]any{ex.Value, ex.Facts[0].Rows, ex.Facts[0].Total, ex.Facts[1].Rows, ex.Facts[1].Total})
	}
	if !bytes.Equal(rows[0], rows[1]) {
		t.Errorf("explain differs:\n%s", firstDiff(rows[0], rows[1]))
	}
}

func firstDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-200)
	return "…" + string(a[lo:min(len(a), i+200)]) + "\n---- vs ----\n…" + string(b[lo:min(len(b), i+200)])
}
