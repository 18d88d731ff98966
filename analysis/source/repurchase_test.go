package source_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/cohort"
	"github.com/daiyun/daiyun/analysis/rfm"
	"github.com/daiyun/daiyun/analysis/source"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/internal/pgtest"
	"github.com/daiyun/daiyun/warehouse"
	"github.com/daiyun/daiyun/warehouse/duckdb"
	"github.com/daiyun/daiyun/warehouse/postgres"
)

// The warehouse door aggregates cohorts and RFM in SQL; these tests check
// that it gives exactly what cohort.Compute and rfm.Compute give on the
// same purchases loaded into Go, on both engines: per shop, client-wide
// over shops in one timezone and in different timezones (months and days
// then in UTC), a currency without decimals, ties of recency, frequency
// and spend, partial refunds and refunds larger than the payment, orders
// that are not purchases, the 29 February as-of day, a shop without
// orders and a client whose shops sell in different currencies.

func TestRepurchaseSQLEqualsGoDuckDB(t *testing.T) {
	wh, err := duckdb.Open(filepath.Join(t.TempDir(), "wh.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	checkRepurchase(t, wh)
}

func TestRepurchaseSQLEqualsGoPostgres(t *testing.T) {
	wh, err := postgres.Open(context.Background(), pgtest.New(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	checkRepurchase(t, wh)
}

// repShop is a shop of the repurchase fixture; orders is how many it gets.
type repShop struct {
	client   int // index into the fixture's clients
	name     string
	tz, cur  string
	orders   int
	shop     daiyun.Shop
	location *time.Location
}

func checkRepurchase(t *testing.T, wh warehouse.Warehouse) {
	cat, err := catalog.Open(sys, filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	if err := cat.Migrate(sys); err != nil {
		t.Fatal(err)
	}
	if err := wh.Migrate(sys); err != nil {
		t.Fatal(err)
	}
	clients := []*daiyun.Client{{Name: "Mixed"}, {Name: "Two zones"}, {Name: "Yen"}}
	for _, c := range clients {
		if err := cat.CreateClient(sys, c); err != nil {
			t.Fatal(err)
		}
	}
	shops := []*repShop{
		{client: 0, name: "SH one", tz: "Asia/Shanghai", cur: "CNY", orders: 600},
		{client: 0, name: "LA", tz: "America/Los_Angeles", cur: "CNY", orders: 400},
		{client: 0, name: "Dollar", tz: "Asia/Shanghai", cur: "USD", orders: 100},
		{client: 0, name: "Empty", tz: "Asia/Shanghai", cur: "CNY"},
		{client: 1, name: "SH", tz: "Asia/Shanghai", cur: "CNY", orders: 500},
		{client: 1, name: "NY", tz: "America/New_York", cur: "CNY", orders: 500},
		{client: 2, name: "Tokyo", tz: "Asia/Tokyo", cur: "JPY", orders: 300},
		{client: 2, name: "Tokyo 2", tz: "Asia/Tokyo", cur: "JPY", orders: 300},
	}
	rng := rand.New(rand.NewPCG(5, 1))
	for _, s := range shops {
		s.shop = daiyun.Shop{ClientID: clients[s.client].ID, Name: s.name, Platform: daiyun.PlatformTmall, Category: "beauty", Currency: s.cur, Timezone: s.tz}
		if err := cat.CreateShop(sys, &s.shop); err != nil {
			t.Fatal(err)
		}
		if s.location, err = time.LoadLocation(s.tz); err != nil {
			t.Fatal(err)
		}
		if err := seedRepurchase(wh, s, rng); err != nil {
			t.Fatal(err)
		}
	}
	l := &source.Loader{Warehouse: wh, Catalog: cat}
	from, to := daiyun.Date{Time: time.Date(2022, 12, 1, 0, 0, 0, 0, time.UTC)}, daiyun.Date{Time: time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)}
	type scopeCase struct {
		name    string
		client  int64
		shop    int64
		wantErr string
	}
	cases := []scopeCase{
		{"Shanghai shop", clients[0].ID, shops[0].shop.ID, ""},
		{"Los Angeles shop", clients[0].ID, shops[1].shop.ID, ""},
		{"USD shop", clients[0].ID, shops[2].shop.ID, ""},
		{"empty shop", clients[0].ID, shops[3].shop.ID, "no paid orders"},
		{"shops in different currencies", clients[0].ID, 0, "different currencies"},
		{"shops in two timezones", clients[1].ID, 0, ""},
		{"shops in one timezone, yen", clients[2].ID, 0, ""},
	}
	for _, c := range cases {
		for _, kind := range []string{"cohort", "rfm"} {
			for _, vip := range []float64{0, 250} {
				if kind == "cohort" && vip != 0 {
					continue
				}
				req := source.Request{Kind: kind, ClientID: c.client, ShopID: c.shop, From: from, To: to, Options: source.AnalysisOptions{VIPThreshold: vip}}
				want, errGo := l.ComputeInGo(sys, req)
				res, errSQL := l.Run(sys, req)
				name := fmt.Sprintf("%s, %s, vip %v", c.name, kind, vip)
				if c.wantErr != "" {
					if errGo == nil || errSQL == nil || !strings.Contains(errSQL.Error(), c.wantErr) || errGo.Error() != errSQL.Error() {
						t.Errorf("%s: errors %v (Go) and %v (SQL), want both %q", name, errGo, errSQL, c.wantErr)
					}
					continue
				}
				if errGo != nil || errSQL != nil {
					t.Errorf("%s: errors %v (Go) and %v (SQL)", name, errGo, errSQL)
					continue
				}
				if !reflect.DeepEqual(res.Result, want) {
					gj, _ := json.Marshal(res.Result)
					wj, _ := json.Marshal(want)
					t.Errorf("%s: the SQL aggregation differs from the Go one:\n%s", name, firstDiff(string(gj), string(wj)))
				}
				checkNontrivial(t, name, res)
			}
		}
	}
	checkByShop(t, l, clients, shops, from, to)
}

// checkByShop runs the by-shop door over every shop of the fixture and
// compares each shop with the one-shop run of the packages on its loaded
// purchases; and a client's user sees only that client's shops.
func checkByShop(t *testing.T, l *source.Loader, clients []*daiyun.Client, shops []*repShop, from, to daiyun.Date) {
	t.Helper()
	for _, kind := range source.ByShopKinds {
		for _, vip := range []float64{0, 250, 1000} {
			if kind == "cohort" && vip != 0 {
				continue
			}
			opts := source.AnalysisOptions{VIPThreshold: vip}
			got, err := l.RunByShop(sys, source.ShopsRequest{Kind: kind, From: from, To: to, Options: opts})
			if err != nil {
				t.Fatalf("by shop %s: %v", kind, err)
			}
			if len(got.Shops) != len(shops) {
				t.Fatalf("by shop %s: %d shops, want %d", kind, len(got.Shops), len(shops))
			}
			for _, sr := range got.Shops {
				name := fmt.Sprintf("by shop %s, vip %v, shop %q", kind, vip, sr.Shop)
				want, err := l.ComputeInGo(sys, source.Request{Kind: kind, ClientID: sr.ClientID, ShopID: sr.ShopID, From: from, To: to, Options: opts})
				if err != nil {
					if sr.Result != nil || !strings.Contains(err.Error(), "no paid orders") {
						t.Errorf("%s: %v, and the by-shop result %v", name, err, sr.Result)
					}
					continue
				}
				switch w := want.(type) {
				case *cohort.Result:
					if !reflect.DeepEqual(sr.Result, w) {
						gj, _ := json.Marshal(sr.Result)
						wj, _ := json.Marshal(w)
						t.Errorf("%s differs from the one-shop run:\n%s", name, firstDiff(string(gj), string(wj)))
					}
				case *rfm.Result:
					g := sr.Result.(source.RFMSummary)
					if !reflect.DeepEqual(g.Segments, w.Segments) || g.Customers != len(w.Customers) || g.AsOf != w.AsOf || g.VIPThreshold != w.VIPThreshold {
						gj, _ := json.Marshal(g.Segments)
						wj, _ := json.Marshal(w.Segments)
						t.Errorf("%s: segments differ from the one-shop run:\n%s", name, firstDiff(string(gj), string(wj)))
					}
					cells := map[string]int{}
					for _, c := range w.Customers {
						cells[c.Score]++
					}
					for _, c := range g.Cells {
						if k := fmt.Sprintf("%d%d%d", c.R, c.F, c.M); cells[k] != c.Customers {
							t.Errorf("%s: score %s has %d customers, the one-shop run %d", name, k, c.Customers, cells[k])
						}
						delete(cells, fmt.Sprintf("%d%d%d", c.R, c.F, c.M))
					}
					if len(cells) != 0 {
						t.Errorf("%s: scores missing from the cells: %v", name, cells)
					}
				}
			}
		}
	}
	// A client's user sees only that client's shops, named or not.
	viewer := daiyun.WithActor(context.Background(), daiyun.Actor{UserID: 9, Role: daiyun.RoleClientViewer, ClientID: clients[1].ID})
	got, err := l.RunByShop(viewer, source.ShopsRequest{Kind: "cohort", From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	for _, sr := range got.Shops {
		if sr.ClientID != clients[1].ID {
			t.Errorf("a client viewer of client %d got shop %d of client %d", clients[1].ID, sr.ShopID, sr.ClientID)
		}
	}
	if len(got.Shops) != 2 {
		t.Errorf("a client viewer got %d shops, want 2", len(got.Shops))
	}
	if _, err := l.RunByShop(viewer, source.ShopsRequest{Kind: "rfm", ClientIDs: []int64{clients[0].ID}, From: from, To: to}); daiyun.ErrorCode(err) != daiyun.ENOTFOUND {
		t.Errorf("a client viewer asking for another client: %v, want not found", err)
	}
}

// checkNontrivial makes sure the fixture exercises what it claims: ties in
// every RFM metric, repeat buyers, several cohorts.
func checkNontrivial(t *testing.T, name string, res *source.Analysis) {
	t.Helper()
	switch r := res.Result.(type) {
	case *cohort.Result:
		repeat := 0
		for _, c := range r.Cohorts {
			repeat += c.RepeatCustomers
		}
		if len(r.Cohorts) < 12 || repeat == 0 {
			t.Errorf("%s: %d cohorts, %d repeat customers: the fixture is too thin", name, len(r.Cohorts), repeat)
		}
	case *rfm.Result:
		seen := [3]map[string]int{{}, {}, {}}
		vips := 0
		for _, c := range r.Customers {
			seen[0][c.LastPurchase]++
			seen[1][fmt.Sprint(c.Frequency)]++
			seen[2][fmt.Sprint(c.Monetary)]++
			if c.VIP {
				vips++
			}
		}
		for i, m := range seen {
			if len(m) == len(r.Customers) {
				t.Errorf("%s: no tie in metric %d", name, i)
			}
		}
		if res.InputRows <= len(r.Customers) {
			t.Errorf("%s: %d purchases of %d customers: nobody bought twice", name, res.InputRows, len(r.Customers))
		}
	}
}

func firstDiff(a, b string) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	lo := max(0, i-200)
	return fmt.Sprintf("SQL: …%s\nGo:  …%s", a[lo:min(len(a), i+200)], b[lo:min(len(b), i+200)])
}

// seedRepurchase writes s.orders random orders: 60 customers whose ids
// differ in case and length, payments from November 2022 to March 2024 at
// any hour (so many cross a day or month in one timezone and not in
// another), amounts from a short list (so spends tie), every status, some
// without a buyer or a payment, refunds partial, whole or larger than the
// payment; one order paid at 2024-03-01 00:00 UTC; and every 50th order a one-off buyer of 0.29.
func seedRepurchase(wh warehouse.Warehouse, s *repShop, rng *rand.Rand) error {
	if s.orders == 0 {
		return nil
	}
	tenants, err := daiyun.TenantsFor(sys, s.shop.ClientID)
	if err != nil {
		return err
	}
	statuses := []string{"paid", "shipped", "completed", "completed", "completed", "refunding", "refunded", "closed", "pending"}
	amounts := []int64{1, 29, 100, 1999, 5000, 12345, 99999}
	start := time.Date(2022, 11, 1, 0, 0, 0, 0, time.UTC)
	span := int64(time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC).Sub(start) / time.Second)
	var rows [][]any
	for i := range s.orders {
		created := start.Add(time.Duration(rng.Int64N(span)) * time.Second)
		status := statuses[rng.IntN(len(statuses))]
		var customer, paidAt, paidDay any
		if rng.IntN(20) > 0 {
			customer = []string{"c", "C", "c-", "cc"}[rng.IntN(4)] + fmt.Sprint(rng.IntN(15))
		}
		total := amounts[rng.IntN(len(amounts))] * (1 + rng.Int64N(3))
		if i%50 == 0 {
			// One-off buyers of the same amount: spends that tie.
			customer, status, total = fmt.Sprintf("once%02d", i/50), "completed", 29
		}
		paid, refund := int64(0), int64(0)
		if status != "pending" && status != "closed" {
			at := created.Add(time.Duration(rng.IntN(3600)) * time.Second)
			if i == 1 {
				// Paid the instant the range ends in UTC: 29 February in the
				// Americas, outside a UTC table.
				at = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
			}
			paidAt, paidDay = at, civilDay(at.In(s.location))
			paid = total
			switch rng.IntN(6) {
			case 0:
				refund = paid / 2
			case 1:
				refund = paid + 100 // more than paid: the amount is 0, not negative
			}
			if status == "refunded" {
				refund = paid
			}
		}
		rows = append(rows, []any{s.shop.ClientID, s.shop.ID, fmt.Sprintf("%s-%d", s.name, i), customer, status, created, paidAt,
			civilDay(created.In(s.location)), paidDay, s.cur, total, int64(0), int64(0), total, paid, refund, int64(1), "test"})
	}
	_, err = wh.Upsert(sys, tenants, "orders", []string{"tenant_id", "shop_id", "order_no", "customer_id", "status", "created_at", "paid_at",
		"created_day", "paid_day", "currency", "goods_minor", "discount_minor", "shipping_minor", "total_minor", "paid_minor", "refund_minor",
		"version", "source"}, rows)
	return err
}

func civilDay(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
