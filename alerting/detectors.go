package alerting

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/finance"
	"github.com/daiyun/daiyun/metrics"
)

// A detector computes one number per shop (or client) and period that is
// not a catalogue KPI: a pattern over rows rather than a ratio of sums.
// Each reads the warehouse through daiyun.TenantsFor and {{tenants}};
// docs/alerting.md gives every definition.
type detector struct {
	perClient bool
	unit      string // what the value measures, for messages
	run       func(ctx context.Context, e *Evaluator, d detectArgs) (map[int64]float64, error)
}

// detectArgs is one period of one rule.
type detectArgs struct {
	tenants  daiyun.Tenants
	shopList string // "1,2,3"
	from, to daiyun.Date
	units    []unit
}

// Detector names.
const (
	DetectFakeOrders    = "fake_orders"
	DetectUnshipped48h  = "unshipped_48h"
	DetectDataStale     = "data_stale_hours"
	DetectLabourShare   = "labour_cost_share"
	DetectCSSlowReplies = "cs_first_response_over_30s"
)

var detectors = map[string]detector{
	DetectFakeOrders:    {unit: "orders", run: fakeOrders},
	DetectUnshipped48h:  {unit: "share", run: unshipped48h},
	DetectDataStale:     {unit: "hours", run: dataStale},
	DetectLabourShare:   {perClient: true, unit: "share", run: labourShare},
	DetectCSSlowReplies: {unit: "share", run: csSlowReplies},
}

