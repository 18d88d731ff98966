package source

import (
	"context"
	"math"
	"sort"
	"strconv"
	"time"

	"github.com/daiyun/daiyun/analysis/clv"
	"github.com/daiyun/daiyun/analysis/cohort"
	"github.com/daiyun/daiyun/analysis/rfm"
)

func runCohort(ctx context.Context, l *Loader, sc *scope, res *Analysis) error {
	cells, n, err := l.cohortCells(ctx, sc)
	if err != nil {
		return err
	}
	res.InputRows = n
	y, m, _ := sc.end.Add(-1).In(sc.loc).Date()
	r, err := cohort.Build(cells, cohort.MonthIndex(y, m))
	if err != nil {
		return err
	}
	res.Result = r
	t := Table{Name: "cohorts", Header: []string{"cohort", "size", "repeat_customers", "repeat_rate", "offset", "month", "customers", "share", "orders", "revenue"}}
	for _, c := range r.Cohorts {
		for _, m := range c.Months {
			t.Rows = append(t.Rows, []string{c.Month, itoa(c.Size), itoa(c.RepeatCustomers), nump(c.RepeatRate), itoa(m.Offset), m.Month,
				itoa(m.Customers), nump(m.Share), itoa(m.Orders), num(m.Revenue)})
		}
	}
	res.Tables = []Table{t}
	return nil
}

func runRFM(ctx context.Context, l *Loader, sc *scope, res *Analysis) error {
	y, m, d := sc.req.To.Date()
	asOf := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	buyers, n, err := l.rfmBuyers(ctx, sc, asOf, rfm.YearBefore(asOf))
	if err != nil {
		return err
	}
	res.InputRows = n
	r, err := rfm.Score(buyers, asOf, sc.req.Options.VIPThreshold)
	if err != nil {
		return err
	}
	res.Result = r
	seg := Table{Name: "segments", Header: []string{"segment", "customers", "share", "revenue", "avg_recency_days", "avg_frequency", "avg_monetary", "vips"}}
	for _, s := range r.Segments {
		seg.Rows = append(seg.Rows, []string{s.Name, itoa(s.Customers), num(s.Share), num(s.Revenue), nump(s.AvgRecencyDays), nump(s.AvgFrequency), nump(s.AvgMonetary), itoa(s.VIPs)})
	}
	cu := Table{Name: "customers", Header: []string{"customer_id", "last_purchase", "recency_days", "frequency", "monetary", "r", "f", "m", "score", "segment", "spend_12m", "vip"}}
	for _, c := range r.Customers {
		cu.Rows = append(cu.Rows, []string{c.ID, c.LastPurchase, itoa(c.RecencyDays), itoa(c.Frequency), num(c.Monetary), itoa(c.R), itoa(c.F), itoa(c.M),
			c.Score, c.Segment, num(c.Spend12m), strconv.FormatBool(c.VIP)})
	}
	res.Tables = []Table{seg, cu}
	return nil
}

// CLVResult is the fitted models, every customer's prediction and the
// distribution of predicted CLV for the chart.
type CLVResult struct {
	*clv.Result
	Period       string   `json:"period"`
	Horizon      float64  `json:"horizon"`
	Distribution []Bucket `json:"distribution"`
	// TotalCLV is the sum of the customers' CLV; HistoricalRevenue what
	// the same customers spent in the range.
	TotalCLV          float64 `json:"total_clv"`
	HistoricalRevenue float64 `json:"historical_revenue"`
	// ByChannel is lifetime value by acquisition channel with its cost.
	ByChannel []ChannelLTV `json:"by_channel"`
}

// ChannelLTV is the lifetime value of the customers acquired through one
// channel (the channel of their first paid order in the range) and what
// acquiring them cost: LTV = HistoricalLTV + PredictedCLV, the means per
// customer of revenue in the range and of predicted CLV; CAC = ad spend
// charged to the channel ÷ customers acquired; both ratios are null
// without spend.
type ChannelLTV struct {
	Channel       string   `json:"channel"`
	Customers     int      `json:"customers"`
	HistoricalLTV float64  `json:"historical_ltv"`
	PredictedCLV  float64  `json:"predicted_clv"`
	LTV           float64  `json:"ltv"`
	Spend         float64  `json:"spend"`
	CAC           *float64 `json:"cac"`
	LTVToCAC      *float64 `json:"ltv_cac"`
}

// Bucket is one bar of a histogram: values in [From, To).
type Bucket struct {
	From      float64 `json:"from"`
	To        float64 `json:"to"`
	Customers int     `json:"customers"`
}

