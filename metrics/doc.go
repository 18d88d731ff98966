// Package metrics owns the one definition of every number Daiyun shows
// (PRODUCT.md C1–C6): the KPI catalogue as data, the compiler that turns a
// KPI request into SQL for the warehouse's dialect, comparisons (previous
// period, same period last year, targets, category benchmarks, percentile
// among the agency's shops), the default benchmark table, multi-currency
// conversion and lineage (Explain).
//
// Every warehouse read goes through warehouse.Warehouse.Query with a
// daiyun.Tenants value made by daiyun.TenantsFor from the actor in the
// context, so a KPI can never be computed over a client the actor may not
// see. The single exception is Service.Peers, the one sanctioned
// cross-tenant read, which takes the full tenant list from its caller and
// returns anonymous ranks only.
//
// A KPI is a numerator and an optional denominator, each a named measure: an
// aggregate expression over one fact source. The service computes every
// source's measures per cell (dimension key) in SQL, joins the sources in Go
// and divides there with exact rationals, so ratios are always
// SUM(numerator) / SUM(denominator) over the cell and a zero denominator is
// "no value" (nil), never 0 or NaN.
//
// The package does not touch HTTP, the CLI or the catalog store: shop
// attributes, FX rates, targets and benchmarks come in through the Shops,
// FX, Targets and Benchmarks interfaces.
package metrics
