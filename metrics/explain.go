package metrics

import (
	"context"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"time"

	"github.com/daiyun/daiyun"
)

// Cell names one figure of a result: the request that produced it, the
// KPI, and the row's period and dimension values.
type Cell struct {
	Request Request           `json:"request"`
	KPI     string            `json:"kpi"`
	Period  string            `json:"period,omitempty"`
	Dims    map[string]string `json:"dims,omitempty"`
}

// Page selects a slice of fact rows. Limit defaults to 50 and is capped at
// 1000.
type Page struct {
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
}

// Explanation is the lineage of one figure (PRODUCT.md C5): the
// definition, the statements that computed it and the fact rows behind its
// numerator and denominator.
type Explanation struct {
	KPI       KPI         `json:"kpi"`
	From      daiyun.Date `json:"from"`
	To        daiyun.Date `json:"to"`
	Value     Value       `json:"value"`
	Currency  string      `json:"currency"`
	Converted bool        `json:"converted"`
	// Queries are the statements that computed Value, exactly as they ran.
	Queries []Executed `json:"queries"`
	// Facts are the rows behind each measure, paged.
	Facts []FactRows `json:"facts"`
}

// FactRows are the underlying rows of one measure of a cell.
type FactRows struct {
	Role    string   `json:"role"` // numerator, denominator or subtracted
	Measure Measure  `json:"measure"`
	Note    string   `json:"note"`
	SQL     string   `json:"sql"`
	Args    []any    `json:"args"`
	Columns []string `json:"columns"`
	Rows    [][]any  `json:"rows"`
	Total   int64    `json:"total"`
	Offset  int      `json:"offset"`
	Limit   int      `json:"limit"`
}

// narrow returns the request restricted to one cell.
func (c Cell) narrow() (Request, error) {
	r := c.Request
	r.KPIs = []string{c.KPI}
	r.Comparisons = nil
	if err := r.validate(); err != nil {
		return r, err
	}
	if c.Period != "" {
		if r.Grain == GrainNone {
			return r, daiyun.Errorf(daiyun.EINVALID, "the request has no time grain, so the cell has no period")
		}
		start, err := time.Parse(time.DateOnly, c.Period)
		if err != nil {
			return r, daiyun.Errorf(daiyun.EINVALID, "period %q is not YYYY-MM-DD", c.Period)
		}
		r.From, r.To = periodRange(r.Grain, truncate(r.Grain, start).Format(time.DateOnly), r.From, r.To)
		if r.To.Before(r.From.Time) {
			return r, daiyun.Errorf(daiyun.ENOTFOUND, "period %s is outside the request", c.Period)
		}
	}
	f := &r.Filters
	for _, d := range r.Dimensions {
		v, ok := c.Dims[d]
		if !ok {
			return r, daiyun.Errorf(daiyun.EINVALID, "the cell does not give dimension %s", d)
		}
		outside := daiyun.Errorf(daiyun.ENOTFOUND, "%s %q is outside the request", d, v)
		switch d {
		case DimShop, DimClient:
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return r, daiyun.Errorf(daiyun.EINVALID, "%s %q is not an id", d, v)
			}
			list := &f.ShopIDs
			if d == DimClient {
				list = &f.ClientIDs
			}
			if len(*list) > 0 && !slices.Contains(*list, id) {
				return r, outside
			}
			*list = []int64{id}
		default:
			list := map[string]*[]string{DimPlatform: &f.Platforms, DimCategory: &f.Categories, DimChannel: &f.Channels,
				DimCampaign: &f.Campaigns, DimProvince: &f.Provinces, DimSKU: &f.SKUs, DimSPU: &f.SPUs, DimBuyerType: &f.BuyerTypes}[d]
			if len(*list) > 0 && !slices.Contains(*list, v) {
				return r, outside
			}
			*list = []string{v}
		}
	}
	return r, nil
}

