// Package duckdb is the embedded warehouse engine: the fact schema of
// package warehouse in one DuckDB file (./data/warehouse.duckdb by default),
// through github.com/duckdb/duckdb-go/v2. It is the default because nothing
// has to be installed and, measured on this project's 2-core machine, it
// answers the product's KPI, cohort and RFM queries 5–17× faster than
// PostgreSQL (see ARCHITECTURE.md).
//
// What it owns: opening the file, the schema (warehouse.ApplyMigrations with
// DuckDB's spelling), tenant-scoped reads (Query), set-based Upsert and the
// native-appender bulk loader. What it must not do: know about HTTP, the
// catalog or who the actor is; the tenant set arrives already checked.
//
// Differences from the PostgreSQL engine that callers can see:
//
//   - Tables have no PRIMARY KEY (an ART index slows bulk appends and costs
//     memory on 100 M rows); Upsert keeps keys unique instead, and one
//     writer per table runs at a time inside the process. Only one process
//     may open the file for writing.
//   - "at" is a reserved word: write events.at and order_status_history.at
//     qualified (e.at) or quoted ("at").
//   - sum() of a BIGINT is a HUGEINT (*big.Int when scanned into any); cast
//     to BIGINT in SQL that must scan the same on both engines.
package duckdb
