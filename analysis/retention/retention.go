// Package retention computes retention tables (PRODUCT.md D2) as PostHog
// does: persons grouped into cohorts by the period (day, week from Monday,
// or month) in which they did a start event, and counted again in each later
// period in which they did a return event.
//
// The package takes plain events; it reads no files and knows no storage.
package retention

import (
	"sort"
	"time"

	"github.com/daiyun/daiyun"
)

// Event is one behaviour event.
type Event struct {
	Person string
	Name   string
	Time   time.Time
}

// Period is the length of a cohort.
type Period string

// Periods.
const (
	Day   Period = "day"
	Week  Period = "week" // starting on Monday
	Month Period = "month"
)

// Type says which start events place a person in a cohort.
type Type string

// Types.
const (
	// Recurring puts a person in the cohort of every period in which they
	// did the start event.
	Recurring Type = "recurring"
	// FirstTime puts a person only in the cohort of the period of their
	// first start event ever (in the input).
	FirstTime Type = "first-time"
)

// Options define a retention table.
type Options struct {
	StartEvent, ReturnEvent string
	Period                  Period
	// Intervals is the number of cohorts N (and of periods).
	Intervals int
	// To is a time in the last cohort's period; zero means the latest event.
	To   time.Time
	Type Type
	// Loc is the time zone of period boundaries; nil means UTC.
	Loc *time.Location
}

// Result is the retention table, oldest cohort first.
type Result struct {
	Period  Period   `json:"period"`
	Type    Type     `json:"type"`
	Cohorts []Cohort `json:"cohorts"`
}

// Cohort is the persons who did the start event in one period.
type Cohort struct {
	// Start is the first day of the period, YYYY-MM-DD in the time zone.
	Start string `json:"start"`
	Size  int    `json:"size"`
	// Values[j] is the number of the cohort's persons who did the return
	// event in the j-th period after the cohort's; Values[0] is Size.
	// Cohort i of N has N − i values.
	Values []int `json:"values"`
}

// Rates returns Values divided by Size, or nil for an empty cohort.
func (c Cohort) Rates() []float64 {
	if c.Size == 0 {
		return nil
	}
	r := make([]float64, len(c.Values))
	for j, v := range c.Values {
		r[j] = float64(v) / float64(c.Size)
	}
	return r
}

// Compute builds the table.
func Compute(events []Event, o Options) (*Result, error) {
	if err := o.validate(events); err != nil {
		return nil, err
	}
	if o.Loc == nil {
		o.Loc = time.UTC
	}
	if o.Type == "" {
		o.Type = Recurring
	}
	if o.To.IsZero() {
		for _, e := range events {
			if e.Time.After(o.To) {
				o.To = e.Time
			}
		}
	}
	n := o.Intervals
	starts := make([]time.Time, n)
	last := o.Period.start(o.To.In(o.Loc))
	index := make(map[int64]int, n)
	for i := range starts {
		starts[i] = o.Period.add(last, i-(n-1))
		index[starts[i].Unix()] = i
	}
	periodOf := func(t time.Time) int {
		i, ok := index[o.Period.start(t.In(o.Loc)).Unix()]
		if !ok {
			return -1
		}
		return i
	}

	// Each person keeps the (sorted, distinct) period indices of their start
	// and return events: memory follows the events, not persons × N.
	type person struct {
		start, ret []int
		first      time.Time
	}
	people := map[string]*person{}
	get := func(id string) *person {
		p := people[id]
		if p == nil {
			p = &person{}
			people[id] = p
		}
		return p
	}
	for _, e := range events {
		if e.Name == o.StartEvent {
			p := get(e.Person)
			if p.first.IsZero() || e.Time.Before(p.first) {
				p.first = e.Time
			}
			if i := periodOf(e.Time); i >= 0 {
				p.start = append(p.start, i)
			}
		}
		if e.Name == o.ReturnEvent {
			if i := periodOf(e.Time); i >= 0 {
				p := get(e.Person)
				p.ret = append(p.ret, i)
			}
		}
	}

	res := &Result{Period: o.Period, Type: o.Type, Cohorts: make([]Cohort, n)}
	for i := range res.Cohorts {
		res.Cohorts[i] = Cohort{Start: starts[i].Format("2006-01-02"), Values: make([]int, n-i)}
	}
	for _, p := range people {
		starts, rets := distinct(p.start), distinct(p.ret)
		if o.Type == FirstTime {
			fi := periodOf(p.first)
			if len(starts) == 0 || starts[0] != fi {
				continue // the first start event is outside the table
			}
			starts = starts[:1]
		}
		for _, i := range starts {
			c := &res.Cohorts[i]
			c.Size++
			for _, r := range rets {
				if r > i {
					c.Values[r-i]++
				}
			}
		}
	}
	for i := range res.Cohorts {
		c := &res.Cohorts[i]
		c.Values[0] = c.Size
	}
	return res, nil
}

func (o Options) validate(events []Event) error {
	if len(events) == 0 {
		return daiyun.Errorf(daiyun.EINVALID, "the input has no events")
	}
	switch o.Period {
	case Day, Week, Month:
	default:
		return daiyun.Errorf(daiyun.EINVALID, "--period %q: want day, week or month", o.Period)
	}
	switch o.Type {
	case "", Recurring, FirstTime:
	default:
		return daiyun.Errorf(daiyun.EINVALID, "--type %q: want recurring or first-time", o.Type)
	}
	if o.Intervals < 1 || o.Intervals > 10000 {
		return daiyun.Errorf(daiyun.EINVALID, "--intervals %d: want a number from 1 to 10000", o.Intervals)
	}
	seen := map[string]bool{}
	for _, e := range events {
		seen[e.Name] = true
	}
	if !seen[o.StartEvent] {
		return daiyun.Errorf(daiyun.EINVALID, "--start-event %q: no event of that name in the input", o.StartEvent)
	}
	if !seen[o.ReturnEvent] {
		return daiyun.Errorf(daiyun.EINVALID, "--return-event %q: no event of that name in the input", o.ReturnEvent)
	}
	return nil
}

// distinct sorts xs and drops repeats, in place.
func distinct(xs []int) []int {
	sort.Ints(xs)
	out := xs[:0]
	for _, x := range xs {
		if len(out) == 0 || x != out[len(out)-1] {
			out = append(out, x)
		}
	}
	return out
}

// start returns the beginning of the period containing t, in t's location.
func (p Period) start(t time.Time) time.Time {
	y, m, d := t.Date()
	switch p {
	case Week:
		back := (int(t.Weekday()) + 6) % 7 // days since Monday
		return time.Date(y, m, d-back, 0, 0, 0, 0, t.Location())
	case Month:
		return time.Date(y, m, 1, 0, 0, 0, 0, t.Location())
	}
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}

// add moves a period start by k periods (calendar arithmetic, so daylight
// saving changes keep periods on midnight).
func (p Period) add(t time.Time, k int) time.Time {
	switch p {
	case Week:
		return t.AddDate(0, 0, 7*k)
	case Month:
		return t.AddDate(0, k, 0)
	}
	return t.AddDate(0, 0, k)
}
