package clv

import "math"

// ParetoNBD holds the parameters of the Pareto/NBD model (Schmittlein,
// Morrison & Colombo 1987): purchase rates Gamma(r, α) and dropout rates
// Gamma(s, β) across customers.
type ParetoNBD struct {
	R, Alpha, S, Beta float64
	// LogLikelihood is the log-likelihood of the data at the parameters.
	LogLikelihood float64
}

// pnbdLogA0 returns log A₀ of Fader, Hardie & Lee's "A Note on Deriving the
// Pareto/NBD Model and Related Expressions" (2005): the difference of two
// 2F1 terms, taken at t_x and T. The hypergeometric argument uses the larger
// of α and β, (|α−β|)/(max(α,β)+t), so it stays in [0, 1). It returns −Inf
// when A₀ is zero (t_x = T).
func pnbdLogA0(r, alpha, s, beta, x, tx, T float64) float64 {
	rsx := r + s + x
	var b, k float64 // 2F1(r+s+x, b; r+s+x+1; ·) and the rate used
	if alpha >= beta {
		b, k = s+1, alpha
	} else {
		b, k = r+x, beta
	}
	d := math.Abs(alpha - beta)
	l1 := logHyp2f1Pos(rsx, b, rsx+1, d/(k+tx)) - rsx*math.Log(k+tx)
	l2 := logHyp2f1Pos(rsx, b, rsx+1, d/(k+T)) - rsx*math.Log(k+T)
	if l2 >= l1 {
		return math.Inf(-1)
	}
	return l1 + math.Log1p(-math.Exp(l2-l1))
}

// pnbdTerms returns log L for one customer and log of the ratio used by
// P(alive): ratio = s/(r+s+x) · (α+T)^(r+x) (β+T)^s · A₀.
func pnbdTerms(p []float64, x, tx, T float64) (ll, logRatio float64) {
	r, alpha, s, beta := p[0], p[1], p[2], p[3]
	base := lgamma(r+x) - lgamma(r) + r*math.Log(alpha) + s*math.Log(beta)
	first := -(r+x)*math.Log(alpha+T) - s*math.Log(beta+T)
	la0 := pnbdLogA0(r, alpha, s, beta, x, tx, T)
	second := math.Log(s) - math.Log(r+s+x) + la0
	logRatio = second - first
	if math.IsInf(la0, -1) {
		return base + first, math.Inf(-1)
	}
	if first >= second {
		return base + first + math.Log1p(math.Exp(second-first)), logRatio
	}
	return base + second + math.Log1p(math.Exp(first-second)), logRatio
}

// pnbdIndex adds to grouped data the distinct (x, t) pairs at which the
// likelihood needs a 2F1 term (t = t_x and t = T of every triple), so each
// evaluation computes one series per pair rather than two per customer.
type pnbdIndex struct {
	*groups
	pairs       [][2]float64 // (x, t)
	pairX       []int32      // index into xs of each pair
	triTx, triT []int32      // pair index of each triple's t_x and T
}

func newPNBDIndex(g *groups) *pnbdIndex {
	ix := &pnbdIndex{groups: g}
	pos := map[[2]float64]int32{}
	pair := func(xi int32, t float64) int32 {
		k := [2]float64{g.xs[xi], t}
		if i, ok := pos[k]; ok {
			return i
		}
		i := int32(len(ix.pairs))
		pos[k] = i
		ix.pairs = append(ix.pairs, k)
		ix.pairX = append(ix.pairX, xi)
		return i
	}
	for _, t := range g.tri {
		ix.triTx = append(ix.triTx, pair(t.xi, g.txs[t.txi]))
		ix.triT = append(ix.triT, pair(t.xi, g.ts[t.ti]))
	}
	return ix
}

