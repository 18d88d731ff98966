package source

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/warehouse"
)

// Event is one behaviour event of the events table.
type Event struct {
	Shop     int64
	Person   string
	Name     string
	Time     time.Time
	Source   string // traffic source (the channel)
	Campaign string
	OrderNo  string
}

// PaidStatuses are the order statuses that count as a purchase: paid and
// not (fully) refunded or closed. Pending orders were never paid; refunded
// and closed ones were undone.
var PaidStatuses = []string{"paid", "shipped", "completed", "refunding"}

// Purchase is one paid order: its buyer, payment time and net amount (paid
// minus refunded so far, in major units of the shop's currency). Each is a
// whole order, so the analyses need no order id to merge lines.
type Purchase struct {
	Customer string
	Time     time.Time
	Amount   float64
}

// paidOrders is the filter of the orders that count as purchases, with
// its arguments after the scope's.
func (sc *scope) paidOrders() (string, []any) {
	where, args := sc.where("")
	n := len(args)
	args = append(args, sc.req.From.String(), sc.req.To.String())
	return fmt.Sprintf(`%s AND customer_id IS NOT NULL AND paid_at IS NOT NULL
  AND status IN ('paid', 'shipped', 'completed', 'refunding')
  AND paid_day >= CAST($%d AS DATE) AND paid_day <= CAST($%d AS DATE)`, where, n+1, n+2), args
}

// minorScale returns the divisor from minor to major units of the scope's
// single currency.
func (sc *scope) minorScale() (float64, error) {
	cur, err := sc.moneyCurrency()
	if err != nil {
		return 0, err
	}
	return math.Pow10(daiyun.MinorUnits(cur)), nil
}

const tsLayout = "2006-01-02 15:04:05"

