package clv

import (
	"math"

	"github.com/daiyun/daiyun"
)

// Model names accepted by Analyze.
const (
	ModelBGNBD = "bgnbd"
	ModelPNBD  = "pnbd"
)

// Options configures Analyze.
type Options struct {
	// Model is ModelBGNBD (default) or ModelPNBD.
	Model string
	// Horizon is the number of periods predicted.
	Horizon float64
	// Discount is the discount rate per period used by CLV (0 = none).
	Discount float64
	// Margin multiplies the expected revenue in CLV (default 1: CLV is
	// discounted revenue).
	Margin float64
}

// ModelFit is the fitted purchase-and-dropout model. BG/NBD sets A and B,
// Pareto/NBD sets S and Beta.
type ModelFit struct {
	Name          string   `json:"name"`
	R             float64  `json:"r"`
	Alpha         float64  `json:"alpha"`
	A             *float64 `json:"a,omitempty"`
	B             *float64 `json:"b,omitempty"`
	S             *float64 `json:"s,omitempty"`
	Beta          *float64 `json:"beta,omitempty"`
	LogLikelihood float64  `json:"log_likelihood"`
	Customers     int      `json:"customers"`
}

// SpendFit is the fitted Gamma-Gamma model.
type SpendFit struct {
	P             float64 `json:"p"`
	Q             float64 `json:"q"`
	Gamma         float64 `json:"gamma"`
	LogLikelihood float64 `json:"log_likelihood"`
	Customers     int     `json:"customers"`
}

// CustomerValue is the prediction for one customer.
type CustomerValue struct {
	CustomerID        string  `json:"customer_id"`
	X                 int     `json:"x"`
	Tx                float64 `json:"t_x"`
	T                 float64 `json:"T"`
	MeanRepeatSpend   float64 `json:"mean_repeat_spend"`
	ExpectedPurchases float64 `json:"expected_purchases"`
	PAlive            float64 `json:"p_alive"`
	ExpectedSpend     float64 `json:"expected_spend"`
	CLV               float64 `json:"clv"`
	// HoldoutPurchases is set when the data reach past the calibration end.
	HoldoutPurchases *int `json:"holdout_purchases,omitempty"`
}

// Result is the output of Analyze.
type Result struct {
	Model     ModelFit        `json:"model"`
	Spend     SpendFit        `json:"spend"`
	Customers []CustomerValue `json:"customers"`
}

// Predictor is a fitted purchase-and-dropout model.
type Predictor interface {
	ExpectedPurchases(s Summary, t float64) float64
	PAlive(s Summary) float64
}

// CLV returns margin × spend × DiscountedPurchases(m, s, horizon, discount).
func CLV(m Predictor, s Summary, spend, horizon, discount, margin float64) float64 {
	return margin * spend * DiscountedPurchases(m, s, horizon, discount)
}

// DiscountedPurchases returns Σ_{i=1..⌈H⌉} (E[Y(min(i,H))] − E[Y(i−1)]) /
// (1+d)^i: the expected purchases of each future period discounted to the
// calibration end at rate d per period. With d = 0 it is E[Y(H)].
func DiscountedPurchases(m Predictor, s Summary, horizon, discount float64) float64 {
	if discount == 0 {
		return m.ExpectedPurchases(s, horizon)
	}
	total, prev := 0.0, 0.0
	for i := 1; float64(i-1) < horizon; i++ {
		cum := m.ExpectedPurchases(s, math.Min(float64(i), horizon))
		total += (cum - prev) / math.Pow(1+discount, float64(i))
		prev = cum
	}
	return total
}

// Analyze fits the purchase model named in opts and the Gamma-Gamma spend
// model to prepared data and predicts every customer.
func Analyze(p *Prepared, opts Options) (*Result, error) {
	if opts.Horizon <= 0 || math.IsNaN(opts.Horizon) {
		return nil, daiyun.Errorf(daiyun.EINVALID, "--horizon %g must be positive", opts.Horizon)
	}
	if opts.Discount < 0 || opts.Discount >= 1 || math.IsNaN(opts.Discount) {
		return nil, daiyun.Errorf(daiyun.EINVALID, "--discount %g must be in [0, 1)", opts.Discount)
	}
	if opts.Margin == 0 {
		opts.Margin = 1
	}
	data := p.Customers
	res := &Result{}
	var pred Predictor
	switch opts.Model {
	case "", ModelBGNBD:
		m, err := FitBGNBD(data)
		if err != nil {
			return nil, err
		}
		res.Model = ModelFit{Name: ModelBGNBD, R: m.R, Alpha: m.Alpha, A: &m.A, B: &m.B, LogLikelihood: m.LogLikelihood}
		pred = m
	case ModelPNBD:
		m, err := FitParetoNBD(data)
		if err != nil {
			return nil, err
		}
		res.Model = ModelFit{Name: ModelPNBD, R: m.R, Alpha: m.Alpha, S: &m.S, Beta: &m.Beta, LogLikelihood: m.LogLikelihood}
		pred = m
	default:
		return nil, daiyun.Errorf(daiyun.EINVALID, "--model %q is not one of bgnbd, pnbd", opts.Model)
	}
	res.Model.Customers = len(data)
	gg, err := FitGammaGamma(data)
	if err != nil {
		return nil, err
	}
	if gg.Q <= 1 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "clv: Gamma-Gamma q = %.3g ≤ 1: the spend data imply no finite mean spend", gg.Q)
	}
	res.Spend = SpendFit{P: gg.P, Q: gg.Q, Gamma: gg.Gamma, LogLikelihood: gg.LogLikelihood, Customers: gg.Customers}
	res.Customers = make([]CustomerValue, len(data))
	// Purchase predictions depend on (x, t_x, T) only: compute them once
	// per distinct triple.
	type purchases struct{ expected, alive, discounted float64 }
	cache := make(map[[3]float64]purchases)
	for i, s := range data {
		key := [3]float64{float64(s.X), s.Tx, s.T}
		pp, ok := cache[key]
		if !ok {
			pp = purchases{pred.ExpectedPurchases(s, opts.Horizon), pred.PAlive(s), DiscountedPurchases(pred, s, opts.Horizon, opts.Discount)}
			cache[key] = pp
		}
		spend := gg.ExpectedSpend(s.X, s.MeanSpend)
		cv := CustomerValue{
			CustomerID: s.CustomerID, X: s.X, Tx: s.Tx, T: s.T, MeanRepeatSpend: s.MeanSpend,
			ExpectedPurchases: pp.expected,
			PAlive:            pp.alive,
			ExpectedSpend:     spend,
			CLV:               opts.Margin * spend * pp.discounted,
		}
		if p.HasHoldout {
			h := s.HoldoutX
			cv.HoldoutPurchases = &h
		}
		for _, v := range []float64{cv.ExpectedPurchases, cv.PAlive, cv.ExpectedSpend, cv.CLV} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, daiyun.Errorf(daiyun.EINTERNAL, "clv: prediction for customer %q is not finite", s.CustomerID)
			}
		}
		res.Customers[i] = cv
	}
	return res, nil
}
