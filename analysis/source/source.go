// Package source feeds the analyses of PRODUCT.md D1–D8 from the warehouse:
// it loads each analysis's plain Go input (events, purchases, journeys,
// daily series, stock) for one client, optionally one shop, and a date
// range, runs the analysis and returns its result with the tables an
// export writes. The API, the UI and `daiyun analyze KIND --client` all
// call Run, so the three doors give the same numbers.
//
// Every read goes through daiyun.TenantsFor and Warehouse.Query with
// {{tenants}}; a client or shop the actor may not see answers not found.
// It owns no algorithm (those live in the analysis/<kind> packages) and
// writes nothing.
package source

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/metrics"
	"github.com/daiyun/daiyun/warehouse"
)

// Catalog is what the loaders need of the catalog: the client and its
// shops, both narrowed to what the actor in the context may see.
type Catalog interface {
	Client(ctx context.Context, id int64) (daiyun.Client, error)
	Shops(ctx context.Context, f catalog.ShopFilter) ([]daiyun.Shop, error)
}

// Loader reads analysis inputs from the warehouse. Metrics is needed only
// by the forecast (daily GMV and units come from the KPI catalogue, so the
// figures match the dashboards).
type Loader struct {
	Warehouse warehouse.Warehouse
	Catalog   Catalog
	Metrics   *metrics.Service
}

// Kinds lists the analyses that run on warehouse data, in display order.
var Kinds = []string{"funnel", "retention", "cohort", "rfm", "clv", "attribution", "paths", "forecast"}

// Request asks for one analysis over a client's data.
type Request struct {
	Kind     string `json:"kind,omitempty"`
	ClientID int64  `json:"client_id"`
	// ShopID narrows to one shop of the client; 0 means every shop.
	ShopID int64 `json:"shop_id,omitempty"`
	// From and To are inclusive days in the shops' own calendar.
	From    daiyun.Date     `json:"from"`
	To      daiyun.Date     `json:"to"`
	Options AnalysisOptions `json:"options"`
}

// Analysis is an analysis over warehouse data: the scope it ran on, the
// size of its input and the analysis's own output. Tables are the result
// tables an export writes (not part of the JSON).
type Analysis struct {
	Kind     string `json:"kind"`
	ClientID int64  `json:"client_id"`
	ShopID   int64  `json:"shop_id,omitempty"`
	From     string `json:"from"`
	To       string `json:"to"`
	// Timezone cuts days, weeks and months; Currency is the unit of every
	// money amount (major units).
	Timezone string `json:"timezone"`
	Currency string `json:"currency,omitempty"`
	// InputRows counts the warehouse rows the analysis read.
	InputRows int `json:"input_rows"`
	Result    any `json:"result"`
	// TableNames name the result tables an export can write.
	TableNames []string `json:"tables"`
	Tables     []Table  `json:"-"`
}

// Table is one result table of an analysis, as strings ready for export.
type Table struct {
	Name   string
	Header []string
	Rows   [][]string
}

// Table returns the named table, or the first when name is empty.
func (r *Analysis) Table(name string) (Table, bool) {
	for _, t := range r.Tables {
		if name == "" || t.Name == name {
			return t, true
		}
	}
	return Table{}, false
}

// scope is a resolved request: the tenants token, the shops read and the
// calendar they share.
type scope struct {
	req      Request
	tenants  daiyun.Tenants
	shops    []daiyun.Shop
	loc      *time.Location
	currency string // empty when the shops' currencies differ
	// localDays is true when loc is every shop's own timezone, so the
	// shop-calendar day columns (paid_day, …) are days in loc.
	localDays bool
	// start and end bound UTC timestamps: [from 00:00, to+1 00:00) in loc.
	start, end time.Time
}

