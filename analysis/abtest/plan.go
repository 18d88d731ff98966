package abtest

import (
	"math"

	"github.com/daiyun/daiyun"
)

// PlanOptions describe the experiment to size.
type PlanOptions struct {
	// Baseline is the control conversion rate, in (0, 1).
	Baseline float64
	// MDE is the minimum detectable effect: an absolute difference of rates,
	// or a fraction of Baseline when Relative is set.
	MDE      float64
	Relative bool
	// Power is 1 − β (default 0.8); Alpha the two-sided level (default 0.05).
	Power, Alpha float64
}

// Plan is the sample size per arm for a two-sided, two-arm test of equal
// size.
type Plan struct {
	Baseline float64 `json:"baseline"`
	Target   float64 `json:"target"`
	MDE      float64 `json:"mde"`
	Relative bool    `json:"relative"`
	Alpha    float64 `json:"alpha"`
	Power    float64 `json:"power"`
	// NExact is the real-valued solution; NPerArm rounds it up; Total is
	// both arms.
	NExact  float64 `json:"n_exact"`
	NPerArm int64   `json:"n_per_arm"`
	Total   int64   `json:"total"`
}

// SampleSize solves R's power.prop.test (strict = FALSE) for n in closed
// form: with p̄ = (p1+p2)/2,
//
//	n = (z_{1−α/2}·√(2·p̄(1−p̄)) + z_{1−β}·√(p1(1−p1) + p2(1−p2)))² / (p2−p1)²
//
// the normal approximation with the pooled variance under the null and the
// unpooled one under the alternative (Fleiss, Statistical Methods for Rates
// and Proportions, without continuity correction).
func SampleSize(o PlanOptions) (*Plan, error) {
	if o.Power == 0 {
		o.Power = 0.8
	}
	if o.Alpha == 0 {
		o.Alpha = 0.05
	}
	switch {
	case !(o.Baseline > 0 && o.Baseline < 1):
		return nil, daiyun.Errorf(daiyun.EINVALID, "--baseline %v: must be a rate strictly between 0 and 1", o.Baseline)
	case !(o.Power > 0 && o.Power < 1):
		return nil, daiyun.Errorf(daiyun.EINVALID, "--power %v: must be between 0 and 1", o.Power)
	case !(o.Alpha > 0 && o.Alpha < 1):
		return nil, daiyun.Errorf(daiyun.EINVALID, "--alpha %v: must be between 0 and 1", o.Alpha)
	case o.MDE == 0 || math.IsNaN(o.MDE) || math.IsInf(o.MDE, 0):
		return nil, daiyun.Errorf(daiyun.EINVALID, "--mde %v: must be a non-zero effect", o.MDE)
	}
	p1 := o.Baseline
	p2 := p1 + o.MDE
	if o.Relative {
		p2 = p1 * (1 + o.MDE)
	}
	if !(p2 > 0 && p2 < 1) {
		return nil, daiyun.Errorf(daiyun.EINVALID, "--mde %v: the target rate %v is outside (0, 1)", o.MDE, p2)
	}
	za := stdNormal.Quantile(1 - o.Alpha/2)
	zb := stdNormal.Quantile(o.Power)
	pbar := (p1 + p2) / 2
	num := za*math.Sqrt(2*pbar*(1-pbar)) + zb*math.Sqrt(p1*(1-p1)+p2*(1-p2))
	n := num * num / ((p2 - p1) * (p2 - p1))
	per := int64(math.Ceil(n - 1e-9))
	return &Plan{Baseline: p1, Target: p2, MDE: o.MDE, Relative: o.Relative, Alpha: o.Alpha, Power: o.Power,
		NExact: n, NPerArm: per, Total: 2 * per}, nil
}
