// Package alerting owns monitoring rules, their evaluation and the alert
// lifecycle (PRODUCT.md E1–E6): tiered warnings (level 1 notice, level 2
// operator check with a deadline, level 3 emergency), the three-colour
// budget monitor, SLA detectors, and the notification messages.
//
// Every condition on a catalogue KPI reads the KPI through metrics.Service,
// so the value in an alert is the value the dashboard shows for the same
// scope and period. Detectors that are not catalogue KPIs (fake orders,
// late shipment, stale data, labour share, slow CS first responses) query
// the warehouse through daiyun.TenantsFor and {{tenants}} like every other
// read. The package stores nothing itself: alerts live in the catalog
// behind the Store interface, and it does not touch HTTP.
package alerting

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/metrics"
)

// Condition kinds (PRODUCT.md E1).
const (
	CondAbsolute     = "absolute"              // KPI op value
	CondBenchmark    = "benchmark"             // KPI op value × category benchmark
	CondTarget       = "target"                // attainment (KPI ÷ monthly target) op value
	CondBudget       = "budget"                // ad spend op (1 + value) × contract marketing budget
	CondPrevious     = "previous_period"       // relative change against the period before op value
	CondLastYear     = "same_period_last_year" // relative change against a year earlier op value
	CondForecastBand = "forecast_band"         // outside the 95% interval of the ETS forecast
	CondDetector     = "detector"              // a named detector (detectors.go) op value
)

// ConditionKinds lists the condition kinds.
var ConditionKinds = []string{CondAbsolute, CondBenchmark, CondTarget, CondBudget, CondPrevious, CondLastYear, CondForecastBand, CondDetector}

// Scope kinds: which shops a rule watches.
const (
	ScopeShop     = "shop"
	ScopeClient   = "client"
	ScopeCategory = "category"
	ScopeAgency   = "agency"
)

// Colours of the budget monitor (PRODUCT.md E3).
const (
	Red    = "red"
	Yellow = "yellow"
	Green  = "green"
)

// Scope says which shops a rule watches and at which grain it raises
// alerts: Each is "shop" (one alert per shop) or "client" (one per client,
// the KPI over all its shops in the scope).
type Scope struct {
	Kind     string `yaml:"kind" json:"kind" enum:"shop,client,category,agency"`
	ShopID   int64  `yaml:"shop_id,omitempty" json:"shop_id,omitempty"`
	ClientID int64  `yaml:"client_id,omitempty" json:"client_id,omitempty"`
	Category string `yaml:"category,omitempty" json:"category,omitempty"`
	Each     string `yaml:"each,omitempty" json:"each,omitempty"`
}

// Condition is what must hold in one period for the rule to count it.
type Condition struct {
	Kind string `yaml:"kind" json:"kind"`
	// Op is <, <=, >, >= (or "outside" for a forecast band).
	Op string `yaml:"op,omitempty" json:"op,omitempty"`
	// Value is the absolute threshold, the benchmark factor, the target
	// attainment, the budget overrun (0.2 = 20% over), the relative change
	// (-0.3 = down 30%) or, for a forecast band, the least relative
	// distance from the forecast that counts (0 = the interval alone).
	Value float64 `yaml:"value" json:"value" required:"false"`
	// Detector names the detector of a detector condition.
	Detector string `yaml:"detector,omitempty" json:"detector,omitempty"`
}

// Duration is a time.Duration written as "24h" in YAML and JSON.
type Duration struct{ time.Duration }

// MarshalYAML writes the duration as text.
func (d Duration) MarshalYAML() (any, error) { return d.String(), nil }

// UnmarshalYAML reads "24h", "90m", "2h30m".
func (d *Duration) UnmarshalYAML(unmarshal func(any) error) error {
	var s string
	if err := unmarshal(&s); err != nil {
		return err
	}
	return d.parse(s)
}

func (d *Duration) parse(s string) error {
	if s == "" {
		d.Duration = 0
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration such as 24h", s)
	}
	d.Duration = v
	return nil
}

// MarshalJSON writes "24h0m0s".
func (d Duration) MarshalJSON() ([]byte, error) { return []byte(`"` + d.String() + `"`), nil }

// UnmarshalJSON reads "24h".
func (d *Duration) UnmarshalJSON(b []byte) error { return d.parse(strings.Trim(string(b), `"`)) }

// String writes the duration, empty when zero.
func (d Duration) String() string {
	if d.Duration == 0 {
		return ""
	}
	return d.Duration.String()
}

