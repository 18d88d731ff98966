package bench

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/big"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/metrics"
)

// Metrics is what `daiyun bench metrics` needs: the product's service and
// HTTP handler over a warehouse, and the raw handle of the same warehouse
// for the hand-written SQL.
type Metrics struct {
	Engine  string
	DB      *sql.DB
	Service *metrics.Service
	// Handler serves the product's API; Token is a bearer token it accepts.
	Handler http.Handler
	Token   string
	// Rate is the catalog's dated FX table (the baseline converts with it
	// the way the product does).
	Rate func(ctx context.Context, from, to string, day daiyun.Date) (*big.Rat, error)
	Runs int
	// Only names the one figure to time, "overview" or "portfolio"; empty
	// times both.
	Only string
}

// OverviewKPIs are the ten KPIs of a shop overview.
var OverviewKPIs = []string{"gmv", "paid_amount", "net_sales", "orders", "buyers", "aov", "refund_rate", "units", "visitors", "conversion_rate"}

// PortfolioKPIs are the figures of the agency portfolio, one row per shop.
var PortfolioKPIs = []string{"gmv", "paid_amount", "orders", "buyers", "aov", "refund_rate"}

// The hand-written SQL of the overview: one statement per fact source, as
// a program without the metrics layer would write it from docs/metrics.md.
// $1 tenant, $2 shop, $3 from, $4 to. Ratios are computed in SQL.
var rawOverview = []string{
	`SELECT created_day, CAST(SUM(total_minor) AS DOUBLE PRECISION) FROM orders
WHERE tenant_id = $1 AND shop_id = $2 AND created_day BETWEEN CAST($3 AS DATE) AND CAST($4 AS DATE)
  AND NOT (status = 'closed' AND paid_at IS NULL) GROUP BY created_day`,
	`SELECT paid_day, CAST(SUM(paid_minor) AS DOUBLE PRECISION), CAST(SUM(paid_minor - refund_minor) AS DOUBLE PRECISION), COUNT(*),
  COUNT(DISTINCT customer_id), CAST(SUM(paid_minor) AS DOUBLE PRECISION) / NULLIF(COUNT(DISTINCT customer_id), 0),
  SUM(CASE WHEN refund_minor > 0 THEN 1 ELSE 0 END) * 1.0 / COUNT(*)
FROM orders WHERE tenant_id = $1 AND shop_id = $2 AND paid_day BETWEEN CAST($3 AS DATE) AND CAST($4 AS DATE)
  AND paid_at IS NOT NULL GROUP BY paid_day`,
	`SELECT o.paid_day, SUM(l.quantity) FROM order_lines l JOIN orders o
  ON o.tenant_id = l.tenant_id AND o.shop_id = l.shop_id AND o.order_no = l.order_no
WHERE l.tenant_id = $1 AND l.shop_id = $2 AND o.paid_day BETWEEN CAST($3 AS DATE) AND CAST($4 AS DATE) AND l.created_day <= CAST($4 AS DATE)
  AND o.paid_at IS NOT NULL GROUP BY o.paid_day`,
	`SELECT day, SUM(visitors), SUM(pay_buyers) * 1.0 / NULLIF(SUM(visitors), 0) FROM traffic_daily
WHERE tenant_id = $1 AND shop_id = $2 AND day BETWEEN CAST($3 AS DATE) AND CAST($4 AS DATE) GROUP BY day`,
}

// The hand-written SQL of the portfolio: $1 from, $2 to; money per shop in
// its own currency (converted in Go with the same rate as the product).
var rawPortfolio = []string{
	`SELECT shop_id, currency, CAST(SUM(total_minor) AS DOUBLE PRECISION) FROM orders
WHERE created_day BETWEEN CAST($1 AS DATE) AND CAST($2 AS DATE) AND NOT (status = 'closed' AND paid_at IS NULL)
GROUP BY shop_id, currency`,
	`SELECT shop_id, currency, CAST(SUM(paid_minor) AS DOUBLE PRECISION), COUNT(*), COUNT(DISTINCT customer_id),
  SUM(CASE WHEN refund_minor > 0 THEN 1 ELSE 0 END) * 1.0 / COUNT(*)
FROM orders WHERE paid_day BETWEEN CAST($1 AS DATE) AND CAST($2 AS DATE) AND paid_at IS NOT NULL
GROUP BY shop_id, currency`,
}

// cells maps a cell key (a day or a shop id) to its KPI values; NaN is "no
// value".
type cells map[string]map[string]float64

