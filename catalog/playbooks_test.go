package catalog_test

import (
	"testing"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/alerting"
	"github.com/daiyun/daiyun/catalog"
)

// TestPlaybookRunsOnBothEngines: the defaults are seeded once and marked;
// a changed playbook gets a new version; a level-3 alert that opens starts
// one run whose steps are assigned from the client's team by role, and a
// re-fire, a replayed sync or a second start starts nothing more; steps
// are ticked with who and when; another client's users and staff see
// nothing of the run.
func TestPlaybookRunsOnBothEngines(t *testing.T) {
	forEachEngine(t, func(t *testing.T, s *catalog.Store) {
		a, b := mustClient(t, s, "Alpha"), mustClient(t, s, "Bravo")
		shA := mustShop(t, s, a.ID, "A1")
		user := func(email string, role daiyun.Role, client int64) daiyun.User {
			u := daiyun.User{Email: email, Name: email, Role: role, ClientID: client, Lang: "en"}
			if err := s.CreateUser(sys, &u, "password-123"); err != nil {
				t.Fatal(err)
			}
			return u
		}
		spec := user("spec@x", daiyun.RoleSpecialist, 0)
		anal := user("anal@x", daiyun.RoleAnalyst, 0)
		dir := user("dir@x", daiyun.RoleDirector, 0)
		mgr := user("mgr@x", daiyun.RoleClientManager, a.ID)
		for _, u := range []daiyun.User{spec, anal} {
			if err := s.Assign(sys, daiyun.Assignment{UserID: u.ID, ClientID: a.ID}); err != nil {
				t.Fatal(err)
			}
		}

		if seeded, err := s.SeedPlaybooks(sys, alerting.DefaultPlaybooks()); err != nil || !seeded {
			t.Fatalf("seed: %v %v", seeded, err)
		}
		if seeded, _ := s.SeedPlaybooks(sys, alerting.DefaultPlaybooks()); seeded {
			t.Fatal("seeded twice")
		}
		p, err := s.Playbook(sys, alerting.PlaybookGMVDrop)
		if err != nil || !p.Default || p.Version != 1 || len(p.Steps) != 5 {
			t.Fatalf("default playbook: %+v %v", p, err)
		}
		same := p
		if err := s.PutPlaybook(sys, &same); err != nil || same.Version != 1 {
			t.Fatalf("unchanged save: v%d %v", same.Version, err)
		}
		p.Steps[0].Due = alerting.Offset{D: 30 * time.Minute}
		if err := s.PutPlaybook(sys, &p); err != nil || p.Version != 2 {
			t.Fatalf("changed save: v%d %v", p.Version, err)
		}
		specCtx := daiyun.WithActor(sys, daiyun.Actor{UserID: spec.ID, Role: daiyun.RoleSpecialist, Assigned: []int64{a.ID}})
		if err := s.PutPlaybook(specCtx, &p); daiyun.ErrorCode(err) != daiyun.EFORBIDDEN {
			t.Fatalf("specialist changed a playbook: %v", err)
		}

		r := alerting.Rule{Name: "gmv_collapse", KPI: "gmv", Scope: alerting.Scope{Kind: alerting.ScopeAgency},
			Condition: alerting.Condition{Kind: alerting.CondPrevious, Op: "<", Value: -0.3}, Grain: "week", Level: 3, Enabled: true,
			Playbook: alerting.PlaybookGMVDrop}
		if err := s.PutAlertRule(sys, &r); err != nil {
			t.Fatal(err)
		}
		day, _ := daiyun.ParseDate("2026-11-24")
		firing := func(v float64, asOf daiyun.Date) *alerting.Outcome {
			return &alerting.Outcome{AsOf: asOf, Firing: []alerting.Firing{{Rule: r.Name, RuleID: r.ID, Scope: "shop:" + itoa(shA.ID),
				ClientID: a.ID, ShopID: shA.ID, KPI: "gmv", Level: 3, Op: "<", Value: v, Thresh: 70, Periods: 1, AsOf: asOf, From: asOf, To: asOf}}}
		}
		for i, o := range []*alerting.Outcome{firing(50, day), firing(50, day), firing(45, daiyun.Date{Time: day.AddDate(0, 0, 1)})} {
			if _, err := s.SyncAlerts(sys, o, []alerting.Rule{r}); err != nil {
				t.Fatalf("sync %d: %v", i, err)
			}
		}
		runs, err := s.PlaybookRuns(sys, catalog.RunFilter{})
		if err != nil || len(runs) != 1 {
			t.Fatalf("runs after open, replay and re-fire: %v %+v", err, runs)
		}
		run := runs[0]
		if run.Playbook != alerting.PlaybookGMVDrop || run.Version != 2 || run.ClientID != a.ID || len(run.Steps) != 5 || run.Done != 0 {
			t.Fatalf("run: %+v", run)
		}
		want := map[string]int64{alerting.OwnerAnalyst: anal.ID, alerting.OwnerSpecialist: spec.ID, alerting.OwnerExpert: 0,
			// No lead, no expert: lead steps go up the escalation order to the analyst.
			alerting.OwnerLead: anal.ID}
		for _, st := range run.Steps {
			if id, ok := want[st.Owner]; ok && st.AssigneeID != id {
				t.Errorf("step %q (%s) assigned to %d, want %d", st.Title, st.Owner, st.AssigneeID, id)
			}
			if st.DueAt.Sub(run.StartedAt) <= 0 {
				t.Errorf("step %q due %s, not after the start %s", st.Title, st.DueAt, run.StartedAt)
			}
		}
		if d := run.Steps[0].DueAt.Sub(run.StartedAt); d != 30*time.Minute {
			t.Errorf("first step due %s after the start, want 30m (version 2)", d)
		}
		_ = dir

		// Tick a step: who and when; twice is a conflict; B's people see nothing.
		st, err := s.CompletePlaybookStep(specCtx, run.Steps[0].ID)
		if err != nil || st.DoneAt == nil || st.DoneByID != spec.ID {
			t.Fatalf("tick: %+v %v", st, err)
		}
		if _, err := s.CompletePlaybookStep(specCtx, run.Steps[0].ID); daiyun.ErrorCode(err) != daiyun.ECONFLICT {
			t.Fatalf("tick twice: %v", err)
		}
		mgrCtx := daiyun.WithActor(sys, daiyun.Actor{UserID: mgr.ID, Role: daiyun.RoleClientManager, ClientID: a.ID})
		got, err := s.PlaybookRunForAlert(mgrCtx, run.AlertID)
		if err != nil || got.Done != 1 || got.Steps[1].Instructions != "" {
			t.Fatalf("client manager's view: %+v %v", got, err)
		}
		if _, err := s.CompletePlaybookStep(mgrCtx, run.Steps[1].ID); daiyun.ErrorCode(err) != daiyun.EFORBIDDEN {
			t.Fatalf("client manager ticked an agency step: %v", err)
		}
		for name, ctx := range map[string]daiyun.Actor{
			"viewer B": {UserID: 90, Role: daiyun.RoleClientViewer, ClientID: b.ID},
			"expert B": {UserID: 91, Role: daiyun.RoleExpert, Assigned: []int64{b.ID}},
		} {
			c := daiyun.WithActor(sys, ctx)
			if rs, err := s.PlaybookRuns(c, catalog.RunFilter{}); err != nil || len(rs) != 0 {
				t.Errorf("%s lists %+v (%v)", name, rs, err)
			}
			if _, err := s.PlaybookRun(c, run.ID); daiyun.ErrorCode(err) != daiyun.ENOTFOUND {
				t.Errorf("%s reads the run: %v", name, err)
			}
			if _, err := s.CompletePlaybookStep(c, run.Steps[2].ID); daiyun.ErrorCode(err) != daiyun.ENOTFOUND {
				t.Errorf("%s ticks a step: %v", name, err)
			}
		}

		// A level-2 alert starts nothing.
		r2 := r
		r2.ID, r2.Name, r2.Level = 0, "gmv_l2", 2
		if err := s.PutAlertRule(sys, &r2); err != nil {
			t.Fatal(err)
		}
		o := firing(10, day)
		o.Firing[0].Rule, o.Firing[0].RuleID, o.Firing[0].Level = r2.Name, r2.ID, 2
		if _, err := s.SyncAlerts(sys, o, []alerting.Rule{r2}); err != nil {
			t.Fatal(err)
		}
		if rs, _ := s.PlaybookRuns(sys, catalog.RunFilter{}); len(rs) != 1 {
			t.Fatalf("a level-2 alert started a run: %d runs", len(rs))
		}
	})
}
