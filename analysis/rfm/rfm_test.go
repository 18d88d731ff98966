package rfm

import (
	"encoding/csv"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t.Add(15 * time.Hour)
}

func TestHandScored(t *testing.T) {
	ps := []Purchase{
		{"a", day("2024-06-30"), 100, ""}, {"a", day("2024-06-01"), 50, ""},
		{"b", day("2024-06-20"), 500, ""},
		{"c", day("2024-01-01"), 20, ""}, {"c", day("2024-02-01"), 20, ""}, {"c", day("2024-03-01"), 20, ""},
		{"d", day("2023-06-30"), 200000, ""},                                    // exactly 12 months before: outside the VIP year
		{"e", day("2023-07-01"), 150000, ""}, {"e", day("2024-07-05"), 999, ""}, // the second is after as-of
	}
	r, err := Compute(ps, Options{AsOf: day("2024-06-30")})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range r.Customers {
		got = append(got, fmt.Sprintf("%s %d/%d/%v %s %s vip=%v", c.ID, c.RecencyDays, c.Frequency, c.Monetary, c.Score, c.Segment, c.VIP))
	}
	want := []string{
		"a 0/2/150 542 champions vip=false",
		"b 10/1/500 413 promising vip=false",
		"c 121/3/60 351 loyal vip=false",
		"d 366/1/200000 125 lost vip=false",
		"e 365/1/150000 234 at risk vip=true",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if r.AsOf != "2024-06-30" || len(r.Segments) != len(Segments) {
		t.Errorf("as_of %s, %d segments", r.AsOf, len(r.Segments))
	}
	for _, s := range r.Segments {
		if s.Name == Champions && (s.Customers != 1 || s.Revenue != 150 || *s.AvgFrequency != 2) {
			t.Errorf("champions %+v", s)
		}
		if s.Name == New && (s.Customers != 0 || s.AvgMonetary != nil) {
			t.Errorf("new %+v should be empty with null averages", s)
		}
	}
}

func TestOrderLinesCountOnce(t *testing.T) {
	ps := []Purchase{{"a", day("2024-01-01"), 10, "o1"}, {"a", day("2024-01-01"), 5, "o1"}, {"a", day("2024-01-02"), 1, "o2"}}
	r, err := Compute(ps, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if c := r.Customers[0]; c.Frequency != 2 || c.Monetary != 16 || r.AsOf != "2024-01-02" {
		t.Errorf("%+v as of %s", c, r.AsOf)
	}
}

func TestQuintileAndSegmentsAreTotal(t *testing.T) {
	for n := 1; n <= 23; n++ {
		sizes := make([]int, 6)
		for r := 1; r <= n; r++ {
			q := Quintile(r, n)
			if q < 1 || q > 5 || (r > 1 && q < Quintile(r-1, n)) {
				t.Fatalf("Quintile(%d, %d) = %d", r, n, q)
			}
			sizes[q]++
		}
		for q := 1; q <= 5 && n >= 5; q++ {
			if sizes[q] < n/5 || sizes[q] > n/5+1 {
				t.Errorf("n=%d: score %d holds %d", n, q, sizes[q])
			}
		}
	}
	seen := map[string]bool{}
	for r := 1; r <= 5; r++ {
		for f := 1; f <= 5; f++ {
			seen[SegmentOf(r, f)] = true
		}
	}
	if len(seen) != len(Segments) {
		t.Errorf("the R×F grid reaches %d segments, want all %d", len(seen), len(Segments))
	}
}

func TestBadInput(t *testing.T) {
	if _, err := Compute(nil, Options{}); err == nil {
		t.Error("empty input accepted")
	}
	if _, err := Compute([]Purchase{{"a", day("2024-01-01"), -3, ""}}, Options{}); err == nil {
		t.Error("negative amount accepted")
	}
	if _, err := Compute([]Purchase{{"a", day("2024-01-01"), 3, ""}}, Options{AsOf: day("2023-01-01")}); err == nil {
		t.Error("as-of before every purchase accepted")
	}
	if _, err := Compute([]Purchase{{"a", day("2024-01-01"), 3, ""}}, Options{VIPThreshold: -1}); err == nil {
		t.Error("negative VIP threshold accepted")
	}
}

// The CDNOW sample (cdnowElog.csv from the BTYD R package, see
// ../../../shared/datasets/README.md): 2,357 customers. Quintiles from
// ranks put 471 or 472 customers in every score.
func TestCDNOWSample(t *testing.T) {
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
	for _, r := range rows[1:] {
		d, _ := time.Parse("20060102", r[2])
		v, _ := strconv.ParseFloat(r[4], 64)
		ps = append(ps, Purchase{Customer: r[0], Time: d, Amount: v})
	}
	res, err := Compute(ps, Options{AsOf: day("1998-06-30")})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Customers) != 2357 {
		t.Fatalf("%d customers, want 2357", len(res.Customers))
	}
	for _, get := range []func(Customer) int{func(c Customer) int { return c.R }, func(c Customer) int { return c.F }, func(c Customer) int { return c.M }} {
		n := make([]int, 6)
		for _, c := range res.Customers {
			n[get(c)]++
		}
		for q := 1; q <= 5; q++ {
			if n[q] != 471 && n[q] != 472 {
				t.Errorf("score %d holds %d customers", q, n[q])
			}
		}
	}
	total := 0
	for _, s := range res.Segments {
		total += s.Customers
	}
	if total != 2357 {
		t.Errorf("segments hold %d customers", total)
	}
}

// BenchmarkRFM scores 200,000 customers over 1,000,000 orders.
func BenchmarkRFM(b *testing.B) {
	ps := make([]Purchase, 1_000_000)
	base := day("2023-01-01")
	for i := range ps {
		ps[i] = Purchase{Customer: strconv.Itoa(i * 7919 % 200_000), Time: base.Add(time.Duration(i%540) * 24 * time.Hour), Amount: float64(i % 300), Order: "o" + strconv.Itoa(i)}
	}
	b.ResetTimer()
	for range b.N {
		if _, err := Compute(ps, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// Equal spends reached by different sums compare equal, so the documented
// tie-break by customer id decides, not the last bit of a float.
func TestEqualSpendTiesBreakByID(t *testing.T) {
	day := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	var ps []Purchase
	// 0.1 + 0.2 != 0.3 in floating point; both customers spent 0.3.
	ps = append(ps, Purchase{Customer: "b", Time: day, Amount: 0.1}, Purchase{Customer: "b", Time: day, Amount: 0.2},
		Purchase{Customer: "a", Time: day, Amount: 0.3})
	for i := 0; i < 8; i++ {
		ps = append(ps, Purchase{Customer: fmt.Sprintf("z%d", i), Time: day, Amount: float64(10 + i)})
	}
	res, err := Compute(ps, Options{AsOf: day})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]Customer{}
	for _, c := range res.Customers {
		m[c.ID] = c
	}
	if m["a"].Monetary != m["b"].Monetary {
		t.Fatalf("spend a %v, b %v", m["a"].Monetary, m["b"].Monetary)
	}
	if m["a"].M > m["b"].M {
		t.Fatalf("equal spend: a scored %d above b's %d; ties rank by id", m["a"].M, m["b"].M)
	}
}

// Score is what the warehouse door calls with customers aggregated in SQL:
// the same figures as Compute, in any order, and a customer twice refused.
func TestScoreEqualsCompute(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	ps := []Purchase{
		{Customer: "b", Time: day("2024-03-01"), Amount: 10.5}, {Customer: "a", Time: day("2024-02-01"), Amount: 0.29},
		{Customer: "a", Time: day("2024-03-02"), Amount: 0.01}, {Customer: "c", Time: day("2023-01-01"), Amount: 200000},
	}
	asOf := day("2024-03-31")
	want, err := Compute(ps, Options{AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	bs := []Buyer{
		{ID: "c", Last: day("2023-01-01"), Orders: 1, Spend: 200000e6},
		{ID: "a", Last: day("2024-03-02"), Orders: 2, Spend: 300000, Spend12m: 300000},
		{ID: "b", Last: day("2024-03-01"), Orders: 1, Spend: 10.5e6, Spend12m: 10.5e6},
	}
	got, err := Score(bs, asOf, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Score %+v\nCompute %+v", got, want)
	}
	if _, err := Score(append(bs, bs[0]), asOf, 0); err == nil {
		t.Error("a customer aggregated twice accepted")
	}
}
