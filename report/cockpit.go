package report

import (
	"context"
	"math"
	"math/big"
	"sort"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/metrics"
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
		fee, err := feeRevenue(ctx, src.FX, contracts, from, to, h.GMV, currency)
		if err != nil {
			h.Note = daiyun.ErrorMessage(err)
		} else {
			h.FeeRevenue = fee
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

// feeRevenue is the contracts' base fees pro-rated by day over the period
// (each day earns base fee ÷ days in its month, while the contract runs)
// plus the commission on the period's GMV, converted into currency at the
// period's last day. nil when no contract covers the period.
func feeRevenue(ctx context.Context, fx metrics.FX, contracts []daiyun.Contract, from, to daiyun.Date, gmv *float64, currency string) (*float64, error) {
	var total float64
	any := false
	for _, k := range contracts {
		var baseMinor float64
		covered := 0
		for d := from.Time; !d.After(to.Time); d = d.AddDate(0, 0, 1) {
			if d.Before(k.StartDate.Time) || d.After(k.EndDate.Time) {
				continue
			}
			covered++
			daysInMonth := time.Date(d.Year(), d.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
			baseMinor += float64(k.BaseFeeMinor) / float64(daysInMonth)
		}
		if covered == 0 {
			continue
		}
		any = true
		rate := 1.0
		if k.Currency != currency {
			if fx == nil {
				return nil, daiyun.Errorf(daiyun.EINVALID, "no FX rate from %s to %s: no FX table is configured", k.Currency, currency)
			}
			r, err := fx.Rate(ctx, k.Currency, currency, to)
			if err != nil {
				return nil, err
			}
			rate, _ = r.Float64()
		}
		total += baseMinor / math.Pow10(daiyun.MinorUnits(k.Currency)) * rate
		if gmv != nil {
			// GMV is already in the cockpit currency; commission is on the
			// share of the period the contract covers.
			share := float64(covered) / float64(int(to.Sub(from.Time).Hours()/24)+1)
			total += *gmv * share * float64(k.CommissionBP) / 10000
		}
	}
	if !any {
		return nil, nil
	}
	return &total, nil
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
