package demo

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"fmt"
	"hash"
	"math"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/warehouse"
)

// memCatalog is an in-memory Catalog: sequential ids and a key per client.
type memCatalog struct {
	clients   []daiyun.Client
	shops     []daiyun.Shop
	users     []daiyun.User
	passwords map[string]string
	contracts []daiyun.Contract
	assigned  []daiyun.Assignment
}

func (c *memCatalog) CreateClient(_ context.Context, x *daiyun.Client) error {
	x.ID = int64(len(c.clients) + 1)
	c.clients = append(c.clients, *x)
	return nil
}

func (c *memCatalog) CreateShop(_ context.Context, x *daiyun.Shop) error {
	if err := x.Validate(); err != nil {
		return err
	}
	x.ID = int64(len(c.shops) + 1)
	c.shops = append(c.shops, *x)
	return nil
}

func (c *memCatalog) CreateUser(_ context.Context, x *daiyun.User, password string) error {
	if !x.Role.Valid() {
		return fmt.Errorf("bad role %q", x.Role)
	}
	x.ID = int64(len(c.users) + 1)
	c.users = append(c.users, *x)
	if c.passwords == nil {
		c.passwords = map[string]string{}
	}
	c.passwords[x.Email] = password
	return nil
}

func (c *memCatalog) CreateContract(_ context.Context, x *daiyun.Contract) error {
	if err := x.Validate(); err != nil {
		return err
	}
	x.ID = int64(len(c.contracts) + 1)
	c.contracts = append(c.contracts, *x)
	return nil
}

func (c *memCatalog) Assign(_ context.Context, a daiyun.Assignment) error {
	c.assigned = append(c.assigned, a)
	return nil
}

func (c *memCatalog) ClientKey(_ context.Context, id int64) ([]byte, error) {
	k := sha256.Sum256([]byte(fmt.Sprintf("test-key-%d", id)))
	return k[:], nil
}

// memWarehouse is a Warehouse double that hashes every appended row per
// table and, when keep is set, keeps the rows for invariant checks.
type memWarehouse struct {
	keep    bool
	discard bool // count only: for benchmarks of the generator alone
	hashes  map[string]hash.Hash
	rows    map[string][][]any
}

func newMemWarehouse(keep bool) *memWarehouse {
	return &memWarehouse{keep: keep, hashes: map[string]hash.Hash{}, rows: map[string][][]any{}}
}

func (w *memWarehouse) Dialect() warehouse.Dialect                         { return warehouse.DuckDB }
func (w *memWarehouse) Migrate(context.Context) error                      { return nil }
func (w *memWarehouse) Ping(context.Context) error                         { return nil }
func (w *memWarehouse) Close() error                                       { return nil }
func (w *memWarehouse) DeleteTenant(context.Context, daiyun.Tenants) error { return nil }
func (w *memWarehouse) Query(context.Context, daiyun.Tenants, string, ...any) (*sql.Rows, error) {
	return nil, fmt.Errorf("memWarehouse cannot query")
}
func (w *memWarehouse) Upsert(context.Context, daiyun.Tenants, string, []string, [][]any) (warehouse.UpsertResult, error) {
	return warehouse.UpsertResult{}, fmt.Errorf("memWarehouse cannot upsert")
}

func (w *memWarehouse) Appender(_ context.Context, table string) (warehouse.Appender, error) {
	t, ok := warehouse.TableByName(table)
	if !ok {
		return nil, fmt.Errorf("no table %s", table)
	}
	if w.hashes[table] == nil {
		w.hashes[table] = sha256.New()
	}
	// The sink appends to each table from its own goroutine: the appender
	// gets its table's hash and keeps its rows until Close, so appenders of
	// different tables share nothing.
	return &memAppender{w: w, t: t, h: w.hashes[table]}, nil
}

// checksum combines the tables' hashes.
func (w *memWarehouse) checksum() string {
	all := sha256.New()
	for _, name := range tableNames {
		if h := w.hashes[name]; h != nil {
			all.Write(h.Sum(nil))
		}
	}
	return fmt.Sprintf("%x", all.Sum(nil))
}

type memAppender struct {
	w    *memWarehouse
	t    warehouse.Table
	h    hash.Hash
	rows [][]any
}

// AppendRow checks each value's Go type against the column type, as a
// strict engine appender would, then hashes it.
func (a *memAppender) AppendRow(values ...any) error {
	if len(values) != len(a.t.Columns) {
		return fmt.Errorf("%s: %d values for %d columns", a.t.Name, len(values), len(a.t.Columns))
	}
	if a.w.discard {
		return nil
	}
	h := a.h
	var b [8]byte
	for i, v := range values {
		c := a.t.Columns[i]
		if v == nil {
			if c.NotNull {
				return fmt.Errorf("%s.%s is NOT NULL", a.t.Name, c.Name)
			}
			h.Write([]byte{0})
			continue
		}
		var ok bool
		switch x := v.(type) {
		case int64:
			ok = c.Type == warehouse.BigInt
			binary.LittleEndian.PutUint64(b[:], uint64(x))
			h.Write(b[:])
		case int32:
			ok = c.Type == warehouse.Int
			binary.LittleEndian.PutUint64(b[:], uint64(x))
			h.Write(b[:])
		case float64:
			ok = c.Type == warehouse.Double
			binary.LittleEndian.PutUint64(b[:], math.Float64bits(x))
			h.Write(b[:])
		case string:
			ok = c.Type == warehouse.Text
			h.Write([]byte(x))
			h.Write([]byte{0})
		case bool:
			ok = c.Type == warehouse.Bool
			if x {
				h.Write([]byte{1})
			} else {
				h.Write([]byte{2})
			}
		case time.Time:
			ok = c.Type == warehouse.Timestamp || c.Type == warehouse.DateT && x.Equal(civil(x))
			ok = ok && x.Location() == time.UTC
			binary.LittleEndian.PutUint64(b[:], uint64(x.UnixMicro()))
			h.Write(b[:])
		}
		if !ok {
			return fmt.Errorf("%s.%s (%s) got %T %v", a.t.Name, c.Name, c.Type, v, v)
		}
	}
	if a.w.keep {
		a.rows = append(a.rows, values)
	}
	return nil
}

func (a *memAppender) Close() error {
	a.w.rows[a.t.Name] = append(a.w.rows[a.t.Name], a.rows...)
	a.rows = nil
	return nil
}
