package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/experiment"
)

// The experiment registry (PRODUCT.md D7). An experiment belongs to the
// client of its shop and is read through clientScope like every other
// client-owned row: a client's users see their own client's experiments,
// another client's users and unassigned staff get not found. Only agency
// staff who see the client create, start, stop and conclude them; every
// change is audited. The guard against deciding before the planned sample
// is applied by experiment.Decide, which builds the Decision recorded here.

// ExperimentFilter narrows a listing.
type ExperimentFilter struct {
	ClientID int64
	ShopID   int64
	Status   experiment.Status
}

const experimentCols = `e.id, e.client_id, e.shop_id, e.name, e.hypothesis, e.status, e.baseline, e.mde, e.mde_relative, e.alpha, e.power,
	e.test_alpha, e.planned_per_arm, e.arm_column, e.arms, e.exposure_event, e.conversion_event, e.start_date, e.end_date,
	e.created_by_name, e.created_at, e.started_at, e.stopped_at, e.stopped_by_name, e.decision_winner, e.decision_note,
	e.decided_by_name, e.decided_at, e.decision_forced, e.decision_min_sample, e.decision_verdict, e.updated_at,
	c.name, s.name, s.timezone`

const experimentFrom = ` FROM experiments e JOIN clients c ON c.id = e.client_id JOIN shops s ON s.id = e.shop_id`

func scanExperiment(row interface{ Scan(...any) error }) (experiment.Experiment, error) {
	var e experiment.Experiment
	var status, arms, start, end string
	var started, stopped, decided sql.NullTime
	var winner sql.NullString
	var d experiment.Decision
	err := row.Scan(&e.ID, &e.ClientID, &e.ShopID, &e.Name, &e.Hypothesis, &status, &e.Plan.Baseline, &e.Plan.MDE, &e.Plan.MDERelative,
		&e.Plan.Alpha, &e.Plan.Power, &e.Plan.TestAlpha, &e.Plan.PerArm, &e.ArmColumn, &arms, &e.ExposureEvent, &e.ConversionEvent,
		&start, &end, &e.CreatedBy, &e.CreatedAt, &started, &stopped, &e.StoppedBy, &winner, &d.Note,
		&d.DecidedBy, &decided, &d.Forced, &d.MinArmSample, &d.Verdict, &e.UpdatedAt,
		&e.ClientName, &e.ShopName, &e.ShopTimezone)
	if err != nil {
		return e, err
	}
	e.Status = experiment.Status(status)
	if err := json.Unmarshal([]byte(arms), &e.Arms); err != nil {
		return e, fmt.Errorf("catalog: experiment %d arms: %w", e.ID, err)
	}
	if start != "" {
		e.StartDate, _ = daiyun.ParseDate(start)
	}
	if end != "" {
		e.EndDate, _ = daiyun.ParseDate(end)
	}
	e.CreatedAt, e.UpdatedAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	e.StartedAt, e.StoppedAt = nullTime(started), nullTime(stopped)
	if winner.Valid {
		d.Winner = winner.String
		if t := nullTime(decided); t != nil {
			d.DecidedAt = *t
		}
		d.PlannedPerArm = e.Plan.PerArm
		e.Decision = &d
	}
	return e, nil
}

