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
	"github.com/daiyun/daiyun/alerting"
)

// Emergency playbooks and their runs (PRODUCT.md E7/F9, issue 6). A
// playbook belongs to the agency: staff read it, admins and directors
// change it. A run belongs to the client of the alert that started it and
// is read through clientScope like the alert; client users see the runs of
// their own level-3 alerts without the agency's step instructions.

// Playbooks lists the playbooks by name (staff).
func (s *Store) Playbooks(ctx context.Context) ([]alerting.Playbook, error) {
	if err := mustStaff(ctx); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, definition, version, is_default, updated_at FROM playbooks ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("catalog: list playbooks: %w", err)
	}
	defer rows.Close()
	out := []alerting.Playbook{}
	for rows.Next() {
		p, err := scanPlaybook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func scanPlaybook(row interface{ Scan(...any) error }) (alerting.Playbook, error) {
	var p alerting.Playbook
	var def string
	var id int64
	var version int
	var isDefault bool
	var at time.Time
	if err := row.Scan(&id, &def, &version, &isDefault, &at); err != nil {
		return p, err
	}
	if err := json.Unmarshal([]byte(def), &p); err != nil {
		return p, fmt.Errorf("catalog: playbook %d: %w", id, err)
	}
	p.ID, p.Version, p.Default, p.UpdatedAt = id, version, isDefault, at.UTC()
	return p, nil
}

// Playbook returns one playbook by name (staff).
func (s *Store) Playbook(ctx context.Context, name string) (alerting.Playbook, error) {
	if err := mustStaff(ctx); err != nil {
		return alerting.Playbook{}, err
	}
	p, err := scanPlaybook(s.db.QueryRowContext(ctx, `SELECT id, definition, version, is_default, updated_at FROM playbooks WHERE name=$1`, name))
	if isNoRows(err) {
		return p, notFound("playbook", name)
	}
	return p, err
}

// PutPlaybook validates a playbook and inserts it, or replaces the one of
// the same name with the next version when its steps changed (a save that
// changes nothing keeps the version). Admins and directors only. It sets
// p.ID and p.Version.
func (s *Store) PutPlaybook(ctx context.Context, p *alerting.Playbook) error {
	if err := mustStaff(ctx); err != nil {
		return err
	}
	if !daiyun.ActorFrom(ctx).AllClients() {
		return daiyun.Errorf(daiyun.EFORBIDDEN, "only an admin or director may change playbooks")
	}
	if err := p.Validate(); err != nil {
		return err
	}
	return s.putPlaybook(ctx, p, false)
}

func (s *Store) putPlaybook(ctx context.Context, p *alerting.Playbook, isDefault bool) error {
	def, _ := json.Marshal(alerting.Playbook{Name: p.Name, Title: p.Title, Description: p.Description, Steps: p.Steps})
	now := s.now()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		old, err := scanPlaybook(tx.QueryRowContext(ctx, `SELECT id, definition, version, is_default, updated_at FROM playbooks WHERE name=$1`, p.Name))
		switch {
		case isNoRows(err):
			p.Version, p.Default, p.UpdatedAt = 1, isDefault, now
			return tx.QueryRowContext(ctx, `INSERT INTO playbooks (name, definition, version, is_default, updated_at) VALUES ($1,$2,$3,$4,$5) RETURNING id`,
				p.Name, string(def), p.Version, isDefault, now).Scan(&p.ID)
		case err != nil:
			return err
		case old.SameSteps(*p):
			p.ID, p.Version, p.Default, p.UpdatedAt = old.ID, old.Version, old.Default, old.UpdatedAt
			return nil
		}
		p.ID, p.Version, p.Default, p.UpdatedAt = old.ID, old.Version+1, old.Default, now
		_, err = tx.ExecContext(ctx, `UPDATE playbooks SET definition=$1, version=$2, updated_at=$3 WHERE id=$4`, string(def), p.Version, now, p.ID)
		return err
	})
	if isUnique(err) {
		return daiyun.Errorf(daiyun.ECONFLICT, "a playbook named %q already exists", p.Name)
	}
	if err != nil {
		return fmt.Errorf("catalog: put playbook %q: %w", p.Name, err)
	}
	return s.audit(ctx, 0, "playbook.put", fmt.Sprintf("%s v%d", p.Name, p.Version))
}

