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
	currency string // currency of money values in the result
	convert  bool   // money is converted from the shops' currencies with FX
	queries  []*compiled
}

// compiled is one SQL statement over one source.
type compiled struct {
	src      *source
	measures []*Measure
	fx       bool // grouped further by shop and day so money can be converted at each day's rate
	period   bool // the first key column is the period
	ndims    int  // key columns after the period (request dimensions)
	SQL      string
	Args     []any
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
func newPlan(req Request, d warehouse.Dialect, tenants daiyun.Tenants, shops []ShopInfo, currency string, convert bool) (*plan, error) {
	p := &plan{req: req, dialect: dialect{d}, tenants: tenants, shops: shops, currency: currency, convert: convert,
		shopByID: map[int64]ShopInfo{}}
	for _, s := range shops {
		p.shopByID[s.ID] = s
	}
	// Measures grouped by source (and by money when converting), in a
	// stable order so the same request always gives the same SQL.
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
	if fx {
		keys = append(keys, "f.shop_id")
		if src.day != "" {
			keys = append(keys, src.day)
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
