package report

import "testing"

func TestHealth(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	// growth −5% → 50; attainment 90% → 80; conversion 1.0× → 50;
	// refund 1.1× → 50. Mean 57.5 → 58 (rounded), medium risk.
	h := health(ClientHealth{GMVChange: f(-0.05), Attainment: f(0.9), ConversionVsBenchmark: f(1.0), RefundVsBenchmark: f(1.1)})
	if h == nil || *h != 58 || churnRisk(h) != "medium" {
		t.Fatalf("health %v", deref(h))
	}
	if h := health(ClientHealth{GMVChange: f(-0.6)}); *h != 0 || churnRisk(h) != "high" {
		t.Fatalf("collapse: %v", deref(h))
	}
	if h := health(ClientHealth{}); h != nil || churnRisk(h) != "unknown" {
		t.Fatal("no data should give no score")
	}
}

func deref(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}