func runCLV(ctx context.Context, l *Loader, sc *scope, res *Analysis) error {
	o := sc.req.Options
	calEnd, err := date("calibration_end", o.CalibrationEnd, time.UTC)
	if err != nil {
		return err
	}
	// A zero calibration end is the last purchase day in the range (clv
	// refuses an end outside the data).
	period := clv.Period(orDefault(o.Period, "week"))
	horizon := orDefault(o.Horizon, 52)
	ps, err := l.purchases(ctx, sc)
	if err != nil {
		return err
	}
	res.InputRows = len(ps)
	// clv counts calendar days of Date in its own location: give it the
	// payment time in the shop's timezone.
	txs := make([]clv.Transaction, len(ps))
	revenue := 0.0
	for i, p := range ps {
		txs[i] = clv.Transaction{CustomerID: p.Customer, Date: p.Time.In(sc.loc), Amount: p.Amount}
		revenue += p.Amount
	}
	prep, err := clv.Summarize(txs, calEnd, period, horizon)
	if err != nil {
		return err
	}
	r, err := clv.Analyze(prep, clv.Options{Model: o.Model, Horizon: horizon, Discount: o.Discount, Margin: o.Margin})
	if err != nil {
		return err
	}
	out := CLVResult{Result: r, Period: string(period), Horizon: horizon, HistoricalRevenue: revenue}
	values := make([]float64, len(r.Customers))
	for i, c := range r.Customers {
		values[i] = c.CLV
		out.TotalCLV += c.CLV
	}
	out.Distribution = histogram(values, 20)
	if out.ByChannel, err = l.channelLTV(ctx, sc, ps, r); err != nil {
		return err
	}
	res.Result = out
	t := Table{Name: "customers", Header: []string{"customer_id", "x", "t_x", "T", "mean_repeat_spend", "expected_purchases", "p_alive", "expected_spend", "clv"}}
	for _, c := range r.Customers {
		t.Rows = append(t.Rows, []string{c.CustomerID, itoa(c.X), num(c.Tx), num(c.T), num(c.MeanRepeatSpend), num(c.ExpectedPurchases), num(c.PAlive), num(c.ExpectedSpend), num(c.CLV)})
	}
	h := Table{Name: "distribution", Header: []string{"from", "to", "customers"}}
	for _, b := range out.Distribution {
		h.Rows = append(h.Rows, []string{num(b.From), num(b.To), itoa(b.Customers)})
	}
	bc := Table{Name: "by_channel", Header: []string{"channel", "customers", "historical_ltv", "predicted_clv", "ltv", "spend", "cac", "ltv_cac"}}
	for _, c := range out.ByChannel {
		bc.Rows = append(bc.Rows, []string{c.Channel, itoa(c.Customers), num(c.HistoricalLTV), num(c.PredictedCLV), num(c.LTV), num(c.Spend), nump(c.CAC), nump(c.LTVToCAC)})
	}
	res.Tables = []Table{t, h, bc}
	return nil
}

// channelLTV groups the predicted customers by acquisition channel and
// charges each channel the spend of the campaigns whose paid orders mostly
// carry it (failing that, the channel ads_<ad_platform>). KOL fees are not
// charged: KOL deals name no channel.
func (l *Loader) channelLTV(ctx context.Context, sc *scope, ps []Purchase, r *clv.Result) ([]ChannelLTV, error) {
	first, campCh, err := l.acquisitions(ctx, sc)
	if err != nil {
		return nil, err
	}
	spends, err := l.spends(ctx, sc)
	if err != nil {
		return nil, err
	}
	revenue := map[string]float64{}
	for _, p := range ps {
		revenue[p.Customer] += p.Amount
	}
	by := map[string]*ChannelLTV{}
	for _, c := range r.Customers {
		ch := first[c.CustomerID]
		x := by[ch]
		if x == nil {
			x = &ChannelLTV{Channel: ch}
			by[ch] = x
		}
		x.Customers++
		x.HistoricalLTV += revenue[c.CustomerID]
		x.PredictedCLV += c.CLV
	}
	for _, s := range spends {
		if s.Kind != "campaign" {
			continue
		}
		ch, ok := campCh[s.Name]
		if !ok {
			ch, ok = "ads_"+s.Platform, by["ads_"+s.Platform] != nil
		}
		if x := by[ch]; ok && x != nil {
			x.Spend += s.Spend
		}
	}
	out := make([]ChannelLTV, 0, len(by))
	for _, x := range by {
		n := float64(x.Customers)
		x.HistoricalLTV /= n
		x.PredictedCLV /= n
		x.LTV = x.HistoricalLTV + x.PredictedCLV
		if x.Spend > 0 {
			cac := x.Spend / n
			ratio := x.LTV / cac
			x.CAC, x.LTVToCAC = &cac, &ratio
		}
		out = append(out, *x)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Channel < out[j].Channel })
	return out, nil
}

// histogram splits values into n equal-width buckets from 0 (or the
// minimum, when negative) to the 99th percentile; larger values fall in
// the last bucket so one outlier does not flatten the chart.
func histogram(values []float64, n int) []Bucket {
	if len(values) == 0 {
		return []Bucket{}
	}
	s := append([]float64(nil), values...)
	sort.Float64s(s)
	lo := math.Min(0, s[0])
	hi := s[int(math.Ceil(0.99*float64(len(s))))-1]
	if hi <= lo {
		hi = lo + 1
	}
	w := (hi - lo) / float64(n)
	out := make([]Bucket, n)
	for i := range out {
		out[i] = Bucket{From: lo + float64(i)*w, To: lo + float64(i+1)*w}
	}
	for _, v := range s {
		i := min(int((v-lo)/w), n-1)
		out[max(i, 0)].Customers++
	}
	return out
}
