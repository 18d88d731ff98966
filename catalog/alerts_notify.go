package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/alerting"
)

// The notification outbox: alert transitions waiting to be sent, the
// delivery log, escalation and the webhook channels. These are the
// dispatcher's (a background job acting as the system); people read the
// delivery log of the alerts they may see.

// mustSystem fails unless the actor sees every client (the dispatcher).
func mustAll(ctx context.Context) error {
	if !daiyun.ActorFrom(ctx).AllClients() {
		return daiyun.Errorf(daiyun.EFORBIDDEN, "only an admin or the system may do this")
	}
	return nil
}

// PendingAlertEvents lists transitions not yet notified, oldest first.
func (s *Store) PendingAlertEvents(ctx context.Context, limit int) ([]alerting.Event, error) {
	if err := mustAll(ctx); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 500
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, alert_id, client_id, kind, step, idem_key, created_at FROM alert_events
		WHERE notified_at IS NULL ORDER BY id LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("catalog: pending alert events: %w", err)
	}
	defer rows.Close()
	var out []alerting.Event
	for rows.Next() {
		var e alerting.Event
		if err := rows.Scan(&e.ID, &e.AlertID, &e.ClientID, &e.Kind, &e.Step, &e.Key, &e.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// MarkAlertEventNotified records that every message of a transition went.
func (s *Store) MarkAlertEventNotified(ctx context.Context, id int64) error {
	if err := mustAll(ctx); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, `UPDATE alert_events SET notified_at=$1 WHERE id=$2`, s.now(), id)
	return err
}

// DeliverySent reports whether a message with the idempotency key already
// reached the target on the channel.
func (s *Store) DeliverySent(ctx context.Context, key, channel, target string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM alert_deliveries WHERE idem_key=$1 AND channel=$2 AND target=$3 AND status='sent'`,
		key, channel, target).Scan(&n)
	return n > 0, err
}

// RecordDelivery logs one attempt. A second "sent" for the same key,
// channel and target is ignored.
func (s *Store) RecordDelivery(ctx context.Context, d alerting.Delivery) error {
	if err := mustAll(ctx); err != nil {
		return err
	}
	if d.At.IsZero() {
		d.At = s.now()
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO alert_deliveries (alert_id, client_id, idem_key, channel, target, attempt, status, error, at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`, nullID(d.AlertID), nullID(d.ClientID), d.Key, d.Channel, d.Target, d.Attempt, d.Status, d.Error, d.At)
	if isUnique(err) {
		return nil
	}
	return err
}

// AlertDeliveries is the delivery log of one alert (staff).
func (s *Store) AlertDeliveries(ctx context.Context, alertID int64) ([]alerting.Delivery, error) {
	if _, err := s.Alert(ctx, alertID); err != nil {
		return nil, err
	}
	if err := mustStaff(ctx); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+deliveryCols+` FROM alert_deliveries WHERE alert_id=$1 ORDER BY id`, alertID)
	if err != nil {
		return nil, fmt.Errorf("catalog: alert deliveries: %w", err)
	}
	return scanDeliveries(rows)
}

