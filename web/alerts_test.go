package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/alerting"
	"github.com/daiyun/daiyun/catalog"
)

func catalogFilterRule(id int64) catalog.AlertFilter { return catalog.AlertFilter{RuleID: id} }

var alertSeq atomic.Int64

// newAlert opens a fresh alert of the given level on a client's shop (one
// rule per alert, so every probe has an open alert to act on).
func (e *env) newAlert(clientID, shopID int64, level int) alerting.Alert {
	e.t.Helper()
	r := alerting.Rule{Name: fmt.Sprintf("probe_rule_%d", alertSeq.Add(1)), KPI: "gmv",
		Scope:     alerting.Scope{Kind: alerting.ScopeShop, ShopID: shopID},
		Condition: alerting.Condition{Kind: alerting.CondPrevious, Op: "<", Value: -0.3}, Grain: "week", Level: level, Enabled: true}
	must(e, e.cat.PutAlertRule(sys, &r))
	day, _ := daiyun.ParseDate("2026-11-24")
	f := alerting.Firing{Rule: r.Name, RuleID: r.ID, Scope: fmt.Sprintf("shop:%d", shopID), ClientID: clientID, ShopID: shopID, KPI: "gmv",
		Level: level, Op: "<", Value: 100, Thresh: 200, Periods: 1, AsOf: day, From: daiyun.Date{Time: day.AddDate(0, 0, -6)}, To: day}
	_, err := e.cat.SyncAlerts(sys, &alerting.Outcome{AsOf: day, Firing: []alerting.Firing{f}}, []alerting.Rule{r})
	must(e, err)
	as, err := e.cat.Alerts(sys, catalogFilterRule(r.ID))
	must(e, err)
	if len(as) != 1 {
		e.t.Fatalf("probe alert not opened: %v", as)
	}
	return as[0]
}

func alertPath(level int, suffix string) func(*env, string) (string, string) {
	return func(e *env, _ string) (string, string) {
		a := e.newAlert(e.a.ID, e.shopA.ID, level)
		return fmt.Sprintf("/api/v1/alerts/%d%s", a.ID, suffix), ""
	}
}

func alertPage(suffix, body string) func(*env, string) (string, string) {
	return func(e *env, _ string) (string, string) {
		a := e.newAlert(e.a.ID, e.shopA.ID, 3)
		return fmt.Sprintf("/alerts/%d%s", a.ID, suffix), body
	}
}

// staffOfA: agency staff who see client A; client users are refused,
// those who cannot see A get not found.
var staffOfA = map[string]int{"anonymous": 401, "admin": 200, "director": 200, "specialist": 200, "analyst": 200,
	"expert": 404, "manager_a": 403, "viewer_a": 403, "manager_b": 404}

// TestAlertsIsolation: a client user never sees another client's alerts,
// and sees of its own only level 3 and budget colours; staff see their
// clients' alerts only.
func TestAlertsIsolation(t *testing.T) {
	e := newEnv(t)
	l1A := e.newAlert(e.a.ID, e.shopA.ID, 1)
	l3A := e.newAlert(e.a.ID, e.shopA.ID, 3)
	l3B := e.newAlert(e.b.ID, e.shopB.ID, 3)
	ids := func(persona string) map[int64]bool {
		resp := e.do(e.byName[persona], "GET", "/api/v1/alerts?state=all", "")
		as := decode[[]alerting.Alert](t, resp)
		out := map[int64]bool{}
		for _, a := range as {
			out[a.ID] = true
		}
		return out
	}
	for persona, want := range map[string][3]bool{
		"admin": {true, true, true}, "specialist": {true, true, false}, "expert": {false, false, true},
		"manager_a": {false, true, false}, "viewer_a": {false, true, false}, "manager_b": {false, false, true},
	} {
		got := ids(persona)
		if got[l1A.ID] != want[0] || got[l3A.ID] != want[1] || got[l3B.ID] != want[2] {
			t.Errorf("%s sees L1 A %v, L3 A %v, L3 B %v; want %v", persona, got[l1A.ID], got[l3A.ID], got[l3B.ID], want)
		}
	}
	// The level-1 alert of A does not exist for A's client users.
	if resp := e.do(e.byName["viewer_a"], "GET", fmt.Sprintf("/api/v1/alerts/%d", l1A.ID), ""); resp.StatusCode != 404 {
		t.Errorf("viewer_a reads a level-1 alert: %d", resp.StatusCode)
	}
	// The inbox page shows nothing of A to B's manager.
	page := readAll(e.do(e.byName["manager_b"], "GET", "/alerts?state=all", ""))
	if strings.Contains(page, fmt.Sprintf(`data-alert-id="%d"`, l3A.ID)) || strings.Contains(page, "Alpha") {
		t.Errorf("manager_b's inbox shows client A")
	}
}

