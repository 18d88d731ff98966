package catalog_test

import (
	"strings"
	"testing"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/experiment"
	"github.com/daiyun/daiyun/catalog"
)

func newExperiment(shopID int64, name string) experiment.Experiment {
	return experiment.Experiment{ShopID: shopID, Name: name, Hypothesis: "a shorter detail page converts better",
		Arms: []experiment.Arm{{Label: "A", Value: "detail-A"}, {Label: "B", Value: "detail-B"}},
		Plan: experiment.Plan{Baseline: 0.3, MDE: 0.5, MDERelative: true}}
}

// TestExperimentRegistryOnBothEngines: create with a computed plan, the
// lifecycle draft → running → stopped → concluded, a forced decision
// recorded and audited, who may see and change what.
func TestExperimentRegistryOnBothEngines(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *catalog.Store) {
		a, b := mustClient(t, s, "Alpha"), mustClient(t, s, "Bravo")
		shA, shB := mustShop(t, s, a.ID, "A1"), mustShop(t, s, b.ID, "B1")
		e := newExperiment(shA.ID, "detail page")
		if err := s.CreateExperiment(sys, &e); err != nil {
			t.Fatal(err)
		}
		if e.ID == 0 || e.ClientID != a.ID || e.Status != experiment.Draft || e.Plan.PerArm != 163 || e.CreatedBy != "system" ||
			e.ArmColumn != "campaign" || e.ExposureEvent != "product_view" || e.ConversionEvent != "pay" || e.ShopTimezone != "Asia/Shanghai" || e.ClientName != "Alpha" {
			t.Fatalf("created: %+v", e)
		}
		dup := newExperiment(shA.ID, "detail page")
		if err := s.CreateExperiment(sys, &dup); daiyun.ErrorCode(err) != daiyun.ECONFLICT {
			t.Fatalf("same name twice: %v", err)
		}
		eb := newExperiment(shB.ID, "detail page") // the same name under another client is fine
		if err := s.CreateExperiment(sys, &eb); err != nil {
			t.Fatal(err)
		}

		// Who sees what: A's viewer sees A's only; B's manager gets not
		// found for A's; staff assigned to B only do too.
		viewerA := daiyun.WithActor(sys, daiyun.Actor{UserID: 71, Role: daiyun.RoleClientViewer, ClientID: a.ID})
		managerB := daiyun.WithActor(sys, daiyun.Actor{UserID: 72, Role: daiyun.RoleClientManager, ClientID: b.ID})
		expertB := daiyun.WithActor(sys, daiyun.Actor{UserID: 73, Role: daiyun.RoleExpert, Assigned: []int64{b.ID}})
		specialistA := daiyun.WithActor(sys, daiyun.Actor{UserID: 74, Role: daiyun.RoleSpecialist, Assigned: []int64{a.ID}})
		if list, err := s.Experiments(viewerA, catalog.ExperimentFilter{}); err != nil || len(list) != 1 || list[0].ID != e.ID {
			t.Fatalf("viewer A lists %+v (%v)", list, err)
		}
		if _, err := s.Experiment(managerB, e.ID); daiyun.ErrorCode(err) != daiyun.ENOTFOUND {
			t.Fatalf("manager B reads A's: %v", err)
		}
		if _, err := s.StartExperiment(expertB, e.ID); daiyun.ErrorCode(err) != daiyun.ENOTFOUND {
			t.Fatalf("expert B starts A's: %v", err)
		}
		if _, err := s.StartExperiment(viewerA, e.ID); daiyun.ErrorCode(err) != daiyun.EFORBIDDEN {
			t.Fatalf("viewer A starts: %v", err)
		}
		mine := newExperiment(shA.ID, "by a client")
		if err := s.CreateExperiment(viewerA, &mine); daiyun.ErrorCode(err) != daiyun.EFORBIDDEN {
			t.Fatalf("viewer A creates: %v", err)
		}
		other := newExperiment(shA.ID, "by B's staff")
		if err := s.CreateExperiment(expertB, &other); daiyun.ErrorCode(err) != daiyun.ENOTFOUND {
			t.Fatalf("expert B creates on A's shop: %v", err)
		}

		// Lifecycle.
		if _, err := s.StopExperiment(specialistA, e.ID); daiyun.ErrorCode(err) != daiyun.ECONFLICT {
			t.Fatalf("stop a draft: %v", err)
		}
		started, err := s.StartExperiment(specialistA, e.ID)
		if err != nil || started.Status != experiment.Running || started.StartedAt == nil || started.StartDate.IsZero() {
			t.Fatalf("start: %+v %v", started, err)
		}
		if _, err := s.StartExperiment(specialistA, e.ID); daiyun.ErrorCode(err) != daiyun.ECONFLICT {
			t.Fatalf("start twice: %v", err)
		}
		// The store refuses an unforced decision below the plan.
		if _, err := s.ConcludeExperiment(specialistA, e.ID, experiment.Decision{Winner: "B", MinArmSample: 10}); daiyun.ErrorCode(err) != daiyun.EINVALID {
			t.Fatalf("unforced early decision: %v", err)
		}
		stopped, err := s.StopExperiment(specialistA, e.ID)
		if err != nil || stopped.Status != experiment.Stopped || stopped.StoppedAt == nil {
			t.Fatalf("stop: %+v %v", stopped, err)
		}
		done, err := s.ConcludeExperiment(specialistA, e.ID, experiment.Decision{Winner: "B", Note: "launch", Forced: true, MinArmSample: 10,
			Verdict: "insufficient sample — 10 of 163 per arm, no winner can be declared"})
		if err != nil || done.Status != experiment.Concluded || done.Decision == nil {
			t.Fatalf("conclude: %+v %v", done, err)
		}
		d := done.Decision
		if d.Winner != "B" || !d.Forced || d.MinArmSample != 10 || d.PlannedPerArm != 163 || d.Note != "launch" || d.DecidedAt.IsZero() || d.DecidedBy != "user 74" {
			t.Fatalf("decision: %+v", d)
		}
		if _, err := s.ConcludeExperiment(specialistA, e.ID, experiment.Decision{Winner: "A", Forced: true}); daiyun.ErrorCode(err) != daiyun.ECONFLICT {
			t.Fatalf("conclude twice: %v", err)
		}
		// The override is in the audit log.
		log, err := s.AuditLog(sys, 20)
		if err != nil {
			t.Fatal(err)
		}
		var forced bool
		for _, l := range log {
			if l.Action == "experiment.conclude_forced" && strings.Contains(l.Detail, "OVERRIDE") && strings.Contains(l.Detail, "10 of 163") && l.ClientID == a.ID {
				forced = true
			}
		}
		if !forced {
			t.Fatalf("forced conclusion not audited: %+v", log)
		}
		if list, _ := s.Experiments(sys, catalog.ExperimentFilter{Status: experiment.Concluded}); len(list) != 1 {
			t.Fatalf("concluded: %+v", list)
		}
		if found, err := s.FindExperiment(viewerA, a.ID, "detail page"); err != nil || found.ID != e.ID {
			t.Fatalf("find by name: %+v %v", found, err)
		}
		if _, err := s.FindExperiment(managerB, a.ID, "detail page"); daiyun.ErrorCode(err) != daiyun.ENOTFOUND {
			t.Fatalf("manager B finds A's by name: %v", err)
		}
	})
}
