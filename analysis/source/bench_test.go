package source_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/source"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/warehouse/duckdb"
)

// The raw-engine anchor of ../shared/bench (anchor-gen.sql, queries d and
// e), scaled to benchLines() order lines. Temp tables become tables of the
// schema "anchor" so every pooled connection sees them.
const anchorGen = `SELECT setseed(0.42);
CREATE SCHEMA anchor;
CREATE TABLE anchor.o AS
SELECT o AS order_seq,
       CAST(1 + floor(200 * pow(random(), 1.6)) AS INTEGER) AS shop_id,
       TIMESTAMP '2023-01-01 00:00:00' + to_seconds(CAST(floor(sqrt(random()) * 94694400) AS BIGINT)) AS ts,
       floor(pow(random(), 2.0) * 8000)::BIGINT AS local_cust,
       (['web','ios','android','pos','amazon','social','email','b2b'])[CAST(1 + floor(pow(random(), 1.4) * 8) AS INTEGER)] AS channel,
       random() < 0.05 AS refunded,
       CAST(1 + floor(pow(random(), 1.6) * 5) AS INTEGER) AS n_lines
FROM range(ORDERS) t(o);
CREATE TABLE anchor.l AS
SELECT o.order_seq, o.shop_id, o.shop_id::BIGINT * 1000000 + o.local_cust AS customer_id, o.ts, o.channel, o.refunded,
       CAST(o.shop_id * 100000 + floor(pow(random(), 2) * 5000) AS INTEGER) AS sku_id,
       CAST(1 + floor(pow(random(), 3) * 5) AS INTEGER) AS qty,
       CAST(round(2 + pow(random(), 2) * 198, 2) AS DECIMAL(10,2)) AS price
FROM anchor.o o, range(o.n_lines) r(line_no)
ORDER BY o.order_seq, r.line_no
LIMIT LINES;
CREATE TABLE anchor.order_lines AS
WITH ord AS (SELECT order_seq, 1000000000 + row_number() OVER (ORDER BY ts, order_seq) AS order_id FROM (SELECT DISTINCT order_seq, ts FROM anchor.l))
SELECT l.shop_id, ord.order_id::BIGINT AS order_id, l.customer_id, l.sku_id, l.ts, l.qty, l.price, l.refunded, l.channel
FROM anchor.l l JOIN ord USING (order_seq)
ORDER BY ts, order_id;
DROP TABLE anchor.o;
DROP TABLE anchor.l;
INSERT INTO orders (tenant_id, shop_id, order_no, customer_id, status, created_at, paid_at, created_day, paid_day, currency,
  goods_minor, discount_minor, shipping_minor, total_minor, paid_minor, refund_minor, version, source)
SELECT 1, shop_id, CAST(order_id AS VARCHAR), CAST(customer_id AS VARCHAR), CASE WHEN refunded THEN 'refunded' ELSE 'completed' END,
  ts, ts, CAST(ts AS DATE), CAST(ts AS DATE), 'CNY', m, 0, 0, m, m, CASE WHEN refunded THEN m ELSE 0 END, 1, 'bench'
FROM (SELECT shop_id, order_id, customer_id, ts, refunded, CAST(round(SUM(qty * price) * 100) AS BIGINT) AS m
      FROM anchor.order_lines GROUP BY ALL)`

// Queries d (monthly cohorts) and e (RFM quintiles) of anchor-queries.sql.
const (
	anchorD = `WITH cm AS (SELECT DISTINCT customer_id, date_trunc('month', ts) AS m FROM anchor.order_lines),
f AS (SELECT customer_id, MIN(m) AS cohort FROM cm GROUP BY customer_id),
r AS (SELECT f.cohort, CAST((EXTRACT(YEAR FROM cm.m) - EXTRACT(YEAR FROM f.cohort))*12 + EXTRACT(MONTH FROM cm.m) - EXTRACT(MONTH FROM f.cohort) AS INTEGER) AS k,
        COUNT(*) AS customers
      FROM cm JOIN f ON cm.customer_id = f.customer_id GROUP BY 1, 2)
SELECT cohort, k, customers, customers*1.0/FIRST_VALUE(customers) OVER (PARTITION BY cohort ORDER BY k) AS retention
FROM r ORDER BY cohort, k`
	anchorE = `WITH c AS (SELECT customer_id, MAX(ts) AS last_ts, COUNT(DISTINCT order_id) AS frequency, SUM(qty*price) AS monetary
  FROM anchor.order_lines WHERE NOT refunded GROUP BY customer_id),
s AS (SELECT customer_id, monetary,
  NTILE(5) OVER (ORDER BY last_ts, customer_id) AS r, NTILE(5) OVER (ORDER BY frequency, customer_id) AS f,
  NTILE(5) OVER (ORDER BY monetary, customer_id) AS m FROM c)
SELECT r, f, m, COUNT(*) AS customers, SUM(monetary) AS monetary FROM s GROUP BY r, f, m ORDER BY r, f, m`
)

