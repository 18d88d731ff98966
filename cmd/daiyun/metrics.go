package main

import (
	"bytes"
	"context"
	"encoding/json"
	"sort"
	"strings"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/metrics"
	"github.com/spf13/cobra"
)

func newMetricsCmd(m *Main) *cobra.Command {
	cmd := &cobra.Command{Use: "metrics", Short: "The KPI catalogue, KPI queries and lineage (C1–C5)"}
	var format string
	list := &cobra.Command{
		Use:   "list",
		Short: "List the KPI catalogue",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ks := metrics.Catalogue()
			t := table{header: []string{"id", "name_zh", "name_en", "unit", "direction", "formula", "dimensions", "facts"}}
			for _, k := range ks {
				t.rows = append(t.rows, []string{k.ID, k.NameZH, k.NameEN, string(k.Unit), string(k.Direction), k.Formula,
					strings.Join(k.Dimensions, ","), strings.Join(k.Facts, ",")})
			}
			return emit(cmd, format, ks, t)
		},
	}
	addFormat(list, &format)

	var rf requestFlags
	query := &cobra.Command{
		Use:   "query",
		Short: "Query KPIs by dimensions and grain, with comparisons",
		Example: `  daiyun metrics query --kpis gmv,orders,aov --client 示例美妆 --by shop --grain month --from 2026-01-01 --to 2026-06-30 \
      --compare previous_period,target,benchmark`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			req, err := rf.request(cmd, m)
			if err != nil {
				return err
			}
			var res *metrics.Result
			if r, ok := m.runningServer(); ok {
				b, _ := json.Marshal(req)
				res = &metrics.Result{}
				err = r.do("POST", "/api/v1/metrics/query", "application/json", bytes.NewReader(b), res)
			} else if ms, e := m.metricsService(cmd); e != nil {
				err = e
			} else {
				res, err = ms.Query(system(cmd.Context()), req)
			}
			if err != nil {
				return err
			}
			return emit(cmd, format, res, resultTable(res))
		},
	}
	rf.bind(query)
	addFormat(query, &format)

	var kpi, period string
	var dims []string
	var page metrics.Page
	explain := &cobra.Command{
		Use:   "explain",
		Short: "Show how one figure was computed: formula, SQL and the rows behind it",
		Example: `  daiyun metrics explain --kpis gmv --client 示例美妆 --by shop --from 2026-11-01 --to 2026-11-24 \
      --kpi gmv --dim shop=3 --limit 20`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			req, err := rf.request(cmd, m)
			if err != nil {
				return err
			}
			if kpi == "" && len(req.KPIs) == 1 {
				kpi = req.KPIs[0]
			}
			cell := metrics.Cell{Request: req, KPI: kpi, Period: period, Dims: map[string]string{}}
			for _, d := range dims {
				k, v, ok := strings.Cut(d, "=")
				if !ok {
					return daiyun.Errorf(daiyun.EINVALID, "--dim %q is not NAME=VALUE", d)
				}
				cell.Dims[k] = v
			}
			var ex *metrics.Explanation
			if r, ok := m.runningServer(); ok {
				b, _ := json.Marshal(map[string]any{"cell": cell, "page": page})
				ex = &metrics.Explanation{}
				err = r.do("POST", "/api/v1/metrics/explain", "application/json", bytes.NewReader(b), ex)
			} else if ms, e := m.metricsService(cmd); e != nil {
				err = e
			} else {
				ex, err = ms.Explain(system(cmd.Context()), cell, page)
			}
			if err != nil {
				return err
			}
			t := table{header: []string{"role", "measure"}}
			for _, f := range ex.Facts {
				t.header = append(t.header[:2], f.Columns...)
				for _, r := range f.Rows {
					row := []string{f.Role, f.Measure.ID}
					for _, v := range r {
						row = append(row, cellString(v))
					}
					t.rows = append(t.rows, row)
				}
			}
			return emit(cmd, format, ex, t)
		},
	}
	rf.bind(explain)
	explain.Flags().StringVar(&kpi, "kpi", "", "the KPI of the cell (default: the only one of --kpis)")
	explain.Flags().StringVar(&period, "period", "", "the cell's period (first day of the grain's bucket)")
	explain.Flags().StringSliceVar(&dims, "dim", nil, "the cell's dimension values, NAME=VALUE (repeatable)")
	explain.Flags().IntVar(&page.Offset, "offset", 0, "first fact row")
	explain.Flags().IntVar(&page.Limit, "limit", 50, "fact rows per measure (at most 1000)")
	addFormat(explain, &format)
	cmd.AddCommand(list, query, explain)
	return cmd
}

