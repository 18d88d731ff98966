package metrics

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/warehouse"
)

// dialect holds the few spellings that differ between the engines. Every
// ratio is divided in Go with exact rationals, so integer division, casts to
// floating point and NaN never reach the SQL.
type dialect struct{ name warehouse.Dialect }

// secondsBetween is the whole seconds from a to b (b ≥ a).
func (d dialect) secondsBetween(a, b string) string {
	if d.name == warehouse.Postgres {
		return fmt.Sprintf("CAST(FLOOR(EXTRACT(EPOCH FROM (%s - %s))) AS BIGINT)", b, a)
	}
	return fmt.Sprintf("date_sub('second', %s, %s)", a, b)
}

// bucket truncates a DATE expression to the grain. date_trunc on a DATE
// answers a timestamp (with zone in PostgreSQL), so the day is cast to a
// plain TIMESTAMP first and the result back to DATE: the same in both.
func (d dialect) bucket(g Grain, day string) string {
	if g == GrainDay {
		return day
	}
	return fmt.Sprintf("CAST(date_trunc('%s', CAST(%s AS TIMESTAMP)) AS DATE)", string(g), day)
}

// plan is a compiled request: the queries to run and how to read them.
type plan struct {
	req      Request
	dialect  dialect
	tenants  daiyun.Tenants
	shops    []ShopInfo
	shopByID map[int64]ShopInfo
	kpis     []*KPI
	currency string    // currency of money values in the result
	convert  bool      // money is converted from the shops' currencies with FX
	steps    rateSteps // where the conversion rates change within the range
	queries  []*compiled
}

// compiled is one SQL statement over one source.
type compiled struct {
	src      *source
	measures []*Measure
	// fx: the money measures are converted. The rows are then keyed
	// further, where the cell alone does not say, by the shops' currency
	// (curCol) and by the rate period (perCol: the first day of the
	// period, or the day itself): the columns after the dimensions, -1
	// when absent.
	fx     bool
	curCol int
	perCol int
	period bool // the first key column is the period
	ndims  int  // key columns after the period (request dimensions)
	SQL    string
	Args   []any
	// Floor, when set, runs first with the range's two arguments; its
	// answer is the last argument of SQL (see source.floor).
	Floor string
}

// sqlString quotes a literal. Only catalog values (platform, category)
// are written this way; everything a user types goes in as an argument.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func intList(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ",")
}

// newPlan compiles the request for the selected shops. req must be
// validated; shops must all belong to tenants.
func newPlan(req Request, d warehouse.Dialect, tenants daiyun.Tenants, shops []ShopInfo, currency string, convert bool, steps rateSteps) (*plan, error) {
	p := &plan{req: req, dialect: dialect{d}, tenants: tenants, shops: shops, currency: currency, convert: convert,
		steps: steps, shopByID: map[int64]ShopInfo{}}
	for _, s := range shops {
		p.shopByID[s.ID] = s
	}
	// Measures grouped by source, in a stable order so the same request
	// always gives the same SQL. When converting, a source's money
	// measures go in one statement keyed further by currency and rate
	// period; the others stay in their own statement only when those
	// extra keys would split a cell (a distinct count cannot be summed
	// over the parts), otherwise one statement reads the source once.
	type group struct {
		src string
		fx  bool
	}
	byGroup := map[group][]*Measure{}
	seen := map[string]bool{}
	for _, id := range req.KPIs {
		k := kpiByID[id]
		p.kpis = append(p.kpis, k)
		for _, mid := range []string{k.Num, k.Den, k.Sub} {
			if mid == "" || seen[mid] {
				continue
			}
			seen[mid] = true
			me := measures[mid]
			g := group{src: me.Source, fx: convert && me.Money}
			byGroup[g] = append(byGroup[g], me)
		}
	}
	if convert {
		for g, ms := range byGroup {
			money := group{src: g.src, fx: true}
			if !g.fx && byGroup[money] != nil && !p.fxSplits(sources[g.src]) {
				byGroup[money] = append(byGroup[money], ms...)
				delete(byGroup, g)
			}
		}
	}
	groups := make([]group, 0, len(byGroup))
	for g := range byGroup {
		groups = append(groups, g)
	}
	sort.Slice(groups, func(i, j int) bool {
		if groups[i].src != groups[j].src {
			return groups[i].src < groups[j].src
		}
		return !groups[i].fx && groups[j].fx
	})
	for _, g := range groups {
		ms := byGroup[g]
		sort.Slice(ms, func(i, j int) bool { return ms[i].ID < ms[j].ID })
		q, err := p.compile(sources[g.src], ms, g.fx)
		if err != nil {
			return nil, err
		}
		p.queries = append(p.queries, q)
	}
	return p, nil
}

