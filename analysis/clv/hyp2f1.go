package clv

import "math"

// maxSeriesTerms bounds the hypergeometric series. The terms shrink like z^n,
// so the bound is only reached for z within about 1e-4 of 1.
const maxSeriesTerms = 500000

// hyp2f1 returns the Gaussian hypergeometric function 2F1(a, b; c; z) for
// 0 ≤ z < 1 by its power series Σ (a)_n (b)_n / ((c)_n n!) zⁿ. Terms may have
// either sign; the sum stops when a term is below 1e-16 of the running sum
// after the terms have started to shrink.
func hyp2f1(a, b, c, z float64) float64 {
	if z == 0 {
		return 1
	}
	sum, term := 1.0, 1.0
	for n := 0; n < maxSeriesTerms; n++ {
		fn := float64(n)
		term *= (a + fn) * (b + fn) / ((c + fn) * (fn + 1)) * z
		sum += term
		if term == 0 || (math.Abs(term) <= 1e-16*math.Abs(sum) && fn > math.Abs(a)+math.Abs(b)) {
			break
		}
	}
	return sum
}

// logHyp2f1Pos returns log 2F1(a, b; c; z) for a, b, c > 0 and 0 ≤ z < 1,
// when every term of the series is positive. The running sum is kept
// rescaled so large parameters (a = r+s+x with many purchases) cannot
// overflow.
func logHyp2f1Pos(a, b, c, z float64) float64 {
	if z <= 0 {
		return 0
	}
	logScale := 0.0
	sum, term := 1.0, 1.0
	for n := 0; n < maxSeriesTerms; n++ {
		fn := float64(n)
		term *= (a + fn) * (b + fn) / ((c + fn) * (fn + 1)) * z
		sum += term
		if sum > 1e200 {
			sum *= 1e-200
			term *= 1e-200
			logScale += 200 * math.Ln10
		}
		if term <= 1e-16*sum {
			break
		}
	}
	return math.Log(sum) + logScale
}
