package catalog

import (
	"context"
	"time"
)

// SessionStore keeps web sessions in the catalog so they survive a restart
// and are shared by several server processes. It implements the
// CtxStore interface of github.com/alexedwards/scs/v2.
type SessionStore struct{ s *Store }

// Sessions returns the store's session store.
func (s *Store) Sessions() SessionStore { return SessionStore{s} }

// FindCtx returns the session data for a token that has not expired.
func (ss SessionStore) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var data []byte
	err := ss.s.db.QueryRowContext(ctx, `SELECT data FROM sessions WHERE token=$1 AND expiry > $2`, token, unix(time.Now())).Scan(&data)
	if isNoRows(err) {
		return nil, false, nil
	}
	return data, err == nil, err
}

// CommitCtx saves session data.
func (ss SessionStore) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	_, err := ss.s.db.ExecContext(ctx, `INSERT INTO sessions (token, data, expiry) VALUES ($1, $2, $3)
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`, token, b, unix(expiry))
	return err
}

// DeleteCtx removes a session.
func (ss SessionStore) DeleteCtx(ctx context.Context, token string) error {
	_, err := ss.s.db.ExecContext(ctx, `DELETE FROM sessions WHERE token=$1`, token)
	return err
}

// Find, Commit and Delete satisfy the context-free scs.Store interface.
func (ss SessionStore) Find(token string) ([]byte, bool, error) {
	return ss.FindCtx(context.Background(), token)
}

// Commit saves session data.
func (ss SessionStore) Commit(token string, b []byte, expiry time.Time) error {
	return ss.CommitCtx(context.Background(), token, b, expiry)
}

// Delete removes a session.
func (ss SessionStore) Delete(token string) error { return ss.DeleteCtx(context.Background(), token) }

// PurgeExpired deletes expired sessions.
func (ss SessionStore) PurgeExpired(ctx context.Context) error {
	_, err := ss.s.db.ExecContext(ctx, `DELETE FROM sessions WHERE expiry <= $1`, unix(time.Now()))
	return err
}

func unix(t time.Time) float64 { return float64(t.UnixNano()) / 1e9 }
