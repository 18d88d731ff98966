package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/metrics"
)

// The client workspace (PRODUCT.md G2): KPI cards with comparisons, a trend,
// breakdowns, and a way down to the rows behind every figure. Every number
// comes from metrics.Service, the one definition of each KPI.

// cardKPIs are the workspace's headline KPIs, in display order.
var cardKPIs = []string{"gmv", "paid_amount", "net_sales", "orders", "buyers", "aov", "visitors",
	"conversion_rate", "refund_rate", "repurchase_rate", "ad_spend", "roas"}

// workspaceFilter is what the filter bar chose.
type workspaceFilter struct {
	From, To daiyun.Date
	ShopID   int64
	Grain    metrics.Grain
}

func (f workspaceFilter) query() string {
	v := url.Values{"from": {f.From.String()}, "to": {f.To.String()}, "grain": {string(f.Grain)}}
	if f.ShopID != 0 {
		v.Set("shop", strconv.FormatInt(f.ShopID, 10))
	}
	return v.Encode()
}

// parseFilter reads from/to/shop/grain, defaulting to the last 30 complete
// days in Asia/Shanghai (the shops' own calendars cut the days).
func parseFilter(r *http.Request, now time.Time) (workspaceFilter, error) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	y, m, d := now.In(loc).Date()
	yesterday := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
	f := workspaceFilter{From: daiyun.Date{Time: yesterday.AddDate(0, 0, -29)}, To: daiyun.Date{Time: yesterday}, Grain: metrics.GrainDay}
	q := r.URL.Query()
	var err error
	if v := q.Get("from"); v != "" {
		if f.From, err = daiyun.ParseDate(v); err != nil {
			return f, daiyun.Errorf(daiyun.EINVALID, "from %q is not YYYY-MM-DD", v)
		}
	}
	if v := q.Get("to"); v != "" {
		if f.To, err = daiyun.ParseDate(v); err != nil {
			return f, daiyun.Errorf(daiyun.EINVALID, "to %q is not YYYY-MM-DD", v)
		}
	}
	if v := q.Get("shop"); v != "" {
		if f.ShopID, err = strconv.ParseInt(v, 10, 64); err != nil {
			return f, daiyun.Errorf(daiyun.EINVALID, "shop %q is not a shop id", v)
		}
	}
	switch g := metrics.Grain(q.Get("grain")); g {
	case "":
	case metrics.GrainDay, metrics.GrainWeek, metrics.GrainMonth:
		f.Grain = g
	default:
		return f, daiyun.Errorf(daiyun.EINVALID, "grain %q is not day, week or month", g)
	}
	return f, nil
}

// kpiCard is one headline figure with its comparisons.
type kpiCard struct {
	KPI         metrics.KPI
	Value       string
	Raw         string // the unformatted value, for tests and copy-paste
	Comparisons []cardComparison
	Lineage     string // link to the rows behind the figure
}

type cardComparison struct {
	Kind   string
	Text   string
	Better *bool
}

// workspacePage is what the workspace template renders.
type workspacePage struct {
	Client    daiyun.Client
	Shops     []daiyun.Shop
	Filter    workspaceFilter
	Currency  string
	Converted bool
	FXNote    string
	Cards     []kpiCard
	Trend     template.JS // chart data, JSON
	Channels  template.JS
	BuyerMix  template.JS
	Provinces []breakdownRow
	SKUs      []breakdownRow
	Problem   string // a figure that could not be computed, e.g. a missing FX rate
	Query     string
	Overview  []ShopOverview
	Contracts []daiyun.Contract
	Team      []teamMember
}

// ExportURL is the download of the page's KPIs in format (csv, xlsx) for
// the same filter.
func (p workspacePage) ExportURL(format string) template.URL {
	return template.URL(fmt.Sprintf("/clients/%d/export?format=%s&%s", p.Client.ID, url.QueryEscape(format), p.Filter.query()))
}

type breakdownRow struct {
	Key     string
	Values  []string
	Lineage string
}

// workspaceComparisons are the comparisons of the headline cards.
var workspaceComparisons = []string{metrics.ComparePrevious, metrics.CompareLastYear, metrics.CompareTarget, metrics.CompareBenchmark}

// workspaceRequest is the query behind the workspace's headline KPIs for a
// filter, by the filter's grain: what its export downloads.
func workspaceRequest(clientID int64, f workspaceFilter) metrics.Request {
	filters := metrics.Filters{ClientIDs: []int64{clientID}}
	if f.ShopID != 0 {
		filters.ShopIDs = []int64{f.ShopID}
	}
	return metrics.Request{KPIs: cardKPIs, Grain: f.Grain, From: f.From, To: f.To, Filters: filters, Comparisons: workspaceComparisons}
}

