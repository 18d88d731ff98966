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
// Compute takes plain purchases (the file door). Score takes customers
// already aggregated (Buyer: the warehouse door aggregates in SQL) and
// SegmentsOf summarises scored customers aggregated by score (Cell: the
// by-shop door ranks in SQL); Compute ends with Score and Score with
// SegmentsOf, so every door gives the same figures. Spend is added in
// exact millionths. The package reads no files and knows no storage.
package rfm

import (
	"cmp"
	"math"
	"slices"
	"strings"
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

// MaxAmount is the largest amount a purchase may have: spend is added in
// millionths in an int64.
const MaxAmount = 1e12

// Buyer is one customer's purchases up to the as-of day, aggregated: the
// input of Score. Compute aggregates purchases into buyers in Go; the
// warehouse door aggregates them in SQL, so both score with the same code.
type Buyer struct {
	ID string
	// Last is the calendar day of the last purchase, as midnight UTC.
	Last time.Time
	// Orders counts the orders; Spend and Spend12m are the spend in all
	// and in the 12 months up to the as-of day, in millionths.
	Orders          int
	Spend, Spend12m int64
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
	if o.VIPThreshold < 0 || math.IsNaN(o.VIPThreshold) || math.IsInf(o.VIPThreshold, 0) {
		return nil, daiyun.Errorf(daiyun.EINVALID, "--vip-threshold %v: must be a non-negative amount", o.VIPThreshold)
	}
	var asOf time.Time
	if o.AsOf.IsZero() {
		for _, p := range ps {
			if d := Day(p.Time, loc); d.After(asOf) {
				asOf = d
			}
		}
	} else {
		asOf = Day(o.AsOf, loc)
	}
	yearAgo := YearBefore(asOf)

	// Spend is summed in integer millionths, so a total does not depend on
	// the order of the purchases: equal spends compare equal and the
	// customer-id tie-break of the quintiles applies.
	accs := map[string]*Buyer{}
	type orderKey struct {
		acc   *Buyer
		order string
	}
	var orderSeen map[orderKey]struct{} // made on the first order id
	for i, p := range ps {
		if p.Amount < 0 || p.Amount > MaxAmount || math.IsNaN(p.Amount) {
			return nil, daiyun.Errorf(daiyun.EINVALID, "purchase %d (customer %s): amount %v is not a number from 0 to %g", i+1, p.Customer, p.Amount, MaxAmount)
		}
		d := Day(p.Time, loc)
		if d.After(asOf) {
			continue
		}
		a := accs[p.Customer]
		if a == nil {
			a = &Buyer{ID: p.Customer, Last: d}
			accs[p.Customer] = a
		}
		if d.After(a.Last) {
			a.Last = d
		}
		micro := int64(math.Round(p.Amount * 1e6))
		a.Spend += micro
		if d.After(yearAgo) {
			a.Spend12m += micro
		}
		if p.Order == "" {
			a.Orders++
		} else {
			if orderSeen == nil {
				orderSeen = make(map[orderKey]struct{}, len(ps))
			}
			if k := (orderKey{a, p.Order}); !has(orderSeen, k) {
				orderSeen[k] = struct{}{}
				a.Orders++
			}
		}
	}
	if len(accs) == 0 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "--as-of %s: no purchase on or before that day", asOf.Format("2006-01-02"))
	}
	bs := make([]Buyer, 0, len(accs))
	for _, a := range accs {
		bs = append(bs, *a)
	}
	return Score(bs, asOf, o.VIPThreshold)
}

