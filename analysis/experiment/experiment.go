// Package experiment is the experiment registry of PRODUCT.md D7: what an
// A/B test on a shop's warehouse events is (its arms, how each arm's
// visitors are recognised, the exposure and conversion events, the window
// and the plan), its lifecycle (draft → running → stopped / concluded), the
// counts per arm read from the events table, and the verdict with its guard
// against stopping early: no winner is declared, and no decision recorded
// without an explicit override, before every arm has reached the planned
// sample.
//
// The statistics come from analysis/abtest. The package holds no storage of
// its own: the catalog keeps experiments (catalog/experiments.go) and the
// warehouse is read only through Warehouse.Query with tenants the caller
// obtained from daiyun.TenantsFor.
package experiment

import (
	"slices"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/abtest"
)

// Status is where an experiment is in its lifecycle.
type Status string

// Statuses: a draft is being prepared; a running experiment collects data;
// a stopped one no longer does, without a decision yet; a concluded one has
// a recorded decision.
const (
	Draft     Status = "draft"
	Running   Status = "running"
	Stopped   Status = "stopped"
	Concluded Status = "concluded"
)

// Statuses lists every status in lifecycle order.
var Statuses = []Status{Draft, Running, Stopped, Concluded}

// ArmColumns are the events columns that can tell arms apart: an arm's
// visitors are those whose exposure event carries the arm's value in this
// column (e.g. campaign = 'detail-B' for a detail-page variant, or sku_id
// for a test between two listings).
var ArmColumns = []string{"campaign", "sku_id", "source", "medium"}

// DefaultArmColumn is the column used when none is given.
const DefaultArmColumn = "campaign"

// NoWinner is the decision "no arm is better": keep the control.
const NoWinner = "none"

// Arm is one arm: a label shown to people and the value of the arm column
// that marks its visitors. The first arm of an experiment is the control.
type Arm struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

// Plan is what the experiment is sized for, fixed when it is created.
// MDE is relative (a fraction of Baseline: 0.1 means +10%) when
// MDERelative is set, otherwise an absolute difference of rates. With more
// than one variant each comparison is tested at Alpha ÷ (arms − 1)
// (Bonferroni), and the sample is sized at that level.
type Plan struct {
	Baseline    float64 `json:"baseline"`
	MDE         float64 `json:"mde"`
	MDERelative bool    `json:"mde_relative"`
	Alpha       float64 `json:"alpha"`
	Power       float64 `json:"power"`
	// TestAlpha is the level each comparison is tested at; PerArm the
	// planned visitors per arm (abtest.SampleSize at TestAlpha).
	TestAlpha float64 `json:"test_alpha"`
	PerArm    int64   `json:"planned_per_arm"`
}

// Experiment is one registered experiment on one shop.
type Experiment struct {
	ID         int64  `json:"id"`
	ClientID   int64  `json:"client_id"`
	ShopID     int64  `json:"shop_id"`
	Name       string `json:"name"`
	Hypothesis string `json:"hypothesis"`
	Status     Status `json:"status"`
	Plan       Plan   `json:"plan"`
	// ArmColumn is the events column that tells arms apart (ArmColumns).
	ArmColumn string `json:"arm_column"`
	Arms      []Arm  `json:"arms"`
	// ExposureEvent (e.g. product_view) puts a visitor in an arm;
	// ConversionEvent (e.g. pay) at or after the first exposure converts.
	ExposureEvent   string `json:"exposure_event"`
	ConversionEvent string `json:"conversion_event"`
	// StartDate and EndDate bound the window, inclusive days in the shop's
	// timezone; an empty EndDate means the window is still open (up to now).
	StartDate daiyun.Date `json:"start_date"`
	EndDate   daiyun.Date `json:"end_date"`

	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	StartedAt *time.Time `json:"started_at,omitempty"`
	StoppedAt *time.Time `json:"stopped_at,omitempty"`
	StoppedBy string     `json:"stopped_by,omitempty"`
	Decision  *Decision  `json:"decision,omitempty"`
	UpdatedAt time.Time  `json:"updated_at"`

	// ClientName, ShopName and ShopTimezone are read with the experiment
	// for display; the window is cut in ShopTimezone.
	ClientName   string `json:"client_name,omitempty"`
	ShopName     string `json:"shop_name,omitempty"`
	ShopTimezone string `json:"shop_timezone,omitempty"`
}

