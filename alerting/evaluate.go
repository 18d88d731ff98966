package alerting

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/forecast"
	"github.com/daiyun/daiyun/metrics"
	"github.com/daiyun/daiyun/warehouse"
)

// Contracts gives a client's contracts (the budget and fee conditions read
// the marketing budget and the monthly fee from the contract in force).
type Contracts interface {
	Contracts(ctx context.Context, clientID int64) ([]daiyun.Contract, error)
}

// Evaluator computes rules on the data. Metrics is required; Warehouse
// for detectors; Contracts for budget and fee conditions.
type Evaluator struct {
	Metrics   *metrics.Service
	Warehouse warehouse.Warehouse
	Contracts Contracts
	// ForecastHistory is the number of days a forecast band is fitted on
	// (default 56: eight weeks, for the weekly season).
	ForecastHistory int
	// MinForecastLevel skips series averaging fewer units a day than this
	// over the history (default 3): tiny series have no useful band.
	MinForecastLevel float64
}

// Firing is one rule firing on one scope: the answer of `daiyun alerts
// evaluate`. Value and Threshold are in the KPI's unit (major currency
// units for money), so the value equals the dashboard's for the scope and
// the last period; the rule fires when Value op Threshold held for
// Periods consecutive periods.
type Firing struct {
	Rule     string      `json:"rule"`
	RuleID   int64       `json:"rule_id,omitempty"`
	Scope    string      `json:"scope"`
	ClientID int64       `json:"client_id"`
	ShopID   int64       `json:"shop_id,omitempty"`
	Dim      string      `json:"dim,omitempty"`
	KPI      string      `json:"kpi,omitempty"`
	Detector string      `json:"detector,omitempty"`
	Level    int         `json:"level,omitempty"`
	Colour   string      `json:"colour,omitempty"`
	Op       string      `json:"op"`
	Value    float64     `json:"value"`
	Thresh   float64     `json:"threshold"`
	Baseline *float64    `json:"baseline,omitempty"`
	Currency string      `json:"currency,omitempty"`
	Periods  int         `json:"periods"`
	From     daiyun.Date `json:"from"`
	To       daiyun.Date `json:"to"`
	AsOf     daiyun.Date `json:"as_of"`
}

// Key names one rule on one scope: there is at most one open alert per key.
type Key struct {
	RuleID int64  `json:"rule_id"`
	Rule   string `json:"rule"`
	Scope  string `json:"scope"`
}

// RuleError is a rule that could not be evaluated; the others still are.
type RuleError struct {
	Rule  string `json:"rule"`
	Error string `json:"error"`
}

// Outcome is one evaluation at a day.
type Outcome struct {
	AsOf   daiyun.Date `json:"as_of"`
	Firing []Firing    `json:"firing"`
	// Cleared are the scopes whose condition did not hold for the rule's
	// clear periods: their open alert resolves itself.
	Cleared []Key       `json:"cleared,omitempty"`
	Errors  []RuleError `json:"errors,omitempty"`
}

// unit is one shop or client an alert can be about.
type unit struct {
	clientID int64
	shopID   int64 // 0 for a client unit
	shops    []metrics.ShopInfo
}

// obs is what one period showed on one scope.
type obs struct {
	clientID, shopID int64
	dim              string
	value, threshold float64
	baseline         *float64
	currency         string
	holds            bool
}

// Evaluate computes the enabled rules at asOf for the clients the actor in
// ctx may see. A rule that fails is reported in Errors; it does not stop
// the others.
func (e *Evaluator) Evaluate(ctx context.Context, rules []Rule, asOf daiyun.Date) (*Outcome, error) {
	all, err := e.Metrics.Shops.Shops(ctx)
	if err != nil {
		return nil, err
	}
	actor := daiyun.ActorFrom(ctx)
	var shops []metrics.ShopInfo
	for _, s := range all {
		if actor.CanSeeClient(s.ClientID) {
			shops = append(shops, s)
		}
	}
	out := &Outcome{AsOf: asOf, Firing: []Firing{}}
	// Rules are independent reads: they run side by side (one per core),
	// and their results are merged in rule order, so the outcome is the
	// same as one after the other.
	type result struct {
		fires   []Firing
		cleared []Key
		err     *RuleError
	}
	results := make([]result, len(rules))
	parallel(len(rules), func(i int) {
		r := rules[i]
		if !r.Enabled {
			return
		}
		if err := r.Validate(); err != nil {
			results[i].err = &RuleError{r.Name, daiyun.ErrorMessage(err)}
			return
		}
		units := r.units(shops)
		if len(units) == 0 {
			return
		}
		fires, cleared, err := e.rule(ctx, r, units, asOf)
		if err != nil {
			results[i].err = &RuleError{r.Name, daiyun.ErrorMessageOrText(err)}
			return
		}
		results[i].fires, results[i].cleared = fires, cleared
	})
	for _, res := range results {
		if res.err != nil {
			out.Errors = append(out.Errors, *res.err)
			continue
		}
		out.Firing = append(out.Firing, res.fires...)
		out.Cleared = append(out.Cleared, res.cleared...)
	}
	sort.SliceStable(out.Firing, func(i, j int) bool {
		a, b := out.Firing[i], out.Firing[j]
		if a.Rule != b.Rule {
			return a.Rule < b.Rule
		}
		return a.Scope < b.Scope
	})
	return out, nil
}

