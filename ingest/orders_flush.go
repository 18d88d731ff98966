package ingest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/warehouse"
)

// customerAcc is a customer's earliest order in a batch.
type customerAcc struct {
	first          time.Time
	province, city string
	channel        string
}

// customerState is what an import knows of one customer.
type customerState struct {
	id      any       // the customer id, boxed once for all its orders
	stored  time.Time // the customer's first order as stored, when settled
	settled bool      // stored is known: looked up, or written by this import
	slot    int32     // 1 + its index in custBatch while the batch gathers it
}

// batchCustomer is one customer of the batch being written.
type batchCustomer struct {
	id string
	st *customerState
	customerAcc
}

// flush writes the orders gathered so far as one batch.
func (c *orderConv) flush(ctx context.Context) error {
	imp := c.imp
	defer func() {
		// The orders of the batch are written: seen now holds them as
		// an earlier generation's.
		c.gen++
		clear(c.spill)
		clear(c.recs)
		c.recs = c.recs[:0]
		c.seq, c.last, c.rows = c.seq[:0], nil, 0
		// Bounded caches: a big import forgets and looks up again.
		if len(c.pseud) > 200000 {
			clear(c.pseud)
		}
		if len(c.custs) > 1000000 {
			clear(c.custs)
			c.custForgot = true
		}
	}()
	if len(c.seq) == 0 {
		return imp.saveRejects(ctx)
	}
	if c.linesOnly {
		return c.flushLines(ctx)
	}
	// Values repeated on many rows are boxed once, not per row.
	var tenant, shop, currency any = imp.req.Shop.ClientID, imp.req.Shop.ID, imp.req.Shop.Currency
	var src any = imp.sourceTag()
	nOrders, nLines, nHist := 0, 0, 0
	var hs [maxHistory]statusAt
	for _, acc := range c.seq {
		if acc.bad {
			// Some row of the order was quarantined: writing the rest would
			// store a partial order; hold all its rows back.
			c.rejectOrder(acc, "", fmt.Sprintf("another row of order %s was quarantined; the order is kept whole", acc.o.no))
			continue
		}
		if reason, col := c.finish(acc); reason != "" {
			c.rejectOrder(acc, col, reason)
			continue
		}
		nOrders++
		nLines += len(acc.lines)
		nHist += len(history(hs[:0], &acc.o))
	}
	// Every row of a table is cut from one backing array, sized here.
	orders := TableRows{Table: "orders", Columns: orderCols, Rows: make([][]any, 0, nOrders)}
	lines := TableRows{Table: "order_lines", Columns: lineCols, Rows: make([][]any, 0, nLines)}
	hist := TableRows{Table: "order_status_history", Columns: historyCols, Rows: make([][]any, 0, nHist)}
	oBuf := make([]any, 0, nOrders*len(orderCols))
	lBuf := make([]any, 0, nLines*len(lineCols))
	hBuf := make([]any, 0, nHist*len(historyCols))
	bx := &c.boxes
	var createdDays, paidDays dayBox
	for _, acc := range c.seq {
		if acc.bad || !acc.o.has(fCreatedAt) {
			continue
		}
		o := &acc.o
		cid := acc.cid
		var no, version any = o.no, bx.int(o.version)
		created := createdDays.of(o.created, imp.loc)
		var paidDay any
		if !o.paid.IsZero() {
			paidDay = paidDays.of(o.paid, imp.loc)
		}
		// Each time is boxed once for the order and its history.
		var createdAt, paidAt, shippedAt, completedAt any = o.created, nullTime(o.paid), nullTime(o.shipped), nullTime(o.completed)
		start := len(oBuf)
		oBuf = append(oBuf, tenant, shop, no, cid, statusValue(o.status), createdAt, paidAt, shippedAt,
			completedAt, created, paidDay, currency, bx.int(o.goods), bx.int(o.discount), bx.int(o.shipping),
			bx.int(o.total), bx.int(o.paidAm), bx.int(o.refund), nullStr(o.province), nullStr(o.city), nullStr(o.channel),
			nullStr(o.campaign), nil, nil, version, src)
		orders.Rows = append(orders.Rows, oBuf[start:len(oBuf):len(oBuf)])
		for i := range acc.lines {
			l := &acc.lines[i]
			start := len(lBuf)
			lBuf = append(lBuf, tenant, shop, no, l.lineNo, l.sku, nullStr(l.spu), nullStr(l.title), l.qty,
				bx.int(l.unitPrice), bx.int(l.amount), bx.int(l.refund), l.refundQty, created, version)
			lines.Rows = append(lines.Rows, lBuf[start:len(lBuf):len(lBuf)])
		}
		for _, h := range history(hs[:0], o) {
			var at any
			switch h.status {
			case warehouse.StatusPending:
				at = createdAt
			case warehouse.StatusPaid:
				at = paidAt
			case warehouse.StatusShipped:
				at = shippedAt
			case warehouse.StatusCompleted:
				at = completedAt
			default:
				at = h.at
			}
			start := len(hBuf)
			hBuf = append(hBuf, tenant, shop, no, statusValue(h.status), at)
			hist.Rows = append(hist.Rows, hBuf[start:len(hBuf):len(hBuf)])
		}
		if acc.cust != nil {
			c.gatherCustomer(acc)
		}
		c.reconcile(acc)
	}
	cust, err := c.customerRows(ctx)
	if err != nil {
		return err
	}
	return imp.write(ctx, []TableRows{orders, lines, hist, cust})
}

