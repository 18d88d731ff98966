package main

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/experiment"
	"github.com/daiyun/daiyun/warehouse/duckdb"
	"github.com/daiyun/daiyun/warehouse/warehousetest"
)

// seedExperimentEvents writes, for client 1's shop 1, 60 persons viewing
// each arm in March 2026; 12 of arm A's and 27 of arm B's pay afterwards.
func seedExperimentEvents(t *testing.T, data string) {
	t.Helper()
	wh, err := duckdb.Open(filepath.Join(data, "warehouse.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	ctx := system(context.Background())
	if err := wh.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var rows [][]any
	add := func(person, event, campaign string, at time.Time) {
		rows = append(rows, warehousetest.Row("events", map[string]any{"tenant_id": int64(1), "shop_id": int64(1), "event_id": fmt.Sprintf("e%04d", len(rows)),
			"person_id": person, "event": event, "at": at, "campaign": campaign}))
	}
	base := time.Date(2026, 3, 3, 1, 0, 0, 0, time.UTC)
	for i := range 60 {
		at := base.Add(time.Duration(i) * time.Hour)
		add(fmt.Sprintf("a%02d", i), "product_view", "detail-A", at)
		add(fmt.Sprintf("b%02d", i), "product_view", "detail-B", at)
		if i < 12 {
			add(fmt.Sprintf("a%02d", i), "pay", "", at.Add(time.Hour))
		}
		if i < 27 {
			add(fmt.Sprintf("b%02d", i), "pay", "", at.Add(time.Hour))
		}
	}
	tenants, err := daiyun.TenantsFor(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wh.Upsert(ctx, tenants, "events", warehousetest.Columns("events"), rows); err != nil {
		t.Fatal(err)
	}
}

// TestExperimentThroughTheCLI: create, list, start, show with the guard,
// refuse an early conclusion, conclude with --force.
func TestExperimentThroughTheCLI(t *testing.T) {
	data := t.TempDir()
	env := map[string]string{"DAIYUN_DATA": data}
	mustRun(t, env, "client", "add", "--name", "Alpha", "--package", "full")
	mustRun(t, env, "shop", "add", "--client", "Alpha", "--name", "Flagship", "--platform", "tmall", "--category", "beauty",
		"--currency", "CNY", "--timezone", "Asia/Shanghai")
	seedExperimentEvents(t, data)

	if _, err := run(t, env, "experiment", "create", "--client", "Alpha", "--shop", "Flagship", "--name", "x", "--arm", "A", "--arm", "B=b",
		"--baseline", "0.2", "--mde", "0.5"); err == nil || !strings.Contains(err.Error(), `--arm "A": want LABEL=VALUE`) {
		t.Fatalf("bad arm: %v", err)
	}
	out := mustRun(t, env, "experiment", "create", "--client", "Alpha", "--shop", "Flagship", "--name", "detail page",
		"--hypothesis", "shorter page", "--arm", "A=detail-A", "--arm", "B=detail-B", "--start", "2026-03-01", "--end", "2026-03-31",
		"--baseline", "0.2", "--mde", "0.5", "--format", "json")
	var e experiment.Experiment
	if err := json.Unmarshal([]byte(out), &e); err != nil || e.ID == 0 || e.Status != experiment.Draft || e.Plan.PerArm < 100 || !e.Plan.MDERelative {
		t.Fatalf("create printed %q (%v)", out, err)
	}
	csv := mustRun(t, env, "experiment", "list", "--format", "csv")
	if !strings.HasPrefix(csv, "id,client,shop,name,status") || !strings.Contains(csv, "detail page,draft,2026-03-01,2026-03-31,A=detail-A B=detail-B") {
		t.Fatalf("list csv: %s", csv)
	}
	mustRun(t, env, "experiment", "start", "detail page", "--client", "Alpha")

	var rep experiment.Report
	json.Unmarshal([]byte(mustRun(t, env, "experiment", "show", "detail page", "--format", "json")), &rep)
	r := rep.Result
	if r == nil || r.Arms[0].Exposed != 60 || r.Arms[0].Converted != 12 || r.Arms[1].Converted != 27 || r.Verdict.Kind != experiment.VerdictInsufficient ||
		r.Test == nil || r.Test.PValue == nil {
		t.Fatalf("show: %+v", r)
	}
	table := mustRun(t, env, "experiment", "show", fmt.Sprint(e.ID), "--format", "csv")
	if want := fmt.Sprintf("insufficient sample — 60 of %d per arm, no winner can be declared", e.Plan.PerArm); !strings.Contains(table, want) {
		t.Fatalf("show csv lacks %q:\n%s", want, table)
	}
	if _, err := run(t, env, "experiment", "conclude", "detail page", "--winner", "B"); err == nil ||
		!strings.Contains(err.Error(), fmt.Sprintf("has not reached its planned sample (60 of %d per arm)", e.Plan.PerArm)) {
		t.Fatalf("early conclusion: %v", err)
	}
	json.Unmarshal([]byte(mustRun(t, env, "experiment", "conclude", "detail page", "--winner", "B", "--force", "--note", "deadline", "--format", "json")), &rep)
	if d := rep.Experiment.Decision; rep.Experiment.Status != experiment.Concluded || d == nil || !d.Forced || d.DecidedBy != "system" || d.MinArmSample != 60 {
		t.Fatalf("forced conclusion: %+v", rep.Experiment)
	}
	if _, err := run(t, env, "experiment", "stop", "detail page"); err == nil || !strings.Contains(err.Error(), "only a running experiment can be stopped") {
		t.Fatalf("stop a concluded experiment: %v", err)
	}
}