// units expands the rule's scope into the shops or clients it raises
// alerts on.
func (r Rule) units(shops []metrics.ShopInfo) []unit {
	var in []metrics.ShopInfo
	for _, s := range shops {
		switch r.Scope.Kind {
		case ScopeShop:
			if s.ID != r.Scope.ShopID {
				continue
			}
		case ScopeClient:
			if s.ClientID != r.Scope.ClientID {
				continue
			}
		case ScopeCategory:
			if s.Category != r.Scope.Category {
				continue
			}
		}
		in = append(in, s)
	}
	var out []unit
	if r.Scope.Each == "client" {
		idx := map[int64]int{}
		for _, s := range in {
			i, ok := idx[s.ClientID]
			if !ok {
				i = len(out)
				idx[s.ClientID] = i
				out = append(out, unit{clientID: s.ClientID})
			}
			out[i].shops = append(out[i].shops, s)
		}
		return out
	}
	for _, s := range in {
		out = append(out, unit{clientID: s.ClientID, shopID: s.ID, shops: []metrics.ShopInfo{s}})
	}
	return out
}

// ScopeKey is the key of a scope: "shop:12", "client:3", with
// "/channel:search" when the rule breaks the KPI down.
func scopeKey(clientID, shopID int64, by, dim string) string {
	k := "client:" + strconv.FormatInt(clientID, 10)
	if shopID != 0 {
		k = "shop:" + strconv.FormatInt(shopID, 10)
	}
	if by != "" {
		k += "/" + by + ":" + dim
	}
	return k
}

// rule evaluates one rule over its periods and decides, per scope, fire,
// clear or neither (no data).
func (e *Evaluator) rule(ctx context.Context, r Rule, units []unit, asOf daiyun.Date) ([]Firing, []Key, error) {
	n := max(r.Periods, r.ClearPeriods)
	var periods []map[string]obs
	var err error
	if r.Condition.Kind == CondForecastBand {
		periods, err = e.forecastBand(ctx, r, units, asOf, n)
		if err != nil {
			return nil, nil, err
		}
	} else {
		for p := range n {
			from, to := r.period(asOf, p)
			var m map[string]obs
			if r.Condition.Kind == CondDetector {
				m, err = e.detect(ctx, r, units, from, to)
			} else {
				m, err = e.kpi(ctx, r, units, from, to)
			}
			if err != nil {
				return nil, nil, err
			}
			periods = append(periods, m)
		}
	}
	var fires []Firing
	var cleared []Key
	keys := make([]string, 0, len(periods[0]))
	for k := range periods[0] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		o := periods[0][k]
		fire, clear := true, true
		for p := range r.Periods {
			x, ok := periods[p][k]
			fire = fire && ok && x.holds
		}
		for p := range r.ClearPeriods {
			x, ok := periods[p][k]
			clear = clear && ok && !x.holds
		}
		switch {
		case fire:
			from, to := r.period(asOf, 0)
			fires = append(fires, Firing{Rule: r.Name, RuleID: r.ID, Scope: k, ClientID: o.clientID, ShopID: o.shopID, Dim: o.dim,
				KPI: r.KPI, Detector: r.Condition.Detector, Level: r.Level, Colour: r.Colour, Op: r.Condition.Op,
				Value: round(o.value), Thresh: round(o.threshold), Baseline: o.baseline, Currency: o.currency,
				Periods: r.Periods, From: from, To: to, AsOf: asOf})
		case clear:
			cleared = append(cleared, Key{r.ID, r.Name, k})
		}
	}
	return fires, cleared, nil
}

