package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/daiyun/daiyun"
)

// Import statuses. An import still "running" whose process is gone was
// interrupted; its batches are idempotent, so importing the file again
// completes it.
const (
	ImportRunning   = "running"
	ImportCommitted = "committed"
	ImportFailed    = "failed"
)

// ImportRecord is one run of an import: a file, an API batch or a sync.
type ImportRecord struct {
	ID         string          `json:"id"`
	ClientID   int64           `json:"client_id"`
	ShopID     int64           `json:"shop_id"`
	UserID     int64           `json:"user_id,omitempty"`
	File       string          `json:"file"`
	Source     string          `json:"source"` // file, api, connector
	Status     string          `json:"status"`
	Fixes      string          `json:"fixes,omitempty"` // the import whose quarantine this one corrects
	StartedAt  time.Time       `json:"started_at"`
	FinishedAt *time.Time      `json:"finished_at,omitempty"`
	Report     json.RawMessage `json:"report"`
}

// QuarantineRow is one row an import could not take, kept with its reason.
type QuarantineRow struct {
	ID         int64    `json:"id"`
	ImportID   string   `json:"import_id"`
	ClientID   int64    `json:"client_id"`
	ShopID     int64    `json:"shop_id"`
	File       string   `json:"file"`
	Format     string   `json:"format"`
	Row        int      `json:"row"`
	Column     string   `json:"column"`
	Value      string   `json:"value"`
	Reason     string   `json:"reason"`
	Raw        []string `json:"raw"`
	Header     []string `json:"header"`
	Status     string   `json:"status"` // open or resolved
	ResolvedBy string   `json:"resolved_by,omitempty"`
}

// mustImport fails unless the actor may bring data in for the client:
// agency staff of the client, or the client's API key.
func mustImport(ctx context.Context, clientID int64) error {
	a := daiyun.ActorFrom(ctx)
	if !a.CanSeeClient(clientID) {
		return notFound("client", clientID)
	}
	if !a.IsStaff() && a.APIKeyID == 0 {
		return daiyun.Errorf(daiyun.EFORBIDDEN, "data is imported by the agency's staff or the client's API key")
	}
	return nil
}

// CheckImport fails unless the actor may bring data in for the client, as
// StartImport and RecordImport do; a caller that records its run only once
// it has ended checks first.
func (s *Store) CheckImport(ctx context.Context, clientID int64) error {
	return mustImport(ctx, clientID)
}

// StartImport records a run as running.
func (s *Store) StartImport(ctx context.Context, r *ImportRecord) error {
	if err := mustImport(ctx, r.ClientID); err != nil {
		return err
	}
	r.Status, r.StartedAt = ImportRunning, s.now()
	r.UserID = daiyun.ActorFrom(ctx).UserID
	if len(r.Report) == 0 {
		r.Report = json.RawMessage("{}")
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO imports (id, client_id, shop_id, user_id, file, source, status, fixes, started_at, report)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`, r.ID, r.ClientID, r.ShopID, nullID(r.UserID), r.File, r.Source, r.Status, r.Fixes, r.StartedAt, string(r.Report))
	if err != nil {
		return fmt.Errorf("catalog: start import: %w", err)
	}
	return nil
}

// FinishImport records how a run ended and its report. When the run fixes
// an earlier import's quarantine, that import's open rows are marked
// resolved by this one: rows the fix still could not take are in this
// run's own quarantine.
func (s *Store) FinishImport(ctx context.Context, id, status string, report any) error {
	b, err := json.Marshal(report)
	if err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		var clientID int64
		var fixes string
		if err := tx.QueryRowContext(ctx, `SELECT client_id, fixes FROM imports WHERE id=$1 AND `+clientScope(ctx, "client_id"), id).Scan(&clientID, &fixes); err != nil {
			if isNoRows(err) {
				return notFound("import", id)
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE imports SET status=$1, finished_at=$2, report=$3 WHERE id=$4`, status, s.now(), string(b), id); err != nil {
			return fmt.Errorf("catalog: finish import: %w", err)
		}
		if fixes != "" && status == ImportCommitted {
			if _, err := tx.ExecContext(ctx, `UPDATE quarantine SET status='resolved', resolved_by=$1 WHERE import_id=$2 AND client_id=$3 AND status='open'`,
				id, fixes, clientID); err != nil {
				return fmt.Errorf("catalog: resolve quarantine: %w", err)
			}
		}
		return nil
	})
}

