package metrics

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
)

// Comparison sets a cell's value beside a baseline (PRODUCT.md C3).
type Comparison struct {
	Kind string `json:"kind"`
	// Baseline is the previous period's, last year's, the target's or the
	// benchmark's value, in the KPI's unit and the result currency.
	Baseline *float64 `json:"baseline"`
	// Ratio is actual ÷ baseline: the attainment for a target.
	Ratio *float64 `json:"ratio,omitempty"`
	// Change is (actual − baseline) ÷ |baseline|.
	Change *float64 `json:"change,omitempty"`
	// Better says whether actual beats the baseline in the KPI's good
	// direction (absent for neutral KPIs or missing values).
	Better *bool `json:"better,omitempty"`
	// From and To are the baseline period for period comparisons.
	From daiyun.Date `json:"from,omitzero"`
	To   daiyun.Date `json:"to,omitzero"`
	// Source names where a benchmark comes from.
	Source string `json:"source,omitempty"`
	// Percentile (0 = worst, 100 = best), Rank (1 = best) and Peers (the
	// number of shops compared, at least 5) for the percentile comparison.
	Percentile *float64 `json:"percentile,omitempty"`
	Rank       int      `json:"rank,omitempty"`
	Peers      int      `json:"peers,omitempty"`
	// Note says why a comparison has no value.
	Note string `json:"note,omitempty"`
}

// MinPeers is the fewest shops a percentile is computed over (C4).
const MinPeers = 5

// PreviousPeriod returns the range of the same length immediately before
// from..to. A range of whole calendar months compares with the same number
// of whole months before it (March → February, Q2 → Q1); any other range
// with the same number of days.
func PreviousPeriod(from, to daiyun.Date) (daiyun.Date, daiyun.Date) {
	if months, ok := wholeMonths(from.Time, to.Time); ok {
		return daiyun.Date{Time: from.AddDate(0, -months, 0)}, daiyun.Date{Time: from.AddDate(0, 0, -1)}
	}
	n := int(to.Sub(from.Time).Hours()/24) + 1
	return daiyun.Date{Time: from.AddDate(0, 0, -n)}, daiyun.Date{Time: from.AddDate(0, 0, -1)}
}

// SamePeriodLastYear returns the same dates a year earlier (29 February
// becomes 28 February).
func SamePeriodLastYear(from, to daiyun.Date) (daiyun.Date, daiyun.Date) {
	return daiyun.Date{Time: lastYear(from.Time)}, daiyun.Date{Time: lastYear(to.Time)}
}

func lastYear(t time.Time) time.Time {
	y, m, d := t.Date()
	if m == time.February && d == 29 {
		d = 28
	}
	return time.Date(y-1, m, d, 0, 0, 0, 0, time.UTC)
}

func wholeMonths(from, to time.Time) (int, bool) {
	if from.Day() != 1 || to.AddDate(0, 0, 1).Day() != 1 {
		return 0, false
	}
	end := to.AddDate(0, 0, 1)
	return (end.Year()-from.Year())*12 + int(end.Month()) - int(from.Month()), true
}

