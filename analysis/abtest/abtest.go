// Package abtest compares conversion rates of experiment arms (PRODUCT.md
// D7): the pooled two-proportion z-test, Pearson's chi-square on the 2×2
// table (optionally with Yates' continuity correction), Wilson score
// intervals per arm, Newcombe's hybrid score interval for the difference, the
// relative lift, and sample-size planning. The numbers match R's prop.test
// and power.prop.test.
//
// It reads no files and keeps no experiments: the registry that runs these
// tests on warehouse events is analysis/experiment.
package abtest

import (
	"math"
	"strconv"
	"strings"

	"github.com/daiyun/daiyun"
	"gonum.org/v1/gonum/stat/distuv"
)

// Arm is one arm of an experiment: conversions out of visitors.
type Arm struct {
	Name        string `json:"name"`
	Conversions int64  `json:"conversions"`
	Visitors    int64  `json:"visitors"`
}

// ParseArm reads the flag form CONV/N; flag names the option in errors.
func ParseArm(flag, s string) (Arm, error) {
	a, b, ok := strings.Cut(strings.TrimSpace(s), "/")
	c, err1 := strconv.ParseInt(strings.TrimSpace(a), 10, 64)
	n, err2 := strconv.ParseInt(strings.TrimSpace(b), 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return Arm{}, daiyun.Errorf(daiyun.EINVALID, "%s %q: want CONVERSIONS/VISITORS, e.g. 120/1000", flag, s)
	}
	arm := Arm{Name: flag, Conversions: c, Visitors: n}
	return arm, arm.check(flag, s)
}

func (a Arm) check(flag, s string) error {
	switch {
	case a.Conversions < 0 || a.Visitors < 0:
		return daiyun.Errorf(daiyun.EINVALID, "%s %s: counts must not be negative", flag, s)
	case a.Visitors == 0:
		return daiyun.Errorf(daiyun.EINVALID, "%s %s: the number of visitors must be positive", flag, s)
	case a.Conversions > a.Visitors:
		return daiyun.Errorf(daiyun.EINVALID, "%s %s: conversions (%d) exceed visitors (%d)", flag, s, a.Conversions, a.Visitors)
	}
	return nil
}

// Rate is conversions ÷ visitors.
func (a Arm) Rate() float64 { return float64(a.Conversions) / float64(a.Visitors) }

// ArmResult is an arm with its rate and Wilson score interval.
type ArmResult struct {
	Arm
	Rate       float64 `json:"rate"`
	WilsonLow  float64 `json:"wilson_low"`
	WilsonHigh float64 `json:"wilson_high"`
}

// Comparison is one variant against the control. Differences are variant
// minus control.
type Comparison struct {
	Variant ArmResult `json:"variant"`
	// Z is the pooled two-proportion z statistic (never continuity
	// corrected); positive when the variant converts better.
	Z *float64 `json:"z"`
	// PValue is two-sided: from Chi2 (equal to the z-test's without Yates).
	PValue *float64 `json:"p_value"`
	// Chi2 is Pearson's chi-square on the 2×2 table, with Yates' correction
	// when requested; DF is 1.
	Chi2 *float64 `json:"chi2"`
	DF   int      `json:"df"`
	// Diff is the variant rate minus the control rate; CILow and CIHigh are
	// Newcombe's hybrid score interval for it (method 10) at level 1−alpha.
	Diff   float64 `json:"diff"`
	CILow  float64 `json:"ci_low"`
	CIHigh float64 `json:"ci_high"`
	// Lift is Diff divided by the control rate; null when that rate is 0.
	Lift        *float64 `json:"lift"`
	Significant bool     `json:"significant"`
	// Decision is what the test allows one to conclude; see the Decision
	// constants. Before the planned sample is reached it is always
	// PlannedSampleNotReached, whatever the p-value: stopping early when a
	// test first looks significant inflates false positives.
	Decision string `json:"decision"`
}

