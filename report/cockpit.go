package report

import (
	"context"
	"math"
	"math/big"
	"sort"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/finance"
	"github.com/daiyun/daiyun/metrics"
	"github.com/daiyun/daiyun/warehouse"
)

// Sources are what the cockpit reads.
type Sources struct {
	Metrics *metrics.Service
	// Clients lists the clients the actor may see.
	Clients func(ctx context.Context) ([]daiyun.Client, error)
	// Contracts lists a client's contracts.
	Contracts func(ctx context.Context, clientID int64) ([]daiyun.Contract, error)
	// FX converts contract money into the cockpit currency.
	FX metrics.FX
	// Warehouse holds the labour logs.
	Warehouse warehouse.Warehouse
}

// Cockpit is the agency's portfolio view over a period (G1).
type Cockpit struct {
	From     daiyun.Date `json:"from"`
	To       daiyun.Date `json:"to"`
	Currency string      `json:"currency"`
	// Portfolio are the agency-wide KPI values with the previous period.
	Portfolio map[string]metrics.Value `json:"portfolio"`
	Clients   []ClientHealth           `json:"clients"`
	// Note explains a figure that could not be computed (a missing FX
	// rate), never silently zero.
	Note string `json:"note,omitempty"`
}

// ClientHealth is one client's line in the cockpit.
type ClientHealth struct {
	Client daiyun.Client `json:"client"`
	// GMV in the cockpit currency, its change on the previous period, and
	// the attainment of the client's GMV target (nil without a target).
	GMV        *float64 `json:"gmv"`
	GMVChange  *float64 `json:"gmv_change"`
	Attainment *float64 `json:"attainment"`
	// ConversionVsBenchmark is the client's payment conversion ÷ its
	// category benchmark; RefundVsBenchmark likewise for the refund rate.
	ConversionVsBenchmark *float64 `json:"conversion_vs_benchmark"`
	RefundVsBenchmark     *float64 `json:"refund_vs_benchmark"`
	// FeeRevenue is what the contracts earn the agency in the period: the
	// monthly base fee pro-rated by day plus the commission on GMV, in the
	// cockpit currency.
	FeeRevenue *float64 `json:"fee_revenue"`
	// LabourCost is the agency's labour logged for the client in the
	// period; Margin = FeeRevenue − LabourCost and MarginRate = Margin ÷
	// FeeRevenue (finance package), all in the cockpit currency.
	LabourCost *float64 `json:"labour_cost"`
	Margin     *float64 `json:"margin"`
	MarginRate *float64 `json:"margin_rate"`
	// Health is 0–100 (see docs/cockpit.md); ChurnRisk is high below 40,
	// medium below 60, low otherwise.
	Health    *float64 `json:"health"`
	ChurnRisk string   `json:"churn_risk"`
	Note      string   `json:"note,omitempty"`
}

