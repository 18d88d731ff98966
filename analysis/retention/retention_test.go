package retention

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func e(p, name, ts string) Event { return Event{Person: p, Name: name, Time: at(ts)} }

var weekly = []Event{
	e("u1", "signup", "2024-01-02T09:00:00Z"), e("u1", "buy", "2024-01-10T09:00:00Z"), e("u1", "buy", "2024-01-16T09:00:00Z"),
	e("u1", "buy", "2024-01-25T09:00:00Z"),                                            // after the last period: ignored
	e("u2", "signup", "2024-01-07T23:59:59Z"), e("u2", "buy", "2024-01-15T00:00:00Z"), // Sunday: week of Monday 1 January
	e("u3", "signup", "2024-01-09T09:00:00Z"), e("u3", "signup", "2024-01-16T09:00:00Z"), e("u3", "buy", "2024-01-17T09:00:00Z"),
	e("u4", "signup", "2023-12-20T09:00:00Z"), e("u4", "signup", "2024-01-10T09:00:00Z"),
	e("u5", "buy", "2024-01-03T09:00:00Z"),
}

func table(r *Result) string {
	var b strings.Builder
	for _, c := range r.Cohorts {
		fmt.Fprintf(&b, "%s %d %v\n", c.Start, c.Size, c.Values)
	}
	return b.String()
}

func TestWeeklyRecurringAndFirstTime(t *testing.T) {
	o := Options{StartEvent: "signup", ReturnEvent: "buy", Period: Week, Intervals: 3, To: at("2024-01-17T12:00:00Z")}
	r, err := Compute(weekly, o)
	if err != nil {
		t.Fatal(err)
	}
	want := "2024-01-01 2 [2 1 2]\n2024-01-08 2 [2 1]\n2024-01-15 1 [1]\n"
	if got := table(r); got != want {
		t.Errorf("recurring:\n%s\nwant\n%s", got, want)
	}
	o.Type = FirstTime
	r, err = Compute(weekly, o)
	if err != nil {
		t.Fatal(err)
	}
	// u4's first signup is before the table: in no cohort; u3 only in week 2.
	want = "2024-01-01 2 [2 1 2]\n2024-01-08 1 [1 1]\n2024-01-15 0 [0]\n"
	if got := table(r); got != want {
		t.Errorf("first-time:\n%s\nwant\n%s", got, want)
	}
	b, _ := json.Marshal(r.Cohorts[2])
	if string(b) != `{"start":"2024-01-15","size":0,"values":[0]}` {
		t.Errorf("empty cohort JSON %s", b)
	}
	if r.Cohorts[2].Rates() != nil || r.Cohorts[1].Rates()[1] != 1 {
		t.Errorf("rates %v %v", r.Cohorts[2].Rates(), r.Cohorts[1].Rates())
	}
}

