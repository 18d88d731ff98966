package web

import (
	"context"
	"net/http"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
	"github.com/danielgtaylor/huma/v2"
)

// requireAuth answers 401 to an anonymous call of a secured operation
// before its input is read, so nothing about the operation's validation
// reaches callers who have not logged in.
func requireAuth(ctx huma.Context, next func(huma.Context)) {
	if len(ctx.Operation().Security) > 0 && !loggedIn(ctx.Context()) {
		ctx.SetHeader("Content-Type", "application/problem+json")
		ctx.SetStatus(http.StatusUnauthorized)
		ctx.BodyWriter().Write([]byte(`{"title":"Unauthorized","status":401,"detail":"log in or send an API key"}`))
		return
	}
	next(ctx)
}

// must fails with 401 unless the request is authenticated.
func must(ctx context.Context) error {
	if !loggedIn(ctx) {
		return huma.NewError(http.StatusUnauthorized, "log in or send an API key")
	}
	return nil
}

type idPath struct {
	ID int64 `path:"id" doc:"numeric id"`
}

type body[T any] struct{ Body T }

// op is a shorthand for an operation with security and a tag.
func op(id, method, path, summary, tag string) huma.Operation {
	return huma.Operation{
		OperationID: id, Method: method, Path: path, Summary: summary, Tags: []string{tag},
		Security: []map[string][]string{{"session": {}}, {"apikey": {}}},
	}
}

