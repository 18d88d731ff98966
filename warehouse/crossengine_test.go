package warehouse_test

import (
	"path/filepath"
	"slices"
	"testing"

	"github.com/daiyun/daiyun/internal/pgtest"
	"github.com/daiyun/daiyun/warehouse"
	"github.com/daiyun/daiyun/warehouse/duckdb"
	"github.com/daiyun/daiyun/warehouse/postgres"
	"github.com/daiyun/daiyun/warehouse/warehousetest"
)

// TestEnginesAgree loads the same dataset into DuckDB and PostgreSQL and
// checks that the aggregate queries and full table dumps are identical.
func TestEnginesAgree(t *testing.T) {
	duck, err := duckdb.Open(filepath.Join(t.TempDir(), "w.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer duck.Close()
	pg, err := postgres.Open(t.Context(), pgtest.New(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Close()
	engines := []warehouse.Warehouse{duck, pg}
	data := warehousetest.Dataset()
	for _, w := range engines {
		if err := w.Migrate(t.Context()); err != nil {
			t.Fatal(err)
		}
		warehousetest.Load(t, w, data)
	}
	for _, tenants := range [][]int64{{1}, {2}, {1, 2}} {
		ten := warehousetest.Tenants(t, tenants...)
		for _, q := range warehousetest.Queries {
			d := warehousetest.Result(t, duck, ten, q.SQL, q.Args...)
			p := warehousetest.Result(t, pg, ten, q.SQL, q.Args...)
			if testing.Verbose() && len(tenants) == 2 {
				t.Logf("%s: %d rows, first %v", q.Name, len(d), d[0])
			}
			if len(d) == 0 {
				t.Errorf("%s %v: no rows", q.Name, tenants)
			}
			if !slices.EqualFunc(d, p, slices.Equal) {
				t.Errorf("%s %v differs:\nduckdb   %v\npostgres %v", q.Name, tenants, d, p)
			}
		}
		for _, table := range []string{"orders", "order_lines", "skus", "traffic_daily"} {
			d := warehousetest.Dump(t, duck, ten, table)
			p := warehousetest.Dump(t, pg, ten, table)
			if len(tenants) == 2 && len(d) != len(data[table]) {
				t.Errorf("%s: %d rows stored of %d", table, len(d), len(data[table]))
			}
			if !slices.EqualFunc(d, p, slices.Equal) {
				t.Errorf("%s %v: table dumps differ", table, tenants)
			}
		}
	}
}
