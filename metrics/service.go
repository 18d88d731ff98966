package metrics

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/warehouse"
)

// DefaultBaseCurrency is the currency mixed-currency figures are converted
// into when the request names none.
const DefaultBaseCurrency = "CNY"

// Service computes KPIs over the warehouse. Warehouse and Shops are
// required; FX is needed only for mixed-currency results; Targets,
// Benchmarks and PeerTenants only for those comparisons.
type Service struct {
	Warehouse  warehouse.Warehouse
	Shops      Shops
	FX         FX
	Targets    Targets
	Benchmarks Benchmarks
	// PeerTenants returns every client of the agency, for the percentile
	// comparison (see Peers). The caller builds it with its own authority;
	// nil disables the percentile comparison.
	PeerTenants func(ctx context.Context) (daiyun.Tenants, error)
	// BaseCurrency defaults to CNY.
	BaseCurrency string
}

// Result is the answer to a Request: one row per cell.
type Result struct {
	Request Request `json:"request"`
	// Dimensions are the key columns of Rows, after "period" when the
	// request has a grain.
	Dimensions []string `json:"dimensions"`
	// Currency is the currency of every money value; Converted says it was
	// converted from the shops' own currencies with the dated FX table.
	Currency  string `json:"currency"`
	Converted bool   `json:"converted"`
	FXNote    string `json:"fx_note,omitempty"`
	Rows      []Row  `json:"rows"`
	// Queries are the exact statements that ran, with their arguments.
	Queries []Executed `json:"queries"`
}

// Row is one cell: its key and a value per KPI.
type Row struct {
	Period string            `json:"period,omitempty"` // first day of the period (the grain's bucket)
	Dims   map[string]string `json:"dims,omitempty"`
	Values map[string]Value  `json:"values"`
}

// Value is one KPI in one cell. Value is nil when the KPI has no value
// there (a zero denominator).
type Value struct {
	Value       *float64              `json:"value"`
	Num         *float64              `json:"num,omitempty"`
	Den         *float64              `json:"den,omitempty"`
	Currency    string                `json:"currency,omitempty"`
	Comparisons map[string]Comparison `json:"comparisons,omitempty"`
}

// Executed is one statement as it ran: the SQL given to Warehouse.Query
// (with the {{tenants}} placeholder) and its arguments.
type Executed struct {
	Source string `json:"source"`
	SQL    string `json:"sql"`
	Args   []any  `json:"args"`
}

// cell accumulates the measures of one key.
type cell struct {
	key []string // period, then dimensions
	m   map[string]num
}

func (c *cell) add(id string, v num) { c.m[id] = c.m[id].add(v) }