// query runs a scoped read and calls scan for each row.
func (l *Loader) query(ctx context.Context, sc *scope, q string, args []any, scan func(*sql.Rows) error) (int, error) {
	rows, err := l.Warehouse.Query(ctx, sc.tenants, q, args...)
	if err != nil {
		return 0, fmt.Errorf("source: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		if err := scan(rows); err != nil {
			return n, fmt.Errorf("source: scan: %w", err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("source: %w", err)
	}
	return n, nil
}

// events loads the behaviour events of the scope whose time falls in the
// date range (cut in the scope's timezone), sorted by person and time;
// events at the same instant keep the funnel's order (visit, search,
// product_view, add_to_cart, checkout, order, pay) then their id.
func (l *Loader) events(ctx context.Context, sc *scope) ([]Event, error) {
	where, args := sc.where("")
	n := len(args)
	args = append(args, sc.start.Format(tsLayout), sc.end.Format(tsLayout))
	q := fmt.Sprintf(`SELECT shop_id, person_id, event, "at", COALESCE(source, ''), COALESCE(campaign, ''), COALESCE(order_no, '')
FROM events WHERE %s AND "at" >= CAST($%d AS TIMESTAMP) AND "at" < CAST($%d AS TIMESTAMP)
ORDER BY person_id, "at", CASE event WHEN 'visit' THEN 0 WHEN 'search' THEN 1 WHEN 'product_view' THEN 2
  WHEN 'add_to_cart' THEN 3 WHEN 'checkout' THEN 4 WHEN 'order' THEN 5 WHEN 'pay' THEN 6 ELSE 7 END, event_id`, where, n+1, n+2)
	var out []Event
	_, err := l.query(ctx, sc, q, args, func(r *sql.Rows) error {
		var e Event
		if err := r.Scan(&e.Shop, &e.Person, &e.Name, &e.Time, &e.Source, &e.Campaign, &e.OrderNo); err != nil {
			return err
		}
		e.Time = e.Time.UTC()
		out = append(out, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "no behaviour events for client %d between %s and %s", sc.req.ClientID, sc.req.From, sc.req.To)
	}
	return out, nil
}

// purchases loads the paid orders (statuses in PaidStatuses) with a buyer
// whose payment day falls in the date range, in no particular order (the
// analyses of purchases do not depend on it). Amounts are net of refunds
// so far and never negative.
func (l *Loader) purchases(ctx context.Context, sc *scope) ([]Purchase, error) {
	scale, err := sc.minorScale()
	if err != nil {
		return nil, err
	}
	where, args := sc.paidOrders()
	// Counting first lets the slice be allocated once: cheaper than growing
	// it through millions of rows.
	var n int64
	if _, err := l.query(ctx, sc, `SELECT COUNT(*) FROM orders WHERE `+where, args, func(r *sql.Rows) error { return r.Scan(&n) }); err != nil {
		return nil, err
	}
	out := make([]Purchase, 0, n)
	// Milliseconds since the epoch scan faster than timestamps.
	ms := "epoch_ms(paid_at)"
	if l.Warehouse.Dialect() == warehouse.Postgres {
		ms = "CAST(EXTRACT(EPOCH FROM paid_at) * 1000 AS BIGINT)"
	}
	_, err = l.query(ctx, sc, `SELECT customer_id, `+ms+`, paid_minor - refund_minor FROM orders WHERE `+where, args, func(r *sql.Rows) error {
		var p Purchase
		var minor, at int64
		if err := r.Scan(&p.Customer, &at, &minor); err != nil {
			return err
		}
		p.Time = time.UnixMilli(at).UTC()
		p.Amount = float64(max(minor, 0)) / scale
		out = append(out, p)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "no paid orders for client %d between %s and %s", sc.req.ClientID, sc.req.From, sc.req.To)
	}
	return out, nil
}

// orderKey names an order uniquely across the client's shops.
func orderKey(shop int64, orderNo string) string { return strconv.FormatInt(shop, 10) + ":" + orderNo }

// orderValues returns the net paid amount (major units) of every order
// that counts as a purchase, by orderKey: the value of a conversion.
func (l *Loader) orderValues(ctx context.Context, sc *scope) (map[string]float64, error) {
	scale, err := sc.minorScale()
	if err != nil {
		return nil, err
	}
	where, args := sc.paidOrders()
	out := map[string]float64{}
	_, err = l.query(ctx, sc, `SELECT shop_id, order_no, paid_minor - refund_minor FROM orders WHERE `+where, args, func(r *sql.Rows) error {
		var shop, minor int64
		var no string
		if err := r.Scan(&shop, &no, &minor); err != nil {
			return err
		}
		out[orderKey(shop, no)] = float64(max(minor, 0)) / scale
		return nil
	})
	return out, err
}

// acquisitions returns the channel (orders.channel, "" when unknown) of
// each customer's first paid order in the range, and for each campaign
// the channel most of its paid orders carry (ties to the smaller name).
func (l *Loader) acquisitions(ctx context.Context, sc *scope) (first, campaignChannel map[string]string, err error) {
	where, args := sc.paidOrders()
	first = map[string]string{}
	q := `SELECT customer_id, channel FROM (SELECT customer_id, COALESCE(channel, '') AS channel,
  ROW_NUMBER() OVER (PARTITION BY customer_id ORDER BY paid_at, shop_id, order_no) AS rn FROM orders WHERE ` + where + `) t WHERE rn = 1`
	if _, err := l.query(ctx, sc, q, args, func(r *sql.Rows) error {
		var c, ch string
		if err := r.Scan(&c, &ch); err != nil {
			return err
		}
		first[c] = ch
		return nil
	}); err != nil {
		return nil, nil, err
	}
	campaignChannel = map[string]string{}
	best := map[string]int64{}
	q = `SELECT campaign, COALESCE(channel, ''), COUNT(*) FROM orders WHERE ` + where + ` AND campaign IS NOT NULL
GROUP BY campaign, channel ORDER BY campaign, 2`
	_, err = l.query(ctx, sc, q, args, func(r *sql.Rows) error {
		var camp, ch string
		var n int64
		if err := r.Scan(&camp, &ch, &n); err != nil {
			return err
		}
		if n > best[camp] {
			best[camp], campaignChannel[camp] = n, ch
		}
		return nil
	})
	return first, campaignChannel, err
}

// Spend is money spent on a channel, campaign or KOL over the range, with
// what the ad platform or deal reports it brought (major units).
type Spend struct {
	Kind     string  `json:"kind"` // campaign or kol
	Name     string  `json:"name"`
	Platform string  `json:"platform"`
	Spend    float64 `json:"spend"`
	Orders   int64   `json:"reported_orders"`
	GMV      float64 `json:"reported_gmv"`
}

// spends loads ad spend per campaign (ad_spend) and the cost of KOL deals
// (kol_deals: fixed fee plus commission on the deal's GMV) in the range.
func (l *Loader) spends(ctx context.Context, sc *scope) ([]Spend, error) {
	cur, err := sc.moneyCurrency()
	if err != nil {
		return nil, err
	}
	scale := math.Pow10(daiyun.MinorUnits(cur))
	where, args := sc.where("")
	n := len(args)
	args = append(args, sc.req.From.String(), sc.req.To.String())
	var out []Spend
	q := fmt.Sprintf(`SELECT campaign, MIN(ad_platform), CAST(SUM(spend_minor) AS BIGINT), CAST(SUM(attributed_orders) AS BIGINT),
  CAST(SUM(attributed_gmv_minor) AS BIGINT) FROM ad_spend
WHERE %s AND day >= CAST($%d AS DATE) AND day <= CAST($%d AS DATE) GROUP BY campaign ORDER BY campaign`, where, n+1, n+2)
	if _, err := l.query(ctx, sc, q, args, func(r *sql.Rows) error {
		var s Spend
		var spend, gmv int64
		if err := r.Scan(&s.Name, &s.Platform, &spend, &s.Orders, &gmv); err != nil {
			return err
		}
		s.Kind, s.Spend, s.GMV = "campaign", float64(spend)/scale, float64(gmv)/scale
		out = append(out, s)
		return nil
	}); err != nil {
		return nil, err
	}
	q = fmt.Sprintf(`SELECT kol, MIN(COALESCE(kol_platform, '')), CAST(SUM(fee_minor) AS BIGINT),
  SUM(CAST(commission_bp AS DOUBLE PRECISION) * gmv_minor), CAST(SUM(orders) AS BIGINT), CAST(SUM(gmv_minor) AS BIGINT) FROM kol_deals
WHERE %s AND live_day >= CAST($%d AS DATE) AND live_day <= CAST($%d AS DATE) GROUP BY kol ORDER BY kol`, where, n+1, n+2)
	if _, err := l.query(ctx, sc, q, args, func(r *sql.Rows) error {
		var s Spend
		var fee, gmv int64
		var commission float64 // Σ bp × minor, in floating point: the product overflows BIGINT sums
		if err := r.Scan(&s.Name, &s.Platform, &fee, &commission, &s.Orders, &gmv); err != nil {
			return err
		}
		s.Kind = "kol"
		s.Spend = (float64(fee) + commission/10000) / scale
		s.GMV = float64(gmv) / scale
		out = append(out, s)
		return nil
	}); err != nil {
		return nil, err
	}
	return out, nil
}

// onHand returns the units in stock of a SKU on the latest snapshot day at
// or before the range's end, summed over the scope's shops, and that day.
func (l *Loader) onHand(ctx context.Context, sc *scope, sku string) (float64, string, error) {
	where, args := sc.where("s")
	n := len(args)
	args = append(args, sku, sc.req.To.String())
	q := fmt.Sprintf(`SELECT CAST(SUM(s.on_hand) AS BIGINT), MAX(s.day) FROM inventory_snapshots s
WHERE %s AND s.sku_id = $%d AND s.day = (SELECT MAX(i.day) FROM inventory_snapshots i
  WHERE i.tenant_id = s.tenant_id AND i.shop_id = s.shop_id AND i.sku_id = s.sku_id AND i.day <= CAST($%d AS DATE))`, where, n+1, n+2)
	var units sql.NullInt64
	var day sql.NullTime
	if _, err := l.query(ctx, sc, q, args, func(r *sql.Rows) error { return r.Scan(&units, &day) }); err != nil {
		return 0, "", err
	}
	if !units.Valid {
		return 0, "", daiyun.Errorf(daiyun.EINVALID, "no inventory snapshot of SKU %q on or before %s", sku, sc.req.To)
	}
	return float64(units.Int64), day.Time.Format(time.DateOnly), nil
}