// RecordImport records a run that has already ended — an API batch, whose
// rows were written in one warehouse transaction — with its report and
// quarantined rows, in one catalog transaction: one statement for the
// record, one per rejected row, instead of a start, a finish and a
// quarantine transaction. r.Status must be ImportCommitted or ImportFailed.
func (s *Store) RecordImport(ctx context.Context, r *ImportRecord, report any, quarantine []QuarantineRow) error {
	if err := mustImport(ctx, r.ClientID); err != nil {
		return err
	}
	b, err := json.Marshal(report)
	if err != nil {
		return err
	}
	now := s.now()
	if r.StartedAt.IsZero() {
		r.StartedAt = now
	}
	r.UserID, r.FinishedAt, r.Report = daiyun.ActorFrom(ctx).UserID, &now, b
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO imports (id, client_id, shop_id, user_id, file, source, status, fixes, started_at, finished_at, report)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`, r.ID, r.ClientID, r.ShopID, nullID(r.UserID), r.File, r.Source, r.Status, r.Fixes,
			r.StartedAt, now, string(b)); err != nil {
			return fmt.Errorf("catalog: record import: %w", err)
		}
		return saveQuarantineTx(ctx, tx, quarantine, now)
	})
}

// SaveQuarantine keeps rejected rows of an import.
func (s *Store) SaveQuarantine(ctx context.Context, rows []QuarantineRow) error {
	if len(rows) == 0 {
		return nil
	}
	if err := mustImport(ctx, rows[0].ClientID); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error { return saveQuarantineTx(ctx, tx, rows, s.now()) })
}

func saveQuarantineTx(ctx context.Context, tx *sql.Tx, rows []QuarantineRow, now time.Time) error {
	for _, r := range rows {
		raw, _ := json.Marshal(r.Raw)
		header, _ := json.Marshal(r.Header)
		if _, err := tx.ExecContext(ctx, `INSERT INTO quarantine (import_id, client_id, shop_id, file, format, row_no, col, value, reason, raw, header, created_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`, r.ImportID, r.ClientID, r.ShopID, r.File, r.Format, r.Row, r.Column, r.Value, r.Reason,
			string(raw), string(header), now); err != nil {
			return fmt.Errorf("catalog: save quarantine: %w", err)
		}
	}
	return nil
}

const importCols = `id, client_id, shop_id, COALESCE(user_id,0), file, source, status, fixes, started_at, finished_at, report`

func scanImport(row interface{ Scan(...any) error }) (ImportRecord, error) {
	var r ImportRecord
	var report string
	err := row.Scan(&r.ID, &r.ClientID, &r.ShopID, &r.UserID, &r.File, &r.Source, &r.Status, &r.Fixes, &r.StartedAt, &r.FinishedAt, &report)
	r.Report = json.RawMessage(report)
	return r, err
}

// Imports lists the newest runs of the clients the actor sees (clientID
// 0: all), newest first.
func (s *Store) Imports(ctx context.Context, clientID int64, limit int) ([]ImportRecord, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	q, args := `SELECT `+importCols+` FROM imports WHERE `+clientScope(ctx, "client_id"), []any{}
	if clientID != 0 {
		args = append(args, clientID)
		q += ` AND client_id=$1`
	}
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY started_at DESC LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("catalog: imports: %w", err)
	}
	defer rows.Close()
	var out []ImportRecord
	for rows.Next() {
		r, err := scanImport(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Import returns one run the actor may see.
func (s *Store) Import(ctx context.Context, id string) (ImportRecord, error) {
	r, err := scanImport(s.db.QueryRowContext(ctx, `SELECT `+importCols+` FROM imports WHERE id=$1 AND `+clientScope(ctx, "client_id"), id))
	if isNoRows(err) {
		return r, notFound("import", id)
	}
	return r, err
}

// QuarantineFilter selects quarantined rows.
type QuarantineFilter struct {
	ImportID string
	ClientID int64
	ShopID   int64
	OnlyOpen bool
	Limit    int
}

// Quarantine lists quarantined rows the actor may see, in file order.
func (s *Store) Quarantine(ctx context.Context, f QuarantineFilter) ([]QuarantineRow, error) {
	q, args := `SELECT id, import_id, client_id, shop_id, file, format, row_no, col, value, reason, raw, header, status, resolved_by
		FROM quarantine WHERE `+clientScope(ctx, "client_id"), []any{}
	add := func(cond string, v any) {
		args = append(args, v)
		q += " AND " + cond + "$" + strconv.Itoa(len(args))
	}
	if f.ImportID != "" {
		add("import_id=", f.ImportID)
	}
	if f.ClientID != 0 {
		add("client_id=", f.ClientID)
	}
	if f.ShopID != 0 {
		add("shop_id=", f.ShopID)
	}
	if f.OnlyOpen {
		q += " AND status='open'"
	}
	if f.Limit <= 0 || f.Limit > 100000 {
		f.Limit = 100000
	}
	args = append(args, f.Limit)
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY import_id, row_no, id LIMIT $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, fmt.Errorf("catalog: quarantine: %w", err)
	}
	defer rows.Close()
	var out []QuarantineRow
	for rows.Next() {
		var r QuarantineRow
		var raw, header string
		if err := rows.Scan(&r.ID, &r.ImportID, &r.ClientID, &r.ShopID, &r.File, &r.Format, &r.Row, &r.Column, &r.Value, &r.Reason, &raw, &header, &r.Status, &r.ResolvedBy); err != nil {
			return nil, err
		}
		json.Unmarshal([]byte(raw), &r.Raw)
		json.Unmarshal([]byte(header), &r.Header)
		out = append(out, r)
	}
	return out, rows.Err()
}

// QuarantineCounts returns the open quarantined rows per shop of the
// clients the actor sees.
func (s *Store) QuarantineCounts(ctx context.Context, clientID int64) (map[int64]int, error) {
	q, args := `SELECT shop_id, COUNT(*) FROM quarantine WHERE status='open' AND `+clientScope(ctx, "client_id"), []any{}
	if clientID != 0 {
		q += ` AND client_id=$1`
		args = append(args, clientID)
	}
	rows, err := s.db.QueryContext(ctx, q+` GROUP BY shop_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("catalog: quarantine counts: %w", err)
	}
	defer rows.Close()
	out := map[int64]int{}
	for rows.Next() {
		var shop int64
		var n int
		if err := rows.Scan(&shop, &n); err != nil {
			return nil, err
		}
		out[shop] = n
	}
	return out, rows.Err()
}

