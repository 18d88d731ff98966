package forecast

import (
	"fmt"
	"math"
)

// Spec names one model of the ETS family: Error 'A' or 'M', Trend 'N' or
// 'A' (Damped for Ad), Season 'N', 'A' or 'M'.
type Spec struct {
	Error  byte
	Trend  byte
	Damped bool
	Season byte
}

// String returns the R notation, e.g. "ETS(M,Ad,M)".
func (s Spec) String() string {
	t := string(s.Trend)
	if s.Damped {
		t += "d"
	}
	return fmt.Sprintf("ETS(%c,%s,%c)", s.Error, t, s.Season)
}

// Params are the smoothing parameters and initial states of a model. Phi is
// 1 for undamped trends. Init holds l₀, then b₀ when there is a trend, then
// the m initial seasonal states for the phases of times 1..m.
type Params struct {
	Alpha, Beta, Gamma, Phi float64
	Init                    []float64
}

// filterOut is the result of running the model over the data.
type filterOut struct {
	sse     float64 // Σ e² (e relative for multiplicative errors)
	sumLogF float64 // Σ log|ŷ|
	level   float64
	trend   float64
	season  []float64 // latest seasonal state of each phase
	resid   []float64 // e_t as in sse
	ok      bool
}

// filter runs the state recursions of Hyndman et al. (2008) in their
// error-correction form, which is the same for additive and multiplicative
// errors: with q = l + φb and p the deseasonalised observation,
// l ← q + α(p − q), b ← φb + β(p − q), s ← s + γ(t − s) where t = y − q
// (additive season) or y/q (multiplicative).
func filter(spec Spec, m int, y []float64, p Params, keepResid bool) filterOut {
	out := filterOut{ok: true}
	l := p.Init[0]
	b := 0.0
	k := 1
	if spec.Trend != 'N' {
		b = p.Init[1]
		k = 2
	}
	phi := p.Phi
	var seas []float64
	if spec.Season != 'N' {
		seas = append([]float64(nil), p.Init[k:k+m]...)
	}
	if keepResid {
		out.resid = make([]float64, len(y))
	}
	for t, yt := range y {
		q := l + phi*b
		f := q
		var s float64
		switch spec.Season {
		case 'A':
			s = seas[t%m]
			f += s
		case 'M':
			s = seas[t%m]
			f *= s
		}
		var e float64
		if spec.Error == 'M' {
			if f <= 0 || math.Abs(f) < 1e-10 {
				out.ok = false
				return out
			}
			e = (yt - f) / f
			out.sumLogF += math.Log(math.Abs(f))
		} else {
			e = yt - f
		}
		out.sse += e * e
		if keepResid {
			out.resid[t] = e
		}
		pt := yt
		switch spec.Season {
		case 'A':
			pt = yt - s
		case 'M':
			if math.Abs(s) < 1e-10 {
				out.ok = false
				return out
			}
			pt = yt / s
		}
		l = q + p.Alpha*(pt-q)
		if spec.Trend != 'N' {
			b = phi*b + p.Beta*(pt-q)
		}
		switch spec.Season {
		case 'A':
			seas[t%m] = s + p.Gamma*(yt-q-s)
		case 'M':
			if math.Abs(q) < 1e-10 {
				out.ok = false
				return out
			}
			seas[t%m] = s + p.Gamma*(yt/q-s)
		}
	}
	out.level, out.trend, out.season = l, b, seas
	if math.IsNaN(out.sse) || math.IsInf(out.sse, 0) {
		out.ok = false
	}
	return out
}

// lik returns the criterion that R's forecast::ets minimises and reports as
// −2 log L: n·log(Σe²) plus, for multiplicative errors, 2·Σ log|ŷ|. It
// differs from the full Gaussian −2 log L by the constant n(log(2π/n) + 1).
func (o filterOut) lik(n int, spec Spec) float64 {
	v := float64(n) * math.Log(o.sse)
	if spec.Error == 'M' {
		v += 2 * o.sumLogF
	}
	return v
}

// pointForecast returns the h-step point forecasts from the final states.
func pointForecast(spec Spec, m, n int, o filterOut, phi float64, h int) []float64 {
	f := make([]float64, h)
	damp := 0.0
	for i := 1; i <= h; i++ {
		damp += math.Pow(phi, float64(i))
		v := o.level
		if spec.Trend != 'N' {
			v += damp * o.trend
		}
		switch spec.Season {
		case 'A':
			v += o.season[(n+i-1)%m]
		case 'M':
			v *= o.season[(n+i-1)%m]
		}
		f[i-1] = v
	}
	return f
}
