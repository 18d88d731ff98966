// Package ingest turns the files agencies really receive — seller back-end
// exports in CSV or XLSX, GBK or UTF-8, with Chinese status words and money
// written for people — into canonical warehouse rows (PRODUCT.md B2, B5, B6).
//
// It owns: reading (encoding and delimiter detection, XLSX), parsing money,
// dates and statuses exactly, the import profiles that recognise each export
// format from its header, user column mappings for unknown layouts,
// validation with quarantine of the rows that cannot be taken, buyer
// pseudonymisation, the import runner and the data-health helpers.
//
// It must not touch the catalog, HTTP or a concrete engine: it writes through
// warehouse.Warehouse and hands rejected rows to a QuarantineSink that the
// caller implements.
package ingest
