package experiment_test

import (
	"strings"
	"testing"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/abtest"
	"github.com/daiyun/daiyun/analysis/experiment"
)

func twoArms() experiment.Experiment {
	return experiment.Experiment{ID: 7, ShopID: 1, Name: "detail page", Status: experiment.Running,
		Arms:          []experiment.Arm{{Label: "A", Value: "detail-A"}, {Label: "B", Value: "detail-B"}},
		ExposureEvent: "product_view", ConversionEvent: "pay", ArmColumn: "campaign",
		Plan: experiment.Plan{Baseline: 0.3, MDE: 0.5, MDERelative: true}}
}

// The plan is abtest.SampleSize at alpha ÷ (arms − 1): R's
// power.prop.test(p1 = 0.3, p2 = 0.45, power = 0.8) gives n = 162.3.
func TestPlan(t *testing.T) {
	e := twoArms()
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	if e.Plan.PerArm != 163 || e.Plan.Alpha != 0.05 || e.Plan.Power != 0.8 || e.Plan.TestAlpha != 0.05 {
		t.Fatalf("plan %+v", e.Plan)
	}
	three := twoArms()
	three.Arms = append(three.Arms, experiment.Arm{Label: "C", Value: "detail-C"})
	if err := three.Validate(); err != nil {
		t.Fatal(err)
	}
	want, _ := abtest.SampleSize(abtest.PlanOptions{Baseline: 0.3, MDE: 0.5, Relative: true, Alpha: 0.025})
	if three.Plan.TestAlpha != 0.025 || three.Plan.PerArm != want.NPerArm || three.Plan.PerArm <= 163 {
		t.Fatalf("three arms: %+v, want %d per arm", three.Plan, want.NPerArm)
	}
}

func TestValidateNamesTheField(t *testing.T) {
	for _, c := range []struct {
		change func(*experiment.Experiment)
		want   string
	}{
		{func(e *experiment.Experiment) { e.Name = "" }, "name is required"},
		{func(e *experiment.Experiment) { e.ArmColumn = "person_id" }, `arm_column "person_id"`},
		{func(e *experiment.Experiment) { e.Arms = e.Arms[:1] }, "got 1 arm"},
		{func(e *experiment.Experiment) { e.Arms[1].Value = "detail-A" }, `arms[1].value "detail-A" is used twice`},
		{func(e *experiment.Experiment) { e.Arms[1].Label = "none" }, `arms[1].label "none" is reserved`},
		{func(e *experiment.Experiment) { e.ConversionEvent = "product_view" }, "conversion_event"},
		{func(e *experiment.Experiment) { e.Plan.Baseline = 1.2 }, "baseline 1.2"},
		{func(e *experiment.Experiment) { e.Plan.MDE = 0 }, "mde 0"},
		{func(e *experiment.Experiment) {
			e.StartDate, _ = daiyun.ParseDate("2026-03-02")
			e.EndDate, _ = daiyun.ParseDate("2026-03-01")
		}, "end_date 2026-03-01 is before start_date 2026-03-02"},
	} {
		e := twoArms()
		c.change(&e)
		e.Normalize()
		err := e.Validate()
		if daiyun.ErrorCode(err) != daiyun.EINVALID || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want %q, got %v", c.want, err)
		}
	}
}

