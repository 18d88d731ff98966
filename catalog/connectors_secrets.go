package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
)

// Connector credentials are stored as their JSON object sealed under the
// Store's secret key (secrets.go), bound to the connection's client, shop
// and kind.

// credentialsWhat names a connection's credentials in errors.
func credentialsWhat(id int64) string { return fmt.Sprintf("connection %d's credentials", id) }

// sealCredentials encrypts a connection's credentials for storage.
func (s *Store) sealCredentials(c *Connection) (string, error) {
	plain, err := json.Marshal(nonNilMap(c.Credentials))
	if err != nil {
		return "", fmt.Errorf("catalog: connection credentials: %w", err)
	}
	return s.secrets.seal("connection credentials", plain, credentialsAAD(c.ClientID, c.ShopID, c.Kind))
}

// openCredentials decrypts a stored credentials value into c.Credentials.
// A plaintext value (written before encryption, not yet re-sealed) is read
// as it is.
func (s *Store) openCredentials(c *Connection, stored string) error {
	plain, err := s.secrets.open(credentialsWhat(c.ID), stored, credentialsAAD(c.ClientID, c.ShopID, c.Kind))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(plain, &c.Credentials); err != nil {
		return fmt.Errorf("catalog: connection %d credentials are not a JSON object: %w", c.ID, err)
	}
	return nil
}

// credentialsObject checks that opened credentials are a JSON object.
func credentialsObject(plain []byte) error {
	var m map[string]string
	if err := json.Unmarshal(plain, &m); err != nil {
		return fmt.Errorf("not a JSON object: %w", err)
	}
	return nil
}

// SealCredentials brings every connection's stored credentials under the
// current key, in one transaction: plaintext rows (from before encryption)
// are encrypted, rows sealed with a previous key are re-sealed, and rows
// already sealed are checked to open. It fails with a *KeyMismatchError on
// a row sealed with a key the Store does not have, and changes nothing
// then. It runs at start-up, below the actor checks: it only rewrites
// values in place.
func (s *Store) SealCredentials(ctx context.Context) (SealReport, error) {
	return s.sealPass(ctx, s.resealConnections)
}

// resealConnections is SealCredentials' pass over the connections.
func (s *Store) resealConnections(ctx context.Context, q queryer, rep *SealReport) ([]sealUpdate, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, client_id, shop_id, kind, credentials FROM connections ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("catalog: seal credentials: %w", err)
	}
	defer rows.Close()
	var updates []sealUpdate
	for rows.Next() {
		var c Connection
		var stored string
		if err := rows.Scan(&c.ID, &c.ClientID, &c.ShopID, &c.Kind, &stored); err != nil {
			return nil, fmt.Errorf("catalog: seal credentials: %w", err)
		}
		val, changed, err := s.secrets.reseal(rep, credentialsWhat(c.ID), stored, credentialsAAD(c.ClientID, c.ShopID, c.Kind), credentialsObject)
		if err != nil {
			return nil, err
		}
		if changed {
			updates = append(updates, sealUpdate{credentialsWhat(c.ID), `UPDATE connections SET credentials=$1 WHERE id=$2`, []any{val, c.ID}})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("catalog: seal credentials: %w", err)
	}
	return updates, nil
}

// queryer is what a seal pass reads through: the database, or the
// transaction that then rewrites.
type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// sealPass runs a start-up pass that brings stored secrets under the
// current key. It reads first without a transaction, so the usual start —
// everything already sealed under the current key — takes no write lock;
// only when something must be rewritten does it read again and rewrite in
// one transaction.
func (s *Store) sealPass(ctx context.Context, scan func(context.Context, queryer, *SealReport) ([]sealUpdate, error)) (SealReport, error) {
	var rep SealReport
	updates, err := scan(ctx, s.db, &rep)
	if err != nil {
		return SealReport{}, err
	}
	if len(updates) == 0 {
		return rep, nil
	}
	rep = SealReport{}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		updates, err := scan(ctx, tx, &rep)
		if err != nil {
			return err
		}
		return applySealUpdates(ctx, tx, updates)
	})
	if err != nil {
		return SealReport{}, err
	}
	return rep, nil
}

// sealUpdate is one rewrite a start-up pass makes once it has read every
// row: the statement and its arguments, and what it rewrites for errors.
type sealUpdate struct {
	what string
	sql  string
	args []any
}

// applySealUpdates runs a start-up pass's rewrites in its transaction.
func applySealUpdates(ctx context.Context, tx *sql.Tx, updates []sealUpdate) error {
	for _, u := range updates {
		if _, err := tx.ExecContext(ctx, u.sql, u.args...); err != nil {
			return fmt.Errorf("catalog: seal %s: %w", u.what, err)
		}
	}
	return nil
}

// CredentialFingerprints shows a connection's credentials without their
// values: each name with a short one-way fingerprint of its value.
func (c Connection) CredentialFingerprints() map[string]string {
	out := make(map[string]string, len(c.Credentials))
	for k, v := range c.Credentials {
		out[k] = SecretFingerprint(v)
	}
	return out
}