// pnbdLL is the Pareto/NBD log-likelihood of grouped data; see pnbdTerms
// for the per-customer expression.
func pnbdLL(ix *pnbdIndex, p []float64) float64 {
	r, alpha, s, beta := p[0], p[1], p[2], p[3]
	k, d := alpha, alpha-beta
	if alpha < beta {
		k, d = beta, beta-alpha
	}
	// log[2F1(r+s+x, b; r+s+x+1; d/(k+t)) / (k+t)^(r+s+x)] per pair.
	lterm := make([]float64, len(ix.pairs))
	for i, pr := range ix.pairs {
		x, t := pr[0], pr[1]
		rsx := r + s + x
		b := s + 1
		if alpha < beta {
			b = r + x
		}
		lterm[i] = logHyp2f1Pos(rsx, b, rsx+1, d/(k+t)) - rsx*math.Log(k+t)
	}
	base := make([]float64, len(ix.xs))
	lsr := make([]float64, len(ix.xs))
	for i, x := range ix.xs {
		base[i] = lgamma(r+x) - lgamma(r) + r*math.Log(alpha) + s*math.Log(beta)
		lsr[i] = math.Log(s) - math.Log(r+s+x)
	}
	lat := make([]float64, len(ix.ts))
	lbt := make([]float64, len(ix.ts))
	for i, t := range ix.ts {
		lat[i], lbt[i] = math.Log(alpha+t), math.Log(beta+t)
	}
	ll := 0.0
	for j, t := range ix.tri {
		x := ix.xs[t.xi]
		first := -(r+x)*lat[t.ti] - s*lbt[t.ti]
		l1, l2 := lterm[ix.triTx[j]], lterm[ix.triT[j]]
		v := base[t.xi] + first
		if l2 < l1 {
			second := lsr[t.xi] + l1 + math.Log1p(-math.Exp(l2-l1))
			if first >= second {
				v += math.Log1p(math.Exp(second - first))
			} else {
				v += second - first + math.Log1p(math.Exp(first-second))
			}
		}
		ll += t.count * v
	}
	return ll
}

// FitParetoNBD fits the Pareto/NBD model by maximum likelihood: BFGS with
// central-difference gradients on the logarithms of the parameters, bounded to [6e-6, 1.6e5], from
// several starting points.
func FitParetoNBD(data []Summary) (ParetoNBD, error) {
	if err := checkFittable(data); err != nil {
		return ParetoNBD{}, err
	}
	g := groupSummaries(data)
	mt := g.meanT()
	ix := newPNBDIndex(g)
	f := func(p []float64) float64 { return -pnbdLL(ix, p) / g.n }
	obj := objective{f: f, grad: func(gr, p []float64) {
		// Central differences: the analytic gradient would need the
		// derivatives of 2F1 in its parameters.
		q := append([]float64(nil), p...)
		for i := range p {
			h := 1e-6 * p[i]
			q[i] = p[i] + h
			up := f(q)
			q[i] = p[i] - h
			down := f(q)
			q[i] = p[i]
			gr[i] = (up - down) / (2 * h)
		}
	}}
	starts := [][]float64{
		{1, mt, 1, mt},
		{0.5, mt / 4, 0.5, mt / 4},
		{0.3, mt / 2, 2, mt * 2},
	}
	p, nll := minimizeLog(obj, starts)
	if math.IsNaN(nll) || math.IsInf(nll, 0) {
		return ParetoNBD{}, fmtErr("Pareto/NBD", -nll)
	}
	return ParetoNBD{R: p[0], Alpha: p[1], S: p[2], Beta: p[3], LogLikelihood: pnbdLL(ix, p)}, nil
}

// LogLik returns the log-likelihood of data under the model.
func (m ParetoNBD) LogLik(data []Summary) float64 {
	return pnbdLL(newPNBDIndex(groupSummaries(data)), []float64{m.R, m.Alpha, m.S, m.Beta})
}

// PAlive returns the probability that a customer with history s is still
// active at the end of the calibration period.
func (m ParetoNBD) PAlive(s Summary) float64 {
	_, lr := pnbdTerms([]float64{m.R, m.Alpha, m.S, m.Beta}, float64(s.X), s.Tx, s.T)
	return 1 / (1 + math.Exp(lr))
}

// ExpectedPurchases returns the expected number of purchases in the next t
// periods of a customer with history s:
// P(alive) · (r+x)(β+T)/((α+T)(s−1)) · [1 − ((β+T)/(β+T+t))^(s−1)],
// with the limit (r+x)(β+T)/(α+T) · ln((β+T+t)/(β+T)) at s = 1.
func (m ParetoNBD) ExpectedPurchases(s Summary, t float64) float64 {
	if t <= 0 {
		return 0
	}
	x := float64(s.X)
	lu := math.Log((m.Beta + s.T) / (m.Beta + s.T + t)) // ln u < 0
	var g float64
	if math.Abs(m.S-1) < 1e-12 {
		g = -lu
	} else {
		g = -math.Expm1((m.S-1)*lu) / (m.S - 1)
	}
	return m.PAlive(s) * (m.R + x) * (m.Beta + s.T) / (m.Alpha + s.T) * g
}
