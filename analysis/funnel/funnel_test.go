package funnel

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

var t0 = time.Date(2024, 3, 1, 10, 0, 0, 0, time.UTC)

func ev(p, name string, sec int) Event {
	return Event{Person: p, Name: name, Time: t0.Add(time.Duration(sec) * time.Second)}
}

func counts(r *Result) []int {
	var c []int
	for _, s := range r.Steps {
		c = append(c, s.Count)
	}
	return c
}

func mustCompute(t *testing.T, evs []Event, o Options) *Result {
	t.Helper()
	if o.Window == 0 {
		o.Window = 14 * 24 * time.Hour
	}
	r, err := Compute(evs, o)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestOrderedFunnelHandCase(t *testing.T) {
	evs := []Event{
		// p1 completes: view at 0, cart at 100, pay at 400.
		ev("p1", "view", 0), ev("p1", "cart", 100), ev("p1", "pay", 400),
		// p2 carts before viewing: only step 0.
		ev("p2", "cart", 0), ev("p2", "view", 50),
		// p3 reaches cart at 300.
		ev("p3", "view", 0), ev("p3", "other", 10), ev("p3", "cart", 300),
		// p4 never views: not in the funnel.
		ev("p4", "cart", 0), ev("p4", "pay", 1),
	}
	r := mustCompute(t, evs, Options{Steps: []string{"view", "cart", "pay"}})
	if got := fmt.Sprint(counts(r)); got != "[3 2 1]" {
		t.Fatalf("counts %s, want [3 2 1]", got)
	}
	s1 := r.Steps[1]
	if *s1.ConversionRate != 2.0/3 || *s1.AvgTimeToConvertS != 200 || *s1.MedianTimeToConvertS != 200 {
		t.Errorf("step 1 = %+v; want rate 2/3, avg 200, median 200 (mean of 100 and 300)", s1)
	}
	if *r.Steps[2].AvgTimeToConvertS != 300 {
		t.Errorf("step 2 avg = %v, want 300", *r.Steps[2].AvgTimeToConvertS)
	}
	if r.Steps[0].AvgTimeToConvertS != nil || r.Steps[0].MedianTimeToConvertS != nil {
		t.Error("step 0 times must be null")
	}
	if k, rate, ok := r.WeakestStep(); !ok || k != 2 || rate != 0.5 {
		t.Errorf("weakest step %d %v %v, want 2 (cart → pay: 1 of 2, below view → cart: 2 of 3)", k, rate, ok)
	}
	b, _ := json.Marshal(r)
	if !strings.Contains(string(b), `"avg_time_to_convert_s":null`) {
		t.Errorf("JSON %s lacks null step-0 time", b)
	}
}

func TestWindowBoundaryIsInclusive(t *testing.T) {
	evs := []Event{
		ev("a", "s0", 0), ev("a", "s1", 60), // exactly at the window end
		ev("b", "s0", 0), ev("b", "s1", 61), // one second late
	}
	r := mustCompute(t, evs, Options{Steps: []string{"s0", "s1"}, Window: time.Minute})
	if got := fmt.Sprint(counts(r)); got != "[2 1]" {
		t.Fatalf("counts %s, want [2 1]", got)
	}
}

func TestWindowFromEachAttempt(t *testing.T) {
	// The first view is too early for the cart, the second view starts an
	// attempt that succeeds; times come from that attempt.
	evs := []Event{ev("a", "view", 0), ev("a", "view", 1000), ev("a", "cart", 1030)}
	r := mustCompute(t, evs, Options{Steps: []string{"view", "cart"}, Window: 100 * time.Second})
	if got := fmt.Sprint(counts(r)); got != "[1 1]" || *r.Steps[1].AvgTimeToConvertS != 30 {
		t.Fatalf("counts %s avg %v, want [1 1] and 30", got, *r.Steps[1].AvgTimeToConvertS)
	}
}

func TestEarliestAttemptGivesTimes(t *testing.T) {
	// Both attempts complete; the earliest (from view at 0) gives 500 s.
	evs := []Event{ev("a", "view", 0), ev("a", "view", 450), ev("a", "cart", 500)}
	r := mustCompute(t, evs, Options{Steps: []string{"view", "cart"}})
	if *r.Steps[1].AvgTimeToConvertS != 500 {
		t.Fatalf("avg %v, want 500 from the earliest attempt", *r.Steps[1].AvgTimeToConvertS)
	}
}

func TestEqualTimestampsKeepInputOrder(t *testing.T) {
	evs := []Event{
		ev("a", "view", 5), ev("a", "cart", 5), // in order: converts with 0 s
		ev("b", "cart", 5), ev("b", "view", 5), // cart listed first: does not
	}
	r := mustCompute(t, evs, Options{Steps: []string{"view", "cart"}})
	if got := fmt.Sprint(counts(r)); got != "[2 1]" || *r.Steps[1].MedianTimeToConvertS != 0 {
		t.Fatalf("counts %s, want [2 1] with 0 s", got)
	}
}

func TestRepeatedStepNeedsSeparateOccurrences(t *testing.T) {
	steps := []string{"view", "view", "pay"}
	one := mustCompute(t, []Event{ev("a", "view", 0), ev("a", "pay", 10)}, Options{Steps: steps})
	if got := fmt.Sprint(counts(one)); got != "[1 0 0]" {
		t.Errorf("one view: counts %s, want [1 0 0]", got)
	}
	two := mustCompute(t, []Event{ev("a", "view", 0), ev("a", "view", 4), ev("a", "pay", 10)}, Options{Steps: steps})
	if got := fmt.Sprint(counts(two)); got != "[1 1 1]" {
		t.Errorf("two views: counts %s, want [1 1 1]", got)
	}
}

func TestExclusions(t *testing.T) {
	steps := []string{"view", "cart", "pay"}
	x := []Exclusion{{Event: "refund", From: 1, To: 2}}
	cases := []struct {
		name string
		evs  []Event
		want string
	}{
		{"between from and to voids", []Event{ev("a", "view", 0), ev("a", "cart", 10), ev("a", "refund", 20), ev("a", "pay", 30)}, "[0 0 0]"},
		{"before from is fine", []Event{ev("a", "view", 0), ev("a", "refund", 5), ev("a", "cart", 10), ev("a", "pay", 30)}, "[1 1 1]"},
		{"after to is fine", []Event{ev("a", "view", 0), ev("a", "cart", 10), ev("a", "pay", 30), ev("a", "refund", 40)}, "[1 1 1]"},
		{"to never reached, inside window voids", []Event{ev("a", "view", 0), ev("a", "cart", 10), ev("a", "refund", 20)}, "[0 0 0]"},
		{"to never reached, outside window is fine", []Event{ev("a", "view", 0), ev("a", "cart", 10), ev("a", "refund", 2000)}, "[1 1 0]"},
		{"another attempt survives", []Event{ev("a", "view", 0), ev("a", "cart", 10), ev("a", "refund", 20), ev("a", "view", 3000), ev("a", "cart", 3010)}, "[1 1 0]"},
	}
	for _, c := range cases {
		evs := append(c.evs, ev("other", "pay", 0), ev("other", "refund", 0)) // every name occurs
		r := mustCompute(t, evs, Options{Steps: steps, Exclusions: x, Window: 1000 * time.Second})
		if got := fmt.Sprint(counts(r)); got != c.want {
			t.Errorf("%s: counts %s, want %s", c.name, got, c.want)
		}
	}
}

func TestFromToBoundStepZero(t *testing.T) {
	evs := []Event{ev("a", "view", 0), ev("a", "cart", 10), ev("b", "view", 100), ev("b", "cart", 110)}
	r := mustCompute(t, evs, Options{Steps: []string{"view", "cart"}, From: t0.Add(50 * time.Second), To: t0.Add(100 * time.Second)})
	if got := fmt.Sprint(counts(r)); got != "[1 1]" {
		t.Fatalf("counts %s, want [1 1] (only b, whose view is at the inclusive --to)", got)
	}
}

func TestMedianEvenCount(t *testing.T) {
	if m := Median([]float64{4, 1, 3, 10}); m != 3.5 {
		t.Fatalf("median %v, want 3.5", m)
	}
}

func TestBadInput(t *testing.T) {
	evs := []Event{ev("a", "view", 0)}
	for name, o := range map[string]Options{
		"unknown step":      {Steps: []string{"view", "cart"}, Window: time.Hour},
		"one step":          {Steps: []string{"view"}, Window: time.Hour},
		"bad exclusion":     {Steps: []string{"view", "view"}, Window: time.Hour, Exclusions: []Exclusion{{"view", 1, 1}}},
		"unknown exclusion": {Steps: []string{"view", "view"}, Window: time.Hour, Exclusions: []Exclusion{{"nope", 0, 1}}},
	} {
		if _, err := Compute(evs, o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := Compute(nil, Options{Steps: []string{"a", "b"}, Window: time.Hour}); err == nil {
		t.Error("empty input: no error")
	}
	if _, err := ParseExclusion("refund:1"); err == nil {
		t.Error("ParseExclusion accepted refund:1")
	}
	if x, err := ParseExclusion("a:b:0-2"); err != nil || x != (Exclusion{"a:b", 0, 2}) {
		t.Errorf("ParseExclusion(a:b:0-2) = %v, %v", x, err)
	}
}

// TestCountsNeverIncrease is the property of the issue: along the steps,
// counts never increase, and every rate is within [0, 1].
func TestCountsNeverIncrease(t *testing.T) {
	names := []string{"a", "b", "c"}
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 60).Draw(t, "n")
		evs := []Event{{Person: "p0", Name: "a", Time: t0}, {Person: "p0", Name: "b", Time: t0}, {Person: "p0", Name: "c", Time: t0}}
		for i := 0; i < n; i++ {
			evs = append(evs, Event{
				Person: fmt.Sprint("p", rapid.IntRange(0, 5).Draw(t, "person")),
				Name:   rapid.SampledFrom(names).Draw(t, "name"),
				Time:   t0.Add(time.Duration(rapid.IntRange(0, 100).Draw(t, "sec")) * time.Second),
			})
		}
		steps := rapid.SliceOfN(rapid.SampledFrom(names), 2, 5).Draw(t, "steps")
		o := Options{Steps: steps, Window: time.Duration(rapid.IntRange(1, 120).Draw(t, "window")) * time.Second}
		if rapid.Bool().Draw(t, "exclude") {
			from := rapid.IntRange(0, len(steps)-2).Draw(t, "from")
			o.Exclusions = []Exclusion{{rapid.SampledFrom(names).Draw(t, "xev"), from, rapid.IntRange(from+1, len(steps)-1).Draw(t, "to")}}
		}
		r, err := Compute(evs, o)
		if err != nil {
			t.Fatal(err)
		}
		for k := 1; k < len(r.Steps); k++ {
			if r.Steps[k].Count > r.Steps[k-1].Count {
				t.Fatalf("count of step %d (%d) exceeds step %d (%d)", k, r.Steps[k].Count, k-1, r.Steps[k-1].Count)
			}
			if c := r.Steps[k].ConversionRate; c != nil && (*c < 0 || *c > 1) {
				t.Fatalf("rate %v", *c)
			}
			if s := r.Steps[k].AvgTimeToConvertS; s != nil && *s < 0 {
				t.Fatalf("negative time %v", *s)
			}
		}
	})
}

