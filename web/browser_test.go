package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/daiyun/daiyun"
)

// browser starts a real headless Chromium. make test installs Debian's
// chromium; DAIYUN_CHROMIUM names another binary, or "skip" to skip
// browser tests deliberately.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("DAIYUN_CHROMIUM")
	if path == "skip" {
		t.Skip("DAIYUN_CHROMIUM=skip: browser tests skipped")
	}
	if path == "" {
		var err error
		if path, err = exec.LookPath("chromium"); err != nil {
			t.Fatal("no chromium on PATH: run `make test` (it installs Debian's chromium) or set DAIYUN_CHROMIUM")
		}
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true), chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	// A bound on a hung browser, not a speed check: setup under -race on a
	// shared 2-core machine can take a minute.
	ctx, cancel3 := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(cancel3)
	return ctx
}

// order is a minimal orders row for fixtures.
func (e *env) orders(shop daiyun.Shop, rows ...[]any) {
	e.t.Helper()
	cols := []string{"tenant_id", "shop_id", "order_no", "customer_id", "status", "created_at", "paid_at", "created_day", "paid_day",
		"currency", "goods_minor", "discount_minor", "shipping_minor", "total_minor", "paid_minor", "refund_minor", "version", "source"}
	tenants, err := daiyun.TenantsFor(sys, shop.ClientID)
	must(e, err)
	var full [][]any
	for _, r := range rows {
		no, cust, status, day, total := r[0].(string), r[1].(string), r[2].(string), r[3].(time.Time), r[4].(int64)
		created := day.Add(4 * time.Hour) // 12:00 in Shanghai
		var paidAt, paidDay any = created, day
		paid := total
		if status == "closed" || status == "pending" {
			paidAt, paidDay, paid = nil, nil, 0
		}
		full = append(full, []any{shop.ClientID, shop.ID, no, cust, status, created, paidAt, day, paidDay, shop.Currency,
			total, int64(0), int64(0), total, paid, int64(0), int64(1), "test"})
	}
	if _, err := e.wh.Upsert(sys, tenants, "orders", cols, full); err != nil {
		e.t.Fatal(err)
	}
}

func TestBrowserOverviewShowsWarehouseGMV(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t)
	loc, _ := time.LoadLocation("Asia/Shanghai")
	y, m, d := time.Now().In(loc).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	day := func(n int) time.Time { return today.AddDate(0, 0, -n) }
	e.orders(e.shopA,
		[]any{"A1", "c1", "completed", day(1), int64(12345)},
		[]any{"A2", "c2", "paid", day(10), int64(20000)},
		[]any{"A3", "c1", "shipped", day(30), int64(9900)},
		[]any{"A4", "c3", "closed", day(5), int64(77700)},    // closed before payment: not GMV
		[]any{"A5", "c4", "completed", day(31), int64(5000)}, // before the window
		[]any{"A6", "c5", "completed", day(0), int64(4000)},  // today: not a complete day
	)
	// The warehouse's own sum for the same 30 days, written by hand.
	tenants, _ := daiyun.TenantsFor(sys, e.a.ID)
	rows, err := e.wh.Query(sys, tenants, `SELECT COALESCE(SUM(total_minor),0) FROM orders WHERE {{tenants}} AND shop_id = $1
		AND created_day BETWEEN $2 AND $3 AND NOT (status = 'closed' AND paid_at IS NULL)`, e.shopA.ID, day(30), day(1))
	if err != nil {
		t.Fatal(err)
	}
	var want int64
	rows.Next()
	rows.Scan(&want)
	rows.Close()
	if want != 12345+20000+9900 {
		t.Fatalf("fixture sum %d", want)
	}

	var heading string
	sel := chromedp.CSS(`tr.shop[data-shop-id="` + strconv.FormatInt(e.shopA.ID, 10) + `"] td.gmv`)
	err = chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=email]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), "manager_a@test.local"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), password),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitVisible(sel),
	)
	if err != nil {
		t.Fatal(err)
	}
	// One script reads both, so a re-render between two reads cannot bite.
	js := `(() => { const td = document.querySelector(` + strconv.Quote(string(sel)) + `); return td.dataset.gmvMinor + "|" + td.textContent.trim(); })()`
	both, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatal(err)
	}
	minor, text, _ := strings.Cut(both, "|")
	if minor != strconv.FormatInt(want, 10) {
		t.Fatalf("page shows GMV %q minor units, warehouse sum is %d", minor, want)
	}
	if text != "422.45 CNY" {
		t.Fatalf("GMV cell reads %q (%v), want 422.45 CNY", text, err)
	}
	// The manager of client A sees no other client's shop.
	if html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main"))); strings.Contains(html, "Bravo") || !strings.Contains(html, "Alpha Flagship") {
		t.Fatalf("overview of client A's manager: %q", html)
	}
	// Switch the language: the user's setting is English, switch to Chinese.
	if heading, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1"))); err != nil || heading != "Clients and shops" {
		t.Fatalf("English heading %q %v", heading, err)
	}
	if err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#lang-switch"))); err != nil {
		t.Fatal(err)
	}
	// Wait for the reloaded page, which says its language on <html>.
	for i := 0; i < 100; i++ {
		lang, err := chromedp.Run(ctx, chromedp.Evaluate[string]("document.documentElement.lang"))
		if err == nil && lang == "zh-CN" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if heading, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1"))); err != nil || heading != "客户与店铺" {
		t.Fatalf("Chinese heading %q %v", heading, err)
	}
}

