package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
)

// credentialKeys are the keys a Store seals and opens connector credentials
// with: the current one, and previous ones that SealCredentials re-seals
// under the current one (key rotation).
type credentialKeys struct {
	current  *SecretKey
	previous []*SecretKey
}

// ErrNoSecretKey is returned when connector credentials are written or read
// on a Store that was given no secret key.
var ErrNoSecretKey = errors.New("no secret key is configured for connector credentials")

// KeyMismatchError says stored credentials were sealed with a key the
// Store does not have. The caller names its setting in the message it shows.
type KeyMismatchError struct {
	ConnectionID int64
	Sealed       string // fingerprint of the key the row was sealed with
	Configured   string // fingerprint of the configured key
}

func (e *KeyMismatchError) Error() string {
	return fmt.Sprintf("connection %d's credentials were encrypted with key %s, not with the configured key %s", e.ConnectionID, e.Sealed, e.Configured)
}

// SetSecretKey gives the Store the key connector credentials are sealed
// with, and any previous keys whose sealed rows SealCredentials re-seals.
// cmd/daiyun calls it once at start-up, before anything reads connections.
func (s *Store) SetSecretKey(current *SecretKey, previous ...*SecretKey) {
	s.secrets = credentialKeys{current: current, previous: previous}
}

// SecretKeyFingerprint is the configured key's fingerprint, "" without one.
func (s *Store) SecretKeyFingerprint() string {
	if s.secrets.current == nil {
		return ""
	}
	return s.secrets.current.Fingerprint()
}

// sealCredentials encrypts a connection's credentials for storage.
func (s *Store) sealCredentials(c *Connection) (string, error) {
	if s.secrets.current == nil {
		return "", fmt.Errorf("catalog: connection credentials: %w", ErrNoSecretKey)
	}
	plain, err := json.Marshal(nonNilMap(c.Credentials))
	if err != nil {
		return "", fmt.Errorf("catalog: connection credentials: %w", err)
	}
	return s.secrets.current.seal(plain, credentialsAAD(c.ClientID, c.ShopID, c.Kind)), nil
}

// openCredentials decrypts a stored credentials value into c.Credentials.
// A plaintext value (written before encryption, not yet re-sealed) is read
// as it is.
func (s *Store) openCredentials(c *Connection, stored string) error {
	plain := []byte(stored)
	if isSealed(stored) {
		k, err := s.keyFor(c.ID, stored)
		if err != nil {
			return err
		}
		if plain, err = k.open(stored, credentialsAAD(c.ClientID, c.ShopID, c.Kind)); err != nil {
			return fmt.Errorf("catalog: connection %d credentials: %w", c.ID, err)
		}
	}
	if err := json.Unmarshal(plain, &c.Credentials); err != nil {
		return fmt.Errorf("catalog: connection %d credentials are not a JSON object: %w", c.ID, err)
	}
	return nil
}

// keyFor finds the configured key a sealed value names.
func (s *Store) keyFor(connID int64, sealed string) (*SecretKey, error) {
	fp, _, err := splitSealed(sealed)
	if err != nil {
		return nil, fmt.Errorf("catalog: connection %d credentials: %w", connID, err)
	}
	if s.secrets.current == nil {
		return nil, fmt.Errorf("catalog: connection %d credentials: %w", connID, ErrNoSecretKey)
	}
	for _, k := range append([]*SecretKey{s.secrets.current}, s.secrets.previous...) {
		if k.fp == fp {
			return k, nil
		}
	}
	return nil, &KeyMismatchError{ConnectionID: connID, Sealed: "sha256:" + fp, Configured: s.secrets.current.Fingerprint()}
}

// SealedKeyFingerprints lists the fingerprints of the keys stored
// credentials are sealed with (none on a catalog without sealed
// credentials). It reads no secret; cmd/daiyun asks it at start-up to
// decide whether a key may be generated.
func (s *Store) SealedKeyFingerprints(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT credentials FROM connections WHERE credentials LIKE 'dyenc:%'`)
	if err != nil {
		return nil, fmt.Errorf("catalog: sealed credentials: %w", err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("catalog: sealed credentials: %w", err)
		}
		fp, _, err := splitSealed(v)
		if err != nil {
			fp = "damaged"
		}
		seen["sha256:"+fp] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("catalog: sealed credentials: %w", err)
	}
	out := make([]string, 0, len(seen))
	for fp := range seen {
		out = append(out, fp)
	}
	sort.Strings(out)
	return out, nil
}

// SealReport counts what SealCredentials did.
type SealReport struct {
	Sealed   int // plaintext rows encrypted
	Resealed int // rows moved from a previous key to the current one
	Verified int // rows already under the current key that opened
}

// SealCredentials brings every connection's stored credentials under the
// current key, in one transaction: plaintext rows (from before encryption)
// are encrypted, rows sealed with a previous key are re-sealed, and rows
// already sealed are checked to open. It fails with a *KeyMismatchError on
// a row sealed with a key the Store does not have, and changes nothing
// then. It runs at start-up, below the actor checks: it only rewrites
// values in place.
func (s *Store) SealCredentials(ctx context.Context) (SealReport, error) {
	var rep SealReport
	if s.secrets.current == nil {
		return rep, fmt.Errorf("catalog: seal credentials: %w", ErrNoSecretKey)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT id, client_id, shop_id, kind, credentials FROM connections ORDER BY id`)
		if err != nil {
			return fmt.Errorf("catalog: seal credentials: %w", err)
		}
		type update struct {
			id  int64
			val string
		}
		var updates []update
		for rows.Next() {
			var c Connection
			var stored string
			if err := rows.Scan(&c.ID, &c.ClientID, &c.ShopID, &c.Kind, &stored); err != nil {
				rows.Close()
				return fmt.Errorf("catalog: seal credentials: %w", err)
			}
			if err := s.openCredentials(&c, stored); err != nil {
				rows.Close()
				return err
			}
			fp, _, _ := splitSealed(stored)
			switch {
			case !isSealed(stored):
				rep.Sealed++
			case fp != s.secrets.current.fp:
				rep.Resealed++
			default:
				rep.Verified++
				continue
			}
			val, err := s.sealCredentials(&c)
			if err != nil {
				rows.Close()
				return err
			}
			updates = append(updates, update{c.ID, val})
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("catalog: seal credentials: %w", err)
		}
		for _, u := range updates {
			if _, err := tx.ExecContext(ctx, `UPDATE connections SET credentials=$1 WHERE id=$2`, u.val, u.id); err != nil {
				return fmt.Errorf("catalog: seal credentials of connection %d: %w", u.id, err)
			}
		}
		return nil
	})
	if err != nil {
		return SealReport{}, err
	}
	return rep, nil
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
