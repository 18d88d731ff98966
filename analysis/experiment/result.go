package experiment

import (
	"fmt"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/abtest"
)

// Count is what the warehouse says of one arm: the persons exposed in the
// window and those of them who converted after their first exposure.
type Count struct {
	Label     string `json:"label"`
	Exposed   int64  `json:"exposed"`
	Converted int64  `json:"converted"`
}

// ArmResult is an arm with its counts, rate, Wilson interval (at the
// comparisons' level) and progress toward the planned sample.
type ArmResult struct {
	Arm
	Exposed   int64 `json:"exposed"`
	Converted int64 `json:"converted"`
	// Rate and the interval are null while the arm has no exposed visitor.
	Rate       *float64 `json:"rate"`
	WilsonLow  *float64 `json:"wilson_low"`
	WilsonHigh *float64 `json:"wilson_high"`
	// Progress is Exposed ÷ the planned sample per arm (may exceed 1).
	Progress float64 `json:"progress"`
}

// Verdict kinds.
const (
	// VerdictInsufficient: an arm is below the planned sample; no winner
	// can be declared whatever the p-values say.
	VerdictInsufficient = "insufficient_sample"
	// VerdictWinner: every arm reached the plan and one arm is
	// significantly better (a variant better than the control, or the
	// control better than every variant).
	VerdictWinner = "winner"
	// VerdictNoDifference: every arm reached the plan and no arm is
	// significantly better.
	VerdictNoDifference = "no_significant_difference"
)

// Verdict is what may be concluded from the data so far.
type Verdict struct {
	Kind string `json:"kind"`
	// Winner is the winning arm's label (VerdictWinner only).
	Winner string `json:"winner,omitempty"`
	// WinnerIsControl tells whether the winner is the control.
	WinnerIsControl bool `json:"winner_is_control,omitempty"`
	// MinArmSample is the smallest arm's exposed visitors; PlannedPerArm
	// the plan's.
	MinArmSample  int64 `json:"min_arm_sample"`
	PlannedPerArm int64 `json:"planned_per_arm"`
	// Text says the verdict in a sentence (English; the UI translates by
	// Kind).
	Text string `json:"text"`
}

// Result is an experiment's state on the data: its window, the arms, the
// statistics of every variant against the control and the verdict.
type Result struct {
	ExperimentID int64       `json:"experiment_id"`
	From         time.Time   `json:"window_from"`
	To           time.Time   `json:"window_to"`
	Arms         []ArmResult `json:"arms"`
	// Test is analysis/abtest's comparison of each variant with the control
	// at the plan's TestAlpha, shown whatever the verdict; null while an
	// arm has no exposed visitor.
	Test          *abtest.Result `json:"test"`
	SampleReached bool           `json:"sample_reached"`
	Verdict       Verdict        `json:"verdict"`
}

// Evaluate turns the counts of each arm (in the experiment's arm order)
// into the result and its verdict. The guard: until every arm has
// Plan.PerArm exposed visitors the verdict is VerdictInsufficient, even
// when a comparison is already significant, because looking at a test
// until it is significant and stopping then inflates false positives.
func Evaluate(e Experiment, counts []Count) (*Result, error) {
	if len(counts) != len(e.Arms) {
		return nil, fmt.Errorf("experiment %d: %d counts for %d arms", e.ID, len(counts), len(e.Arms))
	}
	res := &Result{ExperimentID: e.ID}
	planned := e.Plan.PerArm
	minSample := int64(-1)
	allExposed := true
	for i, a := range e.Arms {
		c := counts[i]
		if c.Label != a.Label || c.Converted > c.Exposed || c.Converted < 0 {
			return nil, fmt.Errorf("experiment %d: bad count %+v for arm %q", e.ID, c, a.Label)
		}
		ar := ArmResult{Arm: a, Exposed: c.Exposed, Converted: c.Converted}
		if planned > 0 {
			ar.Progress = float64(c.Exposed) / float64(planned)
		}
		if c.Exposed > 0 {
			r := float64(c.Converted) / float64(c.Exposed)
			lo, hi := abtest.Wilson(c.Converted, c.Exposed, e.Plan.TestAlpha)
			ar.Rate, ar.WilsonLow, ar.WilsonHigh = &r, &lo, &hi
		} else {
			allExposed = false
		}
		if minSample < 0 || c.Exposed < minSample {
			minSample = c.Exposed
		}
		res.Arms = append(res.Arms, ar)
	}
	if allExposed {
		arms := make([]abtest.Arm, len(counts))
		for i, c := range counts {
			arms[i] = abtest.Arm{Name: c.Label, Conversions: c.Converted, Visitors: c.Exposed}
		}
		t, err := abtest.Test(arms[0], arms[1:], abtest.Options{Alpha: e.Plan.TestAlpha, PlannedPerArm: planned})
		if err != nil {
			return nil, err
		}
		res.Test = t
	}
	res.SampleReached = planned > 0 && minSample >= planned
	res.Verdict = verdict(e, res, minSample)
	return res, nil
}

