package catalog

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/daiyun/daiyun"
)

// Secrets the catalog stores are sealed with AES-256-GCM before they reach
// it: connector credentials (connectors_secrets.go), the alerting channels'
// webhook URLs and signing secrets and the agency SMTP password
// (alerts_secrets.go). A sealed value is the text
//
//	dyenc:v1:<key fingerprint>:<base64 of nonce ‖ ciphertext ‖ tag>
//
// and its additional data binds it to its row (a connection's client, shop
// and kind; a channel's id, client, kind and column; the SMTP server and
// user), so a sealed value copied onto another row does not open. A value
// that does not start with "dyenc:" is plaintext written by a version
// before encryption; the start-up passes (SealCredentials,
// SealAlertSecrets) rewrite those.

const sealPrefix = "dyenc:v1:"

// SecretKey is a 32-byte AES-256 key for the catalog's secrets. Its
// Fingerprint names it in sealed values, errors and logs; the key itself is
// never printed.
type SecretKey struct {
	aead cipher.AEAD
	fp   string
}

// NewSecretKey makes a key from exactly 32 bytes.
func NewSecretKey(b []byte) (*SecretKey, error) {
	if len(b) != 32 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "a secret key is 32 bytes, not %d", len(b))
	}
	block, err := aes.NewCipher(b)
	if err != nil {
		return nil, fmt.Errorf("catalog: secret key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("catalog: secret key: %w", err)
	}
	sum := sha256.Sum256(append([]byte("daiyun secret key fingerprint\x00"), b...))
	return &SecretKey{aead: aead, fp: hex.EncodeToString(sum[:6])}, nil
}

// ParseSecretKey reads a key written as base64 (standard or URL alphabet,
// padded or not) of 32 bytes, as secret_key / DAIYUN_SECRET_KEY and the key
// file hold it. The error never repeats the value.
func ParseSecretKey(s string) (*SecretKey, error) {
	s = strings.TrimSpace(s)
	var b []byte
	var err error
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err = enc.DecodeString(s); err == nil {
			break
		}
	}
	if err != nil {
		return nil, daiyun.Errorf(daiyun.EINVALID, "the secret key is not base64")
	}
	if len(b) != 32 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "the secret key is %d bytes once decoded; it must be 32 (openssl rand -base64 32)", len(b))
	}
	return NewSecretKey(b)
}

// GenerateSecretKey returns a new random key, base64-encoded.
func GenerateSecretKey() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// Fingerprint names the key: "sha256:" and 12 hex digits of a hash of it.
func (k *SecretKey) Fingerprint() string { return "sha256:" + k.fp }

// seal encrypts plain under the key, bound to aad.
func (k *SecretKey) seal(plain, aad []byte) string {
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(plain)+k.aead.Overhead())
	rand.Read(nonce)
	out := k.aead.Seal(nonce, nonce, plain, aad)
	return sealPrefix + k.fp + ":" + base64.StdEncoding.EncodeToString(out)
}

// errWrongKey marks a sealed value made under another key.
var errWrongKey = errors.New("sealed with another key")

// open decrypts a sealed value. It fails with errWrongKey when the value
// names another key's fingerprint.
func (k *SecretKey) open(sealed string, aad []byte) ([]byte, error) {
	fp, body, err := splitSealed(sealed)
	if err != nil {
		return nil, err
	}
	if fp != k.fp {
		return nil, fmt.Errorf("%w (sha256:%s)", errWrongKey, fp)
	}
	raw, err := base64.StdEncoding.DecodeString(body)
	if err != nil || len(raw) < k.aead.NonceSize()+k.aead.Overhead() {
		return nil, errors.New("the sealed value is damaged")
	}
	n := k.aead.NonceSize()
	plain, err := k.aead.Open(nil, raw[:n], raw[n:], aad)
	if err != nil {
		return nil, errors.New("the sealed value does not open with its key: it was altered or moved to another row")
	}
	return plain, nil
}

// splitSealed returns the key fingerprint and body of a sealed value.
func splitSealed(s string) (fp, body string, err error) {
	rest, ok := strings.CutPrefix(s, sealPrefix)
	if !ok {
		return "", "", errors.New("not a sealed value")
	}
	fp, body, ok = strings.Cut(rest, ":")
	if !ok || fp == "" {
		return "", "", errors.New("the sealed value is damaged")
	}
	return fp, body, nil
}

// isSealed reports whether a stored value is sealed.
func isSealed(s string) bool { return strings.HasPrefix(s, "dyenc:") }

// secretKeys are the keys a Store seals and opens secrets with: the current
// one, and previous ones whose sealed values the start-up passes re-seal
// under the current one (key rotation).
type secretKeys struct {
	current  *SecretKey
	previous []*SecretKey
}

// ErrNoSecretKey is returned when a secret is written, or a sealed one
// read, on a Store that was given no secret key.
var ErrNoSecretKey = errors.New("no secret key is configured for the catalog's secrets")

// KeyMismatchError says a stored secret was sealed with a key the Store
// does not have. The caller names its setting in the message it shows.
type KeyMismatchError struct {
	What       string // the value, e.g. "connection 3's credentials"
	Sealed     string // fingerprint of the key the value was sealed with
	Configured string // fingerprint of the configured key
}

func (e *KeyMismatchError) Error() string {
	return fmt.Sprintf("%s: encrypted with key %s, not with the configured key %s", e.What, e.Sealed, e.Configured)
}