// Explain opens one figure down to its formula, the SQL that computed it
// and the fact rows behind it, for the actor in ctx: the same access check
// as Query applies, so another client's cell answers not found.
func (s *Service) Explain(ctx context.Context, c Cell, page Page) (*Explanation, error) {
	k, ok := kpiByID[c.KPI]
	if !ok {
		return nil, daiyun.Errorf(daiyun.EINVALID, "KPI %q is not in the catalogue", c.KPI)
	}
	req, err := c.narrow()
	if err != nil {
		return nil, err
	}
	if page.Limit <= 0 {
		page.Limit = 50
	}
	page.Limit = min(page.Limit, 1000)
	page.Offset = max(page.Offset, 0)
	tenants, shops, err := s.scope(ctx, req)
	if err != nil {
		return nil, err
	}
	res, err := s.run(ctx, req, tenants, shops)
	if err != nil {
		return nil, err
	}
	ex := &Explanation{KPI: *k, From: req.From, To: req.To, Currency: res.Currency, Converted: res.Converted, Queries: res.Queries}
	period := ""
	if c.Period != "" {
		start, _ := time.Parse(time.DateOnly, c.Period)
		period = truncate(req.Grain, start).Format(time.DateOnly)
	}
	for _, r := range res.Rows {
		if r.Period == period {
			ex.Value = r.Values[c.KPI]
			break
		}
	}
	currency, convert := s.currencyFor(req, shops)
	// The plan writes the fact rows' FROM and WHERE only: no rate periods.
	p, err := newPlan(req, s.Warehouse.Dialect(), tenants, shops, currency, convert, rateSteps{})
	if err != nil {
		return nil, err
	}
	for _, role := range []struct{ name, id string }{{"numerator", k.Num}, {"denominator", k.Den}, {"subtracted", k.Sub}} {
		if role.id == "" {
			continue
		}
		fr, err := s.factRows(ctx, p, measures[role.id], page)
		if err != nil {
			return nil, err
		}
		fr.Role = role.name
		ex.Facts = append(ex.Facts, *fr)
	}
	return ex, nil
}

// factRows lists the rows a measure aggregates in the plan's cell.
func (s *Service) factRows(ctx context.Context, p *plan, me *Measure, page Page) (*FactRows, error) {
	src := sources[me.Source]
	joins := map[string]bool{}
	for _, j := range me.joins {
		joins[j] = true
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
	fr := &FactRows{Measure: *me, Note: src.note, Offset: page.Offset, Limit: page.Limit}
	fr.SQL = p.expand(fmt.Sprintf("SELECT %s FROM %s WHERE %s ORDER BY %s LIMIT %d OFFSET %d",
		src.rowsSelect, from, where, src.rowsOrder, page.Limit, page.Offset))
	fr.Args = args
	if len(p.shops) == 0 {
		return fr, nil
	}
	count := p.expand(fmt.Sprintf("SELECT COUNT(*) FROM %s WHERE %s", from, where))
	rows, err := s.Warehouse.Query(ctx, p.tenants, count, args...)
	if err != nil {
		return nil, fmt.Errorf("metrics: explain %s: %w", me.ID, err)
	}
	for rows.Next() {
		if err := rows.Scan(&fr.Total); err != nil {
			rows.Close()
			return nil, err
		}
	}
	rows.Close()
	rows, err = s.Warehouse.Query(ctx, p.tenants, fr.SQL, args...)
	if err != nil {
		return nil, fmt.Errorf("metrics: explain %s: %w", me.ID, err)
	}
	defer rows.Close()
	fr.Columns, err = rows.Columns()
	if err != nil {
		return nil, err
	}
	fr.Rows = [][]any{}
	for rows.Next() {
		vals := make([]any, len(fr.Columns))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		for i, v := range vals {
			vals[i] = plainValue(v)
		}
		fr.Rows = append(fr.Rows, vals)
	}
	return fr, rows.Err()
}

// plainValue makes a scanned value JSON-friendly and engine-independent.
func plainValue(v any) any {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case time.Time:
		if x.Hour() == 0 && x.Minute() == 0 && x.Second() == 0 && x.Nanosecond() == 0 {
			return x.Format(time.DateOnly)
		}
		return x.UTC().Format(time.RFC3339Nano)
	case *big.Int:
		return x.String()
	case int32:
		return int64(x)
	case int16:
		return int64(x)
	case int8:
		return int64(x)
	}
	return v
}