func TestEmptyCohortsIncludedOldestFirst(t *testing.T) {
	r, err := Compute(weekly, Options{StartEvent: "signup", ReturnEvent: "buy", Period: Week, Intervals: 6, To: at("2024-01-15T00:00:00Z")})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Cohorts) != 6 {
		t.Fatalf("%d cohorts, want 6", len(r.Cohorts))
	}
	want := "2023-12-11 0 [0 0 0 0 0 0]\n2023-12-18 1 [1 0 0 0 0]\n2023-12-25 0 [0 0 0 0]\n2024-01-01 2 [2 1 2]\n2024-01-08 2 [2 1]\n2024-01-15 1 [1]\n"
	if got := table(r); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestMonthlyInTimeZone(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skip("no time zone database:", err)
	}
	evs := []Event{
		e("a", "pay", "2024-01-31T20:00:00Z"), // 1 February 04:00 in Shanghai
		e("b", "pay", "2024-01-15T00:00:00Z"), e("b", "pay", "2024-03-02T00:00:00Z"),
	}
	r, err := Compute(evs, Options{StartEvent: "pay", ReturnEvent: "pay", Period: Month, Intervals: 3, To: at("2024-03-05T00:00:00Z"), Loc: sh})
	if err != nil {
		t.Fatal(err)
	}
	want := "2024-01-01 1 [1 0 1]\n2024-02-01 1 [1 0]\n2024-03-01 1 [1]\n"
	if got := table(r); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestDailyDefaultTo(t *testing.T) {
	evs := []Event{e("a", "open", "2024-05-01T10:00:00Z"), e("a", "open", "2024-05-02T10:00:00Z"), e("b", "open", "2024-05-02T11:00:00Z")}
	r, err := Compute(evs, Options{StartEvent: "open", ReturnEvent: "open", Period: Day, Intervals: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := table(r), "2024-05-01 1 [1 1]\n2024-05-02 2 [2]\n"; got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestBadInput(t *testing.T) {
	good := Options{StartEvent: "signup", ReturnEvent: "buy", Period: Week, Intervals: 3}
	for name, mod := range map[string]func(*Options){
		"unknown start":  func(o *Options) { o.StartEvent = "sigup" },
		"unknown return": func(o *Options) { o.ReturnEvent = "by" },
		"bad period":     func(o *Options) { o.Period = "year" },
		"zero intervals": func(o *Options) { o.Intervals = 0 },
		"bad type":       func(o *Options) { o.Type = "first" },
	} {
		o := good
		mod(&o)
		if _, err := Compute(weekly, o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := Compute(nil, good); err == nil {
		t.Error("empty input: no error")
	}
}

// For any input: exactly N cohorts, oldest first and one period apart,
// cohort i has N − i values, values[0] is the size and no value exceeds it;
// a first-time cohort is never larger than the recurring one.
func TestShapeProperty(t *testing.T) {
	base := at("2024-01-01T00:00:00Z")
	rapid.Check(t, func(t *rapid.T) {
		var evs []Event
		for i, n := 0, rapid.IntRange(1, 80).Draw(t, "n"); i < n; i++ {
			evs = append(evs, Event{
				Person: fmt.Sprint("p", rapid.IntRange(0, 9).Draw(t, "person")),
				Name:   rapid.SampledFrom([]string{"s", "r"}).Draw(t, "name"),
				Time:   base.Add(time.Duration(rapid.IntRange(0, 24*120).Draw(t, "hour")) * time.Hour),
			})
		}
		evs = append(evs, Event{"x", "s", base}, Event{"x", "r", base})
		o := Options{StartEvent: "s", ReturnEvent: "r", Period: rapid.SampledFrom([]Period{Day, Week, Month}).Draw(t, "period"),
			Intervals: rapid.IntRange(1, 12).Draw(t, "intervals"), To: base.Add(time.Duration(rapid.IntRange(0, 24*150).Draw(t, "to")) * time.Hour)}
		rec, err := Compute(evs, o)
		if err != nil {
			t.Fatal(err)
		}
		o.Type = FirstTime
		ft, err := Compute(evs, o)
		if err != nil {
			t.Fatal(err)
		}
		if len(rec.Cohorts) != o.Intervals {
			t.Fatalf("%d cohorts, want %d", len(rec.Cohorts), o.Intervals)
		}
		for i, c := range rec.Cohorts {
			if len(c.Values) != o.Intervals-i || c.Values[0] != c.Size || ft.Cohorts[i].Size > c.Size {
				t.Fatalf("cohort %d: %+v (first-time %+v)", i, c, ft.Cohorts[i])
			}
			for _, v := range c.Values {
				if v > c.Size {
					t.Fatalf("cohort %d: value %d above size %d", i, v, c.Size)
				}
			}
			if i > 0 && c.Start <= rec.Cohorts[i-1].Start {
				t.Fatalf("cohorts out of order: %s after %s", c.Start, rec.Cohorts[i-1].Start)
			}
		}
	})
}

// BenchmarkRetention builds a 12-week recurring table over 1,000,000
// events of 100,000 persons.
func BenchmarkRetention(b *testing.B) {
	base := at("2024-01-01T00:00:00Z")
	evs := make([]Event, 1_000_000)
	for i := range evs {
		name := "open"
		if i%3 == 0 {
			name = "pay"
		}
		evs[i] = Event{Person: fmt.Sprint(i * 7919 % 100_000), Name: name, Time: base.Add(time.Duration(i%2016) * time.Hour)}
	}
	o := Options{StartEvent: "open", ReturnEvent: "pay", Period: Week, Intervals: 12}
	b.ResetTimer()
	for range b.N {
		if _, err := Compute(evs, o); err != nil {
			b.Fatal(err)
		}
	}
}
