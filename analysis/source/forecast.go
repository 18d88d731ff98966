package source

import (
	"context"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/forecast"
	"github.com/daiyun/daiyun/metrics"
)

// ForecastResult is the forecast of a daily KPI series with the history it
// was fitted on (for the chart) and, for one SKU, the stock it started
// from.
type ForecastResult struct {
	*forecast.Result
	Measure string         `json:"measure"`
	SKU     string         `json:"sku,omitempty"`
	History []HistoryPoint `json:"history"`
	// StockDay is the inventory snapshot day of the stock plan's on_hand.
	StockDay string `json:"stock_day,omitempty"`
}

// HistoryPoint is one observed day.
type HistoryPoint struct {
	Date  string  `json:"date"`
	Value float64 `json:"value"`
}

// series returns the daily values of a KPI (gmv or units) over the scope
// from the KPI catalogue, so the forecast starts from the dashboards'
// figures; days without sales are 0. sku narrows to one SKU.
func (l *Loader) series(ctx context.Context, sc *scope, kpi, sku string) (forecast.Series, error) {
	if l.Metrics == nil {
		return forecast.Series{}, daiyun.Errorf(daiyun.EINTERNAL, "forecasts need the KPI service")
	}
	k, ok := metrics.Lookup(kpi)
	if !ok || (kpi != "gmv" && kpi != "units") {
		return forecast.Series{}, daiyun.Errorf(daiyun.EINVALID, "options.measure %q is not gmv or units", kpi)
	}
	req := metrics.Request{KPIs: []string{kpi}, Grain: metrics.GrainDay, From: sc.req.From, To: sc.req.To,
		Filters: metrics.Filters{ClientIDs: []int64{sc.req.ClientID}, ShopIDs: sc.shopIDs()}, Currency: sc.currency}
	if sku != "" {
		if !k.Supports(metrics.DimSKU) {
			return forecast.Series{}, daiyun.Errorf(daiyun.EINVALID, "options.sku: %s cannot be split by SKU; use measure units", kpi)
		}
		req.Filters.SKUs = []string{sku}
	}
	res, err := l.Metrics.Query(ctx, req)
	if err != nil {
		return forecast.Series{}, err
	}
	byDay := map[string]float64{}
	for _, r := range res.Rows {
		if v := r.Values[kpi].Value; v != nil {
			byDay[r.Period] += *v
		}
	}
	var s forecast.Series
	for d := sc.req.From.Time; !d.After(sc.req.To.Time); d = d.AddDate(0, 0, 1) {
		s.Dates = append(s.Dates, d)
		s.Values = append(s.Values, byDay[d.Format(time.DateOnly)])
	}
	return s, nil
}

func runForecast(ctx context.Context, l *Loader, sc *scope, res *Analysis) error {
	o := sc.req.Options
	measure := orDefault(o.Measure, "gmv")
	if o.SKU != "" && o.Measure == "" {
		measure = "units"
	}
	s, err := l.series(ctx, sc, measure, o.SKU)
	if err != nil {
		return err
	}
	res.InputRows = len(s.Values)
	if measure == "units" {
		res.Currency = ""
	}
	fo := forecast.Options{Horizon: int(orDefault(o.Horizon, 30)), Season: o.Season, Seasonal: orDefault(o.Seasonal, "auto"),
		Promotions: !o.NoPromotions}
	out := ForecastResult{Measure: measure, SKU: o.SKU}
	if o.SKU != "" && measure == "units" {
		onHand, day, err := l.onHand(ctx, sc, o.SKU)
		if err != nil {
			return err
		}
		out.StockDay = day
		fo.Stock = &forecast.StockInput{OnHand: onHand, LeadTimeDays: orDefault(o.LeadTimeDays, 14),
			ServiceLevel: o.ServiceLevel, CoverDays: o.CoverDays}
	}
	r, err := forecast.Run(s, fo)
	if err != nil {
		return err
	}
	out.Result = r
	for i, d := range s.Dates {
		out.History = append(out.History, HistoryPoint{Date: d.Format(time.DateOnly), Value: s.Values[i]})
	}
	res.Result = out
	t := Table{Name: "forecast", Header: []string{"date", "value", "lo80", "hi80", "lo95", "hi95", "promotion"}}
	for _, p := range r.Forecast {
		t.Rows = append(t.Rows, []string{p.Date, num(p.Value), num(p.Lo80), num(p.Hi80), num(p.Lo95), num(p.Hi95), p.Promotion})
	}
	h := Table{Name: "history", Header: []string{"date", "value"}}
	for _, p := range out.History {
		h.Rows = append(h.Rows, []string{p.Date, num(p.Value)})
	}
	res.Tables = []Table{t, h}
	if st := r.Stock; st != nil {
		res.Tables = append(res.Tables, Table{Name: "stock", Header: []string{"sku", "on_hand", "stock_day", "days_of_cover", "run_out_date", "lead_time_days",
			"lead_time_demand", "safety_stock", "reorder_point", "reorder_date", "reorder_quantity"},
			Rows: [][]string{{o.SKU, num(st.OnHand), out.StockDay, nump(st.DaysOfCover), strp(st.RunOutDate), itoa(st.LeadTimeDays),
				num(st.LeadTimeDemand), num(st.SafetyStock), num(st.ReorderPoint), strp(st.ReorderDate), num(st.ReorderQuantity)}}})
	}
	return nil
}

func strp(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
