package source

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/cohort"
	"github.com/daiyun/daiyun/analysis/rfm"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/warehouse"
)

// ByShopKinds are the analyses a by-shop run can make.
var ByShopKinds = []string{"cohort", "rfm"}

// ShopsRequest asks for one analysis of many shops at once, each shop on
// its own (its timezone, its currency, its customers): the agency's
// portfolio view. The warehouse is read once for all the shops.
type ShopsRequest struct {
	Kind string `json:"kind,omitempty"`
	// ClientIDs narrow the run to these clients' shops; empty means every
	// shop the actor may see.
	ClientIDs []int64 `json:"client_ids,omitempty"`
	// From and To are inclusive days in each shop's own calendar.
	From    daiyun.Date     `json:"from"`
	To      daiyun.Date     `json:"to"`
	Options AnalysisOptions `json:"options"`
}

// ByShop is a by-shop run: one entry per shop, by client then shop name.
type ByShop struct {
	Kind  string       `json:"kind"`
	From  string       `json:"from"`
	To    string       `json:"to"`
	Shops []ShopResult `json:"shops"`
}

// ShopResult is one shop's analysis. Result is null for a shop without a
// purchase in the range; otherwise a cohort result (as for one shop), or
// for rfm an RFMSummary.
type ShopResult struct {
	ShopID    int64  `json:"shop_id"`
	ClientID  int64  `json:"client_id"`
	Shop      string `json:"shop"`
	Timezone  string `json:"timezone"`
	Currency  string `json:"currency"`
	InputRows int    `json:"input_rows"`
	Result    any    `json:"result"`
}

// RFMSummary is a shop's RFM without the customer list: the segments
// exactly as a one-shop run gives them, and the customers of every
// (R, F, M) score present. The customers themselves are the one-shop
// run's.
type RFMSummary struct {
	AsOf         string        `json:"as_of"`
	VIPThreshold float64       `json:"vip_threshold"`
	Customers    int           `json:"customers"`
	Segments     []rfm.Segment `json:"segments"`
	Cells        []rfm.Cell    `json:"cells"`
}

