package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/source"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/internal/export"
	"github.com/daiyun/daiyun/metrics"
	"github.com/danielgtaylor/huma/v2"
)

// The analyses page is parsed here so the page list in ui.go stays as it
// is; it renders through the same layout.
func init() {
	pages["analyses"] = template.Must(template.New("analyses").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/analyses.html"))
}

// analyses returns the loader of analysis inputs over the server's stores.
// The forecast reads the KPI service of the overview when there is one, so
// its daily GMV is the dashboards' GMV.
func (s *Server) analyses() *source.Loader {
	ms := &metrics.Service{Warehouse: s.Warehouse, Shops: allShops{s.Catalog}}
	if k, ok := s.KPIs.(MetricsKPIs); ok && k.Service != nil {
		ms = k.Service
	}
	return &source.Loader{Warehouse: s.Warehouse, Catalog: s.Catalog, Metrics: ms}
}

// allShops lists every shop for the metrics service, which narrows them to
// the actor's clients itself (metrics.Shops).
type allShops struct{ cat *catalog.Store }

func (a allShops) Shops(ctx context.Context) ([]metrics.ShopInfo, error) {
	shops, err := a.cat.Shops(daiyun.WithActor(ctx, daiyun.SystemActor), catalog.ShopFilter{})
	if err != nil {
		return nil, err
	}
	out := make([]metrics.ShopInfo, len(shops))
	for i, sh := range shops {
		out[i] = metrics.ShopInfo{ID: sh.ID, ClientID: sh.ClientID, Platform: string(sh.Platform), Category: sh.Category, Currency: sh.Currency, Timezone: sh.Timezone}
	}
	return out, nil
}

// analysisBody is the scope and options of an analysis request.
type analysisBody struct {
	ClientID int64                  `json:"client_id" doc:"client whose data is analysed"`
	ShopID   int64                  `json:"shop_id,omitempty" doc:"one shop of the client; omitted: all its shops"`
	From     daiyun.Date            `json:"from" doc:"first day, YYYY-MM-DD (shop calendar)"`
	To       daiyun.Date            `json:"to" doc:"last day, YYYY-MM-DD, inclusive"`
	Options  source.AnalysisOptions `json:"options,omitempty" doc:"options of the kind; see docs/analysis.md"`
}

type analysisIn struct {
	Kind string `path:"kind" enum:"funnel,retention,cohort,rfm,clv,attribution,paths,forecast" doc:"analysis"`
	Body analysisBody
}

type exportIn struct {
	Kind     string `path:"kind" enum:"funnel,retention,cohort,rfm,clv,attribution,paths,forecast" doc:"analysis"`
	ClientID int64  `query:"client_id" required:"true" doc:"client whose data is analysed"`
	ShopID   int64  `query:"shop_id" doc:"one shop of the client; 0 or omitted: all its shops"`
	From     string `query:"from" required:"true" doc:"first day, YYYY-MM-DD"`
	To       string `query:"to" required:"true" doc:"last day, YYYY-MM-DD"`
	Format   string `query:"format" enum:"csv,xlsx" default:"csv" doc:"csv (one table) or xlsx (every table, one sheet each)"`
	Table    string `query:"table" doc:"the table of a CSV export (default the first); see the result's tables"`
	Options  string `query:"options" doc:"the analysis options as JSON, as in the POST body"`
}

type exportOut struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	CacheControl       string `header:"Cache-Control"`
	Body               []byte
}

// registerAnalyses adds the analyses API and, so that api.go needs a
// single line, the analyses pages.
func (s *Server) registerAnalyses() {
	s.registerAnalysesUI()
	s.registerAnalysesByShop()
	huma.Register(s.api, op("run-analysis", http.MethodPost, "/api/v1/analyses/{kind}",
		"Run an analysis on a client's warehouse data (funnel, retention, cohort, rfm, clv, attribution, paths, forecast)", "analyses"),
		func(ctx context.Context, in *analysisIn) (*body[*source.Analysis], error) {
			b := in.Body
			res, err := s.analyses().Run(ctx, source.Request{Kind: in.Kind, ClientID: b.ClientID, ShopID: b.ShopID, From: b.From, To: b.To, Options: b.Options})
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[*source.Analysis]{res}, nil
		})
	huma.Register(s.api, op("export-analysis", http.MethodGet, "/api/v1/analyses/{kind}/export",
		"Download an analysis's result tables as CSV or XLSX (formula-safe; audited)", "analyses"),
		func(ctx context.Context, in *exportIn) (*exportOut, error) {
			out, err := s.exportAnalysis(ctx, in)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return out, nil
		})
}

