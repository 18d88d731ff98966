package clv

import (
	"math"
	"math/rand/v2"
	"testing"
)

// simulateBGNBD draws n customers from a BG/NBD process observed for weeks
// of daily data: each customer's first purchase falls on a random day of the
// period, purchases follow a Poisson process with a Gamma(r, α) rate and
// after each repeat purchase the customer drops out with a Beta(a, b)
// probability. Times are whole days expressed in weeks.
func simulateBGNBD(n int, r, alpha, a, b float64, days int, seed uint64) []Summary {
	rng := rand.New(rand.NewPCG(seed, 1))
	gamma := func(k float64) float64 { // Marsaglia-Tsang, k > 0
		boost := 1.0
		if k < 1 {
			boost = math.Pow(rng.Float64(), 1/k)
			k++
		}
		d := k - 1.0/3
		c := 1 / math.Sqrt(9*d)
		for {
			x := rng.NormFloat64()
			v := 1 + c*x
			if v <= 0 {
				continue
			}
			v = v * v * v
			u := rng.Float64()
			if math.Log(u) < 0.5*x*x+d-d*v+d*math.Log(v) {
				return d * v * boost
			}
		}
	}
	out := make([]Summary, n)
	for i := range out {
		lambda := gamma(r) / alpha // per week
		ga, gb := gamma(a), gamma(b)
		p := ga / (ga + gb)
		start := rng.IntN(days)
		T := float64(days-1-start) / 7
		t, x, tx := 0.0, 0, 0.0
		for {
			t += rng.ExpFloat64() / lambda
			if t > T {
				break
			}
			x++
			tx = math.Floor(t*7) / 7
			if rng.Float64() < p {
				break
			}
		}
		out[i] = Summary{X: x, Tx: tx, T: T}
	}
	return out
}

// BenchmarkFitBGNBD fits the BG/NBD on 1,000,000 simulated customers (39
// weeks of daily data); the issue asks for under 10 s per fit.
func BenchmarkFitBGNBD(b *testing.B) {
	data := simulateBGNBD(1_000_000, 0.243, 4.414, 0.793, 2.426, 273, 1)
	b.ResetTimer()
	for b.Loop() {
		if _, err := FitBGNBD(data); err != nil {
			b.Fatal(err)
		}
	}
}

// Fitting simulated data recovers the simulation's parameters.
func TestFitBGNBDRecoversSimulation(t *testing.T) {
	data := simulateBGNBD(50_000, 0.5, 5, 0.8, 2.5, 273, 7)
	m, err := FitBGNBD(data)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", m)
	near(t, "r", m.R, 0.5, 0.1)
	near(t, "alpha", m.Alpha, 5, 0.15)
	near(t, "a", m.A, 0.8, 0.25)
	near(t, "b", m.B, 2.5, 0.35)
}
