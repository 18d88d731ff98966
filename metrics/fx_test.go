package metrics

import (
	"context"
	"encoding/json"
	"math/big"
	"strings"
	"testing"

	"github.com/daiyun/daiyun"
)

// dailyFX hides RateChanges: the service must then assume a rate per day.
type dailyFX struct{ fx *MemoryFX }

func (d dailyFX) Rate(ctx context.Context, from, to string, day daiyun.Date) (*big.Rat, error) {
	return d.fx.Rate(ctx, from, to, day)
}

// TestRatePeriods: converting per rate period (one or two statements per
// source) gives exactly what converting per day gives, for every shape of
// request (a dimension that names the currency or not, a grain whose
// periods a rate change splits or not), and a range inside one rate period
// reads each source once.
func TestRatePeriods(t *testing.T) {
	kpis := []string{"gmv", "paid_amount", "net_sales", "orders", "buyers", "aov", "refund_rate", "units", "gross_margin", "clv"}
	reqs := map[string]Request{
		"by shop":          {KPIs: kpis, Dimensions: []string{DimShop}, From: date("2025-03-01"), To: date("2025-03-02")},
		"by client":        {KPIs: kpis, Dimensions: []string{DimClient}, From: date("2025-03-01"), To: date("2025-03-02")},
		"daily":            {KPIs: kpis, Grain: GrainDay, From: date("2025-02-27"), To: date("2025-03-03")},
		"monthly by shop":  {KPIs: kpis, Grain: GrainMonth, Dimensions: []string{DimShop}, From: date("2025-02-01"), To: date("2025-03-31")},
		"by channel":       {KPIs: kpis, Dimensions: []string{DimChannel}, From: date("2025-03-01"), To: date("2025-03-03")},
		"one period, shop": {KPIs: kpis, Dimensions: []string{DimShop}, From: date("2025-03-02"), To: date("2025-03-05")},
	}
	for name, w := range engines(t) {
		t.Run(name, func(t *testing.T) {
			periods := newService(t, w)
			days := newService(t, w)
			days.FX = dailyFX{fixtureFX(t)}
			for rname, req := range reqs {
				req.Filters.ClientIDs = []int64{1}
				got := query(t, periods, sysCtx(), req)
				want := query(t, days, sysCtx(), req)
				if !got.Converted {
					t.Fatalf("%s: not converted", rname)
				}
				g, _ := json.Marshal(got.Rows)
				wj, _ := json.Marshal(want.Rows)
				if string(g) != string(wj) {
					t.Errorf("%s: per rate period\n%s\nper day\n%s", rname, g, wj)
				}
			}
			// One rate over the range and the shop as a dimension: every
			// measure of paid_orders in one statement, with no extra keys.
			res := query(t, periods, sysCtx(), reqs["one period, shop"])
			n := 0
			for _, q := range res.Queries {
				if q.Source == "paid_orders" {
					n++
					if strings.Contains(q.SQL, "AS DATE) THEN '") {
						t.Errorf("one rate period keyed by a CASE: %s", q.SQL)
					}
				}
			}
			if n != 1 {
				t.Errorf("paid_orders read %d times, want once", n)
			}
			// A rate change inside the range and a cell spanning it: the
			// period is a key, written as a CASE on the day.
			res = query(t, periods, sysCtx(), reqs["by shop"])
			found := false
			for _, q := range res.Queries {
				found = found || strings.Contains(q.SQL, "CAST('2025-03-02' AS DATE) THEN '2025-03-01'")
			}
			if !found {
				t.Errorf("no rate period key in %v", res.Queries)
			}
		})
	}
}

// TestRatePeriodMissing: a period without a rate is an error only when
// rows fall in it, and it names the pair and a day of the period.
func TestRatePeriodMissing(t *testing.T) {
	w := openDuck(t)
	loadRows(t, w, fixtureRows())
	s := newService(t, w)
	fx := &MemoryFX{}
	// USD rates only from 03-02: the USD shop's 03-01 orders have none.
	if err := fx.Set("USD", "CNY", date("2025-03-02"), "7.1"); err != nil {
		t.Fatal(err)
	}
	s.FX = fx
	req := Request{KPIs: []string{"gmv", "paid_amount"}, From: date("2025-03-01"), To: date("2025-03-02"), Filters: Filters{ClientIDs: []int64{1}}}
	_, err := s.Query(sysCtx(), req)
	if err == nil || !strings.Contains(err.Error(), "USD") || !strings.Contains(err.Error(), "2025-03-01") {
		t.Errorf("missing rate on 03-01: %v", err)
	}
	req.From = date("2025-03-02")
	if _, err := s.Query(sysCtx(), req); err != nil {
		t.Errorf("03-02 has a rate: %v", err)
	}
}

func TestMemoryFXRateChanges(t *testing.T) {
	fx := fixtureFX(t)
	fx.Set("CNY", "USD", date("2025-03-10"), "0.14")
	got, err := fx.RateChanges(context.Background(), "USD", "CNY", date("2025-01-01"), date("2025-03-10"))
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, d := range got {
		s = append(s, d.String())
	}
	// 01-01 is the first day itself (no change after it); the inverse
	// pair's day counts.
	if strings.Join(s, ",") != "2025-03-02,2025-03-10" {
		t.Errorf("changes %v", s)
	}
}
