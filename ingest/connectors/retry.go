package connectors

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// TemporaryError is a failure worth retrying: throttling (HTTP 429,
// Shopify THROTTLED, TOP flow limits) or a transient server error. After is
// the wait the platform asked for (Retry-After, the cost that must be
// restored, a ban's remaining seconds); zero when it did not say.
type TemporaryError struct {
	Reason string
	After  time.Duration
	Err    error
}

func (e *TemporaryError) Error() string {
	if e.Err != nil {
		return e.Reason + ": " + e.Err.Error()
	}
	return e.Reason
}

func (e *TemporaryError) Unwrap() error { return e.Err }

// Temporary wraps err as retryable after at least after.
func Temporary(reason string, after time.Duration, err error) error {
	return &TemporaryError{Reason: reason, After: after, Err: err}
}

// ErrRetriesExhausted is wrapped by the error Retry.Do returns when every
// attempt failed with a temporary error.
var ErrRetriesExhausted = errors.New("retries exhausted")

// Retry is the retry policy: exponential backoff with jitter, bounded
// attempts, and the platform's own wait when it gives one. Sleep and Rand
// are injectable so tests run without waiting.
type Retry struct {
	Attempts int           // total attempts, default 6
	Base     time.Duration // first backoff, default 500ms
	Max      time.Duration // longest single wait, default 2 minutes
	Sleep    func(ctx context.Context, d time.Duration) error
	Rand     func() float64 // in [0,1), default math/rand/v2
	// Observe, when set, is told of every wait before it happens.
	Observe func(attempt int, wait time.Duration, err error)
}

func (r Retry) withDefaults() Retry {
	if r.Attempts <= 0 {
		r.Attempts = 6
	}
	if r.Base <= 0 {
		r.Base = 500 * time.Millisecond
	}
	if r.Max <= 0 {
		r.Max = 2 * time.Minute
	}
	if r.Sleep == nil {
		r.Sleep = sleepCtx
	}
	if r.Rand == nil {
		r.Rand = rand.Float64
	}
	return r
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Backoff is the wait before attempt n+1 after n failures: an exponential
// step (Base·2ⁿ⁻¹, capped at Max) of which the upper half is random
// ("equal jitter"), so many shops throttled together do not retry in step;
// never shorter than the platform's own hint.
func (r Retry) Backoff(n int, hint time.Duration) time.Duration {
	r = r.withDefaults()
	step := r.Base
	for i := 1; i < n && step < r.Max; i++ {
		step *= 2
	}
	step = min(step, r.Max)
	wait := step/2 + time.Duration(r.Rand()*float64(step/2))
	if hint > wait {
		wait = min(hint, r.Max)
	}
	return wait
}

// Do calls fn until it succeeds, returns a non-temporary error, or the
// attempts run out.
func (r Retry) Do(ctx context.Context, fn func(ctx context.Context) error) error {
	r = r.withDefaults()
	var err error
	for n := 1; ; n++ {
		err = fn(ctx)
		var tmp *TemporaryError
		if err == nil || !errors.As(err, &tmp) {
			return err
		}
		if n >= r.Attempts {
			return fmt.Errorf("%w after %d attempts: %w", ErrRetriesExhausted, n, err)
		}
		wait := r.Backoff(n, tmp.After)
		if r.Observe != nil {
			r.Observe(n, wait, err)
		}
		countRetry(ctx)
		if err := r.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

type retryCounterKey struct{}

// WithRetryCounter returns a context in which Retry.Do adds each retry to n
// (the run log's retry count).
func WithRetryCounter(ctx context.Context, n *atomic.Int64) context.Context {
	return context.WithValue(ctx, retryCounterKey{}, n)
}

func countRetry(ctx context.Context) {
	if n, ok := ctx.Value(retryCounterKey{}).(*atomic.Int64); ok {
		n.Add(1)
	}
}

// CheckHTTP turns an HTTP answer that is not 2xx into an error: 429 and
// 5xx are temporary (429 with its Retry-After), the rest permanent. It
// reads at most a little of the body for the message.
func CheckHTTP(resp *http.Response, now time.Time) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	msg := fmt.Errorf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(b)))
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return Temporary("throttled", RetryAfter(resp.Header.Get("Retry-After"), now), msg)
	case resp.StatusCode >= 500:
		return Temporary("server error", RetryAfter(resp.Header.Get("Retry-After"), now), msg)
	}
	return msg
}

// RetryAfter reads a Retry-After header: seconds (possibly fractional, as
// Shopify sends "2.0") or an HTTP date.
func RetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && f > 0 {
		return time.Duration(f * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
