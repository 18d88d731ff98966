package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
)

// Expected statuses per persona. Personas that can see client A: admin,
// director, specialist and analyst (assigned to A), manager_a, viewer_a.
// expert is assigned to B only; manager_b is B's manager.
var (
	all = func(code int) map[string]int {
		m := map[string]int{}
		for _, p := range personas {
			m[p] = code
		}
		return m
	}
	// readA: reading one of client A's things.
	readA = map[string]int{"anonymous": 401, "admin": 200, "director": 200, "specialist": 200, "analyst": 200,
		"expert": 404, "manager_a": 200, "viewer_a": 200, "manager_b": 404}
	// loggedIn: any authenticated caller; lists are narrowed, not refused.
	loggedIn = merge(all(200), map[string]int{"anonymous": 401})
	// adminOnly: changing the agency's set-up.
	adminOnly = func(ok int) map[string]int {
		return merge(all(403), map[string]int{"anonymous": 401, "admin": ok})
	}
	// staffOnly: agency staff, not client users.
	staffOnly = merge(loggedIn, map[string]int{"manager_a": 403, "viewer_a": 403, "manager_b": 403})
	// managers: staff and client managers (contracts).
	managers = merge(loggedIn, map[string]int{"viewer_a": 403})
	// page: UI pages send anonymous visitors to the login page.
	page = merge(all(200), map[string]int{"anonymous": 303})
)

