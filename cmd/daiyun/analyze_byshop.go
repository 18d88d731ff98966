package main

import (
	"strconv"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/cohort"
	"github.com/daiyun/daiyun/analysis/source"
	"github.com/spf13/cobra"
)

// runByShopAnalysis is `daiyun analyze cohort|rfm --by-shop`: every shop
// of the agency (or of --client) analysed on its own in one warehouse
// read, the JSON of POST /api/v1/analyses/{kind}/by-shop. As a table it
// prints one row per shop and cohort month (cohort) or shop and segment
// (rfm).
func runByShopAnalysis(m *Main, cmd *cobra.Command, kind string, w warehouseFlags) error {
	fl := cmd.Flags()
	if fl.Changed("input") || w.shop != "" || w.table != "" {
		return daiyun.Errorf(daiyun.EINVALID, "--by-shop reads the warehouse for every shop: --input, --shop and --table don't apply")
	}
	req := source.ShopsRequest{Kind: kind}
	var err error
	if req.From, req.To, err = dateRange(fl); err != nil {
		return err
	}
	if req.Options, err = optionsFromFlags(cmd.LocalFlags(), w.options); err != nil {
		return err
	}
	ctx := system(cmd.Context())
	cat, err := m.Catalog(ctx)
	if err != nil {
		return err
	}
	if w.client != "" {
		c, err := cat.FindClient(ctx, w.client)
		if err != nil {
			return err
		}
		req.ClientIDs = []int64{c.ID}
	}
	wh, err := m.Warehouse(ctx)
	if err != nil {
		return err
	}
	l := &source.Loader{Warehouse: wh, Catalog: cat, Metrics: newMetrics(cat, wh)}
	res, err := l.RunByShop(ctx, req)
	if err != nil {
		return err
	}
	format, _ := fl.GetString("format")
	return emit(cmd, format, res, byShopTable(res))
}

// byShopTable flattens a by-shop run: cohort months or RFM segments, each
// row led by the shop.
func byShopTable(res *source.ByShop) table {
	var t table
	lead := func(s source.ShopResult) []string {
		return []string{strconv.FormatInt(s.ShopID, 10), s.Shop, s.Currency}
	}
	f := func(v *float64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(*v, 'f', -1, 64)
	}
	switch res.Kind {
	case "cohort":
		t.header = []string{"shop_id", "shop", "currency", "cohort", "size", "offset", "month", "customers", "share", "orders", "revenue"}
		for _, s := range res.Shops {
			r, ok := s.Result.(*cohort.Result)
			if !ok {
				continue
			}
			for _, c := range r.Cohorts {
				for _, mo := range c.Months {
					t.rows = append(t.rows, append(lead(s), c.Month, strconv.Itoa(c.Size), strconv.Itoa(mo.Offset), mo.Month,
						strconv.Itoa(mo.Customers), f(mo.Share), strconv.Itoa(mo.Orders), strconv.FormatFloat(mo.Revenue, 'f', -1, 64)))
				}
			}
		}
	case "rfm":
		t.header = []string{"shop_id", "shop", "currency", "segment", "customers", "share", "revenue", "vips"}
		for _, s := range res.Shops {
			r, ok := s.Result.(source.RFMSummary)
			if !ok {
				continue
			}
			for _, seg := range r.Segments {
				t.rows = append(t.rows, append(lead(s), seg.Name, strconv.Itoa(seg.Customers),
					strconv.FormatFloat(seg.Share, 'f', -1, 64), strconv.FormatFloat(seg.Revenue, 'f', -1, 64), strconv.Itoa(seg.VIPs)))
			}
		}
	}
	return t
}
