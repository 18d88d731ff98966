package web

import (
	"bytes"
	"context"
	"net/http"
	"strings"

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

// registerMetricsExport adds the download of a query's result table.
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
			res, err := s.Metrics.Query(ctx, in.Body)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			h, rows := res.Table()
			var buf bytes.Buffer
			if err := export.Write(&buf, in.Format, []export.Table{{Name: "metrics", Header: h, Rows: rows}}); err != nil {
				return nil, s.fail(ctx, err)
			}
			// Exports are audited per client they contain (A5).
			clients := map[int64]bool{}
			for _, id := range in.Body.Filters.ClientIDs {
				clients[id] = true
			}
			for _, id := range in.Body.Filters.ShopIDs {
				if sh, err := s.Catalog.Shop(ctx, id); err == nil {
					clients[sh.ClientID] = true
				}
			}
			for id := range clients {
				s.Catalog.Audit(ctx, id, "export.metrics", strings.Join(in.Body.KPIs, ","))
			}
			return &fileOut{ContentType: export.ContentType(in.Format),
				ContentDisposition: `attachment; filename="daiyun-metrics.` + in.Format + `"`, Body: buf.Bytes()}, nil
		})
}
