package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/metrics"
	"github.com/danielgtaylor/huma/v2"
)

// registerReferences adds the targets, benchmarks and FX routes: the
// reference data the KPI comparisons read.
func (s *Server) registerReferences() {
	api := s.api
	type clientQuery struct {
		ClientID int64 `query:"client_id" doc:"only this client's"`
	}
	huma.Register(api, op("list-targets", http.MethodGet, "/api/v1/targets", "Monthly KPI targets of the clients you can see", "targets"),
		func(ctx context.Context, in *clientQuery) (*body[[]catalog.Target], error) {
			ts, err := s.Catalog.Targets(ctx, in.ClientID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[[]catalog.Target]{nonNil(ts)}, nil
		})
	huma.Register(api, op("set-target", http.MethodPut, "/api/v1/targets", "Set a monthly target (the client's agency team)", "targets"),
		func(ctx context.Context, in *body[catalog.Target]) (*body[catalog.Target], error) {
			if err := s.setTarget(ctx, in.Body); err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[catalog.Target]{in.Body}, nil
		})
	huma.Register(api, op("list-benchmarks", http.MethodGet, "/api/v1/benchmarks", "The industry benchmark table with sources", "targets"),
		func(ctx context.Context, _ *struct{}) (*body[[]catalog.Benchmark], error) {
			bs, err := s.Catalog.Benchmarks(ctx)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[[]catalog.Benchmark]{nonNil(bs)}, nil
		})
	huma.Register(api, op("set-benchmark", http.MethodPut, "/api/v1/benchmarks", "Edit a benchmark (admin, director, expert)", "targets"),
		func(ctx context.Context, in *body[catalog.Benchmark]) (*body[catalog.Benchmark], error) {
			if err := s.setBenchmark(ctx, in.Body); err != nil {
				return nil, s.fail(ctx, err)
			}
			b := in.Body
			b.Edited = true
			return &body[catalog.Benchmark]{b}, nil
		})
	huma.Register(api, op("list-fx-rates", http.MethodGet, "/api/v1/fx-rates", "The dated FX rate table", "targets"),
		func(ctx context.Context, _ *struct{}) (*body[[]catalog.FXRate], error) {
			if !daiyun.ActorFrom(ctx).IsStaff() {
				return nil, s.fail(ctx, daiyun.Errorf(daiyun.EFORBIDDEN, "the FX table is for agency staff"))
			}
			rs, err := s.Catalog.FXRates(ctx)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[[]catalog.FXRate]{nonNil(rs)}, nil
		})
	huma.Register(api, op("set-fx-rate", http.MethodPut, "/api/v1/fx-rates", "Record a dated FX rate (admin, director)", "targets"),
		func(ctx context.Context, in *body[catalog.FXRate]) (*body[catalog.FXRate], error) {
			if err := s.Catalog.SetFXRate(ctx, in.Body); err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[catalog.FXRate]{in.Body}, nil
		})
	s.registerReferencePages()
}

// setTarget records a monthly target of a KPI of the catalogue: the one
// path of the API and the targets page.
func (s *Server) setTarget(ctx context.Context, t catalog.Target) error {
	if err := metrics.CheckKPI(t.KPI); err != nil {
		return err
	}
	return s.Catalog.SetTarget(ctx, t)
}

// setBenchmark edits a benchmark of a KPI of the catalogue: the one path
// of the API and the benchmarks page.
func (s *Server) setBenchmark(ctx context.Context, b catalog.Benchmark) error {
	if err := metrics.CheckKPI(b.KPI); err != nil {
		return err
	}
	return s.Catalog.SetBenchmark(ctx, b)
}

// The reference pages (PRODUCT.md C4, C6): the benchmark table, a client's
// monthly targets and the FX table, each a list and a form that posts
// through the same functions as the API. The catalog decides who may
// change what; the pages only hide forms from those it would refuse.

func init() {
	for _, name := range []string{"references_benchmarks", "references_fx", "targets"} {
		pages[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
}

// registerReferencePages adds the benchmark, FX and targets pages.
func (s *Server) registerReferencePages() {
	s.page("GET /benchmarks", s.requireLogin(s.benchmarksPage))
	s.page("POST /benchmarks", s.requireLogin(s.benchmarksPage))
	s.page("GET /fx-rates", s.requireLogin(s.fxPage))
	s.page("POST /fx-rates", s.requireLogin(s.fxPage))
	s.page("GET /clients/{id}/targets", s.requireLogin(s.targetsPage))
	s.page("POST /clients/{id}/targets", s.requireLogin(s.targetsPage))
	s.page("POST /clients/{id}/targets/delete", s.requireLogin(s.deleteTargetPage))
}

// formErrors maps a form field to the message shown next to it; "" holds
// a message that names no field.
type formErrors map[string]string

// add files err under the first of fields its message mentions.
func (e formErrors) add(err error, fields ...string) {
	msg := daiyun.ErrorMessage(err)
	low := strings.ToLower(msg)
	for _, f := range fields {
		if strings.Contains(low, f) {
			e[f] = msg
			return
		}
	}
	e[""] = msg
}

// formFailed answers a form whose save failed: the page again with the
// errors next to their fields when the input was wrong (422), the error
// page otherwise (403, 404, …).
func (s *Server) formFailed(w http.ResponseWriter, r *http.Request, err error, errs formErrors, fields []string, again func(status int)) {
	if daiyun.ErrorCode(err) != daiyun.EINVALID {
		s.uiError(w, r, err)
		return
	}
	errs.add(err, fields...)
	again(http.StatusUnprocessableEntity)
}

// kpiOption is a KPI in a form's select.
type kpiOption struct {
	ID, Name string
	Unit     metrics.Unit
}

func kpiOptions(lang string) []kpiOption {
	var out []kpiOption
	for _, k := range metrics.Catalogue() {
		name := k.NameZH
		if lang == "en" {
			name = k.NameEN
		}
		out = append(out, kpiOption{ID: k.ID, Name: name, Unit: k.Unit})
	}
	return out
}

// referenceValue shows a benchmark or target in its KPI's unit.
func referenceValue(kpi string, v float64, currency string) string {
	k, ok := metrics.Lookup(kpi)
	if !ok {
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	if currency == "" {
		currency = "·"
	}
	return formatValue(k, &v, currency)
}

// benchmarksView is the benchmark page.
type benchmarksView struct {
	Category   string // the category shown; "" for all
	Categories []string
	Rows       []benchmarkRow
	KPIs       []kpiOption
	CanEdit    bool
	Form       catalog.Benchmark
	FormValue  string
	Errors     formErrors
}

type benchmarkRow struct {
	catalog.Benchmark
	Shown string
}

// benchmarksPage lists the benchmark table (every logged-in user: it holds
// no client data) and, for admins, directors and experts, edits a row.
func (s *Server) benchmarksPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a := daiyun.ActorFrom(ctx)
	v := benchmarksView{Categories: daiyun.Categories, KPIs: kpiOptions(langOf(r)), Errors: formErrors{},
		CanEdit: a.APIKeyID == 0 && (a.Role == daiyun.RoleAdmin || a.Role == daiyun.RoleDirector || a.Role == daiyun.RoleExpert)}
	v.Category = r.URL.Query().Get("category")
	show := func(status int) {
		bs, err := s.Catalog.Benchmarks(ctx)
		if err != nil {
			s.uiError(w, r, err)
			return
		}
		for _, b := range bs {
			if v.Category == "" || b.Category == v.Category {
				v.Rows = append(v.Rows, benchmarkRow{Benchmark: b, Shown: referenceValue(b.KPI, b.Value, b.Currency)})
			}
		}
		s.render(w, r, status, "references_benchmarks", "ref_benchmarks_title", v)
	}
	if r.Method != http.MethodPost {
		show(http.StatusOK)
		return
	}
	v.Form = catalog.Benchmark{Category: r.PostFormValue("category"), KPI: r.PostFormValue("kpi"),
		Currency: strings.ToUpper(strings.TrimSpace(r.PostFormValue("currency"))), Source: strings.TrimSpace(r.PostFormValue("source"))}
	v.FormValue = strings.TrimSpace(r.PostFormValue("value"))
	val, err := strconv.ParseFloat(v.FormValue, 64)
	if err != nil {
		v.Errors["value"] = newTranslator(langOf(r)).T("ref_not_number")
		show(http.StatusUnprocessableEntity)
		return
	}
	v.Form.Value = val
	if err := s.setBenchmark(ctx, v.Form); err != nil {
		s.formFailed(w, r, err, v.Errors, []string{"category", "kpi", "source", "currency"}, show)
		return
	}
	http.Redirect(w, r, "/benchmarks?category="+url.QueryEscape(v.Form.Category)+"#bm-"+v.Form.Category+"-"+v.Form.KPI, http.StatusSeeOther)
}

// fxView is the FX page.
type fxView struct {
	Rates   []catalog.FXRate
	CanEdit bool
	Form    catalog.FXRate
	FormDay string
	Errors  formErrors
}

// fxPage lists the dated FX table (agency staff) and records a rate
// (admins and directors).
func (s *Server) fxPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	a := daiyun.ActorFrom(ctx)
	if !a.IsStaff() {
		s.uiError(w, r, daiyun.Errorf(daiyun.EFORBIDDEN, "the FX table is for agency staff"))
		return
	}
	v := fxView{CanEdit: a.APIKeyID == 0 && (a.Role == daiyun.RoleAdmin || a.Role == daiyun.RoleDirector), Errors: formErrors{},
		Form: catalog.FXRate{Base: "USD", Quote: metrics.DefaultBaseCurrency}}
	show := func(status int) {
		rs, err := s.Catalog.FXRates(ctx)
		if err != nil {
			s.uiError(w, r, err)
			return
		}
		v.Rates = rs
		s.render(w, r, status, "references_fx", "ref_fx_title", v)
	}
	if r.Method != http.MethodPost {
		show(http.StatusOK)
		return
	}
	v.Form = catalog.FXRate{Base: strings.TrimSpace(r.PostFormValue("base")), Quote: strings.TrimSpace(r.PostFormValue("quote")),
		Rate: strings.TrimSpace(r.PostFormValue("rate")), Source: strings.TrimSpace(r.PostFormValue("source"))}
	v.FormDay = r.PostFormValue("day")
	day, err := daiyun.ParseDate(v.FormDay)
	if err != nil {
		v.Errors["day"] = newTranslator(langOf(r)).T("ref_not_date")
		show(http.StatusUnprocessableEntity)
		return
	}
	v.Form.Day = day
	if err := s.Catalog.SetFXRate(ctx, v.Form); err != nil {
		s.formFailed(w, r, err, v.Errors, []string{"rate", "day", "currency"}, show)
		return
	}
	http.Redirect(w, r, "/fx-rates", http.StatusSeeOther)
}

// targetsView is a client's targets page.
type targetsView struct {
	Client    daiyun.Client
	Shops     []daiyun.Shop
	Rows      []targetRow
	KPIs      []kpiOption
	CanEdit   bool
	Form      catalog.Target
	FormMonth string
	FormValue string
	Errors    formErrors
}

type targetRow struct {
	catalog.Target
	ShopName string
	KPIName  string
	Shown    string
}

// targetsPage lists a client's monthly targets (whoever may see the
// client) and sets one (the client's agency team).
func (s *Server) targetsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.uiError(w, r, daiyun.Errorf(daiyun.ENOTFOUND, "client not found"))
		return
	}
	c, err := s.Catalog.Client(ctx, id)
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	shops, err := s.Catalog.Shops(ctx, catalog.ShopFilter{ClientID: id})
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	lang := langOf(r)
	v := targetsView{Client: c, Shops: shops, KPIs: kpiOptions(lang), CanEdit: daiyun.ActorFrom(ctx).IsStaff(), Errors: formErrors{},
		FormMonth: time.Now().Format("2006-01")}
	show := func(status int) {
		ts, err := s.Catalog.Targets(ctx, id)
		if err != nil {
			s.uiError(w, r, err)
			return
		}
		names := map[int64]string{0: newTranslator(lang).T("tg_whole_client")}
		for _, sh := range shops {
			names[sh.ID] = sh.Name
		}
		for _, t := range ts {
			k, _ := metrics.Lookup(t.KPI)
			name := k.NameZH
			if lang == "en" {
				name = k.NameEN
			}
			v.Rows = append(v.Rows, targetRow{Target: t, ShopName: names[t.ShopID], KPIName: name, Shown: referenceValue(t.KPI, t.Value, t.Currency)})
		}
		s.render(w, r, status, "targets", "tg_title", v)
	}
	if r.Method != http.MethodPost {
		show(http.StatusOK)
		return
	}
	tr := newTranslator(lang)
	v.Form = catalog.Target{ClientID: id, KPI: r.PostFormValue("kpi"), Currency: strings.ToUpper(strings.TrimSpace(r.PostFormValue("currency")))}
	v.FormMonth, v.FormValue = strings.TrimSpace(r.PostFormValue("month")), strings.TrimSpace(r.PostFormValue("value"))
	if sh := r.PostFormValue("shop"); sh != "" {
		if v.Form.ShopID, err = strconv.ParseInt(sh, 10, 64); err != nil {
			v.Errors["shop"] = tr.T("ref_not_shop")
		}
	}
	if v.Form.Month, err = daiyun.ParseDate(v.FormMonth + "-01"); err != nil {
		v.Errors["month"] = tr.T("ref_not_month")
	}
	if v.Form.Value, err = strconv.ParseFloat(v.FormValue, 64); err != nil {
		v.Errors["value"] = tr.T("ref_not_number")
	}
	if len(v.Errors) > 0 {
		show(http.StatusUnprocessableEntity)
		return
	}
	if err := s.setTarget(ctx, v.Form); err != nil {
		if daiyun.ErrorCode(err) == daiyun.ENOTFOUND && v.Form.ShopID != 0 {
			// The client is visible (checked above): the shop is not its.
			v.Errors["shop"] = daiyun.ErrorMessage(err)
			show(http.StatusUnprocessableEntity)
			return
		}
		s.formFailed(w, r, err, v.Errors, []string{"month", "kpi", "currency", "shop"}, show)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/clients/%d/targets", id), http.StatusSeeOther)
}

// deleteTargetPage removes one target (the client's agency team).
func (s *Server) deleteTargetPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.uiError(w, r, daiyun.Errorf(daiyun.ENOTFOUND, "client not found"))
		return
	}
	if _, err := s.Catalog.Client(ctx, id); err != nil {
		s.uiError(w, r, err)
		return
	}
	shop, _ := strconv.ParseInt(r.PostFormValue("shop"), 10, 64)
	month, err := daiyun.ParseDate(r.PostFormValue("month"))
	if err != nil {
		s.uiError(w, r, daiyun.Errorf(daiyun.EINVALID, "month %q is not YYYY-MM-DD", r.PostFormValue("month")))
		return
	}
	if err := s.Catalog.DeleteTarget(ctx, id, shop, r.PostFormValue("kpi"), month); err != nil {
		s.uiError(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/clients/%d/targets", id), http.StatusSeeOther)
}
