package metrics

import (
	"context"
	"database/sql"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/warehouse"
)

// benchSpec is a modest generated warehouse: 200 shops over 20 clients, a
// year and a month of days, perDay paid orders per shop and day on average
// (DAIYUN_METRICS_BENCH_PERDAY scales it; the lead's 5 M-line run uses the
// demo generator instead).
func benchSpec() genSpec {
	per := 3
	if v, err := strconv.Atoi(os.Getenv("DAIYUN_METRICS_BENCH_PERDAY")); err == nil && v > 0 {
		per = v
	}
	return genSpec{shops: 200, clients: 20, days: 396, perDay: per, start: time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC)}
}

// sqlDB is implemented by both engines: the raw handle for the hand-written
// baseline queries.
type sqlDB interface{ SQL() *sql.DB }

// rawQuery runs hand-written SQL and reads every value, as a program
// without the metrics layer would.
func rawQuery(b *testing.B, db *sql.DB, q string, args ...any) int {
	rows, err := db.QueryContext(context.Background(), q, args...)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return n
}

// The hand-written equivalents of the two benchmark requests: the same
// numbers, written by hand for one engine.
const (
	rawOverview1 = `SELECT created_day, SUM(total_minor) FROM orders WHERE tenant_id = $3 AND shop_id = $4
		AND created_day BETWEEN CAST($1 AS DATE) AND CAST($2 AS DATE) AND NOT (status = 'closed' AND paid_at IS NULL) GROUP BY 1`
	rawOverview2 = `SELECT paid_day, SUM(paid_minor), SUM(paid_minor - refund_minor), COUNT(*), COUNT(DISTINCT customer_id),
		SUM(CASE WHEN refund_minor > 0 THEN 1 ELSE 0 END) FROM orders WHERE tenant_id = $3 AND shop_id = $4
		AND paid_day BETWEEN CAST($1 AS DATE) AND CAST($2 AS DATE) AND paid_at IS NOT NULL GROUP BY 1`
	rawOverview3 = `SELECT o.paid_day, SUM(l.quantity) FROM order_lines l JOIN orders o ON o.tenant_id = l.tenant_id AND o.shop_id = l.shop_id
		AND o.order_no = l.order_no WHERE l.tenant_id = $3 AND l.shop_id = $4 AND o.paid_day BETWEEN CAST($1 AS DATE) AND CAST($2 AS DATE)
		AND o.paid_at IS NOT NULL GROUP BY 1`
	rawOverview4 = `SELECT day, SUM(visitors), SUM(pay_buyers) FROM traffic_daily WHERE tenant_id = $3 AND shop_id = $4
		AND day BETWEEN CAST($1 AS DATE) AND CAST($2 AS DATE) GROUP BY 1`
	rawPortfolio1 = `SELECT shop_id, SUM(total_minor) FROM orders WHERE created_day BETWEEN CAST($1 AS DATE) AND CAST($2 AS DATE)
		AND NOT (status = 'closed' AND paid_at IS NULL) GROUP BY 1`
	rawPortfolio2 = `SELECT shop_id, SUM(paid_minor), COUNT(*), COUNT(DISTINCT customer_id), SUM(CASE WHEN refund_minor > 0 THEN 1 ELSE 0 END)
		FROM orders WHERE paid_day BETWEEN CAST($1 AS DATE) AND CAST($2 AS DATE) AND paid_at IS NOT NULL GROUP BY 1`
)

// overviewKPIs are the ten KPIs of a shop overview.
var overviewKPIs = []string{"gmv", "paid_amount", "net_sales", "orders", "buyers", "aov", "refund_rate", "units", "visitors", "conversion_rate"}

// BenchmarkMetrics times the two reference requests against the
// hand-written SQL for the same numbers, alternating in the same run, and
// reports both medians and their ratio (target: ratio ≤ 1.3 on DuckDB).
func BenchmarkMetrics(b *testing.B) {
	g := benchSpec()
	engines := map[string]warehouse.Warehouse{"duckdb": openDuck(b)}
	if os.Getenv("DAIYUN_TEST_PG") != "skip" {
		engines["postgres"] = openPG(b)
	}
	var shops MemoryShops
	for _, w := range engines {
		shops = genLoad(b, w, g, 3)
	}
	all := make([]int64, g.clients)
	for i := range all {
		all[i] = int64(i + 1)
	}
	last := g.start.AddDate(0, 0, g.days-1)
	yearFrom := daiyun.Date{Time: last.AddDate(-1, 0, 1)}
	monthFrom := daiyun.Date{Time: last.AddDate(0, 0, -29)}
	to := daiyun.Date{Time: last}
	cases := []struct {
		name string
		req  Request
		raw  []string
		args []any
	}{
		{"shop_overview_1y_daily", Request{KPIs: overviewKPIs, Grain: GrainDay, From: yearFrom, To: to, Filters: Filters{ShopIDs: []int64{1}}},
			[]string{rawOverview1, rawOverview2, rawOverview3, rawOverview4}, []any{yearFrom.String(), to.String(), int64(1), int64(1)}},
		{"portfolio_200_shops_30d", Request{KPIs: []string{"gmv", "paid_amount", "orders", "buyers", "aov", "refund_rate"}, Dimensions: []string{DimShop},
			From: monthFrom, To: to}, []string{rawPortfolio1, rawPortfolio2}, []any{monthFrom.String(), to.String()}},
	}
	names := make([]string, 0, len(engines))
	for n := range engines {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, c := range cases {
		for _, en := range names {
			w := engines[en]
			b.Run(c.name+"/"+en, func(b *testing.B) {
				s := &Service{Warehouse: w, Shops: shops}
				db := w.(sqlDB).SQL()
				var tm, tr []time.Duration
				for b.Loop() {
					t0 := time.Now()
					res, err := s.Query(sysCtx(), c.req)
					if err != nil {
						b.Fatal(err)
					}
					t1 := time.Now()
					n := 0
					for _, q := range c.raw {
						n += rawQuery(b, db, q, c.args...)
					}
					t2 := time.Now()
					tm, tr = append(tm, t1.Sub(t0)), append(tr, t2.Sub(t1))
					if len(res.Rows) == 0 || n == 0 {
						b.Fatal("no rows")
					}
				}
				mm, mr := median(tm), median(tr)
				b.ReportMetric(float64(mm.Microseconds())/1000, "metrics-ms")
				b.ReportMetric(float64(mr.Microseconds())/1000, "raw-ms")
				b.ReportMetric(float64(mm)/float64(mr), "ratio")
			})
		}
	}
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
