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

const clsTable = "daiyun_cls"

// Upsert writes rows set-based, in one transaction; see UpsertMany, which
// it is with one table, warehouse.Warehouse and docs/warehouse.md.
func (db *DB) Upsert(ctx context.Context, tenants daiyun.Tenants, table string, columns []string, rows [][]any) (warehouse.UpsertResult, error) {
	if _, err := warehouse.PrepareUpsert(tenants, table, columns, rows); err != nil || len(rows) == 0 {
		return warehouse.UpsertResult{}, err
	}
	out, err := db.UpsertMany(ctx, tenants, []warehouse.TableRows{{Table: table, Columns: columns, Rows: rows}})
	if err != nil {
		return warehouse.UpsertResult{}, err
	}
	return out[0], nil
}

// UpsertMany writes several tables' rows in one transaction: all of them or
// none (an import batch's orders, lines, history and customers). The
// tables' write locks are taken in schema order, so two batches never wait
// on each other in a circle. Calls over the same tables that arrive while
// one is being written are committed together (group.go).
//
// Each table's rows are deduplicated by key first. Then, when none of the
// batch's keys is stored (fresh data, the common case of an import and of
// API pushes), the rows are appended straight into the table with DuckDB's
// appender: no staging table, no copy. Otherwise they are appended into a
// temporary staging table, classified against the stored rows with one
// join, the replaced rows deleted and the new and replacing rows inserted.
// Every row is checked on the way in; a bad one fails the whole call.
func (db *DB) UpsertMany(ctx context.Context, tenants daiyun.Tenants, batch []warehouse.TableRows) ([]warehouse.UpsertResult, error) {
	w := &write{ctx: ctx, batches: make([]*warehouse.UpsertBatch, len(batch)), done: make(chan struct{}), lead: make(chan struct{}, 1)}
	for i, t := range batch {
		b, err := warehouse.PrepareUpsert(tenants, t.Table, t.Columns, t.Rows)
		if err != nil {
			return nil, err
		}
		b.Dedup()
		w.batches[i] = b
	}
	db.group.run(db, w)
	if w.err != nil {
		return nil, w.err
	}
	return w.out, nil
}

