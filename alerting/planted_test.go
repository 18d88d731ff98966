package alerting_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/daiyun/daiyun/alerting"
	"github.com/daiyun/daiyun/demo"
)

// TestPlantedProblemsRaiseTheRightAlerts replays the default rules over the
// last 10 days of a generated demo agency and checks every planted problem
// of docs/demo.md opens the right alert at the right level or colour on
// the right shop or client (a problem that ended before the last day, like
// the conversion drop, is found when the replay passes it), and that at
// the demo's last day nothing but the planted GMV drop is at level 3.
func TestPlantedProblemsRaiseTheRightAlerts(t *testing.T) {
	d := sharedDemo(t)
	started := time.Now()
	fired, errs, err := d.eval.Backtest(sys, alerting.Defaults(), d.sum.Last, 10)
	t.Logf("backtest of 10 days: %s", time.Since(started))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		t.Errorf("rule %s: %s", e.Rule, e.Error)
	}
	for _, f := range fired {
		t.Logf("%s %s %s L%d %s value %.4g threshold %.4g", f.AsOf, f.Rule, f.Scope, f.Level, f.Colour, f.Value, f.Thresh)
	}
	want := map[string]struct {
		rule     string
		severity string
	}{
		demo.KindConversionDrop:  {alerting.RuleConversionBelowBenchmark, "L1"},
		demo.KindTrafficSpike:    {alerting.RuleAbnormalTrafficSource, "L2"},
		demo.KindFakeOrders:      {alerting.RuleFakeOrders, "L2"},
		demo.KindGMVDrop:         {alerting.RuleGMVDropWeekOnWeek, "L3"},
		demo.KindBudgetOverspend: {alerting.RuleBudgetRed, "red"},
	}
	for _, p := range d.sum.Planted {
		w, ok := want[p.Kind]
		if !ok {
			continue // slow movers and competitor prices belong to diagnosis
		}
		found := false
		for _, f := range fired {
			sev := f.Colour
			if sev == "" {
				sev = fmt.Sprintf("L%d", f.Level)
			}
			if f.Rule != w.rule || sev != w.severity || f.ClientID != p.ClientID || (p.ShopID != 0 && f.ShopID != p.ShopID) {
				continue
			}
			if p.Source != "" && f.Dim != p.Source {
				continue
			}
			found = true
		}
		if !found {
			t.Errorf("planted %s on %s %s (%s…%s) raised no %s %s alert", p.Kind, p.Client, p.Shop, p.From, p.To, w.severity, w.rule)
		}
	}
	// At the demo's last day only the planted GMV drop is at level 3.
	drop := planted(d.sum, demo.KindGMVDrop)
	now, err := d.eval.Evaluate(sys, alerting.Defaults(), d.sum.Last)
	if err != nil {
		t.Fatal(err)
	}
	l3 := 0
	for _, f := range now.Firing {
		if f.Level != 3 {
			continue
		}
		l3++
		if f.ShopID != drop.ShopID {
			t.Errorf("level 3 on %s (%s, value %.4g) at %s: only the planted GMV drop may fire at level 3", f.Scope, f.Rule, f.Value, d.sum.Last)
		}
	}
	if l3 == 0 {
		t.Errorf("the planted GMV drop is not at level 3 on the last day %s", d.sum.Last)
	}
}

func planted(s demo.Summary, kind string) demo.Planted {
	for _, p := range s.Planted {
		if p.Kind == kind {
			return p
		}
	}
	return demo.Planted{}
}