func BenchmarkFunnel(b *testing.B) {
	names := []string{"visit", "view", "cart", "order", "pay", "search"}
	var evs []Event
	for i := 0; i < 1_000_000; i++ {
		evs = append(evs, Event{Person: fmt.Sprint(i % 100_000), Name: names[(i*7+i/13)%len(names)], Time: t0.Add(time.Duration(i%5000) * time.Minute)})
	}
	o := Options{Steps: []string{"visit", "view", "cart", "order", "pay"}, Window: 14 * 24 * time.Hour}
	b.ResetTimer()
	for range b.N {
		if _, err := Compute(evs, o); err != nil {
			b.Fatal(err)
		}
	}
}

func FuzzParseExclusion(f *testing.F) {
	f.Add("refund:1-2")
	f.Add("a:b:0-3")
	f.Fuzz(func(t *testing.T, s string) {
		x, err := ParseExclusion(s)
		if err == nil {
			if y, err := ParseExclusion(x.String()); err != nil || y != x {
				t.Errorf("%q → %v does not round-trip: %v %v", s, x, y, err)
			}
		}
	})
}

// furthestByExhaustion is an independent oracle for funnels without
// exclusions: for each person it tries every increasing sequence of event
// positions (in time order, input order among ties) and returns the
// furthest step any sequence reaches within the window.
func furthestByExhaustion(evs []Event, steps []string, window time.Duration) map[string]int {
	byPerson := map[string][]Event{}
	for _, e := range evs {
		byPerson[e.Person] = append(byPerson[e.Person], e)
	}
	out := map[string]int{}
	for p, es := range byPerson {
		sortStable(es)
		best := -1
		var dfs func(k, after int, t0 time.Time)
		dfs = func(k, after int, t0 time.Time) {
			best = max(best, k-1)
			if k == len(steps) {
				return
			}
			for i := after + 1; i < len(es); i++ {
				if es[i].Name == steps[k] && (k == 0 || !es[i].Time.After(t0.Add(window))) {
					start := t0
					if k == 0 {
						start = es[i].Time
					}
					dfs(k+1, i, start)
				}
			}
		}
		dfs(0, -1, time.Time{})
		if best >= 0 {
			out[p] = best
		}
	}
	return out
}

