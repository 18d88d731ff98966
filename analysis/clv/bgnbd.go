package clv

import (
	"math"

	"gonum.org/v1/gonum/mathext"
)

// BGNBD holds the parameters of the BG/NBD model (Fader, Hardie & Lee 2005,
// "Counting Your Customers the Easy Way"): purchase rates are Gamma(r, α)
// across customers and after each purchase a customer drops out with a
// probability that is Beta(a, b) across customers.
type BGNBD struct {
	R, Alpha, A, B float64
	// LogLikelihood is the log-likelihood of the data at the parameters.
	LogLikelihood float64
}

func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

// bgnbdLL returns the log-likelihood of grouped data and, when grad is not
// nil, fills it with the gradient with respect to (r, α, a, b).
func bgnbdLL(g *groups, p []float64, grad []float64) float64 {
	r, alpha, a, b := p[0], p[1], p[2], p[3]
	lnAT := make([]float64, len(g.ts))
	invAT := make([]float64, len(g.ts))
	for i, t := range g.ts {
		lnAT[i] = math.Log(alpha + t)
		invAT[i] = 1 / (alpha + t)
	}
	lnAtx := make([]float64, len(g.txs))
	invAtx := make([]float64, len(g.txs))
	for i, t := range g.txs {
		lnAtx[i] = math.Log(alpha + t)
		invAtx[i] = 1 / (alpha + t)
	}
	lnBx := make([]float64, len(g.xs))
	lnA := math.Log(a)
	ll := 0.0
	var dr, dal, da, db float64
	lnAlpha := math.Log(alpha)
	for i, x := range g.xs {
		c := g.xCount[i]
		if x > 0 {
			lnBx[i] = math.Log(b + x - 1)
		}
		// A1 and A2 of the likelihood depend on x only.
		ll += c * (lgamma(r+x) - lgamma(r) + r*lnAlpha +
			lgamma(a+b) + lgamma(b+x) - lgamma(b) - lgamma(a+b+x))
		if grad != nil {
			dr += c * (mathext.Digamma(r+x) - mathext.Digamma(r) + lnAlpha)
			dal += c * r / alpha
			da += c * (mathext.Digamma(a+b) - mathext.Digamma(a+b+x))
			db += c * (mathext.Digamma(a+b) + mathext.Digamma(b+x) - mathext.Digamma(b) - mathext.Digamma(a+b+x))
		}
	}
	for _, t := range g.tri {
		x := g.xs[t.xi]
		rx := r + x
		a3 := -rx * lnAT[t.ti]
		if x == 0 {
			ll += t.count * a3
			if grad != nil {
				dr -= t.count * lnAT[t.ti]
				dal -= t.count * rx * invAT[t.ti]
			}
			continue
		}
		a4 := lnA - lnBx[t.xi] - rx*lnAtx[t.txi]
		var lse, w float64
		if a3 >= a4 {
			e := math.Exp(a4 - a3)
			lse = a3 + math.Log1p(e)
			w = e / (1 + e)
		} else {
			e := math.Exp(a3 - a4)
			lse = a4 + math.Log1p(e)
			w = 1 / (1 + e)
		}
		ll += t.count * lse
		if grad != nil {
			c := t.count
			dr -= c * ((1-w)*lnAT[t.ti] + w*lnAtx[t.txi])
			dal -= c * rx * ((1-w)*invAT[t.ti] + w*invAtx[t.txi])
			da += c * w / a
			db -= c * w / (b + x - 1)
		}
	}
	if grad != nil {
		grad[0], grad[1], grad[2], grad[3] = dr, dal, da, db
	}
	return ll
}

