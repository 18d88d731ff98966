package web_test

import (
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"github.com/daiyun/daiyun/catalog"
)

// The targets page: A's staff set a target through the form, A's own
// users see it read-only, another client's user can neither see nor set
// it, and a wrong value is shown next to its field.
func TestTargetsPage(t *testing.T) {
	e := newEnv(t)
	path := fmt.Sprintf("/clients/%d/targets", e.a.ID)
	resp := e.do(e.byName["specialist"], "POST", path, fmt.Sprintf("shop=%d&kpi=gmv&month=2026-11&value=25000&currency=CNY", e.shopA.ID))
	if text := readAll(resp); resp.StatusCode != 303 {
		t.Fatalf("set target: %d %s", resp.StatusCode, firstLine(text))
	}
	ts, err := e.cat.Targets(sys, e.a.ID)
	if err != nil || len(ts) != 1 || ts[0].ShopID != e.shopA.ID || ts[0].KPI != "gmv" || ts[0].Value != 25000 || ts[0].Month.String() != "2026-11-01" {
		t.Fatalf("targets after the form: %+v %v", ts, err)
	}
	// The API reads what the form wrote.
	api := decode[[]catalog.Target](t, e.do(e.byName["director"], "GET", fmt.Sprintf("/api/v1/targets?client_id=%d", e.a.ID), ""))
	if len(api) != 1 || api[0].Value != 25000 {
		t.Errorf("API targets: %+v", api)
	}

	text := readAll(e.do(e.byName["viewer_a"], "GET", path, ""))
	if !strings.Contains(text, `data-value="25000"`) || strings.Contains(text, `id="target-form"`) || strings.Contains(text, "targets/delete") {
		t.Errorf("client viewer: target shown read-only? %s", text)
	}
	resp = e.do(e.byName["viewer_a"], "POST", path, "kpi=gmv&month=2026-12&value=1")
	if readAll(resp); resp.StatusCode != 403 {
		t.Errorf("client viewer set a target: %d", resp.StatusCode)
	}

	// Another client's manager: not found, both ways, and nothing written.
	for _, method := range []string{"GET", "POST"} {
		resp := e.do(e.byName["manager_b"], method, path, "kpi=gmv&month=2026-12&value=1")
		if text := readAll(resp); resp.StatusCode != 404 || strings.Contains(text, "25000") || strings.Contains(text, "Alpha") {
			t.Errorf("%s by another client's manager: %d %s", method, resp.StatusCode, firstLine(text))
		}
	}
	// B's shop under A's client: the form says the shop is wrong.
	resp = e.do(e.byName["admin"], "POST", path, fmt.Sprintf("shop=%d&kpi=gmv&month=2026-12&value=1", e.shopB.ID))
	if text := readAll(resp); resp.StatusCode != 422 || !strings.Contains(text, `data-field="shop"`) {
		t.Errorf("another client's shop: %d %s", resp.StatusCode, text)
	}
	if ts, _ := e.cat.Targets(sys, e.a.ID); len(ts) != 1 {
		t.Errorf("targets written by refused forms: %+v", ts)
	}

	// Wrong input: the message sits next to its field and the input stays.
	resp = e.do(e.byName["director"], "POST", path, "kpi=gmv&month=2026-12&value=lots")
	text = readAll(resp)
	if resp.StatusCode != 422 || !strings.Contains(text, `data-field="value"`) || !strings.Contains(text, `value="lots"`) {
		t.Errorf("bad value: %d %s", resp.StatusCode, text)
	}
	resp = e.do(e.byName["director"], "POST", path, "kpi=no_such_kpi&month=2026-12&value=1")
	if text := readAll(resp); resp.StatusCode != 422 || !strings.Contains(text, `data-field="kpi"`) {
		t.Errorf("unknown KPI: %d %s", resp.StatusCode, text)
	}
	resp = e.do(e.byName["director"], "POST", path, "kpi=gmv&month=2026-12&value=1&currency=XXX")
	if text := readAll(resp); resp.StatusCode != 422 || !strings.Contains(text, `data-field="currency"`) {
		t.Errorf("unknown currency: %d %s", resp.StatusCode, text)
	}

	// Delete through the page.
	resp = e.do(e.byName["specialist"], "POST", path+"/delete", fmt.Sprintf("shop=%d&kpi=gmv&month=2026-11-01", e.shopA.ID))
	if readAll(resp); resp.StatusCode != 303 {
		t.Errorf("delete: %d", resp.StatusCode)
	}
	if ts, _ := e.cat.Targets(sys, e.a.ID); len(ts) != 0 {
		t.Errorf("target not deleted: %+v", ts)
	}
}

