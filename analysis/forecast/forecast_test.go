package forecast

import (
	"encoding/csv"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

const datasets = "../../../shared/datasets/forecasting/"

func loadValues(t testing.TB, name string) []float64 {
	t.Helper()
	f, err := os.Open(datasets + name)
	if err != nil {
		t.Skipf("dataset %s not available: %v", name, err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var y []float64
	for _, r := range rows[1:] {
		v, err := strconv.ParseFloat(strings.TrimSpace(r[1]), 64)
		if err != nil {
			t.Fatal(err)
		}
		y = append(y, v)
	}
	return y
}

func date(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// fpp (Hyndman & Athanasopoulos, 1st ed., section 7.5) fits Holt-Winters
// to aust <- window(austourists, start=2005) with hw(); statsmodels records
// R's estimates and their sums of squared errors in
// statsmodels/tsa/statespace/tests/test_exponential_smoothing.py
// (test_holt_winters): additive SSE 55.415665248542453, multiplicative SSE
// of relative errors 0.028339250333730307.
func TestFPPHoltWintersAust(t *testing.T) {
	y := loadValues(t, "fpp_austourists_2005Q1_2010Q4.csv")
	s := []float64{1.3338300720957152468, -1.7975502536799012887, -9.2926619452692182932}
	add, err := NewModel(y, 4, Spec{Error: 'A', Trend: 'A', Season: 'A'}, Params{
		Alpha: 0.3348574920655552067, Beta: 0.0001004364187189504, Gamma: 0.6646924189795750948,
		Init: []float64{31.5959653237241901991, 0.6372054007993471769, -(s[0] + s[1] + s[2]), s[2], s[1], s[0]}})
	if err != nil {
		t.Fatal(err)
	}
	relNear(t, "AAA SSE", add.final.sse, 55.415665248542453, 1e-9)
	ms := []float64{1.026014323491403, 0.9477819993836413, 0.7657808219931680}
	mul, err := NewModel(y, 4, Spec{Error: 'M', Trend: 'A', Season: 'M'}, Params{
		Alpha: 0.4403205660911278, Beta: 0.05108847435980930, Gamma: 1.701284241111066e-04,
		Init: []float64{32.31170100330772, 0.9711447080686224, 4 - (ms[0] + ms[1] + ms[2]), ms[2], ms[1], ms[0]}})
	if err != nil {
		t.Fatal(err)
	}
	relNear(t, "MAM SSE", mul.final.sse, 0.028339250333730307, 1e-6)
	// Our maximum-likelihood fits are at least as good as R's.
	for _, ref := range []*Model{add, mul} {
		m, err := FitSpec(y, 4, ref.Spec)
		if err != nil {
			t.Fatal(err)
		}
		if m.Lik > ref.Lik+1e-9 {
			t.Errorf("%s: −2logL %.4f worse than R's %.4f", ref.Spec, m.Lik, ref.Lik)
		}
	}
}

// For ETS(A,N,N) the h-step variance is σ²(1 + (h−1)α²).
func TestAnalyticIntervalsANN(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	y := make([]float64, 60)
	l := 100.0
	for i := range y {
		e := rng.NormFloat64()
		y[i] = l + e
		l += 0.3 * e
	}
	m, err := FitSpec(y, 1, Spec{Error: 'A', Trend: 'N', Season: 'N'})
	if err != nil {
		t.Fatal(err)
	}
	a := m.Params.Alpha
	for h, f := range m.Forecast(5) {
		sd := math.Sqrt(m.Sigma2 * (1 + float64(h)*a*a))
		relNear(t, "hi95", f.Hi95, f.Value+1.959963984540054*sd, 1e-12)
		relNear(t, "lo80", f.Lo80, f.Value-1.2815515655446004*sd, 1e-12)
	}
	// AIC = n·log(SSE) + 2(k+1) with k = α and l₀.
	relNear(t, "AIC", m.AIC, 60*math.Log(m.final.sse)+2*3, 1e-12)
}

// Simulated intervals are reproducible and bracket the point forecast.
func TestSimulatedIntervals(t *testing.T) {
	y := loadValues(t, "airline-passengers.csv")
	m, err := FitSpec(y, 12, Spec{Error: 'M', Trend: 'A', Season: 'M'})
	if err != nil {
		t.Fatal(err)
	}
	a, b := m.Forecast(12), m.Forecast(12)
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("step %d: simulation not reproducible", i+1)
		}
		if !(a[i].Lo95 < a[i].Lo80 && a[i].Lo80 < a[i].Value && a[i].Value < a[i].Hi80 && a[i].Hi80 < a[i].Hi95) {
			t.Errorf("step %d: intervals out of order %+v", i+1, a[i])
		}
	}
	if a[11].Hi95-a[11].Lo95 <= a[0].Hi95-a[0].Lo95 {
		t.Error("intervals do not widen with the horizon")
	}
}

// The airline series has growing seasonal swings: the automatic choice must
// be a multiplicative-season model, as R's ets chooses for AirPassengers.
func TestAirlineAutoChoosesMultiplicative(t *testing.T) {
	y := loadValues(t, "airline-passengers.csv")
	m, tried, err := Select(y, 12, SeasonalAuto)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s AIC %.2f; %v", m.Spec, m.AIC, tried[:3])
	if m.Spec.Season != 'M' {
		t.Errorf("chose %s", m.Spec)
	}
	if len(tried) != 15 {
		t.Errorf("%d candidates tried, want 15", len(tried))
	}
}

func TestRunDatesFollowFrequency(t *testing.T) {
	for _, tc := range []struct {
		start string
		step  func(time.Time, int) time.Time
		want  []string
	}{
		{"2020-01-31", func(d time.Time, k int) time.Time { return addMonths(d, k, 31, true) }, []string{"2022-01-31", "2022-02-28", "2022-03-31"}},
		{"2020-01-30", func(d time.Time, k int) time.Time { return addMonths(d, k, 30, false) }, []string{"2022-01-30", "2022-02-28", "2022-03-30"}},
		{"2020-01-01", func(d time.Time, k int) time.Time { return d.AddDate(0, 3*k, 0) }, []string{"2026-01-01", "2026-04-01", "2026-07-01"}},
		{"2024-01-01", func(d time.Time, k int) time.Time { return d.AddDate(0, 0, k) }, []string{"2024-01-25", "2024-01-26", "2024-01-27"}},
	} {
		var s Series
		for k := range 24 {
			s.Dates = append(s.Dates, tc.step(date(tc.start), k))
			s.Values = append(s.Values, 10+float64(k%4)+0.1*float64(k))
		}
		res, err := Run(s, Options{Horizon: 3, Seasonal: SeasonalNone})
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range res.Forecast {
			if p.Date != tc.want[i] {
				t.Errorf("%s: step %d date %s, want %s", res.Frequency, i+1, p.Date, tc.want[i])
			}
		}
	}
}

// Daily sales with a weekly pattern and a 3× Double 11: the weekly season
// is found and the next Double 11 gets the historical uplift.
func TestDailyPromotionsAndStock(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	var s Series
	start := date("2023-01-01")
	weekly := []float64{1.0, 0.9, 0.95, 1.0, 1.1, 1.3, 1.25}
	for d := start; d.Before(date("2024-11-01")); d = d.AddDate(0, 0, 1) {
		v := 100 * weekly[int(d.Weekday())] * (1 + 0.03*rng.NormFloat64())
		if d.Month() == 11 && d.Day() == 11 {
			v *= 3
		}
		s.Dates = append(s.Dates, d)
		s.Values = append(s.Values, v)
	}
	res, err := Run(s, Options{Horizon: 14, Promotions: true, Stock: &StockInput{OnHand: 500, LeadTimeDays: 3}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s m=%d", res.Model, res.Season)
	if res.Season != 7 || res.Model[len(res.Model)-2] == 'N' {
		t.Errorf("model %s season %d: weekly seasonality not used", res.Model, res.Season)
	}
	var d11 *Point
	for i := range res.Forecast {
		if res.Forecast[i].Date == "2024-11-11" {
			d11 = &res.Forecast[i]
		}
	}
	if d11 == nil || d11.Promotion != "double11" || d11.Uplift == nil {
		t.Fatalf("2024-11-11 not adjusted: %+v", d11)
	}
	relNear(t, "Double 11 uplift", *d11.Uplift, 3, 0.05)
	st := res.Stock
	if st == nil || st.RunOutDate == nil {
		t.Fatalf("stock plan %+v", st)
	}
	// About 105 units a day: 500 units last four to five days.
	if *st.DaysOfCover < 4 || *st.DaysOfCover > 5.5 {
		t.Errorf("days of cover %.2f", *st.DaysOfCover)
	}
	if st.ReorderDate == nil || *st.ReorderDate > "2024-11-03" {
		t.Errorf("reorder date %v", st.ReorderDate)
	}
}

// PlanStock by hand: 10 units a day with no uncertainty, 35 on hand, lead
// time 2 days, cover 5 days.
func TestPlanStockByHand(t *testing.T) {
	demand := []float64{10, 10, 10, 10, 10, 10, 10, 10, 10, 10}
	sd := make([]float64, 10)
	st, err := PlanStock(date("2024-01-01"), demand, sd, StockInput{OnHand: 35, LeadTimeDays: 2, CoverDays: 5})
	if err != nil {
		t.Fatal(err)
	}
	if *st.RunOutDate != "2024-01-05" || *st.DaysOfCover != 3.5 {
		t.Errorf("run out %s after %.2f days, want 2024-01-05 (during the fourth day) after 3.5", *st.RunOutDate, *st.DaysOfCover)
	}
	if st.ReorderPoint != 20 || st.SafetyStock != 0 {
		t.Errorf("reorder point %g safety %g", st.ReorderPoint, st.SafetyStock)
	}
	// Day 2 leaves 15 ≤ 20: order on 2024-01-03 for 7 days (70) − 15 = 55.
	if *st.ReorderDate != "2024-01-03" || st.ReorderQuantity != 55 {
		t.Errorf("reorder %s qty %g, want 2024-01-03 qty 55", *st.ReorderDate, st.ReorderQuantity)
	}
	st, _ = PlanStock(date("2024-01-01"), demand, []float64{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, StockInput{OnHand: 1000, LeadTimeDays: 4, ServiceLevel: 0.95})
	relNear(t, "safety stock", st.SafetyStock, 1.6448536269514722*2, 1e-9)
	if st.RunOutDate != nil {
		t.Error("1000 units run out within 10 days of 10/day")
	}
}

func TestBadSeries(t *testing.T) {
	d := []time.Time{date("2024-01-01"), date("2024-01-02"), date("2024-01-04"), date("2024-01-05")}
	if _, err := Run(Series{Dates: d, Values: []float64{1, 2, 3, 4}}, Options{Horizon: 2}); err == nil {
		t.Error("gap in daily data: no error")
	}
	d = []time.Time{date("2024-01-01"), date("2024-01-02"), date("2024-01-02")}
	if _, err := Run(Series{Dates: d, Values: []float64{1, 2, 3}}, Options{Horizon: 2}); err == nil {
		t.Error("repeated date: no error")
	}
	if _, err := Run(Series{Dates: d[:2], Values: []float64{1, 2}}, Options{Horizon: 2}); err == nil {
		t.Error("two observations: no error")
	}
	var s Series
	for k := range 10 {
		s.Dates = append(s.Dates, date("2024-01-01").AddDate(0, k, 0))
		s.Values = append(s.Values, float64(k-3))
	}
	if _, err := Run(s, Options{Horizon: 2, Seasonal: SeasonalMultiplicative}); err == nil {
		t.Error("multiplicative season on negative data: no error")
	}
	if _, err := Run(s, Options{Horizon: 2, Seasonal: "weird"}); err == nil {
		t.Error("bad --seasonal: no error")
	}
	if _, err := Run(s, Options{Horizon: 0}); err == nil {
		t.Error("horizon 0: no error")
	}
	res, err := Run(s, Options{Horizon: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Params.Gamma != nil {
		t.Error("10 months got a seasonal model")
	}
}