// DueEscalations lists open (unacknowledged) level-2 and level-3 alerts
// whose deadline has passed.
func (s *Store) DueEscalations(ctx context.Context, now time.Time) ([]alerting.Alert, error) {
	if err := mustAll(ctx); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+alertCols+` FROM alerts WHERE state=$1 AND level >= 2 AND deadline IS NOT NULL AND deadline < $2 ORDER BY id`,
		alerting.StateOpen, now.UTC())
	if err != nil {
		return nil, fmt.Errorf("catalog: due escalations: %w", err)
	}
	defer rows.Close()
	var out []alerting.Alert
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// EscalateAlert records escalation step (1, 2, …) and the next deadline
// (nil: no further escalation), with its transition for the notifier.
func (s *Store) EscalateAlert(ctx context.Context, id int64, step int, next *time.Time) error {
	if err := mustAll(ctx); err != nil {
		return err
	}
	var deadline any
	if next != nil {
		deadline = next.UTC()
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var clientID int64
		if err := tx.QueryRowContext(ctx, `SELECT client_id FROM alerts WHERE id=$1`, id).Scan(&clientID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE alerts SET escalation=$1, deadline=$2, updated_at=$3 WHERE id=$4 AND escalation < $1`,
			step, deadline, s.now(), id); err != nil {
			return err
		}
		return s.event(ctx, tx, id, clientID, alerting.EventEscalated, step)
	})
}

// functionRank orders a client's team: the lead first, then expert,
// analyst, specialist, others.
func functionRank(f string) int {
	switch f {
	case "lead":
		return 0
	case "expert":
		return 1
	case "analyst":
		return 2
	case "specialist":
		return 3
	}
	return 4
}

// AlertTeam returns the client's team in escalation order (staff only),
// and the directors (or admins when the agency has no director).
func (s *Store) AlertTeam(ctx context.Context, clientID int64) (team, directors []alerting.Recipient, err error) {
	if err := mustAll(ctx); err != nil {
		return nil, nil, err
	}
	asg, err := s.Assignments(ctx, clientID)
	if err != nil {
		return nil, nil, err
	}
	slices.SortStableFunc(asg, func(a, b daiyun.Assignment) int {
		if d := functionRank(a.Function) - functionRank(b.Function); d != 0 {
			return d
		}
		return int(a.UserID - b.UserID)
	})
	for _, a := range asg {
		actor, u, err := s.ActorFor(ctx, a.UserID)
		if err != nil || u.Disabled || !actor.IsStaff() {
			continue
		}
		team = append(team, alerting.Recipient{User: u, Actor: actor})
	}
	users, err := s.Users(ctx)
	if err != nil {
		return nil, nil, err
	}
	for _, role := range []daiyun.Role{daiyun.RoleDirector, daiyun.RoleAdmin} {
		for _, u := range users {
			if u.Role != role || u.Disabled {
				continue
			}
			if actor, u, err := s.ActorFor(ctx, u.ID); err == nil {
				directors = append(directors, alerting.Recipient{User: u, Actor: actor})
			}
		}
		if len(directors) > 0 {
			break
		}
	}
	return team, directors, nil
}

// ClientUsers returns the enabled users of a client (level-3 alerts and
// budget colours are told to the client).
func (s *Store) ClientUsers(ctx context.Context, clientID int64) ([]alerting.Recipient, error) {
	if err := mustAll(ctx); err != nil {
		return nil, err
	}
	users, err := s.Users(ctx)
	if err != nil {
		return nil, err
	}
	var out []alerting.Recipient
	for _, u := range users {
		if u.ClientID != clientID || u.Disabled || !u.Role.IsClientRole() {
			continue
		}
		if actor, u, err := s.ActorFor(ctx, u.ID); err == nil {
			out = append(out, alerting.Recipient{User: u, Actor: actor})
		}
	}
	return out, nil
}

// DigestRecipients returns every enabled user with their actor.
func (s *Store) DigestRecipients(ctx context.Context) ([]alerting.Recipient, error) {
	if err := mustAll(ctx); err != nil {
		return nil, err
	}
	users, err := s.Users(ctx)
	if err != nil {
		return nil, err
	}
	var out []alerting.Recipient
	for _, u := range users {
		if u.Disabled {
			continue
		}
		if actor, u, err := s.ActorFor(ctx, u.ID); err == nil {
			out = append(out, alerting.Recipient{User: u, Actor: actor})
		}
	}
	return out, nil
}

// AlertChannels lists the webhook channels the actor may see: the agency's
// (staff who see every client) and those of visible clients. clientID 0
// lists all.
func (s *Store) AlertChannels(ctx context.Context, clientID int64) ([]alerting.Channel, error) {
	if err := mustStaff(ctx); err != nil {
		return nil, err
	}
	where := "(" + clientScope(ctx, "client_id") + ")"
	if daiyun.ActorFrom(ctx).AllClients() {
		where = "1=1"
	}
	args := []any{}
	if clientID != 0 {
		where += " AND (client_id IS NULL OR client_id = $1)"
		args = append(args, clientID)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, COALESCE(client_id, 0), name, kind, url, secret, min_level, lang, disabled FROM alert_channels WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("catalog: alert channels: %w", err)
	}
	defer rows.Close()
	out := []alerting.Channel{}
	for rows.Next() {
		var c alerting.Channel
		var url, secret string
		if err := rows.Scan(&c.ID, &c.ClientID, &c.Name, &c.Kind, &url, &secret, &c.MinLevel, &c.Lang, &c.Disabled); err != nil {
			return nil, err
		}
		if err := s.openChannel(&c, url, secret); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// PutAlertChannel adds a webhook channel (admin for the agency's; staff who
// see the client for a client's) and sets c.ID. Its URL and secret are
// stored sealed under the secret key (alerts_secrets.go).
func (s *Store) PutAlertChannel(ctx context.Context, c *alerting.Channel) error {
	if err := mustStaff(ctx); err != nil {
		return err
	}
	if c.ClientID == 0 {
		if err := mustAll(ctx); err != nil {
			return err
		}
	} else if err := mustSee(ctx, c.ClientID); err != nil {
		return err
	}
	if strings.TrimSpace(c.Name) == "" {
		return daiyun.Errorf(daiyun.EINVALID, "channel name is required")
	}
	if !slices.Contains(alerting.ChannelKinds, c.Kind) {
		return daiyun.Errorf(daiyun.EINVALID, "channel kind %q is not one of %v", c.Kind, alerting.ChannelKinds)
	}
	if u, err := url.Parse(c.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return daiyun.Errorf(daiyun.EINVALID, "channel url %q is not an http(s) URL", c.URL)
	}
	if c.MinLevel == 0 {
		c.MinLevel = 1
	}
	if c.MinLevel < 1 || c.MinLevel > 3 {
		return daiyun.Errorf(daiyun.EINVALID, "channel min_level %d is not 1, 2 or 3", c.MinLevel)
	}
	if c.Lang == "" {
		c.Lang = "zh-CN"
	}
	if c.Lang != "zh-CN" && c.Lang != "en" {
		return daiyun.Errorf(daiyun.EINVALID, "channel lang %q is not zh-CN or en", c.Lang)
	}
	// The URL and secret are sealed bound to the channel's id: the row is
	// made first, then given them, in one transaction.
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO alert_channels (client_id, name, kind, url, secret, min_level, lang, created_at)
			VALUES ($1,$2,$3,'','',$4,$5,$6) RETURNING id`, nullID(c.ClientID), c.Name, c.Kind, c.MinLevel, c.Lang, s.now()).Scan(&c.ID)
		if isUnique(err) {
			return daiyun.Errorf(daiyun.ECONFLICT, "a channel named %q already exists", c.Name)
		}
		if err != nil {
			return fmt.Errorf("catalog: put alert channel: %w", err)
		}
		url, secret, err := s.sealChannel(*c)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE alert_channels SET url=$1, secret=$2 WHERE id=$3`, url, secret, c.ID); err != nil {
			return fmt.Errorf("catalog: put alert channel %q: %w", c.Name, err)
		}
		return nil
	})
	if err != nil {
		c.ID = 0
		return err
	}
	return s.audit(ctx, c.ClientID, "alert_channel.add", c.Name)
}

// OpenAlertsFor lists the unresolved alerts the actor in ctx may see (the
// digest reads it as each recipient).
func (s *Store) OpenAlertsFor(ctx context.Context) ([]alerting.Alert, error) {
	return s.Alerts(ctx, AlertFilter{State: alerting.StateOpen, Limit: 500})
}

// AlertChannel returns one channel the actor may see (staff: the agency's
// channels only for those who see every client).
func (s *Store) AlertChannel(ctx context.Context, id int64) (alerting.Channel, error) {
	cs, err := s.AlertChannels(ctx, 0)
	if err != nil {
		return alerting.Channel{}, err
	}
	for _, c := range cs {
		if c.ID == id {
			return c, nil
		}
	}
	return alerting.Channel{}, notFound("channel", id)
}

// mustManageChannel fails unless the actor may change the channel: an
// admin or director for the agency's, staff who see the client for a
// client's.
func mustManageChannel(ctx context.Context, c alerting.Channel) error {
	a := daiyun.ActorFrom(ctx)
	if c.ClientID == 0 && !a.AllClients() {
		return daiyun.Errorf(daiyun.EFORBIDDEN, "only an admin or director may change the agency's channels")
	}
	return nil
}

// SetAlertChannelDisabled switches a channel off (it gets nothing) or on.
func (s *Store) SetAlertChannelDisabled(ctx context.Context, id int64, disabled bool) (alerting.Channel, error) {
	c, err := s.AlertChannel(ctx, id)
	if err != nil {
		return c, err
	}
	if err := mustManageChannel(ctx, c); err != nil {
		return c, err
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE alert_channels SET disabled=$1 WHERE id=$2`, disabled, id); err != nil {
		return c, fmt.Errorf("catalog: disable channel: %w", err)
	}
	c.Disabled = disabled
	action := "alert_channel.enable"
	if disabled {
		action = "alert_channel.disable"
	}
	return c, s.audit(ctx, c.ClientID, action, c.Name)
}

