package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/experiment"
	"github.com/daiyun/daiyun/warehouse/warehousetest"
)

var experimentSeq atomic.Int64

// newExperiment registers a fresh experiment of client A's shop and brings
// it to the status given (draft or running).
func (e *env) newExperiment(status experiment.Status, plan experiment.Plan) experiment.Experiment {
	e.t.Helper()
	x := experiment.Experiment{ShopID: e.shopA.ID, Name: fmt.Sprintf("Alpha detail page %d", experimentSeq.Add(1)),
		Arms: []experiment.Arm{{Label: "A", Value: "detail-A"}, {Label: "B", Value: "detail-B"}}, Plan: plan}
	x.StartDate, _ = daiyun.ParseDate("2026-03-01")
	x.EndDate, _ = daiyun.ParseDate("2026-03-31")
	must(e, e.cat.CreateExperiment(sys, &x))
	if status == experiment.Running {
		var err error
		x, err = e.cat.StartExperiment(sys, x.ID)
		must(e, err)
	}
	return x
}

var probePlan = experiment.Plan{Baseline: 0.2, MDE: 1, MDERelative: true}

func experimentPath(status experiment.Status, suffix string) func(*env, string) (string, string) {
	return func(e *env, _ string) (string, string) {
		x := e.newExperiment(status, probePlan)
		return fmt.Sprintf("/api/v1/experiments/%d%s", x.ID, suffix), ""
	}
}

func experimentPage(status experiment.Status, suffix, body string) func(*env, string) (string, string) {
	return func(e *env, _ string) (string, string) {
		x := e.newExperiment(status, probePlan)
		return fmt.Sprintf("/experiments/%d%s", x.ID, suffix), body
	}
}

func experimentBody(e *env, p string) (string, string) {
	return "/api/v1/experiments", fmt.Sprintf(`{"shop_id":%d,"name":"probe %s","arms":[{"label":"A","value":"a"},{"label":"B","value":"b"}],"baseline":0.1,"mde":0.2}`, e.shopA.ID, p)
}

func experimentForm(e *env, p string) (string, string) {
	return "/experiments", url.Values{"shop_id": {fmt.Sprint(e.shopA.ID)}, "name": {"form probe " + p}, "arm_column": {"campaign"},
		"control_label": {"A"}, "control_value": {"a"}, "variant_label": {"B"}, "variant_value": {"b"},
		"baseline": {"0.1"}, "mde": {"0.2"}, "mde_kind": {"relative"}}.Encode()
}

// staffOfAPages: UI forms that change one of A's experiments; success and
// a login redirect are both 303.
var staffOfAPages = map[string]int{"anonymous": 303, "admin": 303, "director": 303, "specialist": 303, "analyst": 303,
	"expert": 404, "manager_a": 403, "viewer_a": 403, "manager_b": 404}

// seedExperimentEvents writes a detail-page test on shop A in March 2026:
// 100 persons see each arm; 20 of A's and 45 of B's pay afterwards; 5
// more of B's paid only before their view (no conversion).
func (e *env) seedExperimentEvents() {
	e.t.Helper()
	var rows [][]any
	n := 0
	add := func(person, event, campaign string, at time.Time) {
		n++
		rows = append(rows, warehousetest.Row("events", map[string]any{"tenant_id": e.a.ID, "shop_id": e.shopA.ID, "event_id": fmt.Sprintf("x%05d", n),
			"person_id": person, "event": event, "at": at, "campaign": campaign}))
	}
	base := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	for i := range 100 {
		at := base.Add(time.Duration(i) * time.Hour)
		a, b := fmt.Sprintf("pa%03d", i), fmt.Sprintf("pb%03d", i)
		add(a, "product_view", "detail-A", at)
		add(b, "product_view", "detail-B", at)
		if i < 20 {
			add(a, "pay", "", at.Add(time.Minute))
		}
		if i < 45 {
			add(b, "pay", "", at.Add(time.Minute))
		} else if i < 50 {
			add(b, "pay", "", at.Add(-time.Minute))
		}
	}
	tenants, err := daiyun.TenantsFor(sys, e.a.ID)
	must(e, err)
	_, err = e.wh.Upsert(sys, tenants, "events", warehousetest.Columns("events"), rows)
	must(e, err)
}