// FitBGNBD fits the BG/NBD model by maximum likelihood: BFGS on the
// logarithms of the parameters, bounded to [6e-6, 1.6e5], from several
// starting points, keeping the best. Customers are collapsed to distinct
// (x, t_x, T) triples first, so the cost grows with the number of distinct
// triples, not customers.
func FitBGNBD(data []Summary) (BGNBD, error) {
	if err := checkFittable(data); err != nil {
		return BGNBD{}, err
	}
	g := groupSummaries(data)
	mt := g.meanT()
	// The mean log-likelihood per customer keeps gradient thresholds
	// independent of the data size.
	obj := objective{
		f: func(p []float64) float64 { return -bgnbdLL(g, p, nil) / g.n },
		grad: func(gr, p []float64) {
			bgnbdLL(g, p, gr)
			for i := range gr {
				gr[i] = -gr[i] / g.n
			}
		},
	}
	starts := [][]float64{
		{1, mt, 1, 1},
		{0.25, mt / 8, 0.8, 2.5},
		{2, mt * 2, 0.3, 5},
		{0.5, mt / 2, 2, 10},
	}
	p, nll := minimizeLog(obj, starts)
	if math.IsNaN(nll) || math.IsInf(nll, 0) {
		return BGNBD{}, fmtErr("BG/NBD", -nll)
	}
	return BGNBD{R: p[0], Alpha: p[1], A: p[2], B: p[3], LogLikelihood: bgnbdLL(g, p, nil)}, nil
}

// LogLik returns the log-likelihood of data under the model.
func (m BGNBD) LogLik(data []Summary) float64 {
	return bgnbdLL(groupSummaries(data), []float64{m.R, m.Alpha, m.A, m.B}, nil)
}

// PAlive returns the probability that a customer with history s is still
// active at the end of the calibration period.
func (m BGNBD) PAlive(s Summary) float64 {
	if s.X == 0 {
		return 1
	}
	x := float64(s.X)
	lnRatio := math.Log(m.A) - math.Log(m.B+x-1) + (m.R+x)*(math.Log(m.Alpha+s.T)-math.Log(m.Alpha+s.Tx))
	return 1 / (1 + math.Exp(lnRatio))
}

// ExpectedPurchases returns the expected number of purchases in the next t
// periods of a customer with history s (Fader, Hardie & Lee 2005, eq. 10).
func (m BGNBD) ExpectedPurchases(s Summary, t float64) float64 {
	if t <= 0 {
		return 0
	}
	x := float64(s.X)
	r, alpha, a, b := m.R, m.Alpha, m.A, m.B
	z := t / (alpha + s.T + t)
	var term float64
	if a > largeA {
		// Large a and b (a fit drifting towards a constant dropout
		// probability): the direct form converges in a few terms, while
		// the Euler form below would multiply a vanishing power by an
		// overflowing series.
		term = math.Pow((alpha+s.T)/(alpha+s.T+t), r+x) * hyp2f1(r+x, b+x, a+b+x-1, z)
	} else {
		// ((α+T)/(α+T+t))^(r+x) · 2F1(r+x, b+x; a+b+x−1; z) rewritten by
		// Euler's transformation as (1−z)^(a−1) · 2F1(a+b−1−r, a−1; a+b+x−1; z),
		// whose parameters stay small so the series neither overflows nor
		// cancels.
		term = math.Pow(1-z, a-1) * hyp2f1(a+b-1-r, a-1, a+b+x-1, z)
	}
	num := (a + b + x - 1) / (a - 1) * (1 - term)
	if math.Abs(a-1) < 1e-9 {
		// Limit a → 1: (1 − (1−z)^(a−1)·h)/(a−1) → −ln(1−z) − ∂h/∂a; fall back
		// to a nearby a, which is accurate to far better than the data.
		return BGNBD{R: r, Alpha: alpha, A: 1 + 1e-6, B: b}.ExpectedPurchases(s, t)
	}
	return num * m.PAlive(s)
}

// largeA is where ExpectedPurchases switches from Euler's form of the
// hypergeometric term to the direct one; both are exact, each converges
// well on its side.
const largeA = 50

// Unconditional returns the expected number of purchases in (0, t] of a
// newly acquired customer (FHL 2005, eq. 9).
func (m BGNBD) Unconditional(t float64) float64 {
	r, alpha, a, b := m.R, m.Alpha, m.A, m.B
	z := t / (alpha + t)
	h := hyp2f1(r, b, a+b-1, z)
	return (a + b - 1) / (a - 1) * (1 - math.Pow(alpha/(alpha+t), r)*h)
}