// Decision is the recorded conclusion of an experiment. Forced marks a
// decision taken before the planned sample was reached, with an explicit
// override: it is shown on the experiment as stopped early by DecidedBy at
// DecidedAt.
type Decision struct {
	// Winner is the label of the winning arm, or NoWinner.
	Winner    string    `json:"winner"`
	Note      string    `json:"note,omitempty"`
	DecidedBy string    `json:"decided_by"`
	DecidedAt time.Time `json:"decided_at"`
	Forced    bool      `json:"forced"`
	// MinArmSample is the smallest arm's exposed visitors when the
	// decision was taken, against the plan's PerArm.
	MinArmSample  int64 `json:"min_arm_sample"`
	PlannedPerArm int64 `json:"planned_per_arm"`
	// Verdict is the verdict shown at that moment.
	Verdict string `json:"verdict"`
}

// Control is the first arm.
func (e Experiment) Control() Arm { return e.Arms[0] }

// ComputePlan validates the plan's inputs, fills defaults (alpha 0.05,
// power 0.8) and sizes it for arms arms with abtest.SampleSize.
func ComputePlan(p Plan, arms int) (Plan, error) {
	if p.Alpha == 0 {
		p.Alpha = 0.05
	}
	if p.Power == 0 {
		p.Power = 0.8
	}
	if arms < 2 {
		return p, daiyun.Errorf(daiyun.EINVALID, "arms: an experiment needs a control and at least one variant, got %d arm(s)", arms)
	}
	p.TestAlpha = p.Alpha / float64(arms-1)
	sz, err := abtest.SampleSize(abtest.PlanOptions{Baseline: p.Baseline, MDE: p.MDE, Relative: p.MDERelative, Power: p.Power, Alpha: p.TestAlpha})
	if err != nil {
		if p.TestAlpha != p.Alpha && strings.Contains(daiyun.ErrorMessage(err), "--alpha") {
			return p, daiyun.Errorf(daiyun.EINVALID, "plan alpha %v: must be between 0 and 1", p.Alpha)
		}
		return p, daiyun.Errorf(daiyun.EINVALID, "plan %s", strings.TrimPrefix(daiyun.ErrorMessage(err), "--"))
	}
	p.PerArm = sz.NPerArm
	return p, nil
}

// Normalize trims the experiment's text fields and fills defaults: the arm
// column (campaign), the exposure event (product_view) and the conversion
// event (pay).
func (e *Experiment) Normalize() {
	e.Name = strings.TrimSpace(e.Name)
	e.Hypothesis = strings.TrimSpace(e.Hypothesis)
	e.ArmColumn = strings.TrimSpace(e.ArmColumn)
	if e.ArmColumn == "" {
		e.ArmColumn = DefaultArmColumn
	}
	e.ExposureEvent = strings.TrimSpace(e.ExposureEvent)
	if e.ExposureEvent == "" {
		e.ExposureEvent = "product_view"
	}
	e.ConversionEvent = strings.TrimSpace(e.ConversionEvent)
	if e.ConversionEvent == "" {
		e.ConversionEvent = "pay"
	}
	for i := range e.Arms {
		e.Arms[i].Label = strings.TrimSpace(e.Arms[i].Label)
		e.Arms[i].Value = strings.TrimSpace(e.Arms[i].Value)
	}
}

