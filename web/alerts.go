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
	"github.com/daiyun/daiyun/alerting"
	"github.com/daiyun/daiyun/catalog"
	"github.com/danielgtaylor/huma/v2"
)

// The alert inbox (PRODUCT.md E1–E6): API under /api/v1/alerts and
// /api/v1/alert-rules, and the inbox and detail pages. Access is decided
// by the catalog (alerts of a client the caller may not see are not
// found; client users see level 3 and budget colours only; only staff
// acknowledge and resolve).

func init() {
	for _, name := range []string{"alerts", "alert", "alert_rules"} {
		pages[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
}

// alertService builds the evaluator over the server's metrics service.
func (s *Server) alertService() (*alerting.Service, error) {
	ms := s.Metrics
	if ms == nil {
		if k, ok := s.KPIs.(MetricsKPIs); ok {
			ms = k.Service
		}
	}
	if ms == nil {
		return nil, daiyun.Errorf(daiyun.EINVALID, "alert evaluation needs the metrics service")
	}
	return &alerting.Service{Store: s.Catalog, Evaluator: &alerting.Evaluator{Metrics: ms, Warehouse: s.Warehouse, Contracts: s.Catalog}}, nil
}

// alertDetail is an alert with its comments, delivery log (staff) and
// lineage link.
type alertDetail struct {
	Alert      alerting.Alert      `json:"alert"`
	Comments   []alerting.Comment  `json:"comments"`
	Deliveries []alerting.Delivery `json:"deliveries,omitempty"`
	Lineage    string              `json:"lineage,omitempty"`
	// Playbook is the emergency playbook run a level-3 alert started.
	Playbook *alerting.PlaybookRun `json:"playbook,omitempty"`
}

func (s *Server) alertDetail(ctx context.Context, id int64) (alertDetail, error) {
	a, err := s.Catalog.Alert(ctx, id)
	if err != nil {
		return alertDetail{}, err
	}
	d := alertDetail{Alert: a, Lineage: alerting.LineagePath(a)}
	if d.Comments, err = s.Catalog.AlertComments(ctx, id); err != nil {
		return d, err
	}
	switch run, err := s.Catalog.PlaybookRunForAlert(ctx, id); daiyun.ErrorCode(err) {
	case "":
		d.Playbook = &run
	case daiyun.ENOTFOUND:
	default:
		return d, err
	}
	if daiyun.ActorFrom(ctx).IsStaff() {
		if d.Deliveries, err = s.Catalog.AlertDeliveries(ctx, id); err != nil {
			return d, err
		}
	}
	return d, nil
}

type alertListIn struct {
	State    string `query:"state" enum:"open,acknowledged,resolved,all" default:"open" doc:"open means open or acknowledged"`
	Level    int    `query:"level" minimum:"0" maximum:"3"`
	Colour   string `query:"colour" enum:"red,yellow,"`
	ClientID int64  `query:"client_id"`
	ShopID   int64  `query:"shop_id"`
}

func (in alertListIn) filter() catalog.AlertFilter {
	f := catalog.AlertFilter{State: in.State, Level: in.Level, Colour: in.Colour, ClientID: in.ClientID, ShopID: in.ShopID}
	if f.State == "all" {
		f.State = ""
	}
	return f
}

type postMortemIn struct {
	Cause       string `json:"cause,omitempty"`
	Actions     string `json:"actions,omitempty"`
	Preventable *bool  `json:"preventable,omitempty"`
}

type evaluateIn struct {
	AsOf string `json:"as_of" doc:"YYYY-MM-DD; default yesterday"`
	Days int    `json:"days,omitempty" minimum:"0" maximum:"400" doc:"back-test this many days (nothing is recorded)"`
}

// evaluateOut is an evaluation (firing, cleared, errors and what it changed
// in the inbox) or a back-test (would_have_opened).
type evaluateOut struct {
	AsOf    daiyun.Date          `json:"as_of"`
	Firing  []alerting.Firing    `json:"firing,omitempty"`
	Cleared []alerting.Key       `json:"cleared,omitempty"`
	Errors  []alerting.RuleError `json:"errors,omitempty"`
	Sync    *alerting.SyncResult `json:"sync,omitempty"`
	Opened  []alerting.Firing    `json:"would_have_opened,omitempty"`
}

func (s *Server) registerAlerts() {
	api := s.api
	huma.Register(api, op("list-alerts", http.MethodGet, "/api/v1/alerts", "List alerts (the inbox), narrowed to what you may see", "alerts"),
		func(ctx context.Context, in *alertListIn) (*body[[]alerting.Alert], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			as, err := s.Catalog.Alerts(ctx, in.filter())
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[[]alerting.Alert]{nonNil(as)}, nil
		})
	huma.Register(api, op("alert-summary", http.MethodGet, "/api/v1/alerts/summary", "Open alerts by level and the budget colour of every client you see (the cockpit badge)", "alerts"),
		func(ctx context.Context, _ *struct{}) (*body[alertSummary], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			sum, err := s.alertSummary(ctx)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[alertSummary]{sum}, nil
		})
	huma.Register(api, op("get-alert", http.MethodGet, "/api/v1/alerts/{id}", "An alert with its comments and delivery log", "alerts"),
		func(ctx context.Context, in *idPath) (*body[alertDetail], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			d, err := s.alertDetail(ctx, in.ID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[alertDetail]{d}, nil
		})
	huma.Register(api, op("ack-alert", http.MethodPost, "/api/v1/alerts/{id}/ack", "Acknowledge an open alert (staff; stops escalation)", "alerts"),
		func(ctx context.Context, in *idPath) (*body[alerting.Alert], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			a, err := s.Catalog.AckAlert(ctx, in.ID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[alerting.Alert]{a}, nil
		})
	type resolveIn struct {
		ID   int64 `path:"id"`
		Body postMortemIn
	}
	huma.Register(api, op("resolve-alert", http.MethodPost, "/api/v1/alerts/{id}/resolve", "Resolve an alert with its post-mortem (staff; level 3 needs a cause)", "alerts"),
		func(ctx context.Context, in *resolveIn) (*body[alerting.Alert], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			a, err := s.Catalog.ResolveAlert(ctx, in.ID, alerting.PostMortem{Cause: in.Body.Cause, Actions: in.Body.Actions, Preventable: in.Body.Preventable})
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[alerting.Alert]{a}, nil
		})
	type commentIn struct {
		ID   int64 `path:"id"`
		Body struct {
			Body string `json:"body" minLength:"1" maxLength:"10000"`
		}
	}
	huma.Register(api, op("comment-alert", http.MethodPost, "/api/v1/alerts/{id}/comments", "Comment on an alert (staff and the client's manager)", "alerts"),
		func(ctx context.Context, in *commentIn) (*body[alerting.Comment], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			c, err := s.Catalog.CommentAlert(ctx, in.ID, in.Body.Body)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[alerting.Comment]{c}, nil
		})
	type assignIn struct {
		ID   int64 `path:"id"`
		Body struct {
			UserID int64 `json:"user_id"`
		}
	}
	huma.Register(api, op("assign-alert", http.MethodPost, "/api/v1/alerts/{id}/assign", "Assign an alert to a member of the client's team (staff)", "alerts"),
		func(ctx context.Context, in *assignIn) (*body[alerting.Alert], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			a, err := s.Catalog.AssignAlert(ctx, in.ID, in.Body.UserID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[alerting.Alert]{a}, nil
		})
	huma.Register(api, op("evaluate-alerts", http.MethodPost, "/api/v1/alerts/evaluate", "Evaluate the rules at a day for the clients you see (staff), or back-test", "alerts"),
		func(ctx context.Context, in *body[evaluateIn]) (*body[evaluateOut], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			if !daiyun.ActorFrom(ctx).IsStaff() {
				return nil, s.fail(ctx, daiyun.Errorf(daiyun.EFORBIDDEN, "only agency staff may evaluate rules"))
			}
			out, err := s.evaluate(ctx, in.Body)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[evaluateOut]{out}, nil
		})

	huma.Register(api, op("list-alert-rules", http.MethodGet, "/api/v1/alert-rules", "List the alert rules (staff)", "alerts"),
		func(ctx context.Context, _ *struct{}) (*body[[]alerting.Rule], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			rs, err := s.Catalog.AlertRules(ctx)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[[]alerting.Rule]{nonNil(rs)}, nil
		})
	type ruleIn struct {
		Name string `path:"name"`
		Body alerting.Rule
	}
	huma.Register(api, op("put-alert-rule", http.MethodPut, "/api/v1/alert-rules/{name}", "Create or replace a rule by name (agency rules: admin or director)", "alerts"),
		func(ctx context.Context, in *ruleIn) (*body[alerting.Rule], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			r := in.Body
			r.Name = in.Name
			if err := s.Catalog.PutAlertRule(ctx, &r); err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[alerting.Rule]{r}, nil
		})
	type ruleName struct {
		Name string `path:"name"`
	}
	huma.Register(api, op("delete-alert-rule", http.MethodDelete, "/api/v1/alert-rules/{name}", "Delete a rule and its alerts", "alerts"),
		func(ctx context.Context, in *ruleName) (*struct{}, error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			return nil, s.failOrNil(ctx, s.Catalog.DeleteAlertRule(ctx, in.Name))
		})

	s.registerPlaybooks()
	s.registerChannels()
	s.page("GET /alerts", s.requireLogin(s.alertsPage))
	s.page("GET /alerts/rules", s.requireLogin(s.alertRulesPage))
	s.page("POST /alerts/rules", s.requireLogin(s.alertRulesApply))
	s.page("GET /alerts/{id}", s.requireLogin(s.alertPage))
	s.page("POST /alerts/{id}/ack", s.requireLogin(s.alertAction))
	s.page("POST /alerts/{id}/resolve", s.requireLogin(s.alertAction))
	s.page("POST /alerts/{id}/comment", s.requireLogin(s.alertAction))
}

// evaluate runs the rules at a day (recording the outcome) or back-tests.
func (s *Server) evaluate(ctx context.Context, in evaluateIn) (evaluateOut, error) {
	var out evaluateOut
	svc, err := s.alertService()
	if err != nil {
		return out, err
	}
	day := daiyun.Date{Time: time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)}
	if in.AsOf != "" {
		if day, err = daiyun.ParseDate(in.AsOf); err != nil {
			return out, err
		}
	}
	out.AsOf = day
	if in.Days > 0 {
		rules, err := s.Catalog.AlertRules(ctx)
		if err != nil {
			return out, err
		}
		out.Opened, _, err = svc.Evaluator.Backtest(ctx, rules, day, in.Days)
		return out, err
	}
	o, res, err := svc.Evaluate(ctx, day)
	if err != nil {
		return out, err
	}
	out.Firing, out.Cleared, out.Errors, out.Sync = o.Firing, o.Cleared, o.Errors, &res
	return out, nil
}

// alertSummary counts open alerts by level and gives each visible client
// its budget colour.
type alertSummary struct {
	Open    int              `json:"open"`
	ByLevel map[string]int   `json:"by_level"`
	Colours map[int64]string `json:"colours"`
}

func (s *Server) alertSummary(ctx context.Context) (alertSummary, error) {
	out := alertSummary{ByLevel: map[string]int{"1": 0, "2": 0, "3": 0}, Colours: map[int64]string{}}
	clients, err := s.Catalog.Clients(ctx)
	if err != nil {
		return out, err
	}
	for _, c := range clients {
		out.Colours[c.ID] = alerting.Green
	}
	open, err := s.Catalog.Alerts(ctx, catalog.AlertFilter{State: alerting.StateOpen, Limit: 1000})
	if err != nil {
		return out, err
	}
	for _, a := range open {
		out.Open++
		if a.Level > 0 {
			out.ByLevel[strconv.Itoa(a.Level)]++
		}
		switch {
		case a.Colour == alerting.Red:
			out.Colours[a.ClientID] = alerting.Red
		case a.Colour == alerting.Yellow && out.Colours[a.ClientID] != alerting.Red:
			out.Colours[a.ClientID] = alerting.Yellow
		}
	}
	return out, nil
}

// alertsPageData is the inbox.
type alertsPageData struct {
	Alerts  []alerting.Alert
	Clients map[int64]string
	Filter  alertListIn
	Levels  []int
	States  []string
	Colours map[int64]string // budget colour per visible client
}

func (s *Server) alertsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	in := alertListIn{State: q.Get("state"), Colour: q.Get("colour")}
	if in.State == "" {
		in.State = "open"
	}
	in.Level, _ = strconv.Atoi(q.Get("level"))
	in.ClientID, _ = strconv.ParseInt(q.Get("client_id"), 10, 64)
	as, err := s.Catalog.Alerts(ctx, in.filter())
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	clients, err := s.Catalog.Clients(ctx)
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	sum, err := s.alertSummary(ctx)
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	data := alertsPageData{Alerts: as, Clients: map[int64]string{}, Filter: in, Levels: []int{1, 2, 3},
		States: []string{"open", "acknowledged", "resolved", "all"}, Colours: sum.Colours}
	for _, c := range clients {
		data.Clients[c.ID] = c.Name
	}
	s.render(w, r, http.StatusOK, "alerts", "alert_inbox", data)
}

// alertPageData is the detail page.
type alertPageData struct {
	alertDetail
	Client  string
	IsStaff bool
	CanNote bool
	// IsManager: the client's manager, who ticks client-manager steps.
	IsManager bool
	Error     string
}

func (s *Server) alertPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.uiError(w, r, daiyun.Errorf(daiyun.ENOTFOUND, "alert not found"))
		return
	}
	d, err := s.alertDetail(ctx, id)
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	a := daiyun.ActorFrom(ctx)
	data := alertPageData{alertDetail: d, IsStaff: a.IsStaff(), CanNote: a.IsStaff() || a.Role == daiyun.RoleClientManager,
		IsManager: a.Role == daiyun.RoleClientManager, Error: r.URL.Query().Get("error")}
	if c, err := s.Catalog.Client(ctx, d.Alert.ClientID); err == nil {
		data.Client = c.Name
	}
	s.render(w, r, http.StatusOK, "alert", "alert_detail", data)
}

// alertAction handles the detail page's forms and returns to the page.
func (s *Server) alertAction(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.uiError(w, r, daiyun.Errorf(daiyun.ENOTFOUND, "alert not found"))
		return
	}
	switch {
	case strings.HasSuffix(r.URL.Path, "/ack"):
		_, err = s.Catalog.AckAlert(ctx, id)
	case strings.HasSuffix(r.URL.Path, "/resolve"):
		pm := alerting.PostMortem{Cause: r.PostFormValue("cause"), Actions: r.PostFormValue("actions")}
		switch r.PostFormValue("preventable") {
		case "yes":
			v := true
			pm.Preventable = &v
		case "no":
			v := false
			pm.Preventable = &v
		}
		_, err = s.Catalog.ResolveAlert(ctx, id, pm)
	default:
		_, err = s.Catalog.CommentAlert(ctx, id, r.PostFormValue("body"))
	}
	if c := daiyun.ErrorCode(err); c == daiyun.EINVALID || c == daiyun.ECONFLICT {
		http.Redirect(w, r, fmt.Sprintf("/alerts/%d?error=%s", id, url.QueryEscape(daiyun.ErrorMessage(err))), http.StatusSeeOther)
		return
	}
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/alerts/%d", id), http.StatusSeeOther)
}

