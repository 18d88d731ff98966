package alerting_test

import (
	"testing"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/alerting"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/demo"
)

// TestLifecycleOnTheDemo evaluates the stored default rules into the
// catalog: evaluating twice changes nothing, a re-fire never duplicates,
// acknowledge → resolve with a post-mortem, and what each role sees.
func TestLifecycleOnTheDemo(t *testing.T) {
	d := sharedDemo(t)
	if _, err := d.cat.SeedAlertRules(sys, alerting.Defaults()); err != nil {
		t.Fatal(err)
	}
	svc := &alerting.Service{Store: d.cat, Evaluator: d.eval}
	last := d.sum.Last
	_, first, err := svc.Evaluate(sys, last)
	if err != nil {
		t.Fatal(err)
	}
	if first.Opened < 3 {
		t.Fatalf("first evaluation opened %d alerts", first.Opened)
	}
	_, again, err := svc.Evaluate(sys, last)
	if err != nil {
		t.Fatal(err)
	}
	if again != (alerting.SyncResult{}) {
		t.Fatalf("evaluating twice changed %+v", again)
	}
	before, _ := d.cat.Alerts(sys, catalog.AlertFilter{State: "open"})
	if _, _, err := svc.Evaluate(sys, daiyun.Date{Time: last.AddDate(0, 0, -1)}); err != nil {
		t.Fatal(err)
	}
	after, _ := d.cat.Alerts(sys, catalog.AlertFilter{State: "open", Limit: 1000})
	open := map[string]int{}
	for _, a := range after {
		open[a.Rule+"|"+a.Scope]++
		if open[a.Rule+"|"+a.Scope] > 1 {
			t.Errorf("two open alerts for %s %s", a.Rule, a.Scope)
		}
	}
	if len(before) == 0 {
		t.Fatal("no open alerts")
	}

	// The planted GMV drop is one open level-3 alert.
	drop := planted(d.sum, demo.KindGMVDrop)
	l3, err := d.cat.Alerts(sys, catalog.AlertFilter{State: "open", Level: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(l3) != 1 || l3[0].ShopID != drop.ShopID || l3[0].Deadline == nil {
		t.Fatalf("level-3 alerts: %+v", l3)
	}
	a := l3[0]

	// Who sees it: the client's manager (level 3 is told to the client),
	// not another client's users.
	other := int64(0)
	for _, p := range d.sum.Planted {
		if p.ClientID != a.ClientID {
			other = p.ClientID
		}
	}
	viewerA := daiyun.WithActor(sys, daiyun.Actor{UserID: 999, Role: daiyun.RoleClientViewer, ClientID: a.ClientID})
	viewerB := daiyun.WithActor(sys, daiyun.Actor{UserID: 998, Role: daiyun.RoleClientViewer, ClientID: other})
	if _, err := d.cat.Alert(viewerA, a.ID); err != nil {
		t.Errorf("client viewer cannot see its level-3 alert: %v", err)
	}
	if _, err := d.cat.Alert(viewerB, a.ID); daiyun.ErrorCode(err) != daiyun.ENOTFOUND {
		t.Errorf("another client's viewer: %v, want not found", err)
	}
	mine, _ := d.cat.Alerts(viewerA, catalog.AlertFilter{})
	for _, x := range mine {
		if x.ClientID != a.ClientID || (x.Level != 3 && x.Colour == "") {
			t.Errorf("client viewer sees %s %s of client %d", x.Rule, x.Severity(), x.ClientID)
		}
	}
	if _, err := d.cat.AckAlert(viewerA, a.ID); daiyun.ErrorCode(err) != daiyun.EFORBIDDEN {
		t.Errorf("client viewer acknowledged: %v", err)
	}

	// Acknowledge, comment, resolve with the post-mortem.
	if a, err = d.cat.AckAlert(sys, a.ID); err != nil || a.State != alerting.StateAcknowledged {
		t.Fatalf("ack: %v %s", err, a.State)
	}
	if _, err := d.cat.AckAlert(sys, a.ID); daiyun.ErrorCode(err) != daiyun.ECONFLICT {
		t.Errorf("second ack: %v", err)
	}
	if _, err := d.cat.CommentAlert(sys, a.ID, "called the brand, checking the listing"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.cat.ResolveAlert(sys, a.ID, alerting.PostMortem{}); daiyun.ErrorCode(err) != daiyun.EINVALID {
		t.Errorf("level 3 resolved without a cause: %v", err)
	}
	no := false
	a, err = d.cat.ResolveAlert(sys, a.ID, alerting.PostMortem{Cause: "hero SKU delisted", Actions: "relisted", Preventable: &no})
	if err != nil || a.State != alerting.StateResolved || a.PostMortem.Cause != "hero SKU delisted" {
		t.Fatalf("resolve: %v %+v", err, a)
	}
	// Re-evaluating the same day does not reopen it; the next day it still
	// fires: a new alert opens, counted as a recurrence.
	if _, res, err := svc.Evaluate(sys, last); err != nil || res.Opened != 0 {
		t.Fatalf("same day after resolve: %+v %v", res, err)
	}
	rules, err := d.cat.AlertRules(sys)
	if err != nil {
		t.Fatal(err)
	}
	o, err := d.eval.Evaluate(sys, rules, last)
	if err != nil {
		t.Fatal(err)
	}
	o.AsOf = daiyun.Date{Time: last.AddDate(0, 0, 1)} // the same firings, seen the next day
	for i := range o.Firing {
		o.Firing[i].AsOf = o.AsOf
	}
	if _, err := d.cat.SyncAlerts(sys, o, rules); err != nil {
		t.Fatal(err)
	}
	l3, _ = d.cat.Alerts(sys, catalog.AlertFilter{State: "open", Level: 3})
	if len(l3) != 1 || l3[0].ID == a.ID || l3[0].Recurrence != 1 {
		t.Fatalf("re-fire after resolve: %+v", l3)
	}
}

// TestAutoResolve opens an alert on a normal week and resolves it
// automatically when the condition clears a week later (the planted GMV
// drop breaks "GMV above half of the week before"); replaying the earlier
// day does not reopen or change anything.
func TestAutoResolve(t *testing.T) {
	d := sharedDemo(t)
	drop := planted(d.sum, demo.KindGMVDrop)
	r := alerting.Rule{Name: "test_gmv_above_half_of_last_week", KPI: "gmv", Scope: alerting.Scope{Kind: alerting.ScopeShop, ShopID: drop.ShopID},
		Condition: alerting.Condition{Kind: alerting.CondPrevious, Op: ">", Value: -0.5}, Grain: "week", Level: 1, Enabled: true}
	if err := d.cat.PutAlertRule(sys, &r); err != nil {
		t.Fatal(err)
	}
	defer d.cat.DeleteAlertRule(sys, r.Name)
	sync := func(day daiyun.Date) alerting.SyncResult {
		o, err := d.eval.Evaluate(sys, []alerting.Rule{r}, day)
		if err != nil {
			t.Fatal(err)
		}
		res, err := d.cat.SyncAlerts(sys, o, []alerting.Rule{r})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	normal := daiyun.Date{Time: d.sum.Last.AddDate(0, 0, -8)}
	if res := sync(normal); res.Opened != 1 {
		t.Fatalf("a normal week: %+v", res)
	}
	if res := sync(d.sum.Last); res.Resolved != 1 {
		t.Fatalf("the planted drop week: %+v", res)
	}
	if res := sync(normal); res != (alerting.SyncResult{}) {
		t.Fatalf("replaying the normal week: %+v", res)
	}
	as, _ := d.cat.Alerts(sys, catalog.AlertFilter{RuleID: r.ID})
	if len(as) != 1 || !as[0].AutoResolved || as[0].State != alerting.StateResolved {
		t.Fatalf("auto-resolved: %+v", as)
	}
}