// Mapping is a saved column mapping of a shop, as JSON (ingest.Mapping).
type Mapping struct {
	ShopID int64           `json:"shop_id"`
	Name   string          `json:"name"`
	Body   json.RawMessage `json:"mapping"`
}

// SaveMapping stores a mapping for a shop, replacing one of the same name.
func (s *Store) SaveMapping(ctx context.Context, clientID, shopID int64, name string, body []byte) error {
	if err := mustImport(ctx, clientID); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO column_mappings (client_id, shop_id, name, body, updated_at) VALUES ($1,$2,$3,$4,$5)
		ON CONFLICT (shop_id, name) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`, clientID, shopID, name, string(body), s.now())
	if err != nil {
		return fmt.Errorf("catalog: save mapping: %w", err)
	}
	return s.audit(ctx, clientID, "mapping.save", fmt.Sprintf("shop %d %s", shopID, name))
}

// Mappings lists a shop's saved mappings.
func (s *Store) Mappings(ctx context.Context, shopID int64) ([]Mapping, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT shop_id, name, body FROM column_mappings WHERE shop_id=$1 AND `+clientScope(ctx, "client_id")+` ORDER BY name`, shopID)
	if err != nil {
		return nil, fmt.Errorf("catalog: mappings: %w", err)
	}
	defer rows.Close()
	var out []Mapping
	for rows.Next() {
		var m Mapping
		var body string
		if err := rows.Scan(&m.ShopID, &m.Name, &body); err != nil {
			return nil, err
		}
		m.Body = json.RawMessage(body)
		out = append(out, m)
	}
	return out, rows.Err()
}

// IdempotentResponse returns the stored answer to an earlier request with
// the same Idempotency-Key from the client, if any.
func (s *Store) IdempotentResponse(ctx context.Context, clientID int64, key string) (request, response []byte, ok bool, err error) {
	var req, resp string
	err = s.db.QueryRowContext(ctx, `SELECT request, response FROM idempotency_keys WHERE client_id=$1 AND key=$2 AND `+clientScope(ctx, "client_id"),
		clientID, key).Scan(&req, &resp)
	if isNoRows(err) {
		return nil, nil, false, nil
	}
	return []byte(req), []byte(resp), err == nil, err
}

// SaveIdempotentResponse remembers the answer to a request with an
// Idempotency-Key (request is a digest of the body, so a reused key with a
// different body can be refused).
func (s *Store) SaveIdempotentResponse(ctx context.Context, clientID int64, key string, request, response []byte) error {
	if err := mustImport(ctx, clientID); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO idempotency_keys (client_id, key, request, response, created_at) VALUES ($1,$2,$3,$4,$5)
		ON CONFLICT (client_id, key) DO NOTHING`, clientID, key, string(request), string(response), s.now())
	return err
}
