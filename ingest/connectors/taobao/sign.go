// Package taobao is the Taobao/Tmall connector: sold trades read from the
// TOP API (taobao.trades.sold.increment.get over modification-time windows
// of at most a day, then taobao.trade.fullinfo.get per trade), with TOP's
// request signing.
package taobao

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"sort"
	"strings"
)

// Sign methods TOP accepts.
const (
	SignMD5        = "md5"
	SignHMAC       = "hmac" // HMAC-MD5
	SignHMACSHA256 = "hmac-sha256"
)

// Sign computes TOP's sign parameter: the parameters (every one but sign
// itself, with a non-empty name and value) sorted by name and written
// name+value one after another; then for md5 the MD5 of secret + that +
// secret, for hmac the HMAC-MD5 and for hmac-sha256 the HMAC-SHA256 of it
// keyed by the secret; in upper-case hex.
func Sign(params map[string]string, secret, method string) string {
	keys := make([]string, 0, len(params))
	for k, v := range params {
		if k != "sign" && k != "" && v != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k)
		b.WriteString(params[k])
	}
	var h hash.Hash
	switch method {
	case SignHMAC:
		h = hmac.New(md5.New, []byte(secret))
	case SignHMACSHA256:
		h = hmac.New(sha256.New, []byte(secret))
	default:
		h = md5.New()
		h.Write([]byte(secret))
		h.Write([]byte(b.String()))
		h.Write([]byte(secret))
		return strings.ToUpper(hex.EncodeToString(h.Sum(nil)))
	}
	h.Write([]byte(b.String()))
	return strings.ToUpper(hex.EncodeToString(h.Sum(nil)))
}
