package duckdb_test

import (
	"path/filepath"
	"strconv"
	"testing"

	"github.com/daiyun/daiyun/warehouse"
	"github.com/daiyun/daiyun/warehouse/duckdb"
	"github.com/daiyun/daiyun/warehouse/warehousetest"
)

func open(t *testing.T) warehouse.Warehouse {
	t.Helper()
	db, err := duckdb.Open(filepath.Join(t.TempDir(), "warehouse.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) { warehousetest.Run(t, open) }

func TestInMemory(t *testing.T) {
	db, err := duckdb.Open(":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	if db.Dialect() != warehouse.DuckDB {
		t.Errorf("dialect %q", db.Dialect())
	}
}

func openBench(b *testing.B) warehouse.Warehouse {
	db, err := duckdb.Open(filepath.Join(b.TempDir(), "bench.duckdb"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if err := db.Migrate(b.Context()); err != nil {
		b.Fatal(err)
	}
	return db
}

func BenchmarkUpsertOrderLines(b *testing.B) {
	for _, size := range []int{10_000, 100_000} {
		b.Run(strconv.Itoa(size), func(b *testing.B) { warehousetest.BenchUpsertOrderLines(b, openBench, size) })
	}
}

func BenchmarkAppendOrderLines(b *testing.B) { warehousetest.BenchAppendOrderLines(b, openBench) }
