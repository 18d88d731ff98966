package bench

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/alerting"
)

// Alerts is what `daiyun bench alerts` needs: the alerting service as the
// post-import job builds it (the stored rules, metrics, the warehouse and
// the catalog's alert inbox) and the raw handle of the warehouse, only to
// find the data's last day and size.
type Alerts struct {
	Engine  string
	DB      *sql.DB
	Service *alerting.Service
	// AsOf is the day evaluated; zero means the last day with orders.
	AsOf daiyun.Date
	Runs int
	// PerRule adds one figure per rule (each rule evaluated alone).
	PerRule bool
}

// alertTargetMS is issue 6's target: evaluating the default rules over 200
// shops after an import in under 2 s.
const alertTargetMS = 2000

// RunAlerts times Service.Evaluate — every enabled stored rule over every
// shop, then the sync of the alert inbox — at the data's last day, as the
// evaluation job does after an import. The first, untimed run opens what
// fires; the timed runs are the re-evaluations an import triggers, which
// must change nothing (checked). With PerRule, each rule is then timed
// alone through the evaluator, to show where the time goes.
func (a *Alerts) RunAlerts(ctx context.Context, rep *Report) error {
	var last time.Time
	var lines int64
	if err := a.DB.QueryRowContext(ctx, `SELECT MAX(created_day) FROM orders`).Scan(&last); err != nil {
		return fmt.Errorf("bench: last day: %w", err)
	}
	if err := a.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM order_lines`).Scan(&lines); err != nil {
		return fmt.Errorf("bench: order lines: %w", err)
	}
	asOf := a.AsOf
	if asOf.IsZero() {
		asOf = daiyun.Date{Time: last}
	}
	shops, err := a.Service.Evaluator.Metrics.Shops.Shops(ctx)
	if err != nil {
		return err
	}
	rules, err := a.Service.Store.AlertRules(ctx)
	if err != nil {
		return err
	}
	var names []string
	for _, r := range rules {
		if r.Enabled {
			names = append(names, r.Name)
		}
	}
	if len(names) == 0 {
		return daiyun.Errorf(daiyun.EINVALID, "no enabled alert rules to evaluate")
	}
	size := fmt.Sprintf("%d rules, %d shops, %d order lines, as of %s", len(names), len(shops), lines, asOf)

	// Warm-up: the first evaluation opens what fires.
	o, first, err := a.Service.Evaluate(ctx, asOf)
	if err != nil {
		return err
	}
	if len(o.Errors) > 0 {
		return fmt.Errorf("bench: rule %s not evaluated: %s", o.Errors[0].Rule, o.Errors[0].Error)
	}
	firing := map[string]int{}
	for _, f := range o.Firing {
		firing[f.Rule+" "+severity(f)]++
	}
	rep.Checks = append(rep.Checks, fmt.Sprintf("rules evaluated: %s", strings.Join(names, ", ")),
		fmt.Sprintf("first evaluation at %s: %d firing %v; inbox %d opened, %d updated, %d resolved", asOf, len(o.Firing), firing, first.Opened, first.Updated, first.Resolved))

	var times []time.Duration
	for i := range a.Runs {
		start := time.Now()
		o2, res, err := a.Service.Evaluate(ctx, asOf)
		times = append(times, time.Since(start))
		if err != nil {
			return err
		}
		if res.Opened != 0 || res.Updated != 0 || res.Resolved != 0 || len(o2.Firing) != len(o.Firing) {
			return fmt.Errorf("bench: re-evaluation %d changed the inbox (%+v, %d firing, first %d): evaluation is not idempotent", i+1, res, len(o2.Firing), len(o.Firing))
		}
	}
	rep.Checks = append(rep.Checks, fmt.Sprintf("%d re-evaluations changed nothing (0 opened, 0 updated, 0 resolved)", a.Runs))
	f := Compared(Figure{Name: "alerts evaluate (after an import)", Path: "alerting.Service.Evaluate: every enabled rule over every shop + inbox sync",
		Size: size, Target: "< 2 s (issue 6)"}, times, nil)
	f.SetMeets(f.MedianMS < alertTargetMS)
	rep.Figures = append(rep.Figures, f)

	if !a.PerRule {
		return nil
	}
	for _, r := range rules {
		if !r.Enabled {
			continue
		}
		var ts []time.Duration
		for range a.Runs {
			start := time.Now()
			o, err := a.Service.Evaluator.Evaluate(ctx, []alerting.Rule{r}, asOf)
			ts = append(ts, time.Since(start))
			if err != nil {
				return err
			}
			if len(o.Errors) > 0 {
				return fmt.Errorf("bench: rule %s: %s", r.Name, o.Errors[0].Error)
			}
		}
		rep.Figures = append(rep.Figures, Compared(Figure{Name: "rule " + r.Name, Path: "alerting.Evaluator.Evaluate (this rule alone, no sync)",
			Size: fmt.Sprintf("%d shops", len(shops))}, ts, nil))
	}
	return nil
}

func severity(f alerting.Firing) string {
	if f.Colour != "" {
		return f.Colour
	}
	return fmt.Sprintf("L%d", f.Level)
}
