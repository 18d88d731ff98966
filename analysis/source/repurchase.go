package source

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/cohort"
	"github.com/daiyun/daiyun/analysis/rfm"
)

// Cohorts and RFM aggregate the purchases inside the warehouse: Go receives
// one row per cohort and month, or one per customer, instead of every paid
// order, and hands them to cohort.Build and rfm.Score, the same code that
// finishes cohort.Compute and rfm.Compute on a file. Money is added in
// minor units (exact integers) and turned into the packages' millionths,
// so the figures equal those of the packages run on the loaded purchases
// (analysis/source's tests compare them on both engines).

// purchaseDay is the SQL expression of a purchase's calendar day in the
// scope's timezone: paid_day (paid_at cut in the shop's timezone) when
// every shop of the scope shares the timezone, otherwise the UTC day of
// paid_at, as the scope's timezone is then UTC.
func (sc *scope) purchaseDay() string {
	if sc.localDays {
		return "paid_day"
	}
	return "CAST(paid_at AS DATE)"
}

// microPerMinor is the factor from minor units of the scope's single
// currency to the millionths the analysis packages add.
func (sc *scope) microPerMinor() (int64, error) {
	cur, err := sc.moneyCurrency()
	if err != nil {
		return 0, err
	}
	digits := daiyun.MinorUnits(cur)
	if digits > 6 {
		return 0, daiyun.Errorf(daiyun.EINVALID, "currency %s has %d decimals; amounts are added in millionths", cur, digits)
	}
	f := int64(1)
	for range 6 - digits {
		f *= 10
	}
	return f, nil
}

// noPurchases is the error of a scope without a paid order.
func (sc *scope) noPurchases() error {
	return daiyun.Errorf(daiyun.EINVALID, "no paid orders for client %d between %s and %s", sc.req.ClientID, sc.req.From, sc.req.To)
}

// cohortCells aggregates the scope's purchases paid before the end of the
// range into cohort cells: per first-purchase month and month, the
// customers, orders and revenue, and in the cohort's own month the
// customers with two orders or more. It returns the number of purchases.
func (l *Loader) cohortCells(ctx context.Context, sc *scope) ([]cohort.Cell, int, error) {
	micro, err := sc.microPerMinor()
	if err != nil {
		return nil, 0, err
	}
	where, args := sc.paidOrders()
	// paid_day ≤ to already ends the range when days are the shops' own.
	if !sc.localDays {
		args = append(args, sc.end.Format(tsLayout))
		where += fmt.Sprintf(" AND paid_at < CAST($%d AS TIMESTAMP)", len(args))
	}
	q := cohortSQL("0", sc.purchaseDay(), where)
	var cells []cohort.Cell
	purchases := 0
	_, err = l.query(ctx, sc, q, args, func(r *sql.Rows) error {
		var c cohort.Cell
		var shop, minor int64
		if err := r.Scan(&shop, &c.Cohort, &c.Month, &c.Customers, &c.Repeaters, &c.Orders, &minor); err != nil {
			return err
		}
		c.Revenue = minor * micro
		purchases += c.Orders
		cells = append(cells, c)
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	if len(cells) == 0 {
		return nil, 0, sc.noPurchases()
	}
	return cells, purchases, nil
}

// cohortSQL aggregates purchases into cohort cells per shop key (an
// expression: shop_id, or a constant for one table over several shops):
// shop, cohort month, month, customers, repeat customers (in the cohort's
// own month), orders and revenue in minor units. Months are month indexes
// (cohort.MonthIndex) of the day expression. A customer has two orders or
// more when they bought in two months or twice in one: cheaper to find
// than their order total (no wide sum carried through the join).
func cohortSQL(shop, day, where string) string {
	return fmt.Sprintf(`WITH p AS (SELECT %[1]s AS s, customer_id AS c,
    CAST(EXTRACT(YEAR FROM %[2]s) * 12 + EXTRACT(MONTH FROM %[2]s) - 1 AS INTEGER) AS m, GREATEST(paid_minor - refund_minor, 0) AS a
  FROM orders WHERE %[3]s),
cm AS (SELECT s, c, m, COUNT(*) AS n, SUM(a) AS a FROM p GROUP BY s, c, m),
cu AS (SELECT s, c, MIN(m) AS f, CASE WHEN COUNT(*) > 1 OR MAX(n) > 1 THEN 1 ELSE 0 END AS rep FROM cm GROUP BY s, c)
SELECT cu.s, cu.f, cm.m, COUNT(*), CAST(SUM(CASE WHEN cm.m = cu.f THEN cu.rep ELSE 0 END) AS BIGINT),
  CAST(SUM(cm.n) AS BIGINT), CAST(SUM(cm.a) AS BIGINT)
FROM cm JOIN cu ON cu.s = cm.s AND cu.c = cm.c GROUP BY cu.s, cu.f, cm.m`, shop, day, where)
}

// rfmBuyers aggregates the scope's purchases up to asOf (a calendar day)
// per customer: last purchase day, orders, spend and spend after yearAgo.
// It returns the number of purchases.
func (l *Loader) rfmBuyers(ctx context.Context, sc *scope, asOf, yearAgo time.Time) ([]rfm.Buyer, int, error) {
	micro, err := sc.microPerMinor()
	if err != nil {
		return nil, 0, err
	}
	where, args := sc.paidOrders()
	args = append(args, asOf.Format(time.DateOnly), yearAgo.Format(time.DateOnly))
	day := sc.purchaseDay()
	// Days travel as days since 1970-01-01: integers scan faster than dates.
	q := fmt.Sprintf(`SELECT c, CAST(MAX(d) - DATE '1970-01-01' AS BIGINT), COUNT(*), CAST(SUM(a) AS BIGINT),
  CAST(SUM(CASE WHEN d > CAST($%[4]d AS DATE) THEN a ELSE 0 END) AS BIGINT)
FROM (SELECT customer_id AS c, %[1]s AS d, GREATEST(paid_minor - refund_minor, 0) AS a
  FROM orders WHERE %[2]s AND %[1]s <= CAST($%[3]d AS DATE)) p
GROUP BY c`, day, where, len(args)-1, len(args))
	var out []rfm.Buyer
	purchases := 0
	_, err = l.query(ctx, sc, q, args, func(r *sql.Rows) error {
		var b rfm.Buyer
		var days, spend, spend12m int64
		if err := r.Scan(&b.ID, &days, &b.Orders, &spend, &spend12m); err != nil {
			return err
		}
		b.Last = time.Unix(days*86400, 0).UTC()
		b.Spend, b.Spend12m = spend*micro, spend12m*micro
		purchases += b.Orders
		out = append(out, b)
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	if len(out) == 0 {
		return nil, 0, sc.noPurchases()
	}
	return out, purchases, nil
}
