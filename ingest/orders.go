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
// turns out to be unusable; its record is recs[off:end] of the batch.
type rowRef struct {
	row      int
	off, end int
}

// orderAcc gathers the rows of one order in a batch.
type orderAcc struct {
	o     orderVals
	lines []lineVals
	rows  []rowRef
	bad   bool // a row of the order was quarantined
	// The customer, resolved by identify from the field named by idFrom.
	idFrom field
	cid    any // the pseudonymous customer id (a string), nil for none
	cust   *customerState
}

type fieldBind struct {
	f   field
	col int
}

// orderConv converts order exports: orders, their lines, status history and
// customers.
type orderConv struct {
	imp       *importer
	binds     []fieldBind
	lines     bool // rows are lines
	linesOnly bool // rows are lines of orders imported before
	sum       bool
	// seen holds every order of the import so far by the hash of its
	// number: where it is in seq for the orders of the batch being
	// gathered (generation gen), an earlier generation for those earlier
	// batches wrote. One map probe tells both, and ending a batch is
	// counting one generation more. An order of the batch whose number's
	// hash another has taken is found in spill.
	seen  map[uint64]orderSlot
	gen   uint32
	spill map[string]*orderAcc
	seq   []*orderAcc
	last  *orderAcc
	rows  int
	// recs holds the records of the batch's rows one after another: a
	// record passed to add is only lent (see converter).
	recs []string
	// pool holds the accumulators of every batch so far: a batch takes
	// them again, with the room their lines and rows grew, instead of
	// allocating its own.
	pool       []*orderAcc
	seed       maphash.Seed
	pseud      map[string]string
	status     map[string]string // status words seen → canonical status
	custs      map[string]*customerState
	custBatch  []batchCustomer // the customers of the batch being gathered
	custForgot bool            // custs was cleared: the next lookup waits for the batch in flight
	boxes      boxes
	times      [nFields]lastTime
}

func newOrderConv(imp *importer, bs []binding) *orderConv {
	c := &orderConv{imp: imp, sum: imp.prof.SumRows, seen: map[uint64]orderSlot{}, spill: map[string]*orderAcc{},
		seed: maphash.MakeSeed(), pseud: map[string]string{},
		status: map[string]string{}, custs: map[string]*customerState{}}
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
		h := maphash.String(c.seed, o.no)
		var written bool
		acc, written = c.find(o.no, h)
		if acc == nil {
			if written {
				imp.reject(row, rec, c.colOf(fOrderNo), o.no, fmt.Sprintf("the rows of order %s are not together in the file and its earlier rows were already written; put them together and import again", o.no))
				return nil
			}
			if c.rows >= imp.batchSize {
				if err := c.flush(ctx); err != nil {
					return err
				}
			}
			acc = c.newAcc(o.no, h)
		}
		c.last = acc
	}
	c.rows++
	c.merge(acc, &o)
	c.identify(acc)
	off := len(c.recs)
	c.recs = append(c.recs, rec...)
	acc.rows = append(acc.rows, rowRef{row, off, len(c.recs)})
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
	h := maphash.String(c.seed, no)
	acc, written := c.find(no, h)
	if acc == nil {
		if written {
			return
		}
		// The order's first row was refused: hold the order so its other
		// rows are refused with it rather than written as a partial order.
		acc = c.newAcc(no, h)
	}
	acc.bad = true
}

// orderSlot is where an order is: in the batch of generation gen, at
// index idx of seq.
type orderSlot struct {
	gen, idx uint32
}

// find returns the order of the batch numbered no, if any, or whether an
// earlier batch wrote it; h is the hash of no. Orders of earlier batches
// are known by their hash alone, which keeps a long import's memory small.
func (c *orderConv) find(no string, h uint64) (acc *orderAcc, written bool) {
	s, ok := c.seen[h]
	switch {
	case !ok:
		return nil, false
	case s.gen != c.gen:
		return nil, true
	}
	if acc = c.seq[s.idx]; acc.o.no == no {
		return acc, false
	}
	return c.spill[no], false
}

// newAcc starts gathering the order numbered no in the batch; h is the
// hash of no.
func (c *orderConv) newAcc(no string, h uint64) *orderAcc {
	var acc *orderAcc
	if len(c.seq) < len(c.pool) {
		acc = c.pool[len(c.seq)]
		// Cleared so the last batch's strings can be freed.
		clear(acc.lines)
		*acc = orderAcc{lines: acc.lines[:0], rows: acc.rows[:0]}
	} else {
		acc = &orderAcc{}
		c.pool = append(c.pool, acc)
	}
	acc.o.no = no
	if s, ok := c.seen[h]; ok && s.gen == c.gen {
		c.spill[no] = acc
	} else {
		c.seen[h] = orderSlot{c.gen, uint32(len(c.seq))}
	}
	c.seq = append(c.seq, acc)
	return acc
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
		c.imp.reject(r.row, c.recs[r.off:r.end], col, val, reason)
	}
}
