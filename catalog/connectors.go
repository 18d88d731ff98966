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
)

// Connection kinds: the platform APIs Daiyun pulls from.
const (
	ConnectorShopify = "shopify"
	ConnectorTaobao  = "taobao"
)

// ConnectorKinds lists the connection kinds Daiyun knows.
var ConnectorKinds = []string{ConnectorShopify, ConnectorTaobao}

// Connection links one shop to a platform API: its credentials, how often
// to sync and where the last sync stopped (the cursor). Credentials are
// sealed with AES-256-GCM under the Store's secret key (SetSecretKey,
// secrets.go) before they reach the catalog, and never printed: JSON and
// the CLI show only CredentialFingerprints.
type Connection struct {
	ID          int64             `json:"id"`
	ClientID    int64             `json:"client_id"`
	ShopID      int64             `json:"shop_id"`
	Kind        string            `json:"kind"`
	BaseURL     string            `json:"base_url,omitempty"` // API endpoint override (sandbox, stub server)
	Credentials map[string]string `json:"-"`
	Enabled     bool              `json:"enabled"`
	Interval    time.Duration     `json:"-"` // written as "interval": "15m0s"
	Cursor      string            `json:"cursor"`
	CursorAt    *time.Time        `json:"cursor_at,omitempty"`
	LastRunAt   *time.Time        `json:"last_run_at,omitempty"`
	LastStatus  string            `json:"last_status"`
	LastError   string            `json:"last_error,omitempty"`
	CreatedAt   time.Time         `json:"created_at"`
}

// MarshalJSON writes the connection with its interval as a duration string
// ("15m0s") and its credentials as fingerprints only (name → "sha256:…").
func (c Connection) MarshalJSON() ([]byte, error) {
	type plain Connection
	return json.Marshal(struct {
		plain
		Interval    string            `json:"interval"`
		Credentials map[string]string `json:"credentials"`
	}{plain(c), c.Interval.String(), c.CredentialFingerprints()})
}

// ConnectionRun is one sync of a connection, as the run log keeps it.
type ConnectionRun struct {
	ID           int64      `json:"id"`
	ConnectionID int64      `json:"connection_id"`
	ClientID     int64      `json:"client_id"`
	Origin       string     `json:"origin"` // cli, schedule, webhook
	StartedAt    time.Time  `json:"started_at"`
	FinishedAt   *time.Time `json:"finished_at,omitempty"`
	Status       string     `json:"status"` // running, ok, failed
	Pages        int        `json:"pages"`
	Inserted     int64      `json:"inserted"`
	Updated      int64      `json:"updated"`
	Unchanged    int64      `json:"unchanged"`
	Retries      int        `json:"retries"`
	CursorFrom   string     `json:"cursor_from"`
	CursorTo     string     `json:"cursor_to"`
	Error        string     `json:"error,omitempty"`
}

// Run statuses.
const (
	RunRunning = "running"
	RunOK      = "ok"
	RunFailed  = "failed"
)