// metricsService builds the KPI service over the local stores.
func (m *Main) metricsService(cmd *cobra.Command) (*metrics.Service, error) {
	ctx := system(cmd.Context())
	cat, err := m.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	wh, err := m.Warehouse(ctx)
	if err != nil {
		return nil, err
	}
	return newMetrics(cat, wh), nil
}

// requestFlags are the flags that describe a metrics.Request.
type requestFlags struct {
	kpis, by, compare, platforms, categories, channels, shops []string
	client, grain, from, to, currency                         string
}

func (f *requestFlags) bind(c *cobra.Command) {
	fl := c.Flags()
	fl.StringSliceVar(&f.kpis, "kpis", nil, "KPI ids (see `daiyun metrics list`)")
	fl.StringSliceVar(&f.by, "by", nil, "dimensions: client, shop, platform, category, channel, campaign, province, sku, spu, buyer_type")
	fl.StringVar(&f.grain, "grain", "", "time grain: day, week, month, quarter, year (empty: one total)")
	fl.StringVar(&f.from, "from", "", "first day, YYYY-MM-DD (each shop's own calendar)")
	fl.StringVar(&f.to, "to", "", "last day, YYYY-MM-DD")
	fl.StringVar(&f.client, "client", "", "client name or id")
	fl.StringSliceVar(&f.shops, "shop", nil, "shop names or ids (with --client) ")
	fl.StringSliceVar(&f.platforms, "platform", nil, "only these platforms")
	fl.StringSliceVar(&f.categories, "category", nil, "only these categories")
	fl.StringSliceVar(&f.channels, "channel", nil, "only these channels")
	fl.StringSliceVar(&f.compare, "compare", nil, "previous_period, same_period_last_year, target, benchmark, percentile")
	fl.StringVar(&f.currency, "currency", "", "show money in this currency (converted with the FX table)")
	c.MarkFlagRequired("kpis")
	c.MarkFlagRequired("from")
	c.MarkFlagRequired("to")
}

func (f *requestFlags) request(cmd *cobra.Command, m *Main) (metrics.Request, error) {
	req := metrics.Request{KPIs: f.kpis, Dimensions: f.by, Grain: metrics.Grain(f.grain), Comparisons: f.compare, Currency: strings.ToUpper(f.currency),
		Filters: metrics.Filters{Platforms: f.platforms, Categories: f.categories, Channels: f.channels}}
	var err error
	if req.From, err = daiyun.ParseDate(f.from); err != nil {
		return req, daiyun.Errorf(daiyun.EINVALID, "--from %q is not YYYY-MM-DD", f.from)
	}
	if req.To, err = daiyun.ParseDate(f.to); err != nil {
		return req, daiyun.Errorf(daiyun.EINVALID, "--to %q is not YYYY-MM-DD", f.to)
	}
	if f.client == "" && len(f.shops) == 0 {
		return req, nil
	}
	ctx := system(cmd.Context())
	cat, err := m.Catalog(ctx)
	if err != nil {
		return req, err
	}
	var clientID int64
	if f.client != "" {
		c, err := cat.FindClient(ctx, f.client)
		if err != nil {
			return req, err
		}
		clientID = c.ID
		req.Filters.ClientIDs = []int64{c.ID}
	}
	for _, s := range f.shops {
		sh, err := cat.FindShop(ctx, clientID, s)
		if err != nil {
			return req, err
		}
		req.Filters.ShopIDs = append(req.Filters.ShopIDs, sh.ID)
	}
	return req, nil
}

// resultTable is the table form of a result (metrics.Result.Table).
func resultTable(res *metrics.Result) table {
	h, rows := res.Table()
	return table{header: h, rows: rows}
}

func cellString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	default:
		b, _ := json.Marshal(x)
		return strings.Trim(string(b), `"`)
	}
}

// RateChanges tells the metrics service on which days the catalog's rate
// from→to may change (metrics.FXChanges), so money is summed per rate
// period rather than per day: the days of the pair's rates and of the
// inverse pair's, since catalog.Store.Rate falls back on the inverse.
func (c catalogRefs) RateChanges(ctx context.Context, from, to string, first, last daiyun.Date) ([]daiyun.Date, error) {
	rates, err := c.cat.FXRates(ctx)
	if err != nil {
		return nil, err
	}
	var out []daiyun.Date
	for _, r := range rates {
		pair := r.Base == from && r.Quote == to || r.Base == to && r.Quote == from
		if pair && r.Day.After(first.Time) && !r.Day.After(last.Time) {
			out = append(out, r.Day)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j].Time) })
	return out, nil
}

// The catalog's FX table says when its rates change.
var _ metrics.FXChanges = catalogRefs{}