// TestAlertDetailForms acknowledges, comments and resolves through the UI.
func TestAlertDetailForms(t *testing.T) {
	e := newEnv(t)
	a := e.newAlert(e.a.ID, e.shopA.ID, 3)
	c := e.byName["specialist"]
	path := fmt.Sprintf("/alerts/%d", a.ID)
	if resp := e.do(c, "POST", path+"/ack", "x=1"); resp.StatusCode != 303 {
		t.Fatalf("ack: %d", resp.StatusCode)
	}
	if resp := e.do(c, "POST", path+"/comment", "body=checked+the+listing"); resp.StatusCode != 303 {
		t.Fatalf("comment: %d", resp.StatusCode)
	}
	resp := e.do(c, "POST", path+"/resolve", "cause=&actions=x")
	if loc := resp.Header.Get("Location"); resp.StatusCode != 303 || !strings.Contains(loc, "error=") {
		t.Fatalf("level 3 without a cause: %d %s", resp.StatusCode, loc)
	}
	if resp := e.do(c, "POST", path+"/resolve", "cause=listing+removed&actions=relisted&preventable=yes"); resp.StatusCode != 303 {
		t.Fatalf("resolve: %d", resp.StatusCode)
	}
	page := readAll(e.do(c, "GET", path, ""))
	for _, want := range []string{"checked the listing", "listing removed", `data-state="resolved"`} {
		if !strings.Contains(page, want) {
			t.Errorf("detail page lacks %q", want)
		}
	}
	inbox := readAll(e.do(e.byName["manager_a"], "GET", "/alerts?state=all", ""))
	if !strings.Contains(inbox, fmt.Sprintf(`data-alert-id="%d"`, a.ID)) {
		t.Errorf("manager_a does not see its level-3 alert in the inbox")
	}
	// Both languages have every message of the pages.
	must(e, e.cat.SetLang(sys, e.users["specialist"].ID, "zh-CN"))
	for _, p := range []string{page, inbox, readAll(e.do(c, "GET", path, "")), readAll(e.do(c, "GET", "/alerts", ""))} {
		for _, raw := range []string{">alert_", " alert_", "\"alert_"} {
			if i := strings.Index(p, raw); i >= 0 {
				t.Errorf("untranslated message near %q", p[max(0, i-40):min(len(p), i+40)])
			}
		}
	}
	if zh := readAll(e.do(c, "GET", path, "")); !strings.Contains(zh, "三级预警") {
		t.Errorf("detail page not in Chinese for a zh-CN user")
	}
}

func TestAlertRulesAPI(t *testing.T) {
	e := newEnv(t)
	body := `{"kpi":"conversion_rate","scope":{"kind":"agency"},"condition":{"kind":"benchmark","op":"<","value":1},"grain":"day","periods":3,"level":1,"enabled":true}`
	resp := e.do(e.byName["admin"], "PUT", "/api/v1/alert-rules/conv_low", body)
	if resp.StatusCode != 200 {
		t.Fatalf("put: %d %s", resp.StatusCode, readAll(resp))
	}
	resp = e.do(e.byName["admin"], "PUT", "/api/v1/alert-rules/bad", strings.Replace(body, "conversion_rate", "conversion", 1))
	if text := readAll(resp); resp.StatusCode != 422 || !strings.Contains(text, `rule \"bad\": kpi \"conversion\"`) {
		t.Fatalf("bad kpi: %d %s", resp.StatusCode, text)
	}
	if resp := e.do(e.byName["specialist"], "PUT", "/api/v1/alert-rules/conv_low", body); resp.StatusCode != 403 {
		t.Errorf("specialist changed an agency rule: %d", resp.StatusCode)
	}

	// The rules page: the YAML of every rule, applied back with a change.
	page := readAll(e.do(e.byName["admin"], "GET", "/alerts/rules", ""))
	if !strings.Contains(page, `data-rule="conv_low"`) || !strings.Contains(page, "name: conv_low") {
		t.Fatalf("rules page lacks conv_low")
	}
	yaml := "rules:\n  - name: conv_low\n    kpi: conversion_rate\n    scope: {kind: agency}\n    condition: {kind: benchmark, op: '<', value: 0.9}\n    periods: 3\n    level: 1\n    enabled: true\n"
	if resp := e.do(e.byName["admin"], "POST", "/alerts/rules", "yaml="+url.QueryEscape(yaml)); resp.StatusCode != 303 || resp.Header.Get("Location") != "/alerts/rules?applied=1" {
		t.Fatalf("apply: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	r, err := e.cat.AlertRule(sys, "conv_low")
	if err != nil || r.Condition.Value != 0.9 {
		t.Fatalf("after apply: %+v %v", r, err)
	}
	resp = e.do(e.byName["admin"], "POST", "/alerts/rules", "yaml="+url.QueryEscape(strings.Replace(yaml, "level: 1", "level: 7", 1)))
	if text := readAll(resp); resp.StatusCode != 422 || !strings.Contains(text, "rule &#34;conv_low&#34;: level 7") || !strings.Contains(text, "level: 7") {
		t.Errorf("bad rule: %d", resp.StatusCode)
	}
}