// benchLines is the size of the generated warehouse: DAIYUN_BENCH_LINES,
// default 500,000 (the reference size of the issue is 5,000,000).
func benchLines(b *testing.B) int {
	n := 500_000
	if s := os.Getenv("DAIYUN_BENCH_LINES"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1000 {
			b.Fatalf("DAIYUN_BENCH_LINES=%q: want a number of order lines ≥ 1000", s)
		}
		n = v
	}
	return n
}

// benchWarehouse generates the anchor table and the same orders as
// Daiyun facts of one client with 200 UTC shops.
func benchWarehouse(b *testing.B) (*source.Loader, *sql.DB, source.Request) {
	b.Helper()
	dir := b.TempDir()
	wh, err := duckdb.Open(filepath.Join(dir, "wh.duckdb"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { wh.Close() })
	if err := wh.Migrate(sys); err != nil {
		b.Fatal(err)
	}
	lines := benchLines(b)
	gen := strings.NewReplacer("ORDERS", strconv.Itoa(lines*21/50), "LINES", strconv.Itoa(lines)).Replace(anchorGen)
	start := time.Now()
	conn, err := wh.SQL().Conn(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	for _, stmt := range strings.Split(gen, ";\n") {
		if _, err := conn.ExecContext(context.Background(), stmt); err != nil {
			b.Fatalf("%v\n%s", err, stmt)
		}
	}
	conn.Close()
	cat, err := catalog.Open(sys, filepath.Join(dir, "catalog.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cat.Close() })
	if err := cat.Migrate(sys); err != nil {
		b.Fatal(err)
	}
	c := daiyun.Client{Name: "Bench"}
	if err := cat.CreateClient(sys, &c); err != nil || c.ID != 1 {
		b.Fatalf("client %d: %v", c.ID, err)
	}
	for i := 1; i <= 200; i++ {
		sh := daiyun.Shop{ClientID: c.ID, Name: fmt.Sprintf("shop %03d", i), Platform: daiyun.PlatformShopify, Category: "other", Currency: "CNY", Timezone: "UTC"}
		if err := cat.CreateShop(sys, &sh); err != nil || sh.ID != int64(i) {
			b.Fatalf("shop %d: %v", sh.ID, err)
		}
	}
	var orders int
	wh.SQL().QueryRow(`SELECT COUNT(*) FROM orders`).Scan(&orders)
	b.Logf("warehouse: %d order lines, %d orders, generated in %s", lines, orders, time.Since(start).Round(time.Millisecond))
	from, _ := daiyun.ParseDate("2023-01-01")
	to, _ := daiyun.ParseDate("2025-12-31")
	return &source.Loader{Warehouse: wh, Catalog: cat}, wh.SQL(), source.Request{ClientID: c.ID, From: from, To: to}
}

func drain(b *testing.B, db *sql.DB, q string) int {
	rows, err := db.Query(q)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	vals := make([]any, len(cols))
	for i := range vals {
		vals[i] = new(any)
	}
	n := 0
	for rows.Next() {
		if err := rows.Scan(vals...); err != nil {
			b.Fatal(err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return n
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// benchVsAnchor times a Daiyun analysis and its anchor query alternately
// in the same process and database, and reports both medians and their
// ratio (Daiyun ÷ anchor).
func benchVsAnchor(b *testing.B, kind, anchor string) {
	l, db, req := benchWarehouse(b)
	req.Kind = kind
	var ours, raw []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		res, err := l.Run(sys, req)
		if err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		drain(b, db, anchor)
		ours, raw = append(ours, t1.Sub(t0)), append(raw, time.Since(t1))
		if i == 0 {
			b.Logf("%s read %d purchases", kind, res.InputRows)
		}
	}
	b.StopTimer()
	mo, mr := median(ours), median(raw)
	b.ReportMetric(float64(mo.Milliseconds()), "daiyun-ms")
	b.ReportMetric(float64(mr.Milliseconds()), "anchor-ms")
	b.ReportMetric(float64(mo)/float64(mr), "ratio")
}

// BenchmarkCohortVsAnchor: monthly repurchase cohorts of the whole client
// against anchor query d. Run with -benchtime=5x for medians of five.
func BenchmarkCohortVsAnchor(b *testing.B) { benchVsAnchor(b, "cohort", anchorD) }

// BenchmarkRFMVsAnchor: RFM scores and segments of every customer against
// anchor query e.
func BenchmarkRFMVsAnchor(b *testing.B) { benchVsAnchor(b, "rfm", anchorE) }
