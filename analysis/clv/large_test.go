package clv

import (
	"math"
	"testing"
)

// A BG/NBD fit can drift to very large a and b (a near-constant dropout
// probability). The prediction must stay finite there, and the two forms of
// the hypergeometric term must agree where both converge.
func TestExpectedPurchasesLargeAB(t *testing.T) {
	// The case found on demo data: a fit of r 0.9254, α 3.0644, a 87985,
	// b 160320 gave NaN for a customer with x = 0, t_x = 0, T = 27.714.
	m := BGNBD{R: 0.9254, Alpha: 3.0644, A: 87985, B: 160320}
	s := Summary{X: 0, Tx: 0, T: 27.714}
	got := m.ExpectedPurchases(s, 52)
	if math.IsNaN(got) || math.IsInf(got, 0) || got <= 0 {
		t.Fatalf("E[Y(52)] = %v", got)
	}
	// With a and b this large the model is a constant dropout probability
	// p = a/(a+b) per purchase, so the answer must sit near the moderate
	// fit with the same ratio.
	near := BGNBD{R: 0.9254, Alpha: 3.0644, A: 879.85, B: 1603.20}.ExpectedPurchases(s, 52)
	if math.Abs(got-near)/near > 0.01 {
		t.Fatalf("large a,b %v vs same ratio at a/100 %v", got, near)
	}
	// Where both forms converge they give the same number.
	for _, tc := range []struct {
		m BGNBD
		s Summary
	}{
		{BGNBD{R: 0.243, Alpha: 4.414, A: 60, B: 90}, Summary{X: 2, Tx: 30.43, T: 38.86}},
		{BGNBD{R: 1.2, Alpha: 8, A: 55, B: 70}, Summary{X: 0, Tx: 0, T: 20}},
	} {
		x, r, a, b, alpha := float64(tc.s.X), tc.m.R, tc.m.A, tc.m.B, tc.m.Alpha
		z := 39 / (alpha + tc.s.T + 39)
		direct := math.Pow((alpha+tc.s.T)/(alpha+tc.s.T+39), r+x) * hyp2f1(r+x, b+x, a+b+x-1, z)
		euler := math.Pow(1-z, a-1) * hyp2f1(a+b-1-r, a-1, a+b+x-1, z)
		if math.Abs(direct-euler) > 1e-9*math.Max(1, math.Abs(direct)) {
			t.Errorf("%+v: direct %v, Euler %v", tc.m, direct, euler)
		}
	}
}