// compare fills the comparisons the request asks for.
func (s *Service) compare(ctx context.Context, res *Result, tenants daiyun.Tenants, shops []ShopInfo) error {
	for _, kind := range res.Request.Comparisons {
		var err error
		switch kind {
		case ComparePrevious, CompareLastYear:
			err = s.comparePeriod(ctx, res, kind, tenants, shops)
		case CompareTarget:
			err = s.compareTargets(ctx, res, shops)
		case CompareBenchmark:
			err = s.compareBenchmarks(ctx, res, shops)
		case ComparePercentile:
			err = s.comparePercentile(ctx, res, shops)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func setComparison(r *Row, kpi string, c Comparison) {
	v := r.Values[kpi]
	if v.Comparisons == nil {
		v.Comparisons = map[string]Comparison{}
	}
	v.Comparisons[c.Kind] = c
	r.Values[kpi] = v
}

// fill computes ratio, change and better from actual and baseline.
func (c *Comparison) fill(actual *float64, dir Direction) {
	if actual == nil || c.Baseline == nil {
		return
	}
	a, b := *actual, *c.Baseline
	if b != 0 {
		r := a / b
		ch := (a - b) / math.Abs(b)
		c.Ratio, c.Change = &r, &ch
	}
	if dir != Neutral {
		better := a > b
		if dir == Down {
			better = a < b
		}
		c.Better = &better
	}
}

func rowKey(period string, dims []string, r Row) string {
	k := []string{period}
	for _, d := range dims {
		k = append(k, r.Dims[d])
	}
	return strings.Join(k, "\x1f")
}

func (s *Service) comparePeriod(ctx context.Context, res *Result, kind string, tenants daiyun.Tenants, shops []ShopInfo) error {
	req := res.Request
	req.Comparisons = nil
	var shift func(time.Time) time.Time
	if kind == ComparePrevious {
		req.From, req.To = PreviousPeriod(res.Request.From, res.Request.To)
		if months, ok := wholeMonths(res.Request.From.Time, res.Request.To.Time); ok {
			shift = func(t time.Time) time.Time { return t.AddDate(0, -months, 0) }
		} else {
			n := res.Request.From.Sub(req.From.Time)
			shift = func(t time.Time) time.Time { return t.Add(-n) }
		}
	} else {
		req.From, req.To = SamePeriodLastYear(res.Request.From, res.Request.To)
		shift = lastYear
	}
	base, err := s.run(ctx, req, tenants, shops)
	if err != nil {
		return err
	}
	byKey := map[string]Row{}
	for _, r := range base.Rows {
		byKey[rowKey(r.Period, req.Dimensions, r)] = r
	}
	for i := range res.Rows {
		r := &res.Rows[i]
		per := r.Period
		from, to := req.From, req.To
		if per != "" {
			t, _ := time.Parse(time.DateOnly, per)
			bt := truncate(req.Grain, shift(t))
			per = bt.Format(time.DateOnly)
			from, to = periodRange(req.Grain, per, req.From, req.To)
		}
		b, ok := byKey[rowKey(per, req.Dimensions, *r)]
		for _, id := range req.KPIs {
			c := Comparison{Kind: kind, From: from, To: to}
			if ok {
				c.Baseline = b.Values[id].Value
			} else {
				c.Note = "no data in the baseline period"
			}
			c.fill(r.Values[id].Value, kpiByID[id].Direction)
			setComparison(r, id, c)
		}
	}
	return nil
}

// rowShop returns the one shop a row is about, if any.
func rowShop(res *Result, r Row, shops []ShopInfo) (ShopInfo, bool) {
	if v, ok := r.Dims[DimShop]; ok {
		id, _ := strconv.ParseInt(v, 10, 64)
		for _, sh := range shops {
			if sh.ID == id {
				return sh, true
			}
		}
		return ShopInfo{}, false
	}
	if len(shops) == 1 {
		return shops[0], true
	}
	return ShopInfo{}, false
}

// onlyCatalogDims reports whether a row's cell is a whole shop or client
// (no fact dimension such as channel narrows it), so targets apply.
func onlyCatalogDims(req Request) bool {
	return dimsAreShopDims(req.Dimensions) && len(req.Filters.factFilters()) == 0
}

func (s *Service) compareTargets(ctx context.Context, res *Result, shops []ShopInfo) error {
	req := res.Request
	for i := range res.Rows {
		r := &res.Rows[i]
		// The cell's own shop's target first, then its client's when the
		// cell covers the whole client.
		var keys []TargetKey
		if sh, ok := rowShop(res, *r, shops); ok {
			keys = append(keys, TargetKey{ClientID: sh.ClientID, ShopID: sh.ID})
		}
		if cid, ok := rowClient(req, *r, shops); ok {
			keys = append(keys, TargetKey{ClientID: cid})
		}
		from, to := periodRange(req.Grain, r.Period, req.From, req.To)
		for _, id := range req.KPIs {
			c := Comparison{Kind: CompareTarget}
			switch {
			case s.Targets == nil:
				c.Note = "no target table configured"
			case len(keys) == 0 || !onlyCatalogDims(req):
				c.Note = "targets are set per shop or client, not for this breakdown"
			default:
				for _, key := range keys {
					t, note, err := s.targetFor(ctx, key, kpiByID[id], from, to, res.Currency)
					if err != nil {
						return err
					}
					c.Baseline, c.Note = t, note
					if t != nil {
						break
					}
				}
			}
			c.fill(r.Values[id].Value, kpiByID[id].Direction)
			setComparison(r, id, c)
		}
	}
	return nil
}

// rowClient returns the one client a row covers whole: the client
// dimension, or every shop in scope belonging to one client when the
// request does not narrow shops.
func rowClient(req Request, r Row, shops []ShopInfo) (int64, bool) {
	if v, ok := r.Dims[DimClient]; ok && len(req.Filters.ShopIDs) == 0 && len(req.Filters.Platforms) == 0 && len(req.Filters.Categories) == 0 {
		if _, narrowed := r.Dims[DimPlatform]; narrowed {
			return 0, false
		}
		if _, narrowed := r.Dims[DimCategory]; narrowed {
			return 0, false
		}
		id, _ := strconv.ParseInt(v, 10, 64)
		return id, true
	}
	if len(shops) == 0 || len(r.Dims) > 0 || len(req.Filters.ShopIDs) > 0 || len(req.Filters.Platforms) > 0 || len(req.Filters.Categories) > 0 {
		return 0, false
	}
	for _, sh := range shops[1:] {
		if sh.ClientID != shops[0].ClientID {
			return 0, false
		}
	}
	return shops[0].ClientID, true
}

// targetFor turns monthly targets into the target of from..to: a sum or
// count KPI takes each month's target pro rata to the days covered; any
// other KPI takes the day-weighted mean of the months' targets. Every
// month touched must have a target.
func (s *Service) targetFor(ctx context.Context, key TargetKey, k *KPI, from, to daiyun.Date, currency string) (*float64, string, error) {
	additive := k.Den == "" && k.Sub == "" && !k.Static
	var total, days float64
	for m := truncate(GrainMonth, from.Time); !m.After(to.Time); m = m.AddDate(0, 1, 0) {
		key.KPI, key.Month = k.ID, daiyun.Date{Time: m}
		t, ok, err := s.Targets.Target(ctx, key)
		if err != nil {
			return nil, "", fmt.Errorf("metrics: target %s %s: %w", k.ID, m.Format("2006-01"), err)
		}
		if !ok {
			return nil, fmt.Sprintf("no target for %s", m.Format("2006-01")), nil
		}
		v := t.Value
		if k.Unit == UnitMoney && t.Currency != "" && t.Currency != currency {
			v, err = s.convertMajor(ctx, v, t.Currency, currency, key.Month)
			if err != nil {
				return nil, "", err
			}
		}
		end := m.AddDate(0, 1, -1)
		a, b := m, end
		if a.Before(from.Time) {
			a = from.Time
		}
		if b.After(to.Time) {
			b = to.Time
		}
		covered := b.Sub(a).Hours()/24 + 1
		inMonth := end.Sub(m).Hours()/24 + 1
		if additive {
			total += v * covered / inMonth
		} else {
			total += v * covered
		}
		days += covered
	}
	if !additive && days > 0 {
		total /= days
	}
	return &total, "", nil
}

// convertMajor converts an amount in major units with the FX table.
func (s *Service) convertMajor(ctx context.Context, v float64, from, to string, day daiyun.Date) (float64, error) {
	if s.FX == nil {
		return 0, daiyun.Errorf(daiyun.EINVALID, "no FX rate from %s to %s on %s: no FX table is configured", from, to, day)
	}
	r, err := s.FX.Rate(ctx, from, to, day)
	if err != nil {
		return 0, err
	}
	f, _ := r.Float64()
	return v * f, nil
}

// rowCategory returns the one category a row is about.
func rowCategory(res *Result, r Row, shops []ShopInfo) (string, bool) {
	if v, ok := r.Dims[DimCategory]; ok {
		return v, true
	}
	if sh, ok := rowShop(res, r, shops); ok {
		return sh.Category, true
	}
	var cat string
	for _, sh := range shops {
		if cat != "" && sh.Category != cat {
			return "", false
		}
		cat = sh.Category
	}
	return cat, cat != ""
}

func (s *Service) compareBenchmarks(ctx context.Context, res *Result, shops []ShopInfo) error {
	for i := range res.Rows {
		r := &res.Rows[i]
		cat, ok := rowCategory(res, *r, shops)
		for _, id := range res.Request.KPIs {
			c := Comparison{Kind: CompareBenchmark}
			switch {
			case s.Benchmarks == nil:
				c.Note = "no benchmark table configured"
			case !ok:
				c.Note = "the cell spans several categories"
			default:
				b, found, err := s.Benchmarks.Benchmark(ctx, cat, id)
				if err != nil {
					return fmt.Errorf("metrics: benchmark %s %s: %w", cat, id, err)
				}
				if !found {
					c.Note = "no benchmark for " + cat
					break
				}
				v := b.Value
				if kpiByID[id].Unit == UnitMoney && b.Currency != "" && b.Currency != res.Currency {
					v, err = s.convertMajor(ctx, v, b.Currency, res.Currency, res.Request.To)
					if err != nil {
						return err
					}
				}
				c.Baseline, c.Source = &v, b.Source
			}
			c.fill(r.Values[id].Value, kpiByID[id].Direction)
			setComparison(r, id, c)
		}
	}
	return nil
}