// RunMetrics times the shop overview and the 200-shop portfolio through
// the HTTP API and through metrics.Service against the raw SQL.
func (m *Metrics) RunMetrics(ctx context.Context, rep *Report) error {
	switch m.Only {
	case "", "overview", "portfolio":
	default:
		return daiyun.Errorf(daiyun.EINVALID, "--only %q is not overview or portfolio", m.Only)
	}
	var last time.Time
	if err := m.DB.QueryRowContext(ctx, `SELECT MAX(paid_day) FROM orders`).Scan(&last); err != nil {
		return fmt.Errorf("bench: last day: %w", err)
	}
	to := daiyun.Date{Time: last}
	yearFrom := daiyun.Date{Time: last.AddDate(0, 0, -364)}
	monthFrom := daiyun.Date{Time: last.AddDate(0, 0, -29)}
	// The overview's shop is the busiest of the year: the heaviest case.
	var tenant, shop int64
	var currency string
	var nOrders int64
	if err := m.DB.QueryRowContext(ctx, `SELECT tenant_id, shop_id, MIN(currency), COUNT(*) FROM orders
WHERE paid_day BETWEEN CAST($1 AS DATE) AND CAST($2 AS DATE) GROUP BY tenant_id, shop_id ORDER BY COUNT(*) DESC, shop_id LIMIT 1`,
		yearFrom.String(), to.String()).Scan(&tenant, &shop, &currency, &nOrders); err != nil {
		return fmt.Errorf("bench: busiest shop: %w", err)
	}
	url, stop, err := m.serve()
	if err != nil {
		return err
	}
	defer stop()
	client := &http.Client{Timeout: 5 * time.Minute}

	if m.Only != "portfolio" {
		overview := metrics.Request{KPIs: OverviewKPIs, Grain: metrics.GrainDay, From: yearFrom, To: to, Filters: metrics.Filters{ShopIDs: []int64{shop}}}
		scale := math.Pow10(daiyun.MinorUnits(currency))
		rawOv := func(ctx context.Context) (cells, error) { return m.rawOverview(ctx, tenant, shop, yearFrom, to, scale) }
		size := fmt.Sprintf("shop %d (%s, %d paid orders in the year), %s..%s daily", shop, currency, nOrders, yearFrom, to)
		if err := m.compareAndTime(ctx, rep, client, url, "overview: 1 shop, 10 KPIs, daily, 1 year", size, overview, dayCells, rawOv); err != nil {
			return err
		}
	}
	if m.Only == "overview" {
		return nil
	}

	portfolio := metrics.Request{KPIs: PortfolioKPIs, Dimensions: []string{metrics.DimShop}, From: monthFrom, To: to}
	first, err := m.Service.Query(ctx, portfolio)
	if err != nil {
		return fmt.Errorf("bench: portfolio: %w", err)
	}
	rawPf := func(ctx context.Context) (cells, error) {
		return m.rawPortfolio(ctx, monthFrom, to, first.Currency, first.Converted)
	}
	size := fmt.Sprintf("%d shops, %s..%s, result in %s (converted: %v)", len(first.Rows), monthFrom, to, first.Currency, first.Converted)
	return m.compareAndTime(ctx, rep, client, url, "portfolio: all shops, 6 KPIs, 30 days", size, portfolio, shopCells, rawPf)
}

// compareAndTime checks that the product and the raw SQL give the same
// numbers, then times HTTP, the service and the raw SQL alternately.
func (m *Metrics) compareAndTime(ctx context.Context, rep *Report, client *http.Client, url, name, size string, req metrics.Request,
	key func(metrics.Row) string, raw func(context.Context) (cells, error)) error {
	res, err := m.Service.Query(ctx, req)
	if err != nil {
		return fmt.Errorf("bench: %s: %w", name, err)
	}
	viaHTTP, err := m.post(ctx, client, url, req)
	if err != nil {
		return fmt.Errorf("bench: %s over HTTP: %w", name, err)
	}
	want, err := raw(ctx)
	if err != nil {
		return fmt.Errorf("bench: %s raw SQL: %w", name, err)
	}
	for _, r := range []*metrics.Result{res, viaHTTP} {
		if err := sameCells(toCells(r, key), want, req.KPIs); err != nil {
			return fmt.Errorf("bench: %s: the product and the raw SQL disagree: %w", name, err)
		}
	}
	rep.Checks = append(rep.Checks, fmt.Sprintf("%s: service, HTTP and raw SQL agree on %d cells × %d KPIs", name, len(res.Rows), len(req.KPIs)))
	samples, err := Alternate(ctx, m.Runs,
		func(ctx context.Context) error { _, err := m.post(ctx, client, url, req); return err },
		func(ctx context.Context) error { _, err := m.Service.Query(ctx, req); return err },
		func(ctx context.Context) error { _, err := raw(ctx); return err })
	if err != nil {
		return fmt.Errorf("bench: %s: %w", name, err)
	}
	base := "hand-written " + m.Engine + " SQL, same numbers"
	h := Compared(Figure{Name: name + " — HTTP+JSON", Path: "POST /api/v1/metrics/query on loopback, JSON decoded", Baseline: base, Size: size,
		Target: "≤ 1.3× raw " + m.Engine}, samples[0], samples[2])
	h.SetMeets(h.Ratio <= 1.3)
	s := Compared(Figure{Name: name + " — metrics.Service", Path: "metrics.Service.Query", Baseline: base, Size: size,
		Target: "≤ 1.3× raw " + m.Engine}, samples[1], samples[2])
	s.SetMeets(s.Ratio <= 1.3)
	rep.Figures = append(rep.Figures, h, s)
	return nil
}