// Decisions.
const (
	PlannedSampleNotReached = "planned_sample_not_reached"
	VariantBetter           = "variant_better"
	ControlBetter           = "control_better"
	NoSignificantDifference = "no_significant_difference"
)

// Result is a test of one or more variants against a control. The
// top-level statistics are those of the first variant, so a two-arm test
// reads as one flat object; Comparisons holds every variant.
type Result struct {
	Alpha   float64   `json:"alpha"`
	Yates   bool      `json:"yates"`
	Control ArmResult `json:"control"`
	Comparison
	Comparisons []Comparison `json:"comparisons"`
	// Overall is the chi-square test of equal rates over all arms (df =
	// arms − 1), present when there are two variants or more.
	Overall *Overall `json:"overall,omitempty"`
}

// Overall is the k-arm chi-square test of homogeneity.
type Overall struct {
	Chi2   *float64 `json:"chi2"`
	DF     int      `json:"df"`
	PValue *float64 `json:"p_value"`
}

// Options of a test.
type Options struct {
	// Alpha is the significance level; intervals are at 1−Alpha. Default 0.05.
	Alpha float64
	// Yates applies the continuity correction to the chi-square.
	Yates bool
	// PlannedPerArm is the sample size per arm planned before the test
	// (see SampleSize); 0 means none. No winner is declared while an arm
	// of a comparison has fewer visitors.
	PlannedPerArm int64
}

var stdNormal = distuv.Normal{Mu: 0, Sigma: 1}

// Test compares each variant to the control.
func Test(control Arm, variants []Arm, o Options) (*Result, error) {
	if o.Alpha == 0 {
		o.Alpha = 0.05
	}
	if !(o.Alpha > 0 && o.Alpha < 1) {
		return nil, daiyun.Errorf(daiyun.EINVALID, "--alpha %v: must be between 0 and 1", o.Alpha)
	}
	if o.PlannedPerArm < 0 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "--planned-per-arm %d: must not be negative", o.PlannedPerArm)
	}
	if err := control.check("--control", armString(control)); err != nil {
		return nil, err
	}
	if len(variants) == 0 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "--variant: at least one variant is required")
	}
	res := &Result{Alpha: o.Alpha, Yates: o.Yates, Control: armResult(control, o.Alpha)}
	for _, v := range variants {
		if err := v.check("--variant", armString(v)); err != nil {
			return nil, err
		}
		res.Comparisons = append(res.Comparisons, compare(control, v, o))
	}
	res.Comparison = res.Comparisons[0]
	if len(variants) > 1 {
		res.Overall = overall(append([]Arm{control}, variants...))
	}
	return res, nil
}

func armString(a Arm) string {
	return strconv.FormatInt(a.Conversions, 10) + "/" + strconv.FormatInt(a.Visitors, 10)
}

func armResult(a Arm, alpha float64) ArmResult {
	lo, hi := Wilson(a.Conversions, a.Visitors, alpha)
	return ArmResult{Arm: a, Rate: a.Rate(), WilsonLow: lo, WilsonHigh: hi}
}

func compare(c, v Arm, o Options) Comparison {
	p1, p2 := c.Rate(), v.Rate()
	n1, n2 := float64(c.Visitors), float64(v.Visitors)
	out := Comparison{Variant: armResult(v, o.Alpha), DF: 1, Diff: p2 - p1}
	pool := float64(c.Conversions+v.Conversions) / (n1 + n2)
	if se := math.Sqrt(pool * (1 - pool) * (1/n1 + 1/n2)); se > 0 {
		out.Z = fptr((p2 - p1) / se)
	}
	if chi, ok := chiSquare([]Arm{c, v}, o.Yates); ok {
		out.Chi2 = fptr(chi)
		out.PValue = fptr(chiSquareSF(chi, 1))
		out.Significant = *out.PValue < o.Alpha
	}
	out.CILow, out.CIHigh = Newcombe(c, v, o.Alpha)
	if p1 > 0 {
		out.Lift = fptr((p2 - p1) / p1)
	}
	switch {
	case o.PlannedPerArm > 0 && (c.Visitors < o.PlannedPerArm || v.Visitors < o.PlannedPerArm):
		out.Decision = PlannedSampleNotReached
	case out.Significant && p2 > p1:
		out.Decision = VariantBetter
	case out.Significant && p2 < p1:
		out.Decision = ControlBetter
	default:
		out.Decision = NoSignificantDifference
	}
	return out
}

