package web_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/daiyun/daiyun/analysis/source/sourcetest"
	"github.com/xuri/excelize/v2"
)

var seeded sync.Map // *env → true

// seedAnalyses writes the sourcetest fixture for client A's shop once per
// environment.
func (e *env) seedAnalyses() {
	if _, done := seeded.LoadOrStore(e, true); done {
		return
	}
	if err := sourcetest.Seed(sys, e.wh, e.a.ID, e.shopA.ID); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) analysisBody(opts string) string {
	if opts == "" {
		opts = "{}"
	}
	return fmt.Sprintf(`{"client_id":%d,"shop_id":%d,"from":%q,"to":%q,"options":%s}`, e.a.ID, e.shopA.ID, sourcetest.From, sourcetest.To, opts)
}

func (e *env) exportPath(kind, format, table string) string {
	q := url.Values{"client_id": {fmt.Sprint(e.a.ID)}, "shop_id": {fmt.Sprint(e.shopA.ID)}, "from": {sourcetest.From}, "to": {sourcetest.To}, "format": {format}}
	if table != "" {
		q.Set("table", table)
	}
	return "/api/v1/analyses/" + kind + "/export?" + q.Encode()
}

func TestAnalysesAPI(t *testing.T) {
	e := newEnv(t)
	e.seedAnalyses()

	// The funnel over the fixture, as the client's viewer sees it.
	resp := e.do(e.byName["viewer_a"], "POST", "/api/v1/analyses/funnel", e.analysisBody(""))
	if resp.StatusCode != 200 {
		t.Fatalf("funnel: %d %s", resp.StatusCode, readAll(resp))
	}
	var fr struct {
		Kind     string   `json:"kind"`
		Timezone string   `json:"timezone"`
		Currency string   `json:"currency"`
		Tables   []string `json:"tables"`
		Result   struct {
			Steps []struct {
				Name  string `json:"name"`
				Count int    `json:"count"`
			} `json:"steps"`
			Weakest struct {
				To string `json:"to"`
			} `json:"weakest_step"`
			ByChannel []struct {
				Channel string `json:"channel"`
			} `json:"by_channel"`
		} `json:"result"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&fr); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if fr.Kind != "funnel" || fr.Timezone != "Asia/Shanghai" || fr.Currency != "CNY" || len(fr.Result.Steps) != 5 ||
		fr.Result.Steps[0].Count != sourcetest.Visitors || fr.Result.Weakest.To != "order" || len(fr.Result.ByChannel) != 2 {
		t.Errorf("funnel answer %+v", fr)
	}
	if strings.Join(fr.Tables, ",") != "steps,by_channel" {
		t.Errorf("tables %v", fr.Tables)
	}

	// Every kind answers on the fixture.
	for _, kind := range []string{"retention", "cohort", "rfm", "clv", "attribution", "paths", "forecast"} {
		opts := ""
		if kind == "retention" {
			opts = `{"start_event":"visit","intervals":5}`
		}
		resp := e.do(e.byName["analyst"], "POST", "/api/v1/analyses/"+kind, e.analysisBody(opts))
		text := readAll(resp)
		if kind == "clv" {
			// Two customers cannot be fitted: a clear 4xx, never a NaN.
			if resp.StatusCode != 200 && resp.StatusCode != 400 && resp.StatusCode != 422 {
				t.Errorf("clv: %d %s", resp.StatusCode, firstLine(text))
			}
			if strings.Contains(text, "NaN") {
				t.Errorf("clv answer has NaN: %s", firstLine(text))
			}
			continue
		}
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d %s", kind, resp.StatusCode, firstLine(text))
		}
	}

	// Bad input names the field.
	resp = e.do(e.byName["admin"], "POST", "/api/v1/analyses/funnel", e.analysisBody(`{"steps":["visit","refund"]}`))
	if text := readAll(resp); resp.StatusCode != 422 || !strings.Contains(text, "refund") {
		t.Errorf("unknown step: %d %s", resp.StatusCode, firstLine(text))
	}

	// Another client's manager: not found, for the analysis and the export,
	// and nothing of A in the answer.
	for _, c := range []struct{ method, path, body string }{
		{"POST", "/api/v1/analyses/funnel", e.analysisBody("")},
		{"GET", e.exportPath("rfm", "csv", "customers"), ""},
		{"GET", e.exportPath("rfm", "xlsx", ""), ""},
		{"GET", fmt.Sprintf("/clients/%d/analyses", e.a.ID), ""},
	} {
		resp := e.do(e.byName["manager_b"], c.method, c.path, c.body)
		text := readAll(resp)
		if resp.StatusCode != 404 || strings.Contains(text, "Alpha") || strings.Contains(text, "p1") {
			t.Errorf("manager_b %s %s: %d %s", c.method, c.path, resp.StatusCode, firstLine(text))
		}
	}
}

func TestAnalysesExportIsSafeAndAudited(t *testing.T) {
	e := newEnv(t)
	e.seedAnalyses()
	resp := e.do(e.byName["viewer_a"], "GET", e.exportPath("rfm", "csv", "segments"), "")
	text := readAll(resp)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("csv export: %d %v %s", resp.StatusCode, resp.Header, firstLine(text))
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(text, "\ufeff"))).ReadAll()
	if err != nil || len(rows) < 2 || rows[0][0] != "segment" {
		t.Fatalf("csv: %v %q", err, rows)
	}
	customers := 0
	for _, r := range rows[1:] {
		var n int
		fmt.Sscan(r[1], &n)
		customers += n
	}
	if customers != 2 {
		t.Errorf("segments hold %d customers, want 2", customers)
	}

	// XLSX: one sheet per table.
	resp = e.do(e.byName["analyst"], "GET", e.exportPath("attribution", "xlsx", ""), "")
	body := readAll(resp)
	if resp.StatusCode != 200 {
		t.Fatalf("xlsx export: %d %s", resp.StatusCode, firstLine(body))
	}
	f, err := excelize.OpenReader(bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := strings.Join(f.GetSheetList(), ","); got != "channels,roi" {
		t.Errorf("sheets %s, want channels,roi", got)
	}

	// Unknown table: a 422 naming the tables.
	resp = e.do(e.byName["analyst"], "GET", e.exportPath("rfm", "csv", "nope"), "")
	if text := readAll(resp); resp.StatusCode != 422 || !strings.Contains(text, "segments") {
		t.Errorf("unknown table: %d %s", resp.StatusCode, firstLine(text))
	}

	// Both exports are in the audit log.
	log, err := e.cat.AuditLog(sys, 100)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, a := range log {
		if a.Action == "analysis.export" && a.ClientID == e.a.ID {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d audited exports, want 2", n)
	}
}

func TestAnalysesPageRenders(t *testing.T) {
	e := newEnv(t)
	for _, lang := range []string{"en", "zh-CN"} {
		c := e.login("viewer_a")
		e.do(c, "POST", "/lang", "lang="+lang)
		resp := e.do(c, "GET", fmt.Sprintf("/clients/%d/analyses?kind=rfm", e.a.ID), "")
		page := readAll(resp)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", lang, resp.StatusCode)
		}
		for _, want := range []string{`id="an-form"`, fmt.Sprintf(`data-client-id="%d"`, e.a.ID), `value="rfm" selected`,
			fmt.Sprintf(`<option value="%d">Alpha Flagship · CNY</option>`, e.shopA.ID), `/static/analysis.js`, `href="/analyses"`} {
			if !strings.Contains(page, want) {
				t.Errorf("%s page lacks %s", lang, want)
			}
		}
		if strings.Contains(page, "an_kind_") || strings.Contains(page, `"an_`) {
			t.Errorf("%s page shows a message id instead of its text", lang)
		}
		if strings.Contains(page, "Bravo") {
			t.Errorf("%s page shows another client", lang)
		}
	}
	resp := e.do(e.byName["viewer_a"], "GET", "/analyses", "")
	readAll(resp)
	if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || loc != fmt.Sprintf("/clients/%d/analyses", e.a.ID) {
		t.Errorf("/analyses: %d to %q", resp.StatusCode, loc)
	}
	resp = e.do(e.byName["viewer_a"], "GET", "/static/analysis.js", "")
	if js := readAll(resp); resp.StatusCode != 200 || !strings.Contains(js, "/api/v1/analyses/") {
		t.Errorf("analysis.js: %d", resp.StatusCode)
	}
}