func evaluate(t *testing.T, e experiment.Experiment, a, b experiment.Count) *experiment.Result {
	t.Helper()
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	a.Label, b.Label = "A", "B"
	res, err := experiment.Evaluate(e, []experiment.Count{a, b})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// The guard: a comparison already significant at 100 per arm (30% vs 60%,
// p ≈ 2e-5) is not a winner before the planned 163 per arm; the
// statistics are shown all the same.
func TestVerdictWaitsForThePlannedSample(t *testing.T) {
	e := twoArms()
	res := evaluate(t, e, experiment.Count{Exposed: 100, Converted: 30}, experiment.Count{Exposed: 120, Converted: 72})
	if res.Test == nil || !res.Test.Significant || res.Test.Z == nil || *res.Test.Z <= 0 || res.Test.Lift == nil {
		t.Fatalf("statistics must be shown: %+v", res.Test)
	}
	v := res.Verdict
	if v.Kind != experiment.VerdictInsufficient || res.SampleReached || v.MinArmSample != 100 || v.PlannedPerArm != 163 ||
		v.Text != "insufficient sample — 100 of 163 per arm, no winner can be declared" {
		t.Fatalf("verdict before the plan: %+v", v)
	}
	if res.Arms[0].Progress != 100.0/163 || *res.Arms[1].Rate != 0.6 {
		t.Fatalf("arms: %+v", res.Arms)
	}

	// Reached: the variant wins.
	res = evaluate(t, e, experiment.Count{Exposed: 200, Converted: 60}, experiment.Count{Exposed: 170, Converted: 85})
	if v := res.Verdict; v.Kind != experiment.VerdictWinner || v.Winner != "B" || v.WinnerIsControl || v.Text != "variant B wins" || !res.SampleReached {
		t.Fatalf("variant wins: %+v", v)
	}
	// Reached, control significantly better.
	res = evaluate(t, e, experiment.Count{Exposed: 200, Converted: 100}, experiment.Count{Exposed: 200, Converted: 50})
	if v := res.Verdict; v.Kind != experiment.VerdictWinner || v.Winner != "A" || !v.WinnerIsControl || v.Text != "control A wins" {
		t.Fatalf("control wins: %+v", v)
	}
	// Reached, no difference (30% vs 31%).
	res = evaluate(t, e, experiment.Count{Exposed: 200, Converted: 60}, experiment.Count{Exposed: 200, Converted: 62})
	if v := res.Verdict; v.Kind != experiment.VerdictNoDifference || v.Text != "no significant difference" {
		t.Fatalf("no difference: %+v", v)
	}
	// An arm with nobody exposed: no statistics, insufficient.
	res = evaluate(t, e, experiment.Count{Exposed: 500, Converted: 60}, experiment.Count{})
	if res.Test != nil || res.Arms[1].Rate != nil || res.Verdict.Kind != experiment.VerdictInsufficient || res.Verdict.MinArmSample != 0 {
		t.Fatalf("empty arm: %+v", res)
	}
}

func TestDecideRefusesEarlyUnlessForced(t *testing.T) {
	e := twoArms()
	if err := e.Validate(); err != nil {
		t.Fatal(err)
	}
	early := evaluate(t, e, experiment.Count{Exposed: 100, Converted: 30}, experiment.Count{Exposed: 120, Converted: 72})
	_, err := experiment.Decide(e, early, experiment.Conclusion{Winner: "B"})
	if daiyun.ErrorCode(err) != daiyun.EINVALID || !strings.Contains(err.Error(), "has not reached its planned sample (100 of 163 per arm)") {
		t.Fatalf("early decision: %v", err)
	}
	d, err := experiment.Decide(e, early, experiment.Conclusion{Winner: "B", Force: true, Note: "launch pressure"})
	if err != nil || !d.Forced || d.MinArmSample != 100 || d.PlannedPerArm != 163 || d.Winner != "B" || !strings.HasPrefix(d.Verdict, "insufficient sample") {
		t.Fatalf("forced decision: %+v %v", d, err)
	}
	done := evaluate(t, e, experiment.Count{Exposed: 200, Converted: 60}, experiment.Count{Exposed: 170, Converted: 85})
	d, err = experiment.Decide(e, done, experiment.Conclusion{Winner: "B"})
	if err != nil || d.Forced || d.Verdict != "variant B wins" {
		t.Fatalf("decision after the plan: %+v %v", d, err)
	}
	if _, err := experiment.Decide(e, done, experiment.Conclusion{Winner: "Z"}); daiyun.ErrorCode(err) != daiyun.EINVALID {
		t.Fatalf("unknown winner: %v", err)
	}
	e.Status = experiment.Concluded
	if _, err := experiment.Decide(e, done, experiment.Conclusion{Winner: experiment.NoWinner}); daiyun.ErrorCode(err) != daiyun.ECONFLICT {
		t.Fatalf("concluded twice: %v", err)
	}
}