// The workspace's GMV card shows the same figure as the metrics API for the
// same client and days, and its lineage link opens the rows behind it.
func TestBrowserWorkspaceMatchesAPI(t *testing.T) {
	ctx := browser(t)
	e := newEnv(t)
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	e.orders(e.shopA,
		[]any{"W1", "c1", "completed", day("2026-10-03"), int64(10000)},
		[]any{"W2", "c2", "paid", day("2026-10-20"), int64(25050)},
		[]any{"W3", "c3", "closed", day("2026-10-21"), int64(99900)},
	)
	resp := e.do(e.byName["manager_a"], "POST", "/api/v1/metrics/query",
		fmt.Sprintf(`{"kpis":["gmv"],"from":"2026-10-01","to":"2026-10-31","filters":{"client_ids":[%d]}}`, e.a.ID))
	var res struct {
		Rows []struct {
			Values map[string]struct{ Value *float64 } `json:"values"`
		} `json:"rows"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil || len(res.Rows) != 1 || res.Rows[0].Values["gmv"].Value == nil {
		t.Fatalf("API: %+v %v", res, err)
	}
	api := *res.Rows[0].Values["gmv"].Value
	if api != 350.50 {
		t.Fatalf("API GMV %v, want 350.50 (the closed-unpaid order excluded)", api)
	}
	card := chromedp.CSS(`a.card[data-kpi="gmv"]`)
	err := chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`input[name=email]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), "manager_a@test.local"),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), password),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		// The header's nav exists only once logged in; the login page has an
		// h1 too, and navigating before its redirect lands aborts it.
		chromedp.WaitVisible(chromedp.CSS(`header nav`)),
		chromedp.Navigate(fmt.Sprintf("%s/clients/%d?from=2026-10-01&to=2026-10-31", e.srv.URL, e.a.ID)),
		chromedp.WaitVisible(card),
	)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('a.card[data-kpi="gmv"]').dataset.value`))
	if err != nil || raw != strconv.FormatFloat(api, 'f', -1, 64) {
		t.Fatalf("workspace card %q (%v), API %v", raw, err, api)
	}
	if err := chromedp.Do(ctx, chromedp.Click(card), chromedp.WaitVisible(chromedp.CSS(`#lineage-value`))); err != nil {
		t.Fatal(err)
	}
	html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("main")))
	if !strings.Contains(html, "W1") || !strings.Contains(html, "W2") || strings.Contains(html, "W3") {
		t.Fatalf("lineage rows: %s", html)
	}
}
