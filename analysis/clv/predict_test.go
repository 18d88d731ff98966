package clv

import (
	"math"
	"testing"
	"time"
)

// FHL 2005 ("Counting Your Customers the Easy Way", section 5): a CDNOW
// customer with x = 2, t_x = 30.43, T = 38.86 weeks is expected to make
// 1.226 purchases in the next 39 weeks under r=0.243, α=4.414, a=0.793,
// b=2.426.
func TestBGNBDConditionalExpectation(t *testing.T) {
	m := BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	s := Summary{X: 2, Tx: 30.43, T: 38.86}
	near(t, "E[Y(39)]", m.ExpectedPurchases(s, 39), 1.226, 2e-3)
	// P(alive) by hand: 1/(1 + a/(b+x−1)·((α+T)/(α+t_x))^(r+x)).
	want := 1 / (1 + 0.793/(2.426+1)*math.Pow((4.414+38.86)/(4.414+30.43), 2.243))
	near(t, "P(alive)", m.PAlive(s), want, 1e-12)
	if m.PAlive(Summary{X: 0, T: 10}) != 1 {
		t.Error("P(alive) of a customer without repeat purchases must be 1 under BG/NBD")
	}
}

// The hypergeometric series against closed forms: 2F1(1,1;2;z) = −ln(1−z)/z
// and 2F1(a,b;b;z) = (1−z)^(−a).
func TestHyp2f1(t *testing.T) {
	for _, z := range []float64{0.01, 0.3, 0.7, 0.95} {
		near(t, "2F1(1,1;2;z)", hyp2f1(1, 1, 2, z), -math.Log(1-z)/z, 1e-12)
		near(t, "2F1(0.4,2.5;2.5;z)", hyp2f1(0.4, 2.5, 2.5, z), math.Pow(1-z, -0.4), 1e-12)
		near(t, "log 2F1 pos", logHyp2f1Pos(1, 1, 2, z), math.Log(-math.Log(1-z)/z), 1e-12)
	}
}

// Pareto/NBD expectations must approach their s → 1 limit continuously and
// P(alive) lies in (0, 1].
func TestParetoNBDPredictions(t *testing.T) {
	s := Summary{X: 2, Tx: 30.43, T: 38.86}
	a := ParetoNBD{R: 0.553, Alpha: 10.58, S: 1, Beta: 11.67}.ExpectedPurchases(s, 39)
	b := ParetoNBD{R: 0.553, Alpha: 10.58, S: 1 + 1e-7, Beta: 11.67}.ExpectedPurchases(s, 39)
	near(t, "s→1 limit", a, b, 1e-5)
	m := ParetoNBD{R: 0.553, Alpha: 10.58, S: 0.606, Beta: 11.67}
	if p := m.PAlive(s); !(p > 0 && p <= 1) {
		t.Errorf("P(alive) = %g", p)
	}
	if e := m.ExpectedPurchases(s, 39); !(e > 0 && e < 39) {
		t.Errorf("E[Y(39)] = %g", e)
	}
}

// With no discount CLV is spend × E[Y(H)]; a discount makes it smaller.
func TestCLVDiscount(t *testing.T) {
	m := BGNBD{R: 0.243, Alpha: 4.414, A: 0.793, B: 2.426}
	s := Summary{X: 2, Tx: 30.43, T: 38.86}
	plain := CLV(m, s, 40, 39, 0, 1)
	near(t, "CLV", plain, 40*m.ExpectedPurchases(s, 39), 1e-12)
	disc := CLV(m, s, 40, 39, 0.01, 1)
	if !(disc < plain && disc > plain/(1.01*1.01*1.01*1e3)) {
		t.Errorf("discounted CLV %g not below undiscounted %g", disc, plain)
	}
	// Discounting one step at a time: the sum of per-period increments
	// without discount telescopes to E[Y(H)].
	near(t, "telescoping", CLV(m, s, 40, 39, 1e-300, 1), plain, 1e-9)
}

