package ingest

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/warehouse"
)

// SourceHealth is the data health of one source of one shop (B5): how fresh
// it is and which days are missing. For orders the source is the orders
// table's source column (import:taobao_orders, api, connector:shopify …);
// for the other tables it is the table name.
type SourceHealth struct {
	TenantID int64  `json:"tenant_id"`
	ShopID   int64  `json:"shop_id"`
	Table    string `json:"table"`
	Source   string `json:"source"`
	// LastDay is the latest day with data; LastAt the latest timestamp
	// where the table has one (orders: created_at).
	LastDay daiyun.Date `json:"last_day"`
	LastAt  *time.Time  `json:"last_at,omitempty"`
	// MissingDays lists the days of the window without any row, oldest
	// first; the window is the Days days up to the day before Today, but
	// not before the source's first day in the window.
	MissingDays  []daiyun.Date `json:"missing_days"`
	DaysWithData int           `json:"days_with_data"`
}

// ShopHealth gathers a shop's sources and its reconciliation failures.
type ShopHealth struct {
	TenantID int64          `json:"tenant_id"`
	ShopID   int64          `json:"shop_id"`
	Sources  []SourceHealth `json:"sources"`
	// ReconciliationFailures counts orders with lines whose total is not
	// lines − discount + shipping.
	ReconciliationFailures int `json:"reconciliation_failures"`
}

// HealthOptions sets the window of Health.
type HealthOptions struct {
	Today time.Time // the day "now" falls on in the shops' timezone (midnight UTC); default today UTC
	Days  int       // window length, default 90
}

// healthTables are the day-cut fact tables health looks at, with their day
// and latest-time columns.
var healthTables = []struct{ table, day, at string }{
	{"orders", "created_day", "created_at"},
	{"traffic_daily", "day", ""},
	{"ad_spend", "day", ""},
	{"inventory_snapshots", "day", ""},
	{"cs_sessions", "day", "started_at"},
	{"reviews", "day", "created_at"},
}

// Health computes freshness, completeness and reconciliation per shop and
// source for the tenants, through wh.Query (so the {{tenants}} filter
// applies). Quarantine counts live in the catalog, not here.
func Health(ctx context.Context, wh warehouse.Warehouse, tenants daiyun.Tenants, opt HealthOptions) ([]ShopHealth, error) {
	if opt.Days <= 0 {
		opt.Days = 90
	}
	if opt.Today.IsZero() {
		opt.Today = DayOf(time.Now(), time.UTC)
	}
	from := opt.Today.AddDate(0, 0, -opt.Days)
	shops := map[[2]int64]*ShopHealth{}
	shop := func(tenant, id int64) *ShopHealth {
		k := [2]int64{tenant, id}
		if shops[k] == nil {
			shops[k] = &ShopHealth{TenantID: tenant, ShopID: id}
		}
		return shops[k]
	}
	for _, ht := range healthTables {
		src := fmt.Sprintf("'%s'", ht.table)
		if ht.table == "orders" {
			src = "source"
		}
		at := "NULL"
		if ht.at != "" {
			at = "max(" + ht.at + ")"
		}
		// Latest day and time over all history.
		q := fmt.Sprintf("SELECT tenant_id, shop_id, %s AS src, max(%s), %s FROM %s WHERE {{tenants}} GROUP BY tenant_id, shop_id, src",
			src, ht.day, at, ht.table)
		type key struct {
			tenant, shop int64
			src          string
		}
		last := map[key]*SourceHealth{}
		err := scanRows(ctx, wh, tenants, q, nil, func(scan func(...any) error) error {
			var k key
			var day time.Time
			var lastAt *time.Time
			if err := scan(&k.tenant, &k.shop, &k.src, &day, &lastAt); err != nil {
				return err
			}
			h := &SourceHealth{TenantID: k.tenant, ShopID: k.shop, Table: ht.table, Source: k.src,
				LastDay: daiyun.Date{Time: midnight(day)}, MissingDays: []daiyun.Date{}}
			if lastAt != nil {
				t := lastAt.UTC()
				h.LastAt = &t
			}
			last[k] = h
			return nil
		})
		if err != nil {
			return nil, err
		}
		// Days present in the window.
		q = fmt.Sprintf("SELECT DISTINCT tenant_id, shop_id, %s AS src, %s FROM %s WHERE {{tenants}} AND %s >= $1 AND %s < $2",
			src, ht.day, ht.table, ht.day, ht.day)
		present := map[key]map[time.Time]bool{}
		err = scanRows(ctx, wh, tenants, q, []any{from, opt.Today}, func(scan func(...any) error) error {
			var k key
			var day time.Time
			if err := scan(&k.tenant, &k.shop, &k.src, &day); err != nil {
				return err
			}
			if present[k] == nil {
				present[k] = map[time.Time]bool{}
			}
			present[k][midnight(day)] = true
			return nil
		})
		if err != nil {
			return nil, err
		}
		for k, h := range last {
			days := present[k]
			h.DaysWithData = len(days)
			var first time.Time
			for d := range days {
				if first.IsZero() || d.Before(first) {
					first = d
				}
			}
			if !first.IsZero() {
				for d := first; d.Before(opt.Today); d = d.AddDate(0, 0, 1) {
					if !days[d] {
						h.MissingDays = append(h.MissingDays, daiyun.Date{Time: d})
					}
				}
			}
			s := shop(k.tenant, k.shop)
			s.Sources = append(s.Sources, *h)
		}
	}
	fails, err := ReconciliationFailures(ctx, wh, tenants)
	if err != nil {
		return nil, err
	}
	for k, n := range fails {
		shop(k[0], k[1]).ReconciliationFailures = n
	}
	out := make([]ShopHealth, 0, len(shops))
	for _, s := range shops {
		sort.Slice(s.Sources, func(i, j int) bool {
			if s.Sources[i].Table != s.Sources[j].Table {
				return s.Sources[i].Table < s.Sources[j].Table
			}
			return s.Sources[i].Source < s.Sources[j].Source
		})
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].TenantID != out[j].TenantID {
			return out[i].TenantID < out[j].TenantID
		}
		return out[i].ShopID < out[j].ShopID
	})
	return out, nil
}

