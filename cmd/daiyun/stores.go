package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/warehouse"
	"github.com/daiyun/daiyun/warehouse/duckdb"
	"github.com/daiyun/daiyun/warehouse/postgres"
)

// openWarehouse picks the engine from the configuration: PostgreSQL (or
// Citus) for a postgres:// URL, otherwise the embedded DuckDB file.
func openWarehouse(ctx context.Context, cfg Config) (warehouse.Warehouse, error) {
	if cfg.WarehouseURL != "" {
		return postgres.Open(ctx, cfg.WarehouseURL)
	}
	path := cfg.WarehouseTarget()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, daiyun.Errorf(daiyun.EINVALID, "data directory %s: %v", filepath.Dir(path), err)
	}
	w, err := duckdb.Open(path)
	if err != nil && strings.Contains(err.Error(), "lock") {
		return nil, daiyun.Errorf(daiyun.ECONFLICT, "the warehouse %s is held by another process (is `daiyun serve` running on this data directory?)", path)
	}
	return w, err
}