func day(s string) time.Time {
	d, _ := time.Parse(time.DateOnly, s)
	return d
}

// A hand-computed preparation: same-day purchases merged, calibration end
// inclusive, weeks of 7 days.
func TestSummarizeByHand(t *testing.T) {
	txs := []Transaction{
		{"a", day("2024-01-01"), 10},
		{"a", day("2024-01-01"), 5}, // same day: merged, not a repeat
		{"a", day("2024-01-08"), 20},
		{"a", day("2024-01-15"), 30}, // on the calibration end: included
		{"a", day("2024-01-22"), 7},  // holdout
		{"b", day("2024-01-15"), 9},
		{"c", day("2024-01-20"), 9}, // first purchase after calibration: left out
	}
	p, err := Summarize(txs, day("2024-01-15"), Week, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Customers) != 2 {
		t.Fatalf("customers = %d, want 2", len(p.Customers))
	}
	a, b := p.Customers[0], p.Customers[1]
	if a.X != 2 || a.Tx != 2 || a.T != 2 || a.MeanSpend != 25 || a.HoldoutX != 1 {
		t.Errorf("a = %+v, want x=2 t_x=2 T=2 mean=25 holdout=1", a)
	}
	if b.X != 0 || b.Tx != 0 || b.T != 0 || b.MeanSpend != 0 {
		t.Errorf("b = %+v", b)
	}
	if !p.HasHoldout {
		t.Error("HasHoldout = false")
	}
}

func TestBadInput(t *testing.T) {
	txs := []Transaction{{"a", day("2024-01-01"), 10}, {"a", day("2024-02-01"), 10}}
	if _, err := Summarize(txs, day("2023-12-31"), Week, 1); err == nil {
		t.Error("calibration end before the data: no error")
	}
	if _, err := Summarize(txs, day("2024-03-01"), Week, 1); err == nil {
		t.Error("calibration end after the data: no error")
	}
	if _, err := Summarize(nil, time.Time{}, Week, 1); err == nil {
		t.Error("no data: no error")
	}
	if _, err := Summarize(txs, time.Time{}, "year", 1); err == nil {
		t.Error("bad period: no error")
	}
	p, _ := Summarize(txs, time.Time{}, Week, 1)
	if _, err := Analyze(p, Options{Horizon: 4}); err == nil {
		t.Error("single customer: no error")
	}
	two := append(txs, Transaction{"b", day("2024-01-05"), 3})
	p, _ = Summarize(two, time.Time{}, Week, 1)
	if _, err := FitGammaGamma(p.Customers); err == nil {
		t.Error("one repeater: Gamma-Gamma fitted")
	}
	none := []Transaction{{"a", day("2024-01-01"), 1}, {"b", day("2024-01-03"), 1}}
	p, _ = Summarize(none, time.Time{}, Week, 1)
	if _, err := FitBGNBD(p.Customers); err == nil {
		t.Error("no repeaters: BG/NBD fitted")
	}
}

func TestAnalyzeCDNOW(t *testing.T) {
	p := cdnowCalibration(t)
	for _, model := range []string{ModelBGNBD, ModelPNBD} {
		res, err := Analyze(p, Options{Model: model, Horizon: 39, Discount: 0.01})
		if err != nil {
			t.Fatal(err)
		}
		// Sum of predicted purchases in the 39-week holdout against the
		// actual purchase days (1,882 after same-day merging). Both models
		// under-forecast this holdout a little, as FHL 2005 (figure 3) show
		// for the cumulative repeat sales; 15% bounds that gap.
		var pred, actual float64
		for _, c := range res.Customers {
			pred += c.ExpectedPurchases
			actual += float64(*c.HoldoutPurchases)
		}
		t.Logf("%s: predicted %.1f, actual %.0f holdout purchases", model, pred, actual)
		if math.Abs(pred-actual) > 0.15*actual {
			t.Errorf("%s: predicted %.1f holdout purchases, actual %.0f", model, pred, actual)
		}
	}
}
