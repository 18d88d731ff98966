// Package connectorstest sets up what connector tests share: fresh stores
// (SQLite catalog and DuckDB warehouse in a temp dir, or both on a fresh
// PostgreSQL database), two clients with a
// shop each, a runner, and a no-wait retry policy that records its waits.
package connectorstest

import (
	"context"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/ingest/connectors"
	"github.com/daiyun/daiyun/internal/pgtest"
	"github.com/daiyun/daiyun/warehouse"
	"github.com/daiyun/daiyun/warehouse/duckdb"
	"github.com/daiyun/daiyun/warehouse/postgres"
	"github.com/daiyun/daiyun/warehouse/warehousetest"
)

// Env is one test's stores and agency.
type Env struct {
	Ctx          context.Context // acting as the system
	Catalog      *catalog.Store
	Warehouse    warehouse.Warehouse
	ClientA      daiyun.Client
	ClientB      daiyun.Client
	ShopA, ShopB daiyun.Shop
	Sleeps       *Sleeps
}

// Sleeps records the waits a retry policy asked for instead of sleeping.
type Sleeps struct {
	mu    sync.Mutex
	Waits []time.Duration
}

// Sleep records d and returns at once.
func (s *Sleeps) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Waits = append(s.Waits, d)
	return ctx.Err()
}

// All returns the recorded waits.
func (s *Sleeps) All() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.Waits...)
}

// Reset forgets the recorded waits.
func (s *Sleeps) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Waits = nil
}

// New opens the embedded stores (SQLite catalog, DuckDB warehouse) and
// creates clients A and B, each with one shop of the given platform,
// currency and timezone.
func New(t *testing.T, platform daiyun.Platform, currency, tz string) *Env {
	t.Helper()
	dir := t.TempDir()
	return newEnv(t, filepath.Join(dir, "catalog.db"), func(ctx context.Context) (warehouse.Warehouse, error) {
		return duckdb.Open(filepath.Join(dir, "warehouse.duckdb"))
	}, platform, currency, tz)
}

// NewPostgres is New on PostgreSQL: a fresh database holds both the
// catalog and the warehouse.
func NewPostgres(t *testing.T, platform daiyun.Platform, currency, tz string) *Env {
	t.Helper()
	url := pgtest.New(t)
	return newEnv(t, url, func(ctx context.Context) (warehouse.Warehouse, error) {
		return postgres.Open(ctx, url)
	}, platform, currency, tz)
}

func newEnv(t *testing.T, catalogURL string, openWH func(context.Context) (warehouse.Warehouse, error), platform daiyun.Platform, currency, tz string) *Env {
	t.Helper()
	ctx := daiyun.WithActor(context.Background(), daiyun.SystemActor)
	cat, err := catalog.Open(ctx, catalogURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	if err := cat.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	// Connector credentials are sealed at rest; a fresh key per test.
	key, err := catalog.ParseSecretKey(catalog.GenerateSecretKey())
	if err != nil {
		t.Fatal(err)
	}
	cat.SetSecretKey(key)
	wh, err := openWH(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wh.Close() })
	if err := wh.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	e := &Env{Ctx: ctx, Catalog: cat, Warehouse: wh, Sleeps: &Sleeps{}}
	for i, c := range []*daiyun.Client{&e.ClientA, &e.ClientB} {
		c.Name, c.Package = []string{"Brand A", "Brand B"}[i], daiyun.PackageFull
		if err := cat.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	for i, s := range []*daiyun.Shop{&e.ShopA, &e.ShopB} {
		*s = daiyun.Shop{ClientID: []int64{e.ClientA.ID, e.ClientB.ID}[i], Name: "Shop " + []string{"A", "B"}[i],
			Platform: platform, Category: "apparel", Currency: currency, Timezone: tz}
		if err := cat.CreateShop(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

// Retry is a fast retry policy for tests: 3 attempts, no real sleeping,
// no jitter (Rand returns 0.5).
func (e *Env) Retry() connectors.Retry {
	return connectors.Retry{Attempts: 3, Base: time.Second, Max: time.Minute, Sleep: e.Sleeps.Sleep, Rand: func() float64 { return 0.5 }}
}

// Connect adds a connection of kind to a shop.
func (e *Env) Connect(t *testing.T, shop daiyun.Shop, kind, baseURL string, creds map[string]string) catalog.Connection {
	t.Helper()
	c := catalog.Connection{ShopID: shop.ID, Kind: kind, BaseURL: baseURL, Credentials: creds}
	if err := e.Catalog.CreateConnection(e.Ctx, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// Tables are the tables connectors write.
var Tables = []string{"orders", "order_lines", "order_status_history", "customers", "skus", "inventory_snapshots"}

// Dump returns every connector table of a client, for comparing states.
func (e *Env) Dump(t *testing.T, clientID int64) map[string][][]string {
	t.Helper()
	tenants, err := daiyun.TenantsFor(e.Ctx, clientID)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][][]string{}
	for _, tb := range Tables {
		out[tb] = warehousetest.Dump(t, e.Warehouse, tenants, tb)
	}
	return out
}

// Normalized is Dump with what differs between two clean environments
// taken out: tenant and shop ids become T and S, and customer ids (keyed
// by each client's own pseudonymisation key) become c1, c2 … in order of
// first appearance in the orders table. Two environments fed the same
// platform data compare equal.
func (e *Env) Normalized(t *testing.T, clientID int64) map[string][][]string {
	t.Helper()
	d := e.Dump(t, clientID)
	label := map[string]string{}
	relabel := func(id string) string {
		if id == "" || id == "NULL" || id == "<nil>" {
			return id
		}
		if l, ok := label[id]; ok {
			return l
		}
		l := "c" + strconv.Itoa(len(label)+1)
		label[id] = l
		return l
	}
	for _, tb := range Tables {
		cols := warehousetest.Columns(tb)
		for _, row := range d[tb] {
			for i, c := range cols {
				switch c {
				case "tenant_id":
					row[i] = "T"
				case "shop_id":
					row[i] = "S"
				case "customer_id":
					row[i] = relabel(row[i])
				}
			}
		}
		sort.SliceStable(d[tb], func(i, j int) bool { return strings.Join(d[tb][i], "\x1f") < strings.Join(d[tb][j], "\x1f") })
	}
	return d
}
