package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/source/sourcetest"
	"github.com/daiyun/daiyun/warehouse/duckdb"
)

// TestAnalysesWarehouseDoor runs analyses on a client's warehouse data from
// the CLI and checks they print the fixture's figures as the API does.
func TestAnalysesWarehouseDoor(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"DAIYUN_DATA": data}
	var c daiyun.Client
	json.Unmarshal([]byte(mustRun(t, env, "client", "add", "--name", "示例美妆", "--format", "json")), &c)
	var sh daiyun.Shop
	json.Unmarshal([]byte(mustRun(t, env, "shop", "add", "--client", "示例美妆", "--name", "旗舰店", "--platform", "tmall", "--category", "beauty",
		"--currency", "CNY", "--timezone", "Asia/Shanghai", "--format", "json")), &sh)
	mustRun(t, env, "migrate")
	wh, err := duckdb.Open(filepath.Join(data, "warehouse.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := daiyun.WithActor(context.Background(), daiyun.SystemActor)
	if err := wh.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sourcetest.Seed(ctx, wh, c.ID, sh.ID); err != nil {
		t.Fatal(err)
	}
	wh.Close()

	scope := []string{"--client", "示例美妆", "--shop", "旗舰店", "--from", sourcetest.From, "--to", sourcetest.To}
	out := mustRun(t, env, append([]string{"analyze", "funnel", "--format", "json"}, scope...)...)
	var res struct {
		Kind     string `json:"kind"`
		ClientID int64  `json:"client_id"`
		Result   struct {
			Steps []struct {
				Count int `json:"count"`
			} `json:"steps"`
			Weakest struct {
				To string `json:"to"`
			} `json:"weakest_step"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("funnel printed %q: %v", out, err)
	}
	if res.Kind != "funnel" || res.ClientID != c.ID || len(res.Result.Steps) != 5 || res.Result.Steps[0].Count != sourcetest.Visitors || res.Result.Weakest.To != "order" {
		t.Errorf("funnel: %+v", res)
	}

	// The file door's flags carry over: --steps narrows the funnel.
	out = mustRun(t, env, append([]string{"analyze", "funnel", "--steps", "visit,pay", "--format", "csv"}, scope...)...)
	if !strings.HasPrefix(out, "step,name,count,") || !strings.Contains(out, "1,pay,2,0.4,") {
		t.Errorf("funnel csv: %q", out)
	}
	// --table picks a result table; the ROI floor comes from --options.
	out = mustRun(t, env, append([]string{"analyze", "attribution", "--table", "roi", "--format", "csv", "--options", `{"kol_roi_floor":1.2}`}, scope...)...)
	if !strings.Contains(out, "kol,K2,1000,1000,true,1,1.2,true") {
		t.Errorf("attribution roi csv: %q", out)
	}
	out = mustRun(t, env, append([]string{"analyze", "cohort", "--format", "json"}, scope...)...)
	if !strings.Contains(out, `"input_rows": 3`) && !strings.Contains(out, `"input_rows":3`) {
		t.Errorf("cohort: %s", out)
	}
	// --by-shop: every shop of the client on its own, the same cohort
	// figures as the one-shop run.
	out = mustRun(t, env, "analyze", "cohort", "--by-shop", "--client", "示例美妆", "--from", sourcetest.From, "--to", sourcetest.To, "--format", "json")
	var byShop struct {
		Kind  string `json:"kind"`
		Shops []struct {
			ShopID    int64 `json:"shop_id"`
			InputRows int   `json:"input_rows"`
		} `json:"shops"`
	}
	if err := json.Unmarshal([]byte(out), &byShop); err != nil || byShop.Kind != "cohort" || len(byShop.Shops) != 1 || byShop.Shops[0].ShopID != sh.ID || byShop.Shops[0].InputRows != 3 {
		t.Errorf("cohort --by-shop: %v %s", err, out)
	}
	out = mustRun(t, env, "analyze", "rfm", "--by-shop", "--from", sourcetest.From, "--to", sourcetest.To, "--format", "csv")
	if !strings.HasPrefix(out, "shop_id,shop,currency,segment,customers,share,revenue,vips\n") || !strings.Contains(out, "旗舰店") {
		t.Errorf("rfm --by-shop csv: %q", out)
	}

	for _, bad := range [][]string{
		{"analyze", "funnel", "--client", "示例美妆", "--from", "2026-03-01"},                             // no --to
		append([]string{"analyze", "funnel", "--tz", "UTC"}, scope...),                                // a file-door flag
		append([]string{"analyze", "rfm", "--input", "x.csv"}, scope...),                              // both doors
		{"analyze", "funnel", "--client", "nobody", "--from", sourcetest.From, "--to", sourcetest.To}, // unknown client
		append([]string{"analyze", "attribution", "--options", `{"touch":"kol"}`}, scope...),          // bad option
		append([]string{"analyze", "cohort", "--by-shop"}, scope...),                                  // --by-shop with --shop
	} {
		if _, err := run(t, env, bad...); err == nil {
			t.Errorf("daiyun %s: no error", strings.Join(bad, " "))
		}
	}
}
