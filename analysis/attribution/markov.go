package attribution

import (
	"math"

	"github.com/daiyun/daiyun"
	"gonum.org/v1/gonum/mat"
)

// chain is the first-order Markov graph of the journeys: a start state, one
// state per channel and the absorbing states conversion and null. Every
// journey adds its conversions plus nulls to each transition it makes
// (start → first channel → … → last channel), then its conversions to last
// channel → conversion and its nulls to last channel → null. Repeats of
// the same channel in a row are one visit: a self-loop changes no
// absorption probability, and ChannelAttribution's transition matrix leaves
// them out too.
type chain struct {
	n       int
	start   []float64   // start → channel
	trans   [][]float64 // channel → channel
	conv    []float64   // channel → conversion
	out     []float64   // all transitions out of a channel
	startTo float64     // all transitions out of start
}

func buildChain(js []journey, n int) *chain {
	c := &chain{n: n, start: make([]float64, n), trans: make([][]float64, n), conv: make([]float64, n), out: make([]float64, n)}
	for i := range c.trans {
		c.trans[i] = make([]float64, n)
	}
	for _, j := range js {
		w := j.conv + j.null
		prev := j.ch[0]
		c.start[prev] += w
		c.startTo += w
		for _, ch := range j.ch[1:] {
			if ch == prev {
				continue
			}
			c.trans[prev][ch] += w
			c.out[prev] += w
			prev = ch
		}
		c.conv[prev] += j.conv
		c.out[prev] += w // to conversion and to null
	}
	return c
}

// convProbability is the probability of absorption in conversion from the
// start state, with the channel removed (its visits lead to null) when
// removed >= 0. It solves (I − Q) x = r, where Q holds the channel-to-
// channel probabilities and r the channel-to-conversion ones, and returns
// Σ start_j x_j. removalEffects gets the same numbers faster; tests use
// this direct solve as the reference.
func (c *chain) convProbability(removed int) (float64, error) {
	n := c.n
	a := c.matrix(removed)
	b := mat.NewVecDense(n, nil)
	for i := 0; i < n; i++ {
		if i != removed && c.out[i] > 0 {
			b.SetVec(i, c.conv[i]/c.out[i])
		}
	}
	var x mat.VecDense
	if err := x.SolveVec(a, b); err != nil {
		var cond mat.Condition
		if !asCondition(err, &cond) {
			return 0, daiyun.Errorf(daiyun.EINTERNAL, "markov: cannot solve the absorbing chain: %v", err)
		}
	}
	p := 0.0
	for j, s := range c.start {
		if s != 0 {
			p += s / c.startTo * x.AtVec(j)
		}
	}
	return p, nil
}

// asCondition reports whether err is only a conditioning warning, after
// which gonum still returns a solution.
func asCondition(err error, cond *mat.Condition) bool {
	c, ok := err.(mat.Condition)
	if ok {
		*cond = c
	}
	return ok && !math.IsInf(float64(c), 0)
}

// removalEffects returns each channel's removal effect 1 − P_without/P and
// the conversion probability P of the full chain. All effects are 0 when
// nothing converts.
//
// With A = I − Q and b = r, P = sᵀA⁻¹b. Removing channel c replaces row c
// of A by e_cᵀ and b_c by 0: a rank-one change A + e_c·vᵀ with
// v = e_c − (row c of A), so by Sherman–Morrison
//
//	P_c = yᵀb' − y_c·(vᵀA⁻¹b') / (1 + vᵀA⁻¹e_c),  y = A⁻ᵀs, b' = b − b_c·e_c.
//
// One inverse (O(n³)) then O(n²) for all channels, instead of n solves
// (O(n⁴)); this matters when "channels" are campaigns or KOLs by the
// thousand.
func removalEffects(js []journey, n int) ([]float64, float64, error) {
	c := buildChain(js, n)
	a := c.matrix(-1)
	b := make([]float64, n)
	for i := range b {
		if c.out[i] > 0 {
			b[i] = c.conv[i] / c.out[i]
		}
	}
	var inv mat.Dense
	if err := inv.Inverse(a); err != nil {
		var cond mat.Condition
		if !asCondition(err, &cond) {
			return nil, 0, daiyun.Errorf(daiyun.EINTERNAL, "markov: cannot solve the absorbing chain: %v", err)
		}
	}
	s := make([]float64, n)
	for j := range s {
		s[j] = c.start[j] / c.startTo
	}
	x := make([]float64, n) // A⁻¹b
	y := make([]float64, n) // A⁻ᵀs
	for i := 0; i < n; i++ {
		row := inv.RawRowView(i)
		for j, v := range row {
			x[i] += v * b[j]
			y[j] += s[i] * v
		}
	}
	p := dot(s, x)
	re := make([]float64, n)
	if p <= 0 {
		return re, 0, nil
	}
	yb := dot(y, b)
	w := make([]float64, n)
	for k := 0; k < n; k++ {
		mat.Col(w, k, &inv) // A⁻¹e_k
		ak := a.RawRowView(k)
		// v = e_k − a_k; z = A⁻¹b' = x − b_k·w.
		vw := w[k] - dot(ak, w)
		vz := (x[k] - b[k]*w[k]) - (dot(ak, x) - b[k]*dot(ak, w))
		pk := (yb - y[k]*b[k]) - y[k]*vz/(1+vw)
		// Removing a channel can only lower P; clamp rounding noise.
		re[k] = math.Min(1, math.Max(0, 1-pk/p))
	}
	return re, p, nil
}

// matrix returns I − Q with the row of the removed channel (if any) and of
// channels without outgoing transitions left as identity rows.
func (c *chain) matrix(removed int) *mat.Dense {
	n := c.n
	a := mat.NewDense(n, n, nil)
	for i := 0; i < n; i++ {
		a.Set(i, i, 1)
		if i == removed || c.out[i] == 0 {
			continue
		}
		for j, t := range c.trans[i] {
			if t != 0 {
				a.Set(i, j, a.At(i, j)-t/c.out[i])
			}
		}
	}
	return a
}

func dot(a, b []float64) float64 {
	s := 0.0
	for i, v := range a {
		s += v * b[i]
	}
	return s
}
