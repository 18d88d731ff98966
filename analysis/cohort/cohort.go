// Package cohort computes repurchase cohorts (PRODUCT.md D2): customers
// grouped by the calendar month of their first purchase, and for each later
// month the customers of the cohort who bought again, their share of the
// cohort and the revenue they brought.
//
// Compute takes plain purchases (the file door). Build takes the same
// figures already aggregated per cohort and month (the warehouse door
// aggregates in SQL); Compute aggregates in Go and then calls Build, so
// both doors assemble the table with the same code. The package reads no
// files and knows no storage.
package cohort

import (
	"math"
	"time"

	"github.com/daiyun/daiyun"
)

// Purchase is one order (or order line: lines with the same Order of the
// same customer count as one order).
type Purchase struct {
	Customer string
	Time     time.Time
	Amount   float64
	// Order is the order id; empty means every purchase is its own order.
	Order string
}

// Options of the cohort table.
type Options struct {
	// To ends the table: purchases after it are ignored and its month is the
	// last one. Zero means the last purchase.
	To time.Time
	// Loc is the time zone of month boundaries; nil means UTC.
	Loc *time.Location
}

// Result is the table, oldest cohort first, every month from the first
// purchase's to To's included.
type Result struct {
	Cohorts []Cohort `json:"cohorts"`
}

// Cohort is the customers whose first purchase fell in one month.
type Cohort struct {
	Month string `json:"month"` // YYYY-MM
	Size  int    `json:"size"`
	// RepeatCustomers bought at least two orders by To; RepeatRate is their
	// share of the cohort (null for an empty cohort).
	RepeatCustomers int      `json:"repeat_customers"`
	RepeatRate      *float64 `json:"repeat_rate"`
	// Months[k] is the cohort's activity k months after its first month;
	// Months[0] is the first month itself (every member bought in it).
	Months []Month `json:"months"`
}

// Month is a cohort's activity in one calendar month.
type Month struct {
	Offset int    `json:"offset"`
	Month  string `json:"month"`
	// Customers of the cohort who bought in the month; Share is Customers
	// divided by the cohort size (null for an empty cohort).
	Customers int      `json:"customers"`
	Share     *float64 `json:"share"`
	Orders    int      `json:"orders"`
	// Revenue is the sum of the month's amounts, added in exact millionths
	// so it does not depend on the order of the purchases.
	Revenue float64 `json:"revenue"`
}

// MaxAmount is the largest amount a purchase may have: amounts are added
// in millionths in an int64.
const MaxAmount = 1e12

// MonthIndex numbers calendar months: year·12 + month − 1.
func MonthIndex(year int, month time.Month) int { return year*12 + int(month) - 1 }

// Cell is one cohort's activity in one month, aggregated over purchases:
// the input of Build.
type Cell struct {
	// Cohort and Month are month indexes (MonthIndex); Month ≥ Cohort.
	Cohort, Month int
	// Customers of the cohort who bought in Month; Orders, their orders in
	// it; Revenue, the sum of their amounts in millionths.
	Customers, Orders int
	Revenue           int64
	// Repeaters, in the cell where Month = Cohort, are the cohort's
	// customers with at least two orders by the end of the table; other
	// cells leave it 0.
	Repeaters int
}

// Build assembles the table from cells: every month from the earliest
// cohort to last (a month index) is a cohort, empty ones included. A
// cohort's size is its customers in its own month (every member bought
// then). Cells must not repeat a (Cohort, Month) pair.
func Build(cells []Cell, last int) (*Result, error) {
	first := math.MaxInt
	for _, c := range cells {
		if c.Month < c.Cohort || c.Month > last {
			return nil, daiyun.Errorf(daiyun.EINVALID, "cohort cell %s/%s: outside the table ending %s", monthName(c.Cohort), monthName(c.Month), monthName(last))
		}
		first = min(first, c.Cohort)
	}
	if first == math.MaxInt {
		return nil, daiyun.Errorf(daiyun.EINVALID, "the input has no purchases")
	}
	n := last - first + 1
	res := &Result{Cohorts: make([]Cohort, n)}
	revenue := make([][]int64, n)
	for i := range res.Cohorts {
		res.Cohorts[i] = Cohort{Month: monthName(first + i), Months: make([]Month, n-i)}
		for k := range res.Cohorts[i].Months {
			res.Cohorts[i].Months[k] = Month{Offset: k, Month: monthName(first + i + k)}
		}
		revenue[i] = make([]int64, n-i)
	}
	for _, c := range cells {
		co := &res.Cohorts[c.Cohort-first]
		m := &co.Months[c.Month-c.Cohort]
		m.Customers += c.Customers
		m.Orders += c.Orders
		revenue[c.Cohort-first][c.Month-c.Cohort] += c.Revenue
		co.RepeatCustomers += c.Repeaters
	}
	for i := range res.Cohorts {
		co := &res.Cohorts[i]
		for k := range co.Months {
			co.Months[k].Revenue = float64(revenue[i][k]) / 1e6
		}
		co.Size = co.Months[0].Customers
		if co.Size == 0 {
			continue
		}
		co.RepeatRate = ratio(co.RepeatCustomers, co.Size)
		for k := range co.Months {
			co.Months[k].Share = ratio(co.Months[k].Customers, co.Size)
		}
	}
	return res, nil
}

