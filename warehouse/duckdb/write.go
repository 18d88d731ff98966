package duckdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	duck "github.com/duckdb/duckdb-go/v2"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/warehouse"
)

const (
	stageTable = "daiyun_stage"
	clsTable   = "daiyun_cls"
)

// Upsert writes rows set-based, in one transaction: the batch is
// deduplicated by key and appended into a temporary staging table; when no
// staged key is stored yet the stage is inserted as it is, otherwise it is
// classified against the stored rows with one join, the replaced rows are
// deleted and the new and replacing rows inserted. See warehouse.Warehouse
// and docs/warehouse.md.
func (db *DB) Upsert(ctx context.Context, tenants daiyun.Tenants, table string, columns []string, rows [][]any) (warehouse.UpsertResult, error) {
	var res warehouse.UpsertResult
	b, err := warehouse.PrepareUpsert(tenants, table, columns, rows)
	if err != nil || len(rows) == 0 {
		return res, err
	}
	mu := db.locks[table]
	mu.Lock()
	defer mu.Unlock()

	conn, err := db.db.Conn(ctx)
	if err != nil {
		return res, fmt.Errorf("duckdb: upsert %s: %w", table, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return res, fmt.Errorf("duckdb: upsert %s: begin: %w", table, err)
	}
	res, err = upsertTx(ctx, conn, b)
	if err == nil {
		if _, err = conn.ExecContext(ctx, "COMMIT"); err == nil {
			return res, nil
		}
		err = fmt.Errorf("duckdb: upsert %s: commit: %w", table, err)
	}
	if _, rerr := conn.ExecContext(context.Background(), "ROLLBACK"); rerr != nil {
		// Never hand a connection in an unknown transaction state back to
		// the pool.
		conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	return warehouse.UpsertResult{}, err
}

// UpsertMany writes several tables' rows in one transaction: all of them or
// none (an import batch's orders, lines, history and customers). The
// tables' write locks are taken in schema order, so two batches never wait
// on each other in a circle.
func (db *DB) UpsertMany(ctx context.Context, tenants daiyun.Tenants, batch []warehouse.TableRows) ([]warehouse.UpsertResult, error) {
	bs := make([]*warehouse.UpsertBatch, len(batch))
	tables := map[string]bool{}
	for i, t := range batch {
		b, err := warehouse.PrepareUpsert(tenants, t.Table, t.Columns, t.Rows)
		if err != nil {
			return nil, err
		}
		bs[i] = b
		tables[t.Table] = true
	}
	for _, t := range warehouse.Tables {
		if tables[t.Name] {
			db.locks[t.Name].Lock()
			defer db.locks[t.Name].Unlock()
		}
	}
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("duckdb: upsert: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return nil, fmt.Errorf("duckdb: upsert: begin: %w", err)
	}
	out := make([]warehouse.UpsertResult, len(batch))
	for i, b := range bs {
		if len(batch[i].Rows) == 0 {
			continue
		}
		if out[i], err = upsertTx(ctx, conn, b); err != nil {
			break
		}
	}
	if err == nil {
		if _, err = conn.ExecContext(ctx, "COMMIT"); err == nil {
			return out, nil
		}
		err = fmt.Errorf("duckdb: upsert: commit: %w", err)
	}
	if _, rerr := conn.ExecContext(context.Background(), "ROLLBACK"); rerr != nil {
		conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	return nil, err
}

func upsertTx(ctx context.Context, conn *sql.Conn, b *warehouse.UpsertBatch) (warehouse.UpsertResult, error) {
	var res warehouse.UpsertResult
	name := b.Table.Name
	step := func(what, q string) error {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("duckdb: upsert %s: %s: %w", name, what, err)
		}
		return nil
	}
	if err := step("stage", "CREATE TEMP TABLE "+stageTable+" ("+b.StageColumnsSQL(warehouse.DuckDB)+")"); err != nil {
		return res, err
	}
	if err := conn.Raw(func(dc any) error { return stage(dc.(driver.Conn), b) }); err != nil {
		if daiyun.ErrorCode(err) == daiyun.EINVALID {
			return res, err
		}
		return res, fmt.Errorf("duckdb: upsert %s: stage: %w", name, err)
	}
	var matched int
	if err := conn.QueryRowContext(ctx, b.MatchCountSQL(stageTable)).Scan(&matched); err != nil {
		return res, fmt.Errorf("duckdb: upsert %s: match: %w", name, err)
	}
	if matched == 0 {
		// Fresh keys only: no classification needed.
		res.Inserted = b.Staged()
		if err := step("insert", b.InsertStageSQL(stageTable)); err != nil {
			return res, err
		}
		return res, step("drop stage", "DROP TABLE "+stageTable)
	}
	if err := step("classify", "CREATE TEMP TABLE "+clsTable+" AS "+b.ClassifySQL(stageTable)); err != nil {
		return res, err
	}
	rows, err := conn.QueryContext(ctx, warehouse.CountSQL(clsTable))
	if err != nil {
		return res, fmt.Errorf("duckdb: upsert %s: count: %w", name, err)
	}
	for rows.Next() {
		var action, n int
		if err := rows.Scan(&action, &n); err != nil {
			rows.Close()
			return res, fmt.Errorf("duckdb: upsert %s: count: %w", name, err)
		}
		res.Count(action, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return res, fmt.Errorf("duckdb: upsert %s: count: %w", name, err)
	}
	if res.Updated > 0 {
		if err := step("delete replaced", b.DeleteReplacedSQL(clsTable)); err != nil {
			return res, err
		}
	}
	if res.Inserted+res.Updated > 0 {
		if err := step("insert", b.InsertAllSQL(clsTable)); err != nil {
			return res, err
		}
	}
	if err := step("drop stage", "DROP TABLE "+stageTable); err != nil {
		return res, err
	}
	return res, step("drop stage", "DROP TABLE "+clsTable)
}

// stage appends the batch's normalised rows into the staging table.
func stage(dc driver.Conn, b *warehouse.UpsertBatch) error {
	a, err := duck.NewAppender(dc, "temp", "main", stageTable)
	if err != nil {
		return err
	}
	b.Dedup()
	vals := make([]driver.Value, len(b.Columns))
	dst := make([]any, len(b.Columns))
	for i := range b.Rows {
		// Every row is checked, a losing duplicate too: a bad row fails
		// the batch wherever it is.
		if err := b.Row(i, dst); err != nil {
			a.Close()
			return err
		}
		if !b.Winner(i) {
			continue
		}
		for j, v := range dst {
			vals[j] = v
		}
		if err := a.AppendRow(vals...); err != nil {
			a.Close()
			return err
		}
	}
	return a.Close()
}

// Appender returns a bulk writer over the driver's native appender. Rows
// are checked and normalised like Upsert's (NOT NULL, types, UTC), buffered
// by DuckDB in bounded chunks, and committed in one transaction by Close: a
// load that fails or is killed leaves nothing behind. It does not
// deduplicate, so it must only load keys that are not stored yet.
func (db *DB) Appender(ctx context.Context, table string) (warehouse.Appender, error) {
	t, ok := warehouse.TableByName(table)
	if !ok {
		return nil, daiyun.Errorf(daiyun.EINVALID, "unknown warehouse table %q", table)
	}
	c, err := db.rawConn(ctx)
	if err != nil {
		return nil, err
	}
	if err := exec(ctx, c, "BEGIN TRANSACTION"); err != nil {
		c.Close()
		return nil, fmt.Errorf("duckdb: appender %s: begin: %w", table, err)
	}
	a, err := duck.NewAppenderFromConn(c, "", table)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("duckdb: appender %s: %w", table, err)
	}
	return &appender{ctx: ctx, conn: c, a: a, table: t, vals: make([]driver.Value, len(t.Columns))}, nil
}

type appender struct {
	ctx    context.Context
	conn   *duck.Conn
	a      *duck.Appender
	table  warehouse.Table
	vals   []driver.Value
	rows   int
	err    error
	closed bool
}

// AppendRow appends one row in the table's column order.
func (a *appender) AppendRow(values ...any) error {
	if a.err != nil {
		return a.err
	}
	if len(values) != len(a.vals) {
		return daiyun.Errorf(daiyun.EINVALID, "%s: row %d has %d values for %d columns", a.table.Name, a.rows, len(values), len(a.vals))
	}
	for i, v := range values {
		n, err := warehouse.NormalizeValue(a.table.Columns[i], v)
		if err != nil {
			return daiyun.Errorf(daiyun.EINVALID, "%s: row %d: %v", a.table.Name, a.rows, err)
		}
		a.vals[i] = n
	}
	if err := a.a.AppendRow(a.vals...); err != nil {
		// The appender may hold a half-written chunk now; the load is lost.
		a.err = fmt.Errorf("duckdb: append to %s: %w", a.table.Name, err)
		return a.err
	}
	a.rows++
	return nil
}

// Close flushes and commits; after a failed AppendRow it rolls back.
func (a *appender) Close() error {
	if a.closed {
		return errors.New("duckdb: appender closed twice")
	}
	a.closed = true
	defer a.conn.Close()
	err := a.a.CloseWithCancel(a.ctx)
	if err == nil && a.err == nil {
		if err = exec(context.Background(), a.conn, "COMMIT"); err == nil {
			return nil
		}
	}
	exec(context.Background(), a.conn, "ROLLBACK")
	if a.err != nil {
		return a.err
	}
	return fmt.Errorf("duckdb: appender %s: %w", a.table.Name, err)
}
