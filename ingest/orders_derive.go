package ingest

import (
	"fmt"
	"strings"
	"time"

	"github.com/daiyun/daiyun/warehouse"
)

// statusOf derives the canonical status of a finished order.
func statusOf(o *orderVals) string {
	switch {
	case o.has(fStatus):
		return o.status
	case o.has(fFinancialStatus):
		s, _ := shopifyStatus(o.financial, o.fulfillment, o.has(fCancelledAt))
		return s
	case o.has(fCancelledAt):
		return warehouse.StatusClosed
	case o.has(fCompletedAt):
		return warehouse.StatusCompleted
	case o.has(fShippedAt):
		return warehouse.StatusShipped
	case o.has(fPaidAt):
		return warehouse.StatusPaid
	}
	return warehouse.StatusPending
}

func paidStatus(s string) bool {
	switch s {
	case warehouse.StatusPaid, warehouse.StatusShipped, warehouse.StatusCompleted, warehouse.StatusRefunding, warehouse.StatusRefunded:
		return true
	}
	return false
}

// finish completes an order's derived values; reason is non-empty when the
// order cannot be taken.
func (c *orderConv) finish(acc *orderAcc) (reason, col string) {
	o := &acc.o
	if c.linesOnly {
		return "", ""
	}
	if !o.has(fCreatedAt) {
		return fmt.Sprintf("order %s has no creation time (its row with the order's columns is missing or was quarantined)", o.no), c.colOf(fCreatedAt)
	}
	o.status = statusOf(o)
	var lineSum, lineRefund int64
	for i := range acc.lines {
		l := &acc.lines[i]
		if !l.has(fLineAmount) {
			l.amount = l.unitPrice*l.qty - l.discount
			if l.amount < 0 {
				return fmt.Sprintf("order %s line %d: the line discount is larger than price × quantity", o.no, l.lineNo), c.colOf(fLineDiscount)
			}
		}
		if !l.has(fUnitPrice) && l.qty > 0 {
			l.unitPrice = l.amount / l.qty
		}
		lineSum += l.amount
		lineRefund += l.refund
	}
	switch {
	case o.has(fGoods):
		if !o.has(fDiscount) {
			// Taobao writes goods payable (买家应付货款) and the total; the
			// difference is the order-level discount.
			if d := o.goods + o.shipping + o.tax - o.total; d > 0 {
				o.discount = d
			}
		}
	case o.has(fSubtotal):
		o.goods = o.subtotal + o.discount
	case len(acc.lines) > 0:
		o.goods = lineSum
	default:
		o.goods = o.total - o.shipping - o.tax + o.discount
	}
	if !o.has(fTotal) {
		o.total = o.goods - o.discount + o.shipping + o.tax
	}
	if !o.has(fPaid) {
		if paidStatus(o.status) || o.status == warehouse.StatusClosed && o.has(fPaidAt) {
			o.paidAm = o.total
		}
	}
	if !o.has(fRefund) {
		o.refund = lineRefund
		if o.status == warehouse.StatusRefunded && o.refund == 0 {
			o.refund = o.paidAm
		}
	}
	if !o.has(fProvince) && o.address != "" {
		o.province, o.city = splitAddress(o.address)
	}
	if !o.has(fVersion) {
		o.version = versionOf(o)
	}
	return "", ""
}

// versionOf is the latest time the row knows about the order, in unix
// microseconds: a later export of the same order replaces an earlier one,
// and the same export replayed is equal, so unchanged.
func versionOf(o *orderVals) int64 {
	v := o.created
	for _, t := range []time.Time{o.paid, o.shipped, o.completed, o.cancelled, o.updated} {
		if t.After(v) {
			v = t
		}
	}
	return v.UnixMicro()
}

// splitAddress keeps the province and city of a "省 市 区 街道…" address
// (Taobao and JD write the parts separated by spaces) and drops the rest.
func splitAddress(a string) (province, city string) {
	parts := strings.Fields(strings.ReplaceAll(foldWidth(a), "\u3000", " "))
	if len(parts) > 0 {
		province = parts[0]
	}
	if len(parts) > 1 {
		city = parts[1]
	}
	// A province-level city writes itself twice ("北京 北京市 …").
	return province, city
}

// identify resolves the customer of an order when the field that names
// it is new: the customer id, else the buyer, pseudonymised (a value that
// is already a Daiyun pseudonym is kept), and the customer's state in this
// import. The rows of an order name the same customer, so it works once
// per order.
func (c *orderConv) identify(acc *orderAcc) {
	o := &acc.o
	from, id := fNone, ""
	switch {
	case o.has(fCustomerID):
		from, id = fCustomerID, o.customerID
	case o.has(fBuyer):
		from, id = fBuyer, o.buyer
	}
	if from == acc.idFrom {
		return
	}
	acc.idFrom, acc.cid, acc.cust = from, nil, nil
	if from == fNone {
		return
	}
	if !isPseudonym(id) {
		p, ok := c.pseud[id]
		if !ok {
			p = c.imp.pseudonym(id)
			c.pseud[id] = p
		}
		id = p
	}
	st := c.custs[id]
	if st == nil {
		// A copy: the id may be cut from a whole record.
		id = strings.Clone(id)
		st = &customerState{id: id}
		c.custs[id] = st
	}
	acc.cid, acc.cust = st.id, st
}

// isPseudonym reports whether s has the shape of daiyun.Pseudonym's output.
func isPseudonym(s string) bool {
	if len(s) != 26 || !strings.HasPrefix(s, "c_") {
		return false
	}
	for i := 2; i < len(s); i++ {
		ch := s[i]
		if !(ch >= '0' && ch <= '9' || ch >= 'a' && ch <= 'f') {
			return false
		}
	}
	return true
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func nullStr(s string) any {
	if s == "" {
		return nil
	}
	return s
}

var (
	orderCols   = mustTable("orders").ColumnNames()
	lineCols    = mustTable("order_lines").ColumnNames()
	historyCols = mustTable("order_status_history").ColumnNames()
	custCols    = mustTable("customers").ColumnNames()
)

func mustTable(name string) warehouse.Table {
	t, ok := warehouse.TableByName(name)
	if !ok {
		panic("ingest: no warehouse table " + name)
	}
	return t
}

// lineIndex finds a line number among an order's lines (orders have few).
func lineIndex(lines []lineVals, n int64) int {
	for i := range lines {
		if lines[i].lineNo == n {
			return i
		}
	}
	return -1
}
