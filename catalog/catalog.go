// Package catalog is the store of everything that is not a fact: clients,
// shops, contracts, users, roles, assignments, API keys, sessions and the
// audit log (and, as capabilities arrive, targets, benchmarks, rules,
// alerts, tasks, reports). SQLite is the embedded default; PostgreSQL is the
// server store. One SQL text serves both ($N placeholders, RETURNING); the
// schema differs only in types, kept in migrations/sqlite and
// migrations/postgres.
//
// Every read narrows to what the actor in the context may see (access.go);
// every write checks the actor may make it. Callers never filter by client
// themselves.
package catalog

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx"
	_ "modernc.org/sqlite"             // database/sql driver "sqlite"
)

//go:embed migrations
var migrations embed.FS

// Dialect is the SQL engine behind the store.
type Dialect string

// Dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Store is the catalog.
type Store struct {
	db      *sql.DB
	dialect Dialect
	now     func() time.Time
	secrets secretKeys // seals the catalog's secrets (secrets.go)
}

// Open connects to the catalog at url: a postgres:// or postgresql:// URL for
// PostgreSQL, otherwise a SQLite file path (optionally prefixed sqlite:). It
// does not migrate; call Migrate.
func Open(ctx context.Context, url string) (*Store, error) {
	s := &Store{now: func() time.Time { return time.Now().UTC() }}
	var err error
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		s.dialect = Postgres
		s.db, err = sql.Open("pgx", url)
	default:
		path := strings.TrimPrefix(url, "sqlite:")
		if path == "" {
			return nil, daiyun.Errorf(daiyun.EINVALID, "catalog: no database path or URL given")
		}
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("catalog: create %s: %w", dir, err)
			}
		}
		s.dialect = SQLite
		// Transactions take the write lock when they begin (IMMEDIATE):
		// a deferred one that reads and then writes can meet another
		// writer in a lock upgrade SQLite resolves with SQLITE_BUSY at
		// once, which busy_timeout cannot wait out. Concurrent imports did.
		s.db, err = sql.Open("sqlite", path+"?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate")
		// SQLite allows one writer; a small pool avoids lock churn.
		s.db.SetMaxOpenConns(4)
	}
	if err != nil {
		return nil, fmt.Errorf("catalog: open: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.db.PingContext(pctx); err != nil {
		s.db.Close()
		return nil, daiyun.Errorf(daiyun.EINVALID, "catalog: cannot reach %s: %v", redact(url), err)
	}
	return s, nil
}

// redact hides a password in a database URL.
func redact(url string) string {
	if i := strings.Index(url, "://"); i >= 0 {
		if j := strings.Index(url[i+3:], "@"); j >= 0 {
			cred := url[i+3 : i+3+j]
			if k := strings.Index(cred, ":"); k >= 0 {
				return url[:i+3] + cred[:k] + ":***" + url[i+3+j:]
			}
		}
	}
	return url
}

// Dialect tells which engine the store runs on.
func (s *Store) Dialect() Dialect { return s.dialect }

// DB exposes the connection pool to packages that keep their own catalog
// tables (each with its own migrations) and to the job queue.
func (s *Store) DB() *sql.DB { return s.db }

// Close closes the pool.
func (s *Store) Close() error { return s.db.Close() }

// Ping checks the store answers (readiness).
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

type migration struct {
	version int
	name    string
	sql     string
}

func (s *Store) migrations() ([]migration, error) {
	dir := "migrations/" + string(s.dialect)
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		n, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(n)
		if !ok || err != nil || !strings.HasSuffix(e.Name(), ".sql") {
			return nil, fmt.Errorf("catalog: bad migration file name %s", e.Name())
		}
		b, err := migrations.ReadFile(dir + "/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// SchemaVersion is the newest migration this binary knows.
func (s *Store) SchemaVersion() int {
	ms, _ := s.migrations()
	if len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// Migrate applies every migration not yet recorded, in version order, each
// in its own transaction. Versions are numbered by capability (0001
// foundation, 0100 imports, 0200 connectors, 0300 alerting …), so a newer
// binary may bring a version lower than one already applied; it is applied
// too. Migrate refuses a database with a version this binary does not know
// (a newer binary has run on it).
func (s *Store) Migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		return fmt.Errorf("catalog: migrate: %w", err)
	}
	applied, err := s.appliedVersions(ctx)
	if err != nil {
		return err
	}
	ms, err := s.migrations()
	if err != nil {
		return err
	}
	if err := unknownVersions(applied, ms); err != nil {
		return err
	}
	for _, m := range ms {
		if applied[m.version] {
			continue
		}
		if err := s.inTx(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return fmt.Errorf("catalog: migration %s: %w", m.name, err)
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`,
				m.version, m.name, s.now().Format(time.RFC3339))
			return err
		}); err != nil {
			return err
		}
	}
	return nil
}

// appliedVersions reads the recorded migrations; a database never migrated
// has none.
func (s *Store) appliedVersions(ctx context.Context) (map[int]bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		if m := err.Error(); strings.Contains(m, "does not exist") || strings.Contains(m, "no such table") {
			return map[int]bool{}, nil
		}
		return nil, fmt.Errorf("catalog: read schema version: %w", err)
	}
	defer rows.Close()
	applied := map[int]bool{}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		applied[v] = true
	}
	return applied, rows.Err()
}

// unknownVersions fails when the database records a migration this binary
// does not have.
func unknownVersions(applied map[int]bool, ms []migration) error {
	known := map[int]bool{}
	for _, m := range ms {
		known[m.version] = true
	}
	for v := range applied {
		if !known[v] {
			return daiyun.Errorf(daiyun.EINVALID, "catalog schema has migration %d, which this daiyun binary does not know: upgrade the binary", v)
		}
	}
	return nil
}

// CheckSchema fails unless the database has exactly the migrations of this
// binary, so a server never runs on a schema that is behind (or ahead).
func (s *Store) CheckSchema(ctx context.Context) error {
	applied, err := s.appliedVersions(ctx)
	if err != nil {
		return err
	}
	ms, err := s.migrations()
	if err != nil {
		return err
	}
	if err := unknownVersions(applied, ms); err != nil {
		return err
	}
	for _, m := range ms {
		if !applied[m.version] {
			return daiyun.Errorf(daiyun.EINVALID, "catalog schema lacks migration %s: run `daiyun migrate`", m.name)
		}
	}
	return nil
}

// inTx runs fn in a transaction, committing when it returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("catalog: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("catalog: commit: %w", err)
	}
	return nil
}

// isUnique reports whether err is a unique-constraint violation on either
// engine.
func isUnique(err error) bool {
	if err == nil {
		return false
	}
	m := err.Error()
	return strings.Contains(m, "UNIQUE constraint failed") || strings.Contains(m, "SQLSTATE 23505") || strings.Contains(m, "duplicate key value")
}

// notFound is returned when a row is missing or the actor may not see it;
// the two are indistinguishable to the caller on purpose.
func notFound(what string, id any) error {
	return daiyun.Errorf(daiyun.ENOTFOUND, "%s %v not found", what, id)
}

var errNoRows = sql.ErrNoRows

func isNoRows(err error) bool { return errors.Is(err, errNoRows) }
