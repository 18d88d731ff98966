package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/imports"
	"github.com/daiyun/daiyun/metrics"
	"github.com/daiyun/daiyun/warehouse"
	"github.com/daiyun/daiyun/warehouse/duckdb"
	"github.com/daiyun/daiyun/web"
)

// env is a real server on loopback over a real SQLite catalog and DuckDB
// warehouse, with two clients (A and B) and a user of every role.
type env struct {
	t      *testing.T
	srv    *httptest.Server
	cat    *catalog.Store
	wh     warehouse.Warehouse
	a, b   daiyun.Client
	shopA  daiyun.Shop
	shopB  daiyun.Shop
	users  map[string]daiyun.User // by persona
	byName map[string]*http.Client
	server *web.Server
	// importA is an import of client A with a quarantined row.
	importA string
}

var sys = daiyun.WithActor(context.Background(), daiyun.SystemActor)

const password = "password-123"

// personas: who asks. "specialist" is assigned to A only; "expert" to B
// only; "manager_b" is client B's manager.
var personas = []string{"anonymous", "admin", "director", "specialist", "analyst", "expert", "manager_a", "viewer_a", "manager_b"}

type shopsAdapter struct{ cat *catalog.Store }

func (s shopsAdapter) Shops(ctx context.Context) ([]metrics.ShopInfo, error) {
	shops, err := s.cat.Shops(sys, catalog.ShopFilter{})
	out := make([]metrics.ShopInfo, len(shops))
	for i, sh := range shops {
		out[i] = metrics.ShopInfo{ID: sh.ID, ClientID: sh.ClientID, Platform: string(sh.Platform), Category: sh.Category, Currency: sh.Currency, Timezone: sh.Timezone}
	}
	return out, err
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	cat, err := catalog.Open(sys, filepath.Join(dir, "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	if err := cat.Migrate(sys); err != nil {
		t.Fatal(err)
	}
	key, err := catalog.ParseSecretKey(catalog.GenerateSecretKey())
	if err != nil {
		t.Fatal(err)
	}
	cat.SetSecretKey(key) // channel URLs and the SMTP password are sealed
	wh, err := duckdb.Open(filepath.Join(dir, "warehouse.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	if err := wh.Migrate(sys); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, cat: cat, wh: wh, users: map[string]daiyun.User{}, byName: map[string]*http.Client{}}
	e.a = daiyun.Client{Name: "Alpha Beauty", Package: daiyun.PackageFull}
	e.b = daiyun.Client{Name: "Bravo Pets", Package: daiyun.PackageBasic}
	for _, c := range []*daiyun.Client{&e.a, &e.b} {
		if err := cat.CreateClient(sys, c); err != nil {
			t.Fatal(err)
		}
	}
	e.shopA = e.newShop(e.a.ID, "Alpha Flagship")
	e.shopB = e.newShop(e.b.ID, "Bravo Flagship")
	start, _ := daiyun.ParseDate("2026-01-01")
	end, _ := daiyun.ParseDate("2026-12-31")
	for _, c := range []int64{e.a.ID, e.b.ID} {
		k := daiyun.Contract{ClientID: c, Package: daiyun.PackageFull, Currency: "CNY", StartDate: start, EndDate: end, BaseFeeMinor: 100}
		if err := cat.CreateContract(sys, &k); err != nil {
			t.Fatal(err)
		}
	}
	mk := func(persona string, role daiyun.Role, client int64, assign int64) {
		u := daiyun.User{Email: persona + "@test.local", Name: persona, Role: role, ClientID: client, Lang: "en"}
		if err := cat.CreateUser(sys, &u, password); err != nil {
			t.Fatal(err)
		}
		if assign != 0 {
			if err := cat.Assign(sys, daiyun.Assignment{UserID: u.ID, ClientID: assign}); err != nil {
				t.Fatal(err)
			}
		}
		e.users[persona] = u
	}
	mk("admin", daiyun.RoleAdmin, 0, 0)
	mk("director", daiyun.RoleDirector, 0, 0)
	mk("specialist", daiyun.RoleSpecialist, 0, e.a.ID)
	mk("analyst", daiyun.RoleAnalyst, 0, e.a.ID)
	mk("expert", daiyun.RoleExpert, 0, e.b.ID)
	mk("manager_a", daiyun.RoleClientManager, e.a.ID, 0)
	mk("viewer_a", daiyun.RoleClientViewer, e.a.ID, 0)
	mk("manager_b", daiyun.RoleClientManager, e.b.ID, 0)

	ms := &metrics.Service{Warehouse: wh, Shops: shopsAdapter{cat}}
	s := &web.Server{Catalog: cat, Warehouse: wh, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Metrics: ms, KPIs: web.MetricsKPIs{Service: ms}}
	res, err := (&imports.Service{Catalog: cat, Warehouse: wh}).ImportFile(sys, imports.FileRequest{ShopID: e.shopA.ID, FileName: "Alpha traffic.csv",
		Profile: "canonical_traffic_daily", Reader: strings.NewReader(trafficCSV)})
	if err != nil || res.Report.Quarantined != 1 {
		t.Fatalf("fixture import: %+v %v", res.Report, err)
	}
	e.importA = res.Record.ID
	e.srv = httptest.NewServer(s.Handler())
	t.Cleanup(e.srv.Close)
	e.server = s
	for _, p := range personas {
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		if p != "anonymous" {
			resp := e.do(c, "POST", "/api/v1/session", `{"email":"`+p+`@test.local","password":"`+password+`"}`)
			if resp.StatusCode != 200 {
				t.Fatalf("login %s: %d", p, resp.StatusCode)
			}
		}
		e.byName[p] = c
	}
	return e
}

func (e *env) newShop(client int64, name string) daiyun.Shop {
	sh := daiyun.Shop{ClientID: client, Name: name, Platform: daiyun.PlatformTmall, Category: "beauty", Currency: "CNY", Timezone: "Asia/Shanghai"}
	if err := e.cat.CreateShop(sys, &sh); err != nil {
		e.t.Fatal(err)
	}
	return sh
}

func (e *env) do(c *http.Client, method, path, body string) *http.Response {
	e.t.Helper()
	var r io.Reader
	contentType := ""
	if fields, ok := strings.CutPrefix(body, "multipart:"); ok {
		// A multipart upload of a small traffic file, with the form fields
		// given as k=v&k=v.
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for _, kv := range strings.Split(fields, "&") {
			k, v, _ := strings.Cut(kv, "=")
			mw.WriteField(k, v)
		}
		fw, _ := mw.CreateFormFile("file", "traffic.csv")
		io.WriteString(fw, trafficCSV)
		mw.Close()
		r, contentType, body = &buf, mw.FormDataContentType(), ""
	} else if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, r)
	if err != nil {
		e.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if body != "" {
		if strings.HasPrefix(body, "{") || strings.HasPrefix(body, "[") {
			req.Header.Set("Content-Type", "application/json")
		} else {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp
}

func readAll(r *http.Response) string {
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	return string(b)
}

func decode[T any](t *testing.T, r *http.Response) T {
	t.Helper()
	var v T
	if err := json.NewDecoder(r.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	return v
}

// trafficCSV is a canonical traffic file with one bad row (negative visitors).
const trafficCSV = "day,source,visitors,page_views,product_visitors,cart_visitors,order_buyers,pay_buyers,pay_minor,impressions,clicks\n" +
	"2026-05-01,search,100,300,60,10,5,4,40000,0,0\n" +
	"2026-05-02,search,-3,300,60,10,5,4,40000,0,0\n"

func newJar() (http.CookieJar, error) { return cookiejar.New(nil) }