// seal encrypts plain under the current key, bound to aad. what names the
// value in errors.
func (ks secretKeys) seal(what string, plain, aad []byte) (string, error) {
	if ks.current == nil {
		return "", fmt.Errorf("catalog: %s: %w", what, ErrNoSecretKey)
	}
	return ks.current.seal(plain, aad), nil
}

// open returns the plaintext of a stored value: a sealed one is opened with
// the configured key it names, a plaintext one (written before encryption,
// not yet re-sealed) is returned as it is.
func (ks secretKeys) open(what, stored string, aad []byte) ([]byte, error) {
	if !isSealed(stored) {
		return []byte(stored), nil
	}
	fp, _, err := splitSealed(stored)
	if err != nil {
		return nil, fmt.Errorf("catalog: %s: %w", what, err)
	}
	if ks.current == nil {
		return nil, fmt.Errorf("catalog: %s: %w", what, ErrNoSecretKey)
	}
	for _, k := range append([]*SecretKey{ks.current}, ks.previous...) {
		if k.fp == fp {
			plain, err := k.open(stored, aad)
			if err != nil {
				return nil, fmt.Errorf("catalog: %s: %w", what, err)
			}
			return plain, nil
		}
	}
	return nil, &KeyMismatchError{What: what, Sealed: "sha256:" + fp, Configured: ks.current.Fingerprint()}
}

// reseal is one value's step of a start-up pass: it opens the stored value
// and, when it is plaintext or sealed with a previous key, returns it
// sealed under the current key with changed set; a value already under the
// current key only has to open. It counts what it did in rep. valid, when
// not nil, checks the plaintext before it is sealed.
func (ks secretKeys) reseal(rep *SealReport, what, stored string, aad []byte, valid func([]byte) error) (val string, changed bool, err error) {
	if ks.current == nil {
		return "", false, fmt.Errorf("catalog: %s: %w", what, ErrNoSecretKey)
	}
	plain, err := ks.open(what, stored, aad)
	if err != nil {
		return "", false, err
	}
	if valid != nil {
		if err := valid(plain); err != nil {
			return "", false, fmt.Errorf("catalog: %s: %w", what, err)
		}
	}
	fp, _, _ := splitSealed(stored)
	switch {
	case !isSealed(stored):
		rep.Sealed++
	case fp != ks.current.fp:
		rep.Resealed++
	default:
		rep.Verified++
		return stored, false, nil
	}
	val, err = ks.seal(what, plain, aad)
	return val, err == nil, err
}

// SealReport counts what a start-up pass (SealCredentials,
// SealAlertSecrets) did.
type SealReport struct {
	Sealed   int // plaintext values encrypted
	Resealed int // values moved from a previous key to the current one
	Verified int // values already under the current key that opened
}

// Add sums two reports.
func (r SealReport) Add(o SealReport) SealReport {
	return SealReport{Sealed: r.Sealed + o.Sealed, Resealed: r.Resealed + o.Resealed, Verified: r.Verified + o.Verified}
}

// SetSecretKey gives the Store the key its secrets are sealed with, and any
// previous keys whose sealed values the start-up passes re-seal. cmd/daiyun
// calls it once at start-up, before anything reads a secret.
func (s *Store) SetSecretKey(current *SecretKey, previous ...*SecretKey) {
	s.secrets = secretKeys{current: current, previous: previous}
}

// SecretKeyFingerprint is the configured key's fingerprint, "" without one.
func (s *Store) SecretKeyFingerprint() string {
	if s.secrets.current == nil {
		return ""
	}
	return s.secrets.current.Fingerprint()
}

// SealedKeyFingerprints lists the fingerprints of the keys the stored
// secrets (connector credentials, alert channels, SMTP password) are sealed
// with; none on a catalog without sealed secrets. It reads no secret;
// cmd/daiyun asks it at start-up to decide whether a key may be generated.
func (s *Store) SealedKeyFingerprints(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT credentials FROM connections WHERE credentials LIKE 'dyenc:%'
		UNION ALL SELECT url FROM alert_channels WHERE url LIKE 'dyenc:%'
		UNION ALL SELECT secret FROM alert_channels WHERE secret LIKE 'dyenc:%'
		UNION ALL SELECT password FROM alert_smtp WHERE password LIKE 'dyenc:%'`)
	if err != nil {
		return nil, fmt.Errorf("catalog: sealed secrets: %w", err)
	}
	defer rows.Close()
	seen := map[string]bool{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, fmt.Errorf("catalog: sealed secrets: %w", err)
		}
		fp, _, err := splitSealed(v)
		if err != nil {
			fp = "damaged"
		}
		seen["sha256:"+fp] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("catalog: sealed secrets: %w", err)
	}
	out := make([]string, 0, len(seen))
	for fp := range seen {
		out = append(out, fp)
	}
	sort.Strings(out)
	return out, nil
}

// credentialsAAD binds sealed credentials to their connection.
func credentialsAAD(clientID, shopID int64, kind string) []byte {
	return fmt.Appendf(nil, "daiyun connection credentials\x00%d\x00%d\x00%s", clientID, shopID, kind)
}

// SecretFingerprint is a short, one-way fingerprint of a secret value, to
// show which secret is stored without showing it.
func SecretFingerprint(v string) string {
	sum := sha256.Sum256([]byte(v))
	return "sha256:" + hex.EncodeToString(sum[:4])
}
