package web

import (
	"context"
	"net/http"

	"github.com/daiyun/daiyun/metrics"
	"github.com/danielgtaylor/huma/v2"
)

// registerMetrics adds the KPI catalogue, queries and lineage (C1–C5).
func (s *Server) registerMetrics() {
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