// Compute builds the cohort table from purchases.
func Compute(ps []Purchase, o Options) (*Result, error) {
	if len(ps) == 0 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "the input has no purchases")
	}
	loc := o.Loc
	if loc == nil {
		loc = time.UTC
	}
	to := o.To
	if to.IsZero() {
		for _, p := range ps {
			if p.Time.After(to) {
				to = p.Time
			}
		}
	}
	monthIndex := func(t time.Time) int {
		y, m, _ := t.In(loc).Date()
		return MonthIndex(y, m)
	}
	type cust struct {
		first  int
		orders int
	}
	// Customers are interned to indices, and each purchase's customer and
	// month kept, so the second pass does no string hashing or time zone
	// arithmetic.
	ids := map[string]int32{}
	var custs []cust
	pc := make([]int32, len(ps)) // customer index, -1 when after To
	pm := make([]int32, len(ps)) // month index
	for i, p := range ps {
		if p.Amount < 0 || p.Amount > MaxAmount || math.IsNaN(p.Amount) {
			return nil, daiyun.Errorf(daiyun.EINVALID, "purchase %d (customer %s): amount %v is not a number from 0 to %g", i+1, p.Customer, p.Amount, MaxAmount)
		}
		if p.Time.After(to) {
			pc[i] = -1
			continue
		}
		mi := monthIndex(p.Time)
		id, ok := ids[p.Customer]
		if !ok {
			id = int32(len(custs))
			ids[p.Customer] = id
			custs = append(custs, cust{first: mi})
		}
		custs[id].first = min(custs[id].first, mi)
		pc[i], pm[i] = id, int32(mi)
	}
	if len(custs) == 0 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "--to %s: no purchase on or before it", to.Format(time.RFC3339))
	}
	first, last := math.MaxInt, monthIndex(to)
	for _, c := range custs {
		first = min(first, c.first)
	}
	// cells[cohort][offset], cohorts and months counted from first.
	n := last - first + 1
	cells := make([][]Cell, n)
	for i := range cells {
		cells[i] = make([]Cell, n-i)
		for k := range cells[i] {
			cells[i][k] = Cell{Cohort: first + i, Month: first + i + k}
		}
	}
	// bought records who bought in which month, so each counts once a month.
	bought := make(map[uint64]struct{}, len(custs))
	type orderKey struct {
		id    int32
		order string
	}
	var orderSeen map[orderKey]struct{} // made on the first order id
	for i, p := range ps {
		id := pc[i]
		if id < 0 {
			continue
		}
		c := &custs[id]
		mi := int(pm[i])
		cell := &cells[c.first-first][mi-c.first]
		cell.Revenue += int64(math.Round(p.Amount * 1e6))
		newOrder := p.Order == ""
		if !newOrder {
			if orderSeen == nil {
				orderSeen = make(map[orderKey]struct{}, len(ps))
			}
			k := orderKey{id, p.Order}
			if _, seen := orderSeen[k]; !seen {
				orderSeen[k] = struct{}{}
				newOrder = true
			}
		}
		if newOrder {
			cell.Orders++
			c.orders++
		}
		k := uint64(id)<<32 | uint64(uint32(mi))
		if _, seen := bought[k]; !seen {
			bought[k] = struct{}{}
			cell.Customers++
		}
	}
	for _, c := range custs {
		if c.orders >= 2 {
			cells[c.first-first][0].Repeaters++
		}
	}
	flat := make([]Cell, 0, n*(n+1)/2)
	for _, row := range cells {
		flat = append(flat, row...)
	}
	return Build(flat, last)
}

func ratio(a, b int) *float64 {
	r := float64(a) / float64(b)
	return &r
}

func monthName(i int) string {
	return time.Date(i/12, time.Month(i%12+1), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
}
