// Package finance holds the engagement-finance definitions (PRODUCT.md
// D14) that more than one capability reads: what a client's contracts earn
// the agency over a period, and what the agency's labour for the client
// cost. The cockpit's fee revenue and margin and the budget monitor's
// labour share use these, so the two never disagree.
package finance

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/metrics"
	"github.com/daiyun/daiyun/warehouse"
)

// LabourCurrency is the currency labour_logs records cost in.
const LabourCurrency = "CNY"

// FeeRevenue is what the contracts earn over [from, to], in currency: each
// day a contract runs earns its monthly base fee ÷ the days of that month,
// plus, when gmv (already in currency) is given, the commission rate × the
// period's GMV for the share of the period the contract covers. Contract
// money in another currency converts at the rate of the period's last day.
// nil when no contract covers the period.
func FeeRevenue(ctx context.Context, fx metrics.FX, contracts []daiyun.Contract, from, to daiyun.Date, gmv *float64, currency string) (*float64, error) {
	var total float64
	covered := false
	periodDays := int(to.Sub(from.Time).Hours()/24) + 1
	for _, k := range contracts {
		var baseMinor float64
		days := 0
		for d := from.Time; !d.After(to.Time); d = d.AddDate(0, 0, 1) {
			if d.Before(k.StartDate.Time) || d.After(k.EndDate.Time) {
				continue
			}
			days++
			baseMinor += float64(k.BaseFeeMinor) / float64(daysIn(d))
		}
		if days == 0 {
			continue
		}
		covered = true
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
			total += *gmv * float64(days) / float64(periodDays) * float64(k.CommissionBP) / 10000
		}
	}
	if !covered {
		return nil, nil
	}
	return &total, nil
}

func daysIn(d time.Time) int { return time.Date(d.Year(), d.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day() }

// LabourCost is the agency's labour cost logged per client over [from, to],
// in major units of LabourCurrency.
func LabourCost(ctx context.Context, wh warehouse.Warehouse, tenants daiyun.Tenants, from, to daiyun.Date) (map[int64]float64, error) {
	rows, err := wh.Query(ctx, tenants, `SELECT tenant_id, CAST(SUM(cost_minor) AS BIGINT) FROM labour_logs
		WHERE {{tenants}} AND day >= CAST($1 AS DATE) AND day <= CAST($2 AS DATE) GROUP BY tenant_id`, from.String(), to.String())
	if err != nil {
		return nil, fmt.Errorf("finance: labour cost: %w", err)
	}
	defer rows.Close()
	out := map[int64]float64{}
	for rows.Next() {
		var id, minor int64
		if err := rows.Scan(&id, &minor); err != nil {
			return nil, err
		}
		out[id] = float64(minor) / math.Pow10(daiyun.MinorUnits(LabourCurrency))
	}
	return out, rows.Err()
}