// CreateConnection connects a shop to a platform API and sets c.ID. The
// connection's client is the shop's client, so a connection can only ever
// write its own client's facts.
func (s *Store) CreateConnection(ctx context.Context, c *Connection) error {
	if err := mustManage(ctx); err != nil {
		return err
	}
	known := false
	for _, k := range ConnectorKinds {
		known = known || k == c.Kind
	}
	if !known {
		return daiyun.Errorf(daiyun.EINVALID, "connector kind %q is not one of %s", c.Kind, strings.Join(ConnectorKinds, ", "))
	}
	sh, err := s.Shop(ctx, c.ShopID)
	if err != nil {
		return err
	}
	if c.ClientID != 0 && c.ClientID != sh.ClientID {
		return notFound("shop", c.ShopID)
	}
	if c.Interval <= 0 {
		c.Interval = 15 * time.Minute
	}
	if c.Interval < time.Minute {
		return daiyun.Errorf(daiyun.EINVALID, "sync interval %s is under a minute", c.Interval)
	}
	c.ClientID, c.Enabled, c.CreatedAt = sh.ClientID, true, s.now()
	creds, err := s.sealCredentials(c)
	if err != nil {
		return err
	}
	err = s.db.QueryRowContext(ctx, `INSERT INTO connections (client_id, shop_id, kind, base_url, credentials, enabled, interval_s, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		c.ClientID, c.ShopID, c.Kind, c.BaseURL, creds, true, int64(c.Interval/time.Second), c.CreatedAt).Scan(&c.ID)
	if isUnique(err) {
		return daiyun.Errorf(daiyun.ECONFLICT, "shop %d already has a %s connection", c.ShopID, c.Kind)
	}
	if err != nil {
		return fmt.Errorf("catalog: create connection: %w", err)
	}
	return s.audit(ctx, c.ClientID, "connection.create", fmt.Sprintf("%s shop %d", c.Kind, c.ShopID))
}

const connectionCols = `id, client_id, shop_id, kind, base_url, credentials, enabled, interval_s, sync_cursor,
	cursor_at, last_run_at, last_status, last_error, created_at`

func (s *Store) scanConnection(row interface{ Scan(...any) error }) (Connection, error) {
	var c Connection
	var creds string
	var interval int64
	var cursorAt, lastRun sql.NullTime
	err := row.Scan(&c.ID, &c.ClientID, &c.ShopID, &c.Kind, &c.BaseURL, &creds, &c.Enabled, &interval, &c.Cursor,
		&cursorAt, &lastRun, &c.LastStatus, &c.LastError, &c.CreatedAt)
	if err != nil {
		return c, err
	}
	c.Interval = time.Duration(interval) * time.Second
	c.CursorAt, c.LastRunAt = nullTime(cursorAt), nullTime(lastRun)
	c.CreatedAt = c.CreatedAt.UTC()
	return c, s.openCredentials(&c, creds)
}

// ConnectionFilter narrows a connection listing; zero fields match all.
type ConnectionFilter struct {
	ClientID    int64
	ShopID      int64
	Kind        string
	EnabledOnly bool
}

// Connections lists the connections the actor may see, by id.
func (s *Store) Connections(ctx context.Context, f ConnectionFilter) ([]Connection, error) {
	where, args := []string{clientScope(ctx, "client_id")}, []any{}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, cond+"$"+strconv.Itoa(len(args)))
	}
	if f.ClientID != 0 {
		add("client_id=", f.ClientID)
	}
	if f.ShopID != 0 {
		add("shop_id=", f.ShopID)
	}
	if f.Kind != "" {
		add("kind=", f.Kind)
	}
	if f.EnabledOnly {
		add("enabled=", true)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+connectionCols+` FROM connections WHERE `+strings.Join(where, " AND ")+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("catalog: list connections: %w", err)
	}
	defer rows.Close()
	var out []Connection
	for rows.Next() {
		c, err := s.scanConnection(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Connection returns one connection the actor may see.
func (s *Store) Connection(ctx context.Context, id int64) (Connection, error) {
	c, err := s.scanConnection(s.db.QueryRowContext(ctx, `SELECT `+connectionCols+` FROM connections WHERE id=$1 AND `+clientScope(ctx, "client_id"), id))
	if isNoRows(err) {
		return c, notFound("connection", id)
	}
	return c, err
}

// SetConnectionEnabled turns a connection's scheduled syncs on or off.
func (s *Store) SetConnectionEnabled(ctx context.Context, id int64, enabled bool) error {
	if err := mustManage(ctx); err != nil {
		return err
	}
	c, err := s.Connection(ctx, id)
	if err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE connections SET enabled=$1 WHERE id=$2`, enabled, id); err != nil {
		return fmt.Errorf("catalog: enable connection: %w", err)
	}
	return s.audit(ctx, c.ClientID, "connection.enable", strconv.FormatBool(enabled))
}

// DeleteConnection removes a connection with its run log.
func (s *Store) DeleteConnection(ctx context.Context, id int64) error {
	if err := mustManage(ctx); err != nil {
		return err
	}
	c, err := s.Connection(ctx, id)
	if err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM connections WHERE id=$1`, id); err != nil {
		return fmt.Errorf("catalog: delete connection: %w", err)
	}
	return s.audit(ctx, c.ClientID, "connection.delete", fmt.Sprintf("%s shop %d", c.Kind, c.ShopID))
}

// SaveConnectionCursor records where a sync has got to. The sync calls it
// after each page is written, so a failed sync resumes from the last page
// that reached the warehouse.
func (s *Store) SaveConnectionCursor(ctx context.Context, id int64, cursor string) error {
	res, err := s.db.ExecContext(ctx, `UPDATE connections SET sync_cursor=$1, cursor_at=$2 WHERE id=$3 AND `+clientScope(ctx, "client_id"),
		cursor, s.now(), id)
	if err != nil {
		return fmt.Errorf("catalog: save cursor: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("connection", id)
	}
	return nil
}

// StartConnectionRun opens a run in the log and returns it.
func (s *Store) StartConnectionRun(ctx context.Context, connID int64, origin string) (ConnectionRun, error) {
	c, err := s.Connection(ctx, connID)
	if err != nil {
		return ConnectionRun{}, err
	}
	r := ConnectionRun{ConnectionID: c.ID, ClientID: c.ClientID, Origin: origin, StartedAt: s.now(), Status: RunRunning, CursorFrom: c.Cursor}
	err = s.db.QueryRowContext(ctx, `INSERT INTO connection_runs (connection_id, client_id, origin, started_at, status, cursor_from)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, r.ConnectionID, r.ClientID, r.Origin, r.StartedAt, r.Status, r.CursorFrom).Scan(&r.ID)
	if err != nil {
		return r, fmt.Errorf("catalog: start connection run: %w", err)
	}
	return r, nil
}