func fptr(v float64) *float64 { return &v }

// chiSquare is Pearson's statistic on the k×2 table of conversions and
// non-conversions. With yates (2×2 only) each |O−E| is reduced by
// min(0.5, |O−E|), as R's chisq.test and prop.test do. ok is false when an
// expected count is zero (all arms convert at 0% or 100%).
func chiSquare(arms []Arm, yates bool) (float64, bool) {
	var conv, total float64
	for _, a := range arms {
		conv += float64(a.Conversions)
		total += float64(a.Visitors)
	}
	p := conv / total
	if p == 0 || p == 1 {
		return 0, false
	}
	var chi float64
	for _, a := range arms {
		n := float64(a.Visitors)
		for _, oe := range [][2]float64{{float64(a.Conversions), n * p}, {n - float64(a.Conversions), n * (1 - p)}} {
			d := math.Abs(oe[0] - oe[1])
			if yates {
				d -= math.Min(0.5, d)
			}
			chi += d * d / oe[1]
		}
	}
	return chi, true
}

func overall(arms []Arm) *Overall {
	o := &Overall{DF: len(arms) - 1}
	if chi, ok := chiSquare(arms, false); ok {
		o.Chi2 = fptr(chi)
		o.PValue = fptr(chiSquareSF(chi, float64(o.DF)))
	}
	return o
}

// chiSquareSF is the upper tail of the chi-square distribution. For one
// degree of freedom it is computed as 2·Φ(−√x), exact to the last digits
// for small p-values.
func chiSquareSF(x, df float64) float64 {
	if df == 1 {
		return 2 * stdNormal.CDF(-math.Sqrt(x))
	}
	return distuv.ChiSquared{K: df}.Survival(x)
}

// Wilson is the Wilson score interval for x successes in n trials at level
// 1−alpha (R: prop.test(x, n, correct = FALSE)$conf.int).
func Wilson(x, n int64, alpha float64) (lo, hi float64) {
	z := stdNormal.Quantile(1 - alpha/2)
	p := float64(x) / float64(n)
	nn := float64(n)
	den := 1 + z*z/nn
	mid := (p + z*z/(2*nn)) / den
	half := z / den * math.Sqrt(p*(1-p)/nn+z*z/(4*nn*nn))
	lo, hi = math.Max(0, mid-half), math.Min(1, mid+half)
	// The exact bounds at the extremes (rounding must not leave 1e-17).
	if x == 0 {
		lo = 0
	}
	if x == n {
		hi = 1
	}
	return lo, hi
}

// Newcombe is the hybrid score interval for p_variant − p_control (Newcombe
// 1998, method 10): with Wilson intervals (l1,u1) for the control and
// (l2,u2) for the variant, d − √((p2−l2)² + (u1−p1)²) to
// d + √((u2−p2)² + (p1−l1)²).
func Newcombe(control, variant Arm, alpha float64) (lo, hi float64) {
	p1, p2 := control.Rate(), variant.Rate()
	l1, u1 := Wilson(control.Conversions, control.Visitors, alpha)
	l2, u2 := Wilson(variant.Conversions, variant.Visitors, alpha)
	d := p2 - p1
	lo = d - math.Sqrt((p2-l2)*(p2-l2)+(u1-p1)*(u1-p1))
	hi = d + math.Sqrt((u2-p2)*(u2-p2)+(p1-l1)*(p1-l1))
	return lo, hi
}
