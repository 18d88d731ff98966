package clv

import "testing"

// BenchmarkFitParetoNBD fits the Pareto/NBD on 100,000 simulated customers.
func BenchmarkFitParetoNBD(b *testing.B) {
	data := simulateBGNBD(100_000, 0.243, 4.414, 0.793, 2.426, 273, 1)
	b.ResetTimer()
	for b.Loop() {
		if _, err := FitParetoNBD(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAnalyze1M runs the whole BG/NBD + Gamma-Gamma analysis with
// per-customer predictions on 1,000,000 simulated customers.
func BenchmarkAnalyze1M(b *testing.B) {
	data := simulateBGNBD(1_000_000, 0.243, 4.414, 0.793, 2.426, 273, 1)
	for i := range data {
		if data[i].X > 0 {
			data[i].MeanSpend = 20 + float64(i%37)
		}
	}
	p := &Prepared{Customers: data}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Analyze(p, Options{Horizon: 52, Discount: 0.01}); err != nil {
			b.Fatal(err)
		}
	}
}