func (s *Server) exportAnalysis(ctx context.Context, in *exportIn) (*exportOut, error) {
	req := source.Request{Kind: in.Kind, ClientID: in.ClientID, ShopID: in.ShopID}
	var err error
	if req.From, err = daiyun.ParseDate(in.From); err != nil {
		return nil, daiyun.Errorf(daiyun.EINVALID, "from: %s", daiyun.ErrorMessage(err))
	}
	if req.To, err = daiyun.ParseDate(in.To); err != nil {
		return nil, daiyun.Errorf(daiyun.EINVALID, "to: %s", daiyun.ErrorMessage(err))
	}
	if in.Options != "" {
		dec := json.NewDecoder(strings.NewReader(in.Options))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req.Options); err != nil {
			return nil, daiyun.Errorf(daiyun.EINVALID, "options: not a JSON object of analysis options: %v", err)
		}
	}
	res, err := s.analyses().Run(ctx, req)
	if err != nil {
		return nil, err
	}
	var tables []export.Table
	for _, t := range res.Tables {
		if in.Table != "" && t.Name != in.Table {
			continue
		}
		tables = append(tables, export.Table{Name: t.Name, Header: t.Header, Rows: t.Rows})
		if in.Format == export.CSV {
			break // a CSV file holds one table
		}
	}
	if len(tables) == 0 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "table %q is not one of %s", in.Table, strings.Join(res.TableNames, ", "))
	}
	var buf bytes.Buffer
	if err := export.Write(&buf, in.Format, tables); err != nil {
		return nil, err
	}
	name := fmt.Sprintf("%s-%d", in.Kind, in.ClientID)
	if in.ShopID != 0 {
		name += fmt.Sprintf("-shop%d", in.ShopID)
	}
	name += "-" + req.From.Format("20060102") + "-" + req.To.Format("20060102")
	if in.Format == export.CSV {
		name += "-" + tables[0].Name
	}
	detail := fmt.Sprintf("analysis %s export %s: shop %d, %s..%s, tables %s, %d bytes", in.Kind, in.Format, in.ShopID, req.From, req.To,
		tableNames(tables), buf.Len())
	if err := s.Catalog.Audit(ctx, in.ClientID, "analysis.export", detail); err != nil {
		return nil, err
	}
	return &exportOut{ContentType: export.ContentType(in.Format), CacheControl: "no-store",
		ContentDisposition: fmt.Sprintf(`attachment; filename="%s.%s"`, name, in.Format), Body: buf.Bytes()}, nil
}

func tableNames(ts []export.Table) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.Name
	}
	return strings.Join(names, ",")
}

// analysesPage is what templates/analyses.html shows: the client, its
// shops and the form's defaults.
type analysesPage struct {
	Client  daiyun.Client
	Clients []daiyun.Client
	Shops   []daiyun.Shop
	Kinds   []string
	Kind    string
	ShopID  int64
	From    string
	To      string
	// AutoRun runs the analysis on load (?run=1), so a link can share it.
	AutoRun bool
}

func (s *Server) registerAnalysesUI() {
	s.page("GET /analyses", s.requireLogin(func(w http.ResponseWriter, r *http.Request) {
		cs, err := s.Catalog.Clients(r.Context())
		if err != nil {
			s.uiError(w, r, err)
			return
		}
		if len(cs) == 0 {
			s.render(w, r, http.StatusOK, "analyses", "an_title", analysesPage{Kinds: source.Kinds})
			return
		}
		http.Redirect(w, r, fmt.Sprintf("/clients/%d/analyses", cs[0].ID), http.StatusSeeOther)
	}))
	s.page("GET /clients/{id}/analyses", s.requireLogin(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil {
			s.uiError(w, r, daiyun.Errorf(daiyun.ENOTFOUND, "client not found"))
			return
		}
		c, err := s.Catalog.Client(ctx, id)
		if err != nil {
			s.uiError(w, r, err)
			return
		}
		p := analysesPage{Client: c, Kinds: source.Kinds, Kind: "funnel"}
		if k := r.URL.Query().Get("kind"); slices.Contains(source.Kinds, k) {
			p.Kind = k
		}
		if p.Shops, err = s.Catalog.Shops(ctx, catalog.ShopFilter{ClientID: id}); err != nil {
			s.uiError(w, r, err)
			return
		}
		if p.Clients, err = s.Catalog.Clients(ctx); err != nil {
			s.uiError(w, r, err)
			return
		}
		// Default range: the 90 complete days before today (UTC); a link may
		// name its own range, shop and kind.
		q := r.URL.Query()
		today := time.Now().UTC().Truncate(24 * time.Hour)
		p.To = today.AddDate(0, 0, -1).Format(time.DateOnly)
		p.From = today.AddDate(0, 0, -90).Format(time.DateOnly)
		if d, err := daiyun.ParseDate(q.Get("from")); err == nil {
			p.From = d.String()
		}
		if d, err := daiyun.ParseDate(q.Get("to")); err == nil {
			p.To = d.String()
		}
		p.ShopID, _ = strconv.ParseInt(q.Get("shop_id"), 10, 64)
		p.AutoRun = q.Get("run") == "1"
		s.render(w, r, http.StatusOK, "analyses", "an_title", p)
	}))
}
