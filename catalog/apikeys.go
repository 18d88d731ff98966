package catalog

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/daiyun/daiyun"
)

// API keys look like dyk_<prefix>_<secret>. The prefix finds the row; only a
// SHA-256 of the whole key is stored (the secret has 256 bits, so a slow
// hash adds nothing).

// CreateAPIKey makes a key scoped to one client and returns it with its
// secret, which is never shown again.
func (s *Store) CreateAPIKey(ctx context.Context, clientID int64, name string) (daiyun.APIKey, error) {
	if err := mustManage(ctx); err != nil {
		return daiyun.APIKey{}, err
	}
	if _, err := s.Client(ctx, clientID); err != nil {
		return daiyun.APIKey{}, err
	}
	if strings.TrimSpace(name) == "" {
		name = "ingest"
	}
	p, sec := make([]byte, 6), make([]byte, 32)
	rand.Read(p)
	rand.Read(sec)
	k := daiyun.APIKey{ClientID: clientID, Name: name, Prefix: hex.EncodeToString(p), CreatedAt: s.now()}
	k.Secret = "dyk_" + k.Prefix + "_" + hex.EncodeToString(sec)
	sum := sha256.Sum256([]byte(k.Secret))
	err := s.db.QueryRowContext(ctx, `INSERT INTO api_keys (client_id, name, prefix, hash, created_at) VALUES ($1,$2,$3,$4,$5) RETURNING id`,
		clientID, name, k.Prefix, hex.EncodeToString(sum[:]), k.CreatedAt).Scan(&k.ID)
	if err != nil {
		return daiyun.APIKey{}, fmt.Errorf("catalog: create api key: %w", err)
	}
	return k, s.audit(ctx, clientID, "apikey.create", k.Prefix)
}

// APIKeys lists the (unrevoked) keys of the clients the actor sees, without
// secrets.
func (s *Store) APIKeys(ctx context.Context, clientID int64) ([]daiyun.APIKey, error) {
	q := `SELECT id, client_id, name, prefix, created_at, last_used FROM api_keys WHERE NOT revoked AND ` + clientScope(ctx, "client_id")
	args := []any{}
	if clientID != 0 {
		q += ` AND client_id=$1`
		args = append(args, clientID)
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("catalog: list api keys: %w", err)
	}
	defer rows.Close()
	var out []daiyun.APIKey
	for rows.Next() {
		var k daiyun.APIKey
		if err := rows.Scan(&k.ID, &k.ClientID, &k.Name, &k.Prefix, &k.CreatedAt, &k.LastUsed); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// RevokeAPIKey disables a key.
func (s *Store) RevokeAPIKey(ctx context.Context, id int64) error {
	if err := mustManage(ctx); err != nil {
		return err
	}
	var clientID int64
	err := s.db.QueryRowContext(ctx, `UPDATE api_keys SET revoked=TRUE WHERE id=$1 AND NOT revoked AND `+clientScope(ctx, "client_id")+` RETURNING client_id`, id).Scan(&clientID)
	if isNoRows(err) {
		return notFound("api key", id)
	}
	if err != nil {
		return fmt.Errorf("catalog: revoke api key: %w", err)
	}
	return s.audit(ctx, clientID, "apikey.revoke", fmt.Sprint(id))
}

// ActorForAPIKey checks a presented key and returns the actor it acts as.
func (s *Store) ActorForAPIKey(ctx context.Context, secret string) (daiyun.Actor, error) {
	bad := daiyun.Errorf(daiyun.EUNAUTHORIZED, "invalid API key")
	parts := strings.Split(secret, "_")
	if len(parts) != 3 || parts[0] != "dyk" {
		return daiyun.Actor{}, bad
	}
	var id, clientID int64
	var hash string
	err := s.db.QueryRowContext(ctx, `SELECT id, client_id, hash FROM api_keys WHERE prefix=$1 AND NOT revoked`, parts[1]).Scan(&id, &clientID, &hash)
	if err != nil {
		return daiyun.Actor{}, bad
	}
	sum := sha256.Sum256([]byte(secret))
	if subtle.ConstantTimeCompare([]byte(hex.EncodeToString(sum[:])), []byte(hash)) != 1 {
		return daiyun.Actor{}, bad
	}
	s.db.ExecContext(ctx, `UPDATE api_keys SET last_used=$1 WHERE id=$2`, s.now(), id)
	return daiyun.Actor{APIKeyID: id, ClientID: clientID, Role: daiyun.RoleClientViewer}, nil
}