// DeletePlaybook removes a playbook (admins and directors); runs already
// started keep their steps.
func (s *Store) DeletePlaybook(ctx context.Context, name string) error {
	if _, err := s.Playbook(ctx, name); err != nil {
		return err
	}
	if !daiyun.ActorFrom(ctx).AllClients() {
		return daiyun.Errorf(daiyun.EFORBIDDEN, "only an admin or director may change playbooks")
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM playbooks WHERE name=$1`, name); err != nil {
		return fmt.Errorf("catalog: delete playbook: %w", err)
	}
	return s.audit(ctx, 0, "playbook.delete", name)
}

// SeedPlaybooks installs the shipped playbooks once, marked as defaults: a
// default the agency deletes is not brought back, one it edited is kept.
func (s *Store) SeedPlaybooks(ctx context.Context, ps []alerting.Playbook) (bool, error) {
	if !daiyun.ActorFrom(ctx).AllClients() {
		return false, daiyun.Errorf(daiyun.EFORBIDDEN, "only an admin may install the default playbooks")
	}
	return s.seedOnce(ctx, "playbooks_seeded", "playbooks", len(ps),
		func(i int) string { return ps[i].Name },
		func(i int) error {
			if err := ps[i].Validate(); err != nil {
				return err
			}
			return s.putPlaybook(ctx, &ps[i], true)
		})
}

// startPlaybook starts the run of a playbook for a level-3 alert that has
// just opened, in the alert's transaction: its steps become tasks with an
// assignee from the client's team and a due time from now. A playbook
// that does not exist starts nothing; a second start for the same alert
// (a re-delivered job) is a no-op (alert_id is unique).
func (s *Store) startPlaybook(ctx context.Context, tx *sql.Tx, alertID, clientID int64, name string, now time.Time) error {
	p, err := scanPlaybook(tx.QueryRowContext(ctx, `SELECT id, definition, version, is_default, updated_at FROM playbooks WHERE name=$1`, name))
	if isNoRows(err) {
		return nil
	}
	if err != nil {
		return err
	}
	var runID int64
	err = tx.QueryRowContext(ctx, `INSERT INTO playbook_runs (alert_id, client_id, playbook, version, title, started_at) VALUES ($1,$2,$3,$4,$5,$6)
		ON CONFLICT (alert_id) DO NOTHING RETURNING id`, alertID, clientID, p.Name, p.Version, p.Title, now).Scan(&runID)
	if isNoRows(err) {
		return nil // already started
	}
	if err != nil {
		return err
	}
	team, err := teamByOwner(ctx, tx, clientID)
	if err != nil {
		return err
	}
	for i, st := range p.Steps {
		if _, err := tx.ExecContext(ctx, `INSERT INTO playbook_steps (run_id, client_id, seq, title, owner, assignee_id, due_at, instructions)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, runID, clientID, i+1, st.Title, st.Owner, nullID(team[st.Owner]), now.Add(st.Due.D), st.Instructions); err != nil {
			return err
		}
	}
	return nil
}