func verdict(e Experiment, res *Result, minSample int64) Verdict {
	v := Verdict{MinArmSample: minSample, PlannedPerArm: e.Plan.PerArm}
	if !res.SampleReached || res.Test == nil {
		v.Kind = VerdictInsufficient
		v.Text = fmt.Sprintf("insufficient sample — %d of %d per arm, no winner can be declared", minSample, e.Plan.PerArm)
		return v
	}
	var best *abtest.Comparison
	controlBetter := true
	for i := range res.Test.Comparisons {
		c := &res.Test.Comparisons[i]
		if c.Decision == abtest.VariantBetter && (best == nil || c.Variant.Rate > best.Variant.Rate) {
			best = c
		}
		if c.Decision != abtest.ControlBetter {
			controlBetter = false
		}
	}
	switch {
	case best != nil:
		v.Kind, v.Winner = VerdictWinner, best.Variant.Name
		v.Text = fmt.Sprintf("variant %s wins", v.Winner)
	case controlBetter:
		v.Kind, v.Winner, v.WinnerIsControl = VerdictWinner, e.Control().Label, true
		v.Text = fmt.Sprintf("control %s wins", v.Winner)
	default:
		v.Kind = VerdictNoDifference
		v.Text = "no significant difference"
	}
	return v
}

// Conclusion is a decision asked for: the winner's label (or NoWinner), a
// note, and Force to record it before the planned sample is reached.
type Conclusion struct {
	Winner string `json:"winner"`
	Note   string `json:"note,omitempty"`
	Force  bool   `json:"force,omitempty"`
}

// Decide checks a conclusion against the experiment and its current
// result and returns the decision to record. Before every arm has reached
// the planned sample it is refused unless c.Force is set; a forced decision
// is marked as such. The caller records DecidedBy and DecidedAt.
func Decide(e Experiment, res *Result, c Conclusion) (Decision, error) {
	switch e.Status {
	case Running, Stopped:
	default:
		return Decision{}, daiyun.Errorf(daiyun.ECONFLICT, "experiment %d is %s: only a running or stopped experiment can be concluded", e.ID, e.Status)
	}
	if _, ok := e.Arm(c.Winner); !ok && c.Winner != NoWinner {
		labels := make([]string, 0, len(e.Arms)+1)
		for _, a := range e.Arms {
			labels = append(labels, a.Label)
		}
		return Decision{}, daiyun.Errorf(daiyun.EINVALID, "winner %q is not an arm of experiment %d (one of %v or %q)", c.Winner, e.ID, labels, NoWinner)
	}
	d := Decision{Winner: c.Winner, Note: c.Note, MinArmSample: res.Verdict.MinArmSample, PlannedPerArm: e.Plan.PerArm, Verdict: res.Verdict.Text}
	if !res.SampleReached {
		if !c.Force {
			return Decision{}, daiyun.Errorf(daiyun.EINVALID,
				"experiment %d has not reached its planned sample (%d of %d per arm): no decision can be recorded yet; to stop early anyway, conclude with the override (--force / \"force\": true), which is recorded",
				e.ID, res.Verdict.MinArmSample, e.Plan.PerArm)
		}
		d.Forced = true
	}
	return d, nil
}
