package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/warehouse/warehousetest"
)

// sample is a testdata file and how it is imported.
type sample struct {
	file   string
	shop   func() daiyun.Shop
	format string   // expected profile
	before []string // files imported first (the order file for an items file)
	locale Locale
}

var samples = []sample{
	{file: "taobao_orders.csv", shop: shopCN, format: "taobao_orders"},
	{file: "taobao_order_items.csv", shop: shopCN, format: "taobao_order_items", before: []string{"taobao_orders.csv"}},
	{file: "taobao_orders_lines.tsv", shop: shopCN, format: "taobao_orders"},
	{file: "jd_orders.csv", shop: shopCN, format: "jd_orders"},
	{file: "douyin_orders.csv", shop: shopCN, format: "douyin_orders"},
	{file: "shopify_orders.csv", shop: shopUS, format: "shopify_orders"},
	{file: "sycm_traffic.csv", shop: shopCN, format: "sycm_traffic"},
	{file: "ztc_report.csv", shop: shopCN, format: "ztc_report"},
	{file: "wxt_report.csv", shop: shopCN, format: "wxt_report"},
	{file: "qianchuan_report.csv", shop: shopCN, format: "qianchuan_report"},
	{file: "google_ads.csv", shop: shopUS, format: "google_ads"},
	{file: "meta_ads.csv", shop: shopEU, format: "meta_ads", locale: LocaleComma},
	{file: "jst_inventory.xlsx", shop: shopCN, format: "jst_inventory"},
	{file: "cs_sessions.csv", shop: shopCN, format: "cs_sessions_export"},
	{file: "reviews.csv", shop: shopCN, format: "reviews_export"},
	{file: "canonical_orders.csv", shop: shopCN, format: "canonical_orders"},
	{file: "canonical_traffic_daily.csv", shop: shopCN, format: "canonical_traffic_daily"},
}

// golden is what a sample turns into.
type golden struct {
	Report  Report              `json:"report"`
	Rejects []Reject            `json:"rejects"`
	Tables  map[string][]string `json:"tables"`
}

func TestGolden(t *testing.T) {
	for _, s := range samples {
		t.Run(s.file, func(t *testing.T) {
			ctx := context.Background()
			wh := openDuck(t)
			sink := &MemorySink{}
			shop := s.shop()
			for _, b := range s.before {
				req := request(t, shop, b, readTestdata(t, b))
				req.ImportID = "imp_before"
				if _, err := Import(ctx, wh, sink, req); err != nil {
					t.Fatalf("import %s: %v", b, err)
				}
			}
			req := request(t, shop, s.file, readTestdata(t, s.file))
			req.Locale = s.locale
			rep, err := Import(ctx, wh, sink, req)
			if err != nil {
				t.Fatalf("import: %v (report %+v)", err, rep)
			}
			if rep.Format != s.format {
				t.Fatalf("format %q, want %q", rep.Format, s.format)
			}
			if got := rep.Inserted + rep.Updated + rep.Unchanged + rep.Quarantined + rep.Duplicates; got != rep.Read {
				t.Errorf("read %d ≠ inserted+updated+unchanged+quarantined+duplicates %d", rep.Read, got)
			}
			g := golden{Report: rep, Rejects: sink.Rejects("imp_test"), Tables: map[string][]string{}}
			tables := []string{rep.Table}
			if rep.Table == "orders" || rep.Table == "order_lines" {
				tables = []string{"orders", "order_lines", "order_status_history", "customers"}
			}
			for _, tb := range tables {
				for _, row := range warehousetest.Dump(t, wh, tenants(t, shop.ClientID), tb) {
					g.Tables[tb] = append(g.Tables[tb], strings.Join(row, " | "))
				}
			}
			checkGolden(t, filepath.Join("testdata", "golden", strings.TrimSuffix(s.file, filepath.Ext(s.file))+".json"), g)
			checkNoPersonalData(t, g)
		})
	}
}

func checkGolden(t *testing.T, path string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./ingest -run TestGolden -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update and review the diff):\n%s", path, firstDiff(string(want), string(got)))
	}
}

func firstDiff(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; i < len(al) || i < len(bl); i++ {
		var x, y string
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return "line " + itoa(i+1) + ":\n- " + x + "\n+ " + y
		}
	}
	return ""
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// checkNoPersonalData fails when a name, phone or street of the samples
// reached a warehouse row (B6).
func checkNoPersonalData(t *testing.T, g golden) {
	t.Helper()
	for table, rows := range g.Tables {
		for _, r := range rows {
			for _, bad := range []string{"张三", "李四", "138****", "文三路", "科技园", "ada@example.com", "Ada L", "1 Main St", "503 555", "tb_buyer", "花园路", "152****", "jd_user"} {
				if strings.Contains(r, bad) {
					t.Errorf("%s row holds personal data %q: %s", table, bad, r)
				}
			}
		}
	}
}
