package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/daiyun/daiyun"
)

// Timed wraps a warehouse so every query, upsert and bulk load reports its
// duration to observe (operation name, table or "query", seconds, error).
// The server feeds it into Prometheus.
func Timed(w Warehouse, observe func(op string, d time.Duration, err error)) Warehouse {
	return timed{Warehouse: w, observe: observe}
}

type timed struct {
	Warehouse
	observe func(op string, d time.Duration, err error)
}

func (t timed) Query(ctx context.Context, tenants daiyun.Tenants, query string, args ...any) (*sql.Rows, error) {
	start := time.Now()
	rows, err := t.Warehouse.Query(ctx, tenants, query, args...)
	t.observe("query", time.Since(start), err)
	return rows, err
}

func (t timed) Upsert(ctx context.Context, tenants daiyun.Tenants, table string, columns []string, rows [][]any) (UpsertResult, error) {
	start := time.Now()
	res, err := t.Warehouse.Upsert(ctx, tenants, table, columns, rows)
	t.observe("upsert:"+table, time.Since(start), err)
	return res, err
}

func (t timed) Ping(ctx context.Context) error {
	start := time.Now()
	err := t.Warehouse.Ping(ctx)
	t.observe("ping", time.Since(start), err)
	return err
}

// UpsertMany times the engine's multi-table write. Both engines have one;
// a warehouse without it is refused rather than written table by table,
// which would lose the all-or-nothing promise.
func (t timed) UpsertMany(ctx context.Context, tenants daiyun.Tenants, batch []TableRows) ([]UpsertResult, error) {
	mu, ok := t.Warehouse.(MultiUpserter)
	if !ok {
		return nil, fmt.Errorf("warehouse: this engine cannot write several tables in one transaction")
	}
	start := time.Now()
	res, err := mu.UpsertMany(ctx, tenants, batch)
	t.observe("upsert:many", time.Since(start), err)
	return res, err
}
