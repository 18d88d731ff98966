package web

import (
	"context"
	"net/http"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/report"
	"github.com/danielgtaylor/huma/v2"
)

// cockpit builds the agency cockpit for agency staff (clients use their
// workspace and portal).
func (s *Server) cockpit(ctx context.Context, from, to daiyun.Date, currency string) (*report.Cockpit, error) {
	if !daiyun.ActorFrom(ctx).IsStaff() {
		return nil, daiyun.Errorf(daiyun.EFORBIDDEN, "the cockpit is for agency staff")
	}
	return report.BuildCockpit(ctx, report.Sources{
		Metrics:   s.Metrics,
		Clients:   s.Catalog.Clients,
		Contracts: s.Catalog.Contracts,
		FX:        s.Metrics.FX,
		Warehouse: s.Warehouse,
	}, from, to, currency)
}

func (s *Server) registerCockpit() {
	type cockpitIn struct {
		From     string `query:"from" doc:"first day, YYYY-MM-DD (default: 30 days before yesterday)"`
		To       string `query:"to" doc:"last day, YYYY-MM-DD (default: yesterday)"`
		Currency string `query:"currency" doc:"currency of the portfolio figures (default CNY)"`
	}
	huma.Register(s.api, op("cockpit", http.MethodGet, "/api/v1/cockpit",
		"The agency cockpit: portfolio KPIs, client health, target attainment and fee revenue (agency staff)", "overview"),
		func(ctx context.Context, in *cockpitIn) (*body[*report.Cockpit], error) {
			f, err := filterFrom(in.From, in.To)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			ck, err := s.cockpit(ctx, f.From, f.To, in.Currency)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[*report.Cockpit]{ck}, nil
		})
	s.page("GET /cockpit", s.requireLogin(func(w http.ResponseWriter, r *http.Request) {
		f, err := parseFilter(r, time.Now())
		if err != nil {
			s.uiError(w, r, err)
			return
		}
		ck, err := s.cockpit(r.Context(), f.From, f.To, r.URL.Query().Get("currency"))
		if err != nil {
			s.uiError(w, r, err)
			return
		}
		alerts, err := s.alertSummary(r.Context())
		if err != nil {
			s.uiError(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "cockpit", "ck_title", cockpitView{Cockpit: ck, Filter: f, Alerts: alerts})
	}))
}

type cockpitView struct {
	*report.Cockpit
	Filter workspaceFilter
	Alerts alertSummary
}

// filterFrom reads optional from/to query values with the workspace's
// defaults.
func filterFrom(from, to string) (workspaceFilter, error) {
	r, _ := http.NewRequest("GET", "/?from="+from+"&to="+to, nil)
	return parseFilter(r, time.Now())
}