// TestExperimentsGuard: the verdict and the decision wait for the planned
// sample; an override is recorded and shown; a client's viewer sees the
// result but may not decide; another client's manager sees nothing.
func TestExperimentsGuard(t *testing.T) {
	e := newEnv(t)
	e.seedExperimentEvents()
	// 82 per arm planned (baseline 20%, +100%): reached with 100 per arm.
	small := e.newExperiment(experiment.Running, probePlan)
	// +20% needs far more than 100 per arm.
	big := e.newExperiment(experiment.Running, experiment.Plan{Baseline: 0.2, MDE: 0.2, MDERelative: true})

	resp := e.do(e.byName["viewer_a"], "GET", fmt.Sprintf("/api/v1/experiments/%d", small.ID), "")
	if resp.StatusCode != 200 {
		t.Fatalf("viewer reads: %d %s", resp.StatusCode, readAll(resp))
	}
	rep := decode[experiment.Report](t, resp)
	r := rep.Result
	if rep.Experiment.Plan.PerArm != 82 || r.Arms[0].Exposed != 100 || r.Arms[0].Converted != 20 || r.Arms[1].Exposed != 100 || r.Arms[1].Converted != 45 {
		t.Fatalf("counts: plan %d, arms %+v", rep.Experiment.Plan.PerArm, r.Arms)
	}
	if !r.SampleReached || r.Verdict.Kind != experiment.VerdictWinner || r.Verdict.Winner != "B" || r.Verdict.Text != "variant B wins" {
		t.Fatalf("verdict after the plan: %+v", r.Verdict)
	}

	resp = e.do(e.byName["specialist"], "GET", fmt.Sprintf("/api/v1/experiments/%d", big.ID), "")
	rep = decode[experiment.Report](t, resp)
	r = rep.Result
	planned := rep.Experiment.Plan.PerArm
	want := fmt.Sprintf("insufficient sample — 100 of %d per arm, no winner can be declared", planned)
	if r.SampleReached || r.Verdict.Kind != experiment.VerdictInsufficient || r.Verdict.Text != want || planned <= 100 {
		t.Fatalf("verdict before the plan: %+v", r.Verdict)
	}
	// The statistics are shown all the same: 20% vs 45% is significant.
	if r.Test == nil || r.Test.Z == nil || r.Test.PValue == nil || *r.Test.PValue > 0.001 || r.Test.Lift == nil || *r.Test.Lift != 1.25 ||
		r.Test.Decision != "planned_sample_not_reached" {
		t.Fatalf("statistics: %+v", r.Test)
	}

	// Concluding early is refused, then allowed with the override.
	path := fmt.Sprintf("/api/v1/experiments/%d/conclude", big.ID)
	resp = e.do(e.byName["specialist"], "POST", path, `{"winner":"B"}`)
	if text := readAll(resp); resp.StatusCode != 422 || !strings.Contains(text, fmt.Sprintf("has not reached its planned sample (100 of %d per arm)", planned)) {
		t.Fatalf("early conclusion: %d %s", resp.StatusCode, text)
	}
	resp = e.do(e.byName["viewer_a"], "POST", path, `{"winner":"B","force":true}`)
	if text := readAll(resp); resp.StatusCode != 403 {
		t.Fatalf("viewer concludes: %d %s", resp.StatusCode, text)
	}
	resp = e.do(e.byName["manager_b"], "POST", path, `{"winner":"B","force":true}`)
	if text := readAll(resp); resp.StatusCode != 404 || strings.Contains(text, "Alpha") {
		t.Fatalf("manager B concludes: %d %s", resp.StatusCode, text)
	}
	resp = e.do(e.byName["specialist"], "POST", path, `{"winner":"B","force":true,"note":"launch date"}`)
	if resp.StatusCode != 200 {
		t.Fatalf("forced conclusion: %d %s", resp.StatusCode, readAll(resp))
	}
	rep = decode[experiment.Report](t, resp)
	if d := rep.Experiment.Decision; rep.Experiment.Status != experiment.Concluded || d == nil || !d.Forced || d.DecidedBy != "specialist" || d.MinArmSample != 100 {
		t.Fatalf("forced decision: %+v %+v", rep.Experiment, d)
	}
	log, err := e.cat.AuditLog(sys, 10)
	must(e, err)
	if !strings.Contains(fmt.Sprint(log), "experiment.conclude_forced") {
		t.Fatalf("override not audited: %+v", log)
	}
	// The page shows who stopped it early.
	resp = e.do(e.byName["viewer_a"], "GET", fmt.Sprintf("/experiments/%d", big.ID), "")
	if text := readAll(resp); resp.StatusCode != 200 || !strings.Contains(text, `id="exp-stopped-early"`) || !strings.Contains(text, "Stopped early by specialist") ||
		!strings.Contains(text, `data-kind="insufficient_sample"`) {
		t.Fatalf("detail page after the override: %d %s", resp.StatusCode, text)
	}

	// After the plan no override is needed.
	resp = e.do(e.byName["analyst"], "POST", fmt.Sprintf("/experiments/%d/conclude", small.ID), "winner=B&note=ship+it")
	if resp.StatusCode != 303 || strings.Contains(resp.Header.Get("Location"), "error") {
		t.Fatalf("conclusion after the plan: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	readAll(resp)
	resp = e.do(e.byName["manager_a"], "GET", fmt.Sprintf("/experiments/%d", small.ID), "")
	if text := readAll(resp); !strings.Contains(text, `data-winner="B" data-forced="false"`) || strings.Contains(text, `id="exp-stopped-early"`) ||
		!strings.Contains(text, "Variant B wins") || !strings.Contains(text, "data-exp-chart") {
		t.Fatalf("detail page after the plan: %s", text)
	}

	// Another client's manager lists nothing of A and reads nothing.
	resp = e.do(e.byName["manager_b"], "GET", "/api/v1/experiments", "")
	if list := decode[[]experiment.Experiment](t, resp); len(list) != 0 {
		t.Fatalf("manager B lists %+v", list)
	}
	resp = e.do(e.byName["manager_b"], "GET", fmt.Sprintf("/experiments/%d", small.ID), "")
	if text := readAll(resp); resp.StatusCode != 404 || strings.Contains(text, "Alpha") || strings.Contains(text, "detail-B") {
		t.Fatalf("manager B reads A's page: %d", resp.StatusCode)
	}
}

// TestExperimentCreateFormShowsErrors: a wrong plan is shown on the list
// page with the form kept.
func TestExperimentCreateFormShowsErrors(t *testing.T) {
	e := newEnv(t)
	form := url.Values{"shop_id": {fmt.Sprint(e.shopA.ID)}, "name": {"bad plan"}, "control_label": {"A"}, "control_value": {"a"},
		"variant_label": {"B"}, "variant_value": {"b"}, "baseline": {"1.5"}, "mde": {"0.1"}}
	resp := e.do(e.byName["specialist"], "POST", "/experiments", form.Encode())
	if text := readAll(resp); resp.StatusCode != 422 || !strings.Contains(text, "baseline 1.5") || !strings.Contains(text, `value="bad plan"`) {
		t.Fatalf("bad plan: %d %s", resp.StatusCode, text)
	}
}