// workspace builds the workspace of one client.
func (s *Server) workspace(ctx context.Context, lang string, clientID int64, f workspaceFilter) (workspacePage, error) {
	c, err := s.Catalog.Client(ctx, clientID)
	if err != nil {
		return workspacePage{}, err
	}
	shops, err := s.Catalog.Shops(ctx, catalog.ShopFilter{ClientID: clientID})
	if err != nil {
		return workspacePage{}, err
	}
	p := workspacePage{Client: c, Shops: shops, Filter: f, Query: f.query()}
	if len(shops) == 0 {
		return p, nil
	}
	base := workspaceRequest(clientID, f)
	base.KPIs, base.Grain, base.Comparisons = nil, metrics.GrainNone, nil

	// Headline cards with comparisons.
	req := base
	req.KPIs = cardKPIs
	req.Comparisons = workspaceComparisons
	res, err := s.Metrics.Query(ctx, req)
	if err != nil {
		if daiyun.ErrorCode(err) == daiyun.EINVALID {
			p.Problem = daiyun.ErrorMessage(err) // e.g. a missing FX rate for a mixed-currency client
			return p, nil
		}
		return p, err
	}
	p.Currency, p.Converted, p.FXNote = res.Currency, res.Converted, res.FXNote
	tr := newTranslator(lang)
	if len(res.Rows) > 0 {
		for _, id := range cardKPIs {
			k, _ := metrics.Lookup(id)
			v := res.Rows[0].Values[id]
			card := kpiCard{KPI: k, Value: formatValue(k, v.Value, res.Currency), Lineage: s.lineageLink(clientID, req, id, "", nil)}
			if v.Value != nil {
				card.Raw = strconv.FormatFloat(*v.Value, 'f', -1, 64)
			}
			kinds := make([]string, 0, len(v.Comparisons))
			for kind := range v.Comparisons {
				kinds = append(kinds, kind)
			}
			sort.Strings(kinds)
			for _, kind := range kinds {
				cmp := v.Comparisons[kind]
				card.Comparisons = append(card.Comparisons, cardComparison{Kind: tr.T("ws_cmp_" + kind), Text: comparisonText(k, cmp, res.Currency), Better: cmp.Better})
			}
			p.Cards = append(p.Cards, card)
		}
	}

	// Trend: GMV and orders by the chosen grain.
	req = base
	req.KPIs, req.Grain = []string{"gmv", "orders", "visitors"}, f.Grain
	if trend, err := s.Metrics.Query(ctx, req); err == nil {
		var days []string
		var gmv, orders, visitors []any
		for _, r := range trend.Rows {
			days = append(days, r.Period)
			gmv = append(gmv, r.Values["gmv"].Value)
			orders = append(orders, r.Values["orders"].Value)
			visitors = append(visitors, r.Values["visitors"].Value)
		}
		p.Trend = chartJSON(map[string]any{"x": days, "series": []map[string]any{
			{"name": tr.T("col_gmv"), "type": "line", "data": gmv, "yAxisIndex": 0},
			{"name": tr.T("col_orders"), "type": "bar", "data": orders, "yAxisIndex": 1},
			{"name": tr.T("ws_visitors"), "type": "line", "data": visitors, "yAxisIndex": 1},
		}})
	}

	// By channel.
	req = base
	req.KPIs, req.Dimensions = []string{"gmv", "orders", "visitors", "conversion_rate"}, []string{metrics.DimChannel}
	if byCh, err := s.Metrics.Query(ctx, req); err == nil {
		var names []string
		var gmv []any
		for _, r := range byCh.Rows {
			names = append(names, r.Dims[metrics.DimChannel])
			gmv = append(gmv, r.Values["gmv"].Value)
		}
		p.Channels = chartJSON(map[string]any{"x": names, "series": []map[string]any{{"name": tr.T("col_gmv"), "type": "bar", "data": gmv}}})
	}

	// New vs returning buyers.
	req = base
	req.KPIs, req.Dimensions = []string{"paid_amount", "buyers"}, []string{metrics.DimBuyerType}
	if mix, err := s.Metrics.Query(ctx, req); err == nil {
		var data []map[string]any
		for _, r := range mix.Rows {
			data = append(data, map[string]any{"name": tr.T("ws_buyer_" + r.Dims[metrics.DimBuyerType]), "value": r.Values["paid_amount"].Value})
		}
		p.BuyerMix = chartJSON(map[string]any{"pie": data})
	}

	// Provinces and SKUs, top 15 each.
	p.Provinces = s.breakdown(ctx, clientID, base, metrics.DimProvince, []string{"gmv", "orders", "buyers", "aov"}, "gmv", res.Currency)
	p.SKUs = s.breakdown(ctx, clientID, base, metrics.DimSKU, []string{"units", "gross_margin", "return_rate"}, "units", res.Currency)
	return p, nil
}