// resolve checks the request against the actor: the client must be
// visible and the shop, when given, must be one of the client's.
func (l *Loader) resolve(ctx context.Context, req Request) (*scope, error) {
	if req.ClientID == 0 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "client_id is required")
	}
	if req.From.IsZero() || req.To.IsZero() {
		return nil, daiyun.Errorf(daiyun.EINVALID, "from and to (YYYY-MM-DD) are required")
	}
	if req.To.Before(req.From.Time) {
		return nil, daiyun.Errorf(daiyun.EINVALID, "to %s is before from %s", req.To, req.From)
	}
	tenants, err := daiyun.TenantsFor(ctx, req.ClientID)
	if err != nil {
		return nil, err
	}
	if _, err := l.Catalog.Client(ctx, req.ClientID); err != nil {
		return nil, err
	}
	all, err := l.Catalog.Shops(ctx, catalog.ShopFilter{ClientID: req.ClientID})
	if err != nil {
		return nil, err
	}
	shops := all
	if req.ShopID != 0 {
		i := slices.IndexFunc(all, func(s daiyun.Shop) bool { return s.ID == req.ShopID })
		if i < 0 {
			return nil, daiyun.Errorf(daiyun.ENOTFOUND, "shop %d not found", req.ShopID)
		}
		shops = all[i : i+1]
	}
	if len(shops) == 0 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "client %d has no shops", req.ClientID)
	}
	sc := &scope{req: req, tenants: tenants, shops: shops, loc: time.UTC, currency: shops[0].Currency}
	tz := shops[0].Timezone
	sc.localDays = true
	for _, s := range shops[1:] {
		if s.Timezone != shops[0].Timezone {
			tz, sc.localDays = "UTC", false
		}
		if s.Currency != sc.currency {
			sc.currency = ""
		}
	}
	if sc.loc, err = time.LoadLocation(tz); err != nil {
		return nil, daiyun.Errorf(daiyun.EINVALID, "shop timezone %q: %v", tz, err)
	}
	y, m, d := req.From.Date()
	sc.start = time.Date(y, m, d, 0, 0, 0, 0, sc.loc).UTC()
	y, m, d = req.To.Date()
	sc.end = time.Date(y, m, d+1, 0, 0, 0, 0, sc.loc).UTC()
	return sc, nil
}

// shopIDs returns the shop ids read.
func (sc *scope) shopIDs() []int64 {
	ids := make([]int64, len(sc.shops))
	for i, s := range sc.shops {
		ids[i] = s.ID
	}
	return ids
}

// where returns the scope's fact filter (tenant placeholder, client, shops)
// and its arguments, numbered from $1; more arguments follow.
func (sc *scope) where(alias string) (string, []any) {
	p := ""
	if alias != "" {
		p = alias + "."
	}
	args := []any{sc.req.ClientID}
	ph := make([]string, len(sc.shops))
	for i, s := range sc.shops {
		args = append(args, s.ID)
		ph[i] = fmt.Sprintf("$%d", len(args))
	}
	tag := "{{tenants}}"
	if alias != "" {
		tag = "{{tenants:" + alias + "}}"
	}
	return fmt.Sprintf("%s AND %stenant_id = $1 AND %sshop_id IN (%s)", tag, p, p, strings.Join(ph, ", ")), args
}

// moneyCurrency returns the single currency of the scope or an error
// naming the flag to use: amounts of different currencies cannot be added.
func (sc *scope) moneyCurrency() (string, error) {
	if sc.currency == "" {
		cs := map[string]bool{}
		for _, s := range sc.shops {
			cs[s.Currency] = true
		}
		var list []string
		for c := range cs {
			list = append(list, c)
		}
		slices.Sort(list)
		return "", daiyun.Errorf(daiyun.EINVALID, "the shops of client %d sell in different currencies (%s); choose one shop (shop_id)", sc.req.ClientID, strings.Join(list, ", "))
	}
	return sc.currency, nil
}

// Run resolves the request for the actor in ctx, loads the input and runs
// the analysis named by req.Kind.
func (l *Loader) Run(ctx context.Context, req Request) (*Analysis, error) {
	run, ok := runners[req.Kind]
	if !ok {
		return nil, daiyun.Errorf(daiyun.EINVALID, "analysis %q is not one of %s", req.Kind, strings.Join(Kinds, ", "))
	}
	sc, err := l.resolve(ctx, req)
	if err != nil {
		return nil, err
	}
	res := &Analysis{Kind: req.Kind, ClientID: req.ClientID, ShopID: req.ShopID, From: req.From.String(), To: req.To.String(),
		Timezone: sc.loc.String(), Currency: sc.currency}
	if err := run(ctx, l, sc, res); err != nil {
		return nil, err
	}
	for _, t := range res.Tables {
		res.TableNames = append(res.TableNames, t.Name)
	}
	return res, nil
}

type runner func(ctx context.Context, l *Loader, sc *scope, res *Analysis) error

var runners = map[string]runner{
	"funnel": runFunnel, "retention": runRetention, "cohort": runCohort, "rfm": runRFM, "clv": runCLV,
	"attribution": runAttribution, "paths": runPaths, "forecast": runForecast,
}