func merge(a, b map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// probe is how the walk calls one route.
type probe struct {
	// req gives the path and body for a persona; it may create a fresh
	// object of client A first, so destructive calls have something to
	// act on.
	req  func(e *env, persona string) (path, body string)
	want map[string]int
	// leaks: for personas who cannot see A, none of these strings may
	// appear in the answer.
	leaks bool
	// fresh: log the persona in on a new cookie jar for this call (logout).
	fresh bool
	// isolated: use a new, empty cookie jar (a login must not replace the
	// persona's own session).
	isolated bool
}

func fixed(path, body string) func(*env, string) (string, string) {
	return func(*env, string) (string, string) { return path, body }
}

// policy lists every route the server has. A route missing here fails the
// test: adding a route means deciding who may call it.
var policy = map[string]probe{
	"GET /healthz": {req: fixed("/healthz", ""), want: all(200)},
	"GET /readyz":  {req: fixed("/readyz", ""), want: all(200)},
	"GET /metrics": {req: fixed("/metrics", ""), want: all(200)},
	"GET /static/": {req: fixed("/static/app.css", ""), want: all(200)},
	"GET /login":   {req: fixed("/login", ""), want: merge(all(303), map[string]int{"anonymous": 200})},
	"POST /login": {req: func(e *env, p string) (string, string) {
		return "/login", "email=nobody-" + p + "@test.local&password=wrong"
	}, want: all(401)},
	"POST /logout": {req: fixed("/logout", ""), want: all(303), fresh: true},
	"POST /lang":   {req: fixed("/lang", "lang=en"), want: all(303)},
	"GET /{$}":     {req: fixed("/", ""), want: page, leaks: true},
	"GET /clients/{id}": {req: func(e *env, _ string) (string, string) { return fmt.Sprintf("/clients/%d", e.a.ID), "" },
		want: merge(readA, map[string]int{"anonymous": 303})},

	"GET /clients/{id}/lineage": {req: func(e *env, _ string) (string, string) {
		cell := fmt.Sprintf(`{"request":{"kpis":["gmv"],"from":"2026-01-01","to":"2026-12-31","filters":{"shop_ids":[%d]}},"kpi":"gmv"}`, e.shopA.ID)
		return fmt.Sprintf("/clients/%d/lineage?cell=%s", e.a.ID, url.QueryEscape(cell)), ""
	}, want: merge(readA, map[string]int{"anonymous": 303}), leaks: true},
	"GET /cockpit":        {req: fixed("/cockpit", ""), want: merge(staffOnly, map[string]int{"anonymous": 303}), leaks: true},
	"GET /api/v1/cockpit": {req: fixed("/api/v1/cockpit", ""), want: staffOnly, leaks: true},
	"GET /clients/{id}/imports": {req: func(e *env, _ string) (string, string) { return fmt.Sprintf("/clients/%d/imports", e.a.ID), "" },
		want: merge(readA, map[string]int{"anonymous": 303}), leaks: true},
	"POST /clients/{id}/imports": {req: func(e *env, _ string) (string, string) {
		return fmt.Sprintf("/clients/%d/imports", e.a.ID), "shop_id=0"
	}, want: map[string]int{"anonymous": 303, "admin": 422, "director": 422, "specialist": 422, "analyst": 422, "expert": 404,
		"manager_a": 403, "viewer_a": 403, "manager_b": 404}},
	"POST /api/v1/imports": {req: func(e *env, _ string) (string, string) {
		return "/api/v1/imports", fmt.Sprintf("multipart:shop_id=%d", e.shopA.ID)
	}, want: map[string]int{"anonymous": 401, "admin": 200, "director": 200, "specialist": 200, "analyst": 200, "expert": 404,
		"manager_a": 403, "viewer_a": 403, "manager_b": 404}},
	"GET /api/v1/imports":      {req: fixed("/api/v1/imports", ""), want: loggedIn, leaks: true},
	"GET /api/v1/imports/{id}": {req: func(e *env, _ string) (string, string) { return "/api/v1/imports/" + e.importA, "" }, want: readA, leaks: true},
	"GET /api/v1/imports/{id}/quarantine": {req: func(e *env, _ string) (string, string) {
		return "/api/v1/imports/" + e.importA + "/quarantine", ""
	}, want: readA, leaks: true},
	"GET /api/v1/imports/{id}/quarantine.csv": {req: func(e *env, _ string) (string, string) {
		return "/api/v1/imports/" + e.importA + "/quarantine.csv", ""
	}, want: readA, leaks: true},
	"POST /api/v1/ingest/{table}": {req: func(e *env, _ string) (string, string) {
		return fmt.Sprintf("/api/v1/ingest/traffic_daily?shop_id=%d", e.shopA.ID),
			`[{"day":"2026-05-01","source":"search","visitors":1,"page_views":1,"product_visitors":0,"cart_visitors":0,"order_buyers":0,"pay_buyers":0,"pay_minor":0,"impressions":0,"clicks":0}]`
	}, want: map[string]int{"anonymous": 401, "admin": 200, "director": 200, "specialist": 200, "analyst": 200, "expert": 404,
		"manager_a": 403, "viewer_a": 403, "manager_b": 404}},
	// Webhooks are authenticated by the HMAC of the body, not a session: an
	// unsigned delivery is refused for everyone, logged in or not.
	"POST /api/v1/webhooks/shopify/{shop_id}": {req: func(e *env, _ string) (string, string) {
		return fmt.Sprintf("/api/v1/webhooks/shopify/%d", e.shopA.ID), `{"id":1}`
	}, want: all(401)},
	"GET /api/v1/data-health": {req: func(e *env, _ string) (string, string) {
		return fmt.Sprintf("/api/v1/data-health?client_id=%d", e.a.ID), ""
	}, want: readA},
	"GET /api/v1/shops/{id}/mappings": {req: func(e *env, _ string) (string, string) {
		return fmt.Sprintf("/api/v1/shops/%d/mappings", e.shopA.ID), ""
	}, want: readA},
	"PUT /api/v1/shops/{id}/mappings": {req: func(e *env, _ string) (string, string) {
		return fmt.Sprintf("/api/v1/shops/%d/mappings", e.shopA.ID), `{"name":"erp","table":"traffic_daily","columns":{"日期":"day","来源":"source","访客":"visitors"}}`
	}, want: map[string]int{"anonymous": 401, "admin": 200, "director": 200, "specialist": 200, "analyst": 200, "expert": 404,
		"manager_a": 403, "viewer_a": 403, "manager_b": 404}},
	"POST /api/v1/session": {req: func(e *env, _ string) (string, string) {
		return "/api/v1/session", `{"email":"viewer_a@test.local","password":"` + password + `"}`
	}, want: all(200), isolated: true},
	"DELETE /api/v1/session": {req: fixed("/api/v1/session", ""), want: merge(all(204), map[string]int{"anonymous": 401}), fresh: true},
	"GET /api/v1/me":         {req: fixed("/api/v1/me", ""), want: loggedIn, leaks: true},
	"GET /api/v1/overview":   {req: fixed("/api/v1/overview", ""), want: loggedIn, leaks: true},
	"GET /api/v1/packages":   {req: fixed("/api/v1/packages", ""), want: loggedIn},
	"GET /api/v1/audit":      {req: fixed("/api/v1/audit", ""), want: staffOnly, leaks: true},

	"GET /api/v1/clients": {req: fixed("/api/v1/clients", ""), want: loggedIn, leaks: true},
	"POST /api/v1/clients": {req: func(e *env, p string) (string, string) {
		return "/api/v1/clients", `{"name":"New client of ` + p + `","package":"basic"}`
	}, want: adminOnly(200)},
	"GET /api/v1/clients/{id}": {req: func(e *env, _ string) (string, string) { return fmt.Sprintf("/api/v1/clients/%d", e.a.ID), "" }, want: readA},
	"PUT /api/v1/clients/{id}": {req: func(e *env, _ string) (string, string) {
		return fmt.Sprintf("/api/v1/clients/%d", e.a.ID), `{"name":"Alpha Beauty","package":"full"}`
	}, want: merge(adminOnly(200), map[string]int{"expert": 404, "manager_b": 404})},
	"DELETE /api/v1/clients/{id}": {req: func(e *env, p string) (string, string) {
		c := daiyun.Client{Name: "Alpha disposable " + p}
		must(e, e.cat.CreateClient(sys, &c))
		return fmt.Sprintf("/api/v1/clients/%d", c.ID), ""
	}, want: adminOnly(204)},

	"GET /api/v1/shops": {req: fixed("/api/v1/shops", ""), want: loggedIn, leaks: true},
	"POST /api/v1/shops": {req: func(e *env, p string) (string, string) {
		return "/api/v1/shops", fmt.Sprintf(`{"client_id":%d,"name":"New shop %s","platform":"jd","category":"beauty","currency":"CNY","timezone":"Asia/Shanghai"}`, e.a.ID, p)
	}, want: adminOnly(200)},
	"GET /api/v1/shops/{id}": {req: func(e *env, _ string) (string, string) { return fmt.Sprintf("/api/v1/shops/%d", e.shopA.ID), "" }, want: readA},
	"GET /api/v1/shops/{id}/summary": {req: func(e *env, _ string) (string, string) {
		return fmt.Sprintf("/api/v1/shops/%d/summary?days=30", e.shopA.ID), ""
	}, want: readA},
	"PUT /api/v1/shops/{id}": {req: func(e *env, _ string) (string, string) {
		return fmt.Sprintf("/api/v1/shops/%d", e.shopA.ID), `{"name":"Alpha Flagship","platform":"tmall","category":"beauty","currency":"CNY","timezone":"Asia/Shanghai"}`
	}, want: adminOnly(200)},
	"DELETE /api/v1/shops/{id}": {req: func(e *env, p string) (string, string) {
		sh := e.newShop(e.a.ID, "Alpha disposable "+p)
		return fmt.Sprintf("/api/v1/shops/%d", sh.ID), ""
	}, want: adminOnly(204)},

	"GET /api/v1/contracts": {req: fixed("/api/v1/contracts", ""), want: managers, leaks: true},
	"POST /api/v1/contracts": {req: func(e *env, _ string) (string, string) {
		return "/api/v1/contracts", fmt.Sprintf(`{"client_id":%d,"package":"basic","currency":"CNY","start_date":"2026-01-01","end_date":"2026-06-30","base_fee_minor":100}`, e.a.ID)
	}, want: adminOnly(200)},
	"GET /api/v1/contracts/{id}": {req: func(e *env, _ string) (string, string) {
		cs, _ := e.cat.Contracts(sys, e.a.ID)
		return fmt.Sprintf("/api/v1/contracts/%d", cs[0].ID), ""
	}, want: merge(readA, map[string]int{"viewer_a": 403})},
	"DELETE /api/v1/contracts/{id}": {req: func(e *env, _ string) (string, string) {
		start, _ := daiyun.ParseDate("2026-01-01")
		end, _ := daiyun.ParseDate("2026-02-01")
		k := daiyun.Contract{ClientID: e.a.ID, Package: daiyun.PackageBasic, Currency: "CNY", StartDate: start, EndDate: end}
		must(e, e.cat.CreateContract(sys, &k))
		return fmt.Sprintf("/api/v1/contracts/%d", k.ID), ""
	}, want: adminOnly(204)},

	"GET /api/v1/users": {req: fixed("/api/v1/users", ""), want: loggedIn, leaks: true},
	"POST /api/v1/users": {req: func(e *env, p string) (string, string) {
		return "/api/v1/users", `{"email":"new-` + p + `@test.local","role":"analyst","password":"long-enough-pw"}`
	}, want: adminOnly(200)},
	"GET /api/v1/users/{id}": {req: func(e *env, _ string) (string, string) {
		return fmt.Sprintf("/api/v1/users/%d", e.users["viewer_a"].ID), ""
	}, want: readA},
	"PUT /api/v1/users/{id}": {req: func(e *env, _ string) (string, string) {
		return fmt.Sprintf("/api/v1/users/%d", e.users["viewer_a"].ID), fmt.Sprintf(`{"email":"viewer_a@test.local","name":"viewer_a","role":"client_viewer","client_id":%d,"lang":"en"}`, e.a.ID)
	}, want: adminOnly(200)},
	"DELETE /api/v1/users/{id}": {req: func(e *env, p string) (string, string) {
		u := daiyun.User{Email: "gone-" + p + "@test.local", Role: daiyun.RoleClientViewer, ClientID: e.a.ID}
		must(e, e.cat.CreateUser(sys, &u, password))
		return fmt.Sprintf("/api/v1/users/%d", u.ID), ""
	}, want: adminOnly(204)},

	"GET /api/v1/assignments": {req: fixed("/api/v1/assignments", ""), want: loggedIn},
	"POST /api/v1/assignments": {req: func(e *env, _ string) (string, string) {
		return "/api/v1/assignments", fmt.Sprintf(`{"user_id":%d,"client_id":%d,"function":"specialist"}`, e.users["specialist"].ID, e.a.ID)
	}, want: adminOnly(200)},
	"DELETE /api/v1/assignments/{user_id}/{client_id}": {req: func(e *env, _ string) (string, string) {
		must(e, e.cat.Assign(sys, daiyun.Assignment{UserID: e.users["director"].ID, ClientID: e.a.ID}))
		return fmt.Sprintf("/api/v1/assignments/%d/%d", e.users["director"].ID, e.a.ID), ""
	}, want: adminOnly(204)},

	"GET /api/v1/apikeys": {req: fixed("/api/v1/apikeys", ""), want: staffOnly},
	"POST /api/v1/apikeys": {req: func(e *env, _ string) (string, string) {
		return "/api/v1/apikeys", fmt.Sprintf(`{"client_id":%d,"name":"erp"}`, e.a.ID)
	}, want: adminOnly(200)},
	"DELETE /api/v1/apikeys/{id}": {req: func(e *env, _ string) (string, string) {
		k, err := e.cat.CreateAPIKey(sys, e.a.ID, "disposable")
		must(e, err)
		return fmt.Sprintf("/api/v1/apikeys/%d", k.ID), ""
	}, want: adminOnly(204)},

	// Alerts (issue 6): lists are narrowed; one alert of A is readA at level
	// 3 (the client is told); acting on it is for A's staff.
	"GET /api/v1/alerts":           {req: fixed("/api/v1/alerts?state=all", ""), want: loggedIn, leaks: true},
	"GET /api/v1/alerts/summary":   {req: fixed("/api/v1/alerts/summary", ""), want: loggedIn, leaks: true},
	"GET /api/v1/alerts/{id}":      {req: alertPath(3, ""), want: readA},
	"POST /api/v1/alerts/{id}/ack": {req: alertPath(3, "/ack"), want: staffOfA},
	"POST /api/v1/alerts/{id}/resolve": {req: func(e *env, p string) (string, string) {
		path, _ := alertPath(3, "/resolve")(e, p)
		return path, `{"cause":"probe","actions":"none","preventable":false}`
	}, want: staffOfA},
	"POST /api/v1/alerts/{id}/comments": {req: func(e *env, p string) (string, string) {
		path, _ := alertPath(3, "/comments")(e, p)
		return path, `{"body":"looked at it"}`
	}, want: merge(staffOfA, map[string]int{"manager_a": 200})},
	"POST /api/v1/alerts/{id}/assign": {req: func(e *env, p string) (string, string) {
		path, _ := alertPath(3, "/assign")(e, p)
		return path, fmt.Sprintf(`{"user_id":%d}`, e.users["specialist"].ID)
	}, want: staffOfA},
	"POST /api/v1/alerts/evaluate": {req: fixed("/api/v1/alerts/evaluate", `{"as_of":"2026-11-24"}`), want: staffOnly, leaks: true},
	"GET /api/v1/alert-rules":      {req: fixed("/api/v1/alert-rules", ""), want: staffOnly, leaks: true},
	"PUT /api/v1/alert-rules/{name}": {req: func(e *env, p string) (string, string) {
		return "/api/v1/alert-rules/probe_agency_" + p, `{"kpi":"gmv","scope":{"kind":"agency"},"condition":{"kind":"previous_period","op":"<","value":-0.3},"grain":"week","level":3,"enabled":true}`
	}, want: merge(adminOnly(200), map[string]int{"director": 200})},
	"DELETE /api/v1/alert-rules/{name}": {req: func(e *env, p string) (string, string) {
		a := e.newAlert(e.a.ID, e.shopA.ID, 1)
		return "/api/v1/alert-rules/" + a.Rule, ""
	}, want: merge(staffOfA, map[string]int{"admin": 204, "director": 204, "specialist": 204, "analyst": 204, "manager_b": 403})},
	"GET /alerts":       {req: fixed("/alerts?state=all", ""), want: page, leaks: true},
	"GET /alerts/rules": {req: fixed("/alerts/rules", ""), want: merge(staffOnly, map[string]int{"anonymous": 303}), leaks: true},
	"POST /alerts/rules": {req: fixed("/alerts/rules", "yaml="+url.QueryEscape("rules:\n  - name: probe_ui_rule\n    kpi: gmv\n    scope: {kind: agency}\n    condition: {kind: previous_period, op: '<', value: -0.3}\n    grain: week\n    level: 3\n    enabled: true\n")),
		want: merge(adminOnly(303), map[string]int{"director": 303, "anonymous": 303})},
	"GET /alerts/{id}":          {req: alertPage("", ""), want: merge(readA, map[string]int{"anonymous": 303})},
	"POST /alerts/{id}/ack":     {req: alertPage("/ack", "x=1"), want: merge(staffOfA, map[string]int{"anonymous": 303, "admin": 303, "director": 303, "specialist": 303, "analyst": 303})},
	"POST /alerts/{id}/resolve": {req: alertPage("/resolve", "cause=probe"), want: merge(staffOfA, map[string]int{"anonymous": 303, "admin": 303, "director": 303, "specialist": 303, "analyst": 303})},
	"POST /alerts/{id}/comment": {req: alertPage("/comment", "body=probe"), want: merge(staffOfA, map[string]int{"anonymous": 303, "admin": 303, "director": 303, "specialist": 303, "analyst": 303, "manager_a": 303})},
	// Emergency playbooks and their runs (web/playbooks.go, issue 6):
	// playbooks are the agency's (staff read, admin/director change); a
	// run is read like its level-3 alert; its steps are ticked by A's staff.
	"GET /api/v1/playbooks":        {req: fixed("/api/v1/playbooks", ""), want: staffOnly},
	"GET /api/v1/playbooks/{name}": {req: fixed("/api/v1/playbooks/gmv_drop", ""), want: staffOnly},
	"PUT /api/v1/playbooks/{name}": {req: fixed("/api/v1/playbooks/probe_plan", `{"title":"Probe","steps":[{"title":"Look","owner":"specialist","due":"2h"}]}`),
		want: merge(adminOnly(200), map[string]int{"director": 200})},
	"DELETE /api/v1/playbooks/{name}": {req: func(e *env, p string) (string, string) {
		return "/api/v1/playbooks/" + e.newPlaybook("probe_delete_"+p), ""
	}, want: merge(adminOnly(204), map[string]int{"director": 204})},
	"GET /api/v1/playbook-runs": {req: func(e *env, _ string) (string, string) {
		e.newEmergency()
		return "/api/v1/playbook-runs", ""
	}, want: loggedIn, leaks: true},
	"GET /api/v1/alerts/{id}/playbook": {req: func(e *env, _ string) (string, string) {
		return fmt.Sprintf("/api/v1/alerts/%d/playbook", e.newEmergency().AlertID), ""
	}, want: readA, leaks: true},
	"POST /api/v1/playbook-steps/{id}/done": {req: func(e *env, _ string) (string, string) {
		return fmt.Sprintf("/api/v1/playbook-steps/%d/done", e.newEmergency().Steps[0].ID), ""
	}, want: staffOfA, leaks: true},
	"GET /playbooks": {req: func(e *env, _ string) (string, string) {
		e.newEmergency()
		return "/playbooks", ""
	}, want: merge(staffOnly, map[string]int{"anonymous": 303}), leaks: true},
	"POST /playbooks": {req: fixed("/playbooks", "yaml="+url.QueryEscape("playbooks:\n  - name: probe_ui_plan\n    steps:\n      - {title: Look, owner: specialist, due: 2h}\n")),
		want: merge(all(403), map[string]int{"anonymous": 303, "admin": 303, "director": 303})},
	"POST /alerts/{id}/step": {req: func(e *env, _ string) (string, string) {
		run := e.newEmergency()
		return fmt.Sprintf("/alerts/%d/step", run.AlertID), fmt.Sprintf("step=%d", run.Steps[0].ID)
	}, want: merge(staffOfA, map[string]int{"anonymous": 303, "admin": 303, "director": 303, "specialist": 303, "analyst": 303}), leaks: true},
	// Notification channels (web/channels.go): staff see their clients'
	// channels (the agency's only with every client); client users nothing.
	"GET /api/v1/alert-channels": {req: func(e *env, p string) (string, string) {
		e.newChannel(e.a.ID, "Alpha hook "+p)
		return "/api/v1/alert-channels", ""
	}, want: staffOnly, leaks: true},
	"POST /api/v1/alert-channels": {req: func(e *env, p string) (string, string) {
		return "/api/v1/alert-channels", fmt.Sprintf(`{"client_id":%d,"name":"Alpha new %s","kind":"slack","url":"https://hooks.slack.test/T/B/x"}`, e.a.ID, p)
	}, want: merge(staffOfA, map[string]int{"manager_b": 403})},
	"POST /api/v1/alert-channels/{id}/test": {req: func(e *env, p string) (string, string) {
		return fmt.Sprintf("/api/v1/alert-channels/%d/test", e.newChannel(e.a.ID, "Alpha test "+p).ID), ""
	}, want: merge(staffOfA, map[string]int{"manager_b": 403}), leaks: true},
	"POST /api/v1/alert-channels/{id}/disable": {req: func(e *env, p string) (string, string) {
		return fmt.Sprintf("/api/v1/alert-channels/%d/disable", e.newChannel(e.a.ID, "Alpha off "+p).ID), `{"disabled":true}`
	}, want: merge(staffOfA, map[string]int{"manager_b": 403}), leaks: true},
	"DELETE /api/v1/alert-channels/{id}": {req: func(e *env, p string) (string, string) {
		return fmt.Sprintf("/api/v1/alert-channels/%d", e.newChannel(e.a.ID, "Alpha gone "+p).ID), ""
	}, want: merge(staffOfA, map[string]int{"admin": 204, "director": 204, "specialist": 204, "analyst": 204, "manager_b": 403})},
	"GET /api/v1/alert-smtp": {req: fixed("/api/v1/alert-smtp", ""), want: merge(adminOnly(200), map[string]int{"director": 200})},
	"PUT /api/v1/alert-smtp": {req: fixed("/api/v1/alert-smtp", `{"addr":"127.0.0.1:1","from":"alerts@test.local","password":"pw-probe"}`),
		want: merge(adminOnly(200), map[string]int{"director": 200})},
	"POST /api/v1/alert-smtp/test": {req: fixed("/api/v1/alert-smtp/test", `{"to":"probe@test.local"}`),
		want: merge(adminOnly(200), map[string]int{"director": 200})},
	"GET /alerts/channels": {req: func(e *env, p string) (string, string) {
		e.newChannel(e.a.ID, "Alpha page "+p)
		return "/alerts/channels", ""
	}, want: merge(staffOnly, map[string]int{"anonymous": 303}), leaks: true},
	"POST /alerts/channels": {req: func(e *env, p string) (string, string) {
		return "/alerts/channels", fmt.Sprintf("action=add&client_id=%d&name=Alpha+form+%s&kind=feishu&url=https%%3A%%2F%%2Fopen.feishu.test%%2Fhook%%2Fx", e.a.ID, p)
	}, want: merge(staffOfA, map[string]int{"anonymous": 303, "admin": 303, "director": 303, "specialist": 303, "analyst": 303, "manager_b": 403})},

	"GET /api/v1/targets": {req: fixed("/api/v1/targets", ""), want: loggedIn, leaks: true},
	"PUT /api/v1/targets": {req: func(e *env, _ string) (string, string) {
		return "/api/v1/targets", fmt.Sprintf(`{"client_id":%d,"kpi":"gmv","month":"2026-11-01","value":1000,"currency":"CNY"}`, e.a.ID)
	}, want: map[string]int{"anonymous": 401, "admin": 200, "director": 200, "specialist": 200, "analyst": 200,
		"expert": 404, "manager_a": 403, "viewer_a": 403, "manager_b": 404}},
	"GET /api/v1/benchmarks": {req: fixed("/api/v1/benchmarks", ""), want: loggedIn},
	"PUT /api/v1/benchmarks": {req: fixed("/api/v1/benchmarks", `{"category":"beauty","kpi":"aov","value":150,"currency":"CNY","source":"test"}`),
		want: merge(adminOnly(200), map[string]int{"director": 200, "expert": 200})},
	"GET /api/v1/fx-rates": {req: fixed("/api/v1/fx-rates", ""), want: staffOnly},
	"PUT /api/v1/fx-rates": {req: fixed("/api/v1/fx-rates", `{"base":"USD","quote":"CNY","day":"2026-01-01","rate":"7.1"}`),
		want: merge(adminOnly(200), map[string]int{"director": 200})},
	// Reference pages (web/references.go): the benchmark table is for every
	// user, the FX table for staff; a client's targets are readA, set and
	// deleted by A's staff only.
	"GET /benchmarks": {req: fixed("/benchmarks", ""), want: page},
	"POST /benchmarks": {req: fixed("/benchmarks", "category=beauty&kpi=aov&value=150&currency=CNY&source=probe"),
		want: merge(all(403), map[string]int{"anonymous": 303, "admin": 303, "director": 303, "expert": 303})},
	"GET /fx-rates": {req: fixed("/fx-rates", ""), want: merge(staffOnly, map[string]int{"anonymous": 303})},
	"POST /fx-rates": {req: fixed("/fx-rates", "base=USD&quote=CNY&day=2026-01-01&rate=7.1&source=probe"),
		want: merge(all(403), map[string]int{"anonymous": 303, "admin": 303, "director": 303})},
	"GET /clients/{id}/targets": {req: func(e *env, _ string) (string, string) { return fmt.Sprintf("/clients/%d/targets", e.a.ID), "" },
		want: merge(readA, map[string]int{"anonymous": 303}), leaks: true},
	"POST /clients/{id}/targets": {req: func(e *env, _ string) (string, string) {
		return fmt.Sprintf("/clients/%d/targets", e.a.ID), "kpi=gmv&month=2026-11&value=1000&currency=CNY"
	}, want: map[string]int{"anonymous": 303, "admin": 303, "director": 303, "specialist": 303, "analyst": 303,
		"expert": 404, "manager_a": 403, "viewer_a": 403, "manager_b": 404}, leaks: true},
	"POST /clients/{id}/targets/delete": {req: func(e *env, _ string) (string, string) {
		month, _ := daiyun.ParseDate("2026-10-01")
		must(e, e.cat.SetTarget(sys, catalog.Target{ClientID: e.a.ID, KPI: "orders", Month: month, Value: 10}))
		return fmt.Sprintf("/clients/%d/targets/delete", e.a.ID), "kpi=orders&month=2026-10-01&shop=0"
	}, want: map[string]int{"anonymous": 303, "admin": 303, "director": 303, "specialist": 303, "analyst": 303,
		"expert": 404, "manager_a": 403, "viewer_a": 403, "manager_b": 404}, leaks: true},
	"GET /clients/{id}/export": {req: func(e *env, _ string) (string, string) {
		return fmt.Sprintf("/clients/%d/export?format=csv&from=2026-01-01&to=2026-01-31&grain=week", e.a.ID), ""
	}, want: merge(readA, map[string]int{"anonymous": 303}), leaks: true},

	"GET /api/v1/metrics": {req: fixed("/api/v1/metrics", ""), want: loggedIn},
	"POST /api/v1/metrics/query": {req: func(e *env, _ string) (string, string) {
		return "/api/v1/metrics/query", fmt.Sprintf(`{"kpis":["gmv","orders"],"dimensions":["shop"],"from":"2026-01-01","to":"2026-12-31","filters":{"shop_ids":[%d]}}`, e.shopA.ID)
	}, want: readA},
	"POST /api/v1/metrics/export": {req: func(e *env, _ string) (string, string) {
		return "/api/v1/metrics/export?format=csv", fmt.Sprintf(`{"kpis":["gmv","orders"],"dimensions":["shop"],"from":"2026-01-01","to":"2026-12-31","filters":{"shop_ids":[%d]}}`, e.shopA.ID)
	}, want: readA, leaks: true},
	"POST /api/v1/metrics/explain": {req: func(e *env, _ string) (string, string) {
		return "/api/v1/metrics/explain", fmt.Sprintf(`{"cell":{"request":{"kpis":["gmv"],"dimensions":["shop"],"from":"2026-01-01","to":"2026-12-31","filters":{"shop_ids":[%d]}},"kpi":"gmv","dims":{"shop":"%d"}}}`, e.shopA.ID, e.shopA.ID)
	}, want: readA},

	// Analyses (web/analyses.go): client A's data, seeded on first use.
	"POST /api/v1/analyses/{kind}": {req: func(e *env, _ string) (string, string) {
		e.seedAnalyses()
		return "/api/v1/analyses/funnel", e.analysisBody("")
	}, want: readA, leaks: true},
	"GET /api/v1/analyses/{kind}/export": {req: func(e *env, _ string) (string, string) {
		e.seedAnalyses()
		return e.exportPath("rfm", "csv", "customers"), ""
	}, want: readA, leaks: true},
	"GET /analyses": {req: fixed("/analyses", ""), want: all(303)},
	// By shop (web/analyses_byshop.go): every shop the caller may see, so
	// the list is narrowed; A's shop must not show to B's personas.
	"POST /api/v1/analyses/{kind}/by-shop": {req: func(e *env, _ string) (string, string) {
		e.seedAnalyses()
		return "/api/v1/analyses/cohort/by-shop", `{"from":"2026-03-01","to":"2026-03-31"}`
	}, want: loggedIn, leaks: true},

	// Experiments (web/experiments.go): lists are narrowed; one experiment
	// of A is readA; creating and changing one is for A's staff.
	"GET /api/v1/experiments":             {req: fixed("/api/v1/experiments", ""), want: loggedIn, leaks: true},
	"POST /api/v1/experiments":            {req: experimentBody, want: staffOfA},
	"GET /api/v1/experiments/{id}":        {req: experimentPath("running", ""), want: readA, leaks: true},
	"POST /api/v1/experiments/{id}/start": {req: experimentPath("draft", "/start"), want: staffOfA},
	"POST /api/v1/experiments/{id}/stop":  {req: experimentPath("running", "/stop"), want: staffOfA},
	"POST /api/v1/experiments/{id}/conclude": {req: func(e *env, p string) (string, string) {
		path, _ := experimentPath("running", "/conclude")(e, p)
		return path, `{"winner":"B","force":true}`
	}, want: staffOfA},
	"GET /experiments":                {req: fixed("/experiments", ""), want: page, leaks: true},
	"POST /experiments":               {req: experimentForm, want: staffOfAPages},
	"GET /experiments/{id}":           {req: experimentPage("running", "", ""), want: merge(readA, map[string]int{"anonymous": 303}), leaks: true},
	"POST /experiments/{id}/start":    {req: experimentPage("draft", "/start", "x=1"), want: staffOfAPages},
	"POST /experiments/{id}/stop":     {req: experimentPage("running", "/stop", "x=1"), want: staffOfAPages},
	"POST /experiments/{id}/conclude": {req: experimentPage("running", "/conclude", "winner=B&force=yes"), want: staffOfAPages},

	"GET /clients/{id}/analyses": {req: func(e *env, _ string) (string, string) { return fmt.Sprintf("/clients/%d/analyses", e.a.ID), "" },
		want: merge(readA, map[string]int{"anonymous": 303}), leaks: true},
}

func must(e *env, err error) {
	if err != nil {
		e.t.Fatal(err)
	}
}

// cannotSeeA are the personas for whom nothing of client A may show.
var cannotSeeA = []string{"anonymous", "expert", "manager_b"}

// leakMarkers are strings that only client A's data contains.
var leakMarkers = []string{"Alpha", "manager_a@", "viewer_a@"}

func TestEveryRouteAsEveryRole(t *testing.T) {
	e := newEnv(t)
	routes := e.server.Routes()
	if len(routes) < 30 {
		t.Fatalf("only %d routes found: %v", len(routes), routes)
	}
	for _, route := range routes {
		p, ok := policy[route]
		if !ok {
			t.Errorf("route %q has no access policy in isolation_test.go: decide who may call it", route)
			continue
		}
		method := strings.Fields(route)[0]
		for _, persona := range personas {
			want, ok := p.want[persona]
			if !ok {
				t.Fatalf("%s: no expectation for %s", route, persona)
			}
			client := e.byName[persona]
			if p.fresh && persona != "anonymous" {
				client = e.login(persona)
			}
			if p.isolated {
				jar, _ := newJar()
				client = &http.Client{Jar: jar}
			}
			path, body := p.req(e, persona)
			resp := e.do(client, method, path, body)
			text := readAll(resp)
			if resp.StatusCode != want {
				t.Errorf("%s as %s: status %d, want %d (%s)", route, persona, resp.StatusCode, want, firstLine(text))
			}
			if p.leaks && contains(cannotSeeA, persona) {
				for _, m := range leakMarkers {
					if strings.Contains(text, m) {
						t.Errorf("%s as %s: answer contains %q of another client", route, persona, m)
					}
				}
			}
		}
	}
	for route := range policy {
		if !contains(routes, route) {
			t.Errorf("policy names %q, which the server does not have", route)
		}
	}
}

func (e *env) login(persona string) *http.Client {
	jar, _ := newJar()
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp := e.do(c, "POST", "/api/v1/session", `{"email":"`+persona+`@test.local","password":"`+password+`"}`)
	readAll(resp)
	if resp.StatusCode != 200 {
		e.t.Fatalf("login %s: %d", persona, resp.StatusCode)
	}
	return c
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 200 {
		s = s[:200]
	}
	return s
}

// A cell naming another client's shop, sent under one's own client's
// lineage page or the metrics API, is not found: the shop filter cannot
// reach across clients.
func TestLineageCannotReachAnotherClientsShop(t *testing.T) {
	e := newEnv(t)
	cell := fmt.Sprintf(`{"request":{"kpis":["gmv"],"from":"2026-01-01","to":"2026-12-31","filters":{"shop_ids":[%d]}},"kpi":"gmv"}`, e.shopA.ID)
	resp := e.do(e.byName["manager_b"], "GET", fmt.Sprintf("/clients/%d/lineage?cell=%s", e.b.ID, url.QueryEscape(cell)), "")
	if text := readAll(resp); resp.StatusCode != 404 || strings.Contains(text, "Alpha") {
		t.Fatalf("lineage of A's shop under B: %d %s", resp.StatusCode, firstLine(text))
	}
	body := fmt.Sprintf(`{"kpis":["gmv"],"from":"2026-01-01","to":"2026-12-31","filters":{"client_ids":[%d],"shop_ids":[%d]}}`, e.b.ID, e.shopA.ID)
	resp = e.do(e.byName["manager_b"], "POST", "/api/v1/metrics/query", body)
	if text := readAll(resp); resp.StatusCode != 404 {
		t.Fatalf("query of A's shop under B's client filter: %d %s", resp.StatusCode, firstLine(text))
	}
}
