package web

import (
	"context"
	"net/http"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/source"
	"github.com/danielgtaylor/huma/v2"
)

// byShopBody is the scope of a by-shop analysis: every shop the caller may
// see, or the shops of the listed clients.
type byShopBody struct {
	ClientIDs []int64                `json:"client_ids,omitempty" doc:"narrow to these clients' shops; omitted: every shop the caller may see"`
	From      daiyun.Date            `json:"from" doc:"first day, YYYY-MM-DD (each shop's own calendar)"`
	To        daiyun.Date            `json:"to" doc:"last day, YYYY-MM-DD, inclusive"`
	Options   source.AnalysisOptions `json:"options,omitempty" doc:"options of the kind (rfm: vip_threshold); see docs/analysis.md"`
}

type byShopIn struct {
	Kind string `path:"kind" enum:"cohort,rfm" doc:"analysis"`
	Body byShopBody
}

// registerAnalysesByShop adds the portfolio door of cohort and RFM: each
// shop analysed on its own, all of them in one warehouse read.
func (s *Server) registerAnalysesByShop() {
	huma.Register(s.api, op("run-analysis-by-shop", http.MethodPost, "/api/v1/analyses/{kind}/by-shop",
		"Run cohort or RFM for every shop the caller may see (or the listed clients' shops), each shop on its own", "analyses"),
		func(ctx context.Context, in *byShopIn) (*body[*source.ByShop], error) {
			b := in.Body
			res, err := s.analyses().RunByShop(ctx, source.ShopsRequest{Kind: in.Kind, ClientIDs: b.ClientIDs, From: b.From, To: b.To, Options: b.Options})
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[*source.ByShop]{res}, nil
		})
}
