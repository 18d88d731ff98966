package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/warehouse"
)

// DB is a warehouse in a PostgreSQL (or Citus) database.
type DB struct {
	pool *pgxpool.Pool
	db   *sql.DB // reads through database/sql over the same pool
}

var _ warehouse.Warehouse = (*DB)(nil)

// migrateLock is the advisory lock key held while migrating, so several
// daiyun processes starting at once do not race on CREATE TABLE.
const migrateLock = 0x6461697975_01

// Open connects to the database at url (postgres://…). Sessions run in UTC
// so that nothing the server computes depends on its time zone setting.
// Call Migrate before use.
func Open(ctx context.Context, url string) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, daiyun.Errorf(daiyun.EINVALID, "warehouse URL is not a valid PostgreSQL URL")
	}
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	// A bulk load holds one connection per table appender at once (the demo
	// generator writes every fact table together), plus readers; the
	// driver's default of max(4, CPUs) would make it wait forever. A URL's
	// own pool_max_conns still wins.
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = int32(2*len(warehouse.Tables) + 8)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: open warehouse: %w", err)
	}
	return &DB{pool: pool, db: stdlib.OpenDBFromPool(pool)}, nil
}

// Dialect reports warehouse.Postgres.
func (db *DB) Dialect() warehouse.Dialect { return warehouse.Postgres }

// SQL returns the database/sql handle, for tools and tests that need to
// bypass the tenant filter (never for request handling).
func (db *DB) SQL() *sql.DB { return db.db }

// Migrate creates or upgrades the fact schema.
func (db *DB) Migrate(ctx context.Context) error {
	return warehouse.ApplyMigrations(ctx, db.db, warehouse.SchemaOptions{
		Dialect: warehouse.Postgres,
		Lock:    fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", int64(migrateLock)),
	})
}

// Query runs a tenant-scoped read; see warehouse.Warehouse.
func (db *DB) Query(ctx context.Context, tenants daiyun.Tenants, query string, args ...any) (*sql.Rows, error) {
	q, err := warehouse.ExpandTenants(query, tenants)
	if err != nil {
		return nil, err
	}
	rows, err := db.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("postgres: query: %w", err)
	}
	return rows, nil
}

// DeleteTenant erases every fact of the tenants in one transaction.
func (db *DB) DeleteTenant(ctx context.Context, tenants daiyun.Tenants) error {
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		for _, t := range warehouse.Tables {
			q, err := warehouse.ExpandTenants("DELETE FROM "+t.Name+" WHERE {{tenants}}", tenants)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("postgres: delete tenant from %s: %w", t.Name, err)
			}
		}
		return nil
	})
}

// Ping checks the server answers.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// Close closes the pool.
func (db *DB) Close() error {
	err := db.db.Close()
	db.pool.Close()
	return err
}

const (
	stageTable = "daiyun_stage"
	clsTable   = "daiyun_cls"
)

// Upsert writes rows set-based, in one transaction: the batch is
// deduplicated by key and COPYed into a temporary staging table; when no
// staged key is stored yet the stage is inserted as it is, otherwise it is
// classified against the stored rows with one join and applied with one
// INSERT … ON CONFLICT DO UPDATE. See warehouse.Warehouse and
// docs/warehouse.md.
func (db *DB) Upsert(ctx context.Context, tenants daiyun.Tenants, table string, columns []string, rows [][]any) (warehouse.UpsertResult, error) {
	var res warehouse.UpsertResult
	b, err := warehouse.PrepareUpsert(tenants, table, columns, rows)
	if err != nil || len(rows) == 0 {
		return res, err
	}
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		res, err = upsertTx(ctx, tx, b)
		return err
	})
	if err != nil {
		return warehouse.UpsertResult{}, err
	}
	return res, nil
}