// FinishConnectionRun records a run's outcome and the connection's last
// status. r.Status must be RunOK or RunFailed.
func (s *Store) FinishConnectionRun(ctx context.Context, r ConnectionRun) error {
	if err := mustSee(ctx, r.ClientID); err != nil {
		return err
	}
	now := s.now()
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE connection_runs SET finished_at=$1, status=$2, pages=$3, inserted=$4, updated=$5,
			unchanged=$6, retries=$7, cursor_to=$8, error=$9 WHERE id=$10 AND client_id=$11`,
			now, r.Status, r.Pages, r.Inserted, r.Updated, r.Unchanged, r.Retries, r.CursorTo, r.Error, r.ID, r.ClientID); err != nil {
			return fmt.Errorf("catalog: finish connection run: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE connections SET last_run_at=$1, last_status=$2, last_error=$3 WHERE id=$4 AND client_id=$5`,
			now, r.Status, r.Error, r.ConnectionID, r.ClientID); err != nil {
			return fmt.Errorf("catalog: finish connection run: %w", err)
		}
		return nil
	})
}

// ConnectionRuns lists a connection's newest runs first.
func (s *Store) ConnectionRuns(ctx context.Context, connID int64, limit int) ([]ConnectionRun, error) {
	if limit <= 0 || limit > 1000 {
		limit = 20
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, connection_id, client_id, origin, started_at, finished_at, status, pages,
		inserted, updated, unchanged, retries, cursor_from, cursor_to, error
		FROM connection_runs WHERE connection_id=$1 AND `+clientScope(ctx, "client_id")+` ORDER BY id DESC LIMIT $2`, connID, limit)
	if err != nil {
		return nil, fmt.Errorf("catalog: connection runs: %w", err)
	}
	defer rows.Close()
	var out []ConnectionRun
	for rows.Next() {
		var r ConnectionRun
		var fin sql.NullTime
		if err := rows.Scan(&r.ID, &r.ConnectionID, &r.ClientID, &r.Origin, &r.StartedAt, &fin, &r.Status, &r.Pages,
			&r.Inserted, &r.Updated, &r.Unchanged, &r.Retries, &r.CursorFrom, &r.CursorTo, &r.Error); err != nil {
			return nil, err
		}
		r.StartedAt, r.FinishedAt = r.StartedAt.UTC(), nullTime(fin)
		out = append(out, r)
	}
	return out, rows.Err()
}

// WebhookSeen reports whether a webhook delivery (by the platform's
// delivery id) was already taken for the connection.
func (s *Store) WebhookSeen(ctx context.Context, connID int64, webhookID string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM connection_webhooks w JOIN connections c ON c.id = w.connection_id
		WHERE w.connection_id=$1 AND w.webhook_id=$2 AND `+clientScope(ctx, "c.client_id"), connID, webhookID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("catalog: webhook seen: %w", err)
	}
	return n > 0, nil
}

// RecordWebhook remembers a webhook delivery once its data is written; it
// reports false when the delivery was already recorded.
func (s *Store) RecordWebhook(ctx context.Context, connID int64, webhookID, topic string) (bool, error) {
	if _, err := s.Connection(ctx, connID); err != nil {
		return false, err
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO connection_webhooks (connection_id, webhook_id, topic, received_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (connection_id, webhook_id) DO NOTHING`, connID, webhookID, topic, s.now())
	if err != nil {
		return false, fmt.Errorf("catalog: record webhook: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}
