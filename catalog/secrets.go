package catalog

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/daiyun/daiyun"
)

// Connector credentials are sealed with AES-256-GCM before they reach the
// catalog. A sealed value is the text
//
//	dyenc:v1:<key fingerprint>:<base64 of nonce ‖ ciphertext ‖ tag>
//
// and its additional data binds it to its connection's client, shop and
// kind, so a sealed value copied onto another row does not open. A value
// that does not start with "dyenc:" is a plaintext JSON object written by a
// version before encryption; SealCredentials rewrites those.

const sealPrefix = "dyenc:v1:"

// SecretKey is a 32-byte AES-256 key for connector credentials. Its
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
		return nil, errors.New("the sealed value does not open with its key: it was altered or moved to another connection")
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

// isSealed reports whether a stored credentials value is sealed.
func isSealed(s string) bool { return strings.HasPrefix(s, "dyenc:") }

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
