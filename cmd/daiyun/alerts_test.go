package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/daiyun/daiyun/alerting"
)

// TestAlertsThroughTheCLI applies and exports rules, evaluates a small demo
// agency at its last day (twice: nothing changes the second time),
// back-tests, and acknowledges, comments and resolves an alert.
func TestAlertsThroughTheCLI(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a demo agency")
	}
	data := t.TempDir()
	env := map[string]string{"DAIYUN_DATA": data}
	mustRun(t, env, "demo", "--order-lines", "60000", "--years", "1", "--end", "2026-11-25")

	// A wrong rule names the file, the rule, the field and the value.
	bad := filepath.Join(data, "bad.yaml")
	os.WriteFile(bad, []byte("rules:\n  - name: conv\n    kpi: conversion\n    scope: {kind: agency}\n    condition: {kind: benchmark, op: '<', value: 1}\n    level: 1\n"), 0o644)
	if _, err := run(t, env, "alerts", "apply", bad); err == nil || !strings.Contains(err.Error(), `bad.yaml: rules[0]: rule "conv": kpi "conversion"`) {
		t.Fatalf("bad rule: %v", err)
	}
	good := filepath.Join(data, "rules.yaml")
	os.WriteFile(good, []byte(`rules:
  - name: refund_rate_high
    kpi: refund_rate
    scope: {kind: agency}
    condition: {kind: absolute, op: '>', value: 0.5}
    grain: week
    periods: 1
    level: 2
    deadline: 12h
    enabled: true
`), 0o644)
	mustRun(t, env, "alerts", "apply", good)
	exported := mustRun(t, env, "alerts", "export")
	rules, err := alerting.ParseYAML("export", []byte(exported))
	if err != nil {
		t.Fatalf("export does not load back: %v\n%s", err, exported)
	}
	names := map[string]bool{}
	for _, r := range rules {
		names[r.Name] = true
	}
	if !names["refund_rate_high"] || !names[alerting.RuleGMVDropWeekOnWeek] || len(rules) != len(alerting.Defaults())+1 {
		t.Fatalf("exported rules: %v", names)
	}

	var out struct {
		Firing []alerting.Firing    `json:"firing"`
		Sync   *alerting.SyncResult `json:"sync"`
		Counts map[string]int       `json:"fired_per_rule"`
	}
	decode := func(s string) {
		out.Firing, out.Sync, out.Counts = nil, nil, nil
		if err := json.Unmarshal([]byte(s), &out); err != nil {
			t.Fatalf("%v: %s", err, s)
		}
	}
	decode(mustRun(t, env, "alerts", "evaluate", "--as-of", "2026-11-24", "--format", "json"))
	if len(out.Firing) == 0 || out.Sync == nil || out.Sync.Opened != len(out.Firing) {
		t.Fatalf("first evaluation: %d firing, sync %+v", len(out.Firing), out.Sync)
	}
	for _, f := range out.Firing {
		if f.Rule == "" || f.Scope == "" || (f.Level == 0) == (f.Colour == "") || f.Periods == 0 {
			t.Errorf("firing lacks rule, scope, level or colour, periods: %+v", f)
		}
	}
	decode(mustRun(t, env, "alerts", "evaluate", "--as-of", "2026-11-24", "--format", "json"))
	if *out.Sync != (alerting.SyncResult{}) {
		t.Fatalf("second evaluation changed %+v", *out.Sync)
	}
	decode(mustRun(t, env, "alerts", "evaluate", "--as-of", "2026-11-24", "--days", "5", "--format", "json"))
	if len(out.Counts) == 0 || out.Sync != nil {
		t.Fatalf("back-test: %+v", out)
	}

	var inbox []alerting.Alert
	json.Unmarshal([]byte(mustRun(t, env, "alerts", "list", "--format", "json")), &inbox)
	if len(inbox) == 0 {
		t.Fatal("empty inbox")
	}
	id := inbox[0].ID
	mustRun(t, env, "alerts", "ack", itoa64(id))
	mustRun(t, env, "alerts", "comment", itoa64(id), "--body", "看过了")
	mustRun(t, env, "alerts", "resolve", itoa64(id), "--cause", "planted", "--actions", "none", "--preventable", "no")
	var shown struct {
		Alert    alerting.Alert     `json:"alert"`
		Comments []alerting.Comment `json:"comments"`
	}
	json.Unmarshal([]byte(mustRun(t, env, "alerts", "show", itoa64(id))), &shown)
	if shown.Alert.State != alerting.StateResolved || len(shown.Comments) != 1 || shown.Alert.PostMortem.Cause != "planted" {
		t.Fatalf("after resolve: %+v", shown)
	}
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
