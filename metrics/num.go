package metrics

import (
	"math"
	"math/big"
	"math/bits"
)

// num is an exact number: an int64 while the value is an integer that
// fits, a rational otherwise (converted money, overflow). Measures are
// integer sums almost always, so the int64 path keeps the Go side cheap;
// the rational path keeps it exact.
type num struct {
	i int64
	r *big.Rat // non-nil: the value is r, i is ignored
}

func (n num) rat() *big.Rat {
	if n.r != nil {
		return n.r
	}
	return new(big.Rat).SetInt64(n.i)
}

func (n num) sign() int {
	if n.r != nil {
		return n.r.Sign()
	}
	switch {
	case n.i > 0:
		return 1
	case n.i < 0:
		return -1
	}
	return 0
}

// add returns n + m.
func (n num) add(m num) num {
	if n.r == nil && m.r == nil {
		s := n.i + m.i // wraps on overflow, which the sign test below catches
		if (n.i >= 0) != (m.i >= 0) || (s >= 0) == (n.i >= 0) {
			return num{i: s}
		}
	}
	return num{r: new(big.Rat).Add(n.rat(), m.rat())}
}

// sub returns n − m.
func (n num) sub(m num) num {
	if m.r == nil && m.i != math.MinInt64 {
		return n.add(num{i: -m.i})
	}
	return num{r: new(big.Rat).Sub(n.rat(), m.rat())}
}

// mulRat returns n × r.
func (n num) mulRat(r *big.Rat) num {
	return num{r: new(big.Rat).Mul(n.rat(), r)}
}

const exactFloat = 1 << 53

// ratio returns n × sn ÷ (d × sd) as the float64 nearest the exact value;
// d must not be zero. When every factor is a small integer one IEEE
// division is already correctly rounded; otherwise big.Rat does it.
func ratio(n, d num, sn, sd int64) float64 {
	if n.r == nil && d.r == nil {
		a, okA := mulSmall(n.i, sn)
		b, okB := mulSmall(d.i, sd)
		if okA && okB {
			return float64(a) / float64(b)
		}
	}
	q := new(big.Rat).Mul(n.rat(), big.NewRat(sn, 1))
	q.Quo(q, new(big.Rat).Mul(d.rat(), big.NewRat(sd, 1)))
	f, _ := q.Float64()
	return f
}

// mulSmall multiplies when the product stays exactly representable as a
// float64.
func mulSmall(a, b int64) (int64, bool) {
	if a > -exactFloat && a < exactFloat && b > 0 && b < exactFloat {
		hi, lo := bits.Mul64(uint64(abs64(a)), uint64(b))
		if hi == 0 && lo < exactFloat {
			if a < 0 {
				return -int64(lo), true
			}
			return int64(lo), true
		}
	}
	return 0, false
}

func abs64(a int64) int64 {
	if a < 0 {
		return -a
	}
	return a
}
