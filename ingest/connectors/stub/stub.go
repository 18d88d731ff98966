// Package stub runs local stand-ins for the platform APIs on loopback, for
// tests and demos: they answer with payloads shaped like the platforms'
// public documentation (Shopify Admin GraphQL, Taobao TOP), page through
// their data with the platforms' own pagination, and can be told to
// throttle or fail on a given call.
package stub

import (
	"net/http"
	"strconv"
)

// Fault decides, before a call is answered, whether it fails: it gets the
// 1-based call number and the operation (GraphQL root field or TOP method)
// and writes a failure answer and returns true, or returns false.
type Fault func(call int, op string, w http.ResponseWriter) bool

// Status429 answers HTTP 429 Too Many Requests with a Retry-After.
func Status429(w http.ResponseWriter, retryAfterSeconds int) {
	w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
	http.Error(w, `{"errors":"Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."}`, http.StatusTooManyRequests)
}

// Status500 answers HTTP 500.
func Status500(w http.ResponseWriter) {
	http.Error(w, `{"errors":"Internal Server Error"}`, http.StatusInternalServerError)
}

// FailCalls fails the listed call numbers with f.
func FailCalls(f func(w http.ResponseWriter), calls ...int) Fault {
	set := map[int]bool{}
	for _, c := range calls {
		set[c] = true
	}
	return func(call int, _ string, w http.ResponseWriter) bool {
		if set[call] {
			f(w)
			return true
		}
		return false
	}
}
