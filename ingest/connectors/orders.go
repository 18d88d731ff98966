package connectors

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/ingest"
	"github.com/daiyun/daiyun/warehouse"
)

// Order is one platform order in canonical form, as a connector maps it.
// Buyer is the raw buyer identity (e-mail, member nick): it is turned into
// the client's pseudonym when written and never stored. Street addresses,
// names and phones are not part of it at all.
type Order struct {
	No        string
	Buyer     string
	Status    string // a canonical status (warehouse.StatusPaid …)
	CreatedAt time.Time
	PaidAt    time.Time
	ShippedAt time.Time
	// CompletedAt is when the buyer confirmed receipt; ClosedAt when the
	// order was closed, cancelled or refunded.
	CompletedAt time.Time
	ClosedAt    time.Time
	UpdatedAt   time.Time // the platform's update time: the row version
	Goods       int64     // minor units of the shop's currency
	Discount    int64
	Shipping    int64
	Total       int64
	Paid        int64
	Refund      int64
	Province    string
	City        string
	Channel     string
	Lines       []Line
}

// Line is one order line; line numbers are the position in Order.Lines.
type Line struct {
	SKU       string
	SPU       string
	Title     string
	Quantity  int64
	UnitPrice int64
	Amount    int64
	Refund    int64
	RefundQty int64
}

var (
	orderCols = []string{"tenant_id", "shop_id", "order_no", "customer_id", "status", "created_at", "paid_at",
		"shipped_at", "completed_at", "created_day", "paid_day", "currency", "goods_minor", "discount_minor",
		"shipping_minor", "total_minor", "paid_minor", "refund_minor", "province", "city", "channel", "version", "source"}
	lineCols = []string{"tenant_id", "shop_id", "order_no", "line_no", "sku_id", "spu_id", "title", "quantity",
		"unit_price_minor", "amount_minor", "refund_minor", "refund_qty", "created_day", "version"}
	historyCols  = []string{"tenant_id", "shop_id", "order_no", "status", "at"}
	customerCols = []string{"tenant_id", "customer_id", "first_order_at", "province", "city", "acquisition_channel"}
)

// Validate names the first thing wrong with an order.
func (o *Order) Validate() error {
	switch {
	case o.No == "":
		return fmt.Errorf("order without a number")
	case o.CreatedAt.IsZero():
		return fmt.Errorf("order %s has no creation time", o.No)
	case o.UpdatedAt.IsZero():
		return fmt.Errorf("order %s has no update time", o.No)
	}
	switch o.Status {
	case warehouse.StatusPending, warehouse.StatusPaid, warehouse.StatusShipped, warehouse.StatusCompleted,
		warehouse.StatusClosed, warehouse.StatusRefunding, warehouse.StatusRefunded:
	default:
		return fmt.Errorf("order %s has status %q, which is not canonical", o.No, o.Status)
	}
	for i, l := range o.Lines {
		if l.SKU == "" {
			return fmt.Errorf("order %s line %d has no SKU", o.No, i+1)
		}
		if l.Quantity < 0 {
			return fmt.Errorf("order %s line %d has quantity %d", o.No, i+1, l.Quantity)
		}
	}
	return nil
}