func round(v float64) float64 {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return v
	}
	p := math.Pow(10, 6-math.Ceil(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}

// comparisonOf maps a condition kind to the metrics comparison it needs.
var comparisonOf = map[string]string{
	CondBenchmark: metrics.CompareBenchmark,
	CondTarget:    metrics.CompareTarget,
	CondPrevious:  metrics.ComparePrevious,
	CondLastYear:  metrics.CompareLastYear,
}

// kpi reads the rule's KPI for one period through metrics.Service, one
// query per currency group, and applies the condition.
func (e *Evaluator) kpi(ctx context.Context, r Rule, units []unit, from, to daiyun.Date) (map[string]obs, error) {
	out := map[string]obs{}
	if r.SkipPromotions && touchesPromotion(from, to) {
		return out, nil
	}
	dim := metrics.DimShop
	if r.Scope.Each == "client" {
		dim = metrics.DimClient
	}
	for _, g := range currencyGroups(units) {
		req := metrics.Request{KPIs: []string{r.KPI}, Dimensions: []string{dim}, From: from, To: to, Currency: g.currency}
		if r.By != "" {
			req.Dimensions = append(req.Dimensions, r.By)
		}
		if r.MinOrders > 0 && r.KPI != "orders" {
			req.KPIs = append(req.KPIs, "orders")
		}
		for _, u := range g.units {
			for _, s := range u.shops {
				req.Filters.ShopIDs = append(req.Filters.ShopIDs, s.ID)
			}
		}
		var shifted map[string]metrics.Value
		if c, ok := comparisonOf[r.Condition.Kind]; ok {
			req.Comparisons = []string{c}
			if r.SkipPromotions && (c == metrics.ComparePrevious || c == metrics.CompareLastYear) {
				// Compare with the nearest period before that has no big
				// promotion day, read through the same service.
				bf, bt := cleanBaseline(c, from, to)
				breq := req
				breq.From, breq.To, breq.Comparisons = bf, bt, nil
				bres, err := e.Metrics.Query(ctx, breq)
				if err != nil {
					return nil, fmt.Errorf("%s %s..%s: %w", r.KPI, bf, bt, err)
				}
				shifted = map[string]metrics.Value{}
				for _, row := range bres.Rows {
					for id, v := range row.Values {
						shifted[row.Dims[dim]+"\x00"+row.Dims[r.By]+"\x00"+id] = v
					}
				}
				req.Comparisons = nil
			}
		}
		var budgets map[int64]float64
		if r.Condition.Kind == CondBudget {
			var err error
			if budgets, req.Currency, err = e.budgets(ctx, g, to); err != nil {
				return nil, err
			}
		}
		res, err := e.Metrics.Query(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("%s %s..%s: %w", r.KPI, from, to, err)
		}
		for _, row := range res.Rows {
			v := row.Values[r.KPI]
			if v.Value == nil {
				continue
			}
			if shifted != nil {
				for id, x := range row.Values {
					b := shifted[row.Dims[dim]+"\x00"+row.Dims[r.By]+"\x00"+id].Value
					x.Comparisons = map[string]metrics.Comparison{comparisonOf[r.Condition.Kind]: {Kind: comparisonOf[r.Condition.Kind], Baseline: b}}
					row.Values[id] = x
				}
				v = row.Values[r.KPI]
			}
			if r.MinOrders > 0 && !enoughOrders(row.Values["orders"], r.MinOrders) {
				continue
			}
			o := obs{value: *v.Value, currency: v.Currency, dim: row.Dims[r.By]}
			id, _ := strconv.ParseInt(row.Dims[dim], 10, 64)
			if dim == metrics.DimShop {
				o.shopID = id
				o.clientID = g.clientOf[id]
			} else {
				o.clientID = id
			}
			c := r.Condition
			switch c.Kind {
			case CondAbsolute:
				o.threshold = c.Value
			case CondBudget:
				b, ok := budgets[o.clientID]
				if !ok {
					continue // no contract in force, or no budget set
				}
				o.baseline = &b
				o.threshold = b * float64(r.window()) / 30 * (1 + c.Value)
			default:
				cmp, ok := v.Comparisons[comparisonOf[c.Kind]]
				if !ok || cmp.Baseline == nil || *cmp.Baseline == 0 {
					continue // no benchmark, target or history: nothing to compare with
				}
				b := *cmp.Baseline
				o.baseline = &b
				switch c.Kind {
				case CondBenchmark, CondTarget:
					o.threshold = b * c.Value
				default:
					o.threshold = b * (1 + c.Value)
				}
			}
			o.holds = compare(c.Op, o.value, o.threshold)
			out[scopeKey(o.clientID, o.shopID, r.By, o.dim)] = o
		}
	}
	return out, nil
}

// Promotion seasons around the big shopping festivals of the calendar:
// pre-sales run up to ten days before the day and orders trail off two
// days after it (Spring Festival days come with their own window).
const (
	seasonBefore = 10
	seasonAfter  = 2
)

// touchesPromotion reports whether from..to touches the season of a big
// promotion day of the default calendar.
func touchesPromotion(from, to daiyun.Date) bool {
	cal := forecast.DefaultCalendar(from.Year()-1, to.Year()+1)
	for d := from.AddDate(0, 0, -seasonAfter); !d.After(to.AddDate(0, 0, seasonBefore)); d = d.AddDate(0, 0, 1) {
		label, ok := cal[d.Format("2006-01-02")]
		if !ok {
			continue
		}
		if strings.HasPrefix(label, "spring_festival") {
			if !d.Before(from.Time) && !d.After(to.Time) {
				return true
			}
			continue
		}
		return true
	}
	return false
}

// cleanBaseline returns the period a comparison uses, moved back by its own
// length (or by a year) until it holds no big promotion day.
func cleanBaseline(kind string, from, to daiyun.Date) (daiyun.Date, daiyun.Date) {
	var f, t daiyun.Date
	if kind == metrics.CompareLastYear {
		f, t = metrics.SamePeriodLastYear(from, to)
	} else {
		f, t = metrics.PreviousPeriod(from, to)
	}
	for range 8 {
		if !touchesPromotion(f, t) {
			break
		}
		f, t = metrics.PreviousPeriod(f, t)
	}
	return f, t
}

// enoughOrders reports whether a cell and its comparison periods have at
// least n orders.
func enoughOrders(v metrics.Value, n int) bool {
	if v.Value == nil || *v.Value < float64(n) {
		return false
	}
	for _, c := range v.Comparisons {
		if c.Kind != metrics.ComparePrevious && c.Kind != metrics.CompareLastYear {
			continue
		}
		if c.Baseline == nil || *c.Baseline < float64(n) {
			return false
		}
	}
	return true
}

// group is units whose shops share a currency (or one client with mixed
// currencies, converted to the base currency).
type group struct {
	currency string
	units    []unit
	clientOf map[int64]int64
}

func currencyGroups(units []unit) []group {
	idx := map[string]int{}
	var out []group
	for _, u := range units {
		cur := u.shops[0].Currency
		key := cur
		for _, s := range u.shops {
			if s.Currency != cur {
				cur, key = "", "mixed:"+strconv.FormatInt(u.clientID, 10)
				break
			}
		}
		i, ok := idx[key]
		if !ok {
			i = len(out)
			idx[key] = i
			out = append(out, group{currency: cur, clientOf: map[int64]int64{}})
		}
		out[i].units = append(out[i].units, u)
		for _, s := range u.shops {
			out[i].clientOf[s.ID] = s.ClientID
		}
	}
	return out
}

// contractOn returns the client's contract in force on day.
func (e *Evaluator) contractOn(ctx context.Context, clientID int64, day daiyun.Date) (daiyun.Contract, bool, error) {
	if e.Contracts == nil {
		return daiyun.Contract{}, false, daiyun.Errorf(daiyun.EINVALID, "no contract store configured")
	}
	cs, err := e.Contracts.Contracts(ctx, clientID)
	if err != nil {
		return daiyun.Contract{}, false, err
	}
	var best daiyun.Contract
	found := false
	for _, c := range cs {
		if !day.Before(c.StartDate.Time) && !day.After(c.EndDate.Time) && (!found || c.StartDate.After(best.StartDate.Time)) {
			best, found = c, true
		}
	}
	return best, found, nil
}

// budgets returns the monthly marketing budgets (major units) of the
// group's clients and the currency to ask spend in (the contracts').
func (e *Evaluator) budgets(ctx context.Context, g group, day daiyun.Date) (map[int64]float64, string, error) {
	out := map[int64]float64{}
	currency := g.currency
	for _, u := range g.units {
		c, ok, err := e.contractOn(ctx, u.clientID, day)
		if err != nil {
			return nil, "", err
		}
		if !ok || c.MarketingBudget <= 0 {
			continue
		}
		if currency == "" || currency != c.Currency {
			currency = c.Currency // converted with the FX table when the shops differ
		}
		out[u.clientID] = float64(c.MarketingBudget) / math.Pow10(daiyun.MinorUnits(c.Currency))
	}
	return out, currency, nil
}

// forecastBand reads the KPI by day over the history and the last n days,
// runs an ETS model (additive error and weekly season, bandModel) per
// series over the history before the oldest evaluated day and checks each evaluated day
// against the 95% interval of its forecast. Value is a factor: the day
// must also be at least (1 + value) × the forecast, or at most the
// forecast ÷ (1 + value).
func (e *Evaluator) forecastBand(ctx context.Context, r Rule, units []unit, asOf daiyun.Date, n int) ([]map[string]obs, error) {
	if r.Grain != "day" || r.window() != 1 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "rule %q: a forecast band needs grain day without window_days", r.Name)
	}
	hist := e.ForecastHistory
	if hist <= 0 {
		hist = 56
	}
	minLevel := e.MinForecastLevel
	if minLevel <= 0 {
		minLevel = 3
	}
	from := daiyun.Date{Time: asOf.AddDate(0, 0, -(n - 1 + hist))}
	dim := metrics.DimShop
	if r.Scope.Each == "client" {
		dim = metrics.DimClient
	}
	out := make([]map[string]obs, n)
	for i := range out {
		out[i] = map[string]obs{}
	}
	// The series are per scope, so the shops can be read and fitted in
	// parts side by side (one per core); the parts are merged after.
	var parts []group
	for _, g := range currencyGroups(units) {
		parts = append(parts, g.split(bandParts(len(g.units)))...)
	}
	found := make([][]map[string]obs, len(parts))
	errs := make([]error, len(parts))
	parallel(len(parts), func(i int) {
		found[i], errs[i] = e.bandPart(ctx, r, parts[i], dim, from, asOf, hist, n, minLevel)
	})
	for i := range parts {
		if errs[i] != nil {
			return nil, errs[i]
		}
		for p := range n {
			maps.Copy(out[p], found[i][p])
		}
	}
	return out, nil
}

