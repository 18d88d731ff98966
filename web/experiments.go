package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/experiment"
	"github.com/daiyun/daiyun/catalog"
	"github.com/danielgtaylor/huma/v2"
	"github.com/nicksnyder/go-i18n/v2/i18n"
)

// The experiment registry (PRODUCT.md D7): API under /api/v1/experiments
// and the list and detail pages. Access is decided by the catalog (an
// experiment of a client the caller may not see is not found; only agency
// staff create, start, stop and conclude); the guard against deciding
// before the planned sample is experiment.Service's.

func init() {
	for _, name := range []string{"experiments", "experiment"} {
		pages[name] = template.Must(template.New(name).Funcs(funcs).Funcs(experimentFuncs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
}

// experimentFuncs format the experiment pages' rates and statistics.
var experimentFuncs = template.FuncMap{
	// rate writes a fraction as a percentage with two decimals.
	"rate": func(v any) string {
		switch x := v.(type) {
		case float64:
			return strconv.FormatFloat(x*100, 'f', 2, 64) + "%"
		case *float64:
			if x != nil {
				return strconv.FormatFloat(*x*100, 'f', 2, 64) + "%"
			}
		}
		return "–"
	},
	// stat writes a statistic with four significant digits.
	"stat": func(v *float64) string {
		if v == nil {
			return "–"
		}
		return strconv.FormatFloat(*v, 'g', 4, 64)
	},
	// bar is a progress as a CSS width, capped at 100%.
	"bar": func(p float64) string { return strconv.FormatFloat(min(p, 1)*100, 'f', 1, 64) + "%" },
}

func (s *Server) experiments() *experiment.Service {
	return &experiment.Service{Store: s.Catalog, Warehouse: s.Warehouse}
}

// experimentIn is a new experiment as the API and the UI form take it.
type experimentIn struct {
	ShopID     int64            `json:"shop_id" doc:"the shop the experiment runs on; its client owns the experiment"`
	Name       string           `json:"name" minLength:"1" maxLength:"200"`
	Hypothesis string           `json:"hypothesis,omitempty" maxLength:"2000"`
	ArmColumn  string           `json:"arm_column,omitempty" doc:"events column that tells arms apart: campaign (default), sku_id, source or medium"`
	Arms       []experiment.Arm `json:"arms" minItems:"2" maxItems:"10" doc:"the first arm is the control; value is matched exactly against arm_column"`
	// The events.
	ExposureEvent   string `json:"exposure_event,omitempty" doc:"default product_view"`
	ConversionEvent string `json:"conversion_event,omitempty" doc:"default pay"`
	StartDate       string `json:"start_date,omitempty" doc:"YYYY-MM-DD in the shop's timezone; default the day it is started"`
	EndDate         string `json:"end_date,omitempty" doc:"YYYY-MM-DD inclusive; empty: open until stopped"`
	// The plan.
	Baseline float64 `json:"baseline" doc:"control conversion rate expected, in (0, 1)"`
	MDE      float64 `json:"mde" doc:"minimum detectable effect: relative to the baseline (0.1 = +10%) unless mde_kind is absolute"`
	MDEKind  string  `json:"mde_kind,omitempty" enum:"relative,absolute" doc:"default relative"`
	Alpha    float64 `json:"alpha,omitempty" doc:"two-sided significance level, default 0.05 (divided among the variants)"`
	Power    float64 `json:"power,omitempty" doc:"default 0.8"`
}

func (in experimentIn) experiment() (experiment.Experiment, error) {
	e := experiment.Experiment{ShopID: in.ShopID, Name: in.Name, Hypothesis: in.Hypothesis, ArmColumn: in.ArmColumn, Arms: in.Arms,
		ExposureEvent: in.ExposureEvent, ConversionEvent: in.ConversionEvent,
		Plan: experiment.Plan{Baseline: in.Baseline, MDE: in.MDE, MDERelative: in.MDEKind != "absolute", Alpha: in.Alpha, Power: in.Power}}
	var err error
	if strings.TrimSpace(in.StartDate) != "" {
		if e.StartDate, err = daiyun.ParseDate(in.StartDate); err != nil {
			return e, daiyun.Errorf(daiyun.EINVALID, "start_date: %s", daiyun.ErrorMessage(err))
		}
	}
	if strings.TrimSpace(in.EndDate) != "" {
		if e.EndDate, err = daiyun.ParseDate(in.EndDate); err != nil {
			return e, daiyun.Errorf(daiyun.EINVALID, "end_date: %s", daiyun.ErrorMessage(err))
		}
	}
	return e, nil
}

type experimentListIn struct {
	ClientID int64  `query:"client_id"`
	ShopID   int64  `query:"shop_id"`
	Status   string `query:"status" enum:"draft,running,stopped,concluded,"`
}

func (s *Server) registerExperiments() {
	api := s.api
	huma.Register(api, op("list-experiments", http.MethodGet, "/api/v1/experiments", "List experiments, narrowed to the clients you see", "experiments"),
		func(ctx context.Context, in *experimentListIn) (*body[[]experiment.Experiment], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			es, err := s.Catalog.Experiments(ctx, catalog.ExperimentFilter{ClientID: in.ClientID, ShopID: in.ShopID, Status: experiment.Status(in.Status)})
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[[]experiment.Experiment]{nonNil(es)}, nil
		})
	huma.Register(api, op("create-experiment", http.MethodPost, "/api/v1/experiments", "Register a draft experiment on a shop, with its plan (the client's agency staff)", "experiments"),
		func(ctx context.Context, in *body[experimentIn]) (*body[experiment.Experiment], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			e, err := in.Body.experiment()
			if err == nil {
				err = s.Catalog.CreateExperiment(ctx, &e)
			}
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[experiment.Experiment]{e}, nil
		})
	huma.Register(api, op("get-experiment", http.MethodGet, "/api/v1/experiments/{id}", "An experiment with its result on the warehouse events so far and its verdict", "experiments"),
		func(ctx context.Context, in *idPath) (*body[experiment.Report], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			r, err := s.experiments().Report(ctx, in.ID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[experiment.Report]{*r}, nil
		})
	for _, action := range []string{"start", "stop"} {
		summary := "Start a draft experiment (its window opens; staff)"
		if action == "stop" {
			summary = "Stop a running experiment without a decision (its window closes; staff)"
		}
		huma.Register(api, op(action+"-experiment", http.MethodPost, "/api/v1/experiments/{id}/"+action, summary, "experiments"),
			func(ctx context.Context, in *idPath) (*body[experiment.Experiment], error) {
				if err := must(ctx); err != nil {
					return nil, err
				}
				e, err := s.experimentAction(ctx, in.ID, action)
				if err != nil {
					return nil, s.fail(ctx, err)
				}
				return &body[experiment.Experiment]{e}, nil
			})
	}
	type concludeIn struct {
		ID   int64 `path:"id"`
		Body experiment.Conclusion
	}
	huma.Register(api, op("conclude-experiment", http.MethodPost, "/api/v1/experiments/{id}/conclude",
		"Record the decision (winner label or \"none\"); refused before the planned sample unless force is set, which is recorded (staff)", "experiments"),
		func(ctx context.Context, in *concludeIn) (*body[experiment.Report], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			r, err := s.experiments().Conclude(ctx, in.ID, in.Body)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[experiment.Report]{*r}, nil
		})

	s.page("GET /experiments", s.requireLogin(s.experimentsPage))
	s.page("POST /experiments", s.requireLogin(s.experimentCreate))
	s.page("GET /experiments/{id}", s.requireLogin(s.experimentPage))
	s.page("POST /experiments/{id}/start", s.requireLogin(s.experimentPost))
	s.page("POST /experiments/{id}/stop", s.requireLogin(s.experimentPost))
	s.page("POST /experiments/{id}/conclude", s.requireLogin(s.experimentPost))
}

func (s *Server) experimentAction(ctx context.Context, id int64, action string) (experiment.Experiment, error) {
	if action == "start" {
		return s.Catalog.StartExperiment(ctx, id)
	}
	return s.Catalog.StopExperiment(ctx, id)
}

// experimentsPageData is the list, with the creation form for staff.
type experimentsPageData struct {
	Experiments []experiment.Experiment
	Shops       []daiyun.Shop
	Clients     map[int64]string
	ArmColumns  []string
	IsStaff     bool
	Error       string
	Form        experimentIn
}

func (s *Server) experimentsPage(w http.ResponseWriter, r *http.Request) {
	s.renderExperiments(w, r, http.StatusOK, "", experimentIn{})
}

func (s *Server) renderExperiments(w http.ResponseWriter, r *http.Request, code int, msg string, form experimentIn) {
	ctx := r.Context()
	es, err := s.Catalog.Experiments(ctx, catalog.ExperimentFilter{})
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	data := experimentsPageData{Experiments: es, Clients: map[int64]string{}, ArmColumns: experiment.ArmColumns,
		IsStaff: daiyun.ActorFrom(ctx).IsStaff(), Error: msg, Form: form}
	if data.IsStaff {
		if data.Shops, err = s.Catalog.Shops(ctx, catalog.ShopFilter{}); err != nil {
			s.uiError(w, r, err)
			return
		}
		clients, err := s.Catalog.Clients(ctx)
		if err != nil {
			s.uiError(w, r, err)
			return
		}
		for _, c := range clients {
			data.Clients[c.ID] = c.Name
		}
	}
	s.render(w, r, code, "experiments", "exp_title", data)
}

// experimentCreate registers an experiment from the list page's form (two
// arms: control and variant) and shows it.
func (s *Server) experimentCreate(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	num := func(k string) float64 { v, _ := strconv.ParseFloat(f(k), 64); return v }
	in := experimentIn{Name: f("name"), Hypothesis: f("hypothesis"), ArmColumn: f("arm_column"),
		Arms:          []experiment.Arm{{Label: f("control_label"), Value: f("control_value")}, {Label: f("variant_label"), Value: f("variant_value")}},
		ExposureEvent: f("exposure_event"), ConversionEvent: f("conversion_event"), StartDate: f("start_date"), EndDate: f("end_date"),
		Baseline: num("baseline"), MDE: num("mde"), MDEKind: f("mde_kind"), Alpha: num("alpha"), Power: num("power")}
	in.ShopID, _ = strconv.ParseInt(f("shop_id"), 10, 64)
	e, err := in.experiment()
	if err == nil {
		err = s.Catalog.CreateExperiment(ctx, &e)
	}
	if c := daiyun.ErrorCode(err); c == daiyun.EINVALID || c == daiyun.ECONFLICT {
		s.renderExperiments(w, r, status(c), daiyun.ErrorMessage(err), in)
		return
	}
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/experiments/%d", e.ID), http.StatusSeeOther)
}

// experimentPageData is the detail page: the experiment, its result, the
// verdict in the reader's language and the chart's data.
type experimentPageData struct {
	experiment.Report
	Verdict     string
	DecidedText string
	IsStaff     bool
	Error       string
	Chart       template.JS
}

func (s *Server) experimentPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.uiError(w, r, daiyun.Errorf(daiyun.ENOTFOUND, "experiment not found"))
		return
	}
	rep, err := s.experiments().Report(ctx, id)
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	tr := newTranslator(langOf(r))
	data := experimentPageData{Report: *rep, IsStaff: daiyun.ActorFrom(ctx).IsStaff(), Error: r.URL.Query().Get("error"),
		Verdict: verdictText(tr, rep.Result.Verdict)}
	if d := rep.Experiment.Decision; d != nil && d.Forced {
		data.DecidedText = tr.with("exp_stopped_early", map[string]any{"By": d.DecidedBy, "At": d.DecidedAt.Format("2006-01-02 15:04 MST"),
			"N": d.MinArmSample, "M": d.PlannedPerArm})
	}
	chart := map[string]any{"x": []string{}, "rate": []any{}, "lo": []any{}, "hi": []any{},
		"title": tr.T("exp_chart_title"), "planned": rep.Experiment.Plan.PerArm}
	for _, a := range rep.Result.Arms {
		chart["x"] = append(chart["x"].([]string), a.Label)
		chart["rate"] = append(chart["rate"].([]any), a.Rate)
		chart["lo"] = append(chart["lo"].([]any), a.WilsonLow)
		chart["hi"] = append(chart["hi"].([]any), a.WilsonHigh)
	}
	data.Chart = chartJSON(chart)
	s.render(w, r, http.StatusOK, "experiment", "exp_detail", data)
}

// verdictText says a verdict in the reader's language.
func verdictText(tr translator, v experiment.Verdict) string {
	switch v.Kind {
	case experiment.VerdictInsufficient:
		return tr.with("exp_verdict_insufficient", map[string]any{"N": v.MinArmSample, "M": v.PlannedPerArm})
	case experiment.VerdictWinner:
		if v.WinnerIsControl {
			return tr.with("exp_verdict_control_wins", map[string]any{"Arm": v.Winner})
		}
		return tr.with("exp_verdict_variant_wins", map[string]any{"Arm": v.Winner})
	}
	return tr.T("exp_verdict_no_difference")
}

// with looks up a message with template data ({{.N}} in the text).
func (t translator) with(id string, data map[string]any) string {
	s, err := t.loc.Localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data})
	if err != nil {
		return id
	}
	return s
}

// experimentPost handles the detail page's start, stop and conclude forms
// and returns to the page; a refused change (the guard, a wrong state) is
// shown there.
func (s *Server) experimentPost(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.uiError(w, r, daiyun.Errorf(daiyun.ENOTFOUND, "experiment not found"))
		return
	}
	switch {
	case strings.HasSuffix(r.URL.Path, "/start"):
		_, err = s.experimentAction(ctx, id, "start")
	case strings.HasSuffix(r.URL.Path, "/stop"):
		_, err = s.experimentAction(ctx, id, "stop")
	default:
		_, err = s.experiments().Conclude(ctx, id, experiment.Conclusion{Winner: r.PostFormValue("winner"),
			Note: r.PostFormValue("note"), Force: r.PostFormValue("force") == "yes"})
	}
	if c := daiyun.ErrorCode(err); c == daiyun.EINVALID || c == daiyun.ECONFLICT {
		http.Redirect(w, r, fmt.Sprintf("/experiments/%d?error=%s", id, url.QueryEscape(daiyun.ErrorMessage(err))), http.StatusSeeOther)
		return
	}
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/experiments/%d", id), http.StatusSeeOther)
}
