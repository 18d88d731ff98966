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

// Alert rules, alerts and their lifecycle (PRODUCT.md E1–E6). Rules of a
// client or shop scope belong to that client; agency and category rules
// to the agency. Alerts always belong to one client and are read through
// clientScope like every other client-owned row; client users see only
// their client's level-3 alerts and budget colours (the client-facing
// view).

// mustStaff fails unless the actor is agency staff.
func mustStaff(ctx context.Context) error {
	if !daiyun.ActorFrom(ctx).IsStaff() {
		return daiyun.Errorf(daiyun.EFORBIDDEN, "only agency staff may do this")
	}
	return nil
}

// ruleClient returns the client a rule belongs to (0: the agency).
func (s *Store) ruleClient(ctx context.Context, r alerting.Rule) (int64, error) {
	switch r.Scope.Kind {
	case alerting.ScopeClient:
		if _, err := s.Client(ctx, r.Scope.ClientID); err != nil {
			return 0, err
		}
		return r.Scope.ClientID, nil
	case alerting.ScopeShop:
		sh, err := s.Shop(ctx, r.Scope.ShopID)
		if err != nil {
			return 0, err
		}
		return sh.ClientID, nil
	}
	return 0, nil
}

// ruleScope restricts rule listings: agency rules and the rules of the
// clients the actor sees.
func ruleScope(ctx context.Context) string {
	return "(client_id IS NULL OR " + clientScope(ctx, "client_id") + ")"
}