// The benchmark page edits the same table the API lists; the FX page adds
// a rate the metrics service then uses.
func TestBenchmarkAndFXPages(t *testing.T) {
	e := newEnv(t)
	resp := e.do(e.byName["expert"], "POST", "/benchmarks", "category=beauty&kpi=conversion_rate&value=0.045&currency=&source=2026+survey")
	if text := readAll(resp); resp.StatusCode != 303 {
		t.Fatalf("edit benchmark: %d %s", resp.StatusCode, firstLine(text))
	}
	bs := decode[[]catalog.Benchmark](t, e.do(e.byName["viewer_a"], "GET", "/api/v1/benchmarks", ""))
	found := false
	for _, b := range bs {
		found = found || b.Category == "beauty" && b.KPI == "conversion_rate" && b.Value == 0.045 && b.Source == "2026 survey" && b.Edited
	}
	if !found {
		t.Errorf("edited benchmark not in the API's table: %+v", bs)
	}
	text := readAll(e.do(e.byName["viewer_a"], "GET", "/benchmarks?category=beauty", ""))
	if !strings.Contains(text, `id="bm-beauty-conversion_rate"`) || !strings.Contains(text, "4.50%") || strings.Contains(text, `id="benchmark-form"`) {
		t.Errorf("benchmark page for a client viewer: %s", text)
	}
	resp = e.do(e.byName["director"], "POST", "/benchmarks", "category=beauty&kpi=aov&value=150&source=")
	if text := readAll(resp); resp.StatusCode != 422 || !strings.Contains(text, `data-field="source"`) {
		t.Errorf("benchmark without a source: %d %s", resp.StatusCode, text)
	}

	resp = e.do(e.byName["admin"], "POST", "/fx-rates", "base=USD&quote=CNY&day=2026-03-01&rate=7.05&source=probe")
	if text := readAll(resp); resp.StatusCode != 303 {
		t.Fatalf("add rate: %d %s", resp.StatusCode, firstLine(text))
	}
	if r, err := e.cat.FXRates(sys); err != nil || len(r) != 1 || r[0].Rate != "7.05" {
		t.Errorf("FX table after the form: %+v %v", r, err)
	}
	resp = e.do(e.byName["admin"], "POST", "/fx-rates", "base=USD&quote=CNY&day=2026-03-02&rate=-1")
	if text := readAll(resp); resp.StatusCode != 422 || !strings.Contains(text, `data-field="rate"`) {
		t.Errorf("negative rate: %d %s", resp.StatusCode, text)
	}
	resp = e.do(e.byName["admin"], "POST", "/fx-rates", "base=USD&quote=CNY&day=March&rate=7")
	if text := readAll(resp); resp.StatusCode != 422 || !strings.Contains(text, `data-field="day"`) {
		t.Errorf("bad day: %d %s", resp.StatusCode, text)
	}
	if text := readAll(e.do(e.byName["specialist"], "GET", "/fx-rates", "")); !strings.Contains(text, `data-pair="USD/CNY"`) || strings.Contains(text, `id="fx-form"`) {
		t.Errorf("FX page for a specialist: %s", text)
	}
}

// The workspace's export link downloads its KPIs as a formula-safe CSV;
// another client's user gets not found.
func TestWorkspaceExport(t *testing.T) {
	e := newEnv(t)
	page := readAll(e.do(e.byName["manager_a"], "GET", fmt.Sprintf("/clients/%d?from=2026-05-01&to=2026-05-02", e.a.ID), ""))
	i := strings.Index(page, `href="/clients/`+fmt.Sprint(e.a.ID)+`/export?format=csv`)
	if i < 0 {
		t.Fatalf("no export link on the workspace")
	}
	href := page[i+len(`href="`):]
	href = strings.ReplaceAll(href[:strings.IndexByte(href, '"')], "&amp;", "&")
	resp := e.do(e.byName["manager_a"], "GET", href, "")
	body := readAll(resp)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), firstLine(body))
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil || len(rows) != 3 || rows[0][0] != "period" || rows[1][0] != "2026-05-01" || !strings.Contains(strings.Join(rows[0], ","), "visitors") {
		t.Fatalf("export rows: %v %v", rows, err)
	}
	// The traffic fixture: 100 visitors on 05-01.
	col := -1
	for j, h := range rows[0] {
		if h == "visitors" {
			col = j
		}
	}
	if rows[1][col] != "100" {
		t.Errorf("visitors on 05-01: %q", rows[1][col])
	}
	resp = e.do(e.byName["manager_b"], "GET", href, "")
	if text := readAll(resp); resp.StatusCode != 404 || strings.Contains(text, "visitors") {
		t.Errorf("another client's export: %d %s", resp.StatusCode, firstLine(text))
	}
}