// alertRulesPageData is the rules page: the rules and a YAML editor.
type alertRulesPageData struct {
	Rules   []alerting.Rule
	YAML    string
	Error   string
	Applied int
	CanEdit bool
}

// alertRulesPage lists the rules (staff) with their YAML to edit.
func (s *Server) alertRulesPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rules, err := s.Catalog.AlertRules(ctx)
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	b, err := alerting.ExportYAML(rules)
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	applied, _ := strconv.Atoi(r.URL.Query().Get("applied"))
	s.render(w, r, http.StatusOK, "alert_rules", "alert_rules", alertRulesPageData{Rules: rules, YAML: string(b), Applied: applied})
}

// alertRulesApply loads the posted YAML (insert or replace by name); a
// wrong rule is shown with the text kept for correction.
func (s *Server) alertRulesApply(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if !daiyun.ActorFrom(ctx).IsStaff() {
		s.uiError(w, r, daiyun.Errorf(daiyun.EFORBIDDEN, "only agency staff may change rules"))
		return
	}
	text := r.PostFormValue("yaml")
	rules, err := alerting.ParseYAML("rules", []byte(text))
	for i := 0; err == nil && i < len(rules); i++ {
		err = s.Catalog.PutAlertRule(ctx, &rules[i])
	}
	if err != nil {
		code := daiyun.ErrorCode(err)
		if code != daiyun.EINVALID && code != daiyun.EFORBIDDEN && code != daiyun.ECONFLICT && code != daiyun.ENOTFOUND {
			s.uiError(w, r, err)
			return
		}
		current, _ := s.Catalog.AlertRules(ctx)
		s.render(w, r, status(code), "alert_rules", "alert_rules", alertRulesPageData{Rules: current, YAML: text, Error: daiyun.ErrorMessage(err)})
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/alerts/rules?applied=%d", len(rules)), http.StatusSeeOther)
}
