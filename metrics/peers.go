package metrics

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/daiyun/daiyun"
)

// PeerRequest asks where shops stand among the agency's shops of a
// category for one KPI.
type PeerRequest struct {
	KPI      string      `json:"kpi"`
	Category string      `json:"category"`
	From     daiyun.Date `json:"from"`
	To       daiyun.Date `json:"to"`
	Grain    Grain       `json:"grain,omitempty"`
	Currency string      `json:"currency,omitempty"`
	// ShopIDs are the shops to rank: the caller's own, already checked.
	ShopIDs []int64 `json:"shop_ids"`
}

// PeerRank is where one shop stands in one period. Percentile is nil when
// fewer than MinPeers shops have a value.
type PeerRank struct {
	ShopID     int64    `json:"shop_id"`
	Period     string   `json:"period,omitempty"`
	Percentile *float64 `json:"percentile"`
	Rank       int      `json:"rank,omitempty"`
	Peers      int      `json:"peers"`
}

// Peers is the one sanctioned cross-tenant read (PRODUCT.md C4): it
// computes the KPI for every shop of the category across all the tenants
// the caller passes (the whole agency, built by the caller with its own
// authority) and returns only the rank and percentile of the requested
// shops, and only where at least MinPeers shops contribute. No other shop's
// value or identity leaves this function.
func (s *Service) Peers(ctx context.Context, all daiyun.Tenants, pr PeerRequest) ([]PeerRank, error) {
	k, ok := kpiByID[pr.KPI]
	if !ok {
		return nil, daiyun.Errorf(daiyun.EINVALID, "KPI %q is not in the catalogue", pr.KPI)
	}
	every, err := s.Shops.Shops(ctx)
	if err != nil {
		return nil, fmt.Errorf("metrics: shops: %w", err)
	}
	ids := all.IDs()
	var peers []ShopInfo
	for _, sh := range every {
		if sh.Category == pr.Category && slices.Contains(ids, sh.ClientID) {
			peers = append(peers, sh)
		}
	}
	sort.Slice(peers, func(i, j int) bool { return peers[i].ID < peers[j].ID })
	req := Request{KPIs: []string{pr.KPI}, Dimensions: []string{DimShop}, Grain: pr.Grain, From: pr.From, To: pr.To, Currency: pr.Currency,
		Filters: Filters{Categories: []string{pr.Category}}}
	if err := req.validate(); err != nil {
		return nil, err
	}
	if req.Currency == "" {
		req.Currency = s.BaseCurrency
		if req.Currency == "" {
			req.Currency = DefaultBaseCurrency
		}
	}
	var res *Result
	if len(peers) > 0 {
		res, err = s.run(ctx, req, all, peers)
		if err != nil {
			return nil, err
		}
	} else {
		res = &Result{}
	}
	byPeriod := map[string][]float64{}
	own := map[string]float64{}
	for _, r := range res.Rows {
		v := r.Values[pr.KPI].Value
		if v == nil {
			continue
		}
		byPeriod[r.Period] = append(byPeriod[r.Period], *v)
		own[r.Period+"\x1f"+r.Dims[DimShop]] = *v
	}
	periods := []string{""}
	if req.Grain != GrainNone {
		periods = nil
		for _, t := range buckets(req.Grain, req.From.Time, req.To.Time) {
			periods = append(periods, t.Format(time.DateOnly))
		}
	}
	var out []PeerRank
	for _, per := range periods {
		vals := byPeriod[per]
		for _, id := range pr.ShopIDs {
			rk := PeerRank{ShopID: id, Period: per, Peers: len(vals)}
			x, has := own[per+"\x1f"+strconv.FormatInt(id, 10)]
			if has && len(vals) >= MinPeers {
				var worse, better, ties float64
				for _, v := range vals {
					switch {
					case v == x:
						ties++
					case (v < x) == (k.Direction != Down):
						worse++
					default:
						better++
					}
				}
				p := 100 * (worse + (ties-1)/2) / float64(len(vals)-1)
				rk.Percentile, rk.Rank = &p, int(better)+1
			}
			out = append(out, rk)
		}
	}
	return out, nil
}

func (s *Service) comparePercentile(ctx context.Context, res *Result, shops []ShopInfo) error {
	req := res.Request
	type want struct {
		row int
		sh  ShopInfo
	}
	byCat := map[string][]want{}
	for i, r := range res.Rows {
		if sh, ok := rowShop(res, r, shops); ok && onlyCatalogDims(req) {
			byCat[sh.Category] = append(byCat[sh.Category], want{i, sh})
		}
	}
	ranks := map[string]PeerRank{} // kpi, period, shop
	if s.PeerTenants != nil && len(byCat) > 0 {
		all, err := s.PeerTenants(ctx)
		if err != nil {
			return fmt.Errorf("metrics: peer tenants: %w", err)
		}
		cats := make([]string, 0, len(byCat))
		for c := range byCat {
			cats = append(cats, c)
		}
		sort.Strings(cats)
		for _, cat := range cats {
			var ids []int64
			for _, w := range byCat[cat] {
				if !slices.Contains(ids, w.sh.ID) {
					ids = append(ids, w.sh.ID)
				}
			}
			for _, id := range req.KPIs {
				list, err := s.Peers(ctx, all, PeerRequest{KPI: id, Category: cat, From: req.From, To: req.To, Grain: req.Grain, Currency: res.Currency, ShopIDs: ids})
				if err != nil {
					return err
				}
				for _, pr := range list {
					ranks[id+"\x1f"+pr.Period+"\x1f"+strconv.FormatInt(pr.ShopID, 10)] = pr
				}
			}
		}
	}
	for i := range res.Rows {
		r := &res.Rows[i]
		sh, ok := rowShop(res, *r, shops)
		for _, id := range req.KPIs {
			c := Comparison{Kind: ComparePercentile}
			pr, found := ranks[id+"\x1f"+r.Period+"\x1f"+strconv.FormatInt(sh.ID, 10)]
			switch {
			case s.PeerTenants == nil:
				c.Note = "peer comparison is not configured"
			case !ok || !onlyCatalogDims(req):
				c.Note = "percentiles are computed per shop"
			case !found || pr.Percentile == nil:
				c.Note = fmt.Sprintf("fewer than %d shops in the category have a value", MinPeers)
			default:
				c.Percentile, c.Rank, c.Peers = pr.Percentile, pr.Rank, pr.Peers
			}
			setComparison(r, id, c)
		}
	}
	return nil
}