// bandPart reads one part of the shops by day and checks each series
// against its forecast band (see forecastBand).
func (e *Evaluator) bandPart(ctx context.Context, r Rule, g group, dim string, from, asOf daiyun.Date, hist, n int, minLevel float64) ([]map[string]obs, error) {
	out := make([]map[string]obs, n)
	for i := range out {
		out[i] = map[string]obs{}
	}
	{
		req := metrics.Request{KPIs: []string{r.KPI}, Dimensions: []string{dim}, Grain: metrics.GrainDay, From: from, To: asOf, Currency: g.currency}
		if r.By != "" {
			req.Dimensions = append(req.Dimensions, r.By)
		}
		for _, u := range g.units {
			for _, s := range u.shops {
				req.Filters.ShopIDs = append(req.Filters.ShopIDs, s.ID)
			}
		}
		res, err := e.Metrics.Query(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("%s by day: %w", r.KPI, err)
		}
		type series struct {
			o obs
			y []float64
		}
		days := hist + n
		all := map[string]*series{}
		for _, row := range res.Rows {
			v := row.Values[r.KPI]
			d, err := daiyun.ParseDate(row.Period)
			if err != nil || v.Value == nil {
				continue
			}
			i := int(d.Sub(from.Time).Hours()/24 + 0.5)
			if i < 0 || i >= days {
				continue
			}
			id, _ := strconv.ParseInt(row.Dims[dim], 10, 64)
			o := obs{dim: row.Dims[r.By], currency: v.Currency}
			if dim == metrics.DimShop {
				o.shopID, o.clientID = id, g.clientOf[id]
			} else {
				o.clientID = id
			}
			k := scopeKey(o.clientID, o.shopID, r.By, o.dim)
			s := all[k]
			if s == nil {
				s = &series{o: o, y: make([]float64, days)} // a missing day is 0 visitors
				all[k] = s
			}
			s.y[i] += *v.Value
		}
		for k, s := range all {
			// One fit on the days before the oldest evaluated day, so a
			// spike on one day does not bend the forecast of the next.
			train := s.y[:hist]
			var mean float64
			for _, v := range train {
				mean += v
			}
			if mean /= float64(len(train)); mean < minLevel {
				continue
			}
			m, err := bandModel(clipOutliers(train))
			if err != nil {
				continue
			}
			fc := m.Forecast(n)
			for p := range n {
				f := fc[n-1-p]
				o := s.o
				o.value = s.y[hist+n-1-p]
				base := f.Value
				o.baseline = &base
				factor := 1 + r.Condition.Value
				above := o.value > f.Hi95 && o.value >= base*factor
				// A fall counts only on a series large enough for a third of
				// it to be more than noise.
				below := o.value < f.Lo95 && o.value <= base/factor && base >= minBelowLevel
				switch r.Condition.Op {
				case ">":
					o.holds, o.threshold = above, math.Max(f.Hi95, base*factor)
				case "<":
					o.holds, o.threshold = below, math.Min(f.Lo95, base/factor)
				default:
					o.holds = above || below
					o.threshold = math.Max(f.Hi95, base*factor)
					if below {
						o.threshold = math.Min(f.Lo95, base/factor)
					}
				}
				out[p][k] = o
			}
		}
	}
	return out, nil
}

