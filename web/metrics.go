package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/internal/export"
	"github.com/daiyun/daiyun/metrics"
	"github.com/danielgtaylor/huma/v2"
)

// registerMetrics adds the KPI catalogue, queries, exports and lineage
// (C1–C5).
func (s *Server) registerMetrics() {
	s.registerMetricsExport()
	api := s.api
	huma.Register(api, op("list-metrics", http.MethodGet, "/api/v1/metrics",
		"The KPI catalogue: every KPI with its names, formula, unit, good direction, dimensions and facts", "metrics"),
		func(ctx context.Context, _ *struct{}) (*body[[]metrics.KPI], error) {
			return &body[[]metrics.KPI]{metrics.Catalogue()}, nil
		})
	huma.Register(api, op("query-metrics", http.MethodPost, "/api/v1/metrics/query",
		"KPIs by dimensions and time grain over a date range, with comparisons", "metrics"),
		func(ctx context.Context, in *body[metrics.Request]) (*body[*metrics.Result], error) {
			res, err := s.Metrics.Query(ctx, in.Body)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[*metrics.Result]{res}, nil
		})
	type explainIn struct {
		Cell metrics.Cell `json:"cell"`
		Page metrics.Page `json:"page,omitempty"`
	}
	huma.Register(api, op("explain-metric", http.MethodPost, "/api/v1/metrics/explain",
		"Lineage of one figure: its formula, the SQL that ran and the fact rows behind it (paged)", "metrics"),
		func(ctx context.Context, in *body[explainIn]) (*body[*metrics.Explanation], error) {
			ex, err := s.Metrics.Explain(ctx, in.Body.Cell, in.Body.Page)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[*metrics.Explanation]{ex}, nil
		})
}

// registerMetricsExport adds the download of a query's result table: the
// API route for any request, and the workspace's download of its KPIs.
func (s *Server) registerMetricsExport() {
	type exportIn struct {
		Format string `query:"format" enum:"csv,xlsx" default:"csv"`
		Body   metrics.Request
	}
	type fileOut struct {
		ContentType        string `header:"Content-Type"`
		ContentDisposition string `header:"Content-Disposition"`
		Body               []byte
	}
	huma.Register(s.api, op("export-metrics", http.MethodPost, "/api/v1/metrics/export",
		"A query's result as a CSV or XLSX file (safe against spreadsheet formulas; audited)", "metrics"),
		func(ctx context.Context, in *exportIn) (*fileOut, error) {
			b, err := s.exportMetrics(ctx, in.Body, in.Format)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &fileOut{ContentType: export.ContentType(in.Format),
				ContentDisposition: `attachment; filename="daiyun-metrics.` + in.Format + `"`, Body: b}, nil
		})
	s.page("GET /clients/{id}/export", s.requireLogin(s.workspaceExport))
}

// exportMetrics runs a query and writes its result table (metrics.Result
// Table: one column per KPI and comparison, empty for no value) as CSV or
// XLSX, every text cell neutralised against spreadsheet formulas. The
// export is audited under every client whose data it holds (A5).
func (s *Server) exportMetrics(ctx context.Context, req metrics.Request, format string) ([]byte, error) {
	if format != export.CSV && format != export.XLSX {
		return nil, daiyun.Errorf(daiyun.EINVALID, "format %q is not csv or xlsx", format)
	}
	res, err := s.Metrics.Query(ctx, req)
	if err != nil {
		return nil, err
	}
	h, rows := res.Table()
	var buf bytes.Buffer
	if err := export.Write(&buf, format, []export.Table{{Name: "metrics", Header: h, Rows: rows}}); err != nil {
		return nil, err
	}
	clients := map[int64]bool{}
	for _, id := range req.Filters.ClientIDs {
		clients[id] = true
	}
	for _, id := range req.Filters.ShopIDs {
		if sh, err := s.Catalog.Shop(ctx, id); err == nil {
			clients[sh.ClientID] = true
		}
	}
	if len(clients) == 0 {
		// No client filter: the export holds every client the actor sees.
		cs, err := s.Catalog.Clients(ctx)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			clients[c.ID] = true
		}
	}
	for id := range clients {
		if err := s.Catalog.Audit(ctx, id, "export.metrics", strings.Join(req.KPIs, ",")); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

// workspaceExport downloads the workspace's headline KPIs for the filter
// bar's range, shop and grain, one row per period, with the same
// comparisons as the cards: GET /clients/{id}/export?format=csv|xlsx.
func (s *Server) workspaceExport(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.uiError(w, r, daiyun.Errorf(daiyun.ENOTFOUND, "client not found"))
		return
	}
	if _, err := s.Catalog.Client(ctx, id); err != nil {
		s.uiError(w, r, err)
		return
	}
	f, err := parseFilter(r, time.Now())
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	format := r.URL.Query().Get("format")
	if format == "" {
		format = export.CSV
	}
	b, err := s.exportMetrics(ctx, workspaceRequest(id, f), format)
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", export.ContentType(format))
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="daiyun-client-%d-%s-%s.%s"`, id, f.From, f.To, format))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Write(b)
}
