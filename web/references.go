package web

import (
	"context"
	"net/http"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
	"github.com/danielgtaylor/huma/v2"
)

// registerReferences adds the targets, benchmarks and FX routes: the
// reference data the KPI comparisons read.
func (s *Server) registerReferences() {
	api := s.api
	type clientQuery struct {
		ClientID int64 `query:"client_id" doc:"only this client's"`
	}
	huma.Register(api, op("list-targets", http.MethodGet, "/api/v1/targets", "Monthly KPI targets of the clients you can see", "targets"),
		func(ctx context.Context, in *clientQuery) (*body[[]catalog.Target], error) {
			ts, err := s.Catalog.Targets(ctx, in.ClientID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[[]catalog.Target]{nonNil(ts)}, nil
		})
	huma.Register(api, op("set-target", http.MethodPut, "/api/v1/targets", "Set a monthly target (the client's agency team)", "targets"),
		func(ctx context.Context, in *body[catalog.Target]) (*body[catalog.Target], error) {
			if err := s.Catalog.SetTarget(ctx, in.Body); err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[catalog.Target]{in.Body}, nil
		})
	huma.Register(api, op("list-benchmarks", http.MethodGet, "/api/v1/benchmarks", "The industry benchmark table with sources", "targets"),
		func(ctx context.Context, _ *struct{}) (*body[[]catalog.Benchmark], error) {
			bs, err := s.Catalog.Benchmarks(ctx)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[[]catalog.Benchmark]{nonNil(bs)}, nil
		})
	huma.Register(api, op("set-benchmark", http.MethodPut, "/api/v1/benchmarks", "Edit a benchmark (admin, director, expert)", "targets"),
		func(ctx context.Context, in *body[catalog.Benchmark]) (*body[catalog.Benchmark], error) {
			if err := s.Catalog.SetBenchmark(ctx, in.Body); err != nil {
				return nil, s.fail(ctx, err)
			}
			b := in.Body
			b.Edited = true
			return &body[catalog.Benchmark]{b}, nil
		})
	huma.Register(api, op("list-fx-rates", http.MethodGet, "/api/v1/fx-rates", "The dated FX rate table", "targets"),
		func(ctx context.Context, _ *struct{}) (*body[[]catalog.FXRate], error) {
			if !daiyun.ActorFrom(ctx).IsStaff() {
				return nil, s.fail(ctx, daiyun.Errorf(daiyun.EFORBIDDEN, "the FX table is for agency staff"))
			}
			rs, err := s.Catalog.FXRates(ctx)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[[]catalog.FXRate]{nonNil(rs)}, nil
		})
	huma.Register(api, op("set-fx-rate", http.MethodPut, "/api/v1/fx-rates", "Record a dated FX rate (admin, director)", "targets"),
		func(ctx context.Context, in *body[catalog.FXRate]) (*body[catalog.FXRate], error) {
			if err := s.Catalog.SetFXRate(ctx, in.Body); err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[catalog.FXRate]{in.Body}, nil
		})
}