type statusAt struct {
	status string
	at     time.Time
}

const maxHistory = 5

// history appends to dst the statuses an order is known to have been in.
func history(dst []statusAt, o *orderVals) []statusAt {
	dst = append(dst, statusAt{warehouse.StatusPending, o.created})
	if !o.paid.IsZero() {
		dst = append(dst, statusAt{warehouse.StatusPaid, o.paid})
	}
	if !o.shipped.IsZero() {
		dst = append(dst, statusAt{warehouse.StatusShipped, o.shipped})
	}
	if !o.completed.IsZero() {
		dst = append(dst, statusAt{warehouse.StatusCompleted, o.completed})
	}
	switch o.status {
	case warehouse.StatusClosed, warehouse.StatusRefunding, warehouse.StatusRefunded:
		at := o.cancelled
		if at.IsZero() {
			at = time.UnixMicro(o.version).UTC()
		}
		dst = append(dst, statusAt{o.status, at})
	}
	return dst
}

// reconcile warns when an order's total is not its lines − discount +
// shipping (+ tax).
func (c *orderConv) reconcile(acc *orderAcc) {
	if len(acc.lines) == 0 {
		return
	}
	o := &acc.o
	var sum int64
	for _, l := range acc.lines {
		sum += l.amount
	}
	want := sum - o.discount + o.shipping
	if o.has(fTax) {
		want += o.tax
	}
	if want == o.total {
		return
	}
	rep := c.imp.rep
	rep.ReconciliationFailures++
	if len(rep.Warnings) < c.imp.req.MaxErrors {
		rep.Warnings = append(rep.Warnings, Warning{Kind: "reconciliation", OrderNo: o.no,
			Message: fmt.Sprintf("order %s: total %s ≠ lines %s − discount %s + shipping %s", o.no,
				daiyun.Money(o.total), daiyun.Money(sum), daiyun.Money(o.discount), daiyun.Money(o.shipping+o.tax))})
	}
}

// gatherCustomer notes an order of a customer of the batch.
func (c *orderConv) gatherCustomer(acc *orderAcc) {
	o, st := &acc.o, acc.cust
	ca := customerAcc{o.created, o.province, o.city, o.channel}
	if st.slot == 0 {
		c.custBatch = append(c.custBatch, batchCustomer{acc.cid.(string), st, ca})
		st.slot = int32(len(c.custBatch))
	} else if b := &c.custBatch[st.slot-1]; o.created.Before(b.first) {
		b.customerAcc = ca
	}
}

// customerRows writes a customer of the batch only when the batch has an
// earlier first order than the warehouse knows, so replays leave customers
// unchanged.
func (c *orderConv) customerRows(ctx context.Context) (TableRows, error) {
	t := TableRows{Table: "customers", Columns: custCols}
	batch := c.custBatch
	defer func() {
		clear(batch)
		c.custBatch = batch[:0]
	}()
	if len(batch) == 0 {
		return t, nil
	}
	// Customers settled by an earlier batch of this import need no lookup.
	var ids []string
	for _, b := range batch {
		b.st.slot = 0
		if !b.st.settled {
			ids = append(ids, b.id)
		}
	}
	// Every customer an earlier batch of this import wrote is settled, so
	// the ids looked up here were not written by the batch still in
	// flight: the lookup need not wait for it (parsing goes on while the
	// warehouse writes), unless custs was just forgotten.
	wait := c.custForgot
	c.custForgot = false
	err := c.lookup(ctx, wait, "SELECT customer_id, first_order_at FROM customers WHERE {{tenants}} AND tenant_id = $1 AND customer_id IN %s",
		[]any{c.imp.req.Shop.ClientID}, ids, func(scan func(...any) error) error {
			var id string
			var first *time.Time
			if err := scan(&id, &first); err != nil {
				return err
			}
			if st := c.custs[id]; st != nil && first != nil {
				st.stored, st.settled = first.UTC(), true
			}
			return nil
		})
	if err != nil {
		return t, err
	}
	var tenant any = c.imp.req.Shop.ClientID
	for _, b := range batch {
		if b.st.settled && !b.first.Before(b.st.stored) {
			continue
		}
		b.st.stored, b.st.settled = b.first, true
		t.Rows = append(t.Rows, []any{tenant, b.id, b.first, nullStr(b.province), nullStr(b.city), nullStr(b.channel)})
	}
	// Sorted so a batch is written the same way every time.
	slices.SortFunc(t.Rows, func(a, b []any) int { return strings.Compare(a[1].(string), b[1].(string)) })
	return t, nil
}

