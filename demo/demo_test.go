package demo

import (
	"context"
	"flag"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/warehouse"
)

var testEnd = time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)

func generate(t testing.TB, opt Options, keep bool) (Summary, *memCatalog, *memWarehouse) {
	t.Helper()
	cat, wh := &memCatalog{}, newMemWarehouse(keep)
	sum, err := Generate(context.Background(), cat, wh, opt, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return sum, cat, wh
}

func TestGenerateIsDeterministic(t *testing.T) {
	opt := Options{Seed: 7, Shops: 9, OrderLines: 8_000, End: testEnd, Years: 1}
	s1, _, w1 := generate(t, opt, false)
	s2, _, w2 := generate(t, opt, false)
	if !equalRows(s1.Rows, s2.Rows) {
		t.Fatalf("row counts differ: %v vs %v", s1.Rows, s2.Rows)
	}
	if w1.checksum() != w2.checksum() {
		t.Fatal("same seed gave different rows")
	}
	opt.Seed = 8
	_, _, w3 := generate(t, opt, false)
	if w3.checksum() == w1.checksum() {
		t.Fatal("another seed gave the same rows")
	}
}

func equalRows(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// demoData is a generated standard agency kept in memory for the invariant
// tests; generated once.
var demoData struct {
	sum Summary
	cat *memCatalog
	wh  *memWarehouse
}

func standardDemo(t *testing.T) (Summary, *memCatalog, *memWarehouse) {
	t.Helper()
	if demoData.wh == nil {
		demoData.sum, demoData.cat, demoData.wh = generate(t, Options{Seed: 1, OrderLines: 120_000, End: testEnd}, true)
	}
	return demoData.sum, demoData.cat, demoData.wh
}

func TestStandardAgency(t *testing.T) {
	sum, cat, wh := standardDemo(t)
	if sum.Clients < 12 || sum.Shops < 30 {
		t.Fatalf("%d clients and %d shops, want at least 12 and 30", sum.Clients, sum.Shops)
	}
	platforms := map[daiyun.Platform]bool{}
	categories := map[string]bool{}
	for _, s := range cat.shops {
		platforms[s.Platform] = true
		categories[s.Category] = true
		if s.Platform == daiyun.PlatformShopify {
			if s.Currency != "USD" || !strings.HasPrefix(s.Timezone, "America/") {
				t.Errorf("Shopify shop %s in %s %s", s.Name, s.Currency, s.Timezone)
			}
		} else if s.Currency != "CNY" || s.Timezone != "Asia/Shanghai" {
			t.Errorf("shop %s in %s %s", s.Name, s.Currency, s.Timezone)
		}
	}
	for _, p := range []daiyun.Platform{"tmall", "taobao", "jd", "douyin", "pdd", "shopify"} {
		if !platforms[p] {
			t.Errorf("no %s shop", p)
		}
	}
	if len(categories) < len(daiyun.Categories) {
		t.Errorf("%d categories, want all %d", len(categories), len(daiyun.Categories))
	}
	if len(cat.contracts) != sum.Clients {
		t.Errorf("%d contracts for %d clients", len(cat.contracts), sum.Clients)
	}
	roles := map[daiyun.Role]bool{}
	for _, l := range sum.Logins {
		roles[l.Role] = true
		if cat.passwords[l.Email] != l.Password {
			t.Errorf("login %s has a password the catalog did not get", l.Email)
		}
	}
	if len(roles) != len(daiyun.Roles) {
		t.Errorf("logins cover %d roles, want %d", len(roles), len(daiyun.Roles))
	}
	// The login specialist sees some clients, not all.
	var specialist int64
	for _, u := range cat.users {
		if u.Email == email("specialist") {
			specialist = u.ID
		}
	}
	n := 0
	for _, a := range cat.assigned {
		if a.UserID == specialist {
			n++
		}
	}
	if n == 0 || n >= sum.Clients {
		t.Errorf("specialist assigned to %d of %d clients", n, sum.Clients)
	}
	for _, name := range tableNames {
		if sum.Rows[name] == 0 {
			t.Errorf("no %s rows", name)
		}
		if int64(len(wh.rows[name])) != sum.Rows[name] {
			t.Errorf("%s: summary says %d rows, %d appended", name, sum.Rows[name], len(wh.rows[name]))
		}
	}
	if got := sum.Rows["order_lines"]; got < 114_000 || got > 126_000 {
		t.Errorf("%d order lines, want about 120000", got)
	}
	t.Logf("rows: %v", sum.Rows)
}

// col indexes a table's columns by name.
func col(t *testing.T, table string) map[string]int {
	tb, ok := warehouse.TableByName(table)
	if !ok {
		t.Fatalf("no table %s", table)
	}
	m := map[string]int{}
	for i, c := range tb.Columns {
		m[c.Name] = i
	}
	return m
}

type orderKey struct {
	shop int64
	no   string
}

func TestOrdersReconcile(t *testing.T) {
	_, cat, wh := standardDemo(t)
	loc := map[int64]*time.Location{}
	for _, s := range cat.shops {
		l, _ := s.Location()
		loc[s.ID] = l
	}
	lc := col(t, "order_lines")
	type agg struct{ amount, refund int64 }
	lines := map[orderKey]agg{}
	for _, r := range wh.rows["order_lines"] {
		k := orderKey{r[lc["shop_id"]].(int64), r[lc["order_no"]].(string)}
		a := lines[k]
		a.amount += r[lc["amount_minor"]].(int64)
		a.refund += r[lc["refund_minor"]].(int64)
		lines[k] = a
	}
	hc := col(t, "order_status_history")
	lastStatus := map[orderKey]string{}
	lastAt := map[orderKey]time.Time{}
	for _, r := range wh.rows["order_status_history"] {
		k := orderKey{r[hc["shop_id"]].(int64), r[hc["order_no"]].(string)}
		at := r[hc["at"]].(time.Time)
		if !at.Before(lastAt[k]) {
			lastAt[k], lastStatus[k] = at, r[hc["status"]].(string)
		}
	}
	oc := col(t, "orders")
	statuses := map[string]int{}
	recent := map[string]int{}
	seen := map[orderKey]bool{}
	for _, r := range wh.rows["orders"] {
		k := orderKey{r[oc["shop_id"]].(int64), r[oc["order_no"]].(string)}
		if seen[k] {
			t.Fatalf("order %v twice", k)
		}
		seen[k] = true
		goods, disc, ship := r[oc["goods_minor"]].(int64), r[oc["discount_minor"]].(int64), r[oc["shipping_minor"]].(int64)
		total, paid, refund := r[oc["total_minor"]].(int64), r[oc["paid_minor"]].(int64), r[oc["refund_minor"]].(int64)
		status := r[oc["status"]].(string)
		statuses[status]++
		if lines[k].amount != goods {
			t.Fatalf("order %v: goods %d, lines sum to %d", k, goods, lines[k].amount)
		}
		if total != goods-disc+ship || disc < 0 || total <= 0 {
			t.Fatalf("order %v: total %d ≠ %d − %d + %d", k, total, goods, disc, ship)
		}
		paidAt := r[oc["paid_at"]]
		if (paidAt != nil) != (paid == total) || (paidAt == nil && paid != 0) {
			t.Fatalf("order %v: paid_at %v, paid %d of total %d", k, paidAt, paid, total)
		}
		if lines[k].refund != refund || refund > paid {
			t.Fatalf("order %v: refund %d, lines refund %d, paid %d", k, refund, lines[k].refund, paid)
		}
		if status == warehouse.StatusRefunded && refund != paid {
			t.Fatalf("refunded order %v: refund %d ≠ paid %d", k, refund, paid)
		}
		if lastStatus[k] != status {
			t.Fatalf("order %v: status %s, history ends in %s", k, status, lastStatus[k])
		}
		created := r[oc["created_at"]].(time.Time)
		if day := r[oc["created_day"]].(time.Time); !day.Equal(civil(created.In(loc[k.shop]))) {
			t.Fatalf("order %v: created_day %s for %s in %s", k, day, created, loc[k.shop])
		}
		if p, ok := paidAt.(time.Time); ok && !r[oc["paid_day"]].(time.Time).Equal(civil(p.In(loc[k.shop]))) {
			t.Fatalf("order %v: paid_day wrong", k)
		}
		if created.After(testEnd.Add(-48 * time.Hour)) {
			recent[status]++
		}
	}
	if len(seen) != len(lines) {
		t.Errorf("%d orders, lines belong to %d", len(seen), len(lines))
	}
	for _, s := range []string{"pending", "paid", "shipped", "completed", "closed", "refunded"} {
		if statuses[s] == 0 {
			t.Errorf("no %s orders: %v", s, statuses)
		}
	}
	if recent["paid"]+recent["shipped"] == 0 || recent["completed"] > recent["paid"]+recent["shipped"] {
		t.Errorf("recent orders should still be paid or shipped: %v", recent)
	}
	if statuses["completed"] < len(seen)*8/10 {
		t.Errorf("most orders should be completed: %v", statuses)
	}
	t.Logf("statuses %v, last two days %v", statuses, recent)
}

func TestTrafficFunnel(t *testing.T) {
	_, _, wh := standardDemo(t)
	c := col(t, "traffic_daily")
	for _, r := range wh.rows["traffic_daily"] {
		v := []int64{r[c["visitors"]].(int64), r[c["product_visitors"]].(int64), r[c["cart_visitors"]].(int64),
			r[c["order_buyers"]].(int64), r[c["pay_buyers"]].(int64)}
		if !slices.IsSortedFunc(v, func(a, b int64) int { return int(b - a) }) {
			t.Fatalf("funnel not narrowing: %v in %v", v, r)
		}
	}
}

// shopDays sums a fact per shop and day.
type shopDay struct {
	shop int64
	day  time.Time
}

func TestPlantedProblems(t *testing.T) {
	sum, cat, wh := standardDemo(t)
	checkPlanted(t, sum, cat, wh)
}

// checkPlanted finds each planted problem in the data, and checks that the
// shops without one do not look the same.
func checkPlanted(t *testing.T, sum Summary, cat *memCatalog, wh *memWarehouse) {
	last := sum.Last.Time
	kinds := map[string]Planted{}
	for _, p := range sum.Planted {
		kinds[p.Kind] = p
		if p.From.Before(last.AddDate(0, 0, -29)) || p.To.After(last) {
			t.Errorf("%s planted %s…%s, outside the last 30 days", p.Kind, p.From, p.To)
		}
	}
	for _, k := range []string{KindConversionDrop, KindTrafficSpike, KindFakeOrders, KindBudgetOverspend, KindSlowMovers, KindCompetitorUndercut, KindGMVDrop} {
		if _, ok := kinds[k]; !ok {
			t.Fatalf("%s not planted", k)
		}
	}
	category := map[int64]string{}
	for _, s := range cat.shops {
		category[s.ID] = s.Category
	}

	// Conversion and traffic by shop and day.
	tc := col(t, "traffic_daily")
	visitors, payers := map[shopDay]int64{}, map[shopDay]int64{}
	srcVisitors := map[shopDay]int64{}
	spike := kinds[KindTrafficSpike]
	for _, r := range wh.rows["traffic_daily"] {
		k := shopDay{r[tc["shop_id"]].(int64), r[tc["day"]].(time.Time)}
		visitors[k] += r[tc["visitors"]].(int64)
		payers[k] += r[tc["pay_buyers"]].(int64)
		if k.shop == spike.ShopID && r[tc["source"]] == spike.Source {
			srcVisitors[k] += r[tc["visitors"]].(int64)
		}
	}
	rate := func(shop int64, from, to time.Time) float64 {
		var v, p int64
		for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
			v += visitors[shopDay{shop, d}]
			p += payers[shopDay{shop, d}]
		}
		return float64(p) / float64(v)
	}
	cd := kinds[KindConversionDrop]
	bench := Benchmarks[category[cd.ShopID]]
	if got := rate(cd.ShopID, cd.From.Time, cd.To.Time); got >= bench*0.9 {
		t.Errorf("conversion in the planted week %.4f, benchmark %.4f", got, bench)
	}
	if got := rate(cd.ShopID, cd.From.AddDate(0, 0, -28), cd.From.AddDate(0, 0, -1)); got <= bench*1.05 {
		t.Errorf("conversion before the planted week %.4f, benchmark %.4f", got, bench)
	}
	for _, s := range cat.shops {
		if s.ID == cd.ShopID {
			continue
		}
		if got := rate(s.ID, last.AddDate(0, 0, -13), last); got < Benchmarks[s.Category] {
			t.Errorf("shop %s converts %.4f below its benchmark %.4f over the last two weeks", s.Name, got, Benchmarks[s.Category])
		}
	}
	var before, during float64
	for i := 1; i <= 14; i++ {
		before += float64(srcVisitors[shopDay{spike.ShopID, spike.From.AddDate(0, 0, -i)}]) / 14
	}
	for d := spike.From.Time; !d.After(spike.To.Time); d = d.AddDate(0, 0, 1) {
		during += float64(srcVisitors[shopDay{spike.ShopID, d}]) / 3
	}
	if during < 4*before {
		t.Errorf("traffic spike: %.0f visitors a day against %.0f before", during, before)
	}

	// GMV week on week: the planted shop drops more than 30%, no other shop does.
	oc := col(t, "orders")
	gmv := map[shopDay]int64{}
	for _, r := range wh.rows["orders"] {
		if r[oc["status"]] == warehouse.StatusClosed && r[oc["paid_at"]] == nil {
			continue
		}
		gmv[shopDay{r[oc["shop_id"]].(int64), r[oc["created_day"]].(time.Time)}] += r[oc["total_minor"]].(int64)
	}
	week := func(shop int64, end time.Time) (v int64) {
		for i := range 7 {
			v += gmv[shopDay{shop, end.AddDate(0, 0, -i)}]
		}
		return v
	}
	drop := kinds[KindGMVDrop]
	orders := map[shopDay]int{}
	for _, r := range wh.rows["orders"] {
		orders[shopDay{r[oc["shop_id"]].(int64), r[oc["created_day"]].(time.Time)}]++
	}
	for _, s := range cat.shops {
		n := 0
		for i := 7; i < 14; i++ {
			n += orders[shopDay{s.ID, last.AddDate(0, 0, -i)}]
		}
		if n < 40 { // too few orders for a weekly comparison to mean anything
			continue
		}
		ratio := float64(week(s.ID, last)) / float64(week(s.ID, last.AddDate(0, 0, -7)))
		if s.ID == drop.ShopID && ratio > 0.7 {
			t.Errorf("planted GMV drop: this week ÷ last week = %.2f", ratio)
		}
		if s.ID != drop.ShopID && ratio <= 0.7 {
			t.Errorf("shop %s GMV also fell: this week ÷ last week = %.2f", s.Name, ratio)
		}
	}

	// Fake orders: a few devices, many orders, buyers who never browsed.
	fake := kinds[KindFakeOrders]
	devices := map[string]int{}
	buyers := map[string]bool{}
	for _, r := range wh.rows["orders"] {
		d := r[oc["created_day"]].(time.Time)
		if r[oc["shop_id"]] == fake.ShopID && !d.Before(fake.From.Time) && !d.After(fake.To.Time) {
			devices[r[oc["device_hash"]].(string)]++
		}
	}
	ring := 0
	var ringDevices []string
	for d, n := range devices {
		if n >= 10 {
			ring += n
			ringDevices = append(ringDevices, d)
		}
	}
	if ring < 50 || ring > 150 || len(ringDevices) > 3 {
		t.Errorf("fake-order ring: %d orders on %d shared devices", ring, len(ringDevices))
	}
	for _, r := range wh.rows["orders"] {
		if r[oc["shop_id"]] == fake.ShopID && slices.Contains(ringDevices, r[oc["device_hash"]].(string)) {
			buyers[r[oc["customer_id"]].(string)] = true
		}
	}
	ec := col(t, "events")
	browsed, events := 0, 0
	for _, r := range wh.rows["events"] {
		if r[ec["shop_id"]] != fake.ShopID {
			continue
		}
		events++
		if buyers[r[ec["person_id"]].(string)] && (r[ec["event"]] == "visit" || r[ec["event"]] == "product_view") {
			browsed++
		}
	}
	if events == 0 || browsed > 0 {
		t.Errorf("fake-order shop has %d events; ring buyers browsed %d times", events, browsed)
	}

	// Budget: ad spend of the last 30 days against the contract.
	over := kinds[KindBudgetOverspend]
	ac := col(t, "ad_spend")
	spend := map[int64]int64{}
	for _, r := range wh.rows["ad_spend"] {
		if !r[ac["day"]].(time.Time).Before(last.AddDate(0, 0, -29)) {
			spend[r[ac["tenant_id"]].(int64)] += r[ac["spend_minor"]].(int64)
		}
	}
	for _, c := range cat.contracts {
		ratio := float64(spend[c.ClientID]) / float64(c.MarketingBudget)
		if c.ClientID == over.ClientID && ratio < 1.3 {
			t.Errorf("overspending client spent %.2f of budget", ratio)
		}
		if c.ClientID != over.ClientID && ratio > 1.0 {
			t.Errorf("client %d spent %.2f of budget", c.ClientID, ratio)
		}
	}

	// Labour stays under 35% of the base fee (the yellow budget colour).
	lc := col(t, "labour_logs")
	labour := map[int64]int64{}
	for _, r := range wh.rows["labour_logs"] {
		if !r[lc["day"]].(time.Time).Before(last.AddDate(0, 0, -13)) {
			labour[r[lc["tenant_id"]].(int64)] += r[lc["cost_minor"]].(int64)
		}
	}
	for _, c := range cat.contracts {
		if ratio := float64(labour[c.ClientID]) / (float64(c.BaseFeeMinor) * 14 / 30.4); ratio > 0.3 || ratio < 0.05 {
			t.Errorf("client %d: labour over two weeks is %.2f of the fee", c.ClientID, ratio)
		}
	}

	// Slow movers: on sale, no sales for 60 days, large stock on the last day.
	slow := kinds[KindSlowMovers]
	lineC := col(t, "order_lines")
	sold := map[string]bool{}
	for _, r := range wh.rows["order_lines"] {
		if r[lineC["shop_id"]] == slow.ShopID && !r[lineC["created_day"]].(time.Time).Before(last.AddDate(0, 0, -59)) {
			sold[r[lineC["sku_id"]].(string)] = true
		}
	}
	ic := col(t, "inventory_snapshots")
	found := 0
	for _, r := range wh.rows["inventory_snapshots"] {
		if r[ic["shop_id"]] == slow.ShopID && r[ic["day"]].(time.Time).Equal(last) && !sold[r[ic["sku_id"]].(string)] && r[ic["on_hand"]].(int64) >= 1000 {
			found++
		}
	}
	if found == 0 {
		t.Error("no slow-moving SKU with high stock")
	}

	// Competitor undercut of the hero SKU.
	comp := kinds[KindCompetitorUndercut]
	sc := col(t, "skus")
	type skuKey struct {
		shop int64
		sku  string
	}
	price := map[skuKey]int64{}
	for _, r := range wh.rows["skus"] {
		price[skuKey{r[sc["shop_id"]].(int64), r[sc["sku_id"]].(string)}] = r[sc["price_minor"]].(int64)
	}
	cc := col(t, "competitor_prices")
	undercut := 0
	for _, r := range wh.rows["competitor_prices"] {
		k := skuKey{r[cc["shop_id"]].(int64), r[cc["our_sku_id"]].(string)}
		ratio := float64(r[cc["price_minor"]].(int64)) / float64(price[k])
		planted := k.shop == comp.ShopID && k.sku == comp.SKU && !r[cc["day"]].(time.Time).Before(comp.From.Time)
		switch {
		case planted && ratio <= 0.85:
			undercut++
		case !planted && ratio < 0.85:
			t.Errorf("competitor of %v at %.2f of our price on %v", k, ratio, r[cc["day"]])
		}
	}
	if undercut < 7 {
		t.Errorf("competitor undercut on %d days, want 7", undercut)
	}
}

func TestOptionsRejectBadInput(t *testing.T) {
	for _, opt := range []Options{{Shops: -1}, {OrderLines: -5}, {Years: 11}} {
		if _, err := Generate(context.Background(), &memCatalog{}, newMemWarehouse(false), opt, nil); daiyun.ErrorCode(err) != daiyun.EINVALID {
			t.Errorf("%+v: got %v", opt, err)
		}
	}
}

func TestMoreShopsAddClients(t *testing.T) {
	cl := planClients(80)
	n := 0
	names := map[string]bool{}
	for _, c := range cl {
		n += len(c.shops)
		if names[c.name] {
			t.Errorf("client name %s twice", c.name)
		}
		names[c.name] = true
	}
	if n != 80 || len(cl) <= 14 {
		t.Errorf("80 shops planned as %d shops of %d clients", n, len(cl))
	}
	small := planClients(10)
	if len(small) != 10 {
		t.Errorf("10 shops should be one shop of 10 clients, got %d clients", len(small))
	}
}

var (
	benchLines = flag.Int64("demo.lines", 100_000, "order lines per BenchmarkGenerate run")
	benchShops = flag.Int("demo.shops", 0, "shops per BenchmarkGenerate run (0: the standard 37)")
)

// BenchmarkGenerate measures the generator alone, into a sink that only
// counts (go test -bench Generate -demo.shops 200 -demo.lines 5000000).
func BenchmarkGenerate(b *testing.B) {
	var lines int64
	for b.Loop() {
		wh := newMemWarehouse(false)
		wh.discard = true
		sum, err := Generate(context.Background(), &memCatalog{}, wh, Options{Seed: 1, Shops: *benchShops, OrderLines: *benchLines, End: testEnd}, io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		lines += sum.Rows["order_lines"]
	}
	b.ReportMetric(float64(lines)/b.Elapsed().Seconds(), "lines/s")
}

func TestTinyAndWideAgencies(t *testing.T) {
	for _, opt := range []Options{
		{Seed: 2, Shops: 3, OrderLines: 2_000, Years: 1, End: testEnd}, // plus the fake-order ring
		{Seed: 2, Shops: 60, OrderLines: 5_000, Years: 1, End: testEnd},
	} {
		sum, cat, _ := generate(t, opt, false)
		if sum.Shops != opt.Shops || len(cat.shops) != opt.Shops {
			t.Errorf("%d shops asked, %d made", opt.Shops, len(cat.shops))
		}
		if len(sum.Planted) != 7 {
			t.Errorf("%d shops: %d problems planted", opt.Shops, len(sum.Planted))
		}
		if got := sum.Rows["order_lines"]; got < opt.OrderLines*8/10 || got > opt.OrderLines*12/10 {
			t.Errorf("%d shops: %d order lines for a target of %d", opt.Shops, got, opt.OrderLines)
		}
	}
}
