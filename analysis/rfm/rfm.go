// Package rfm scores customers on recency, frequency and monetary value
// (PRODUCT.md D3), names their segment and marks the VIP tier.
//
// Scores are quintiles 1–5 computed from ranks with a deterministic
// tie-break, so the same data always gives the same scores:
//
//   - customers are ranked ascending by the metric, ties broken by customer
//     id (byte order), rank r = 1..n;
//   - score = ⌈5·r/n⌉, so each score holds n/5 customers (±1).
//
// Recency ranks by the date of the last purchase (older first), so a recent
// buyer gets R = 5; frequency and monetary rank by their value, so the
// largest get 5. Segments come from R and F (see SegmentOf); M is reported
// and drives the VIP tier.
//
// The package takes plain purchases; it reads no files and knows no storage.
package rfm

import (
	"cmp"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/daiyun/daiyun"
)

// Purchase is one order (or order line: lines with the same Order of the
// same customer count as one order).
type Purchase struct {
	Customer string
	Time     time.Time
	Amount   float64
	Order    string
}

// DefaultVIPThreshold is the 12-month spend above which a customer is VIP
// (PRODUCT.md D3: 100,000 CNY).
const DefaultVIPThreshold = 100000

// Options of the scoring.
type Options struct {
	// AsOf is the day of the analysis: purchases on later days are ignored
	// and recency is counted in days up to it. Zero means the day of the
	// last purchase.
	AsOf time.Time
	// VIPThreshold is the spend in the 12 months up to AsOf above which a
	// customer is VIP; 0 means DefaultVIPThreshold.
	VIPThreshold float64
	// Loc is the time zone of days; nil means UTC.
	Loc *time.Location
}

// Customer is one customer's scores.
type Customer struct {
	ID           string  `json:"customer_id"`
	LastPurchase string  `json:"last_purchase"` // YYYY-MM-DD
	RecencyDays  int     `json:"recency_days"`
	Frequency    int     `json:"frequency"`
	Monetary     float64 `json:"monetary"`
	R            int     `json:"r"`
	F            int     `json:"f"`
	M            int     `json:"m"`
	// Score is R, F and M as three digits, e.g. "545".
	Score   string `json:"score"`
	Segment string `json:"segment"`
	// Spend12m is the spend in the 12 months up to AsOf; VIP is Spend12m >
	// VIPThreshold.
	Spend12m float64 `json:"spend_12m"`
	VIP      bool    `json:"vip"`
}

// Segment summarises the customers of one segment. Averages are null for
// an empty segment.
type Segment struct {
	Name           string   `json:"segment"`
	Customers      int      `json:"customers"`
	Share          float64  `json:"share"`
	Revenue        float64  `json:"revenue"`
	AvgRecencyDays *float64 `json:"avg_recency_days"`
	AvgFrequency   *float64 `json:"avg_frequency"`
	AvgMonetary    *float64 `json:"avg_monetary"`
	VIPs           int      `json:"vips"`
}

// Result is the scoring of every customer (sorted by id) and the summary
// of every segment (in the order of Segments).
type Result struct {
	AsOf         string     `json:"as_of"`
	VIPThreshold float64    `json:"vip_threshold"`
	Customers    []Customer `json:"customers"`
	Segments     []Segment  `json:"segments"`
}

// Compute scores the customers of ps.
func Compute(ps []Purchase, o Options) (*Result, error) {
	if len(ps) == 0 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "the input has no purchases")
	}
	loc := o.Loc
	if loc == nil {
		loc = time.UTC
	}
	if o.VIPThreshold == 0 {
		o.VIPThreshold = DefaultVIPThreshold
	}
	if o.VIPThreshold < 0 || math.IsNaN(o.VIPThreshold) || math.IsInf(o.VIPThreshold, 0) {
		return nil, daiyun.Errorf(daiyun.EINVALID, "--vip-threshold %v: must be a non-negative amount", o.VIPThreshold)
	}
	day := func(t time.Time) time.Time {
		y, m, d := t.In(loc).Date()
		return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) // a calendar date, for day arithmetic
	}
	var asOf time.Time
	if o.AsOf.IsZero() {
		for _, p := range ps {
			if d := day(p.Time); d.After(asOf) {
				asOf = d
			}
		}
	} else {
		asOf = day(o.AsOf)
	}
	yearAgo := asOf.AddDate(-1, 0, 0)

	// Spend is summed in integer millionths, so a total does not depend on
	// the order of the purchases: equal spends compare equal and the
	// customer-id tie-break of the quintiles applies.
	type acc struct {
		last     time.Time
		orders   int
		spend    int64
		spend12m int64
	}
	accs := map[string]*acc{}
	type orderKey struct {
		acc   *acc
		order string
	}
	var orderSeen map[orderKey]struct{} // made on the first order id
	for i, p := range ps {
		if p.Amount < 0 || math.IsNaN(p.Amount) || math.IsInf(p.Amount, 0) {
			return nil, daiyun.Errorf(daiyun.EINVALID, "purchase %d (customer %s): amount %v is not a finite non-negative number", i+1, p.Customer, p.Amount)
		}
		d := day(p.Time)
		if d.After(asOf) {
			continue
		}
		a := accs[p.Customer]
		if a == nil {
			a = &acc{last: d}
			accs[p.Customer] = a
		}
		if d.After(a.last) {
			a.last = d
		}
		micro := int64(math.Round(p.Amount * 1e6))
		a.spend += micro
		if d.After(yearAgo) {
			a.spend12m += micro
		}
		if p.Order == "" {
			a.orders++
		} else {
			if orderSeen == nil {
				orderSeen = make(map[orderKey]struct{}, len(ps))
			}
			if k := (orderKey{a, p.Order}); !has(orderSeen, k) {
				orderSeen[k] = struct{}{}
				a.orders++
			}
		}
	}
	if len(accs) == 0 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "--as-of %s: no purchase on or before that day", asOf.Format("2006-01-02"))
	}
	cs := make([]Customer, 0, len(accs))
	for id, a := range accs {
		cs = append(cs, Customer{
			ID: id, LastPurchase: a.last.Format("2006-01-02"),
			RecencyDays: int(asOf.Sub(a.last).Hours() / 24), Frequency: a.orders, Monetary: float64(a.spend) / 1e6,
			Spend12m: float64(a.spend12m) / 1e6, VIP: float64(a.spend12m)/1e6 > o.VIPThreshold,
		})
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].ID < cs[j].ID })
	// Ranks ascend with goodness: fewer recency days is better.
	score(cs, func(c *Customer) float64 { return -float64(c.RecencyDays) }, func(c *Customer, s int) { c.R = s })
	score(cs, func(c *Customer) float64 { return float64(c.Frequency) }, func(c *Customer, s int) { c.F = s })
	score(cs, func(c *Customer) float64 { return c.Monetary }, func(c *Customer, s int) { c.M = s })
	for i := range cs {
		c := &cs[i]
		c.Score = string(rune('0'+c.R)) + string(rune('0'+c.F)) + string(rune('0'+c.M))
		c.Segment = SegmentOf(c.R, c.F)
	}
	return &Result{AsOf: asOf.Format("2006-01-02"), VIPThreshold: o.VIPThreshold, Customers: cs, Segments: summarise(cs)}, nil
}

