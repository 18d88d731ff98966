package web

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/metrics"
)

// MetricsKPIs answers the overview's headline figures from the KPI
// catalogue, so the overview, the workspace, reports and alerts all show
// the same GMV, orders and buyers.
type MetricsKPIs struct {
	Service *metrics.Service
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// ShopSummaries returns GMV, orders and buyers of each shop over its last
// `days` complete days, cut in the shop's own timezone and in its own
// currency. Shops whose calendars agree are asked for in one query.
func (k MetricsKPIs) ShopSummaries(ctx context.Context, shops []daiyun.Shop, days int) (map[int64]ShopSummary, error) {
	now := time.Now
	if k.Now != nil {
		now = k.Now
	}
	// One query per calendar window and currency: each shop is shown in its
	// own currency, so no conversion happens here.
	type window struct{ from, to, currency string }
	groups := map[window][]daiyun.Shop{}
	for _, sh := range shops {
		loc, err := sh.Location()
		if err != nil {
			return nil, daiyun.Errorf(daiyun.EINVALID, "shop %d timezone %q: %v", sh.ID, sh.Timezone, err)
		}
		today := now().In(loc)
		y, m, d := today.Date()
		last := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
		first := last.AddDate(0, 0, -(days - 1))
		w := window{first.Format(time.DateOnly), last.Format(time.DateOnly), sh.Currency}
		groups[w] = append(groups[w], sh)
	}
	out := map[int64]ShopSummary{}
	for w, group := range groups {
		from, _ := daiyun.ParseDate(w.from)
		to, _ := daiyun.ParseDate(w.to)
		ids := make([]int64, len(group))
		for i, sh := range group {
			ids[i] = sh.ID
			out[sh.ID] = ShopSummary{ShopID: sh.ID, From: w.from, To: w.to, Currency: sh.Currency, Timezone: sh.Timezone, GMV: "0.00"}
		}
		res, err := k.Service.Query(ctx, metrics.Request{
			KPIs: []string{"gmv", "orders", "buyers"}, Dimensions: []string{metrics.DimShop},
			From: from, To: to, Filters: metrics.Filters{ShopIDs: ids}, Currency: w.currency,
		})
		if err != nil {
			return nil, err
		}
		for _, row := range res.Rows {
			id, err := strconv.ParseInt(row.Dims[metrics.DimShop], 10, 64)
			if err != nil {
				continue
			}
			s := out[id]
			s.Available = true
			if v := row.Values["gmv"]; v.Value != nil {
				scale := math.Pow10(daiyun.MinorUnits(s.Currency))
				s.GMVMinor = int64(math.Round(*v.Value * scale))
				s.GMV = daiyun.Money(s.GMVMinor)
			}
			if v := row.Values["orders"]; v.Value != nil {
				s.Orders = int64(math.Round(*v.Value))
			}
			if v := row.Values["buyers"]; v.Value != nil {
				s.Buyers = int64(math.Round(*v.Value))
			}
			out[id] = s
		}
	}
	return out, nil
}
