package ingest

import (
	"context"
	"fmt"
	"hash/maphash"
	"sort"
	"time"
)

// orderVals is what one row says about its order.
type orderVals struct {
	set                                                     uint64 // bit per field
	no, buyer, customerID, status, financial, fulfillment   string
	province, city, address, channel, campaign              string
	cancelled, created, paid, shipped, completed, updated   time.Time
	goods, subtotal, discount, shipping, tax, total, paidAm int64
	refund, version                                         int64
}

// lineVals is one order line.
type lineVals struct {
	set                                                 uint64
	lineNo                                              int64
	sku, spu, title                                     string
	qty, unitPrice, amount, discount, refund, refundQty int64
}

func (v *orderVals) has(f field) bool { return v.set&(1<<f) != 0 }
func (l *lineVals) has(f field) bool  { return l.set&(1<<f) != 0 }

// rowRef remembers a taken row so it can still be quarantined when its order
// turns out to be unusable.
type rowRef struct {
	row int
	rec []string
}

// orderAcc gathers the rows of one order in a batch.
type orderAcc struct {
	o     orderVals
	lines []lineVals
	rows  []rowRef
	bad   bool // a row of the order was quarantined
}

type fieldBind struct {
	f   field
	col int
}

// orderConv converts order exports: orders, their lines, status history and
// customers.
type orderConv struct {
	imp        *importer
	binds      []fieldBind
	lines      bool // rows are lines
	linesOnly  bool // rows are lines of orders imported before
	sum        bool
	accs       map[string]*orderAcc
	seq        []*orderAcc
	last       *orderAcc
	rows       int
	done       map[uint64]struct{} // orders written in earlier batches
	seed       maphash.Seed
	pseud      map[string]string
	custFirst  map[string]time.Time // customers' first order as stored, learnt in this import
	custForgot bool                 // custFirst was cleared: the next lookup waits for the batch in flight
}

func newOrderConv(imp *importer, bs []binding) *orderConv {
	c := &orderConv{imp: imp, sum: imp.prof.SumRows, accs: map[string]*orderAcc{},
		done: map[uint64]struct{}{}, seed: maphash.MakeSeed(), pseud: map[string]string{}, custFirst: map[string]time.Time{}}
	c.linesOnly = imp.prof.Table == "order_lines"
	for _, b := range bs {
		fl := fieldByName(b.name)
		if fl == fNone {
			continue
		}
		c.binds = append(c.binds, fieldBind{fl, b.col})
		if fl == fQuantity {
			c.lines = true
		}
	}
	if c.linesOnly {
		c.lines = true
	}
	// The order number is read first, so a row refused for another column
	// still holds its whole order back.
	sort.SliceStable(c.binds, func(i, j int) bool { return c.binds[i].f == fOrderNo && c.binds[j].f != fOrderNo })
	return c
}

// add parses one row into its order.
func (c *orderConv) add(ctx context.Context, rec []string, row int) error {
	imp := c.imp
	var o orderVals
	var l lineVals
	for _, b := range c.binds {
		if b.col >= len(rec) {
			continue
		}
		v := rec[b.col]
		if v == "" {
			continue
		}
		if err := c.parse(b.f, v, &o, &l); err != nil {
			imp.reject(row, rec, imp.columnName(b.col), v, fmt.Sprintf("%s %s", imp.columnName(b.col), err))
			c.markBad(o.no)
			return nil
		}
	}
	if o.no == "" {
		imp.reject(row, rec, c.colOf(fOrderNo), "", "the order number is empty")
		return nil
	}
	if reason, col, val := c.check(&o, &l); reason != "" {
		imp.reject(row, rec, col, val, reason)
		c.markBad(o.no)
		return nil
	}
	acc := c.last
	if acc == nil || acc.o.no != o.no {
		acc = c.accs[o.no]
		if acc == nil {
			if _, seen := c.done[maphash.String(c.seed, o.no)]; seen {
				imp.reject(row, rec, c.colOf(fOrderNo), o.no, fmt.Sprintf("the rows of order %s are not together in the file and its earlier rows were already written; put them together and import again", o.no))
				return nil
			}
			if c.rows >= imp.batchSize {
				if err := c.flush(ctx); err != nil {
					return err
				}
			}
			acc = &orderAcc{}
			c.accs[o.no] = acc
			c.seq = append(c.seq, acc)
		}
		c.last = acc
	}
	c.rows++
	c.merge(acc, &o)
	acc.rows = append(acc.rows, rowRef{row, rec})
	if c.lines {
		if !l.has(fLineNo) {
			l.lineNo = int64(len(acc.lines) + 1)
		} else if i := lineIndex(acc.lines, l.lineNo); i >= 0 {
			// The same line twice in the file: the later row wins.
			acc.lines[i] = l
			imp.rep.Duplicates++
			return nil
		}
		acc.lines = append(acc.lines, l)
	} else if len(acc.rows) > 1 {
		imp.rep.Duplicates++
	}
	return nil
}

func (c *orderConv) markBad(no string) {
	if no == "" {
		return
	}
	acc := c.accs[no]
	if acc == nil {
		if _, seen := c.done[maphash.String(c.seed, no)]; seen {
			return
		}
		// The order's first row was refused: hold the order so its other
		// rows are refused with it rather than written as a partial order.
		acc = &orderAcc{o: orderVals{no: no}}
		c.accs[no] = acc
		c.seq = append(c.seq, acc)
	}
	acc.bad = true
}

func (c *orderConv) colOf(f field) string {
	for _, b := range c.binds {
		if b.f == f {
			return c.imp.columnName(b.col)
		}
	}
	return fieldNames[f]
}

// rejectOrder quarantines every row of an order.
func (c *orderConv) rejectOrder(acc *orderAcc, col, reason string) {
	val := ""
	if col == c.colOf(fOrderNo) {
		val = acc.o.no
	}
	for _, r := range acc.rows {
		c.imp.reject(r.row, r.rec, col, val, reason)
	}
}