// Day returns the calendar day of t in loc as midnight UTC, the form of
// Buyer.Last and of Score's as-of day.
func Day(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// YearBefore is the day 12 months before asOf (time.AddDate: 29 February
// goes to 1 March): Spend12m counts the days after it.
func YearBefore(asOf time.Time) time.Time { return asOf.AddDate(-1, 0, 0) }

// Score scores buyers as of a day (midnight UTC of the calendar day, as
// Day returns): buyers must have bought on or before it, each ID once. A
// vipThreshold of 0 means DefaultVIPThreshold. bs is reordered.
func Score(bs []Buyer, asOf time.Time, vipThreshold float64) (*Result, error) {
	if vipThreshold == 0 {
		vipThreshold = DefaultVIPThreshold
	}
	if vipThreshold < 0 || math.IsNaN(vipThreshold) || math.IsInf(vipThreshold, 0) {
		return nil, daiyun.Errorf(daiyun.EINVALID, "--vip-threshold %v: must be a non-negative amount", vipThreshold)
	}
	if len(bs) == 0 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "the input has no purchases")
	}
	if !slices.IsSortedFunc(bs, func(a, b Buyer) int { return strings.Compare(a.ID, b.ID) }) {
		slices.SortFunc(bs, func(a, b Buyer) int { return strings.Compare(a.ID, b.ID) })
	}
	cs := make([]Customer, len(bs))
	spend := make([]int64, len(bs))
	for i, b := range bs {
		spend[i] = b.Spend
		if i > 0 && b.ID == bs[i-1].ID {
			return nil, daiyun.Errorf(daiyun.EINVALID, "customer %s: aggregated twice", b.ID)
		}
		if b.Last.After(asOf) {
			return nil, daiyun.Errorf(daiyun.EINVALID, "customer %s: last purchase %s is after the as-of day %s", b.ID, b.Last.Format(time.DateOnly), asOf.Format(time.DateOnly))
		}
		spend12m := float64(b.Spend12m) / 1e6
		cs[i] = Customer{
			ID: b.ID, LastPurchase: b.Last.Format("2006-01-02"),
			RecencyDays: int(asOf.Sub(b.Last).Hours() / 24), Frequency: b.Orders, Monetary: float64(b.Spend) / 1e6,
			Spend12m: spend12m, VIP: spend12m > vipThreshold,
		}
	}
	// Ranks ascend with goodness: fewer recency days is better.
	score(cs, func(c *Customer) float64 { return -float64(c.RecencyDays) }, func(c *Customer, s int) { c.R = s })
	score(cs, func(c *Customer) float64 { return float64(c.Frequency) }, func(c *Customer, s int) { c.F = s })
	score(cs, func(c *Customer) float64 { return c.Monetary }, func(c *Customer, s int) { c.M = s })
	for i := range cs {
		c := &cs[i]
		c.Score = scoreNames[(c.R-1)*25+(c.F-1)*5+c.M-1]
		c.Segment = SegmentOf(c.R, c.F)
	}
	return &Result{AsOf: asOf.Format("2006-01-02"), VIPThreshold: vipThreshold, Customers: cs, Segments: SegmentsOf(cellsOf(cs, spend))}, nil
}

// scoreNames are the 125 scores "111" … "555", so scoring a customer
// allocates no string.
var scoreNames = func() []string {
	out := make([]string, 0, 125)
	for r := '1'; r <= '5'; r++ {
		for f := '1'; f <= '5'; f++ {
			for m := '1'; m <= '5'; m++ {
				out = append(out, string([]rune{r, f, m}))
			}
		}
	}
	return out
}()

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

// Cell is the customers of one (R, F, M) score, aggregated: what a
// segment summary is made of. The warehouse door's by-shop run ranks and
// aggregates in SQL and sends cells; Score makes them from its customers.
type Cell struct {
	R int `json:"r"`
	F int `json:"f"`
	M int `json:"m"`
	// Customers with the score; RecencyDays, Orders and Spend (in
	// millionths) are sums over them; VIPs counts those in the VIP tier.
	Customers   int   `json:"customers"`
	RecencyDays int64 `json:"-"`
	Orders      int64 `json:"-"`
	Spend       int64 `json:"-"`
	VIPs        int   `json:"vips"`
	// Monetary is Spend in units, for JSON.
	Monetary float64 `json:"monetary"`
}

// cellsOf aggregates scored customers by score; spend is their spend in
// millionths, in the order of cs.
func cellsOf(cs []Customer, spend []int64) []Cell {
	var grid [125]Cell
	for i, c := range cs {
		g := &grid[(c.R-1)*25+(c.F-1)*5+c.M-1]
		g.Customers++
		g.RecencyDays += int64(c.RecencyDays)
		g.Orders += int64(c.Frequency)
		g.Spend += spend[i]
		if c.VIP {
			g.VIPs++
		}
	}
	var out []Cell
	for i, g := range grid {
		if g.Customers > 0 {
			g.R, g.F, g.M = i/25+1, i/5%5+1, i%5+1
			g.Monetary = float64(g.Spend) / 1e6
			out = append(out, g)
		}
	}
	return out
}

// SegmentsOf summarises cells into every segment, in the order of
// Segments: customers, share of all customers, revenue (their spend),
// average recency, frequency and spend (null for an empty segment) and
// VIPs. Sums are exact integers, so the summary does not depend on the
// order of the customers.
func SegmentsOf(cells []Cell) []Segment {
	idx := map[string]int{}
	out := make([]Segment, len(Segments))
	for i, s := range Segments {
		idx[s] = i
		out[i].Name = s
	}
	type sums struct{ days, orders, spend int64 }
	acc := make([]sums, len(Segments))
	total := 0
	for _, c := range cells {
		i := idx[SegmentOf(c.R, c.F)]
		out[i].Customers += c.Customers
		out[i].VIPs += c.VIPs
		acc[i].days += c.RecencyDays
		acc[i].orders += c.Orders
		acc[i].spend += c.Spend
		total += c.Customers
	}
	for i := range out {
		s := &out[i]
		s.Share = float64(s.Customers) / float64(total)
		s.Revenue = float64(acc[i].spend) / 1e6
		if s.Customers > 0 {
			n := float64(s.Customers)
			s.AvgRecencyDays, s.AvgFrequency, s.AvgMonetary = fp(float64(acc[i].days)/n), fp(float64(acc[i].orders)/n), fp(s.Revenue/n)
		}
	}
	return out
}

func fp(v float64) *float64 { return &v }
