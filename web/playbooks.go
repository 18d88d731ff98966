package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/alerting"
	"github.com/daiyun/daiyun/catalog"
	"github.com/danielgtaylor/huma/v2"
)

// Emergency playbooks (PRODUCT.md E7/F9, issue 6): the API under
// /api/v1/playbooks, /api/v1/playbook-runs and /api/v1/playbook-steps,
// the /playbooks page (the playbooks as YAML, the runs with their overdue
// steps) and the tick form of the alert page. Access is the catalog's:
// playbooks are the agency's (staff read, admins and directors change);
// a run is read like the alert that started it.

func init() {
	pages["playbooks"] = template.Must(template.New("playbooks").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/playbooks.html"))
}

// stepIn is a playbook step in the API, with its due time as text.
type stepIn struct {
	Title        string `json:"title" minLength:"1" maxLength:"200"`
	Owner        string `json:"owner" enum:"specialist,analyst,expert,lead,director,client_manager"`
	Due          string `json:"due" doc:"due this long after the run starts: 30m, 2h, 1d, 1d12h" example:"2h"`
	Instructions string `json:"instructions,omitempty" maxLength:"5000"`
}

// playbookOut is a playbook in the API.
type playbookOut struct {
	Name        string   `json:"name"`
	Title       string   `json:"title,omitempty"`
	Description string   `json:"description,omitempty"`
	Version     int      `json:"version"`
	Default     bool     `json:"default" doc:"shipped with Daiyun (editable)"`
	Steps       []stepIn `json:"steps"`
	UpdatedAt   string   `json:"updated_at"`
}

func playbookView(p alerting.Playbook) playbookOut {
	out := playbookOut{Name: p.Name, Title: p.Title, Description: p.Description, Version: p.Version, Default: p.Default,
		Steps: []stepIn{}, UpdatedAt: p.UpdatedAt.Format("2006-01-02T15:04:05Z")}
	for _, st := range p.Steps {
		out.Steps = append(out.Steps, stepIn{Title: st.Title, Owner: st.Owner, Due: st.Due.String(), Instructions: st.Instructions})
	}
	return out
}

func (s *Server) registerPlaybooks() {
	api := s.api
	huma.Register(api, op("list-playbooks", http.MethodGet, "/api/v1/playbooks", "List the emergency playbooks (staff)", "playbooks"),
		func(ctx context.Context, _ *struct{}) (*body[[]playbookOut], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			ps, err := s.playbooks(ctx)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			out := []playbookOut{}
			for _, p := range ps {
				out = append(out, playbookView(p))
			}
			return &body[[]playbookOut]{out}, nil
		})
	type nameIn struct {
		Name string `path:"name"`
	}
	huma.Register(api, op("get-playbook", http.MethodGet, "/api/v1/playbooks/{name}", "One playbook with its steps (staff)", "playbooks"),
		func(ctx context.Context, in *nameIn) (*body[playbookOut], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			if _, err := s.playbooks(ctx); err != nil {
				return nil, s.fail(ctx, err)
			}
			p, err := s.Catalog.Playbook(ctx, in.Name)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[playbookOut]{playbookView(p)}, nil
		})
	type putIn struct {
		Name string `path:"name"`
		Body struct {
			Title       string   `json:"title,omitempty" maxLength:"200"`
			Description string   `json:"description,omitempty" maxLength:"2000"`
			Steps       []stepIn `json:"steps" minItems:"1" maxItems:"50"`
		}
	}
	huma.Register(api, op("put-playbook", http.MethodPut, "/api/v1/playbooks/{name}", "Create or replace a playbook by name; a change raises its version (admin or director)", "playbooks"),
		func(ctx context.Context, in *putIn) (*body[playbookOut], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			p := alerting.Playbook{Name: in.Name, Title: in.Body.Title, Description: in.Body.Description}
			for i, st := range in.Body.Steps {
				due, err := alerting.ParseOffset(st.Due)
				if err != nil {
					return nil, s.fail(ctx, daiyun.Errorf(daiyun.EINVALID, "playbook %q: steps[%d]: due %s", in.Name, i, err))
				}
				p.Steps = append(p.Steps, alerting.Step{Title: st.Title, Owner: st.Owner, Due: due, Instructions: st.Instructions})
			}
			if err := s.Catalog.PutPlaybook(ctx, &p); err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[playbookOut]{playbookView(p)}, nil
		})
	huma.Register(api, op("delete-playbook", http.MethodDelete, "/api/v1/playbooks/{name}", "Delete a playbook; runs already started keep their steps (admin or director)", "playbooks"),
		func(ctx context.Context, in *nameIn) (*struct{}, error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			return nil, s.failOrNil(ctx, s.Catalog.DeletePlaybook(ctx, in.Name))
		})
	type runsIn struct {
		ClientID int64 `query:"client_id"`
		Open     bool  `query:"open" doc:"only runs with a step not done"`
	}
	huma.Register(api, op("list-playbook-runs", http.MethodGet, "/api/v1/playbook-runs", "Playbook runs (emergencies) with their steps, overdue ones counted; narrowed to what you may see", "playbooks"),
		func(ctx context.Context, in *runsIn) (*body[[]alerting.PlaybookRun], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			rs, err := s.Catalog.PlaybookRuns(ctx, catalog.RunFilter{ClientID: in.ClientID, Open: in.Open})
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[[]alerting.PlaybookRun]{rs}, nil
		})
	huma.Register(api, op("get-alert-playbook", http.MethodGet, "/api/v1/alerts/{id}/playbook", "The playbook run a level-3 alert started, with its progress", "playbooks"),
		func(ctx context.Context, in *idPath) (*body[alerting.PlaybookRun], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			r, err := s.Catalog.PlaybookRunForAlert(ctx, in.ID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[alerting.PlaybookRun]{r}, nil
		})
	huma.Register(api, op("complete-playbook-step", http.MethodPost, "/api/v1/playbook-steps/{id}/done", "Tick a playbook step done (the client's team; the client's manager for client-manager steps)", "playbooks"),
		func(ctx context.Context, in *idPath) (*body[alerting.RunStep], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			st, err := s.Catalog.CompletePlaybookStep(ctx, in.ID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[alerting.RunStep]{st}, nil
		})

	s.page("GET /playbooks", s.requireLogin(s.playbooksPage))
	s.page("POST /playbooks", s.requireLogin(s.playbooksApply))
	s.page("POST /alerts/{id}/step", s.requireLogin(s.alertStepDone))
}

// playbooks installs the shipped playbooks once (as the system, when the
// caller may see every client) and lists them.
func (s *Server) playbooks(ctx context.Context) ([]alerting.Playbook, error) {
	if daiyun.ActorFrom(ctx).AllClients() {
		if _, err := s.Catalog.SeedPlaybooks(ctx, alerting.DefaultPlaybooks()); err != nil {
			return nil, err
		}
	}
	return s.Catalog.Playbooks(ctx)
}

// playbooksPageData is the playbooks page.
type playbooksPageData struct {
	Playbooks []alerting.Playbook
	Runs      []alerting.PlaybookRun
	Clients   map[int64]string
	YAML      string
	Error     string
	Applied   int
	CanEdit   bool
}

func (s *Server) playbooksPageData(ctx context.Context) (playbooksPageData, error) {
	var d playbooksPageData
	var err error
	if d.Playbooks, err = s.playbooks(ctx); err != nil {
		return d, err
	}
	if d.Runs, err = s.Catalog.PlaybookRuns(ctx, catalog.RunFilter{}); err != nil {
		return d, err
	}
	b, err := alerting.ExportPlaybooks(d.Playbooks)
	if err != nil {
		return d, err
	}
	d.YAML, d.CanEdit, d.Clients = string(b), daiyun.ActorFrom(ctx).AllClients(), map[int64]string{}
	clients, err := s.Catalog.Clients(ctx)
	if err != nil {
		return d, err
	}
	for _, c := range clients {
		d.Clients[c.ID] = c.Name
	}
	return d, nil
}

// playbooksPage lists the playbooks (staff), their YAML and the runs.
func (s *Server) playbooksPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.playbooksPageData(r.Context())
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	d.Applied, _ = strconv.Atoi(r.URL.Query().Get("applied"))
	s.render(w, r, http.StatusOK, "playbooks", "pb_title", d)
}

// playbooksApply loads the posted YAML (upsert by name); a wrong playbook
// is shown with the text kept.
func (s *Server) playbooksApply(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if !daiyun.ActorFrom(ctx).IsStaff() {
		s.uiError(w, r, daiyun.Errorf(daiyun.EFORBIDDEN, "only agency staff may change playbooks"))
		return
	}
	text := r.PostFormValue("yaml")
	ps, err := alerting.ParsePlaybooks("playbooks", []byte(text))
	for i := 0; err == nil && i < len(ps); i++ {
		err = s.Catalog.PutPlaybook(ctx, &ps[i])
	}
	if err != nil {
		code := daiyun.ErrorCode(err)
		if code != daiyun.EINVALID && code != daiyun.EFORBIDDEN && code != daiyun.ECONFLICT {
			s.uiError(w, r, err)
			return
		}
		d, derr := s.playbooksPageData(ctx)
		if derr != nil {
			s.uiError(w, r, derr)
			return
		}
		d.YAML, d.Error = text, daiyun.ErrorMessage(err)
		s.render(w, r, status(code), "playbooks", "pb_title", d)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/playbooks?applied=%d", len(ps)), http.StatusSeeOther)
}

// alertStepDone ticks a step of the alert's run from the alert page.
func (s *Server) alertStepDone(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.uiError(w, r, daiyun.Errorf(daiyun.ENOTFOUND, "alert not found"))
		return
	}
	run, err := s.Catalog.PlaybookRunForAlert(ctx, id)
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	step, _ := strconv.ParseInt(r.PostFormValue("step"), 10, 64)
	found := false
	for _, st := range run.Steps {
		found = found || st.ID == step
	}
	if !found {
		s.uiError(w, r, daiyun.Errorf(daiyun.ENOTFOUND, "playbook step %d not found", step))
		return
	}
	_, err = s.Catalog.CompletePlaybookStep(ctx, step)
	if c := daiyun.ErrorCode(err); c == daiyun.ECONFLICT {
		http.Redirect(w, r, fmt.Sprintf("/alerts/%d?error=%s", id, url.QueryEscape(daiyun.ErrorMessage(err))), http.StatusSeeOther)
		return
	}
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/alerts/%d#playbook", id), http.StatusSeeOther)
}