// serve starts the product's handler on a loopback port.
func (m *Metrics) serve() (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("bench: listen: %w", err)
	}
	hs := &http.Server{Handler: m.Handler, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	return "http://" + ln.Addr().String(), func() { hs.Close() }, nil
}

// post asks the API and decodes its JSON answer.
func (m *Metrics) post(ctx context.Context, client *http.Client, url string, req metrics.Request) (*metrics.Result, error) {
	b, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/api/v1/metrics/query", bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Authorization", "Bearer "+m.Token)
	resp, err := client.Do(hr)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d: %.300s", resp.StatusCode, body)
	}
	var res metrics.Result
	if err := json.Unmarshal(body, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

func dayCells(r metrics.Row) string  { return r.Period }
func shopCells(r metrics.Row) string { return r.Dims[metrics.DimShop] }

func toCells(r *metrics.Result, key func(metrics.Row) string) cells {
	out := cells{}
	for _, row := range r.Rows {
		c := map[string]float64{}
		for k, v := range row.Values {
			c[k] = math.NaN()
			if v.Value != nil {
				c[k] = *v.Value
			}
		}
		out[key(row)] = c
	}
	return out
}

// sameCells compares every KPI of every cell either side; a cell missing
// on the raw side (no facts) must be 0 for sums and no value for ratios.
func sameCells(got, want cells, kpis []string) error {
	ratios := map[string]bool{"aov": true, "refund_rate": true, "conversion_rate": true}
	keys := map[string]bool{}
	for k := range got {
		keys[k] = true
	}
	for k := range want {
		keys[k] = true
	}
	for k := range keys {
		for _, kpi := range kpis {
			g, w := value(got, k, kpi, ratios[kpi]), value(want, k, kpi, ratios[kpi])
			if math.IsNaN(g) && math.IsNaN(w) {
				continue
			}
			if math.IsNaN(g) != math.IsNaN(w) || math.Abs(g-w) > 1e-9*math.Max(1, math.Abs(w)) {
				return fmt.Errorf("cell %s, %s: product %v, raw SQL %v", k, kpi, g, w)
			}
		}
	}
	return nil
}

func value(c cells, key, kpi string, ratio bool) float64 {
	if row, ok := c[key]; ok {
		if v, ok := row[kpi]; ok {
			return v
		}
	}
	if ratio {
		return math.NaN()
	}
	return 0
}

func (m *Metrics) rawOverview(ctx context.Context, tenant, shop int64, from, to daiyun.Date, scale float64) (cells, error) {
	// Each statement fills its own cells; they run side by side, as the
	// product runs its sources, and are merged at the end.
	parts := make([]cells, len(rawOverview))
	ats := make([]func(time.Time) map[string]float64, len(rawOverview))
	for i := range parts {
		parts[i] = cells{}
		ats[i] = func(day time.Time) map[string]float64 {
			k := day.Format(time.DateOnly)
			if parts[i][k] == nil {
				parts[i][k] = map[string]float64{}
			}
			return parts[i][k]
		}
	}
	args := []any{tenant, shop, from.String(), to.String()}
	err := parallel(func() error {
		at := ats[0]
		return rawRows(ctx, m.DB, rawOverview[0], args, func(r *sql.Rows) error {
			var d time.Time
			var gmv float64
			if err := r.Scan(&d, &gmv); err != nil {
				return err
			}
			at(d)["gmv"] = gmv / scale
			return nil
		})
	}, func() error {
		at := ats[1]
		return rawRows(ctx, m.DB, rawOverview[1], args, func(r *sql.Rows) error {
			var d time.Time
			var paid, net float64
			var orders, buyers int64
			var aov, refund sql.NullFloat64
			if err := r.Scan(&d, &paid, &net, &orders, &buyers, &aov, &refund); err != nil {
				return err
			}
			c := at(d)
			c["paid_amount"], c["net_sales"], c["orders"], c["buyers"] = paid/scale, net/scale, float64(orders), float64(buyers)
			c["aov"], c["refund_rate"] = nullable(aov, scale), nullable(refund, 1)
			return nil
		})
	}, func() error {
		at := ats[2]
		return rawRows(ctx, m.DB, rawOverview[2], args, func(r *sql.Rows) error {
			var d time.Time
			var units int64
			if err := r.Scan(&d, &units); err != nil {
				return err
			}
			at(d)["units"] = float64(units)
			return nil
		})
	}, func() error {
		at := ats[3]
		return rawRows(ctx, m.DB, rawOverview[3], args, func(r *sql.Rows) error {
			var d time.Time
			var visitors int64
			var conv sql.NullFloat64
			if err := r.Scan(&d, &visitors, &conv); err != nil {
				return err
			}
			c := at(d)
			c["visitors"], c["conversion_rate"] = float64(visitors), nullable(conv, 1)
			return nil
		})
	})
	return merge(parts), err
}

func (m *Metrics) rawPortfolio(ctx context.Context, from, to daiyun.Date, resultCur string, converted bool) (cells, error) {
	factors := map[string]float64{}
	factor := func(cur string) (float64, error) {
		if f, ok := factors[cur]; ok {
			return f, nil
		}
		f := 1 / math.Pow10(daiyun.MinorUnits(cur))
		if converted && cur != resultCur {
			r, err := m.Rate(ctx, cur, resultCur, to)
			if err != nil {
				return 0, err
			}
			rf, _ := r.Float64()
			f *= rf
		}
		factors[cur] = f
		return f, nil
	}
	parts := []cells{{}, {}}
	ats := make([]func(int64) map[string]float64, 2)
	for i := range parts {
		ats[i] = func(shop int64) map[string]float64 {
			k := strconv.FormatInt(shop, 10)
			if parts[i][k] == nil {
				parts[i][k] = map[string]float64{}
			}
			return parts[i][k]
		}
	}
	var mu sync.Mutex
	lockedFactor := func(cur string) (float64, error) {
		mu.Lock()
		defer mu.Unlock()
		return factor(cur)
	}
	args := []any{from.String(), to.String()}
	err := parallel(func() error {
		at, factor := ats[0], lockedFactor
		return rawRows(ctx, m.DB, rawPortfolio[0], args, func(r *sql.Rows) error {
			var shop int64
			var cur string
			var gmv float64
			if err := r.Scan(&shop, &cur, &gmv); err != nil {
				return err
			}
			f, err := factor(cur)
			at(shop)["gmv"] = gmv * f
			return err
		})
	}, func() error {
		at, factor := ats[1], lockedFactor
		return rawRows(ctx, m.DB, rawPortfolio[1], args, func(r *sql.Rows) error {
			var shop, orders, buyers int64
			var cur string
			var paid float64
			var refund sql.NullFloat64
			if err := r.Scan(&shop, &cur, &paid, &orders, &buyers, &refund); err != nil {
				return err
			}
			f, err := factor(cur)
			c := at(shop)
			c["paid_amount"], c["orders"], c["buyers"], c["refund_rate"] = paid*f, float64(orders), float64(buyers), nullable(refund, 1)
			c["aov"] = math.NaN()
			if buyers > 0 {
				c["aov"] = paid * f / float64(buyers)
			}
			return err
		})
	})
	return merge(parts), err
}

// parallel runs fns side by side and returns the first error.
func parallel(fns ...func() error) error {
	errs := make([]error, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = fn() }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// merge joins the cells of several statements.
func merge(parts []cells) cells {
	out := cells{}
	for _, p := range parts {
		for k, vs := range p {
			if out[k] == nil {
				out[k] = map[string]float64{}
			}
			for kpi, v := range vs {
				out[k][kpi] = v
			}
		}
	}
	return out
}

func nullable(v sql.NullFloat64, scale float64) float64 {
	if !v.Valid {
		return math.NaN()
	}
	return v.Float64 / scale
}

// rawRows runs hand-written SQL on the raw handle and scans every row.
func rawRows(ctx context.Context, db *sql.DB, q string, args []any, scan func(*sql.Rows) error) error {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Alternate times each function runs times, after one untimed warm-up of
// each, rotating which goes first every round.
func Alternate(ctx context.Context, runs int, fns ...func(context.Context) error) ([][]time.Duration, error) {
	for i, fn := range fns {
		if err := fn(ctx); err != nil {
			return nil, fmt.Errorf("warm-up %d: %w", i, err)
		}
	}
	out := make([][]time.Duration, len(fns))
	for r := range runs {
		for j := range fns {
			i := (r + j) % len(fns)
			t0 := time.Now()
			if err := fns[i](ctx); err != nil {
				return nil, err
			}
			out[i] = append(out[i], time.Since(t0))
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
