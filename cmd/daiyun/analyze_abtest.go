package main

import (
	"strconv"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/abtest"
	"github.com/spf13/cobra"
)

func init() { analyzeKinds = append(analyzeKinds, newAnalyzeABTestCmd) }

type abtestFlags struct {
	control, format string
	variants        []string
	alpha           float64
	yates           bool
	planned         int64
}

// newAnalyzeABTestCmd is `daiyun analyze abtest`: two-proportion tests of
// variants against a control, and `abtest plan` for sample sizes.
func newAnalyzeABTestCmd(m *Main) *cobra.Command {
	var f abtestFlags
	cmd := &cobra.Command{
		Use:   "abtest --control CONV/N --variant CONV/N [--variant CONV/N]… [--alpha 0.05] [--yates]",
		Short: "Two-proportion z-test, chi-square, Wilson and Newcombe intervals, lift",
		Long: `Compares each variant's conversion rate with the control's: pooled
two-proportion z-test, Pearson chi-square (with Yates' correction when
--yates), Wilson score interval per arm, Newcombe hybrid score interval for
the difference variant − control, and relative lift. The top-level fields are
those of the first variant; "comparisons" lists every variant. See
docs/analysis.md#abtest.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runABTest(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.control, "control", "", "control arm as CONVERSIONS/VISITORS, e.g. 120/1000 (required)")
	fl.StringArrayVar(&f.variants, "variant", nil, "variant arm as CONVERSIONS/VISITORS (repeatable, at least one)")
	fl.Float64Var(&f.alpha, "alpha", 0.05, "significance level; intervals are at 1 − alpha")
	fl.BoolVar(&f.yates, "yates", false, "apply Yates' continuity correction to the chi-square and its p-value")
	fl.Int64Var(&f.planned, "planned-per-arm", 0, "planned sample per arm (from abtest plan): no winner is declared before every arm reaches it")
	addFormat(cmd, &f.format)
	cmd.AddCommand(newABTestPlanCmd())
	return cmd
}

func runABTest(cmd *cobra.Command, f abtestFlags) error {
	if f.control == "" {
		return daiyun.Errorf(daiyun.EINVALID, "--control CONV/N is required")
	}
	c, err := abtest.ParseArm("--control", f.control)
	if err != nil {
		return err
	}
	c.Name = "control"
	var vs []abtest.Arm
	for i, s := range f.variants {
		v, err := abtest.ParseArm("--variant", s)
		if err != nil {
			return err
		}
		v.Name = "variant " + strconv.Itoa(i+1)
		vs = append(vs, v)
	}
	res, err := abtest.Test(c, vs, abtest.Options{Alpha: f.alpha, Yates: f.yates, PlannedPerArm: f.planned})
	if err != nil {
		return err
	}
	t := table{header: []string{"arm", "conversions", "visitors", "rate", "wilson_low", "wilson_high", "z", "p_value", "chi2", "df", "ci_low", "ci_high", "lift", "decision"}}
	arm := func(a abtest.ArmResult) []string {
		return []string{a.Name, strconv.FormatInt(a.Conversions, 10), strconv.FormatInt(a.Visitors, 10), f6(a.Rate), f6(a.WilsonLow), f6(a.WilsonHigh)}
	}
	t.rows = append(t.rows, append(arm(res.Control), "", "", "", "", "", "", "", ""))
	for _, cmp := range res.Comparisons {
		t.rows = append(t.rows, append(arm(cmp.Variant), fp(cmp.Z), fp(cmp.PValue), fp(cmp.Chi2), strconv.Itoa(cmp.DF), f6(cmp.CILow), f6(cmp.CIHigh), fp(cmp.Lift), cmp.Decision))
	}
	return emit(cmd, f.format, res, t)
}

type planFlags struct {
	baseline, mde, power, alpha float64
	relative                    bool
	format                      string
}

func newABTestPlanCmd() *cobra.Command {
	var f planFlags
	cmd := &cobra.Command{
		Use:   "plan --baseline P --mde D [--relative] [--power 0.8] [--alpha 0.05]",
		Short: "Sample size per arm to detect a difference of conversion rates",
		Long: `Solves R's power.prop.test for n (two-sided, equal arms): with p2 = p1 + D
(or p1·(1 + D) with --relative) and p̄ = (p1 + p2)/2,
n = (z(1−α/2)·√(2p̄(1−p̄)) + z(power)·√(p1(1−p1) + p2(1−p2)))² / (p2 − p1)²,
rounded up. See docs/analysis.md#abtest-plan.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := abtest.SampleSize(abtest.PlanOptions{Baseline: f.baseline, MDE: f.mde, Relative: f.relative, Power: f.power, Alpha: f.alpha})
			if err != nil {
				return err
			}
			t := table{header: []string{"baseline", "target", "alpha", "power", "n_per_arm", "total"},
				rows: [][]string{{ff(p.Baseline), ff(p.Target), ff(p.Alpha), ff(p.Power), strconv.FormatInt(p.NPerArm, 10), strconv.FormatInt(p.Total, 10)}}}
			return emit(cmd, f.format, p, t)
		},
	}
	fl := cmd.Flags()
	fl.Float64Var(&f.baseline, "baseline", 0, "control conversion rate, between 0 and 1 (required)")
	fl.Float64Var(&f.mde, "mde", 0, "minimum detectable effect: absolute difference of rates, or relative with --relative (required)")
	fl.BoolVar(&f.relative, "relative", false, "read --mde as a fraction of the baseline (0.1 = +10%)")
	fl.Float64Var(&f.power, "power", 0.8, "power, 1 − β")
	fl.Float64Var(&f.alpha, "alpha", 0.05, "two-sided significance level")
	addFormat(cmd, &f.format)
	return cmd
}

// f6 formats a number with 6 decimals for tables.
func f6(v float64) string { return strconv.FormatFloat(v, 'f', 6, 64) }
