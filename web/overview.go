package web

import (
	"context"
	"net/http"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
	"github.com/danielgtaylor/huma/v2"
)

// OverviewDays is the period of the overview: the last 30 complete days of
// each shop, cut in the shop's timezone.
const OverviewDays = 30

// ClientOverview is one client with its shops and their headline figures.
type ClientOverview struct {
	Client daiyun.Client  `json:"client"`
	Shops  []ShopOverview `json:"shops"`
}

// ShopOverview is a shop with its headline figures.
type ShopOverview struct {
	Shop    daiyun.Shop `json:"shop"`
	Summary ShopSummary `json:"summary"`
}

// overview builds the overview of every client and shop the actor sees.
func (s *Server) overview(ctx context.Context) ([]ClientOverview, error) {
	clients, err := s.Catalog.Clients(ctx)
	if err != nil {
		return nil, err
	}
	shops, err := s.Catalog.Shops(ctx, catalog.ShopFilter{})
	if err != nil {
		return nil, err
	}
	sums := map[int64]ShopSummary{}
	if len(shops) > 0 && s.KPIs != nil {
		if sums, err = s.KPIs.ShopSummaries(ctx, shops, OverviewDays); err != nil {
			return nil, err
		}
	}
	byClient := map[int64][]ShopOverview{}
	for _, sh := range shops {
		byClient[sh.ClientID] = append(byClient[sh.ClientID], ShopOverview{Shop: sh, Summary: sums[sh.ID]})
	}
	out := make([]ClientOverview, 0, len(clients))
	for _, c := range clients {
		out = append(out, ClientOverview{Client: c, Shops: nonNil(byClient[c.ID])})
	}
	return out, nil
}

func (s *Server) registerOverviewAPI() {
	huma.Register(s.api, op("overview", http.MethodGet, "/api/v1/overview",
		"Every client and shop you can see, with GMV, orders and buyers over each shop's last 30 complete days", "overview"),
		func(ctx context.Context, _ *struct{}) (*body[[]ClientOverview], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			out, err := s.overview(ctx)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[[]ClientOverview]{out}, nil
		})
	type summaryIn struct {
		ID   int64 `path:"id"`
		Days int   `query:"days" default:"30" minimum:"1" maximum:"366" doc:"number of complete days ending yesterday in the shop's timezone"`
	}
	huma.Register(s.api, op("shop-summary", http.MethodGet, "/api/v1/shops/{id}/summary",
		"GMV, orders and buyers of a shop over its last N complete days", "shops"),
		func(ctx context.Context, in *summaryIn) (*body[ShopSummary], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			sh, err := s.Catalog.Shop(ctx, in.ID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			if s.KPIs == nil {
				return nil, s.fail(ctx, daiyun.Errorf(daiyun.EINTERNAL, "no KPI service"))
			}
			sums, err := s.KPIs.ShopSummaries(ctx, []daiyun.Shop{sh}, in.Days)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[ShopSummary]{sums[sh.ID]}, nil
		})
}