// score sets Quintile scores: cs must be sorted by id, so ordering by
// value then by index breaks ties by id.
func score(cs []Customer, value func(*Customer) float64, set func(*Customer, int)) {
	type item struct {
		v float64
		i int // index in cs, which is id order
	}
	items := make([]item, len(cs))
	for i := range cs {
		items[i] = item{value(&cs[i]), i}
	}
	slices.SortFunc(items, func(a, b item) int {
		if c := cmp.Compare(a.v, b.v); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	for r, it := range items {
		set(&cs[it.i], Quintile(r+1, len(cs)))
	}
}

func has[K comparable](m map[K]struct{}, k K) bool {
	_, ok := m[k]
	return ok
}

// Quintile is ⌈5·rank/n⌉ for a rank from 1 to n.
func Quintile(rank, n int) int {
	return (5*rank + n - 1) / n
}

// Segment names, in display order.
const (
	Champions         = "champions"
	Loyal             = "loyal"
	PotentialLoyalist = "potential loyalist"
	New               = "new"
	Promising         = "promising"
	NeedAttention     = "need attention"
	AboutToSleep      = "about to sleep"
	AtRisk            = "at risk"
	CannotLose        = "cannot lose"
	Hibernating       = "hibernating"
	Lost              = "lost"
)

// Segments lists every segment in display order.
var Segments = []string{Champions, Loyal, PotentialLoyalist, New, Promising, NeedAttention, AboutToSleep, AtRisk, CannotLose, Hibernating, Lost}

// SegmentOf names the segment of an R and F score; every pair has exactly
// one segment:
//
//	R\F   1              2                  3                  4          5
//	5     new            potential loyalist potential loyalist champions  champions
//	4     promising      potential loyalist potential loyalist loyal      loyal
//	3     about to sleep about to sleep     need attention     loyal      loyal
//	2     hibernating    hibernating        at risk            at risk    cannot lose
//	1     lost           lost               at risk            at risk    cannot lose
func SegmentOf(r, f int) string {
	switch {
	case r >= 4 && f >= 4:
		if r == 5 {
			return Champions
		}
		return Loyal
	case r == 3 && f >= 4:
		return Loyal
	case r >= 4 && f >= 2:
		return PotentialLoyalist
	case r == 5:
		return New
	case r == 4:
		return Promising
	case r == 3 && f == 3:
		return NeedAttention
	case r == 3:
		return AboutToSleep
	case f == 5:
		return CannotLose
	case f >= 3:
		return AtRisk
	case r == 2:
		return Hibernating
	}
	return Lost
}

func summarise(cs []Customer) []Segment {
	idx := map[string]int{}
	out := make([]Segment, len(Segments))
	for i, s := range Segments {
		idx[s] = i
		out[i].Name = s
	}
	sums := make([][3]float64, len(Segments))
	for _, c := range cs {
		i := idx[c.Segment]
		out[i].Customers++
		out[i].Revenue += c.Monetary
		if c.VIP {
			out[i].VIPs++
		}
		sums[i][0] += float64(c.RecencyDays)
		sums[i][1] += float64(c.Frequency)
		sums[i][2] += c.Monetary
	}
	for i := range out {
		s := &out[i]
		s.Share = float64(s.Customers) / float64(len(cs))
		if s.Customers > 0 {
			n := float64(s.Customers)
			s.AvgRecencyDays, s.AvgFrequency, s.AvgMonetary = fp(sums[i][0]/n), fp(sums[i][1]/n), fp(sums[i][2]/n)
		}
	}
	return out
}

func fp(v float64) *float64 { return &v }