// lookup runs a query whose %s is a set of keys, in chunks of 50,000, after
// fixed args. The keys travel as one text parameter joined by the unit
// separator and are split by the engine: one cheap statement per chunk,
// where an IN list of parameters or literals cost more than the rest of an
// import.
//
// With wait, it first lets the batch in flight commit, so the lookup sees
// it.
func (c *orderConv) lookup(ctx context.Context, wait bool, query string, fixed []any, keys []string, row func(scan func(...any) error) error) error {
	if wait {
		if err := c.imp.wait(); err != nil {
			return err
		}
	}
	const chunk = 50000
	param := "$" + strconv.Itoa(len(fixed)+1)
	set := "(SELECT unnest(string_split(" + param + ", chr(31))))"
	if c.imp.wh.Dialect() == warehouse.Postgres {
		set = "(SELECT unnest(string_to_array(" + param + ", chr(31))))"
	}
	q := fmt.Sprintf(query, set)
	for len(keys) > 0 {
		n := min(chunk, len(keys))
		args := append(append([]any(nil), fixed...), strings.Join(keys[:n], "\x1f"))
		if err := scanRows(ctx, c.imp.wh, c.imp.req.Tenants, q, args, row); err != nil {
			return fmt.Errorf("ingest: lookup: %w", err)
		}
		keys = keys[n:]
	}
	return nil
}

// flushLines writes lines of orders that are already in the warehouse.
func (c *orderConv) flushLines(ctx context.Context) error {
	imp := c.imp
	type known struct {
		day     time.Time
		version int64
	}
	nos := make([]string, 0, len(c.seq))
	for _, acc := range c.seq {
		nos = append(nos, acc.o.no)
	}
	orders := map[string]known{}
	err := c.lookup(ctx, true, "SELECT order_no, created_day, version FROM orders WHERE {{tenants}} AND tenant_id = $1 AND shop_id = $2 AND order_no IN %s",
		[]any{imp.req.Shop.ClientID, imp.req.Shop.ID}, nos, func(scan func(...any) error) error {
			var no string
			var k known
			if err := scan(&no, &k.day, &k.version); err != nil {
				return err
			}
			orders[no] = known{time.Date(k.day.Year(), k.day.Month(), k.day.Day(), 0, 0, 0, 0, time.UTC), k.version}
			return nil
		})
	if err != nil {
		return err
	}
	lines := TableRows{Table: "order_lines", Columns: lineCols}
	tenant, shop := imp.req.Shop.ClientID, imp.req.Shop.ID
	for _, acc := range c.seq {
		k, ok := orders[acc.o.no]
		switch {
		case acc.bad:
			c.rejectOrder(acc, "", fmt.Sprintf("another line of order %s was quarantined; the order's lines are kept whole", acc.o.no))
			continue
		case !ok:
			c.rejectOrder(acc, c.colOf(fOrderNo), fmt.Sprintf("order %s is neither in this import nor in the warehouse; import the order file first", acc.o.no))
			continue
		}
		for i := range acc.lines {
			l := &acc.lines[i]
			if !l.has(fLineAmount) {
				l.amount = l.unitPrice*l.qty - l.discount
			}
			if !l.has(fUnitPrice) && l.qty > 0 {
				l.unitPrice = l.amount / l.qty
			}
			lines.Rows = append(lines.Rows, []any{tenant, shop, acc.o.no, l.lineNo, l.sku, nullStr(l.spu), nullStr(l.title),
				l.qty, l.unitPrice, l.amount, l.refund, l.refundQty, k.day, k.version})
		}
	}
	return imp.write(ctx, []TableRows{lines})
}