// DetectorNames lists the detectors.
func DetectorNames() []string {
	var out []string
	for k := range detectors {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// detect runs the rule's detector for one period and applies the
// condition.
func (e *Evaluator) detect(ctx context.Context, r Rule, units []unit, from, to daiyun.Date) (map[string]obs, error) {
	if e.Warehouse == nil {
		return nil, daiyun.Errorf(daiyun.EINVALID, "no warehouse configured for detectors")
	}
	d := detectors[r.Condition.Detector]
	var clients []int64
	var shops []string
	seen := map[int64]bool{}
	for _, u := range units {
		if !seen[u.clientID] {
			seen[u.clientID] = true
			clients = append(clients, u.clientID)
		}
		for _, s := range u.shops {
			shops = append(shops, strconv.FormatInt(s.ID, 10))
		}
	}
	tenants, err := daiyun.TenantsFor(ctx, clients...)
	if err != nil {
		return nil, err
	}
	vals, err := d.run(ctx, e, detectArgs{tenants: tenants, shopList: strings.Join(shops, ","), from: from, to: to, units: units})
	if err != nil {
		return nil, fmt.Errorf("detector %s %s..%s: %w", r.Condition.Detector, from, to, err)
	}
	out := map[string]obs{}
	for _, u := range units {
		id := u.shopID
		if d.perClient {
			id = u.clientID
		}
		v, ok := vals[id]
		if !ok {
			continue
		}
		o := obs{clientID: u.clientID, shopID: u.shopID, value: v, threshold: r.Condition.Value}
		o.holds = compare(r.Condition.Op, o.value, o.threshold)
		out[scopeKey(u.clientID, u.shopID, "", "")] = o
	}
	return out, nil
}

// scan runs q and reads (id, value) pairs.
func (e *Evaluator) scan(ctx context.Context, tenants daiyun.Tenants, q string, args ...any) (map[int64]float64, error) {
	rows, err := e.Warehouse.Query(ctx, tenants, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]float64{}
	for rows.Next() {
		var id int64
		var v sql.NullFloat64
		if err := rows.Scan(&id, &v); err != nil {
			return nil, err
		}
		if v.Valid {
			out[id] = v.Float64
		}
	}
	return out, rows.Err()
}

// minSample is the fewest orders or sessions a share detector judges: a
// share of 1 late order in 8 says nothing.
const minSample = 20

// fakeOrders counts the orders placed in the period from a device that
// placed at least 5 orders in the shop in that period (a brushing ring
// re-uses a few phones). Shops with orders but no such device count 0.
func fakeOrders(ctx context.Context, e *Evaluator, d detectArgs) (map[int64]float64, error) {
	return e.scan(ctx, d.tenants, `SELECT o.shop_id, CAST(COALESCE(SUM(r.n), 0) AS DOUBLE PRECISION)
		FROM (SELECT DISTINCT shop_id FROM orders WHERE {{tenants}} AND shop_id IN (`+d.shopList+`)
		        AND created_day >= CAST($1 AS DATE) AND created_day <= CAST($2 AS DATE)) o
		LEFT JOIN (SELECT shop_id, device_hash, COUNT(*) AS n FROM orders
		        WHERE {{tenants}} AND shop_id IN (`+d.shopList+`) AND device_hash IS NOT NULL AND device_hash <> ''
		          AND created_day >= CAST($1 AS DATE) AND created_day <= CAST($2 AS DATE)
		        GROUP BY shop_id, device_hash HAVING COUNT(*) >= 5) r ON r.shop_id = o.shop_id
		GROUP BY o.shop_id`, d.from.String(), d.to.String())
}

// unshipped48h is the share of orders paid in the period, at least 48 h
// before the end of the period (shops with at least 20 such orders), that were shipped more than 48 h after
// payment or are still waiting for shipment.
func unshipped48h(ctx context.Context, e *Evaluator, d detectArgs) (map[int64]float64, error) {
	cutoff := d.to.AddDate(0, 0, 1).Add(-48 * 3600 * 1e9).Format("2006-01-02 15:04:05")
	return e.scan(ctx, d.tenants, `SELECT shop_id,
		  CAST(SUM(CASE WHEN (shipped_at IS NOT NULL AND EXTRACT(EPOCH FROM (shipped_at - paid_at)) > 172800)
		                  OR (shipped_at IS NULL AND status = 'paid') THEN 1 ELSE 0 END) AS DOUBLE PRECISION) / COUNT(*)
		FROM orders WHERE {{tenants}} AND shop_id IN (`+d.shopList+`) AND paid_at IS NOT NULL
		  AND paid_day >= CAST($1 AS DATE) AND paid_day <= CAST($2 AS DATE) AND paid_at <= CAST($3 AS TIMESTAMP)
		GROUP BY shop_id HAVING COUNT(*) >= `+strconv.Itoa(minSample), d.from.String(), d.to.String(), cutoff)
}

// dataStale is the hours between the end of the period's last day and the
// end of the newest day with orders or traffic (looking back 60 days; a
// shop with nothing in 60 days counts 60 days).
func dataStale(ctx context.Context, e *Evaluator, d detectArgs) (map[int64]float64, error) {
	since := d.to.AddDate(0, 0, -60).Format("2006-01-02")
	rows, err := e.Warehouse.Query(ctx, d.tenants, `SELECT shop_id, CAST(MAX(day) AS TEXT) FROM (
		  SELECT shop_id, MAX(created_day) AS day FROM orders WHERE {{tenants}} AND shop_id IN (`+d.shopList+`)
		    AND created_day >= CAST($1 AS DATE) AND created_day <= CAST($2 AS DATE) GROUP BY shop_id
		  UNION ALL
		  SELECT shop_id, MAX(day) AS day FROM traffic_daily WHERE {{tenants}} AND shop_id IN (`+d.shopList+`)
		    AND day >= CAST($1 AS DATE) AND day <= CAST($2 AS DATE) GROUP BY shop_id) x
		GROUP BY shop_id`, since, d.to.String())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]float64{}
	for _, u := range d.units {
		out[u.shopID] = 60 * 24
	}
	for rows.Next() {
		var id int64
		var day string
		if err := rows.Scan(&id, &day); err != nil {
			return nil, err
		}
		last, err := daiyun.ParseDate(day[:min(10, len(day))])
		if err != nil {
			return nil, err
		}
		out[id] = d.to.Sub(last.Time).Hours()
	}
	return out, rows.Err()
}

// labourShare is the agency's labour cost logged for the client in the
// period ÷ the base fee its contract in force earns over the same days,
// both as the finance package defines them (the cockpit's margin uses the
// same). A fee in another currency converts with the metrics FX table; the
// client is skipped when there is none.
func labourShare(ctx context.Context, e *Evaluator, d detectArgs) (map[int64]float64, error) {
	cost, err := finance.LabourCost(ctx, e.Warehouse, d.tenants, d.from, d.to)
	if err != nil {
		return nil, err
	}
	var fx metrics.FX
	if e.Metrics != nil {
		fx = e.Metrics.FX
	}
	out := map[int64]float64{}
	for _, u := range d.units {
		c, ok, err := e.contractOn(ctx, u.clientID, d.to)
		if err != nil {
			return nil, err
		}
		if !ok || c.BaseFeeMinor <= 0 || c.Currency != finance.LabourCurrency && fx == nil {
			continue
		}
		fee, err := finance.FeeRevenue(ctx, fx, []daiyun.Contract{c}, d.from, d.to, nil, finance.LabourCurrency)
		if err != nil {
			return nil, err
		}
		if fee == nil || *fee <= 0 {
			continue
		}
		out[u.clientID] = cost[u.clientID] / *fee
	}
	return out, nil
}

// csSlowReplies is the share of customer-service sessions in the period
// whose first human reply came after more than 30 seconds, among sessions
// that got one (shops with at least 20 such sessions).
func csSlowReplies(ctx context.Context, e *Evaluator, d detectArgs) (map[int64]float64, error) {
	return e.scan(ctx, d.tenants, `SELECT shop_id,
		  CAST(SUM(CASE WHEN first_response_s > 30 THEN 1 ELSE 0 END) AS DOUBLE PRECISION) / COUNT(*)
		FROM cs_sessions WHERE {{tenants}} AND shop_id IN (`+d.shopList+`) AND first_response_s IS NOT NULL
		  AND day >= CAST($1 AS DATE) AND day <= CAST($2 AS DATE)
		GROUP BY shop_id HAVING COUNT(*) >= `+strconv.Itoa(minSample), d.from.String(), d.to.String())
}
