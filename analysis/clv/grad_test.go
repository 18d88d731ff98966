package clv

import (
	"math"
	"testing"
)

// The analytic gradients used by BFGS agree with central differences.
func TestGradients(t *testing.T) {
	p := cdnowCalibration(t)
	g := groupSummaries(p.Customers)
	check := func(name string, f func(par, grad []float64) float64, par []float64) {
		grad := make([]float64, len(par))
		f(par, grad)
		for i := range par {
			h := 1e-6 * par[i]
			up := append([]float64(nil), par...)
			dn := append([]float64(nil), par...)
			up[i] += h
			dn[i] -= h
			num := (f(up, nil) - f(dn, nil)) / (2 * h)
			if math.Abs(num-grad[i]) > 1e-4*math.Max(1, math.Abs(num)) {
				t.Errorf("%s ∂/∂p%d = %.8g, numerically %.8g", name, i, grad[i], num)
			}
		}
	}
	check("BG/NBD", func(par, grad []float64) float64 { return bgnbdLL(g, par, grad) }, []float64{0.3, 5, 0.7, 3})
	var obs [][2]float64
	for _, s := range p.Customers {
		if s.X > 0 && s.MeanSpend > 0 {
			obs = append(obs, [2]float64{float64(s.X), s.MeanSpend})
		}
	}
	sd := newSpendData(obs)
	check("Gamma-Gamma", func(par, grad []float64) float64 { return ggLL(sd, par, grad) }, []float64{5, 3, 12})
}

// The grouped Pareto/NBD likelihood equals the sum of per-customer terms.
func TestParetoNBDGroupedLikelihood(t *testing.T) {
	p := cdnowCalibration(t)
	for _, par := range [][]float64{{0.553, 10.58, 0.606, 11.67}, {0.5, 20, 0.8, 3}} {
		sum := 0.0
		for _, s := range p.Customers {
			l, _ := pnbdTerms(par, float64(s.X), s.Tx, s.T)
			sum += l
		}
		got := ParetoNBD{R: par[0], Alpha: par[1], S: par[2], Beta: par[3]}.LogLik(p.Customers)
		if math.Abs(got-sum) > 1e-8*math.Abs(sum) {
			t.Errorf("grouped %.10g, per customer %.10g", got, sum)
		}
	}
}
