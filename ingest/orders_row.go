package ingest

import (
	"fmt"
	"strings"
	"time"
)

// parse reads one source value into its field.
func (c *orderConv) parse(f field, v string, o *orderVals, l *lineVals) error {
	imp := c.imp
	switch {
	case f.isMoney():
		n, err := imp.parseMoney(v)
		if err != nil {
			return err
		}
		if n < 0 {
			return fmt.Errorf("is negative")
		}
		switch f {
		case fGoods:
			o.goods = n
		case fSubtotal:
			o.subtotal = n
		case fDiscount:
			o.discount = n
		case fShipping:
			o.shipping = n
		case fTax:
			o.tax = n
		case fTotal:
			o.total = n
		case fPaid:
			o.paidAm = n
		case fRefund:
			o.refund = n
		case fUnitPrice:
			l.unitPrice = n
		case fLineAmount:
			l.amount = n
		case fLineDiscount:
			l.discount = n
		case fLineRefund:
			l.refund = n
		}
	case f.isTime():
		t, err := c.parseTime(f, v)
		if err != nil {
			return err
		}
		if t.IsZero() {
			return nil
		}
		if imp.future(t) {
			return fmt.Errorf("is in the future")
		}
		switch f {
		case fCancelledAt:
			o.cancelled = t
		case fCreatedAt:
			o.created = t
		case fPaidAt:
			o.paid = t
		case fShippedAt:
			o.shipped = t
		case fCompletedAt:
			o.completed = t
		case fUpdatedAt:
			o.updated = t
		}
	case f.isCount():
		n, err := ParseCount(v, imp.req.Locale)
		if err != nil {
			return err
		}
		if n < 0 {
			return fmt.Errorf("is negative")
		}
		switch f {
		case fLineNo:
			if n == 0 || n > 1<<31-1 {
				return fmt.Errorf("is not a line number from 1")
			}
			l.lineNo = n
		case fQuantity:
			if n > 1<<31-1 {
				return fmt.Errorf("is too large")
			}
			l.qty = n
		case fRefundQty:
			l.refundQty = n
		case fVersion:
			o.version = n
		case fTenantID:
			if n != imp.req.Shop.ClientID {
				return fmt.Errorf("is not this shop's client %d", imp.req.Shop.ClientID)
			}
		case fShopID:
			if n != imp.req.Shop.ID {
				return fmt.Errorf("is not this shop %d", imp.req.Shop.ID)
			}
		}
	default:
		switch f {
		case fOrderNo:
			if strings.IndexByte(v, 0) >= 0 || strings.IndexByte(v, 0x1f) >= 0 {
				return fmt.Errorf("holds a control character")
			}
			o.no = v
		case fBuyer:
			o.buyer = v
		case fCustomerID:
			o.customerID = v
		case fStatus:
			s, ok := c.status[v]
			if !ok {
				// Files use few status words: each is normalised once.
				if s, ok = CanonicalStatus(v); !ok {
					return fmt.Errorf("is not an order status Daiyun knows")
				}
				if len(c.status) < 1000 {
					c.status[strings.Clone(v)] = s
				}
			}
			o.status = s
		case fFinancialStatus:
			if _, ok := shopifyStatus(v, "", false); !ok {
				return fmt.Errorf("is not a financial status Daiyun knows")
			}
			o.financial = v
		case fFulfillmentStatus:
			o.fulfillment = v
		case fCurrency:
			if err := imp.checkCurrency(v); err != nil {
				return err
			}
		case fProvince:
			o.province = v
		case fCity:
			o.city = v
		case fAddress:
			o.address = v
		case fChannel:
			o.channel = v
		case fCampaign:
			o.campaign = v
		case fSKU:
			l.sku = v
		case fSPU:
			l.spu = v
		case fTitle:
			l.title = v
		}
	}
	if f.isLine() {
		l.set |= 1 << f
	} else {
		o.set |= 1 << f
	}
	return nil
}

// parseTime reads a time of field f. The rows of an order repeat its
// times, so the last time each field read is remembered.
func (c *orderConv) parseTime(f field, v string) (time.Time, error) {
	last := &c.times[f]
	if last.ok && last.s == v {
		return last.t, nil
	}
	t, err := c.imp.parseTime(v)
	if err == nil {
		*last = lastTime{v, t, true}
	}
	return t, err
}

// lastTime is the last value a time field read.
type lastTime struct {
	s  string
	t  time.Time
	ok bool
}

// check applies the row rules that need several fields.
func (c *orderConv) check(o *orderVals, l *lineVals) (reason, col, val string) {
	if c.lines && !l.has(fQuantity) {
		return "the line has no quantity", c.colOf(fQuantity), ""
	}
	if c.lines && !l.has(fUnitPrice) && !l.has(fLineAmount) {
		return "the line has neither a price nor an amount", c.colOf(fUnitPrice), ""
	}
	return "", "", ""
}

// merge folds a row's order values into the order: the first row that has a
// field gives it, except money of SumRows profiles, which adds up.
func (c *orderConv) merge(acc *orderAcc, o *orderVals) {
	a := &acc.o
	if a.set == 0 {
		*a = *o
		return
	}
	for f := fOrderNo; f < fLineNo; f++ {
		if !o.has(f) {
			continue
		}
		if a.has(f) && !(c.sum && f.isMoney()) {
			continue
		}
		switch f {
		case fBuyer:
			a.buyer = o.buyer
		case fCustomerID:
			a.customerID = o.customerID
		case fStatus:
			a.status = o.status
		case fFinancialStatus:
			a.financial = o.financial
		case fFulfillmentStatus:
			a.fulfillment = o.fulfillment
		case fCancelledAt:
			a.cancelled = o.cancelled
		case fCreatedAt:
			a.created = o.created
		case fPaidAt:
			a.paid = o.paid
		case fShippedAt:
			a.shipped = o.shipped
		case fCompletedAt:
			a.completed = o.completed
		case fUpdatedAt:
			a.updated = o.updated
		case fGoods:
			a.goods += o.goods
		case fSubtotal:
			a.subtotal += o.subtotal
		case fDiscount:
			a.discount += o.discount
		case fShipping:
			a.shipping += o.shipping
		case fTax:
			a.tax += o.tax
		case fTotal:
			a.total += o.total
		case fPaid:
			a.paidAm += o.paidAm
		case fRefund:
			a.refund += o.refund
		case fProvince:
			a.province = o.province
		case fCity:
			a.city = o.city
		case fAddress:
			a.address = o.address
		case fChannel:
			a.channel = o.channel
		case fCampaign:
			a.campaign = o.campaign
		case fVersion:
			a.version = o.version
		}
		a.set |= 1 << f
	}
}