// AlertRules lists the rules the actor may see, by name (staff only).
func (s *Store) AlertRules(ctx context.Context) ([]alerting.Rule, error) {
	if err := mustStaff(ctx); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, definition, enabled, updated_at FROM alert_rules WHERE `+ruleScope(ctx)+` ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("catalog: list alert rules: %w", err)
	}
	defer rows.Close()
	var out []alerting.Rule
	for rows.Next() {
		r, err := scanRule(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

func scanRule(row interface{ Scan(...any) error }) (alerting.Rule, error) {
	var r alerting.Rule
	var def string
	var id int64
	var enabled bool
	var at time.Time
	if err := row.Scan(&id, &def, &enabled, &at); err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(def), &r); err != nil {
		return r, fmt.Errorf("catalog: alert rule %d: %w", id, err)
	}
	r.ID, r.Enabled, r.UpdatedAt = id, enabled, at.UTC()
	return r, nil
}

// AlertRule returns one rule by id or name.
func (s *Store) AlertRule(ctx context.Context, idOrName string) (alerting.Rule, error) {
	if err := mustStaff(ctx); err != nil {
		return alerting.Rule{}, err
	}
	q := `SELECT id, definition, enabled, updated_at FROM alert_rules WHERE ` + ruleScope(ctx) + ` AND `
	var row *sql.Row
	if id, err := strconv.ParseInt(idOrName, 10, 64); err == nil {
		row = s.db.QueryRowContext(ctx, q+`id=$1`, id)
	} else {
		row = s.db.QueryRowContext(ctx, q+`name=$1`, idOrName)
	}
	r, err := scanRule(row)
	if isNoRows(err) {
		return r, notFound("alert rule", idOrName)
	}
	return r, err
}

// PutAlertRule validates a rule and inserts it or replaces the rule of the
// same name; it sets r.ID. Agency and category rules need an actor who sees
// every client; client and shop rules one who sees the client.
func (s *Store) PutAlertRule(ctx context.Context, r *alerting.Rule) error {
	if err := mustStaff(ctx); err != nil {
		return err
	}
	if err := r.Validate(); err != nil {
		return err
	}
	clientID, err := s.ruleClient(ctx, *r)
	if err != nil {
		return err
	}
	if clientID == 0 && !daiyun.ActorFrom(ctx).AllClients() {
		return daiyun.Errorf(daiyun.EFORBIDDEN, "only an admin or director may change agency-wide rules")
	}
	var existing int64
	var existingClient sql.NullInt64
	err = s.db.QueryRowContext(ctx, `SELECT id, client_id FROM alert_rules WHERE name=$1`, r.Name).Scan(&existing, &existingClient)
	switch {
	case isNoRows(err):
		existing = 0
	case err != nil:
		return fmt.Errorf("catalog: put alert rule: %w", err)
	case existingClient.Valid && !daiyun.ActorFrom(ctx).CanSeeClient(existingClient.Int64),
		!existingClient.Valid && !daiyun.ActorFrom(ctx).AllClients():
		return daiyun.Errorf(daiyun.ECONFLICT, "a rule named %q already exists", r.Name)
	}
	def, _ := json.Marshal(r)
	r.UpdatedAt = s.now()
	if existing != 0 {
		r.ID = existing
		_, err = s.db.ExecContext(ctx, `UPDATE alert_rules SET client_id=$1, definition=$2, enabled=$3, updated_at=$4 WHERE id=$5`,
			nullID(clientID), string(def), r.Enabled, r.UpdatedAt, existing)
	} else {
		err = s.db.QueryRowContext(ctx, `INSERT INTO alert_rules (name, client_id, definition, enabled, updated_at) VALUES ($1,$2,$3,$4,$5) RETURNING id`,
			r.Name, nullID(clientID), string(def), r.Enabled, r.UpdatedAt).Scan(&r.ID)
	}
	if isUnique(err) {
		return daiyun.Errorf(daiyun.ECONFLICT, "a rule named %q already exists", r.Name)
	}
	if err != nil {
		return fmt.Errorf("catalog: put alert rule: %w", err)
	}
	return s.audit(ctx, clientID, "alert_rule.put", r.Name)
}

// DeleteAlertRule removes a rule and its alerts.
func (s *Store) DeleteAlertRule(ctx context.Context, idOrName string) error {
	r, err := s.AlertRule(ctx, idOrName)
	if err != nil {
		return err
	}
	clientID, err := s.ruleClient(ctx, r)
	if err != nil {
		return err
	}
	if clientID == 0 && !daiyun.ActorFrom(ctx).AllClients() {
		return daiyun.Errorf(daiyun.EFORBIDDEN, "only an admin or director may change agency-wide rules")
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM alert_rules WHERE id=$1`, r.ID); err != nil {
		return fmt.Errorf("catalog: delete alert rule: %w", err)
	}
	return s.audit(ctx, clientID, "alert_rule.delete", r.Name)
}

// SeedAlertRules installs rules (the shipped defaults) once: a rule the
// agency later deletes is not brought back. It needs an actor who sees
// every client.
func (s *Store) SeedAlertRules(ctx context.Context, rules []alerting.Rule) (bool, error) {
	if !daiyun.ActorFrom(ctx).AllClients() {
		return false, daiyun.Errorf(daiyun.EFORBIDDEN, "only an admin may install the default rules")
	}
	return s.seedOnce(ctx, "defaults_seeded", "alert_rules", len(rules),
		func(i int) string { return rules[i].Name },
		func(i int) error { return s.PutAlertRule(ctx, &rules[i]) })
}

// seedOnce installs shipped defaults once, marked by key in alert_meta: an
// item whose name table already holds is skipped, and after the first
// run nothing is installed again (so a default the agency deleted stays
// deleted). It reports whether this call installed them.
func (s *Store) seedOnce(ctx context.Context, key, table string, n int, name func(int) string, put func(int) error) (bool, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM alert_meta WHERE key=$1`, key).Scan(&v)
	if err == nil {
		return false, nil
	}
	if !isNoRows(err) {
		return false, fmt.Errorf("catalog: seed %s: %w", table, err)
	}
	for i := range n {
		var found int
		// table is one of the callers' constants, never user text.
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE name=$1`, name(i)).Scan(&found); err != nil {
			return false, fmt.Errorf("catalog: seed %s: %w", table, err)
		}
		if found > 0 {
			continue
		}
		if err := put(i); err != nil {
			return false, err
		}
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO alert_meta (key, value) VALUES ($1, $2)`, key, s.now().Format(time.RFC3339))
	if isUnique(err) {
		return false, nil
	}
	return err == nil, err
}

// SyncAlerts applies an evaluation: a firing opens an alert or updates the
// open one of its rule and scope (never a second one), a cleared scope
// resolves its open alert automatically. Scopes of clients the actor may
// not see are ignored, and a replay of a day before an alert last fired
// neither changes nor resolves it. Running it twice with the same outcome
// changes nothing. rules give each rule's check deadline.
func (s *Store) SyncAlerts(ctx context.Context, o *alerting.Outcome, rules []alerting.Rule) (alerting.SyncResult, error) {
	var res alerting.SyncResult
	if err := mustStaff(ctx); err != nil {
		return res, err
	}
	a := daiyun.ActorFrom(ctx)
	byID := map[int64]alerting.Rule{}
	for _, r := range rules {
		byID[r.ID] = r
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		for _, f := range o.Firing {
			if f.RuleID == 0 || !a.CanSeeClient(f.ClientID) {
				continue
			}
			opened, changed, err := s.fire(ctx, tx, f, byID[f.RuleID])
			if err != nil {
				return err
			}
			switch {
			case opened:
				res.Opened++
			case changed:
				res.Updated++
			}
		}
		for _, c := range o.Cleared {
			if c.RuleID == 0 {
				continue
			}
			var id, clientID int64
			var lastSeen string
			err := tx.QueryRowContext(ctx, `SELECT id, client_id, last_seen FROM alerts WHERE open_key=$1`, openKey(c.RuleID, c.Scope)).Scan(&id, &clientID, &lastSeen)
			// Clearing on a day before the alert last fired (a replay) does
			// not resolve it.
			if isNoRows(err) || (err == nil && (!a.CanSeeClient(clientID) || (!o.AsOf.IsZero() && o.AsOf.String() < lastSeen))) {
				continue
			}
			if err != nil {
				return err
			}
			now := s.now()
			if _, err := tx.ExecContext(ctx, `UPDATE alerts SET state=$1, resolved_at=$2, auto_resolved=$3, open_key=NULL, updated_at=$2 WHERE id=$4`,
				alerting.StateResolved, now, true, id); err != nil {
				return err
			}
			if err := s.event(ctx, tx, id, clientID, alerting.EventResolved, 0); err != nil {
				return err
			}
			res.Resolved++
		}
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("catalog: sync alerts: %w", err)
	}
	return res, nil
}

func openKey(ruleID int64, scope string) string { return strconv.FormatInt(ruleID, 10) + "|" + scope }

// fire opens or updates the alert of one firing.
func (s *Store) fire(ctx context.Context, tx *sql.Tx, f alerting.Firing, r alerting.Rule) (opened, changed bool, err error) {
	key := openKey(f.RuleID, f.Scope)
	var id int64
	var value, threshold float64
	var periods int
	var lastSeen, to string
	err = tx.QueryRowContext(ctx, `SELECT id, value, threshold, periods, last_seen, period_to FROM alerts WHERE open_key=$1`, key).
		Scan(&id, &value, &threshold, &periods, &lastSeen, &to)
	now := s.now()
	if err == nil {
		// A replay of an earlier day never overwrites what a later one saw.
		if f.AsOf.String() < lastSeen || (value == f.Value && threshold == f.Thresh && periods == f.Periods && lastSeen == f.AsOf.String() && to == f.To.String()) {
			return false, false, nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE alerts SET value=$1, threshold=$2, baseline=$3, periods=$4, period_from=$5, period_to=$6,
			last_seen=$7, updated_at=$8 WHERE id=$9`, f.Value, f.Thresh, nullFloat(f.Baseline), f.Periods, f.From.String(), f.To.String(), f.AsOf.String(), now, id)
		return false, err == nil, err
	}
	if !isNoRows(err) {
		return false, false, err
	}
	// A replay of a day an earlier (now resolved) alert already covered
	// does not open it again.
	var covered int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM alerts WHERE rule_id=$1 AND scope=$2 AND last_seen >= $3`,
		f.RuleID, f.Scope, f.AsOf.String()).Scan(&covered); err != nil {
		return false, false, err
	}
	if covered > 0 {
		return false, false, nil
	}
	var recurrence int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM alerts WHERE rule_id=$1 AND client_id=$2`, f.RuleID, f.ClientID).Scan(&recurrence); err != nil {
		return false, false, err
	}
	var deadline any
	if r.Deadline.Duration > 0 && (f.Level == 2 || f.Level == 3) {
		deadline = now.Add(r.Deadline.Duration)
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO alerts (rule_id, rule_name, client_id, shop_id, scope, dim, kpi, detector, level, colour, state, op,
		value, threshold, baseline, currency, periods, period_from, period_to, first_seen, last_seen, opened_at, updated_at, deadline,
		recurrence, open_key, auto_resolved)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27) RETURNING id`,
		f.RuleID, f.Rule, f.ClientID, nullID(f.ShopID), f.Scope, f.Dim, f.KPI, f.Detector, f.Level, f.Colour, alerting.StateOpen, f.Op,
		f.Value, f.Thresh, nullFloat(f.Baseline), f.Currency, f.Periods, f.From.String(), f.To.String(), f.AsOf.String(), f.AsOf.String(),
		now, now, deadline, recurrence, key, false).Scan(&id)
	if err != nil {
		return false, false, err
	}
	if err := s.event(ctx, tx, id, f.ClientID, alerting.EventOpened, 0); err != nil {
		return false, false, err
	}
	// A level-3 alert starts its emergency playbook when it opens (a
	// re-fire updates the open alert above and starts nothing).
	if f.Level == 3 && r.Playbook != "" {
		if err := s.startPlaybook(ctx, tx, id, f.ClientID, r.Playbook, now); err != nil {
			return false, false, err
		}
	}
	return true, true, nil
}

func nullFloat(v *float64) any {
	if v == nil {
		return nil
	}
	return *v
}

// event records a transition in the outbox; the same transition twice is
// one event (its key is the idempotency key of every message).
func (s *Store) event(ctx context.Context, tx *sql.Tx, alertID, clientID int64, kind string, step int) error {
	key := alerting.EventKey(alertID, kind, step)
	_, err := tx.ExecContext(ctx, `INSERT INTO alert_events (alert_id, client_id, kind, step, idem_key, created_at) VALUES ($1,$2,$3,$4,$5,$6)
		ON CONFLICT (idem_key) DO NOTHING`, alertID, clientID, kind, step, key, s.now())
	return err
}

// AlertFilter narrows an alert listing.
type AlertFilter struct {
	State    string // open (open and acknowledged), acknowledged, resolved, or "" for all
	Level    int
	Colour   string
	ClientID int64
	ShopID   int64
	RuleID   int64
	Limit    int
}

const alertCols = `id, rule_id, rule_name, client_id, COALESCE(shop_id, 0), scope, dim, kpi, detector, level, colour, state, op, value, threshold,
	baseline, currency, periods, period_from, period_to, first_seen, last_seen, opened_at, updated_at, deadline, escalation,
	COALESCE(assignee_id, 0), acked_at, COALESCE(acked_by, 0), resolved_at, COALESCE(resolved_by, 0), auto_resolved, cause, actions, preventable, recurrence`

func scanAlert(row interface{ Scan(...any) error }) (alerting.Alert, error) {
	var x alerting.Alert
	var baseline sql.NullFloat64
	var from, to, first, last string
	var deadline, acked, resolved sql.NullTime
	var preventable sql.NullBool
	err := row.Scan(&x.ID, &x.RuleID, &x.Rule, &x.ClientID, &x.ShopID, &x.Scope, &x.Dim, &x.KPI, &x.Detector, &x.Level, &x.Colour, &x.State, &x.Op,
		&x.Value, &x.Thresh, &baseline, &x.Currency, &x.Periods, &from, &to, &first, &last, &x.OpenedAt, &x.UpdatedAt, &deadline, &x.Escalation,
		&x.AssigneeID, &acked, &x.AckedBy, &resolved, &x.ResolvedBy, &x.AutoResolved, &x.PostMortem.Cause, &x.PostMortem.Actions, &preventable, &x.Recurrence)
	if err != nil {
		return x, err
	}
	if baseline.Valid {
		x.Baseline = &baseline.Float64
	}
	x.From, _ = daiyun.ParseDate(from)
	x.To, _ = daiyun.ParseDate(to)
	x.FirstSeen, _ = daiyun.ParseDate(first)
	x.LastSeen, _ = daiyun.ParseDate(last)
	x.OpenedAt, x.UpdatedAt = x.OpenedAt.UTC(), x.UpdatedAt.UTC()
	x.Deadline, x.AckedAt, x.ResolvedAt = nullTime(deadline), nullTime(acked), nullTime(resolved)
	if preventable.Valid {
		x.PostMortem.Preventable = &preventable.Bool
	}
	return x, nil
}

func nullTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	u := t.Time.UTC()
	return &u
}

