package forecast

import (
	"math"
	"math/rand/v2"
	"sort"
)

// Interval is a point forecast with 80% and 95% prediction intervals.
type Interval struct {
	Value, Lo80, Hi80, Lo95, Hi95 float64
}

// z-scores of the central 80% and 95% normal intervals.
const (
	z80 = 1.2815515655446004
	z95 = 1.959963984540054
)

// SimulationPaths and SimulationSeed fix the simulated intervals of models
// without an analytic variance, so results are reproducible.
const (
	SimulationPaths = 5000
	SimulationSeed  = 20240618
)

// Analytic reports whether the model has closed-form forecast variances
// (Hyndman et al. 2008, class 1: additive errors, no multiplicative term).
func (m *Model) Analytic() bool {
	return m.Spec.Error == 'A' && m.Spec.Season != 'M'
}

// Forecast returns h point forecasts with prediction intervals. Class-1
// models use v_h = σ²(1 + Σ_{j<h} c_j²) with c_j = α + β·Σ_{i≤j}φ^i
// (trend) + γ·[j mod m = 0] (season); other models simulate
// SimulationPaths sample paths with Gaussian innovations from a fixed seed
// and take the empirical quantiles.
func (m *Model) Forecast(h int) []Interval {
	if h <= 0 {
		return nil
	}
	pf := pointForecast(m.Spec, m.M, m.N, m.final, m.Params.Phi, h)
	out := make([]Interval, h)
	if m.Analytic() {
		p := m.Params
		sum := 0.0
		damp := 0.0
		for i := 1; i <= h; i++ {
			sd := math.Sqrt(m.Sigma2 * (1 + sum))
			out[i-1] = Interval{pf[i-1], pf[i-1] - z80*sd, pf[i-1] + z80*sd, pf[i-1] - z95*sd, pf[i-1] + z95*sd}
			damp += math.Pow(p.Phi, float64(i))
			c := p.Alpha
			if m.Spec.Trend != 'N' {
				c += p.Beta * damp
			}
			if m.Spec.Season == 'A' && i%m.M == 0 {
				c += p.Gamma
			}
			sum += c * c
		}
		return out
	}
	paths := m.simulate(h, SimulationPaths, SimulationSeed)
	col := make([]float64, len(paths))
	for i := range h {
		for j, p := range paths {
			col[j] = p[i]
		}
		sort.Float64s(col)
		out[i] = Interval{pf[i], quantile(col, 0.1), quantile(col, 0.9), quantile(col, 0.025), quantile(col, 0.975)}
	}
	return out
}

// quantile is the type-7 sample quantile of sorted data (R's default).
func quantile(sorted []float64, p float64) float64 {
	h := (float64(len(sorted)) - 1) * p
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1]
	}
	return sorted[i] + (h-lo)*(sorted[i+1]-sorted[i])
}

// simulate draws future sample paths from the model's final states.
func (m *Model) simulate(h, paths int, seed uint64) [][]float64 {
	sd := math.Sqrt(m.Sigma2)
	spec, p, M := m.Spec, m.Params, m.M
	out := make([][]float64, paths)
	seas := make([]float64, len(m.final.season))
	for k := range out {
		// One stream per path, so a path's first steps do not depend on
		// the horizon asked for.
		rng := rand.New(rand.NewPCG(seed, uint64(k)))
		path := make([]float64, h)
		l, b := m.final.level, m.final.trend
		copy(seas, m.final.season)
		for i := range h {
			t := m.N + i
			q := l + p.Phi*b
			f := q
			var s float64
			switch spec.Season {
			case 'A':
				s = seas[t%M]
				f += s
			case 'M':
				s = seas[t%M]
				f *= s
			}
			e := sd * rng.NormFloat64()
			y := f + e
			if spec.Error == 'M' {
				y = f * (1 + e)
			}
			path[i] = y
			pt := y
			switch spec.Season {
			case 'A':
				pt = y - s
				seas[t%M] = s + p.Gamma*(y-q-s)
			case 'M':
				pt = y / s
				seas[t%M] = s + p.Gamma*(y/q-s)
			}
			l = q + p.Alpha*(pt-q)
			if spec.Trend != 'N' {
				b = p.Phi*b + p.Beta*(pt-q)
			}
		}
		out[k] = path
	}
	return out
}
