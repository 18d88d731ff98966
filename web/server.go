// Package web is Daiyun's HTTP door: the JSON API (huma, OpenAPI at
// /api/v1/openapi.json, RFC 9457 errors) and the server-rendered UI
// (html/template + htmx + ECharts), with sessions, API keys, CSRF
// protection, login rate limiting, health endpoints and Prometheus metrics.
//
// It turns requests into calls on the capability packages with the caller's
// Actor in the context; it computes nothing itself. Access decisions are made
// by the stores (catalog.clientScope, daiyun.TenantsFor), never here, so a
// route cannot forget them.
package web

import (
	"context"
	"log/slog"
	"net/http"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/alerting/notify"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/metrics"
	"github.com/daiyun/daiyun/warehouse"
	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/prometheus/client_golang/prometheus"
)

// Server holds what the HTTP door needs.
type Server struct {
	Catalog   *catalog.Store
	Warehouse warehouse.Warehouse
	KPIs      ShopKPIs
	Metrics   *metrics.Service
	Logger    *slog.Logger
	BaseURL   string
	// SecureCookies marks the session cookie Secure (serve behind HTTPS).
	SecureCookies bool
	// LocalToken, when set, is accepted as "Authorization: Bearer <token>"
	// from the local operator's CLI (it is written to the data directory's
	// lock file, readable only by the owner), with the system's rights.
	LocalToken string
	// AfterImport, when set, is called after data arrives (a file import
	// or an API batch that wrote rows), e.g. to evaluate alerts.
	AfterImport func(ctx context.Context)
	// Collectors are extra Prometheus collectors served on /metrics (the
	// warehouse query timings, jobs).
	Collectors []prometheus.Collector
	// Notifier sends the test messages of the channels page and API (with
	// the environment's SMTP settings); nil: one over the catalog alone.
	Notifier *notify.Dispatcher

	sessions *scs.SessionManager
	api      huma.API
	mux      *http.ServeMux
	limiter  *loginLimiter
	metrics  *httpMetrics
	pages    []string // "METHOD /path" of every UI route, for the isolation test
	handler  http.Handler
}

// ShopKPIs gives the headline figures of shops over their last days, read
// from the KPI catalogue (metrics) so the overview shows the same numbers as
// every other screen.
type ShopKPIs interface {
	ShopSummaries(ctx context.Context, shops []daiyun.Shop, days int) (map[int64]ShopSummary, error)
}

// ShopSummary is one shop's headline over a period, in its own currency and
// cut in its own timezone.
type ShopSummary struct {
	ShopID    int64  `json:"shop_id"`
	From      string `json:"from"`
	To        string `json:"to"`
	Currency  string `json:"currency"`
	GMVMinor  int64  `json:"gmv_minor"`
	GMV       string `json:"gmv"`
	Orders    int64  `json:"orders"`
	Buyers    int64  `json:"buyers"`
	Timezone  string `json:"timezone"`
	Available bool   `json:"available"`
}

// Handler builds the routes once and returns the root handler.
func (s *Server) Handler() http.Handler {
	if s.handler != nil {
		return s.handler
	}
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	s.sessions = scs.New()
	s.sessions.Store = s.Catalog.Sessions()
	s.sessions.Lifetime = 12 * time.Hour
	s.sessions.IdleTimeout = 2 * time.Hour
	s.sessions.Cookie.Name = "daiyun_session"
	s.sessions.Cookie.HttpOnly = true
	s.sessions.Cookie.SameSite = http.SameSiteLaxMode
	s.sessions.Cookie.Secure = s.SecureCookies
	s.limiter = newLoginLimiter(5, 15*time.Minute)
	s.metrics = newHTTPMetrics(prometheus.NewRegistry())
	s.metrics.reg.MustRegister(s.Collectors...)

	s.mux = http.NewServeMux()
	cfg := huma.DefaultConfig("Daiyun API", daiyun.Version)
	cfg.Components.Schemas = huma.NewMapRegistry("#/components/schemas/", schemaName)
	cfg.OpenAPIPath = "/api/v1/openapi"
	cfg.DocsPath = ""
	cfg.SchemasPath = "/api/v1/schemas"
	cfg.CreateHooks = nil // no $schema links in bodies
	cfg.Info.Description = "Daiyun: clients, shops, contracts, users and the data of an e-commerce operations agency. " +
		"Authenticate with a session cookie (POST /login) or an API key (Authorization: Bearer dyk_…)."
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"session": {Type: "apiKey", In: "cookie", Name: "daiyun_session"},
		"apikey":  {Type: "http", Scheme: "bearer"},
	}
	s.api = humago.New(s.mux, cfg)
	s.api.UseMiddleware(requireAuth)
	s.registerAPI()
	s.registerUI()
	s.registerOps()

	var h http.Handler = s.mux
	h = s.authenticate(h)
	h = s.sessions.LoadAndSave(h)
	h = http.NewCrossOriginProtection().Handler(h)
	h = s.metrics.wrap(h)
	h = s.recoverer(h)
	s.handler = h
	return h
}

// Routes lists every route the server answers ("METHOD /path"), API and UI,
// so tests can check each against the access policy.
func (s *Server) Routes() []string {
	s.Handler()
	var out []string
	for path, item := range s.api.OpenAPI().Paths {
		for method, op := range map[string]*huma.Operation{"GET": item.Get, "POST": item.Post, "PUT": item.Put, "PATCH": item.Patch, "DELETE": item.Delete} {
			if op != nil {
				out = append(out, method+" "+path)
			}
		}
	}
	out = append(out, s.pages...)
	sort.Strings(out)
	return out
}

// page registers a UI or operational route and remembers it for Routes.
func (s *Server) page(pattern string, h http.HandlerFunc) {
	s.pages = append(s.pages, pattern)
	s.mux.HandleFunc(pattern, h)
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Logger.Error("panic", "path", r.URL.Path, "panic", v)
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// status maps an application error code to its HTTP status: the one place
// this mapping lives.
func status(code string) int {
	switch code {
	case daiyun.EINVALID:
		return http.StatusUnprocessableEntity
	case daiyun.ENOTFOUND:
		return http.StatusNotFound
	case daiyun.ECONFLICT:
		return http.StatusConflict
	case daiyun.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case daiyun.EFORBIDDEN:
		return http.StatusForbidden
	case daiyun.ETOOMANY:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// fail turns an error into an API error with a safe message; internal
// details are logged, never sent.
func (s *Server) fail(ctx context.Context, err error) error {
	code := daiyun.ErrorCode(err)
	if code == daiyun.EINTERNAL {
		s.Logger.ErrorContext(ctx, "internal error", "err", err)
	}
	return huma.NewError(status(code), daiyun.ErrorMessage(err))
}

// isAPI reports whether the request is for the JSON API.
func isAPI(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/api/") }

// schemaName names OpenAPI schemas after their package and type
// (MetricsResult, ImportsOutcome), so two packages may use the same type
// name without clashing.
func schemaName(t reflect.Type, hint string) string {
	name := huma.DefaultSchemaNamer(t, hint)
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map || t.Kind() == reflect.Array {
		t = t.Elem()
	}
	pkg := t.PkgPath()
	if !strings.HasPrefix(pkg, "github.com/daiyun/daiyun/") || t.Name() == "" || strings.Contains(t.Name(), "[") {
		return name
	}
	last := pkg[strings.LastIndex(pkg, "/")+1:]
	return strings.ToUpper(last[:1]) + last[1:] + name
}