// BuildCockpit computes the cockpit for the clients the actor may see.
func BuildCockpit(ctx context.Context, src Sources, from, to daiyun.Date, currency string) (*Cockpit, error) {
	if currency == "" {
		currency = "CNY"
	}
	ck := &Cockpit{From: from, To: to, Currency: currency, Portfolio: map[string]metrics.Value{}}
	clients, err := src.Clients(ctx)
	if err != nil || len(clients) == 0 {
		return ck, err
	}
	ids := make([]int64, len(clients))
	for i, c := range clients {
		ids[i] = c.ID
	}
	portfolio := []string{"gmv", "paid_amount", "net_sales", "orders", "buyers", "aov", "conversion_rate", "refund_rate", "ad_spend", "roas"}
	res, err := src.Metrics.Query(ctx, metrics.Request{KPIs: portfolio, From: from, To: to, Currency: currency,
		Filters: metrics.Filters{ClientIDs: ids}, Comparisons: []string{metrics.ComparePrevious}})
	if err != nil {
		if daiyun.ErrorCode(err) == daiyun.EINVALID {
			ck.Note = daiyun.ErrorMessage(err)
			return ck, nil
		}
		return nil, err
	}
	if len(res.Rows) > 0 {
		ck.Portfolio = res.Rows[0].Values
	}
	// By client and category, so each row has the category its benchmark
	// belongs to; a client selling in several categories gets one row each,
	// and only its GMV, summed, is used then.
	byClient, err := src.Metrics.Query(ctx, metrics.Request{KPIs: []string{"gmv", "conversion_rate", "refund_rate"}, Dimensions: []string{metrics.DimClient, metrics.DimCategory},
		From: from, To: to, Currency: currency, Filters: metrics.Filters{ClientIDs: ids},
		Comparisons: []string{metrics.ComparePrevious, metrics.CompareTarget, metrics.CompareBenchmark}})
	if err != nil {
		return nil, err
	}
	labour := map[int64]float64{}
	if src.Warehouse != nil {
		tenants, err := daiyun.TenantsFor(ctx, ids...)
		if err != nil {
			return nil, err
		}
		if labour, err = finance.LabourCost(ctx, src.Warehouse, tenants, from, to); err != nil {
			return nil, err
		}
	}
	rows := map[string][]metrics.Row{}
	for _, r := range byClient.Rows {
		rows[r.Dims[metrics.DimClient]] = append(rows[r.Dims[metrics.DimClient]], r)
	}
	for _, c := range clients {
		h := ClientHealth{Client: c}
		if rs := rows[itoa(c.ID)]; len(rs) > 1 {
			h.Note = "several categories: benchmarks and targets are shown per shop in the workspace"
			var sum float64
			for _, r := range rs {
				if v := r.Values["gmv"].Value; v != nil {
					sum += *v
				}
			}
			h.GMV = &sum
		} else if len(rs) == 1 {
			r := rs[0]
			gmv := r.Values["gmv"]
			h.GMV = gmv.Value
			if cmp, ok := gmv.Comparisons[metrics.ComparePrevious]; ok {
				h.GMVChange = cmp.Change
			}
			if cmp, ok := gmv.Comparisons[metrics.CompareTarget]; ok {
				h.Attainment = cmp.Ratio
			}
			if cmp, ok := r.Values["conversion_rate"].Comparisons[metrics.CompareBenchmark]; ok {
				h.ConversionVsBenchmark = cmp.Ratio
			}
			if cmp, ok := r.Values["refund_rate"].Comparisons[metrics.CompareBenchmark]; ok {
				h.RefundVsBenchmark = cmp.Ratio
			}
		}
		contracts, err := src.Contracts(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		fee, err := finance.FeeRevenue(ctx, src.FX, contracts, from, to, h.GMV, currency)
		if err != nil {
			h.Note = daiyun.ErrorMessage(err)
		} else {
			h.FeeRevenue = fee
		}
		if err == nil && src.Warehouse != nil {
			cost, err := convert(ctx, src.FX, labour[c.ID], finance.LabourCurrency, currency, to)
			if err != nil {
				h.Note = daiyun.ErrorMessage(err)
			} else {
				h.LabourCost = &cost
				if fee != nil {
					m := *fee - cost
					h.Margin = &m
					if *fee > 0 {
						r := m / *fee
						h.MarginRate = &r
					}
				}
			}
		}
		h.Health = health(h)
		h.ChurnRisk = churnRisk(h.Health)
		ck.Clients = append(ck.Clients, h)
	}
	sort.SliceStable(ck.Clients, func(i, j int) bool { return value(ck.Clients[i].Health) < value(ck.Clients[j].Health) })
	return ck, nil
}

func itoa(n int64) string { return big.NewInt(n).String() }

func value(f *float64) float64 {
	if f == nil {
		return math.Inf(1)
	}
	return *f
}

// health scores a client 0–100 as the mean of the components it has:
// growth (GMV change −30% → 0, +20% → 100), target attainment (50% → 0,
// 100% → 100), conversion vs benchmark (0.7 → 0, 1.3 → 100) and refund rate
// vs benchmark (1.5 → 0, 0.7 → 100; lower is better).
func health(h ClientHealth) *float64 {
	var parts []float64
	if h.GMVChange != nil {
		parts = append(parts, scale(*h.GMVChange, -0.3, 0.2))
	}
	if h.Attainment != nil {
		parts = append(parts, scale(*h.Attainment, 0.5, 1.0))
	}
	if h.ConversionVsBenchmark != nil {
		parts = append(parts, scale(*h.ConversionVsBenchmark, 0.7, 1.3))
	}
	if h.RefundVsBenchmark != nil {
		parts = append(parts, scale(-*h.RefundVsBenchmark, -1.5, -0.7))
	}
	if len(parts) == 0 {
		return nil
	}
	var sum float64
	for _, p := range parts {
		sum += p
	}
	v := math.Round(sum / float64(len(parts)))
	return &v
}

// scale maps x from [lo, hi] onto [0, 100], clamped.
func scale(x, lo, hi float64) float64 {
	return math.Max(0, math.Min(100, (x-lo)/(hi-lo)*100))
}

func churnRisk(h *float64) string {
	switch {
	case h == nil:
		return "unknown"
	case *h < 40:
		return "high"
	case *h < 60:
		return "medium"
	}
	return "low"
}

// convert turns an amount into currency at day's rate.
func convert(ctx context.Context, fx metrics.FX, v float64, from, to string, day daiyun.Date) (float64, error) {
	if from == to || v == 0 {
		return v, nil
	}
	if fx == nil {
		return 0, daiyun.Errorf(daiyun.EINVALID, "no FX rate from %s to %s: no FX table is configured", from, to)
	}
	r, err := fx.Rate(ctx, from, to, day)
	if err != nil {
		return 0, err
	}
	f, _ := r.Float64()
	return v * f, nil
}