// DeleteAlertChannel removes a channel.
func (s *Store) DeleteAlertChannel(ctx context.Context, id int64) error {
	c, err := s.AlertChannel(ctx, id)
	if err != nil {
		return err
	}
	if err := mustManageChannel(ctx, c); err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM alert_channels WHERE id=$1`, id); err != nil {
		return fmt.Errorf("catalog: delete channel: %w", err)
	}
	return s.audit(ctx, c.ClientID, "alert_channel.delete", c.Name)
}

// RecordTestDelivery logs a test message sent by a person (not the
// dispatcher): the actor must be allowed to manage the channel (checked
// by the caller through AlertChannel and mustManageChannel).
func (s *Store) RecordTestDelivery(ctx context.Context, d alerting.Delivery) (alerting.Delivery, error) {
	if err := mustStaff(ctx); err != nil {
		return d, err
	}
	if d.At.IsZero() {
		d.At = s.now()
	}
	err := s.db.QueryRowContext(ctx, `INSERT INTO alert_deliveries (alert_id, client_id, idem_key, channel, target, attempt, status, error, at)
		VALUES (NULL,$1,$2,$3,$4,$5,$6,$7,$8) RETURNING id`, nullID(d.ClientID), d.Key, d.Channel, d.Target, d.Attempt, d.Status, d.Error, d.At).Scan(&d.ID)
	if err != nil {
		return d, fmt.Errorf("catalog: record test delivery: %w", err)
	}
	return d, nil
}

// ChannelDeliveries is the latest delivery log of a channel (its test
// sends and its alert messages), newest first.
func (s *Store) ChannelDeliveries(ctx context.Context, c alerting.Channel, limit int) ([]alerting.Delivery, error) {
	if limit <= 0 || limit > 200 {
		limit = 20
	}
	return s.deliveries(ctx, `channel=$1 AND target=$2`, limit, c.Kind, c.Name)
}

// SMTPDeliveries is the latest e-mail delivery log (admins and directors).
func (s *Store) SMTPDeliveries(ctx context.Context, limit int) ([]alerting.Delivery, error) {
	if err := mustAll(ctx); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 20
	}
	return s.deliveries(ctx, `channel=$1`, limit, alerting.ChannelEmail)
}

func (s *Store) deliveries(ctx context.Context, where string, limit int, args ...any) ([]alerting.Delivery, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+deliveryCols+` FROM alert_deliveries WHERE `+where+` ORDER BY id DESC LIMIT `+fmt.Sprint(limit), args...)
	if err != nil {
		return nil, fmt.Errorf("catalog: deliveries: %w", err)
	}
	return scanDeliveries(rows)
}

const deliveryCols = `id, COALESCE(alert_id, 0), COALESCE(client_id, 0), idem_key, channel, target, attempt, status, error, at`

// scanDeliveries reads rows of deliveryCols and closes them.
func scanDeliveries(rows *sql.Rows) ([]alerting.Delivery, error) {
	defer rows.Close()
	out := []alerting.Delivery{}
	for rows.Next() {
		var d alerting.Delivery
		if err := rows.Scan(&d.ID, &d.AlertID, &d.ClientID, &d.Key, &d.Channel, &d.Target, &d.Attempt, &d.Status, &d.Error, &d.At); err != nil {
			return nil, err
		}
		d.At = d.At.UTC()
		out = append(out, d)
	}
	return out, rows.Err()
}

// SMTPSettings returns the stored SMTP settings (admins, directors and
// the system); ok is false when none are stored.
func (s *Store) SMTPSettings(ctx context.Context) (alerting.SMTPSettings, bool, error) {
	var st alerting.SMTPSettings
	if err := mustAll(ctx); err != nil {
		return st, false, err
	}
	var password string
	err := s.db.QueryRowContext(ctx, `SELECT addr, from_addr, username, password, updated_at FROM alert_smtp WHERE id=1`).
		Scan(&st.Addr, &st.From, &st.Username, &password, &st.UpdatedAt)
	if isNoRows(err) {
		return st, false, nil
	}
	if err != nil {
		return st, false, fmt.Errorf("catalog: smtp settings: %w", err)
	}
	if st.Password, err = s.openText(smtpWhat, password, smtpAAD(st.Addr, st.Username)); err != nil {
		return alerting.SMTPSettings{}, false, err
	}
	st.UpdatedAt, st.Source = st.UpdatedAt.UTC(), "catalog"
	st.PasswordFingerprint = alerting.Fingerprint(st.Password)
	return st, true, nil
}

// PutSMTPSettings stores the agency's SMTP settings (admins and
// directors). An empty password keeps the stored one unless clear is set;
// the password is stored sealed under the secret key (alerts_secrets.go).
func (s *Store) PutSMTPSettings(ctx context.Context, st alerting.SMTPSettings, clearPassword bool) (alerting.SMTPSettings, error) {
	if err := mustAll(ctx); err != nil {
		return st, err
	}
	if err := mustStaff(ctx); err != nil {
		return st, err
	}
	host, port, ok := strings.Cut(st.Addr, ":")
	if !ok || host == "" || port == "" {
		return st, daiyun.Errorf(daiyun.EINVALID, "smtp addr %q is not host:port", st.Addr)
	}
	if _, err := mail.ParseAddress(st.From); err != nil {
		return st, daiyun.Errorf(daiyun.EINVALID, "smtp from %q is not an e-mail address", st.From)
	}
	if st.Password == "" && !clearPassword {
		if old, found, err := s.SMTPSettings(ctx); err != nil {
			return st, err
		} else if found {
			st.Password = old.Password
		}
	}
	password, err := s.sealText(smtpWhat, st.Password, smtpAAD(st.Addr, st.Username))
	if err != nil {
		return st, err
	}
	now := s.now()
	_, err = s.db.ExecContext(ctx, `INSERT INTO alert_smtp (id, addr, from_addr, username, password, updated_at) VALUES (1,$1,$2,$3,$4,$5)
		ON CONFLICT (id) DO UPDATE SET addr=excluded.addr, from_addr=excluded.from_addr, username=excluded.username, password=excluded.password, updated_at=excluded.updated_at`,
		st.Addr, st.From, st.Username, password, now)
	if err != nil {
		return st, fmt.Errorf("catalog: put smtp settings: %w", err)
	}
	if err := s.audit(ctx, 0, "alert_smtp.put", st.Addr); err != nil {
		return st, err
	}
	st, _, err = s.SMTPSettings(ctx)
	return st, err
}