// breakdown ranks the dimension's values by one KPI and keeps the top 15.
func (s *Server) breakdown(ctx context.Context, clientID int64, base metrics.Request, dim string, kpis []string, by, currency string) []breakdownRow {
	req := base
	req.KPIs, req.Dimensions = kpis, []string{dim}
	res, err := s.Metrics.Query(ctx, req)
	if err != nil {
		return nil
	}
	rows := res.Rows
	sort.SliceStable(rows, func(i, j int) bool { return num(rows[i].Values[by].Value) > num(rows[j].Values[by].Value) })
	if len(rows) > 15 {
		rows = rows[:15]
	}
	var out []breakdownRow
	for _, r := range rows {
		b := breakdownRow{Key: r.Dims[dim], Lineage: s.lineageLink(clientID, req, by, "", map[string]string{dim: r.Dims[dim]})}
		for _, id := range kpis {
			k, _ := metrics.Lookup(id)
			b.Values = append(b.Values, formatValue(k, r.Values[id].Value, res.Currency))
		}
		out = append(out, b)
	}
	return out
}

func num(f *float64) float64 {
	if f == nil {
		return math.Inf(-1)
	}
	return *f
}

// lineageLink points at the lineage page of one cell.
func (s *Server) lineageLink(clientID int64, req metrics.Request, kpi, period string, dims map[string]string) string {
	cell := metrics.Cell{Request: req, KPI: kpi, Period: period, Dims: dims}
	cell.Request.Comparisons = nil
	b, _ := json.Marshal(cell)
	return fmt.Sprintf("/clients/%d/lineage?cell=%s", clientID, url.QueryEscape(string(b)))
}

func chartJSON(v any) template.JS {
	b, _ := json.Marshal(v)
	return template.JS(b)
}

// formatValue writes a KPI value in its unit; "–" when it has no value.
func formatValue(k metrics.KPI, v *float64, currency string) string {
	if v == nil {
		return "–"
	}
	x := *v
	switch {
	case k.ID == "roas":
		return strconv.FormatFloat(x, 'f', 2, 64) + "×"
	case k.Unit == metrics.UnitMoney:
		return thousands(x, 2) + " " + currency
	case k.Unit == metrics.UnitRatio:
		return strconv.FormatFloat(x*100, 'f', 2, 64) + "%"
	case k.Unit == metrics.UnitCount:
		return thousands(x, 0)
	default:
		return strconv.FormatFloat(x, 'f', 1, 64) + " " + string(k.Unit)
	}
}

// comparisonText writes a comparison as a change or an attainment.
func comparisonText(k metrics.KPI, c metrics.Comparison, currency string) string {
	switch {
	case c.Percentile != nil:
		return fmt.Sprintf("P%.0f (%d/%d)", *c.Percentile, c.Rank, c.Peers)
	case c.Kind == metrics.CompareTarget && c.Ratio != nil:
		return strconv.FormatFloat(*c.Ratio*100, 'f', 1, 64) + "% · " + formatValue(k, c.Baseline, currency)
	case c.Change != nil:
		sign := "+"
		if *c.Change < 0 {
			sign = ""
		}
		return sign + strconv.FormatFloat(*c.Change*100, 'f', 1, 64) + "% · " + formatValue(k, c.Baseline, currency)
	case c.Note != "":
		return c.Note
	}
	return "–"
}

// thousands formats with a thousands separator.
func thousands(x float64, places int) string {
	s := strconv.FormatFloat(math.Abs(x), 'f', places, 64)
	intPart, frac := s, ""
	if i := len(s) - places - 1; places > 0 && i > 0 {
		intPart, frac = s[:i], s[i:]
	}
	var b []byte
	for i, c := range []byte(intPart) {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, c)
	}
	if x < 0 {
		return "-" + string(b) + frac
	}
	return string(b) + frac
}