// commit writes the writes in one transaction under their tables' write
// locks, all of them or none, and returns the error that stopped it.
func (db *DB) commit(ws []*write) error {
	tables := map[string]bool{}
	for _, w := range ws {
		for _, b := range w.batches {
			tables[b.Table.Name] = true
		}
	}
	for _, t := range warehouse.Tables {
		if tables[t.Name] {
			db.locks[t.Name].Lock()
			defer db.locks[t.Name].Unlock()
		}
	}
	// One caller's cancellation must not end the others' writes: the
	// transaction runs on the first caller's context without its
	// cancellation, and each caller's context was checked when it joined.
	ctx := context.WithoutCancel(ws[0].ctx)
	if len(ws) == 1 {
		ctx = ws[0].ctx
	}
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("duckdb: upsert: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return fmt.Errorf("duckdb: upsert: begin: %w", err)
	}
	for _, w := range ws {
		w.out = make([]warehouse.UpsertResult, len(w.batches))
		for i, b := range w.batches {
			if len(b.Rows) == 0 {
				continue
			}
			if w.out[i], err = db.upsertTx(ctx, conn, b); err != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	if err == nil {
		if _, err = conn.ExecContext(ctx, "COMMIT"); err == nil {
			return nil
		}
		err = fmt.Errorf("duckdb: upsert: commit: %w", err)
	}
	if _, rerr := conn.ExecContext(context.Background(), "ROLLBACK"); rerr != nil {
		// Never hand a connection in an unknown transaction state back to
		// the pool.
		conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	return err
}

// upsertTx writes one table's deduplicated rows inside the caller's
// transaction and under its write lock. When none of the keys is stored —
// the key sets tell without reading the table (keys.go), else a query over
// the stored keys — the rows are appended straight into the table;
// otherwise they are staged and classified.
func (db *DB) upsertTx(ctx context.Context, conn *sql.Conn, b *warehouse.UpsertBatch) (warehouse.UpsertResult, error) {
	name := b.Table.Name
	fresh, err := db.keys.fresh(ctx, conn, b)
	if err != nil {
		return warehouse.UpsertResult{}, err
	}
	if !fresh {
		if q, args, ok := b.FreshCheckSQL(warehouse.DuckDB); ok {
			var n int
			if err := conn.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
				return warehouse.UpsertResult{}, fmt.Errorf("duckdb: upsert %s: check keys: %w", name, err)
			}
			fresh = n == 0
		}
	}
	var res warehouse.UpsertResult
	if fresh {
		err := conn.Raw(func(dc any) error {
			a, err := duck.NewAppenderWithColumns(dc.(driver.Conn), "", "main", name, b.StageColumnNames())
			if err != nil {
				return err
			}
			return appendRows(a, b)
		})
		if err != nil {
			if daiyun.ErrorCode(err) == daiyun.EINVALID {
				return res, err
			}
			return res, fmt.Errorf("duckdb: upsert %s: append: %w", name, err)
		}
		res.Inserted = b.Staged()
	} else {
		const stage = "daiyun_stage"
		if err := stageRows(ctx, conn, b, stage); err != nil {
			return res, err
		}
		if res, err = applyStage(ctx, conn, b, stage); err != nil {
			return res, err
		}
		if _, err := conn.ExecContext(ctx, "DROP TABLE "+stage); err != nil {
			return res, fmt.Errorf("duckdb: upsert %s: drop stage: %w", name, err)
		}
	}
	db.keys.added(b)
	return res, nil
}

// stageRows creates (or replaces) the connection's temporary staging table
// and appends the batch's checked, deduplicated rows into it.
func stageRows(ctx context.Context, conn *sql.Conn, b *warehouse.UpsertBatch, stage string) error {
	name := b.Table.Name
	if _, err := conn.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE "+stage+" ("+b.StageColumnsSQL(warehouse.DuckDB)+")"); err != nil {
		return fmt.Errorf("duckdb: upsert %s: stage: %w", name, err)
	}
	if err := conn.Raw(func(dc any) error { return appendStage(dc.(driver.Conn), b, stage) }); err != nil {
		if daiyun.ErrorCode(err) == daiyun.EINVALID {
			return err
		}
		return fmt.Errorf("duckdb: upsert %s: stage: %w", name, err)
	}
	return nil
}

// applyStage writes a staged table into its fact table, inside the
// caller's transaction and under its write lock.
func applyStage(ctx context.Context, conn *sql.Conn, b *warehouse.UpsertBatch, stage string) (warehouse.UpsertResult, error) {
	var res warehouse.UpsertResult
	name := b.Table.Name
	step := func(what, q string) error {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("duckdb: upsert %s: %s: %w", name, what, err)
		}
		return nil
	}
	var matched int
	if err := conn.QueryRowContext(ctx, b.MatchCountSQL(stage)).Scan(&matched); err != nil {
		return res, fmt.Errorf("duckdb: upsert %s: match: %w", name, err)
	}
	if matched == 0 {
		// Fresh keys only: no classification needed.
		res.Inserted = b.Staged()
		return res, step("insert", b.InsertStageSQL(stage))
	}
	if err := step("classify", "CREATE TEMP TABLE "+clsTable+" AS "+b.ClassifySQL(stage)); err != nil {
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
	return res, step("drop classification", "DROP TABLE "+clsTable)
}

// appendStage appends the batch's normalised rows into the staging table.
func appendStage(dc driver.Conn, b *warehouse.UpsertBatch, stage string) error {
	a, err := duck.NewAppender(dc, "temp", "main", stage)
	if err != nil {
		return err
	}
	return appendRows(a, b)
}

// appendRows appends the batch's rows that won Dedup, each checked and
// normalised, and closes the appender (flushing into the transaction).
func appendRows(a *duck.Appender, b *warehouse.UpsertBatch) error {
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
	return &appender{db: db, ctx: ctx, conn: c, a: a, table: t, vals: make([]driver.Value, len(t.Columns))}, nil
}

type appender struct {
	db     *DB
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
		// Committed under the table's write lock, and the table's key sets
		// dropped: they do not know the appended keys (keys.go).
		mu := a.db.locks[a.table.Name]
		mu.Lock()
		err = exec(context.Background(), a.conn, "COMMIT")
		a.db.keys.drop(a.table.Name, nil)
		mu.Unlock()
		if err == nil {
			return nil
		}
	}
	exec(context.Background(), a.conn, "ROLLBACK")
	if a.err != nil {
		return a.err
	}
	return fmt.Errorf("duckdb: appender %s: %w", a.table.Name, err)
}