// shopDimExpr writes a catalog dimension as SQL over the source's shop and
// tenant columns.
func (p *plan) shopDimExpr(dim string) string {
	switch dim {
	case DimShop:
		return "f.shop_id"
	case DimClient:
		return "f.tenant_id"
	}
	var b strings.Builder
	b.WriteString("CASE f.shop_id")
	for _, s := range p.shops {
		v := s.Platform
		if dim == DimCategory {
			v = s.Category
		}
		fmt.Fprintf(&b, " WHEN %d THEN %s", s.ID, sqlString(v))
	}
	b.WriteString(" ELSE '' END")
	return b.String()
}

// dimExpr returns the SQL of a dimension on a source and the join it needs.
func (p *plan) dimExpr(src *source, dim string) (string, string, error) {
	if shopDims[dim] {
		return p.shopDimExpr(dim), "", nil
	}
	ds, ok := src.dims[dim]
	if !ok {
		return "", "", fmt.Errorf("metrics: source %s has no dimension %s", src.id, dim)
	}
	return ds.expr, ds.join, nil
}

// singleShop reports whether every cell lies within one shop, so a SKU
// code alone identifies a SKU.
func (p *plan) singleShop() bool {
	return len(p.shops) == 1 || slices.Contains(p.req.Dimensions, DimShop)
}

// singleTenant reports whether every cell lies within one client, so a
// customer id alone identifies a buyer (ids are pseudonymised per client).
func (p *plan) singleTenant() bool {
	return len(p.tenants.IDs()) == 1 || slices.Contains(p.req.Dimensions, DimShop) || slices.Contains(p.req.Dimensions, DimClient)
}

// expand replaces the compiler's placeholders (other than {{tenants}}, which
// the warehouse expands) in a SQL fragment.
func (p *plan) expand(s string) string {
	ids := make([]int64, len(p.shops))
	for i, sh := range p.shops {
		ids[i] = sh.ID
	}
	list := intList(ids)
	if len(ids) == 0 {
		list = "NULL"
	}
	f := p.req.Filters
	// Every shop of the tenants is wanted: the tenant filter already says
	// so, and a long IN list would only slow the scan.
	whole := len(f.ShopIDs) == 0 && len(f.Platforms) == 0 && len(f.Categories) == 0 && len(ids) > 0
	for {
		i := strings.Index(s, "{{shops:")
		if i < 0 {
			break
		}
		j := strings.Index(s[i:], "}}")
		alias := s[i+len("{{shops:") : i+j]
		cond := alias + ".shop_id IN (" + list + ")"
		if whole {
			cond = "TRUE"
		}
		s = s[:i] + cond + s[i+j+2:]
	}
	cust := "f.customer_id"
	if !p.singleTenant() {
		cust = "CAST(f.tenant_id AS TEXT) || ':' || f.customer_id"
	}
	s = strings.ReplaceAll(s, "{{cust}}", cust)
	sku := "l.sku_id"
	if !p.singleShop() {
		sku = "CAST(l.shop_id AS TEXT) || ':' || l.sku_id"
	}
	s = strings.ReplaceAll(s, "{{sku}}", sku)
	for {
		i := strings.Index(s, "{{secs:")
		if i < 0 {
			break
		}
		j := strings.Index(s[i:], "}}")
		ab := strings.SplitN(s[i+len("{{secs:"):i+j], ",", 2)
		s = s[:i] + p.dialect.secondsBetween(ab[0], ab[1]) + s[i+j+2:]
	}
	return s
}

