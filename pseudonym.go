package daiyun

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"strings"
)

// Pseudonym turns a buyer identity (member name, e-mail, phone) into the
// stable pseudonymous id stored in the warehouse (PRODUCT.md B6): an
// HMAC-SHA256 under the client's own key, so ids cannot be joined across
// clients and the raw identity is never stored. Empty input stays empty.
func Pseudonym(clientKey []byte, identity string) string {
	identity = strings.ToLower(strings.TrimSpace(identity))
	if identity == "" {
		return ""
	}
	m := hmac.New(sha256.New, clientKey)
	m.Write([]byte(identity))
	return "c_" + hex.EncodeToString(m.Sum(nil)[:12])
}

// Pseudonymiser gives Pseudonym under one client key, keeping the keyed
// hash between calls: an import pseudonymises a buyer per order, and
// keying a new HMAC each time cost more than hashing the identity. It is
// not safe for concurrent use.
type Pseudonymiser struct {
	mac hash.Hash
	buf []byte
	sum []byte
}

// NewPseudonymiser returns a Pseudonymiser for clientKey.
func NewPseudonymiser(clientKey []byte) *Pseudonymiser {
	return &Pseudonymiser{mac: hmac.New(sha256.New, clientKey)}
}

// Pseudonym returns Pseudonym(clientKey, identity).
func (p *Pseudonymiser) Pseudonym(identity string) string {
	identity = strings.ToLower(strings.TrimSpace(identity))
	if identity == "" {
		return ""
	}
	p.mac.Reset()
	p.buf = append(p.buf[:0], identity...)
	p.mac.Write(p.buf)
	p.sum = p.mac.Sum(p.sum[:0])
	var out [2 + 24]byte
	out[0], out[1] = 'c', '_'
	hex.Encode(out[2:], p.sum[:12])
	return string(out[:])
}