// OrderRows turns canonical orders into the rows of orders, order_lines,
// order_status_history and customers for the shop. A customer row is
// written only when this page knows an earlier first order than the
// warehouse, so replaying a page leaves customers unchanged.
func OrderRows(ctx context.Context, wh warehouse.Warehouse, tenants daiyun.Tenants, shop daiyun.Shop, key []byte, source string, orders []Order) ([]ingest.TableRows, error) {
	loc, err := shop.Location()
	if err != nil {
		return nil, fmt.Errorf("connectors: shop %d timezone: %w", shop.ID, err)
	}
	ordersT := ingest.TableRows{Table: "orders", Columns: orderCols}
	linesT := ingest.TableRows{Table: "order_lines", Columns: lineCols}
	histT := ingest.TableRows{Table: "order_status_history", Columns: historyCols}
	type first struct {
		at                      time.Time
		province, city, channel string
	}
	custs := map[string]first{}
	for i := range orders {
		o := &orders[i]
		if err := o.Validate(); err != nil {
			return nil, fmt.Errorf("connectors: %w", err)
		}
		cid := daiyun.Pseudonym(key, o.Buyer)
		day := ingest.DayOf(o.CreatedAt, loc)
		version := o.UpdatedAt.UnixMicro()
		var paidDay any
		if !o.PaidAt.IsZero() {
			paidDay = ingest.DayOf(o.PaidAt, loc)
		}
		ordersT.Rows = append(ordersT.Rows, []any{shop.ClientID, shop.ID, o.No, str(cid), o.Status, o.CreatedAt.UTC(),
			tm(o.PaidAt), tm(o.ShippedAt), tm(o.CompletedAt), day, paidDay, shop.Currency, o.Goods, o.Discount,
			o.Shipping, o.Total, o.Paid, o.Refund, str(o.Province), str(o.City), str(o.Channel), version, source})
		for j, l := range o.Lines {
			linesT.Rows = append(linesT.Rows, []any{shop.ClientID, shop.ID, o.No, int64(j + 1), l.SKU, str(l.SPU), str(l.Title),
				l.Quantity, l.UnitPrice, l.Amount, l.Refund, l.RefundQty, day, version})
		}
		for _, h := range history(o) {
			histT.Rows = append(histT.Rows, []any{shop.ClientID, shop.ID, o.No, h.status, h.at.UTC()})
		}
		if cid != "" {
			if f, ok := custs[cid]; !ok || o.CreatedAt.Before(f.at) {
				custs[cid] = first{o.CreatedAt.UTC(), o.Province, o.City, o.Channel}
			}
		}
	}
	custT := ingest.TableRows{Table: "customers", Columns: customerCols}
	if len(custs) > 0 {
		known, err := knownFirstOrders(ctx, wh, tenants, shop.ClientID, custs)
		if err != nil {
			return nil, err
		}
		for id, f := range custs {
			if k, ok := known[id]; ok && !f.at.Before(k) {
				continue
			}
			custT.Rows = append(custT.Rows, []any{shop.ClientID, id, f.at, str(f.province), str(f.city), str(f.channel)})
		}
		sort.Slice(custT.Rows, func(i, j int) bool { return custT.Rows[i][1].(string) < custT.Rows[j][1].(string) })
	}
	return []ingest.TableRows{ordersT, linesT, histT, custT}, nil
}

// knownFirstOrders reads the stored first order time of the given customers.
func knownFirstOrders[T any](ctx context.Context, wh warehouse.Warehouse, tenants daiyun.Tenants, tenant int64, ids map[string]T) (map[string]time.Time, error) {
	args := []any{tenant}
	ph := make([]string, 0, len(ids))
	for id := range ids {
		args = append(args, id)
		ph = append(ph, "$"+strconv.Itoa(len(args)))
	}
	rows, err := wh.Query(ctx, tenants, `SELECT customer_id, first_order_at FROM customers
		WHERE {{tenants}} AND tenant_id = $1 AND customer_id IN (`+strings.Join(ph, ",")+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("connectors: read customers: %w", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var id string
		var at *time.Time
		if err := rows.Scan(&id, &at); err != nil {
			return nil, fmt.Errorf("connectors: read customers: %w", err)
		}
		if at != nil {
			out[id] = at.UTC()
		}
	}
	return out, rows.Err()
}

type statusAt struct {
	status string
	at     time.Time
}

// history lists the statuses an order is known to have passed through.
func history(o *Order) []statusAt {
	h := []statusAt{{warehouse.StatusPending, o.CreatedAt}}
	for _, s := range []statusAt{{warehouse.StatusPaid, o.PaidAt}, {warehouse.StatusShipped, o.ShippedAt}, {warehouse.StatusCompleted, o.CompletedAt}} {
		if !s.at.IsZero() {
			h = append(h, s)
		}
	}
	switch o.Status {
	case warehouse.StatusClosed, warehouse.StatusRefunding, warehouse.StatusRefunded:
		at := o.ClosedAt
		if at.IsZero() {
			at = o.UpdatedAt
		}
		h = append(h, statusAt{o.Status, at})
	}
	return h
}

func str(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func tm(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UTC()
}
