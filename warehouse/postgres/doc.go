// Package postgres is the server warehouse engine: the fact schema of
// package warehouse in PostgreSQL, through github.com/jackc/pgx/v5 (a
// pgxpool for writes; database/sql over the same pool via pgx's stdlib for
// Query, which returns *sql.Rows). It is chosen with --warehouse-url when
// several daiyun processes share one warehouse, and it is the dialect that
// scales out on Citus: every table has tenant_id first in its primary key,
// so each can be distributed by tenant_id.
//
// What it owns: the schema (warehouse.ApplyMigrations under an advisory lock
// so concurrent starts do not race), tenant-scoped reads, Upsert (COPY into
// a temporary table, classify with one join, INSERT … ON CONFLICT) and a
// COPY-based bulk loader. Sessions run with TimeZone=UTC.
//
// Differences from the DuckDB engine that callers can see: date_trunc of a
// DATE returns a timestamptz (cast it to DATE), sum() of a BIGINT is a
// NUMERIC and avg() a NUMERIC (cast to BIGINT / DOUBLE PRECISION), and text
// sorts by the database's collation.
package postgres