// ReconciliationFailures counts, per (tenant, shop), the orders with lines
// whose total_minor ≠ Σ lines.amount_minor − discount_minor + shipping_minor.
func ReconciliationFailures(ctx context.Context, wh warehouse.Warehouse, tenants daiyun.Tenants) (map[[2]int64]int, error) {
	const q = `SELECT o.tenant_id, o.shop_id, count(*)
FROM orders o
JOIN (SELECT tenant_id, shop_id, order_no, sum(amount_minor) AS lines
      FROM order_lines WHERE {{tenants}} GROUP BY tenant_id, shop_id, order_no) l
  ON l.tenant_id = o.tenant_id AND l.shop_id = o.shop_id AND l.order_no = o.order_no
WHERE {{tenants:o}} AND o.total_minor <> l.lines - o.discount_minor + o.shipping_minor
GROUP BY o.tenant_id, o.shop_id`
	out := map[[2]int64]int{}
	err := scanRows(ctx, wh, tenants, q, nil, func(scan func(...any) error) error {
		var tenant, shop, n int64
		if err := scan(&tenant, &shop, &n); err != nil {
			return err
		}
		out[[2]int64{tenant, shop}] = int(n)
		return nil
	})
	return out, err
}

// ReconciliationFailedOrders lists the order numbers of one shop that fail
// reconciliation (at most limit).
func ReconciliationFailedOrders(ctx context.Context, wh warehouse.Warehouse, tenants daiyun.Tenants, tenant, shopID int64, limit int) ([]string, error) {
	const q = `SELECT o.order_no
FROM orders o
JOIN (SELECT tenant_id, shop_id, order_no, sum(amount_minor) AS lines
      FROM order_lines WHERE {{tenants}} AND tenant_id = $1 AND shop_id = $2 GROUP BY tenant_id, shop_id, order_no) l
  ON l.tenant_id = o.tenant_id AND l.shop_id = o.shop_id AND l.order_no = o.order_no
WHERE {{tenants:o}} AND o.tenant_id = $1 AND o.shop_id = $2 AND o.total_minor <> l.lines - o.discount_minor + o.shipping_minor
ORDER BY o.order_no LIMIT $3`
	var out []string
	err := scanRows(ctx, wh, tenants, q, []any{tenant, shopID, limit}, func(scan func(...any) error) error {
		var no string
		if err := scan(&no); err != nil {
			return err
		}
		out = append(out, no)
		return nil
	})
	return out, err
}

func midnight(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func scanRows(ctx context.Context, wh warehouse.Warehouse, tenants daiyun.Tenants, q string, args []any, row func(scan func(...any) error) error) error {
	rows, err := wh.Query(ctx, tenants, q, args...)
	if err != nil {
		return fmt.Errorf("ingest: health: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := row(rows.Scan); err != nil {
			return fmt.Errorf("ingest: health: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("ingest: health: %w", err)
	}
	return nil
}