// Experiments lists the experiments the actor may see, newest first.
func (s *Store) Experiments(ctx context.Context, f ExperimentFilter) ([]experiment.Experiment, error) {
	q := `SELECT ` + experimentCols + experimentFrom + ` WHERE ` + clientScope(ctx, "e.client_id")
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		q += " AND " + cond + "$" + strconv.Itoa(len(args))
	}
	if f.ClientID != 0 {
		add("e.client_id=", f.ClientID)
	}
	if f.ShopID != 0 {
		add("e.shop_id=", f.ShopID)
	}
	if f.Status != "" {
		add("e.status=", string(f.Status))
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY e.id DESC`, args...)
	if err != nil {
		return nil, fmt.Errorf("catalog: list experiments: %w", err)
	}
	defer rows.Close()
	var out []experiment.Experiment
	for rows.Next() {
		e, err := scanExperiment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// Experiment returns one experiment the actor may see.
func (s *Store) Experiment(ctx context.Context, id int64) (experiment.Experiment, error) {
	e, err := scanExperiment(s.db.QueryRowContext(ctx, `SELECT `+experimentCols+experimentFrom+` WHERE e.id=$1 AND `+clientScope(ctx, "e.client_id"), id))
	if isNoRows(err) {
		return e, notFound("experiment", id)
	}
	return e, err
}

// FindExperiment resolves an experiment by numeric id, or by name within
// the client (clientID 0: any client the actor sees, when the name is
// unique among them).
func (s *Store) FindExperiment(ctx context.Context, clientID int64, nameOrID string) (experiment.Experiment, error) {
	if id, err := strconv.ParseInt(nameOrID, 10, 64); err == nil {
		e, err := s.Experiment(ctx, id)
		if err == nil && clientID != 0 && e.ClientID != clientID {
			return experiment.Experiment{}, notFound("experiment", id)
		}
		return e, err
	}
	all, err := s.Experiments(ctx, ExperimentFilter{ClientID: clientID})
	if err != nil {
		return experiment.Experiment{}, err
	}
	var found []experiment.Experiment
	for _, e := range all {
		if e.Name == strings.TrimSpace(nameOrID) {
			found = append(found, e)
		}
	}
	switch len(found) {
	case 0:
		return experiment.Experiment{}, notFound("experiment", strconv.Quote(nameOrID))
	case 1:
		return found[0], nil
	}
	return experiment.Experiment{}, daiyun.Errorf(daiyun.EINVALID, "experiment name %q is used by %d clients: give the client or the id", nameOrID, len(found))
}

// actorName names who acts, for the record shown on an experiment.
func (s *Store) actorName(ctx context.Context) string {
	a := daiyun.ActorFrom(ctx)
	switch {
	case a.UserID != 0:
		var name, email string
		if err := s.db.QueryRowContext(ctx, `SELECT name, email FROM users WHERE id=$1`, a.UserID).Scan(&name, &email); err == nil {
			if name != "" {
				return name
			}
			return email
		}
		return "user " + strconv.FormatInt(a.UserID, 10)
	case a.APIKeyID != 0:
		return "API key " + strconv.FormatInt(a.APIKeyID, 10)
	case a.System:
		return "system"
	}
	return "unknown"
}

// CreateExperiment registers a draft experiment on a shop the actor sees
// (agency staff only), computes its plan and sets e.ID. The client is the
// shop's.
func (s *Store) CreateExperiment(ctx context.Context, e *experiment.Experiment) error {
	sh, err := s.Shop(ctx, e.ShopID)
	if err != nil {
		return err
	}
	if err := mustStaff(ctx); err != nil {
		return err
	}
	e.Normalize()
	if err := e.Validate(); err != nil {
		return err
	}
	arms, _ := json.Marshal(e.Arms)
	now := s.now()
	e.ClientID, e.Status, e.CreatedAt, e.UpdatedAt = sh.ClientID, experiment.Draft, now, now
	e.CreatedBy = s.actorName(ctx)
	p := e.Plan
	err = s.db.QueryRowContext(ctx, `INSERT INTO experiments (client_id, shop_id, name, hypothesis, status, baseline, mde, mde_relative,
		alpha, power, test_alpha, planned_per_arm, arm_column, arms, exposure_event, conversion_event, start_date, end_date,
		created_by, created_by_name, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22) RETURNING id`,
		e.ClientID, e.ShopID, e.Name, e.Hypothesis, string(e.Status), p.Baseline, p.MDE, p.MDERelative,
		p.Alpha, p.Power, p.TestAlpha, p.PerArm, e.ArmColumn, string(arms), e.ExposureEvent, e.ConversionEvent,
		e.StartDate.String(), e.EndDate.String(), nullID(daiyun.ActorFrom(ctx).UserID), e.CreatedBy, now, now).Scan(&e.ID)
	if isUnique(err) {
		return daiyun.Errorf(daiyun.ECONFLICT, "client %d already has an experiment named %q", e.ClientID, e.Name)
	}
	if err != nil {
		return fmt.Errorf("catalog: create experiment: %w", err)
	}
	if err := s.audit(ctx, e.ClientID, "experiment.create", fmt.Sprintf("%d %s: %d arms, %d planned per arm", e.ID, e.Name, len(e.Arms), p.PerArm)); err != nil {
		return err
	}
	stored, err := s.Experiment(ctx, e.ID)
	if err != nil {
		return err
	}
	*e = stored
	return nil
}

// staffExperiment reads an experiment for a change: not found unless the
// actor sees it, forbidden unless the actor is agency staff.
func (s *Store) staffExperiment(ctx context.Context, id int64) (experiment.Experiment, error) {
	e, err := s.Experiment(ctx, id)
	if err != nil {
		return e, err
	}
	return e, mustStaff(ctx)
}

// StartExperiment moves a draft to running. Without a start date the
// window starts today in the shop's timezone.
func (s *Store) StartExperiment(ctx context.Context, id int64) (experiment.Experiment, error) {
	e, err := s.staffExperiment(ctx, id)
	if err != nil {
		return e, err
	}
	if e.Status != experiment.Draft {
		return e, daiyun.Errorf(daiyun.ECONFLICT, "experiment %d is %s: only a draft can be started", id, e.Status)
	}
	now := s.now()
	start := e.StartDate
	if start.IsZero() {
		loc, err := time.LoadLocation(e.ShopTimezone)
		if err != nil {
			return e, fmt.Errorf("catalog: experiment %d: shop timezone: %w", id, err)
		}
		start = experiment.Today(loc, now)
	}
	if err := s.transition(ctx, id, experiment.Draft, `status=$3, started_at=$4, start_date=$5, updated_at=$4`,
		string(experiment.Running), now, start.String()); err != nil {
		return e, err
	}
	if err := s.audit(ctx, e.ClientID, "experiment.start", fmt.Sprintf("%d %s from %s", id, e.Name, start)); err != nil {
		return e, err
	}
	return s.Experiment(ctx, id)
}

// StopExperiment ends data collection of a running experiment without a
// decision: the window ends now.
func (s *Store) StopExperiment(ctx context.Context, id int64) (experiment.Experiment, error) {
	e, err := s.staffExperiment(ctx, id)
	if err != nil {
		return e, err
	}
	if e.Status != experiment.Running {
		return e, daiyun.Errorf(daiyun.ECONFLICT, "experiment %d is %s: only a running experiment can be stopped", id, e.Status)
	}
	now := s.now()
	if err := s.transition(ctx, id, experiment.Running, `status=$3, stopped_at=$4, stopped_by_name=$5, updated_at=$4`,
		string(experiment.Stopped), now, s.actorName(ctx)); err != nil {
		return e, err
	}
	if err := s.audit(ctx, e.ClientID, "experiment.stop", fmt.Sprintf("%d %s", id, e.Name)); err != nil {
		return e, err
	}
	return s.Experiment(ctx, id)
}

// ConcludeExperiment records a decision built by experiment.Decide on a
// running or stopped experiment. A forced decision (before the planned
// sample) is audited as such. Callers go through experiment.Service, which
// applies the guard; the store refuses a decision that claims the sample
// was reached when its own figures say otherwise.
func (s *Store) ConcludeExperiment(ctx context.Context, id int64, d experiment.Decision) (experiment.Experiment, error) {
	e, err := s.staffExperiment(ctx, id)
	if err != nil {
		return e, err
	}
	if e.Status != experiment.Running && e.Status != experiment.Stopped {
		return e, daiyun.Errorf(daiyun.ECONFLICT, "experiment %d is %s: only a running or stopped experiment can be concluded", id, e.Status)
	}
	if !d.Forced && d.MinArmSample < e.Plan.PerArm {
		return e, daiyun.Errorf(daiyun.EINVALID, "experiment %d has not reached its planned sample (%d of %d per arm): a decision needs the override", id, d.MinArmSample, e.Plan.PerArm)
	}
	if _, ok := e.Arm(d.Winner); !ok && d.Winner != experiment.NoWinner {
		return e, daiyun.Errorf(daiyun.EINVALID, "winner %q is not an arm of experiment %d", d.Winner, id)
	}
	now := s.now()
	by := s.actorName(ctx)
	// Concluding a running experiment also ends its window.
	if err := s.transition(ctx, id, e.Status, `status=$3, decision_winner=$4, decision_note=$5, decided_by=$6, decided_by_name=$7,
		decided_at=$8, decision_forced=$9, decision_min_sample=$10, decision_verdict=$11, updated_at=$8,
		stopped_at=COALESCE(stopped_at, $8), stopped_by_name=CASE WHEN stopped_by_name = '' THEN $7 ELSE stopped_by_name END`,
		string(experiment.Concluded), d.Winner, strings.TrimSpace(d.Note), nullID(daiyun.ActorFrom(ctx).UserID), by,
		now, d.Forced, d.MinArmSample, d.Verdict); err != nil {
		return e, err
	}
	detail := fmt.Sprintf("%d %s: winner %s at %d of %d per arm (%s)", id, e.Name, d.Winner, d.MinArmSample, e.Plan.PerArm, d.Verdict)
	action := "experiment.conclude"
	if d.Forced {
		action = "experiment.conclude_forced"
		detail = "OVERRIDE: stopped early before the planned sample; " + detail
	}
	if err := s.audit(ctx, e.ClientID, action, detail); err != nil {
		return e, err
	}
	return s.Experiment(ctx, id)
}

// transition updates an experiment still in status from; set uses $3 on
// ($1 is the id, $2 the expected status). A concurrent change answers
// conflict.
func (s *Store) transition(ctx context.Context, id int64, from experiment.Status, set string, args ...any) error {
	res, err := s.db.ExecContext(ctx, `UPDATE experiments SET `+set+` WHERE id=$1 AND status=$2`, append([]any{id, string(from)}, args...)...)
	if err != nil {
		return fmt.Errorf("catalog: experiment %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return daiyun.Errorf(daiyun.ECONFLICT, "experiment %d changed meanwhile: reload it", id)
	}
	return nil
}