// Validate checks a new experiment's fields (after Normalize) and computes
// its plan, naming the first wrong field and value.
func (e *Experiment) Validate() error {
	switch {
	case e.Name == "":
		return daiyun.Errorf(daiyun.EINVALID, "experiment name is required")
	case len(e.Name) > 200:
		return daiyun.Errorf(daiyun.EINVALID, "experiment name is longer than 200 characters")
	case e.ShopID == 0:
		return daiyun.Errorf(daiyun.EINVALID, "experiment shop is required")
	case !slices.Contains(ArmColumns, e.ArmColumn):
		return daiyun.Errorf(daiyun.EINVALID, "arm_column %q is not one of %s", e.ArmColumn, strings.Join(ArmColumns, ", "))
	case e.ExposureEvent == e.ConversionEvent:
		return daiyun.Errorf(daiyun.EINVALID, "conversion_event %q is the exposure event: they must differ", e.ConversionEvent)
	case len(e.Arms) < 2:
		return daiyun.Errorf(daiyun.EINVALID, "arms: an experiment needs a control and at least one variant, got %d arm(s)", len(e.Arms))
	case len(e.Arms) > 10:
		return daiyun.Errorf(daiyun.EINVALID, "arms: at most 10 arms, got %d", len(e.Arms))
	}
	labels, values := map[string]bool{}, map[string]bool{}
	for i, a := range e.Arms {
		switch {
		case a.Label == "":
			return daiyun.Errorf(daiyun.EINVALID, "arms[%d].label is required", i)
		case strings.EqualFold(a.Label, NoWinner):
			return daiyun.Errorf(daiyun.EINVALID, "arms[%d].label %q is reserved for the decision \"no winner\"", i, a.Label)
		case a.Value == "":
			return daiyun.Errorf(daiyun.EINVALID, "arms[%d].value is required: the %s that marks the arm's visitors", i, e.ArmColumn)
		case labels[a.Label]:
			return daiyun.Errorf(daiyun.EINVALID, "arms[%d].label %q is used twice", i, a.Label)
		case values[a.Value]:
			return daiyun.Errorf(daiyun.EINVALID, "arms[%d].value %q is used twice", i, a.Value)
		}
		labels[a.Label], values[a.Value] = true, true
	}
	if !e.EndDate.IsZero() && !e.StartDate.IsZero() && e.EndDate.Before(e.StartDate.Time) {
		return daiyun.Errorf(daiyun.EINVALID, "end_date %s is before start_date %s", e.EndDate, e.StartDate)
	}
	p, err := ComputePlan(e.Plan, len(e.Arms))
	if err != nil {
		return err
	}
	e.Plan = p
	return nil
}

// Arm returns the arm with the label.
func (e Experiment) Arm(label string) (Arm, bool) {
	for _, a := range e.Arms {
		if a.Label == label {
			return a, true
		}
	}
	return Arm{}, false
}

// Window is the experiment's window as UTC instants [from, to): from the
// start date's midnight to the midnight after the end date in the shop's
// timezone, or to now when the end date is empty or later than now. ok is
// false when the experiment has no start date yet (a draft).
func (e Experiment) Window(loc *time.Location, now time.Time) (from, to time.Time, ok bool) {
	if e.StartDate.IsZero() {
		return time.Time{}, time.Time{}, false
	}
	from = dayStart(e.StartDate, loc)
	to = now.UTC()
	if !e.EndDate.IsZero() {
		if end := dayStart(e.EndDate, loc).AddDate(0, 0, 1); end.Before(to) {
			to = end
		}
	}
	if e.StoppedAt != nil && e.StoppedAt.Before(to) {
		to = e.StoppedAt.UTC()
	}
	if to.Before(from) {
		to = from
	}
	return from, to, true
}

func dayStart(d daiyun.Date, loc *time.Location) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc).UTC()
}

// Today is the day of now in loc.
func Today(loc *time.Location, now time.Time) daiyun.Date {
	t := now.In(loc)
	return daiyun.Date{Time: time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)}
}