// Query answers a request for the actor in ctx.
func (s *Service) Query(ctx context.Context, req Request) (*Result, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	tenants, shops, err := s.scope(ctx, req)
	if err != nil {
		return nil, err
	}
	res, err := s.run(ctx, req, tenants, shops)
	if err != nil {
		return nil, err
	}
	if len(req.Comparisons) > 0 {
		if err := s.compare(ctx, res, tenants, shops); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// scope resolves the request's clients and shops for the actor: the
// tenants come from daiyun.TenantsFor, so a client the actor may not see
// answers not found.
func (s *Service) scope(ctx context.Context, req Request) (daiyun.Tenants, []ShopInfo, error) {
	all, err := s.Shops.Shops(ctx)
	if err != nil {
		return daiyun.Tenants{}, nil, fmt.Errorf("metrics: shops: %w", err)
	}
	actor := daiyun.ActorFrom(ctx)
	byID := map[int64]ShopInfo{}
	for _, sh := range all {
		byID[sh.ID] = sh
	}
	f := req.Filters
	clients := slices.Clone(f.ClientIDs)
	for _, id := range f.ShopIDs {
		sh, ok := byID[id]
		if !ok || !actor.CanSeeClient(sh.ClientID) {
			return daiyun.Tenants{}, nil, daiyun.Errorf(daiyun.ENOTFOUND, "shop %d not found", id)
		}
		if len(f.ClientIDs) > 0 && !slices.Contains(f.ClientIDs, sh.ClientID) {
			return daiyun.Tenants{}, nil, daiyun.Errorf(daiyun.ENOTFOUND, "shop %d not found", id)
		}
		if !slices.Contains(clients, sh.ClientID) {
			clients = append(clients, sh.ClientID)
		}
	}
	if len(clients) == 0 {
		ids, everyone := actor.VisibleClients()
		if everyone {
			for _, sh := range all {
				if !slices.Contains(ids, sh.ClientID) {
					ids = append(ids, sh.ClientID)
				}
			}
		}
		clients = ids
	}
	slices.Sort(clients)
	if len(clients) == 0 {
		return daiyun.Tenants{}, nil, daiyun.Errorf(daiyun.ENOTFOUND, "no client found")
	}
	tenants, err := daiyun.TenantsFor(ctx, clients...)
	if err != nil {
		return daiyun.Tenants{}, nil, err
	}
	var shops []ShopInfo
	for _, sh := range all {
		if !slices.Contains(clients, sh.ClientID) ||
			(len(f.ShopIDs) > 0 && !slices.Contains(f.ShopIDs, sh.ID)) ||
			(len(f.Platforms) > 0 && !slices.Contains(f.Platforms, sh.Platform)) ||
			(len(f.Categories) > 0 && !slices.Contains(f.Categories, sh.Category)) {
			continue
		}
		shops = append(shops, sh)
	}
	sort.Slice(shops, func(i, j int) bool { return shops[i].ID < shops[j].ID })
	return tenants, shops, nil
}

// currencyFor decides the result currency and whether money is converted.
func (s *Service) currencyFor(req Request, shops []ShopInfo) (string, bool) {
	base := s.BaseCurrency
	if base == "" {
		base = DefaultBaseCurrency
	}
	var curs []string
	for _, sh := range shops {
		if !slices.Contains(curs, sh.Currency) {
			curs = append(curs, sh.Currency)
		}
	}
	target := req.Currency
	if target == "" {
		if len(curs) == 1 {
			return curs[0], false
		}
		target = base
	}
	if len(curs) == 0 || (len(curs) == 1 && curs[0] == target) {
		return target, false
	}
	return target, true
}

// run compiles and executes the request over tenants and shops.
func (s *Service) run(ctx context.Context, req Request, tenants daiyun.Tenants, shops []ShopInfo) (*Result, error) {
	currency, convert := s.currencyFor(req, shops)
	hasMoney := false
	for _, id := range req.KPIs {
		for _, me := range kpiByID[id].Measures {
			hasMoney = hasMoney || me.Money
		}
	}
	convert = convert && hasMoney
	var steps rateSteps
	if convert {
		var err error
		if steps, err = s.rateSteps(ctx, shops, currency, req.From, req.To); err != nil {
			return nil, err
		}
	}
	p, err := newPlan(req, s.Warehouse.Dialect(), tenants, shops, currency, convert, steps)
	if err != nil {
		return nil, err
	}
	res := &Result{Request: req, Currency: currency, Converted: convert, Dimensions: slices.Clone(req.Dimensions)}
	if req.Grain != GrainNone {
		res.Dimensions = append([]string{DimPeriod}, res.Dimensions...)
	}
	if convert {
		res.FXNote = fmt.Sprintf("money converted to %s at each day's rate from the FX table", currency)
	}
	cells := map[string]*cell{}
	static := map[string]*cell{}
	if len(shops) > 0 {
		// The sources are independent: run them side by side, each into
		// its own cells, and merge.
		fx := &rateCache{fx: s.FX, to: currency, rates: map[string]*big.Rat{}}
		parts := make([]map[string]*cell, len(p.queries))
		errs := make([]error, len(p.queries))
		var wg sync.WaitGroup
		for i, q := range p.queries {
			parts[i] = map[string]*cell{}
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.exec(ctx, p, q, parts[i], fx)
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return nil, err
		}
		for i, q := range p.queries {
			target := cells
			if q.src.day == "" {
				target = static
			}
			for _, c := range parts[i] {
				t := getCell(target, c.key)
				for id, v := range c.m {
					t.add(id, v)
				}
			}
		}
	}
	// The statements as they ran (as they would run, without shops), each
	// after its floor query.
	for _, q := range p.queries {
		if q.Floor != "" {
			res.Queries = append(res.Queries, Executed{Source: q.src.id + ":floor", SQL: q.Floor, Args: q.Args[:2]})
		}
		res.Queries = append(res.Queries, Executed{Source: q.src.id, SQL: q.SQL, Args: q.Args})
	}
	p.densify(cells, static)
	res.Rows = p.rows(cells, static)
	return res, nil
}

// exec runs one compiled query and adds its measures into the cells.
func (s *Service) exec(ctx context.Context, p *plan, q *compiled, cells map[string]*cell, fx *rateCache) error {
	if q.Floor != "" {
		floor, err := s.floor(ctx, p, q)
		if err != nil {
			return err
		}
		q.Args = append(q.Args, floor)
	}
	rows, err := s.Warehouse.Query(ctx, p.tenants, q.SQL, q.Args...)
	if err != nil {
		return fmt.Errorf("metrics: %s: %w", q.src.id, err)
	}
	defer rows.Close()
	nkeys := q.ndims
	if q.period {
		nkeys++
	}
	extra := 0
	if q.curCol >= 0 {
		extra++
	}
	if q.perCol >= 0 {
		extra++
	}
	shopCol := slices.Index(p.req.Dimensions, DimShop)
	curs := p.currencies()
	vals := make([]any, nkeys+extra+len(q.measures))
	keyv := make([]keyScan, nkeys+extra)
	nums := make([]numScan, len(q.measures))
	for i := range keyv {
		vals[i] = &keyv[i]
	}
	for i := range nums {
		vals[nkeys+extra+i] = &nums[i]
	}
	for rows.Next() {
		if err := rows.Scan(vals...); err != nil {
			return fmt.Errorf("metrics: %s: scan: %w", q.src.id, err)
		}
		key := make([]string, 0, 1+q.ndims)
		if q.period {
			key = append(key, keyv[0].s)
		} else {
			key = append(key, "")
		}
		for i := 0; i < q.ndims; i++ {
			key = append(key, keyv[nkeys-q.ndims+i].s)
		}
		c := getCell(cells, key)
		var rate *big.Rat
		if q.fx {
			// The row's currency: the only one, the shop's, or its own
			// key column.
			cur := curs[0]
			switch {
			case q.curCol >= 0:
				cur = keyv[nkeys+q.curCol].s
			case len(curs) > 1:
				shopID, _ := strconv.ParseInt(keyv[nkeys-q.ndims+shopCol].s, 10, 64)
				cur = p.shopByID[shopID].Currency
			}
			// The rate's day: the first day of the row's rate period (or
			// the row's day); the range's first day when one rate holds
			// throughout, its last for a source without days.
			day := p.req.From
			if q.src.day == "" {
				day = p.req.To
			}
			if q.perCol >= 0 {
				text := keyv[nkeys+q.perCol].s
				if day, err = daiyun.ParseDate(text); err != nil {
					return fmt.Errorf("metrics: %s: rate period %q: %w", q.src.id, text, err)
				}
			}
			if rate, err = fx.minorRate(ctx, cur, day); err != nil {
				return err
			}
		}
		for i, me := range q.measures {
			v := nums[i].n
			if rate != nil && me.Money && v.sign() != 0 {
				v = v.mulRat(rate)
			}
			c.add(me.ID, v)
		}
	}
	return rows.Err()
}

// floor runs a statement's floor query: the lower bound it adds to its
// own WHERE. With no rows to bound, nothing counts anyway and the range's
// first day serves.
func (s *Service) floor(ctx context.Context, p *plan, q *compiled) (string, error) {
	rows, err := s.Warehouse.Query(ctx, p.tenants, q.Floor, q.Args[:2]...)
	if err != nil {
		return "", fmt.Errorf("metrics: %s floor: %w", q.src.id, err)
	}
	defer rows.Close()
	var k keyScan
	for rows.Next() {
		if err := rows.Scan(&k); err != nil {
			return "", fmt.Errorf("metrics: %s floor: %w", q.src.id, err)
		}
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	if k.s == "" {
		return p.req.From.String(), nil
	}
	return k.s, nil
}

func getCell(cells map[string]*cell, key []string) *cell {
	k := strings.Join(key, "\x1f")
	c := cells[k]
	if c == nil {
		c = &cell{key: key, m: make(map[string]num, 8)}
		cells[k] = c
	}
	return c
}

// densify adds the cells that have no fact rows, so a day without orders
// shows 0 rather than disappearing: every period for every key that the
// catalog knows (dimensions from the catalog only) or that was seen.
func (p *plan) densify(cells, static map[string]*cell) {
	dims := p.req.Dimensions
	var keys [][]string
	if dimsAreShopDims(dims) {
		seen := map[string]bool{}
		for _, sh := range p.shops {
			var k []string
			for _, d := range dims {
				k = append(k, p.shopDimValue(sh, d))
			}
			if j := strings.Join(k, "\x1f"); !seen[j] {
				seen[j] = true
				keys = append(keys, k)
			}
		}
		if len(p.shops) == 0 && len(dims) == 0 {
			keys = append(keys, nil)
		}
	} else if p.req.Grain != GrainNone {
		seen := map[string]bool{}
		for _, c := range cells {
			if j := strings.Join(c.key[1:], "\x1f"); !seen[j] {
				seen[j] = true
				keys = append(keys, c.key[1:])
			}
		}
		for _, c := range static {
			if j := strings.Join(c.key[1:], "\x1f"); !seen[j] {
				seen[j] = true
				keys = append(keys, c.key[1:])
			}
		}
	} else {
		for _, c := range static {
			getCell(cells, c.key)
		}
		return
	}
	periods := []string{""}
	if p.req.Grain != GrainNone {
		periods = nil
		for _, t := range buckets(p.req.Grain, p.req.From.Time, p.req.To.Time) {
			periods = append(periods, t.Format(time.DateOnly))
		}
	}
	for _, k := range keys {
		for _, per := range periods {
			getCell(cells, append([]string{per}, k...))
		}
	}
}

func (p *plan) shopDimValue(sh ShopInfo, d string) string {
	switch d {
	case DimShop:
		return strconv.FormatInt(sh.ID, 10)
	case DimClient:
		return strconv.FormatInt(sh.ClientID, 10)
	case DimPlatform:
		return sh.Platform
	case DimCategory:
		return sh.Category
	}
	return ""
}

// rows turns the cells into result rows.
func (p *plan) rows(cells, static map[string]*cell) []Row {
	list := make([]*cell, 0, len(cells))
	for _, c := range cells {
		list = append(list, c)
	}
	sortCells(list)
	minor := int64(1)
	for range daiyun.MinorUnits(p.currency) {
		minor *= 10
	}
	out := make([]Row, 0, len(list))
	var stKey strings.Builder
	for _, c := range list {
		var st *cell
		if len(static) > 0 {
			stKey.Reset()
			for _, k := range c.key[1:] {
				stKey.WriteString("\x1f")
				stKey.WriteString(k)
			}
			st = static[stKey.String()]
		}
		get := func(id string) num {
			src := c
			if sources[measures[id].Source].day == "" {
				src = st
			}
			if src == nil {
				return num{}
			}
			return src.m[id]
		}
		r := Row{Period: c.key[0], Values: make(map[string]Value, len(p.kpis))}
		if len(p.req.Dimensions) > 0 {
			r.Dims = make(map[string]string, len(p.req.Dimensions))
			for i, d := range p.req.Dimensions {
				r.Dims[d] = c.key[1+i]
			}
		}
		for _, k := range p.kpis {
			r.Values[k.ID] = p.value(k, get, minor)
		}
		out = append(out, r)
	}
	return out
}

// value computes one KPI from its measures: Num ÷ Den × Scale, Num − Sub
// or Num, money in major units, each correctly rounded from the exact
// value.
func (p *plan) value(k *KPI, get func(string) num, minor int64) Value {
	v := Value{}
	if k.Unit == UnitMoney {
		v.Currency = p.currency
	}
	one := num{i: 1}
	show := func(id string, n num) *float64 {
		d := int64(1)
		if measures[id].Money {
			d = minor
		}
		f := ratio(n, one, 1, d)
		return &f
	}
	sd := k.scaleD
	if k.Unit == UnitMoney {
		sd *= minor
	}
	n := get(k.Num)
	v.Num = show(k.Num, n)
	var x float64
	switch {
	case k.Den != "":
		den := get(k.Den)
		v.Den = show(k.Den, den)
		if den.sign() == 0 {
			return v
		}
		x = ratio(n, den, k.scaleN, sd)
	case k.Sub != "":
		x = ratio(n.sub(get(k.Sub)), one, k.scaleN, sd)
	default:
		x = ratio(n, one, k.scaleN, sd)
	}
	v.Value = &x
	return v
}

// sortCells orders cells by key, numbers numerically, parsing each key
// once.
func sortCells(list []*cell) {
	type part struct {
		n     int64
		isNum bool
	}
	type keyed struct {
		c  *cell
		ps []part
	}
	ks := make([]keyed, len(list))
	for i, c := range list {
		ps := make([]part, len(c.key))
		for x, k := range c.key {
			if n, err := strconv.ParseInt(k, 10, 64); err == nil {
				ps[x] = part{n, true}
			}
		}
		ks[i] = keyed{c, ps}
	}
	sort.Slice(ks, func(i, j int) bool {
		a, b := ks[i], ks[j]
		for x := range a.c.key {
			if a.c.key[x] == b.c.key[x] {
				continue
			}
			if a.ps[x].isNum && b.ps[x].isNum {
				return a.ps[x].n < b.ps[x].n
			}
			return a.c.key[x] < b.c.key[x]
		}
		return false
	})
	for i := range ks {
		list[i] = ks[i].c
	}
}

// lessKey orders keys, numbers numerically.
func lessKey(a, b []string) bool {
	for i := range a {
		if a[i] == b[i] {
			continue
		}
		x, e1 := strconv.ParseInt(a[i], 10, 64)
		y, e2 := strconv.ParseInt(b[i], 10, 64)
		if e1 == nil && e2 == nil {
			return x < y
		}
		return a[i] < b[i]
	}
	return false
}
