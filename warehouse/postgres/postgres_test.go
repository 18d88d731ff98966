package postgres_test

import (
	"strconv"
	"testing"

	"github.com/daiyun/daiyun/internal/pgtest"
	"github.com/daiyun/daiyun/warehouse"
	"github.com/daiyun/daiyun/warehouse/postgres"
	"github.com/daiyun/daiyun/warehouse/warehousetest"
)

func open(t *testing.T) warehouse.Warehouse {
	t.Helper()
	db, err := postgres.Open(t.Context(), pgtest.New(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestConformance(t *testing.T) { warehousetest.Run(t, open) }

func openBench(b *testing.B) warehouse.Warehouse {
	db, err := postgres.Open(b.Context(), pgtest.New(b))
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