func (s *Server) registerAPI() {
	api := s.api

	// Session.
	type loginIn struct {
		Body struct {
			Email    string `json:"email" format:"email"`
			Password string `json:"password"`
		}
	}
	huma.Register(api, huma.Operation{OperationID: "login", Method: http.MethodPost, Path: "/api/v1/session",
		Summary: "Log in and start a session (sets the session cookie)", Tags: []string{"session"}},
		func(ctx context.Context, in *loginIn) (*body[daiyun.User], error) {
			r := requestFrom(ctx)
			u, err := s.login(ctx, r, in.Body.Email, in.Body.Password)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[daiyun.User]{u}, nil
		})
	huma.Register(api, op("logout", http.MethodDelete, "/api/v1/session", "Log out", "session"),
		func(ctx context.Context, _ *struct{}) (*struct{}, error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			return nil, s.sessions.Destroy(ctx)
		})
	type me struct {
		User    *daiyun.User `json:"user,omitempty"`
		Role    daiyun.Role  `json:"role"`
		Clients []int64      `json:"clients"`
		All     bool         `json:"all_clients"`
	}
	huma.Register(api, op("me", http.MethodGet, "/api/v1/me", "Who am I, and which clients can I see", "session"),
		func(ctx context.Context, _ *struct{}) (*body[me], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			a := daiyun.ActorFrom(ctx)
			ids, all := a.VisibleClients()
			out := me{Role: a.Role, Clients: nonNil(ids), All: all}
			if u, ok := userFrom(ctx); ok {
				out.User = &u
			}
			return &body[me]{out}, nil
		})

	s.registerAgencyAPI()
	s.registerOverviewAPI()
	s.registerReferences()
	s.registerMetrics()
	s.registerCockpit()
	s.registerImports()
	s.registerAnalyses()
	s.registerAlerts()
	s.registerConnectors()
	s.registerExperiments()
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

type reqKey struct{}

// requestFrom returns the *http.Request stored by withRequest.
func requestFrom(ctx context.Context) *http.Request {
	r, _ := ctx.Value(reqKey{}).(*http.Request)
	if r == nil {
		r = &http.Request{}
	}
	return r
}

func (s *Server) registerAgencyAPI() {
	api := s.api

	// Clients.
	huma.Register(api, op("list-clients", http.MethodGet, "/api/v1/clients", "List the clients you can see", "clients"),
		func(ctx context.Context, _ *struct{}) (*body[[]daiyun.Client], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			cs, err := s.Catalog.Clients(ctx)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[[]daiyun.Client]{nonNil(cs)}, nil
		})
	type clientIn struct {
		Name    string         `json:"name" minLength:"1"`
		Package daiyun.Package `json:"package,omitempty" enum:"basic,advanced,full"`
		Addons  []string       `json:"addons,omitempty"`
		Note    string         `json:"note,omitempty"`
	}
	huma.Register(api, op("create-client", http.MethodPost, "/api/v1/clients", "Add a client (agency admin)", "clients"),
		func(ctx context.Context, in *body[clientIn]) (*body[daiyun.Client], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			c := daiyun.Client{Name: in.Body.Name, Package: in.Body.Package, Addons: in.Body.Addons, Note: in.Body.Note}
			if err := s.Catalog.CreateClient(ctx, &c); err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[daiyun.Client]{c}, nil
		})
	huma.Register(api, op("get-client", http.MethodGet, "/api/v1/clients/{id}", "Get a client", "clients"),
		func(ctx context.Context, in *idPath) (*body[daiyun.Client], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			c, err := s.Catalog.Client(ctx, in.ID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[daiyun.Client]{c}, nil
		})
	type clientPatch struct {
		ID   int64 `path:"id"`
		Body clientIn
	}
	huma.Register(api, op("update-client", http.MethodPut, "/api/v1/clients/{id}", "Change a client (agency admin)", "clients"),
		func(ctx context.Context, in *clientPatch) (*body[daiyun.Client], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			c, err := s.Catalog.Client(ctx, in.ID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			c.Name, c.Note, c.Addons = in.Body.Name, in.Body.Note, in.Body.Addons
			if in.Body.Package != "" {
				c.Package = in.Body.Package
			}
			if err := s.Catalog.UpdateClient(ctx, &c); err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[daiyun.Client]{c}, nil
		})
	huma.Register(api, op("delete-client", http.MethodDelete, "/api/v1/clients/{id}", "Delete a client from the catalog (agency admin)", "clients"),
		func(ctx context.Context, in *idPath) (*struct{}, error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			return nil, s.failOrNil(ctx, s.Catalog.DeleteClient(ctx, in.ID))
		})

	// Shops.
	type shopQuery struct {
		ClientID int64  `query:"client_id" doc:"only this client's shops"`
		Platform string `query:"platform"`
		Category string `query:"category"`
	}
	huma.Register(api, op("list-shops", http.MethodGet, "/api/v1/shops", "List the shops you can see", "shops"),
		func(ctx context.Context, in *shopQuery) (*body[[]daiyun.Shop], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			shops, err := s.Catalog.Shops(ctx, catalog.ShopFilter{ClientID: in.ClientID, Platform: daiyun.Platform(in.Platform), Category: in.Category})
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[[]daiyun.Shop]{nonNil(shops)}, nil
		})
	type shopIn struct {
		ClientID   int64  `json:"client_id,omitempty" doc:"required on create; ignored on update"`
		Name       string `json:"name" minLength:"1"`
		Platform   string `json:"platform" enum:"tmall,taobao,jd,douyin,pdd,xiaohongshu,kuaishou,shopify,other"`
		Category   string `json:"category"`
		Currency   string `json:"currency" example:"CNY"`
		Timezone   string `json:"timezone" example:"Asia/Shanghai"`
		ExternalID string `json:"external_id,omitempty"`
	}
	toShop := func(in shopIn) daiyun.Shop {
		return daiyun.Shop{ClientID: in.ClientID, Name: in.Name, Platform: daiyun.Platform(in.Platform), Category: in.Category,
			Currency: in.Currency, Timezone: in.Timezone, ExternalID: in.ExternalID}
	}
	huma.Register(api, op("create-shop", http.MethodPost, "/api/v1/shops", "Add a shop to a client (agency admin)", "shops"),
		func(ctx context.Context, in *body[shopIn]) (*body[daiyun.Shop], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			sh := toShop(in.Body)
			if err := s.Catalog.CreateShop(ctx, &sh); err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[daiyun.Shop]{sh}, nil
		})
	huma.Register(api, op("get-shop", http.MethodGet, "/api/v1/shops/{id}", "Get a shop", "shops"),
		func(ctx context.Context, in *idPath) (*body[daiyun.Shop], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			sh, err := s.Catalog.Shop(ctx, in.ID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[daiyun.Shop]{sh}, nil
		})
	type shopPut struct {
		ID   int64 `path:"id"`
		Body shopIn
	}
	huma.Register(api, op("update-shop", http.MethodPut, "/api/v1/shops/{id}", "Change a shop (agency admin)", "shops"),
		func(ctx context.Context, in *shopPut) (*body[daiyun.Shop], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			sh := toShop(in.Body)
			sh.ID = in.ID
			if err := s.Catalog.UpdateShop(ctx, &sh); err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[daiyun.Shop]{sh}, nil
		})
	huma.Register(api, op("delete-shop", http.MethodDelete, "/api/v1/shops/{id}", "Delete a shop (agency admin)", "shops"),
		func(ctx context.Context, in *idPath) (*struct{}, error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			return nil, s.failOrNil(ctx, s.Catalog.DeleteShop(ctx, in.ID))
		})

	// Contracts.
	type clientQuery struct {
		ClientID int64 `query:"client_id" doc:"only this client's"`
	}
	huma.Register(api, op("list-contracts", http.MethodGet, "/api/v1/contracts", "List contracts", "contracts"),
		func(ctx context.Context, in *clientQuery) (*body[[]daiyun.Contract], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			if !daiyun.ActorFrom(ctx).IsStaff() && daiyun.ActorFrom(ctx).Role != daiyun.RoleClientManager {
				return nil, s.fail(ctx, daiyun.Errorf(daiyun.EFORBIDDEN, "contracts are shown to agency staff and client managers"))
			}
			cs, err := s.Catalog.Contracts(ctx, in.ClientID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[[]daiyun.Contract]{nonNil(cs)}, nil
		})
	type contractIn struct {
		ClientID        int64                 `json:"client_id"`
		Package         daiyun.Package        `json:"package" enum:"basic,advanced,full"`
		Currency        string                `json:"currency" example:"CNY"`
		StartDate       daiyun.Date           `json:"start_date" doc:"YYYY-MM-DD"`
		EndDate         daiyun.Date           `json:"end_date" doc:"YYYY-MM-DD"`
		BaseFeeMinor    int64                 `json:"base_fee_minor,omitempty" doc:"monthly base fee in minor units"`
		CommissionBP    int64                 `json:"commission_bp,omitempty" doc:"commission on GMV in basis points"`
		DepositMinor    int64                 `json:"deposit_minor,omitempty"`
		AutoRenew       bool                  `json:"auto_renew,omitempty"`
		RenewalNotice   int                   `json:"renewal_notice_days,omitempty"`
		MarketingBudget int64                 `json:"marketing_budget_minor,omitempty" doc:"monthly marketing budget in minor units"`
		Payments        []daiyun.PaymentStage `json:"payments,omitempty"`
		CommittedKPIs   []daiyun.CommittedKPI `json:"committed_kpis,omitempty"`
	}
	huma.Register(api, op("create-contract", http.MethodPost, "/api/v1/contracts", "Record a contract (agency admin)", "contracts"),
		func(ctx context.Context, in *body[contractIn]) (*body[daiyun.Contract], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			b := in.Body
			c := daiyun.Contract{ClientID: b.ClientID, Package: b.Package, Currency: b.Currency, StartDate: b.StartDate, EndDate: b.EndDate,
				BaseFeeMinor: b.BaseFeeMinor, CommissionBP: b.CommissionBP, DepositMinor: b.DepositMinor, AutoRenew: b.AutoRenew,
				RenewalNotice: b.RenewalNotice, MarketingBudget: b.MarketingBudget, Payments: b.Payments, CommittedKPIs: b.CommittedKPIs}
			if err := s.Catalog.CreateContract(ctx, &c); err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[daiyun.Contract]{c}, nil
		})
	huma.Register(api, op("get-contract", http.MethodGet, "/api/v1/contracts/{id}", "Get a contract", "contracts"),
		func(ctx context.Context, in *idPath) (*body[daiyun.Contract], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			if !daiyun.ActorFrom(ctx).IsStaff() && daiyun.ActorFrom(ctx).Role != daiyun.RoleClientManager {
				return nil, s.fail(ctx, daiyun.Errorf(daiyun.EFORBIDDEN, "contracts are shown to agency staff and client managers"))
			}
			c, err := s.Catalog.Contract(ctx, in.ID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[daiyun.Contract]{c}, nil
		})
	huma.Register(api, op("delete-contract", http.MethodDelete, "/api/v1/contracts/{id}", "Delete a contract (agency admin)", "contracts"),
		func(ctx context.Context, in *idPath) (*struct{}, error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			return nil, s.failOrNil(ctx, s.Catalog.DeleteContract(ctx, in.ID))
		})

	// Users.
	huma.Register(api, op("list-users", http.MethodGet, "/api/v1/users", "List users you can see", "users"),
		func(ctx context.Context, _ *struct{}) (*body[[]daiyun.User], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			us, err := s.Catalog.Users(ctx)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[[]daiyun.User]{nonNil(us)}, nil
		})
	type userIn struct {
		Email    string `json:"email" format:"email"`
		Name     string `json:"name,omitempty"`
		Role     string `json:"role" enum:"admin,director,specialist,analyst,expert,client_manager,client_viewer"`
		ClientID int64  `json:"client_id,omitempty"`
		Lang     string `json:"lang,omitempty" enum:"zh-CN,en"`
		Password string `json:"password,omitempty" doc:"at least 8 characters; required on create"`
		Disabled bool   `json:"disabled,omitempty"`
	}
	huma.Register(api, op("create-user", http.MethodPost, "/api/v1/users", "Add a user (agency admin)", "users"),
		func(ctx context.Context, in *body[userIn]) (*body[daiyun.User], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			b := in.Body
			u := daiyun.User{Email: b.Email, Name: b.Name, Role: daiyun.Role(b.Role), ClientID: b.ClientID, Lang: b.Lang, Disabled: b.Disabled}
			if err := s.Catalog.CreateUser(ctx, &u, b.Password); err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[daiyun.User]{u}, nil
		})
	huma.Register(api, op("get-user", http.MethodGet, "/api/v1/users/{id}", "Get a user", "users"),
		func(ctx context.Context, in *idPath) (*body[daiyun.User], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			u, err := s.Catalog.User(ctx, in.ID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[daiyun.User]{u}, nil
		})
	type userPut struct {
		ID   int64 `path:"id"`
		Body userIn
	}
	huma.Register(api, op("update-user", http.MethodPut, "/api/v1/users/{id}", "Change a user (agency admin)", "users"),
		func(ctx context.Context, in *userPut) (*body[daiyun.User], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			b := in.Body
			u := daiyun.User{ID: in.ID, Email: b.Email, Name: b.Name, Role: daiyun.Role(b.Role), ClientID: b.ClientID, Lang: b.Lang, Disabled: b.Disabled}
			if err := s.Catalog.UpdateUser(ctx, &u, b.Password); err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[daiyun.User]{u}, nil
		})
	huma.Register(api, op("delete-user", http.MethodDelete, "/api/v1/users/{id}", "Delete a user (agency admin)", "users"),
		func(ctx context.Context, in *idPath) (*struct{}, error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			return nil, s.failOrNil(ctx, s.Catalog.DeleteUser(ctx, in.ID))
		})

	// Assignments.
	huma.Register(api, op("list-assignments", http.MethodGet, "/api/v1/assignments", "List staff-to-client assignments", "users"),
		func(ctx context.Context, in *clientQuery) (*body[[]daiyun.Assignment], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			as, err := s.Catalog.Assignments(ctx, in.ClientID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[[]daiyun.Assignment]{nonNil(as)}, nil
		})
	huma.Register(api, op("create-assignment", http.MethodPost, "/api/v1/assignments", "Assign a staff member to a client (agency admin)", "users"),
		func(ctx context.Context, in *body[daiyun.Assignment]) (*body[daiyun.Assignment], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			if err := s.Catalog.Assign(ctx, in.Body); err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[daiyun.Assignment]{in.Body}, nil
		})
	type assignPath struct {
		UserID   int64 `path:"user_id"`
		ClientID int64 `path:"client_id"`
	}
	huma.Register(api, op("delete-assignment", http.MethodDelete, "/api/v1/assignments/{user_id}/{client_id}", "Take a staff member off a client (agency admin)", "users"),
		func(ctx context.Context, in *assignPath) (*struct{}, error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			return nil, s.failOrNil(ctx, s.Catalog.Unassign(ctx, in.UserID, in.ClientID))
		})

	// API keys.
	huma.Register(api, op("list-apikeys", http.MethodGet, "/api/v1/apikeys", "List API keys (no secrets)", "apikeys"),
		func(ctx context.Context, in *clientQuery) (*body[[]daiyun.APIKey], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			if !daiyun.ActorFrom(ctx).IsStaff() {
				return nil, s.fail(ctx, daiyun.Errorf(daiyun.EFORBIDDEN, "API keys are managed by agency staff"))
			}
			ks, err := s.Catalog.APIKeys(ctx, in.ClientID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[[]daiyun.APIKey]{nonNil(ks)}, nil
		})
	type keyIn struct {
		ClientID int64  `json:"client_id"`
		Name     string `json:"name,omitempty"`
	}
	huma.Register(api, op("create-apikey", http.MethodPost, "/api/v1/apikeys", "Create a client-scoped API key; the secret is in this answer only (agency admin)", "apikeys"),
		func(ctx context.Context, in *body[keyIn]) (*body[daiyun.APIKey], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			k, err := s.Catalog.CreateAPIKey(ctx, in.Body.ClientID, in.Body.Name)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[daiyun.APIKey]{k}, nil
		})
	huma.Register(api, op("revoke-apikey", http.MethodDelete, "/api/v1/apikeys/{id}", "Revoke an API key (agency admin)", "apikeys"),
		func(ctx context.Context, in *idPath) (*struct{}, error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			return nil, s.failOrNil(ctx, s.Catalog.RevokeAPIKey(ctx, in.ID))
		})

	// Packages.
	type pkg struct {
		ID      daiyun.Package `json:"id"`
		Modules []string       `json:"modules"`
	}
	type packages struct {
		Packages []pkg    `json:"packages"`
		Addons   []string `json:"addons"`
	}
	huma.Register(api, op("list-packages", http.MethodGet, "/api/v1/packages", "Service packages with their modules, and add-ons", "clients"),
		func(ctx context.Context, _ *struct{}) (*body[packages], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			var out packages
			for _, id := range []daiyun.Package{daiyun.PackageBasic, daiyun.PackageAdvanced, daiyun.PackageFull} {
				out.Packages = append(out.Packages, pkg{id, daiyun.Packages[id]})
			}
			out.Addons = daiyun.Addons
			return &body[packages]{out}, nil
		})

	// Audit log.
	huma.Register(api, op("audit-log", http.MethodGet, "/api/v1/audit", "The newest audit log entries you can see", "audit"),
		func(ctx context.Context, _ *struct{}) (*body[[]catalog.AuditEntry], error) {
			if err := must(ctx); err != nil {
				return nil, err
			}
			if !daiyun.ActorFrom(ctx).IsStaff() {
				return nil, s.fail(ctx, daiyun.Errorf(daiyun.EFORBIDDEN, "the audit log is for agency staff"))
			}
			es, err := s.Catalog.AuditLog(ctx, 200)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[[]catalog.AuditEntry]{nonNil(es)}, nil
		})
}

func (s *Server) failOrNil(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	return s.fail(ctx, err)
}
