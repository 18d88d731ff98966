package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/metrics"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

var funcs = template.FuncMap{
	"money": daiyun.Money,
	"bp":    func(bp int64) string { return fmt.Sprintf("%d.%02d%%", bp/100, bp%100) },
	"list":  func(xs ...string) []string { return xs },
	"kpiName": func(lang, id string) string {
		k, _ := metrics.Lookup(id)
		if lang == "en" {
			return k.NameEN
		}
		return k.NameZH
	},
	"kpiValue": func(id string, v *float64, currency string) string {
		k, _ := metrics.Lookup(id)
		return formatValue(k, v, currency)
	},
	"pct": func(v *float64) string {
		if v == nil {
			return "–"
		}
		return strconv.FormatFloat(*v*100, 'f', 1, 64) + "%"
	},
	"ratio": func(v *float64) string {
		if v == nil {
			return "–"
		}
		return strconv.FormatFloat(*v, 'f', 2, 64) + "×"
	},
	"deref": func(p any) any {
		switch v := p.(type) {
		case *bool:
			return *v
		case *float64:
			return *v
		}
		return p
	},
}

// pages parses each page template together with the layout.
var pages = func() map[string]*template.Template {
	out := map[string]*template.Template{}
	for _, name := range []string{"login", "overview", "client", "lineage", "cockpit", "imports", "error"} {
		out[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
	}
	return out
}()

// pageData is what every page template receives.
type pageData struct {
	translator
	Lang   string
	Title  string
	Active string
	User   *daiyun.User
	Data   any
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name, titleID string, data any) {
	lang := langOf(r)
	p := pageData{translator: newTranslator(lang), Lang: lang, Data: data, Active: name}
	p.Title = p.T(titleID)
	if u, ok := userFrom(r.Context()); ok {
		p.User = &u
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:")
	// Render into a buffer first, so a template fault becomes a clean 500
	// rather than half a page.
	var buf bytes.Buffer
	if err := pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		s.Logger.Error("render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(status)
	buf.WriteTo(w)
}

// requireLogin sends anonymous visitors to the login page.
func (s *Server) requireLogin(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, ok := userFrom(r.Context()); !ok {
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		h(w, r)
	}
}

// uiError renders an application error as a page with its status.
func (s *Server) uiError(w http.ResponseWriter, r *http.Request, err error) {
	code := daiyun.ErrorCode(err)
	if code == daiyun.EINTERNAL {
		s.Logger.ErrorContext(r.Context(), "internal error", "path", r.URL.Path, "err", err)
	}
	msg := daiyun.ErrorMessage(err)
	if code == daiyun.ENOTFOUND {
		msg = newTranslator(langOf(r)).T("not_found")
	}
	s.render(w, r, status(code), "error", "not_found", msg)
}

func (s *Server) registerUI() {
	static, _ := fs.Sub(staticFS, "static")
	s.page("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)).ServeHTTP)

	s.page("GET /login", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := userFrom(r.Context()); ok {
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		s.render(w, r, http.StatusOK, "login", "login_title", loginForm{})
	})
	s.page("POST /login", func(w http.ResponseWriter, r *http.Request) {
		email, password := r.PostFormValue("email"), r.PostFormValue("password")
		if _, err := s.login(r.Context(), r, email, password); err != nil {
			f := loginForm{Email: email, Error: "login_failed"}
			if daiyun.ErrorCode(err) == daiyun.ETOOMANY {
				f.Error = "login_too_many"
			}
			s.render(w, r, status(daiyun.ErrorCode(err)), "login", "login_title", f)
			return
		}
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	s.page("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		s.sessions.Destroy(r.Context())
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	})
	s.page("POST /lang", func(w http.ResponseWriter, r *http.Request) {
		lang := r.PostFormValue("lang")
		if lang != "en" && lang != "zh-CN" {
			http.Error(w, "lang must be zh-CN or en", http.StatusUnprocessableEntity)
			return
		}
		if u, ok := userFrom(r.Context()); ok {
			if err := s.Catalog.SetLang(r.Context(), u.ID, lang); err != nil {
				s.uiError(w, r, err)
				return
			}
		}
		http.SetCookie(w, &http.Cookie{Name: "daiyun_lang", Value: lang, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode})
		back := r.Header.Get("Referer")
		if back == "" {
			back = "/"
		}
		http.Redirect(w, r, back, http.StatusSeeOther)
	})
	s.page("GET /{$}", s.requireLogin(func(w http.ResponseWriter, r *http.Request) {
		data, err := s.overview(r.Context())
		if err != nil {
			s.uiError(w, r, err)
			return
		}
		s.render(w, r, http.StatusOK, "overview", "overview_title", data)
	}))
	s.page("GET /clients/{id}", s.requireLogin(s.clientPage))
	s.page("GET /clients/{id}/lineage", s.requireLogin(s.lineagePage))
	s.page("GET /clients/{id}/imports", s.requireLogin(s.importsPage))
	s.page("POST /clients/{id}/imports", s.requireLogin(s.importsPage))
}

// clientPage is the client workspace: KPI cards, trend, breakdowns, shops,
// contracts and team.
func (s *Server) clientPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.uiError(w, r, daiyun.Errorf(daiyun.ENOTFOUND, "client not found"))
		return
	}
	f, err := parseFilter(r, time.Now())
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	page, err := s.workspace(ctx, langOf(r), id, f)
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	if len(page.Shops) > 0 && s.KPIs != nil {
		sums, err := s.KPIs.ShopSummaries(ctx, page.Shops, OverviewDays)
		if err != nil {
			s.uiError(w, r, err)
			return
		}
		for _, sh := range page.Shops {
			page.Overview = append(page.Overview, ShopOverview{Shop: sh, Summary: sums[sh.ID]})
		}
	}
	a := daiyun.ActorFrom(ctx)
	if a.IsStaff() || a.Role == daiyun.RoleClientManager {
		if page.Contracts, err = s.Catalog.Contracts(ctx, id); err != nil {
			s.uiError(w, r, err)
			return
		}
	}
	asg, err := s.Catalog.Assignments(ctx, id)
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	for _, as := range asg {
		if u, err := s.Catalog.User(ctx, as.UserID); err == nil {
			page.Team = append(page.Team, teamMember{Name: u.Name, Function: as.Function})
		}
	}
	s.render(w, r, http.StatusOK, "client", "ws_title", page)
}

// lineagePage opens one figure: its formula, the SQL that ran and the fact
// rows behind it, paged (PRODUCT.md C5).
func (s *Server) lineagePage(w http.ResponseWriter, r *http.Request) {
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
	var cell metrics.Cell
	if err := json.Unmarshal([]byte(r.URL.Query().Get("cell")), &cell); err != nil {
		s.uiError(w, r, daiyun.Errorf(daiyun.EINVALID, "cell is not a metrics cell"))
		return
	}
	// The cell must be about this client: lineage never crosses clients.
	cell.Request.Filters.ClientIDs = []int64{id}
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	ex, err := s.Metrics.Explain(ctx, cell, metrics.Page{Offset: offset, Limit: 50})
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	next := r.URL.Query()
	next.Set("offset", strconv.Itoa(offset+50))
	s.render(w, r, http.StatusOK, "lineage", "ws_lineage", lineageView{ClientID: id, Explanation: ex, Next: "?" + next.Encode(), Offset: offset})
}

type lineageView struct {
	ClientID    int64
	Explanation *metrics.Explanation
	Next        string
	Offset      int
}

type loginForm struct {
	Email string
	Error string
}

type teamMember struct {
	Name     string
	Function string
}