// compile writes the SQL of some measures over one source.
func (p *plan) compile(src *source, ms []*Measure, fx bool) (*compiled, error) {
	q := &compiled{src: src, measures: ms, fx: fx}
	joins := map[string]bool{}
	var keys []string // key expressions
	if p.req.Grain != GrainNone && src.day != "" {
		keys = append(keys, p.dialect.bucket(p.req.Grain, src.day))
		q.period = true
	}
	for _, d := range p.req.Dimensions {
		e, j, err := p.dimExpr(src, d)
		if err != nil {
			return nil, err
		}
		if j != "" {
			joins[j] = true
		}
		keys = append(keys, e)
	}
	q.ndims = len(p.req.Dimensions)
	q.curCol, q.perCol = -1, -1
	if fx {
		extra := 0
		if e := p.currencyKey(); e != "" {
			keys = append(keys, e)
			q.curCol, extra = extra, extra+1
		}
		if e := p.periodKey(src); e != "" {
			keys = append(keys, e)
			q.perCol = extra
		}
	}
	for _, me := range ms {
		for _, j := range me.joins {
			joins[j] = true
		}
	}
	if src.perCustomer {
		for _, j := range src.innerJoins {
			joins[j] = true
		}
	}
	from, where, args, err := p.fromWhere(src, joins)
	if err != nil {
		return nil, err
	}
	q.Args = args
	if src.floor != "" {
		q.Floor = p.expand(src.floor)
		where += " AND " + src.floorCol + " >= CAST($" + strconv.Itoa(len(args)+1) + " AS DATE)"
	}

	var b strings.Builder
	if !src.perCustomer {
		b.WriteString("SELECT ")
		var cols []string
		for i, k := range keys {
			cols = append(cols, fmt.Sprintf("%s AS k%d", k, i))
		}
		for i, me := range ms {
			cols = append(cols, fmt.Sprintf("CAST(%s AS BIGINT) AS m%d", me.Expr, i))
		}
		b.WriteString(strings.Join(cols, ", "))
		b.WriteString(" FROM " + from + " WHERE " + where)
		writeGroupBy(&b, len(keys))
	} else {
		var inner, outer []string
		for i, k := range keys {
			inner = append(inner, fmt.Sprintf("%s AS k%d", k, i))
			outer = append(outer, fmt.Sprintf("c.k%d AS k%d", i, i))
		}
		innerGroup := len(keys)
		inner = append(inner, src.customer, src.inner)
		for i, me := range ms {
			outer = append(outer, fmt.Sprintf("CAST(%s AS BIGINT) AS m%d", me.Expr, i))
		}
		b.WriteString("SELECT " + strings.Join(outer, ", ") + " FROM (SELECT " + strings.Join(inner, ", "))
		b.WriteString(" FROM " + from + " WHERE " + where)
		b.WriteString(" GROUP BY ")
		var g []string
		for i := 0; i < innerGroup; i++ {
			g = append(g, strconv.Itoa(i+1))
		}
		g = append(g, src.customer)
		b.WriteString(strings.Join(g, ", "))
		b.WriteString(") c")
		writeGroupBy(&b, len(keys))
	}
	q.SQL = p.expand(b.String())
	return q, nil
}

// currencies lists the shops' currencies, sorted.
func (p *plan) currencies() []string {
	var out []string
	for _, sh := range p.shops {
		if !slices.Contains(out, sh.Currency) {
			out = append(out, sh.Currency)
		}
	}
	sort.Strings(out)
	return out
}

// currencyKey is the SQL of the shop currency as a key column, or "" when
// the cell already says it: one currency among the shops, or the shop is a
// dimension (the currency is then read from the shop's key).
func (p *plan) currencyKey() string {
	curs := p.currencies()
	if len(curs) <= 1 || slices.Contains(p.req.Dimensions, DimShop) {
		return ""
	}
	// The currency with the most shops is the ELSE branch: the shortest
	// SQL.
	byCur := map[string][]int64{}
	for _, sh := range p.shops {
		byCur[sh.Currency] = append(byCur[sh.Currency], sh.ID)
	}
	most := curs[0]
	for _, c := range curs {
		if len(byCur[c]) > len(byCur[most]) {
			most = c
		}
	}
	var b strings.Builder
	b.WriteString("CASE")
	for _, c := range curs {
		if c != most {
			fmt.Fprintf(&b, " WHEN f.shop_id IN (%s) THEN %s", intList(byCur[c]), sqlString(c))
		}
	}
	fmt.Fprintf(&b, " ELSE %s END", sqlString(most))
	return b.String()
}

// periodKey is the SQL of the rate period as a key column: the first day
// of the period the row's day lies in, the day itself when the rates may
// change any day, or "" when one rate per currency holds over the whole
// range (or the source has no day).
func (p *plan) periodKey(src *source) string {
	switch {
	case src.day == "":
		return ""
	case !p.steps.known:
		return src.day
	case len(p.steps.days) == 0:
		return ""
	}
	var b strings.Builder
	b.WriteString("CASE")
	start := p.req.From
	for _, d := range p.steps.days {
		fmt.Fprintf(&b, " WHEN %s < CAST('%s' AS DATE) THEN '%s'", src.day, d, start)
		start = d
	}
	fmt.Fprintf(&b, " ELSE '%s' END", start)
	return b.String()
}