// UpsertMany writes several tables' rows in one transaction: all of them or
// none (an import batch's orders, lines, history and customers).
func (db *DB) UpsertMany(ctx context.Context, tenants daiyun.Tenants, batch []warehouse.TableRows) ([]warehouse.UpsertResult, error) {
	bs := make([]*warehouse.UpsertBatch, len(batch))
	for i, t := range batch {
		b, err := warehouse.PrepareUpsert(tenants, t.Table, t.Columns, t.Rows)
		if err != nil {
			return nil, err
		}
		bs[i] = b
	}
	out := make([]warehouse.UpsertResult, len(batch))
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		for i, b := range bs {
			if len(batch[i].Rows) == 0 {
				continue
			}
			res, err := upsertTx(ctx, tx, b)
			if err != nil {
				return err
			}
			out[i] = res
			// The staging tables would live until COMMIT; the next table
			// of the batch stages under the same names.
			if _, err := tx.Exec(ctx, "DROP TABLE IF EXISTS "+stageTable+"; DROP TABLE IF EXISTS "+clsTable); err != nil {
				return fmt.Errorf("postgres: upsert %s: drop stage: %w", b.Table.Name, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func upsertTx(ctx context.Context, tx pgx.Tx, b *warehouse.UpsertBatch) (warehouse.UpsertResult, error) {
	var res warehouse.UpsertResult
	name := b.Table.Name
	step := func(what, q string) error {
		if _, err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("postgres: upsert %s: %s: %w", name, what, err)
		}
		return nil
	}
	if err := step("stage", "CREATE TEMP TABLE "+stageTable+" ("+b.StageColumnsSQL(warehouse.Postgres)+") ON COMMIT DROP"); err != nil {
		return res, err
	}
	b.Dedup()
	src := &batchSource{b: b, dst: make([]any, len(b.Columns)), i: -1}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{stageTable}, b.StageColumnNames(), src); err != nil {
		if src.err != nil {
			return res, src.err
		}
		return res, fmt.Errorf("postgres: upsert %s: copy: %w", name, err)
	}
	// The planner knows nothing of a fresh temporary table; without
	// statistics it misjudges the join with the stored rows.
	if err := step("analyze", "ANALYZE "+stageTable); err != nil {
		return res, err
	}
	var matched int64
	if err := tx.QueryRow(ctx, b.MatchCountSQL(stageTable)).Scan(&matched); err != nil {
		return res, fmt.Errorf("postgres: upsert %s: match: %w", name, err)
	}
	if matched == 0 {
		// ON CONFLICT still, for a concurrent writer that inserts one of
		// these keys meanwhile (its row is then counted as inserted).
		res.Inserted = b.Staged()
		return res, step("insert", b.InsertOnConflictSQL(stageTable, false))
	}
	if err := step("classify", "CREATE TEMP TABLE "+clsTable+" ON COMMIT DROP AS "+b.ClassifySQL(stageTable)); err != nil {
		return res, err
	}
	rows, err := tx.Query(ctx, warehouse.CountSQL(clsTable))
	if err != nil {
		return res, fmt.Errorf("postgres: upsert %s: count: %w", name, err)
	}
	for rows.Next() {
		var action int32
		var n int64
		if err := rows.Scan(&action, &n); err != nil {
			rows.Close()
			return res, fmt.Errorf("postgres: upsert %s: count: %w", name, err)
		}
		res.Count(int(action), int(n))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("postgres: upsert %s: count: %w", name, err)
	}
	if res.Inserted+res.Updated > 0 {
		if err := step("insert", b.InsertOnConflictSQL(clsTable, true)); err != nil {
			return res, err
		}
	}
	return res, nil
}

// batchSource streams the winning rows of an UpsertBatch into COPY,
// normalising as it goes. Every row is checked, a losing duplicate too.
type batchSource struct {
	b   *warehouse.UpsertBatch
	dst []any
	i   int
	err error
}

func (s *batchSource) Next() bool {
	for s.i++; s.i < len(s.b.Rows); s.i++ {
		if s.err = s.b.Row(s.i, s.dst); s.err != nil || s.b.Winner(s.i) {
			return true
		}
	}
	return false
}

func (s *batchSource) Values() ([]any, error) {
	if s.err != nil {
		return nil, s.err
	}
	return s.dst, nil
}

func (s *batchSource) Err() error { return nil }

// appendBatch is how many rows the Appender buffers before a COPY.
const appendBatch = 50_000

// Appender returns a bulk writer that COPYs rows in batches of 50,000 inside
// one transaction, committed by Close. Rows are checked and normalised like
// Upsert's. It does not deduplicate: a key that is already stored fails the
// load on the primary key.
func (db *DB) Appender(ctx context.Context, table string) (warehouse.Appender, error) {
	t, ok := warehouse.TableByName(table)
	if !ok {
		return nil, daiyun.Errorf(daiyun.EINVALID, "unknown warehouse table %q", table)
	}
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("postgres: appender %s: %w", table, err)
	}
	return &appender{ctx: ctx, tx: tx, table: t}, nil
}

type appender struct {
	ctx    context.Context
	tx     pgx.Tx
	table  warehouse.Table
	buf    [][]any
	rows   int
	err    error
	closed bool
}

// AppendRow buffers one row in the table's column order.
func (a *appender) AppendRow(values ...any) error {
	if a.err != nil {
		return a.err
	}
	if len(values) != len(a.table.Columns) {
		return daiyun.Errorf(daiyun.EINVALID, "%s: row %d has %d values for %d columns", a.table.Name, a.rows, len(values), len(a.table.Columns))
	}
	row := make([]any, len(values))
	for i, v := range values {
		n, err := warehouse.NormalizeValue(a.table.Columns[i], v)
		if err != nil {
			return daiyun.Errorf(daiyun.EINVALID, "%s: row %d: %v", a.table.Name, a.rows, err)
		}
		row[i] = n
	}
	a.buf = append(a.buf, row)
	a.rows++
	if len(a.buf) >= appendBatch {
		a.err = a.flush()
	}
	return a.err
}

func (a *appender) flush() error {
	if len(a.buf) == 0 {
		return nil
	}
	_, err := a.tx.CopyFrom(a.ctx, pgx.Identifier{a.table.Name}, a.table.ColumnNames(), pgx.CopyFromRows(a.buf))
	clear(a.buf)
	a.buf = a.buf[:0]
	if err != nil {
		return fmt.Errorf("postgres: append to %s: %w", a.table.Name, err)
	}
	return nil
}

// Close flushes and commits; after a failure it rolls back.
func (a *appender) Close() error {
	if a.closed {
		return errors.New("postgres: appender closed twice")
	}
	a.closed = true
	if a.err == nil {
		a.err = a.flush()
	}
	if a.err == nil {
		if err := a.tx.Commit(a.ctx); err != nil {
			return fmt.Errorf("postgres: appender %s: commit: %w", a.table.Name, err)
		}
		return nil
	}
	a.tx.Rollback(context.Background())
	return a.err
}
