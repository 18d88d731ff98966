package web

import (
	"context"
	"crypto/subtle"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/daiyun/daiyun"
)

const sessionUserKey = "user_id"

type userKey struct{}

// authenticate puts the caller's Actor (and User, for sessions) in the
// request context: from an API key in the Authorization header or from the
// session cookie. Anonymous requests carry the zero Actor, which sees
// nothing.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), reqKey{}, r)
		if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") {
			tok := strings.TrimPrefix(h, "Bearer ")
			if s.LocalToken != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(s.LocalToken)) == 1 {
				next.ServeHTTP(w, r.WithContext(daiyun.WithActor(ctx, daiyun.SystemActor)))
				return
			}
			a, err := s.Catalog.ActorForAPIKey(ctx, tok)
			if err != nil {
				writeProblem(w, http.StatusUnauthorized, "invalid API key")
				return
			}
			next.ServeHTTP(w, r.WithContext(daiyun.WithActor(ctx, a)))
			return
		}
		if id := s.sessions.GetInt64(ctx, sessionUserKey); id != 0 {
			a, u, err := s.Catalog.ActorFor(ctx, id)
			if err == nil {
				ctx = daiyun.WithActor(ctx, a)
				ctx = context.WithValue(ctx, userKey{}, u)
			} else {
				s.sessions.Remove(ctx, sessionUserKey)
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// userFrom returns the logged-in user of a session request.
func userFrom(ctx context.Context) (daiyun.User, bool) {
	u, ok := ctx.Value(userKey{}).(daiyun.User)
	return u, ok
}

// loggedIn reports whether the request has an actor: a session, an API
// key, or the local operator's token.
func loggedIn(ctx context.Context) bool {
	a := daiyun.ActorFrom(ctx)
	return a.UserID != 0 || a.APIKeyID != 0 || a.System
}

func writeProblem(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(code)
	w.Write([]byte(`{"title":"` + http.StatusText(code) + `","status":` + itoa(code) + `,"detail":"` + jsonEscape(msg) + `"}`))
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

func jsonEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`)
	return r.Replace(s)
}

// login checks credentials under the rate limiter and starts a session.
func (s *Server) login(ctx context.Context, r *http.Request, email, password string) (daiyun.User, error) {
	ip := clientIP(r)
	key := ip + "|" + strings.ToLower(strings.TrimSpace(email))
	if s.limiter.blockedN(ip, 4) || s.limiter.blocked(key) {
		return daiyun.User{}, daiyun.Errorf(daiyun.ETOOMANY, "too many failed logins; try again in 15 minutes")
	}
	u, err := s.Catalog.Authenticate(ctx, email, password)
	if err != nil {
		s.limiter.fail(key)
		s.limiter.fail(ip) // an address gets four times the tries, across e-mails
		return u, err
	}
	s.limiter.reset(key)
	if err := s.sessions.RenewToken(ctx); err != nil {
		return u, err
	}
	s.sessions.Put(ctx, sessionUserKey, u.ID)
	return u, nil
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// loginLimiter blocks a key after max failures inside window.
type loginLimiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	fails  map[string][]time.Time
}

func newLoginLimiter(max int, window time.Duration) *loginLimiter {
	return &loginLimiter{max: max, window: window, fails: map[string][]time.Time{}}
}

func (l *loginLimiter) recent(key string, now time.Time) []time.Time {
	ts := l.fails[key]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) > l.window {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.fails, key)
	} else {
		l.fails[key] = ts
	}
	return ts
}

func (l *loginLimiter) blocked(key string) bool {
	return l.blockedN(key, 1)
}

// blockedN reports whether key has reached factor times the limit.
func (l *loginLimiter) blockedN(key string, factor int) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.recent(key, time.Now())) >= l.max*factor
}

// fail records a failed attempt under key.
func (l *loginLimiter) fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	l.fails[key] = append(l.recent(key, now), now)
	// Bound memory under a flood of distinct keys.
	if len(l.fails) > 100000 {
		for k := range l.fails {
			delete(l.fails, k)
			if len(l.fails) < 50000 {
				break
			}
		}
	}
}

func (l *loginLimiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, key)
}
