// Package warehousetest is the conformance suite every warehouse engine
// passes (Run), plus the fixed dataset and queries the cross-engine test
// compares. It talks to engines only through warehouse.Warehouse, except
// where a test must reach below the tenant filter (SQLer).
package warehousetest

import (
	"context"
	"database/sql"
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/warehouse"
)

// SQLer is implemented by engines that expose their database/sql handle;
// the suite uses it only to tamper with the schema version and to dump
// whole tables.
type SQLer interface {
	SQL() *sql.DB
}

// Tenants returns a Tenants value for ids, made as the system actor.
func Tenants(tb testing.TB, ids ...int64) daiyun.Tenants {
	tb.Helper()
	t, err := daiyun.TenantsFor(daiyun.WithActor(context.Background(), daiyun.SystemActor), ids...)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// Row builds a row of table in its column order from a map; columns not in
// the map are NULL.
func Row(table string, values map[string]any) []any {
	t, ok := warehouse.TableByName(table)
	if !ok {
		panic("warehousetest: unknown table " + table)
	}
	row := make([]any, len(t.Columns))
	for i, c := range t.Columns {
		row[i] = values[c.Name]
	}
	for name := range values {
		if _, ok := t.Column(name); !ok {
			panic("warehousetest: " + table + " has no column " + name)
		}
	}
	return row
}

// Columns returns the table's column names.
func Columns(table string) []string {
	t, _ := warehouse.TableByName(table)
	return t.ColumnNames()
}

// Day is midnight UTC of a date.
func Day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// Dataset is a fixed, deterministic set of facts for two tenants: orders,
// order lines, SKUs and traffic over three months across a month boundary,
// with repeat buyers and NULLs. It is what the cross-engine test loads into
// every engine.
func Dataset() map[string][][]any {
	r := rand.New(rand.NewPCG(42, 7))
	out := map[string][][]any{}
	start := time.Date(2025, 12, 15, 0, 0, 0, 0, time.UTC)
	provinces := []any{"浙江", "广东", "上海", nil, "四川"}
	statuses := []string{warehouse.StatusPaid, warehouse.StatusCompleted, warehouse.StatusCompleted, warehouse.StatusClosed, warehouse.StatusRefunded}
	for tenant := int64(1); tenant <= 2; tenant++ {
		for shop := tenant * 10; shop < tenant*10+2; shop++ {
			for s := range 20 {
				out["skus"] = append(out["skus"], Row("skus", map[string]any{
					"tenant_id": tenant, "shop_id": shop, "sku_id": fmt.Sprintf("SKU%02d", s),
					"spu_id": fmt.Sprintf("SPU%d", s/4), "title": "商品 " + strconv.Itoa(s),
					"price_minor": int64(1000 + 250*s), "cost_minor": int64(400 + 100*s),
					"active": s%7 != 0, "hero": s < 2, "launched_on": start.AddDate(0, 0, -s*10),
				}))
			}
			for d := range 90 {
				day := start.AddDate(0, 0, d)
				for _, src := range []string{"search", "recommendation", "ads_ztc"} {
					v := int64(200 + r.IntN(300))
					out["traffic_daily"] = append(out["traffic_daily"], Row("traffic_daily", map[string]any{
						"tenant_id": tenant, "shop_id": shop, "day": day, "source": src,
						"visitors": v, "page_views": v * 3, "product_visitors": v / 2, "cart_visitors": v / 8,
						"order_buyers": v / 20, "pay_buyers": v / 25, "pay_minor": v * 150,
						"impressions": v * 40, "clicks": v,
					}))
				}
				for o := range 3 + r.IntN(6) {
					no := fmt.Sprintf("T%d-%d-%03d-%d", tenant, shop, d, o)
					at := day.Add(time.Duration(r.IntN(86400)) * time.Second).Add(time.Duration(r.IntN(1000000)) * time.Microsecond)
					status := statuses[r.IntN(len(statuses))]
					var customer any = fmt.Sprintf("c%d", r.IntN(150))
					if r.IntN(20) == 0 {
						customer = nil
					}
					var goods int64
					nLines := 1 + r.IntN(3)
					for l := 1; l <= nLines; l++ {
						sku := r.IntN(20)
						qty := 1 + r.IntN(3)
						amount := int64(qty) * int64(1000+250*sku) * int64(90+r.IntN(11)) / 100
						goods += amount
						var refund int64
						if status == warehouse.StatusRefunded {
							refund = amount
						}
						out["order_lines"] = append(out["order_lines"], Row("order_lines", map[string]any{
							"tenant_id": tenant, "shop_id": shop, "order_no": no, "line_no": l,
							"sku_id": fmt.Sprintf("SKU%02d", sku), "spu_id": fmt.Sprintf("SPU%d", sku/4), "title": nil,
							"quantity": int32(qty), "unit_price_minor": int64(1000 + 250*sku), "amount_minor": amount,
							"refund_minor": refund, "refund_qty": 0, "created_day": day, "version": int64(1),
						}))
					}
					shipping := int64(r.IntN(2) * 800)
					total := goods + shipping
					var paidAt, paidDay any
					paid := int64(0)
					if status != warehouse.StatusClosed {
						paidAt, paidDay, paid = at.Add(5*time.Minute), day, total
					}
					refund := int64(0)
					if status == warehouse.StatusRefunded {
						refund = goods
					}
					out["orders"] = append(out["orders"], Row("orders", map[string]any{
						"tenant_id": tenant, "shop_id": shop, "order_no": no, "customer_id": customer,
						"status": status, "created_at": at, "paid_at": paidAt, "created_day": day, "paid_day": paidDay,
						"currency": "CNY", "goods_minor": goods, "discount_minor": int64(0), "shipping_minor": shipping,
						"total_minor": total, "paid_minor": paid, "refund_minor": refund,
						"province": provinces[r.IntN(len(provinces))], "channel": "search",
						"version": int64(1), "source": "test",
					}))
				}
			}
		}
	}
	return out
}

// Load upserts the dataset into w, for tenants 1 and 2.
func Load(tb testing.TB, w warehouse.Warehouse, data map[string][][]any) {
	tb.Helper()
	ten := Tenants(tb, 1, 2)
	for _, table := range []string{"skus", "traffic_daily", "orders", "order_lines"} {
		if _, err := w.Upsert(context.Background(), ten, table, Columns(table), data[table]); err != nil {
			tb.Fatalf("load %s: %v", table, err)
		}
	}
}

// Queries are the aggregates the cross-engine test runs on every engine.
// They are written the way metrics SQL must be to give identical answers:
// date_trunc cast to DATE (PostgreSQL returns a timestamptz for a date),
// sums cast to BIGINT (DuckDB returns HUGEINT, PostgreSQL NUMERIC), NULLS
// FIRST/LAST spelled out, and a total order before any LIMIT.
var Queries = []struct {
	Name string
	SQL  string
	Args []any
}{
	{"monthly_gmv", `SELECT shop_id, CAST(date_trunc('month', created_day) AS DATE) AS month, count(*) AS orders,
		CAST(sum(total_minor) AS BIGINT) AS gmv, count(DISTINCT customer_id) AS buyers
		FROM orders WHERE {{tenants}} AND status <> 'closed' GROUP BY 1, 2 ORDER BY 1, 2`, nil},
	{"daily_lines", `SELECT created_day, CAST(sum(quantity) AS BIGINT), CAST(sum(amount_minor - refund_minor) AS BIGINT)
		FROM order_lines WHERE {{tenants}} AND created_day >= $1 AND created_day < $2 GROUP BY 1 ORDER BY 1`,
		[]any{Day(2025, 12, 28), Day(2026, 1, 5)}},
	{"province_sku", `SELECT o.province, l.sku_id, CAST(sum(l.amount_minor) AS BIGINT) AS rev, count(DISTINCT o.order_no) AS n
		FROM orders o JOIN order_lines l ON l.tenant_id = o.tenant_id AND l.shop_id = o.shop_id AND l.order_no = o.order_no
		WHERE {{tenants:o}} AND {{tenants:l}} GROUP BY 1, 2 ORDER BY 3 DESC, 1 NULLS FIRST, 2 LIMIT 25`, nil},
	{"weekly_paid", `SELECT CAST(date_trunc('week', paid_at) AS DATE) AS week, count(*), CAST(sum(paid_minor) AS BIGINT)
		FROM orders WHERE {{tenants}} AND paid_at IS NOT NULL GROUP BY 1 ORDER BY 1`, nil},
	{"repeat_buyers", `SELECT shop_id, count(*) FROM (SELECT shop_id, customer_id FROM orders
		WHERE {{tenants}} AND customer_id IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1) x GROUP BY 1 ORDER BY 1`, nil},
	{"conversion", `SELECT t.shop_id, CAST(date_trunc('month', t.day) AS DATE) AS month,
		CAST(sum(t.pay_buyers) AS DOUBLE PRECISION) / CAST(sum(t.visitors) AS DOUBLE PRECISION) AS cr,
		round(CAST(avg(t.visitors) AS DOUBLE PRECISION)) AS avg_uv
		FROM traffic_daily t WHERE {{tenants:t}} GROUP BY 1, 2 ORDER BY 1, 2`, nil},
	{"margin", `SELECT s.hero, CAST(sum(l.amount_minor - l.quantity * s.cost_minor) AS BIGINT) AS margin,
		count(*) FILTER (WHERE s.active) AS active_lines
		FROM order_lines l JOIN skus s ON s.tenant_id = l.tenant_id AND s.shop_id = l.shop_id AND s.sku_id = l.sku_id
		WHERE {{tenants:l}} AND {{tenants:s}} GROUP BY 1 ORDER BY 1`, nil},
}

// Result runs query on w for tenants and returns its rows as normalised
// strings, comparable across engines.
func Result(tb testing.TB, w warehouse.Warehouse, tenants daiyun.Tenants, query string, args ...any) [][]string {
	tb.Helper()
	rows, err := w.Query(context.Background(), tenants, query, args...)
	if err != nil {
		tb.Fatalf("query %s: %v", firstLine(query), err)
	}
	defer rows.Close()
	return scanAll(tb, rows)
}

func scanAll(tb testing.TB, rows *sql.Rows) [][]string {
	tb.Helper()
	cols, err := rows.Columns()
	if err != nil {
		tb.Fatal(err)
	}
	var out [][]string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			tb.Fatal(err)
		}
		line := make([]string, len(vals))
		for i, v := range vals {
			line[i] = Normalize(v)
		}
		out = append(out, line)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// Normalize spells a scanned value the same way for every engine.
func Normalize(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case int64:
		return strconv.FormatInt(x, 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int:
		return strconv.Itoa(x)
	case *big.Int:
		return x.String()
	case float64:
		return strconv.FormatFloat(x, 'f', 6, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'f', 6, 64)
	case bool:
		return strconv.FormatBool(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case []byte:
		return Normalize(string(x))
	case string:
		if strings.Contains(x, ".") {
			if f, err := strconv.ParseFloat(x, 64); err == nil {
				return strconv.FormatFloat(f, 'f', 6, 64)
			}
		}
		return x
	}
	return fmt.Sprintf("%T:%v", v, v)
}

// Dump returns every row of table for the tenants, ordered by key.
func Dump(tb testing.TB, w warehouse.Warehouse, tenants daiyun.Tenants, table string) [][]string {
	tb.Helper()
	t, _ := warehouse.TableByName(table)
	quote := func(names []string) string {
		q := make([]string, len(names))
		for i, n := range names {
			q[i] = warehouse.Quote(n)
		}
		return strings.Join(q, ", ")
	}
	return Result(tb, w, tenants, fmt.Sprintf("SELECT %s FROM %s WHERE {{tenants}} ORDER BY %s",
		quote(t.ColumnNames()), t.Name, quote(t.Key)))
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

func equalRows(a, b [][]string) bool {
	return slices.EqualFunc(a, b, func(x, y []string) bool { return slices.Equal(x, y) })
}
