package ingest

import (
	"time"

	"github.com/daiyun/daiyun/warehouse"
)

// The rows handed to the warehouse are []any: every value of a row is
// boxed, and the boxes are most of what an import allocates. Numbers and
// days repeat from row to row (prices, amounts), so they are boxed through
// small caches, which give a value already boxed when they hold it. A box
// is never written to, so rows may share one. (Strings are boxed each
// time: hashing them to find them in a cache cost more than the box.)

// boxes caches boxed int64 values, one value per slot.
type boxes struct {
	ints [512]struct {
		n   int64
		box any
	}
}

// int boxes n.
func (b *boxes) int(n int64) any {
	if uint64(n) < 256 {
		return n // Go boxes these without allocating
	}
	// Fibonacci hashing spreads nearby values over the slots.
	e := &b.ints[uint64(n)*0x9e3779b97f4a7c15>>(64-9)]
	if e.box == nil || e.n != n {
		e.n, e.box = n, n
	}
	return e.box
}

// dayBox boxes the calendar days of a run of times once per day, not per
// time: orders come mostly in time order.
type dayBox struct {
	day time.Time
	box any
}

// of returns DayOf(t, loc), boxed.
func (d *dayBox) of(t time.Time, loc *time.Location) any {
	day := DayOf(t, loc)
	if d.box == nil || !day.Equal(d.day) {
		d.day, d.box = day, day
	}
	return d.box
}

// statusValue boxes a canonical status without allocating: the constants
// are boxed statically.
func statusValue(s string) any {
	switch s {
	case warehouse.StatusPending:
		return warehouse.StatusPending
	case warehouse.StatusPaid:
		return warehouse.StatusPaid
	case warehouse.StatusShipped:
		return warehouse.StatusShipped
	case warehouse.StatusCompleted:
		return warehouse.StatusCompleted
	case warehouse.StatusClosed:
		return warehouse.StatusClosed
	case warehouse.StatusRefunding:
		return warehouse.StatusRefunding
	case warehouse.StatusRefunded:
		return warehouse.StatusRefunded
	}
	return s
}