// minBelowLevel is the least forecast a fall below the band is judged on.
const minBelowLevel = 30

// Smoothing of the forecast-band model: fixed rather than estimated, so a
// band over hundreds of shop × source series costs one pass each (an
// estimated fit costs ~20 ms a series).
const (
	bandAlpha = 0.2
	bandGamma = 0.1
)

// bandModel is ETS(A,N,A) with a weekly season on y: initial seasonal
// states from the mean deviation of each weekday over the first three
// weeks, the initial level from the first two weeks, σ² from the one-step
// errors over the whole history.
func bandModel(y []float64) (*forecast.Model, error) {
	const m = 7
	weeks := min(3, len(y)/m)
	if weeks < 2 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "forecast band: fewer than 14 days of history")
	}
	var mean float64
	for _, v := range y[:weeks*m] {
		mean += v
	}
	mean /= float64(weeks * m)
	seas := make([]float64, m)
	for t, v := range y[:weeks*m] {
		seas[t%m] += (v - mean) / float64(weeks)
	}
	init := append([]float64{mean}, seas...)
	return forecast.NewModel(y, m, forecast.Spec{Error: 'A', Trend: 'N', Season: 'A'}, forecast.Params{Alpha: bandAlpha, Gamma: bandGamma, Init: init})
}

