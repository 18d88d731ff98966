// Package demo generates a deterministic, realistic demo agency: clients
// (brands) with contracts, shops on the Chinese marketplaces and Shopify,
// staff and client users, and years of facts — orders and lines with status
// history, customers, SKUs, inventory, traffic by source, behaviour events,
// ad spend, KOL deals, customer service, reviews, NPS, competitor prices and
// agency labour — with problems planted in the last 30 days for diagnosis
// and alerting to find (docs/demo.md lists them).
//
// It writes the catalog through the narrow Catalog interface and the facts
// only through warehouse appenders, streaming day by day so that memory does
// not grow with the number of order lines. It must not read from either
// store, so the same seed, options and end date always give the same rows.
package demo

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/warehouse"
)

// Defaults used when an Options field is zero.
const (
	DefaultOrderLines = 500_000
	DefaultYears      = 3
)

// Options choose the size and the shape of the demo agency.
type Options struct {
	// Seed makes the demo reproducible: same seed, options and End give the
	// same rows.
	Seed int64
	// Shops is the number of shops; 0 means the standard agency (37 shops,
	// 14 clients). More shops add more clients.
	Shops int
	// OrderLines is the target number of order lines across all shops;
	// 0 means DefaultOrderLines.
	OrderLines int64
	// End: data ends the day before End (civil date of End); zero means now.
	End time.Time
	// Years of history; 0 means DefaultYears.
	Years int
}

// Catalog is what the generator needs from the catalog store.
type Catalog interface {
	CreateClient(ctx context.Context, c *daiyun.Client) error              // sets c.ID
	CreateShop(ctx context.Context, s *daiyun.Shop) error                  // sets s.ID
	CreateUser(ctx context.Context, u *daiyun.User, password string) error // sets u.ID
	CreateContract(ctx context.Context, c *daiyun.Contract) error          // sets c.ID
	Assign(ctx context.Context, a daiyun.Assignment) error
	ClientKey(ctx context.Context, clientID int64) ([]byte, error) // the client's pseudonymisation key
}

// Login is a demo user's credentials, printed by `make demo`.
type Login struct {
	Role     daiyun.Role `json:"role"`
	Email    string      `json:"email"`
	Password string      `json:"password"`
	Client   string      `json:"client,omitempty"` // the client's name for client roles
}

// Planted is one problem deliberately put into the data for diagnosis and
// alerting to find.
type Planted struct {
	Kind     string      `json:"kind"` // see the Kind* constants
	Client   string      `json:"client"`
	ClientID int64       `json:"client_id"`
	Shop     string      `json:"shop,omitempty"`
	ShopID   int64       `json:"shop_id,omitempty"`
	SKU      string      `json:"sku,omitempty"`
	Source   string      `json:"source,omitempty"`
	What     string      `json:"what"`
	From     daiyun.Date `json:"from"`
	To       daiyun.Date `json:"to"`
}

// Kinds of planted problems.
const (
	KindConversionDrop     = "conversion_below_benchmark"
	KindTrafficSpike       = "traffic_source_spike"
	KindFakeOrders         = "fake_orders"
	KindBudgetOverspend    = "marketing_budget_overspend"
	KindSlowMovers         = "slow_moving_stock"
	KindCompetitorUndercut = "competitor_undercut"
	KindGMVDrop            = "gmv_drop_week_on_week"
)

// Summary tells what was generated.
type Summary struct {
	Clients int              `json:"clients"`
	Shops   int              `json:"shops"`
	Rows    map[string]int64 `json:"rows"` // rows appended per fact table
	Logins  []Login          `json:"logins"`
	Planted []Planted        `json:"planted"`
	First   daiyun.Date      `json:"first"` // first day of data
	Last    daiyun.Date      `json:"last"`  // last day of data (the day before End)
}

// Generate creates the demo agency in cat and writes its facts into wh. It
// logs progress to log (which may be nil). The catalog and warehouse should
// be empty: appenders do not deduplicate. Facts are committed every few
// million rows (see commitEvery), so a failed or cancelled run can leave
// part of the facts behind: discard the data directory and run it again.
func Generate(ctx context.Context, cat Catalog, wh warehouse.Warehouse, opt Options, log io.Writer) (Summary, error) {
	if log == nil {
		log = io.Discard
	}
	opt, err := opt.withDefaults()
	if err != nil {
		return Summary{}, err
	}
	ctx = daiyun.WithActor(ctx, daiyun.SystemActor)
	started := time.Now()

	a, err := newAgency(opt)
	if err != nil {
		return Summary{}, err
	}
	if err := a.createCatalog(ctx, cat); err != nil {
		return Summary{}, err
	}
	fmt.Fprintf(log, "demo: %d clients, %d shops, %s … %s, target %d order lines\n",
		len(a.clients), len(a.shops), a.first.Format(time.DateOnly), a.last.Format(time.DateOnly), opt.OrderLines)

	s, err := openSink(ctx, wh)
	if err != nil {
		return Summary{}, err
	}
	if err := a.generateFacts(ctx, s, log); err != nil {
		s.abort()
		return Summary{}, err
	}
	if err := s.close(); err != nil {
		return Summary{}, err
	}
	sum := Summary{
		Clients: len(a.clients),
		Shops:   len(a.shops),
		Rows:    s.rows(),
		Logins:  a.logins,
		Planted: a.planted,
		First:   daiyun.Date{Time: a.first},
		Last:    daiyun.Date{Time: a.last},
	}
	fmt.Fprintf(log, "demo: %d order lines, %d orders in %s\n", sum.Rows["order_lines"], sum.Rows["orders"], time.Since(started).Round(time.Millisecond))
	return sum, nil
}

func (o Options) withDefaults() (Options, error) {
	if o.Shops < 0 {
		return o, daiyun.Errorf(daiyun.EINVALID, "shops %d is negative", o.Shops)
	}
	if o.OrderLines < 0 {
		return o, daiyun.Errorf(daiyun.EINVALID, "order-lines %d is negative", o.OrderLines)
	}
	if o.Years < 0 || o.Years > 10 {
		return o, daiyun.Errorf(daiyun.EINVALID, "years %d is not between 1 and 10", o.Years)
	}
	if o.Shops == 0 {
		o.Shops = len(shopTemplates())
	}
	if o.OrderLines == 0 {
		o.OrderLines = DefaultOrderLines
	}
	if o.Years == 0 {
		o.Years = DefaultYears
	}
	if o.End.IsZero() {
		o.End = time.Now()
	}
	return o, nil
}