// fxSplits reports whether the extra keys of a converted statement over
// src would split a cell into several rows.
func (p *plan) fxSplits(src *source) bool {
	if p.currencyKey() != "" {
		return true
	}
	if p.periodKey(src) == "" {
		return false
	}
	if !p.steps.known {
		return p.req.Grain != GrainDay
	}
	// Each rate change must start a period of the grain.
	if p.req.Grain == GrainNone {
		return true
	}
	for _, d := range p.steps.days {
		if !truncate(p.req.Grain, d.Time).Equal(d.Time) {
			return true
		}
	}
	return false
}

// fromWhere writes the FROM body (with the joins asked for) and the WHERE
// condition of a source: tenants and shops, the period, the source's row
// rule and the request's filters. $1 and $2 are the range; filter values
// follow as arguments.
func (p *plan) fromWhere(src *source, joins map[string]bool) (string, string, []any, error) {
	args := []any{p.req.From.String(), p.req.To.String()}
	where := []string{src.scope}
	if src.day != "" {
		where = append(where, src.day+" >= CAST($1 AS DATE)", src.day+" <= CAST($2 AS DATE)")
		if src.prune != "" {
			where = append(where, strings.ReplaceAll(src.prune, "$to", "CAST($2 AS DATE)"))
		}
	} else {
		// Keep $1 and $2 used so both engines accept the same arguments.
		where = append(where, "CAST($1 AS DATE) <= CAST($2 AS DATE)")
	}
	if src.where != "" {
		where = append(where, src.where)
	}
	ff := p.req.Filters.factFilters()
	fdims := make([]string, 0, len(ff))
	for d := range ff {
		fdims = append(fdims, d)
	}
	sort.Strings(fdims)
	for _, d := range fdims {
		e, j, err := p.dimExpr(src, d)
		if err != nil {
			return "", "", nil, err
		}
		if j != "" {
			joins[j] = true
		}
		ph := make([]string, len(ff[d]))
		for i, v := range ff[d] {
			args = append(args, v)
			ph[i] = "$" + strconv.Itoa(len(args))
		}
		where = append(where, e+" IN ("+strings.Join(ph, ", ")+")")
	}
	from := src.from
	jn := make([]string, 0, len(joins))
	for j := range joins {
		jn = append(jn, j)
	}
	sort.Strings(jn)
	for _, j := range jn {
		from += " " + src.joins[j]
	}
	return from, strings.Join(where, " AND "), args, nil
}

func writeGroupBy(b *strings.Builder, n int) {
	if n == 0 {
		return
	}
	g := make([]string, n)
	for i := range g {
		g[i] = strconv.Itoa(i + 1)
	}
	b.WriteString(" GROUP BY " + strings.Join(g, ", "))
}

// Time buckets, cut on calendar days.

func truncate(g Grain, t time.Time) time.Time {
	y, m, d := t.Date()
	switch g {
	case GrainWeek:
		wd := (int(t.Weekday()) + 6) % 7 // Monday = 0
		return time.Date(y, m, d-wd, 0, 0, 0, 0, time.UTC)
	case GrainMonth:
		return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	case GrainQuarter:
		return time.Date(y, m-(m-1)%3, 1, 0, 0, 0, 0, time.UTC)
	case GrainYear:
		return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func nextBucket(g Grain, t time.Time) time.Time {
	switch g {
	case GrainWeek:
		return t.AddDate(0, 0, 7)
	case GrainMonth:
		return t.AddDate(0, 1, 0)
	case GrainQuarter:
		return t.AddDate(0, 3, 0)
	case GrainYear:
		return t.AddDate(1, 0, 0)
	}
	return t.AddDate(0, 0, 1)
}

// buckets lists the period starts covering from..to.
func buckets(g Grain, from, to time.Time) []time.Time {
	var out []time.Time
	for t := truncate(g, from); !t.After(to); t = nextBucket(g, t) {
		out = append(out, t)
	}
	return out
}

// periodRange is the days a period covers, clipped to the request range.
func periodRange(g Grain, start string, from, to daiyun.Date) (daiyun.Date, daiyun.Date) {
	if g == GrainNone || start == "" {
		return from, to
	}
	s, err := time.Parse(time.DateOnly, start)
	if err != nil {
		return from, to
	}
	e := nextBucket(g, s).AddDate(0, 0, -1)
	if s.Before(from.Time) {
		s = from.Time
	}
	if e.After(to.Time) {
		e = to.Time
	}
	return daiyun.Date{Time: s}, daiyun.Date{Time: e}
}

// dimsAreShopDims reports whether every dimension comes from the catalog,
// so the full set of keys is known without reading facts.
func dimsAreShopDims(dims []string) bool {
	return !slices.ContainsFunc(dims, func(d string) bool { return !shopDims[d] })
}
