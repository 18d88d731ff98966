package cohort

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

func ts(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t.Add(12 * time.Hour)
}

func render(r *Result) string {
	var b strings.Builder
	for _, c := range r.Cohorts {
		fmt.Fprintf(&b, "%s size=%d repeat=%d:", c.Month, c.Size, c.RepeatCustomers)
		for _, m := range c.Months {
			fmt.Fprintf(&b, " [%d %s c=%d o=%d rev=%v]", m.Offset, m.Month, m.Customers, m.Orders, m.Revenue)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestHandCohorts(t *testing.T) {
	ps := []Purchase{
		{"a", ts("2024-01-05"), 60, "o1"}, {"a", ts("2024-01-05"), 40, "o1"}, {"a", ts("2024-03-10"), 30, "o2"},
		{"b", ts("2024-01-20"), 10, ""}, {"b", ts("2024-02-01"), 20, ""}, {"b", ts("2024-02-15"), 5, ""},
		{"c", ts("2024-02-10"), 50, ""},
		{"d", ts("2024-04-01"), 1, ""}, // after --to
	}
	r, err := Compute(ps, Options{To: ts("2024-03-31")})
	if err != nil {
		t.Fatal(err)
	}
	want := "2024-01 size=2 repeat=2: [0 2024-01 c=2 o=2 rev=110] [1 2024-02 c=1 o=2 rev=25] [2 2024-03 c=1 o=1 rev=30]\n" +
		"2024-02 size=1 repeat=0: [0 2024-02 c=1 o=1 rev=50] [1 2024-03 c=0 o=0 rev=0]\n" +
		"2024-03 size=0 repeat=0: [0 2024-03 c=0 o=0 rev=0]\n"
	if got := render(r); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if s := *r.Cohorts[0].Months[1].Share; s != 0.5 {
		t.Errorf("share %v, want 0.5", s)
	}
	b, _ := json.Marshal(r.Cohorts[2])
	if !strings.Contains(string(b), `"repeat_rate":null`) || !strings.Contains(string(b), `"share":null`) {
		t.Errorf("empty cohort JSON %s", b)
	}
}

func TestTimeZoneMovesMonth(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skip(err)
	}
	at := time.Date(2024, 1, 31, 20, 0, 0, 0, time.UTC) // 1 February in Shanghai
	r, err := Compute([]Purchase{{"a", at, 1, ""}}, Options{Loc: sh})
	if err != nil {
		t.Fatal(err)
	}
	if r.Cohorts[0].Month != "2024-02" {
		t.Errorf("month %s, want 2024-02", r.Cohorts[0].Month)
	}
}

func TestBadInput(t *testing.T) {
	if _, err := Compute(nil, Options{}); err == nil {
		t.Error("empty input accepted")
	}
	if _, err := Compute([]Purchase{{"a", ts("2024-01-01"), -1, ""}}, Options{}); err == nil {
		t.Error("negative amount accepted")
	}
	if _, err := Compute([]Purchase{{"a", ts("2024-01-01"), 1, ""}}, Options{To: ts("2023-01-01")}); err == nil {
		t.Error("--to before every purchase accepted")
	}
}

// The CDNOW sample (cdnowElog.csv, BTYD R package; see
// ../../../shared/datasets/README.md) is, by construction, the customers
// whose first purchase was in the first quarter of 1997: 2,357 of them, so
// only the January–March 1997 cohorts are non-empty.
func TestCDNOWSampleCohorts(t *testing.T) {
	const path = "../../../shared/datasets/cdnow/cdnowElog.csv"
	fh, err := os.Open(path)
	if err != nil {
		t.Skipf("%s is absent: %v", path, err)
	}
	defer fh.Close()
	rows, err := csv.NewReader(fh).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var ps []Purchase
	revenue := 0.0
	for _, r := range rows[1:] {
		d, _ := time.Parse("20060102", r[2])
		v, _ := strconv.ParseFloat(r[4], 64)
		ps = append(ps, Purchase{Customer: r[0], Time: d, Amount: v})
		revenue += v
	}
	res, err := Compute(ps, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Cohorts) != 18 || res.Cohorts[0].Month != "1997-01" || res.Cohorts[17].Month != "1998-06" {
		t.Fatalf("cohorts %d from %s", len(res.Cohorts), res.Cohorts[0].Month)
	}
	size, got := 0, 0.0
	for i, c := range res.Cohorts {
		size += c.Size
		if i >= 3 && c.Size != 0 {
			t.Errorf("cohort %s has %d customers", c.Month, c.Size)
		}
		for _, m := range c.Months {
			got += m.Revenue
		}
	}
	if size != 2357 || got-revenue > 1e-6 || revenue-got > 1e-6 {
		t.Errorf("size %d revenue %v, want 2357 and %v", size, got, revenue)
	}
	t.Logf("cohort sizes Jan-Mar 1997: %d %d %d; January month-1 share %.4f", res.Cohorts[0].Size, res.Cohorts[1].Size, res.Cohorts[2].Size, *res.Cohorts[0].Months[1].Share)
}

// BenchmarkCohort builds monthly cohorts of 200,000 customers over
// 1,000,000 purchases.
func BenchmarkCohort(b *testing.B) {
	ps := make([]Purchase, 1_000_000)
	base := ts("2023-01-01")
	for i := range ps {
		ps[i] = Purchase{Customer: strconv.Itoa(i * 7919 % 200_000), Time: base.Add(time.Duration(i%540) * 24 * time.Hour), Amount: float64(i % 300)}
	}
	b.ResetTimer()
	for range b.N {
		if _, err := Compute(ps, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// Revenue is added in millionths: 0.1 + 0.2 is 0.3 in either order, not
// 0.30000000000000004.
func TestRevenueIsExactAndOrderFree(t *testing.T) {
	a := []Purchase{{"a", ts("2024-01-05"), 0.1, ""}, {"a", ts("2024-01-06"), 0.2, ""}}
	b := []Purchase{a[1], a[0]}
	for _, ps := range [][]Purchase{a, b} {
		r, err := Compute(ps, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Cohorts[0].Months[0].Revenue; got != 0.3 {
			t.Errorf("revenue %v, want 0.3", got)
		}
	}
}

// Build is what the warehouse door calls with cells aggregated in SQL; it
// must give Compute's table for the same figures and refuse a cell outside
// the table.
func TestBuildFromCells(t *testing.T) {
	jan, feb, mar := MonthIndex(2024, 1), MonthIndex(2024, 2), MonthIndex(2024, 3)
	cells := []Cell{
		{Cohort: jan, Month: jan, Customers: 2, Orders: 2, Revenue: 110e6, Repeaters: 2},
		{Cohort: jan, Month: feb, Customers: 1, Orders: 2, Revenue: 25e6},
		{Cohort: jan, Month: mar, Customers: 1, Orders: 1, Revenue: 30e6},
		{Cohort: feb, Month: feb, Customers: 1, Orders: 1, Revenue: 50e6},
	}
	r, err := Build(cells, mar)
	if err != nil {
		t.Fatal(err)
	}
	want := "2024-01 size=2 repeat=2: [0 2024-01 c=2 o=2 rev=110] [1 2024-02 c=1 o=2 rev=25] [2 2024-03 c=1 o=1 rev=30]\n" +
		"2024-02 size=1 repeat=0: [0 2024-02 c=1 o=1 rev=50] [1 2024-03 c=0 o=0 rev=0]\n" +
		"2024-03 size=0 repeat=0: [0 2024-03 c=0 o=0 rev=0]\n"
	if got := render(r); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if _, err := Build(cells, feb); err == nil {
		t.Error("a cell after the last month accepted")
	}
	if _, err := Build(nil, feb); err == nil {
		t.Error("no cells accepted")
	}
}
