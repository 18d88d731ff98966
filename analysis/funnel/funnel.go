// Package funnel computes ordered conversion funnels (PRODUCT.md D1) the way
// PostHog and Mixpanel define them: every step-0 event starts an attempt, a
// person reaches step k when they did steps 0..k in order within a window
// measured from the attempt's step-0 event, and each person counts once, at
// the furthest step any of their attempts reached.
//
// The package takes plain events; it reads no files and knows no storage.
package funnel

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
)

// Event is one behaviour event. The order of a slice of events matters only
// among events of one person with equal timestamps: they keep that order.
type Event struct {
	Person string
	Name   string
	Time   time.Time
}

// Exclusion voids an attempt when Event occurs after step From and, inside
// the window, before step To is reached (or anywhere inside the window after
// step From when step To is never reached). Steps are numbered from 0.
type Exclusion struct {
	Event    string
	From, To int
}

// ParseExclusion reads the --exclude form `EVENT:FROM-TO`.
func ParseExclusion(s string) (Exclusion, error) {
	i := strings.LastIndexByte(s, ':')
	bad := daiyun.Errorf(daiyun.EINVALID, "--exclude %q: want EVENT:FROM-TO with step numbers from 0, e.g. refund:1-3", s)
	if i <= 0 {
		return Exclusion{}, bad
	}
	a, b, ok := strings.Cut(s[i+1:], "-")
	from, err1 := strconv.Atoi(strings.TrimSpace(a))
	to, err2 := strconv.Atoi(strings.TrimSpace(b))
	if !ok || err1 != nil || err2 != nil {
		return Exclusion{}, bad
	}
	event := strings.TrimSpace(s[:i])
	if event == "" { // " :1-2": a blank event name would match nothing
		return Exclusion{}, bad
	}
	return Exclusion{Event: event, From: from, To: to}, nil
}

// Options define a funnel.
type Options struct {
	// Steps are the event names of the steps, in order; a name may repeat.
	Steps []string
	// Window is the longest time from the attempt's step-0 event to any later
	// step; the boundary is inclusive.
	Window time.Duration
	// Exclusions void attempts (see Exclusion).
	Exclusions []Exclusion
	// From and To bound the time of the step-0 event, both inclusive; a
	// zero value leaves that side open.
	From, To time.Time
}

// Result is the funnel, one entry per step.
type Result struct {
	Steps []Step `json:"steps"`
}

// Step is the outcome of one funnel step.
type Step struct {
	Name string `json:"name"`
	// Count is the number of persons whose furthest step is this one or later.
	Count int `json:"count"`
	// ConversionRate is Count divided by the step-0 count (null when no one
	// did step 0).
	ConversionRate *float64 `json:"conversion_rate"`
	// AvgTimeToConvertS and MedianTimeToConvertS are seconds from the
	// previous step among the persons who reached this step, taken from each
	// person's earliest attempt that reached their furthest step; null for
	// step 0 and when no one reached the step.
	AvgTimeToConvertS    *float64 `json:"avg_time_to_convert_s"`
	MedianTimeToConvertS *float64 `json:"median_time_to_convert_s"`
}

// Validate checks the options against the events: at least two steps, a
// positive window, exclusions within the steps, and every step and
// exclusion event present in the input (an unknown name is almost always a
// typo).
func (o Options) Validate(events []Event) error {
	if len(events) == 0 {
		return daiyun.Errorf(daiyun.EINVALID, "the input has no events")
	}
	if len(o.Steps) < 2 {
		return daiyun.Errorf(daiyun.EINVALID, "--steps: a funnel needs at least two steps, got %d", len(o.Steps))
	}
	if o.Window <= 0 {
		return daiyun.Errorf(daiyun.EINVALID, "--window: must be positive")
	}
	if !o.From.IsZero() && !o.To.IsZero() && o.To.Before(o.From) {
		return daiyun.Errorf(daiyun.EINVALID, "--to %s is before --from %s", o.To.Format(time.RFC3339), o.From.Format(time.RFC3339))
	}
	seen := map[string]bool{}
	for _, e := range events {
		seen[e.Name] = true
	}
	for i, s := range o.Steps {
		if s == "" {
			return daiyun.Errorf(daiyun.EINVALID, "--steps: step %d is empty", i)
		}
		if !seen[s] {
			return daiyun.Errorf(daiyun.EINVALID, "--steps: unknown step %q: no event of that name in the input", s)
		}
	}
	for _, x := range o.Exclusions {
		if x.From < 0 || x.To <= x.From || x.To >= len(o.Steps) {
			return daiyun.Errorf(daiyun.EINVALID, "--exclude %s:%d-%d: need 0 <= FROM < TO <= %d", x.Event, x.From, x.To, len(o.Steps)-1)
		}
		if !seen[x.Event] {
			return daiyun.Errorf(daiyun.EINVALID, "--exclude: unknown event %q: no event of that name in the input", x.Event)
		}
	}
	return nil
}

// Compute runs the funnel over events.
func Compute(events []Event, o Options) (*Result, error) {
	if err := o.Validate(events); err != nil {
		return nil, err
	}
	m := newMatcher(o)
	order, byPerson := groupByPerson(events, m.code)
	n := len(o.Steps)
	counts := make([]int, n)
	times := make([][]float64, n)
	for _, p := range order { // first-appearance order keeps sums reproducible
		best, at := m.person(byPerson[p])
		if best < 0 {
			continue
		}
		for k := 0; k <= best; k++ {
			counts[k]++
			if k > 0 {
				times[k] = append(times[k], at[k].Sub(at[k-1]).Seconds())
			}
		}
	}
	res := &Result{Steps: make([]Step, n)}
	for k, name := range o.Steps {
		st := Step{Name: name, Count: counts[k]}
		if counts[0] > 0 {
			st.ConversionRate = ptr(float64(counts[k]) / float64(counts[0]))
		}
		if k > 0 && len(times[k]) > 0 {
			st.AvgTimeToConvertS = ptr(mean(times[k]))
			st.MedianTimeToConvertS = ptr(Median(times[k]))
		}
		res.Steps[k] = st
	}
	return res, nil
}