// teamByOwner resolves each step owner to a user for a client: the first
// enabled team member whose function (or role) is the owner; a director (an
// admin when the agency has none); the client's first manager. A client
// with no lead has its lead steps go up the escalation order instead: its
// expert, analyst or specialist, else the director.
func teamByOwner(ctx context.Context, tx *sql.Tx, clientID int64) (map[string]int64, error) {
	out := map[string]int64{}
	rows, err := tx.QueryContext(ctx, `SELECT a.user_id, a.function, u.role FROM assignments a JOIN users u ON u.id = a.user_id
		WHERE a.client_id=$1 AND NOT u.disabled ORDER BY a.user_id`, clientID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id int64
		var function, role string
		if err := rows.Scan(&id, &function, &role); err != nil {
			rows.Close()
			return nil, err
		}
		for _, k := range []string{function, role} {
			if _, ok := out[k]; !ok && k != "" {
				out[k] = id
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if _, ok := out[alerting.OwnerLead]; !ok {
		for _, f := range []string{alerting.OwnerExpert, alerting.OwnerAnalyst, alerting.OwnerSpecialist} {
			if id, ok := out[f]; ok {
				out[alerting.OwnerLead] = id
				break
			}
		}
	}
	one := func(q string, args ...any) (int64, error) {
		var id int64
		err := tx.QueryRowContext(ctx, q, args...).Scan(&id)
		if isNoRows(err) {
			return 0, nil
		}
		return id, err
	}
	dir, err := one(`SELECT id FROM users WHERE role=$1 AND NOT disabled ORDER BY id LIMIT 1`, string(daiyun.RoleDirector))
	if err == nil && dir == 0 {
		dir, err = one(`SELECT id FROM users WHERE role=$1 AND NOT disabled ORDER BY id LIMIT 1`, string(daiyun.RoleAdmin))
	}
	if err != nil {
		return nil, err
	}
	out[alerting.OwnerDirector] = dir
	if _, ok := out[alerting.OwnerLead]; !ok {
		out[alerting.OwnerLead] = dir
	}
	mgr, err := one(`SELECT id FROM users WHERE role=$1 AND client_id=$2 AND NOT disabled ORDER BY id LIMIT 1`, string(daiyun.RoleClientManager), clientID)
	if err != nil {
		return nil, err
	}
	out[alerting.OwnerClientManager] = mgr
	return out, nil
}

// RunFilter narrows a run listing.
type RunFilter struct {
	ClientID int64
	// Open lists only runs with a step not done.
	Open bool
}

const runCols = `r.id, r.alert_id, r.client_id, r.playbook, r.version, r.title, r.started_at`

// PlaybookRuns lists the runs the actor may see, newest first, with their
// steps.
func (s *Store) PlaybookRuns(ctx context.Context, f RunFilter) ([]alerting.PlaybookRun, error) {
	where := []string{runScope(ctx)}
	var args []any
	if f.ClientID != 0 {
		args = append(args, f.ClientID)
		where = append(where, "r.client_id = $"+strconv.Itoa(len(args)))
	}
	if f.Open {
		where = append(where, "EXISTS (SELECT 1 FROM playbook_steps x WHERE x.run_id = r.id AND x.done_at IS NULL)")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+runCols+` FROM playbook_runs r WHERE `+strings.Join(where, " AND ")+` ORDER BY r.started_at DESC, r.id DESC LIMIT 500`, args...)
	if err != nil {
		return nil, fmt.Errorf("catalog: list playbook runs: %w", err)
	}
	var out []alerting.PlaybookRun
	for rows.Next() {
		var r alerting.PlaybookRun
		if err := rows.Scan(&r.ID, &r.AlertID, &r.ClientID, &r.Playbook, &r.Version, &r.Title, &r.StartedAt); err != nil {
			rows.Close()
			return nil, err
		}
		r.StartedAt = r.StartedAt.UTC()
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Steps, err = s.runSteps(ctx, out[i].ID, out[i].AlertID); err != nil {
			return nil, err
		}
		out[i].Tally(s.now())
	}
	if out == nil {
		out = []alerting.PlaybookRun{}
	}
	return out, nil
}

// runScope restricts runs to what the actor may see: the runs of the
// alerts it may see (client users: their client's level-3 alerts).
func runScope(ctx context.Context) string {
	return "r.alert_id IN (SELECT id FROM alerts WHERE " + alertScope(ctx) + ")"
}

// PlaybookRunForAlert returns the run an alert started; not found when it
// started none or the actor may not see the alert.
func (s *Store) PlaybookRunForAlert(ctx context.Context, alertID int64) (alerting.PlaybookRun, error) {
	return s.playbookRun(ctx, "r.alert_id", alertID)
}

// PlaybookRun returns one run with its steps.
func (s *Store) PlaybookRun(ctx context.Context, id int64) (alerting.PlaybookRun, error) {
	return s.playbookRun(ctx, "r.id", id)
}

func (s *Store) playbookRun(ctx context.Context, col string, id int64) (alerting.PlaybookRun, error) {
	var r alerting.PlaybookRun
	err := s.db.QueryRowContext(ctx, `SELECT `+runCols+` FROM playbook_runs r WHERE `+col+`=$1 AND `+runScope(ctx), id).
		Scan(&r.ID, &r.AlertID, &r.ClientID, &r.Playbook, &r.Version, &r.Title, &r.StartedAt)
	if isNoRows(err) {
		return r, notFound("playbook run", id)
	}
	if err != nil {
		return r, fmt.Errorf("catalog: playbook run: %w", err)
	}
	r.StartedAt = r.StartedAt.UTC()
	if r.Steps, err = s.runSteps(ctx, r.ID, r.AlertID); err != nil {
		return r, err
	}
	r.Tally(s.now())
	return r, nil
}

// runSteps reads a run's steps (the caller checked the run is visible);
// client users do not get the agency's instructions.
func (s *Store) runSteps(ctx context.Context, runID, alertID int64) ([]alerting.RunStep, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT st.id, st.run_id, st.client_id, st.seq, st.title, st.owner, COALESCE(st.assignee_id, 0), COALESCE(a.name, ''),
		st.due_at, st.instructions, st.done_at, COALESCE(st.done_by, 0), COALESCE(d.name, '')
		FROM playbook_steps st LEFT JOIN users a ON a.id = st.assignee_id LEFT JOIN users d ON d.id = st.done_by
		WHERE st.run_id=$1 ORDER BY st.seq`, runID)
	if err != nil {
		return nil, fmt.Errorf("catalog: playbook steps: %w", err)
	}
	defer rows.Close()
	staff := daiyun.ActorFrom(ctx).IsStaff()
	out := []alerting.RunStep{}
	for rows.Next() {
		var st alerting.RunStep
		var done sql.NullTime
		if err := rows.Scan(&st.ID, &st.RunID, &st.ClientID, &st.Seq, &st.Title, &st.Owner, &st.AssigneeID, &st.Assignee,
			&st.DueAt, &st.Instructions, &done, &st.DoneByID, &st.DoneBy); err != nil {
			return nil, err
		}
		st.AlertID, st.DueAt, st.DoneAt = alertID, st.DueAt.UTC(), nullTime(done)
		if !staff {
			st.Instructions = ""
		}
		out = append(out, st)
	}
	return out, rows.Err()
}

// CompletePlaybookStep ticks a step done, recording who and when: staff
// who see the client, or the client's manager for a step owned by the
// client manager. A step already done is a conflict.
func (s *Store) CompletePlaybookStep(ctx context.Context, stepID int64) (alerting.RunStep, error) {
	var st alerting.RunStep
	var runID int64
	var owner string
	err := s.db.QueryRowContext(ctx, `SELECT st.run_id, st.owner FROM playbook_steps st JOIN playbook_runs r ON r.id = st.run_id
		WHERE st.id=$1 AND `+runScope(ctx), stepID).Scan(&runID, &owner)
	if isNoRows(err) {
		return st, notFound("playbook step", stepID)
	}
	if err != nil {
		return st, fmt.Errorf("catalog: playbook step: %w", err)
	}
	a := daiyun.ActorFrom(ctx)
	if !a.IsStaff() && !(a.Role == daiyun.RoleClientManager && owner == alerting.OwnerClientManager) {
		return st, daiyun.Errorf(daiyun.EFORBIDDEN, "only the client's team may tick this step")
	}
	res, err := s.db.ExecContext(ctx, `UPDATE playbook_steps SET done_at=$1, done_by=$2 WHERE id=$3 AND done_at IS NULL`, s.now(), nullID(a.UserID), stepID)
	if err != nil {
		return st, fmt.Errorf("catalog: tick playbook step: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return st, daiyun.Errorf(daiyun.ECONFLICT, "playbook step %d is already done", stepID)
	}
	r, err := s.PlaybookRun(ctx, runID)
	if err != nil {
		return st, err
	}
	if err := s.audit(ctx, r.ClientID, "playbook_step.done", strconv.FormatInt(stepID, 10)); err != nil {
		return st, err
	}
	for _, x := range r.Steps {
		if x.ID == stepID {
			return x, nil
		}
	}
	return st, notFound("playbook step", stepID)
}