// Rule is one monitoring rule (PRODUCT.md E1). Its name is unique in the
// agency and is the key `daiyun alerts apply` upserts by.
type Rule struct {
	ID          int64  `yaml:"-" json:"id,omitempty"`
	Name        string `yaml:"name" json:"name,omitempty"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
	// KPI is a catalogue KPI id; empty for a detector condition.
	KPI string `yaml:"kpi,omitempty" json:"kpi,omitempty"`
	// By breaks the KPI down by a dimension (e.g. channel: one alert per
	// traffic source).
	By        string    `yaml:"by,omitempty" json:"by,omitempty"`
	Scope     Scope     `yaml:"scope" json:"scope"`
	Condition Condition `yaml:"condition" json:"condition"`
	// Grain is day or week; a week is the 7 days ending on the period's
	// last day, so "week on week" compares the last 7 days with the 7
	// before.
	Grain string `yaml:"grain" json:"grain" required:"false"`
	// WindowDays, when set, computes the KPI over that many days ending on
	// each period's last day (30 for the budget monitor).
	WindowDays int `yaml:"window_days,omitempty" json:"window_days,omitempty"`
	// MinOrders, when set, judges only scopes with at least that many paid
	// orders in the period (and, for a comparison, in the period compared
	// with): a small shop's week is too noisy for a 30% rule.
	MinOrders int `yaml:"min_orders,omitempty" json:"min_orders,omitempty"`
	// SkipPromotions leaves periods that touch a big promotion season (618,
	// Double 11, Double 12: from ten days before the day to two days after;
	// the Spring Festival window) alone, neither firing nor clearing, and
	// compares the others with the nearest earlier period clear of one: the
	// week after Double 11 is not a collapse.
	SkipPromotions bool `yaml:"skip_promotions,omitempty" json:"skip_promotions,omitempty"`
	// Periods is how many consecutive periods the condition must hold.
	Periods int `yaml:"periods" json:"periods" required:"false"`
	// ClearPeriods is how many consecutive periods it must not hold for an
	// open alert to resolve itself (default 1).
	ClearPeriods int `yaml:"clear_periods,omitempty" json:"clear_periods,omitempty"`
	// Level is 1, 2 or 3; budget-monitor rules have a Colour instead.
	Level  int    `yaml:"level,omitempty" json:"level,omitempty"`
	Colour string `yaml:"colour,omitempty" json:"colour,omitempty"`
	// Deadline is how long an operator has to check a level-2 (or
	// acknowledge a level-3) alert before it escalates.
	Deadline Duration `yaml:"deadline,omitempty" json:"deadline,omitzero"`
	Enabled  bool     `yaml:"enabled" json:"enabled" required:"false"`
	// Playbook names the emergency playbook a level-3 alert starts.
	Playbook  string    `yaml:"playbook,omitempty" json:"playbook,omitempty"`
	UpdatedAt time.Time `yaml:"-" json:"updated_at,omitzero"`
}

// ops are the comparison operators of a condition.
var ops = []string{"<", "<=", ">", ">="}

// Validate checks a rule and names the rule, the field and the wrong value.
func (r *Rule) Validate() error {
	bad := func(field string, v any, why string) error {
		return daiyun.Errorf(daiyun.EINVALID, "rule %q: %s %v %s", r.Name, field, v, why)
	}
	if strings.TrimSpace(r.Name) == "" {
		return daiyun.Errorf(daiyun.EINVALID, "rule name is required")
	}
	c := r.Condition
	if !slices.Contains(ConditionKinds, c.Kind) {
		return bad("condition.kind", fmt.Sprintf("%q", c.Kind), fmt.Sprintf("is not one of %v", ConditionKinds))
	}
	if c.Kind == CondDetector {
		if _, ok := detectors[c.Detector]; !ok {
			return bad("condition.detector", fmt.Sprintf("%q", c.Detector), fmt.Sprintf("is not one of %v", DetectorNames()))
		}
		if r.KPI != "" {
			return bad("kpi", fmt.Sprintf("%q", r.KPI), "must be empty for a detector condition")
		}
	} else {
		if c.Detector != "" {
			return bad("condition.detector", fmt.Sprintf("%q", c.Detector), "is only for kind detector")
		}
		k, ok := metrics.Lookup(r.KPI)
		if !ok {
			return bad("kpi", fmt.Sprintf("%q", r.KPI), "is not in the KPI catalogue (see `daiyun kpi list`)")
		}
		if r.By != "" && !k.Supports(r.By) {
			return bad("by", fmt.Sprintf("%q", r.By), fmt.Sprintf("is not a dimension of KPI %s (it has %v)", r.KPI, k.Dimensions))
		}
		if c.Kind == CondBudget && r.KPI != "ad_spend" {
			return bad("kpi", fmt.Sprintf("%q", r.KPI), "must be ad_spend for a budget condition")
		}
	}
	if c.Kind == CondForecastBand {
		if c.Op != "outside" && c.Op != ">" && c.Op != "<" {
			return bad("condition.op", fmt.Sprintf("%q", c.Op), "is not one of outside, > (above the band), < (below the band)")
		}
		if c.Value < 0 {
			return bad("condition.value", c.Value, "is negative")
		}
	} else if !slices.Contains(ops, c.Op) {
		return bad("condition.op", fmt.Sprintf("%q", c.Op), fmt.Sprintf("is not one of %v", ops))
	}
	switch r.Scope.Kind {
	case ScopeShop:
		if r.Scope.ShopID <= 0 {
			return bad("scope.shop_id", r.Scope.ShopID, "is required for a shop scope")
		}
	case ScopeClient:
		if r.Scope.ClientID <= 0 {
			return bad("scope.client_id", r.Scope.ClientID, "is required for a client scope")
		}
	case ScopeCategory:
		if !daiyun.ValidCategory(r.Scope.Category) {
			return bad("scope.category", fmt.Sprintf("%q", r.Scope.Category), fmt.Sprintf("is not one of %v", daiyun.Categories))
		}
	case ScopeAgency:
	default:
		return bad("scope.kind", fmt.Sprintf("%q", r.Scope.Kind), "is not one of shop, client, category, agency")
	}
	switch r.Scope.Each {
	case "":
		r.Scope.Each = "shop"
		if c.Kind == CondBudget || (c.Kind == CondDetector && detectors[c.Detector].perClient) {
			r.Scope.Each = "client"
		}
	case "shop", "client":
	default:
		return bad("scope.each", fmt.Sprintf("%q", r.Scope.Each), "is not one of shop, client")
	}
	if r.Scope.Each == "shop" && (c.Kind == CondBudget || (c.Kind == CondDetector && detectors[c.Detector].perClient)) {
		return bad("scope.each", `"shop"`, "is not possible: this condition is per client (budgets and fees are per contract)")
	}
	if r.Scope.Each == "client" && c.Kind == CondBenchmark {
		return bad("scope.each", `"client"`, "is not possible: benchmarks are per category, compare shops")
	}
	switch r.Grain {
	case "":
		r.Grain = "day"
	case "day", "week":
	default:
		return bad("grain", fmt.Sprintf("%q", r.Grain), "is not one of day, week")
	}
	if r.WindowDays < 0 || r.WindowDays > 366 {
		return bad("window_days", r.WindowDays, "is not between 1 and 366")
	}
	if r.MinOrders < 0 {
		return bad("min_orders", r.MinOrders, "is negative")
	}
	if r.MinOrders > 0 && (c.Kind == CondDetector || c.Kind == CondForecastBand || r.By != "") {
		return bad("min_orders", r.MinOrders, "applies only to KPI conditions without a breakdown")
	}
	if r.Periods == 0 {
		r.Periods = 1
	}
	if r.Periods < 1 || r.Periods > 60 {
		return bad("periods", r.Periods, "is not between 1 and 60")
	}
	if r.ClearPeriods == 0 {
		r.ClearPeriods = 1
	}
	if r.ClearPeriods < 1 || r.ClearPeriods > 60 {
		return bad("clear_periods", r.ClearPeriods, "is not between 1 and 60")
	}
	switch {
	case r.Colour != "" && r.Level != 0:
		return bad("level", r.Level, "cannot be set together with colour "+r.Colour)
	case r.Colour != "":
		if r.Colour != Red && r.Colour != Yellow {
			return bad("colour", fmt.Sprintf("%q", r.Colour), "is not one of red, yellow (green is the absence of both)")
		}
	case r.Level < 1 || r.Level > 3:
		return bad("level", r.Level, "is not 1, 2 or 3 (or set a colour for a budget rule)")
	}
	if r.Deadline.Duration < 0 {
		return bad("deadline", r.Deadline, "is negative")
	}
	if r.Level == 2 && r.Deadline.Duration == 0 {
		r.Deadline.Duration = 24 * time.Hour
	}
	if r.Level == 3 && r.Deadline.Duration == 0 {
		r.Deadline.Duration = 2 * time.Hour
	}
	return nil
}

// step is the number of days between the ends of two periods.
func (r Rule) step() int {
	if r.Grain == "week" {
		return 7
	}
	return 1
}

// window is the number of days a period's KPI covers.
func (r Rule) window() int {
	if r.WindowDays > 0 {
		return r.WindowDays
	}
	return r.step()
}

// period returns the days of period p (0 = the one ending on asOf).
func (r Rule) period(asOf daiyun.Date, p int) (from, to daiyun.Date) {
	end := asOf.AddDate(0, 0, -p*r.step())
	return daiyun.Date{Time: end.AddDate(0, 0, 1-r.window())}, daiyun.Date{Time: end}
}

// Severity is the rule's level or colour as one word: "L1", "L2", "L3",
// "red" or "yellow".
func (r Rule) Severity() string {
	if r.Colour != "" {
		return r.Colour
	}
	return fmt.Sprintf("L%d", r.Level)
}

func compare(op string, v, threshold float64) bool {
	switch op {
	case "<":
		return v < threshold
	case "<=":
		return v <= threshold
	case ">":
		return v > threshold
	case ">=":
		return v >= threshold
	}
	return false
}
