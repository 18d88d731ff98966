package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"

	"github.com/daiyun/daiyun"
)

// Dialect names the SQL variant an engine speaks.
type Dialect string

// Dialects.
const (
	DuckDB   Dialect = "duckdb"
	Postgres Dialect = "postgres"
)

// Warehouse is the analytical store: the fact tables of PRODUCT.md B1.
// Implementations: warehouse/duckdb (embedded default) and
// warehouse/postgres (server mode, Citus for scale-out).
type Warehouse interface {
	// Dialect tells which SQL variant Query expects.
	Dialect() Dialect
	// Migrate creates or upgrades the fact schema; it refuses a schema
	// newer than the binary.
	Migrate(ctx context.Context) error
	// Query runs a read over the tenants' facts. The SQL must contain the
	// placeholder {{tenants}} (or {{tenants:alias}}) wherever a table is
	// read; Query replaces it with "tenant_id IN (…)" for tenants and
	// refuses SQL without it. This is the warehouse's isolation choke point.
	Query(ctx context.Context, tenants daiyun.Tenants, query string, args ...any) (*sql.Rows, error)
	// Upsert writes rows into a fact table in one transaction: a row whose
	// key exists replaces it when its version is not older (tables without
	// a version: when any column differs). Every row's tenant_id must be in
	// tenants. All rows are written or none.
	Upsert(ctx context.Context, tenants daiyun.Tenants, table string, columns []string, rows [][]any) (UpsertResult, error)
	// Appender returns a fast bulk writer for loading generated or trusted
	// data into a table with no existing rows for those keys (the demo
	// generator, benchmarks). It does not deduplicate.
	Appender(ctx context.Context, table string) (Appender, error)
	// DeleteTenant erases every fact of a client (off-boarding, H5).
	DeleteTenant(ctx context.Context, tenants daiyun.Tenants) error
	// Ping checks the engine answers (readiness).
	Ping(ctx context.Context) error
	// Close releases the engine.
	Close() error
}

// TableRows are the rows of one table in a multi-table write.
type TableRows struct {
	Table   string
	Columns []string
	Rows    [][]any
}

// MultiUpserter writes several tables' rows in one transaction, with
// Upsert's semantics for each: all of them are written or none. Both
// engines implement it; importers use it so a batch of orders and their
// lines is never half written.
type MultiUpserter interface {
	UpsertMany(ctx context.Context, tenants daiyun.Tenants, batch []TableRows) ([]UpsertResult, error)
}

// UpsertResult counts what an Upsert did.
type UpsertResult struct {
	Inserted  int `json:"inserted"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

// Appender appends rows in the table's column order (Table.ColumnNames).
type Appender interface {
	AppendRow(values ...any) error
	// Close flushes what is buffered and commits it.
	Close() error
}

// ExpandTenants replaces {{tenants}} and {{tenants:alias}} in query with the
// tenant filter. It fails when the query has no placeholder, so an unscoped
// warehouse read cannot run. Tenant ids are integers, so writing them
// literally is safe and lets each engine prune by tenant.
func ExpandTenants(query string, tenants daiyun.Tenants) (string, error) {
	ids := tenants.IDs()
	if len(ids) == 0 {
		return "", daiyun.Errorf(daiyun.EINVALID, "warehouse query without tenants")
	}
	if !strings.Contains(query, "{{tenants") {
		return "", fmt.Errorf("warehouse: query is not scoped by {{tenants}}")
	}
	list := make([]string, len(ids))
	for i, id := range ids {
		list[i] = strconv.FormatInt(id, 10)
	}
	in := "tenant_id IN (" + strings.Join(list, ",") + ")"
	var b strings.Builder
	for {
		i := strings.Index(query, "{{tenants")
		if i < 0 {
			b.WriteString(query)
			break
		}
		j := strings.Index(query[i:], "}}")
		if j < 0 {
			return "", fmt.Errorf("warehouse: unterminated {{tenants placeholder")
		}
		b.WriteString(query[:i])
		tag := query[i+len("{{tenants") : i+j]
		switch {
		case tag == "":
			b.WriteString(in)
		case strings.HasPrefix(tag, ":") && isIdent(tag[1:]):
			b.WriteString(tag[1:] + "." + in)
		default:
			return "", fmt.Errorf("warehouse: bad placeholder {{tenants%s}}", tag)
		}
		query = query[i+j+2:]
	}
	return b.String(), nil
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