// WeakestStep returns the step k ≥ 1 with the lowest conversion from step
// k−1 (count_k ÷ count_{k−1}) and that rate; ok is false when no step has a
// previous step with persons. Ties go to the earliest step.
func (r *Result) WeakestStep() (k int, rate float64, ok bool) {
	for i := 1; i < len(r.Steps); i++ {
		prev := r.Steps[i-1].Count
		if prev == 0 {
			continue
		}
		c := float64(r.Steps[i].Count) / float64(prev)
		if !ok || c < rate {
			k, rate, ok = i, c, true
		}
	}
	return k, rate, ok
}

func ptr(v float64) *float64 { return &v }

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// Median returns the middle value of xs (the mean of the two middle values
// for an even count); xs is sorted in place. It returns NaN for no values.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	sort.Float64s(xs)
	h := len(xs) / 2
	if len(xs)%2 == 1 {
		return xs[h]
	}
	return (xs[h-1] + xs[h]) / 2
}

// event is an Event reduced to what matching needs: the name as a small
// code (only step and exclusion names are kept).
type event struct {
	code int
	t    time.Time
}

// groupByPerson keeps the events whose names matter, grouped by person and
// sorted stably by time (input order among equal timestamps), with the
// persons in order of first appearance.
func groupByPerson(events []Event, code map[string]int) ([]string, map[string][]event) {
	var order []string
	out := map[string][]event{}
	for _, e := range events {
		c, ok := code[e.Name]
		if !ok {
			continue
		}
		evs, seen := out[e.Person]
		if !seen {
			order = append(order, e.Person)
		}
		out[e.Person] = append(evs, event{c, e.Time})
	}
	for _, evs := range out {
		sort.SliceStable(evs, func(i, j int) bool { return evs[i].t.Before(evs[j].t) })
	}
	return order, out
}

// matcher holds the funnel compiled to name codes.
type matcher struct {
	o     Options
	code  map[string]int
	steps []int // code of each step
	excl  []int // code of each exclusion's event
}

func newMatcher(o Options) *matcher {
	m := &matcher{o: o, code: map[string]int{}}
	add := func(s string) int {
		c, ok := m.code[s]
		if !ok {
			c = len(m.code)
			m.code[s] = c
		}
		return c
	}
	for _, s := range o.Steps {
		m.steps = append(m.steps, add(s))
	}
	for _, x := range o.Exclusions {
		m.excl = append(m.excl, add(x.Event))
	}
	return m
}

// person returns the furthest step reached by any attempt of one person
// (-1 when none starts) and the step times of the earliest attempt that
// reached it.
func (m *matcher) person(evs []event) (int, []time.Time) {
	// positions of each code, ascending
	pos := make([][]int, len(m.code))
	for i, e := range evs {
		pos[e.code] = append(pos[e.code], i)
	}
	n := len(m.steps)
	best := -1
	var bestAt []time.Time
	at := make([]time.Time, n)
	idx := make([]int, n)
	for _, start := range pos[m.steps[0]] {
		t0 := evs[start].t
		if (!m.o.From.IsZero() && t0.Before(m.o.From)) || (!m.o.To.IsZero() && t0.After(m.o.To)) {
			continue
		}
		deadline := t0.Add(m.o.Window)
		reached := m.attempt(evs, pos, start, deadline, idx, at)
		if reached > best {
			best = reached
			bestAt = append(bestAt[:0], at[:reached+1]...)
			if best == n-1 {
				break // attempts are tried oldest first: this is the earliest complete one
			}
		}
	}
	return best, bestAt
}

// attempt matches the steps greedily (each step at the first qualifying
// occurrence after the previous step), fills idx and at, and returns the
// furthest step reached, or -1 when an exclusion voids the attempt.
// Greedy earliest matching reaches the furthest possible step and makes
// every exclusion interval as short as the match allows.
func (m *matcher) attempt(evs []event, pos [][]int, start int, deadline time.Time, idx []int, at []time.Time) int {
	idx[0], at[0] = start, evs[start].t
	reached := 0
	for k := 1; k < len(m.steps); k++ {
		p := nextAfter(pos[m.steps[k]], idx[k-1])
		if p < 0 || evs[p].t.After(deadline) {
			break
		}
		idx[k], at[k] = p, evs[p].t
		reached = k
	}
	for i, x := range m.o.Exclusions {
		if x.From > reached {
			continue
		}
		p := nextAfter(pos[m.excl[i]], idx[x.From])
		if p < 0 {
			continue
		}
		if x.To <= reached {
			if p < idx[x.To] {
				return -1
			}
		} else if !evs[p].t.After(deadline) {
			return -1
		}
	}
	return reached
}

// nextAfter returns the first position in ps greater than after, or -1.
func nextAfter(ps []int, after int) int {
	i := sort.SearchInts(ps, after+1)
	if i == len(ps) {
		return -1
	}
	return ps[i]
}

// String renders an exclusion in its flag form.
func (x Exclusion) String() string { return fmt.Sprintf("%s:%d-%d", x.Event, x.From, x.To) }