// clipOutliers returns y with values further than 6 robust standard
// deviations (1.4826 × the median absolute deviation, at least 1) from the
// median pulled back to that bound, so an earlier spike in the history
// does not widen the band or lift the forecast after it.
func clipOutliers(y []float64) []float64 {
	med := median(y)
	dev := make([]float64, len(y))
	for i, v := range y {
		dev[i] = math.Abs(v - med)
	}
	bound := 6 * math.Max(1.4826*median(dev), 1)
	out := make([]float64, len(y))
	for i, v := range y {
		out[i] = math.Max(med-bound, math.Min(med+bound, v))
	}
	return out
}

func median(y []float64) float64 {
	s := slices.Clone(y)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Backtest replays the rules over the days days ending at asOf (oldest
// first) and returns, per day, the alerts that would have opened: a scope
// opens when it fires and no alert of the rule is open on it, and an open
// alert closes when its condition clears.
func (e *Evaluator) Backtest(ctx context.Context, rules []Rule, asOf daiyun.Date, days int) ([]Firing, []RuleError, error) {
	open := map[Key]bool{}
	var opened []Firing
	var errs []RuleError
	for i := days - 1; i >= 0; i-- {
		day := daiyun.Date{Time: asOf.AddDate(0, 0, -i)}
		o, err := e.Evaluate(ctx, rules, day)
		if err != nil {
			return nil, nil, err
		}
		for _, re := range o.Errors {
			if !slices.Contains(errs, re) {
				errs = append(errs, re)
			}
		}
		for _, f := range o.Firing {
			k := Key{Rule: f.Rule, Scope: f.Scope}
			if !open[k] {
				open[k] = true
				opened = append(opened, f)
			}
		}
		for _, c := range o.Cleared {
			delete(open, Key{Rule: c.Rule, Scope: c.Scope})
		}
	}
	return opened, errs, nil
}
