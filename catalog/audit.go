package catalog

import (
	"context"
	"fmt"
	"time"

	"github.com/daiyun/daiyun"
)

// AuditEntry is one line of the audit log: who did what to which client.
type AuditEntry struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	UserID   int64     `json:"user_id"`
	ClientID int64     `json:"client_id"`
	Action   string    `json:"action"`
	Detail   string    `json:"detail"`
}

// audit records an action by the actor in ctx.
func (s *Store) audit(ctx context.Context, clientID int64, action, detail string) error {
	a := daiyun.ActorFrom(ctx)
	_, err := s.db.ExecContext(ctx, `INSERT INTO audit_log (at, user_id, client_id, action, detail) VALUES ($1,$2,$3,$4,$5)`,
		s.now(), nullID(a.UserID), nullID(clientID), action, detail)
	if err != nil {
		return fmt.Errorf("catalog: audit: %w", err)
	}
	return nil
}

// Audit records an action of another package, e.g. an export (A5: exports
// are audited).
func (s *Store) Audit(ctx context.Context, clientID int64, action, detail string) error {
	return s.audit(ctx, clientID, action, detail)
}

// AuditLog lists the newest entries for the clients the actor sees (agency
// entries without a client only for those who see all clients).
func (s *Store) AuditLog(ctx context.Context, limit int) ([]AuditEntry, error) {
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	scope := clientScope(ctx, "client_id")
	if _, all := daiyun.ActorFrom(ctx).VisibleClients(); all {
		scope = "1=1"
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, at, COALESCE(user_id,0), COALESCE(client_id,0), action, detail
		FROM audit_log WHERE `+scope+` ORDER BY id DESC LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("catalog: audit log: %w", err)
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		if err := rows.Scan(&e.ID, &e.At, &e.UserID, &e.ClientID, &e.Action, &e.Detail); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
