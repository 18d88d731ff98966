package daiyun

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
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