// RunByShop runs a cohort or rfm analysis of every shop the actor may see
// (or of req.ClientIDs' shops) in one warehouse read. Each shop's figures
// equal those of Run for that shop alone.
func (l *Loader) RunByShop(ctx context.Context, req ShopsRequest) (*ByShop, error) {
	if !slices.Contains(ByShopKinds, req.Kind) {
		return nil, daiyun.Errorf(daiyun.EINVALID, "analysis %q has no by-shop run; one of %s", req.Kind, strings.Join(ByShopKinds, ", "))
	}
	if req.From.IsZero() || req.To.IsZero() {
		return nil, daiyun.Errorf(daiyun.EINVALID, "from and to (YYYY-MM-DD) are required")
	}
	if req.To.Before(req.From.Time) {
		return nil, daiyun.Errorf(daiyun.EINVALID, "to %s is before from %s", req.To, req.From)
	}
	var shops []daiyun.Shop
	if len(req.ClientIDs) == 0 {
		all, err := l.Catalog.Shops(ctx, catalog.ShopFilter{})
		if err != nil {
			return nil, err
		}
		shops = all
	}
	for _, id := range req.ClientIDs {
		if _, err := l.Catalog.Client(ctx, id); err != nil {
			return nil, err
		}
		some, err := l.Catalog.Shops(ctx, catalog.ShopFilter{ClientID: id})
		if err != nil {
			return nil, err
		}
		shops = append(shops, some...)
	}
	out := &ByShop{Kind: req.Kind, From: req.From.String(), To: req.To.String(), Shops: []ShopResult{}}
	if len(shops) == 0 {
		return out, nil
	}
	var clients []int64
	for _, s := range shops {
		if !slices.Contains(clients, s.ClientID) {
			clients = append(clients, s.ClientID)
		}
	}
	tenants, err := daiyun.TenantsFor(ctx, clients...)
	if err != nil {
		return nil, err
	}
	// One scope per shop (its own timezone and currency) and one for the
	// read, whose where covers every shop.
	scopes := map[int64]*scope{}
	for _, s := range shops {
		sc, err := shopScope(req, s, tenants)
		if err != nil {
			return nil, err
		}
		scopes[s.ID] = sc
		out.Shops = append(out.Shops, ShopResult{ShopID: s.ID, ClientID: s.ClientID, Shop: s.Name, Timezone: sc.loc.String(), Currency: s.Currency})
	}
	all := &scope{req: Request{Kind: req.Kind, From: req.From, To: req.To, Options: req.Options}, tenants: tenants, shops: shops}
	if req.Kind == "cohort" {
		err = l.cohortsByShop(ctx, all, scopes, out)
	} else {
		err = l.rfmByShop(ctx, all, scopes, out)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// shopScope is the scope of one shop of a by-shop run.
func shopScope(req ShopsRequest, s daiyun.Shop, tenants daiyun.Tenants) (*scope, error) {
	loc, err := time.LoadLocation(s.Timezone)
	if err != nil {
		return nil, daiyun.Errorf(daiyun.EINVALID, "shop %d timezone %q: %v", s.ID, s.Timezone, err)
	}
	sc := &scope{req: Request{Kind: req.Kind, ClientID: s.ClientID, ShopID: s.ID, From: req.From, To: req.To, Options: req.Options},
		tenants: tenants, shops: []daiyun.Shop{s}, loc: loc, currency: s.Currency, localDays: true}
	y, m, d := req.To.Date()
	sc.end = time.Date(y, m, d+1, 0, 0, 0, 0, loc).UTC()
	y, m, d = req.From.Date()
	sc.start = time.Date(y, m, d, 0, 0, 0, 0, loc).UTC()
	return sc, nil
}

// whereShops is the fact filter over every shop of a by-shop run, whatever
// its client: the tenants placeholder and the shop ids.
func (sc *scope) whereShops() (string, []any) {
	args := make([]any, len(sc.shops))
	ph := make([]string, len(sc.shops))
	for i, s := range sc.shops {
		args[i] = s.ID
		ph[i] = fmt.Sprintf("$%d", i+1)
	}
	return fmt.Sprintf("{{tenants}} AND shop_id IN (%s)", strings.Join(ph, ", ")), args
}

// paidOrdersByShop is paidOrders over every shop of a by-shop run.
func (sc *scope) paidOrdersByShop() (string, []any) {
	where, args := sc.whereShops()
	n := len(args)
	args = append(args, sc.req.From.String(), sc.req.To.String())
	return fmt.Sprintf(`%s AND customer_id IS NOT NULL AND paid_at IS NOT NULL
  AND status IN ('paid', 'shipped', 'completed', 'refunding')
  AND paid_day >= CAST($%d AS DATE) AND paid_day <= CAST($%d AS DATE)`, where, n+1, n+2), args
}

func (l *Loader) cohortsByShop(ctx context.Context, all *scope, scopes map[int64]*scope, out *ByShop) error {
	micro := map[int64]int64{}
	for id, sc := range scopes {
		f, err := sc.microPerMinor()
		if err != nil {
			return err
		}
		micro[id] = f
	}
	where, args := all.paidOrdersByShop()
	cells := map[int64][]cohort.Cell{}
	rows := map[int64]int{}
	_, err := l.query(ctx, all, cohortSQL("shop_id", "paid_day", where), args, func(r *sql.Rows) error {
		var c cohort.Cell
		var shop, minor int64
		if err := r.Scan(&shop, &c.Cohort, &c.Month, &c.Customers, &c.Repeaters, &c.Orders, &minor); err != nil {
			return err
		}
		c.Revenue = minor * micro[shop]
		cells[shop] = append(cells[shop], c)
		rows[shop] += c.Orders
		return nil
	})
	if err != nil {
		return err
	}
	y, m, _ := all.req.To.Date()
	last := cohort.MonthIndex(y, m)
	for i := range out.Shops {
		s := &out.Shops[i]
		if len(cells[s.ShopID]) == 0 {
			continue
		}
		r, err := cohort.Build(cells[s.ShopID], last)
		if err != nil {
			return fmt.Errorf("shop %d: %w", s.ShopID, err)
		}
		s.Result, s.InputRows = r, rows[s.ShopID]
	}
	return nil
}

// rfmCellsSQL ranks each shop's customers and aggregates them by score in
// the warehouse: the quintile ⌈5·rank/n⌉ of rfm, ties by customer id in
// byte order (collate is the engine's byte-order collation clause).
// Arguments after the where's: the as-of day, the day 12 months before,
// then per shop its id and the smallest 12-month spend in minor units
// that makes a VIP.
func rfmCellsSQL(where string, n int, collate string, vips int) string {
	pairs := make([]string, vips)
	for i := range pairs {
		pairs[i] = fmt.Sprintf("(CAST($%d AS BIGINT), CAST($%d AS BIGINT))", n+3+2*i, n+4+2*i)
	}
	return fmt.Sprintf(`WITH b AS (SELECT s, c, MAX(d) AS last, COUNT(*) AS n, SUM(a) AS a, SUM(CASE WHEN d > CAST($%[3]d AS DATE) THEN a ELSE 0 END) AS a12
  FROM (SELECT shop_id AS s, customer_id AS c, paid_day AS d, GREATEST(paid_minor - refund_minor, 0) AS a
    FROM orders WHERE %[1]s AND paid_day <= CAST($%[2]d AS DATE)) p GROUP BY s, c),
k AS (SELECT b.s, b.last, b.n, b.a, CASE WHEN b.a12 >= v.vmin THEN 1 ELSE 0 END AS vip, COUNT(*) OVER (PARTITION BY b.s) AS cnt,
  ROW_NUMBER() OVER (PARTITION BY b.s ORDER BY b.last, b.c%[4]s) AS rr,
  ROW_NUMBER() OVER (PARTITION BY b.s ORDER BY b.n, b.c%[4]s) AS fr,
  ROW_NUMBER() OVER (PARTITION BY b.s ORDER BY b.a, b.c%[4]s) AS mr
  FROM b JOIN (VALUES %[5]s) AS v (s, vmin) ON v.s = b.s)
SELECT s, CAST(FLOOR((5 * rr + cnt - 1) * 1.0 / cnt) AS INTEGER), CAST(FLOOR((5 * fr + cnt - 1) * 1.0 / cnt) AS INTEGER),
  CAST(FLOOR((5 * mr + cnt - 1) * 1.0 / cnt) AS INTEGER), COUNT(*), CAST(SUM(CAST($%[2]d AS DATE) - last) AS BIGINT),
  CAST(SUM(n) AS BIGINT), CAST(SUM(a) AS BIGINT), CAST(SUM(vip) AS BIGINT)
FROM k GROUP BY 1, 2, 3, 4`, where, n+1, n+2, collate, strings.Join(pairs, ", "))
}

func (l *Loader) rfmByShop(ctx context.Context, all *scope, scopes map[int64]*scope, out *ByShop) error {
	y, m, d := all.req.To.Date()
	asOf := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	vip := all.req.Options.VIPThreshold
	if vip == 0 {
		vip = rfm.DefaultVIPThreshold
	}
	if vip < 0 || vip > rfm.MaxAmount || math.IsNaN(vip) {
		return daiyun.Errorf(daiyun.EINVALID, "options.vip_threshold %v: must be a non-negative amount", vip)
	}
	where, args := all.paidOrdersByShop()
	n := len(args)
	args = append(args, asOf.Format(time.DateOnly), rfm.YearBefore(asOf).Format(time.DateOnly))
	micro := map[int64]int64{}
	for _, s := range all.shops {
		f, err := scopes[s.ID].microPerMinor()
		if err != nil {
			return err
		}
		micro[s.ID] = f
		args = append(args, s.ID, vipFloor(vip, f))
	}
	collate := ""
	if l.Warehouse.Dialect() == warehouse.Postgres {
		collate = ` COLLATE "C"`
	}
	cells := map[int64][]rfm.Cell{}
	_, err := l.query(ctx, all, rfmCellsSQL(where, n, collate, len(all.shops)), args, func(r *sql.Rows) error {
		var c rfm.Cell
		var shop, vips int64
		if err := r.Scan(&shop, &c.R, &c.F, &c.M, &c.Customers, &c.RecencyDays, &c.Orders, &c.Spend, &vips); err != nil {
			return err
		}
		c.Spend *= micro[shop]
		c.Monetary = float64(c.Spend) / 1e6
		c.VIPs = int(vips)
		cells[shop] = append(cells[shop], c)
		return nil
	})
	if err != nil {
		return err
	}
	for i := range out.Shops {
		s := &out.Shops[i]
		cs := cells[s.ShopID]
		if len(cs) == 0 {
			continue
		}
		slices.SortFunc(cs, func(a, b rfm.Cell) int { return (a.R*25 + a.F*5 + a.M) - (b.R*25 + b.F*5 + b.M) })
		sum := RFMSummary{AsOf: asOf.Format(time.DateOnly), VIPThreshold: vip, Segments: rfm.SegmentsOf(cs), Cells: cs}
		for _, c := range cs {
			sum.Customers += c.Customers
			s.InputRows += int(c.Orders)
		}
		s.Result = sum
	}
	return nil
}

// vipFloor is the smallest 12-month spend in minor units that rfm.Score
// counts as VIP: float64(spend·micro)/1e6 > threshold. Comparing integers
// in SQL then gives exactly Score's answer.
func vipFloor(threshold float64, micro int64) int64 {
	isVIP := func(minor int64) bool { return float64(minor*micro)/1e6 > threshold }
	k := int64(threshold * 1e6 / float64(micro))
	for k > 0 && isVIP(k-1) {
		k--
	}
	for !isVIP(k) {
		k++
	}
	return k
}