// TestAnalysesPageInBrowser runs every kind from the page in headless
// Chromium and checks each answer is drawn and offers its exports.
func TestAnalysesPageInBrowser(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t)
	e.seedAnalyses()
	err := chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=email]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), "analyst@test.local"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), password),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		// The header's nav exists only once logged in; the login page has an
		// h1 too, and navigating before its redirect lands aborts it.
		chromedp.WaitVisible(chromedp.CSS(`header nav`)),
		chromedp.Navigate(fmt.Sprintf("%s/clients/%d/analyses", e.srv.URL, e.a.ID)),
		chromedp.WaitVisible(chromedp.CSS(`#an-form`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"funnel", "retention", "cohort", "rfm", "attribution", "paths", "forecast"} {
		opts := ""
		if kind == "retention" {
			opts = `{"start_event":"visit","intervals":5}`
		}
		set := fmt.Sprintf(`document.getElementById('an-kind').value=%q; document.getElementById('an-from').value=%q;
			document.getElementById('an-to').value=%q; document.getElementById('an-options').value=%q;
			document.getElementById('an-exports').textContent=''; true`, kind, sourcetest.From, sourcetest.To, opts)
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](set)); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#an-run`))); err != nil {
			t.Fatal(err)
		}
		links := 0
		for i := 0; i < 200 && links == 0; i++ {
			links, _ = chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#an-exports a').length`))
			time.Sleep(25 * time.Millisecond)
		}
		status, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#an-status`)))
		if links == 0 {
			t.Errorf("%s: no exports offered; status %q", kind, status)
			continue
		}
		drawn, _ := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelector('#an-chart canvas') !== null`))
		if !drawn || !strings.Contains(status, "Asia/Shanghai") {
			t.Errorf("%s: chart drawn %v, status %q", kind, drawn, status)
		}
		if kind == "funnel" {
			summary, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#an-summary`)))
			if !strings.Contains(summary, "add_to_cart → order") {
				t.Errorf("funnel summary %q does not name the weakest step", summary)
			}
		}
	}
}