// alertScope restricts alerts to the clients the actor sees; client users
// see only level-3 alerts and budget colours (the client-facing view).
func alertScope(ctx context.Context) string {
	w := clientScope(ctx, "client_id")
	if !daiyun.ActorFrom(ctx).IsStaff() {
		w = "(" + w + " AND (level = 3 OR colour <> ''))"
	}
	return w
}

// Alerts lists the alerts the actor may see, newest first.
func (s *Store) Alerts(ctx context.Context, f AlertFilter) ([]alerting.Alert, error) {
	where := []string{alertScope(ctx)}
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	switch f.State {
	case "":
	case alerting.StateOpen:
		where = append(where, "state <> 'resolved'")
	case alerting.StateAcknowledged, alerting.StateResolved:
		add("state = ?", f.State)
	default:
		return nil, daiyun.Errorf(daiyun.EINVALID, "state %q is not one of open, acknowledged, resolved", f.State)
	}
	if f.Level != 0 {
		add("level = ?", f.Level)
	}
	if f.Colour != "" {
		add("colour = ?", f.Colour)
	}
	if f.ClientID != 0 {
		add("client_id = ?", f.ClientID)
	}
	if f.ShopID != 0 {
		add("shop_id = ?", f.ShopID)
	}
	if f.RuleID != 0 {
		add("rule_id = ?", f.RuleID)
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+alertCols+` FROM alerts WHERE `+strings.Join(where, " AND ")+
		` ORDER BY CASE WHEN state = 'resolved' THEN 1 ELSE 0 END, level DESC, opened_at DESC, id DESC LIMIT `+strconv.Itoa(limit), args...)
	if err != nil {
		return nil, fmt.Errorf("catalog: list alerts: %w", err)
	}
	defer rows.Close()
	var out []alerting.Alert
	for rows.Next() {
		x, err := scanAlert(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// Alert returns one alert the actor may see.
func (s *Store) Alert(ctx context.Context, id int64) (alerting.Alert, error) {
	x, err := scanAlert(s.db.QueryRowContext(ctx, `SELECT `+alertCols+` FROM alerts WHERE id=$1 AND `+alertScope(ctx), id))
	if isNoRows(err) {
		return x, notFound("alert", id)
	}
	return x, err
}

// AckAlert acknowledges an open alert (staff): it stops its escalation.
func (s *Store) AckAlert(ctx context.Context, id int64) (alerting.Alert, error) {
	x, err := s.Alert(ctx, id)
	if err != nil {
		return x, err
	}
	if err := mustStaff(ctx); err != nil {
		return x, err
	}
	if x.State != alerting.StateOpen {
		return x, daiyun.Errorf(daiyun.ECONFLICT, "alert %d is %s, not open", id, x.State)
	}
	a := daiyun.ActorFrom(ctx)
	if _, err := s.db.ExecContext(ctx, `UPDATE alerts SET state=$1, acked_at=$2, acked_by=$3, updated_at=$2, assignee_id=COALESCE(assignee_id, $3) WHERE id=$4 AND state=$5`,
		alerting.StateAcknowledged, s.now(), nullID(a.UserID), id, alerting.StateOpen); err != nil {
		return x, fmt.Errorf("catalog: acknowledge alert: %w", err)
	}
	if err := s.audit(ctx, x.ClientID, "alert.ack", strconv.FormatInt(id, 10)); err != nil {
		return x, err
	}
	return s.Alert(ctx, id)
}

// ResolveAlert resolves an alert (staff) with its post-mortem; a level-3
// alert needs a cause.
func (s *Store) ResolveAlert(ctx context.Context, id int64, pm alerting.PostMortem) (alerting.Alert, error) {
	x, err := s.Alert(ctx, id)
	if err != nil {
		return x, err
	}
	if err := mustStaff(ctx); err != nil {
		return x, err
	}
	if x.State == alerting.StateResolved {
		return x, daiyun.Errorf(daiyun.ECONFLICT, "alert %d is already resolved", id)
	}
	if x.Level == 3 && strings.TrimSpace(pm.Cause) == "" {
		return x, daiyun.Errorf(daiyun.EINVALID, "alert %d is level 3: the post-mortem cause is required", id)
	}
	var prev any
	if pm.Preventable != nil {
		prev = *pm.Preventable
	}
	a := daiyun.ActorFrom(ctx)
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE alerts SET state=$1, resolved_at=$2, resolved_by=$3, cause=$4, actions=$5, preventable=$6,
			open_key=NULL, updated_at=$2 WHERE id=$7`, alerting.StateResolved, s.now(), nullID(a.UserID), pm.Cause, pm.Actions, prev, id); err != nil {
			return err
		}
		return s.event(ctx, tx, id, x.ClientID, alerting.EventResolved, 0)
	})
	if err != nil {
		return x, fmt.Errorf("catalog: resolve alert: %w", err)
	}
	if err := s.audit(ctx, x.ClientID, "alert.resolve", strconv.FormatInt(id, 10)); err != nil {
		return x, err
	}
	return s.Alert(ctx, id)
}

// AssignAlert sets the alert's assignee: a staff member on the client's
// team (or one who sees every client).
func (s *Store) AssignAlert(ctx context.Context, id, userID int64) (alerting.Alert, error) {
	x, err := s.Alert(ctx, id)
	if err != nil {
		return x, err
	}
	if err := mustStaff(ctx); err != nil {
		return x, err
	}
	sysCtx := daiyun.WithActor(ctx, daiyun.SystemActor)
	actor, u, err := s.ActorFor(sysCtx, userID)
	if err != nil || !actor.IsStaff() || !actor.CanSeeClient(x.ClientID) {
		return x, daiyun.Errorf(daiyun.EINVALID, "user %d is not on the client's team", userID)
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE alerts SET assignee_id=$1, updated_at=$2 WHERE id=$3`, u.ID, s.now(), id); err != nil {
		return x, fmt.Errorf("catalog: assign alert: %w", err)
	}
	return s.Alert(ctx, id)
}

// CommentAlert adds a comment: staff, or the client's manager.
func (s *Store) CommentAlert(ctx context.Context, id int64, body string) (alerting.Comment, error) {
	var c alerting.Comment
	x, err := s.Alert(ctx, id)
	if err != nil {
		return c, err
	}
	a := daiyun.ActorFrom(ctx)
	if !a.IsStaff() && a.Role != daiyun.RoleClientManager {
		return c, daiyun.Errorf(daiyun.EFORBIDDEN, "only agency staff and the client's manager may comment")
	}
	body = strings.TrimSpace(body)
	if body == "" || len(body) > 10000 {
		return c, daiyun.Errorf(daiyun.EINVALID, "comment body must be 1 to 10000 characters")
	}
	c = alerting.Comment{AlertID: x.ID, UserID: a.UserID, Author: "system", Body: body, CreatedAt: s.now()}
	if a.UserID != 0 {
		if u, err := s.User(daiyun.WithActor(ctx, daiyun.SystemActor), a.UserID); err == nil {
			c.Author = u.Name
			if c.Author == "" {
				c.Author = u.Email
			}
		}
	}
	err = s.db.QueryRowContext(ctx, `INSERT INTO alert_comments (alert_id, user_id, author, body, created_at) VALUES ($1,$2,$3,$4,$5) RETURNING id`,
		c.AlertID, nullID(c.UserID), c.Author, c.Body, c.CreatedAt).Scan(&c.ID)
	if err != nil {
		return c, fmt.Errorf("catalog: comment alert: %w", err)
	}
	return c, nil
}

// AlertComments lists an alert's comments, oldest first.
func (s *Store) AlertComments(ctx context.Context, id int64) ([]alerting.Comment, error) {
	if _, err := s.Alert(ctx, id); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, alert_id, COALESCE(user_id, 0), author, body, created_at FROM alert_comments WHERE alert_id=$1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("catalog: alert comments: %w", err)
	}
	defer rows.Close()
	out := []alerting.Comment{}
	for rows.Next() {
		var c alerting.Comment
		if err := rows.Scan(&c.ID, &c.AlertID, &c.UserID, &c.Author, &c.Body, &c.CreatedAt); err != nil {
			return nil, err
		}
		c.CreatedAt = c.CreatedAt.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// Recurrence counts alerts per rule and client (all states), for the
// recurrence report.
type Recurrence struct {
	Rule     string `json:"rule"`
	ClientID int64  `json:"client_id"`
	Count    int    `json:"count"`
	Open     int    `json:"open"`
}

// AlertRecurrence counts the alerts of every rule and client the actor sees.
func (s *Store) AlertRecurrence(ctx context.Context) ([]Recurrence, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT rule_name, client_id, COUNT(*), SUM(CASE WHEN state <> 'resolved' THEN 1 ELSE 0 END)
		FROM alerts WHERE `+alertScope(ctx)+` GROUP BY rule_name, client_id ORDER BY COUNT(*) DESC, rule_name, client_id`)
	if err != nil {
		return nil, fmt.Errorf("catalog: alert recurrence: %w", err)
	}
	defer rows.Close()
	out := []Recurrence{}
	for rows.Next() {
		var r Recurrence
		if err := rows.Scan(&r.Rule, &r.ClientID, &r.Count, &r.Open); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