func sortStable(es []Event) {
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && es[j].Time.Before(es[j-1].Time); j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
}

func TestCountsMatchExhaustiveSearch(t *testing.T) {
	names := []string{"a", "b", "c"}
	rapid.Check(t, func(t *rapid.T) {
		evs := []Event{{Person: "p0", Name: "a", Time: t0}, {Person: "p0", Name: "b", Time: t0}, {Person: "p0", Name: "c", Time: t0}}
		for i, n := 0, rapid.IntRange(1, 14).Draw(t, "n"); i < n; i++ {
			evs = append(evs, Event{
				Person: fmt.Sprint("p", rapid.IntRange(0, 3).Draw(t, "person")),
				Name:   rapid.SampledFrom(names).Draw(t, "name"),
				Time:   t0.Add(time.Duration(rapid.IntRange(0, 30).Draw(t, "sec")) * time.Second),
			})
		}
		steps := rapid.SliceOfN(rapid.SampledFrom(names), 2, 4).Draw(t, "steps")
		w := time.Duration(rapid.IntRange(1, 40).Draw(t, "window")) * time.Second
		r, err := Compute(evs, Options{Steps: steps, Window: w})
		if err != nil {
			t.Fatal(err)
		}
		want := make([]int, len(steps))
		for _, best := range furthestByExhaustion(evs, steps, w) {
			for k := 0; k <= best; k++ {
				want[k]++
			}
		}
		if got := counts(r); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("counts %v, exhaustive search %v", got, want)
		}
	})
}
