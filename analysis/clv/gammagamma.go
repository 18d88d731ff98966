package clv

import (
	"math"

	"github.com/daiyun/daiyun"
	"gonum.org/v1/gonum/mathext"
)

// GammaGamma holds the parameters of the Gamma-Gamma spend model (Fader,
// Hardie & Lee 2005, "RFM and CLV"; Colombo & Jiang 1999): a transaction's
// value is Gamma(p, ν) for a customer, and ν is Gamma(q, γ) across customers.
type GammaGamma struct {
	P, Q, Gamma float64
	// LogLikelihood is the log-likelihood of the repeaters' mean spends.
	LogLikelihood float64
	// Customers is the number of customers the model was fitted on.
	Customers int
}

// spendData holds the repeaters' mean spends with everything that does not
// depend on the parameters computed once: per observation x·m̄, and sums
// over observations and per distinct x.
type spendData struct {
	xm, x      []float64 // x·m̄ and x per observation
	xs, xCount []float64 // distinct x and observations per x
	n          float64
	sumLm      float64 // Σ log m̄
	sumXLmLx   float64 // Σ x(log m̄ + log x)
}

func newSpendData(obs [][2]float64) *spendData {
	d := &spendData{n: float64(len(obs))}
	pos := map[float64]int{}
	for _, o := range obs {
		x, m := o[0], o[1]
		d.xm = append(d.xm, x*m)
		d.x = append(d.x, x)
		d.sumLm += math.Log(m)
		d.sumXLmLx += x * (math.Log(m) + math.Log(x))
		i, ok := pos[x]
		if !ok {
			i = len(d.xs)
			pos[x] = i
			d.xs = append(d.xs, x)
			d.xCount = append(d.xCount, 0)
		}
		d.xCount[i]++
	}
	return d
}

// ggLL is the log-likelihood of the mean spends m̄ of x transactions,
// summed over customers of
// log Γ(px+q) − log Γ(px) − log Γ(q) + q log γ + (px−1) log m̄ + px log x
// − (px+q) log(γ+m̄x); grad, when not nil, receives ∂/∂(p, q, γ).
func ggLL(d *spendData, par []float64, grad []float64) float64 {
	p, q, g := par[0], par[1], par[2]
	lg := math.Log(g)
	ll := -d.n*lgamma(q) + d.n*q*lg + p*d.sumXLmLx - d.sumLm
	var dp, dq float64
	for i, x := range d.xs {
		c := d.xCount[i]
		ll += c * (lgamma(p*x+q) - lgamma(p*x))
		if grad != nil {
			psi := mathext.Digamma(p*x + q)
			dp += c * x * (psi - mathext.Digamma(p*x))
			dq += c * psi
		}
	}
	var sumL, sumXL, sumInv, sumXInv float64
	for i, xm := range d.xm {
		l := math.Log(g + xm)
		x := d.x[i]
		sumL += l
		sumXL += x * l
		if grad != nil {
			inv := 1 / (g + xm)
			sumInv += inv
			sumXInv += x * inv
		}
	}
	ll -= p*sumXL + q*sumL
	if grad != nil {
		grad[0] = dp + d.sumXLmLx - sumXL
		grad[1] = dq - d.n*mathext.Digamma(q) + d.n*lg - sumL
		grad[2] = d.n*q/g - p*sumXInv - q*sumInv
	}
	return ll
}

// FitGammaGamma fits the Gamma-Gamma model by maximum likelihood on the
// customers with at least one repeat purchase and a positive mean repeat
// spend (the first purchase is excluded from MeanSpend by Summarize).
func FitGammaGamma(data []Summary) (GammaGamma, error) {
	var obs [][2]float64
	mean := 0.0
	for _, s := range data {
		if s.X >= 1 && s.MeanSpend > 0 && !math.IsInf(s.MeanSpend, 0) {
			obs = append(obs, [2]float64{float64(s.X), s.MeanSpend})
			mean += s.MeanSpend
		}
	}
	if len(obs) < 2 {
		return GammaGamma{}, daiyun.Errorf(daiyun.EINVALID, "clv: Gamma-Gamma needs at least 2 customers with a repeat purchase of positive value in the calibration period, found %d", len(obs))
	}
	mean /= float64(len(obs))
	sd := newSpendData(obs)
	obj := objective{
		f: func(p []float64) float64 { return -ggLL(sd, p, nil) / sd.n },
		grad: func(gr, p []float64) {
			ggLL(sd, p, gr)
			for i := range gr {
				gr[i] = -gr[i] / sd.n
			}
		},
	}
	starts := [][]float64{{1, 2, mean}, {5, 3, mean / 2}}
	p, nll := minimizeLog(obj, starts)
	if math.IsNaN(nll) || math.IsInf(nll, 0) {
		return GammaGamma{}, fmtErr("Gamma-Gamma", -nll)
	}
	return GammaGamma{P: p[0], Q: p[1], Gamma: p[2], LogLikelihood: ggLL(sd, p, nil), Customers: len(obs)}, nil
}

// ExpectedSpend returns the expected mean transaction value of a customer
// with x repeat purchases of mean value m: p(γ + x·m)/(p·x + q − 1), a
// weighted average of the population mean pγ/(q−1) and m. With x = 0 it is
// the population mean. It is +Inf when q ≤ 1 and x = 0 (no finite mean).
func (g GammaGamma) ExpectedSpend(x int, m float64) float64 {
	fx := float64(x)
	if x == 0 {
		m = 0
	}
	den := g.P*fx + g.Q - 1
	if den <= 0 {
		return math.Inf(1)
	}
	return g.P * (g.Gamma + fx*m) / den
}
