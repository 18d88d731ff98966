package catalog_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/alerting"
	"github.com/daiyun/daiyun/catalog"
)

// TestAlertLifecycleOnBothEngines: one open alert per rule and scope, an
// idempotent re-sync, auto-resolve, acknowledge and resolve, the outbox and
// the delivery log, and who sees what, on SQLite and PostgreSQL.
func TestAlertLifecycleOnBothEngines(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *catalog.Store) {
		a, b := mustClient(t, s, "Alpha"), mustClient(t, s, "Bravo")
		shA, shB := mustShop(t, s, a.ID, "A1"), mustShop(t, s, b.ID, "B1")
		r := alerting.Rule{Name: "gmv_drop", KPI: "gmv", Scope: alerting.Scope{Kind: alerting.ScopeAgency},
			Condition: alerting.Condition{Kind: alerting.CondPrevious, Op: "<", Value: -0.3}, Grain: "week", Level: 3, Enabled: true}
		if err := s.PutAlertRule(sys, &r); err != nil {
			t.Fatal(err)
		}
		r.Enabled = false
		if err := s.PutAlertRule(sys, &r); err != nil { // upsert by name
			t.Fatal(err)
		}
		if rules, _ := s.AlertRules(sys); len(rules) != 1 || rules[0].Enabled || rules[0].ID != r.ID {
			t.Fatalf("rules after upsert: %+v", rules)
		}
		day, _ := daiyun.ParseDate("2026-11-24")
		fire := func(shop daiyun.Shop, v float64, asOf daiyun.Date) alerting.Firing {
			return alerting.Firing{Rule: r.Name, RuleID: r.ID, Scope: "shop:" + itoa(shop.ID), ClientID: shop.ClientID, ShopID: shop.ID,
				KPI: "gmv", Level: 3, Op: "<", Value: v, Thresh: 70, Periods: 1, AsOf: asOf, From: asOf, To: asOf}
		}
		sync := func(o alerting.Outcome) alerting.SyncResult {
			t.Helper()
			res, err := s.SyncAlerts(sys, &o, []alerting.Rule{r})
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		if res := sync(alerting.Outcome{Firing: []alerting.Firing{fire(shA, 50, day), fire(shB, 40, day)}}); res.Opened != 2 {
			t.Fatalf("open: %+v", res)
		}
		if res := sync(alerting.Outcome{Firing: []alerting.Firing{fire(shA, 50, day), fire(shB, 40, day)}}); res != (alerting.SyncResult{}) {
			t.Fatalf("same outcome again: %+v", res)
		}
		next := daiyun.Date{Time: day.AddDate(0, 0, 1)}
		if res := sync(alerting.Outcome{Firing: []alerting.Firing{fire(shA, 45, next)}}); res.Updated != 1 || res.Opened != 0 {
			t.Fatalf("re-fire: %+v", res)
		}
		as, err := s.Alerts(sys, catalog.AlertFilter{State: "open"})
		if err != nil || len(as) != 2 {
			t.Fatalf("open alerts: %v %+v", err, as)
		}
		var alA alerting.Alert
		for _, x := range as {
			if x.ClientID == a.ID {
				alA = x
			}
		}
		if alA.Value != 45 || alA.LastSeen != next || alA.FirstSeen != day || alA.Deadline == nil {
			t.Fatalf("updated alert: %+v", alA)
		}

		// Client users see their own level-3 alerts only; staff of B not A's.
		viewerB := daiyun.WithActor(sys, daiyun.Actor{UserID: 77, Role: daiyun.RoleClientViewer, ClientID: b.ID})
		expertB := daiyun.WithActor(sys, daiyun.Actor{UserID: 78, Role: daiyun.RoleExpert, Assigned: []int64{b.ID}})
		for _, ctx := range []struct {
			name string
			c    func() ([]alerting.Alert, error)
		}{{"viewer B", func() ([]alerting.Alert, error) { return s.Alerts(viewerB, catalog.AlertFilter{}) }},
			{"expert B", func() ([]alerting.Alert, error) { return s.Alerts(expertB, catalog.AlertFilter{}) }}} {
			got, err := ctx.c()
			if err != nil || len(got) != 1 || got[0].ClientID != b.ID {
				t.Errorf("%s sees %+v (%v)", ctx.name, got, err)
			}
		}
		if _, err := s.Alert(viewerB, alA.ID); daiyun.ErrorCode(err) != daiyun.ENOTFOUND {
			t.Errorf("viewer B reads A's alert: %v", err)
		}
		if _, err := s.CommentAlert(expertB, alA.ID, "x"); daiyun.ErrorCode(err) != daiyun.ENOTFOUND {
			t.Errorf("expert B comments on A's alert: %v", err)
		}

		// Ack, resolve, outbox.
		if _, err := s.AckAlert(sys, alA.ID); err != nil {
			t.Fatal(err)
		}
		yes := true
		if _, err := s.ResolveAlert(sys, alA.ID, alerting.PostMortem{Cause: "c", Actions: "a", Preventable: &yes}); err != nil {
			t.Fatal(err)
		}
		got, _ := s.Alert(sys, alA.ID)
		if got.State != alerting.StateResolved || got.PostMortem.Preventable == nil || !*got.PostMortem.Preventable || got.AckedAt == nil {
			t.Fatalf("resolved: %+v", got)
		}
		// Auto-resolve of B's alert when its condition clears.
		scopeB := "shop:" + itoa(shB.ID)
		if res := sync(alerting.Outcome{Cleared: []alerting.Key{{RuleID: r.ID, Rule: r.Name, Scope: scopeB}}}); res.Resolved != 1 {
			t.Fatalf("auto-resolve: %+v", res)
		}
		evs, err := s.PendingAlertEvents(sys, 100)
		if err != nil || len(evs) != 4 {
			t.Fatalf("outbox: %v %+v", err, evs)
		}
		if err := s.RecordDelivery(sys, alerting.Delivery{AlertID: alA.ID, ClientID: a.ID, Key: evs[0].Key, Channel: "email", Target: "x@y", Attempt: 1, Status: "sent"}); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordDelivery(sys, alerting.Delivery{AlertID: alA.ID, ClientID: a.ID, Key: evs[0].Key, Channel: "email", Target: "x@y", Attempt: 2, Status: "sent"}); err != nil {
			t.Fatal(err)
		}
		if sent, _ := s.DeliverySent(sys, evs[0].Key, "email", "x@y"); !sent {
			t.Error("delivery not recorded")
		}
		if ds, _ := s.AlertDeliveries(sys, alA.ID); len(ds) != 1 {
			t.Errorf("a second 'sent' for the same key was logged: %+v", ds)
		}
		if err := s.EscalateAlert(sys, alA.ID, 1, nil); err != nil {
			t.Fatal(err)
		}
		if err := s.EscalateAlert(sys, alA.ID, 1, nil); err != nil {
			t.Fatal(err)
		}
		if evs, _ := s.PendingAlertEvents(sys, 100); len(evs) != 5 {
			t.Errorf("escalating twice made %d events, want 5", len(evs))
		}
		if due, err := s.DueEscalations(sys, time.Now().Add(time.Hour)); err != nil || len(due) != 0 {
			t.Errorf("due escalations of resolved alerts: %v %+v", err, due)
		}
		rec, err := s.AlertRecurrence(sys)
		if err != nil || len(rec) != 2 {
			t.Errorf("recurrence: %v %+v", err, rec)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
