package ingest

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/daiyun/daiyun/warehouse"
)

// reject quarantines a row. The kept record holds no more personal data
// than the warehouse would (PRODUCT.md B6): see redact.
func (imp *importer) reject(row int, rec []string, col, value, reason string) {
	imp.rep.Quarantined++
	if imp.columnPersonal(col) {
		value = ""
	}
	imp.rejects = append(imp.rejects, Reject{File: imp.file, Row: row, Column: col, Value: value, Reason: reason, Raw: imp.redact(rec)})
}

// keepRule says what a quarantined row keeps of one source column.
type keepRule uint8

const (
	keepNone     keepRule = iota // a column no field reads (names, phones, notes): blanked
	keepValue                    // a field the warehouse stores
	keepPseudo                   // a buyer or person identity: replaced by its pseudonym
	keepProvince                 // a full address: only "province city" is kept
)

// keepRules derives the rule of every column from the profile's bindings.
func keepRules(n int, binds []binding) []keepRule {
	rules := make([]keepRule, n)
	for _, b := range binds {
		if b.col < 0 || b.col >= n {
			continue
		}
		switch b.name {
		case "buyer", "customer_id", "person_id":
			rules[b.col] = keepPseudo
		case "address":
			rules[b.col] = keepProvince
		default:
			rules[b.col] = keepValue
		}
	}
	return rules
}

// redact returns a copy of rec fit to keep in quarantine: what the import
// would store anyway, with identities already pseudonymised (re-importing
// the corrected row keeps the pseudonym, see isPseudonym) and addresses cut
// to province and city. Columns no field reads are blanked.
func (imp *importer) redact(rec []string) []string {
	out := make([]string, len(rec))
	for i, v := range rec {
		rule := keepNone
		if i < len(imp.keep) {
			rule = imp.keep[i]
		}
		switch rule {
		case keepValue:
			out[i] = v
		case keepPseudo:
			if t := trimSpace(v); t != "" && !isPseudonym(t) {
				out[i] = imp.pseudonym(t)
			} else {
				out[i] = t
			}
		case keepProvince:
			p, c := splitAddress(v)
			out[i] = strings.TrimSpace(p + " " + c)
		}
	}
	return out
}

// columnPersonal reports whether a source column holds personal data whose
// raw value must not be kept in a reject's Value.
func (imp *importer) columnPersonal(col string) bool {
	for i, h := range imp.header {
		if trimSpace(h) == col && i < len(imp.keep) {
			return imp.keep[i] == keepNone || imp.keep[i] == keepPseudo || imp.keep[i] == keepProvince
		}
	}
	return false
}

// columnName is the header text of a source column.
func (imp *importer) columnName(col int) string {
	if col >= 0 && col < len(imp.header) {
		return trimSpace(imp.header[col])
	}
	return ""
}

func (imp *importer) saveRejects(ctx context.Context) error {
	if len(imp.rejects) == 0 {
		return nil
	}
	sort.SliceStable(imp.rejects, func(i, j int) bool { return imp.rejects[i].Row < imp.rejects[j].Row })
	for _, r := range imp.rejects {
		if len(imp.rep.Errors) < imp.req.MaxErrors {
			imp.rep.Errors = append(imp.rep.Errors, ErrorItem{Row: r.Row, Column: r.Column, Value: r.Value, Reason: r.Reason})
		}
	}
	q := Quarantine{ImportID: imp.req.ImportID, ShopID: imp.req.Shop.ID, TenantID: imp.req.Shop.ClientID,
		File: imp.file, Format: imp.rep.Format, Header: imp.header, Rejects: imp.rejects}
	if err := imp.sink.Save(ctx, q); err != nil {
		return fmt.Errorf("ingest: save quarantine: %w", err)
	}
	imp.rejects = nil
	return nil
}

// write saves the batch's rejects, then starts writing its tables in the
// background — in one transaction when the warehouse can — so the next
// batch is parsed while this one is written. At most one batch is in
// flight; wait collects its outcome.
func (imp *importer) write(ctx context.Context, batch []TableRows) error {
	if err := imp.saveRejects(ctx); err != nil {
		return err
	}
	var nonEmpty []TableRows
	for _, t := range batch {
		if len(t.Rows) > 0 {
			nonEmpty = append(nonEmpty, t)
		}
	}
	if len(nonEmpty) == 0 {
		return nil
	}
	if err := imp.wait(); err != nil {
		return err
	}
	imp.rep.Batches++
	n := imp.rep.Batches
	done := make(chan error, 1)
	imp.inflight = done
	go func() { done <- imp.writeBatch(ctx, n, nonEmpty) }()
	return nil
}

// wait blocks until the batch in flight is written and returns its error.
// Lookups call it first so they see every earlier batch.
func (imp *importer) wait() error {
	if imp.inflight == nil {
		return nil
	}
	err := <-imp.inflight
	imp.inflight = nil
	return err
}

// writeBatch writes one batch and adds its counts to the report. It runs on
// the writer goroutine and touches only the report's warehouse counts.
func (imp *importer) writeBatch(ctx context.Context, n int, batch []TableRows) error {
	results := make([]warehouse.UpsertResult, len(batch))
	if mu, ok := imp.wh.(MultiUpserter); ok {
		rs, err := mu.UpsertMany(ctx, imp.req.Tenants, batch)
		if err != nil {
			return fmt.Errorf("ingest: write batch %d: %w", n, err)
		}
		copy(results, rs)
	} else {
		for i, t := range batch {
			r, err := imp.wh.Upsert(ctx, imp.req.Tenants, t.Table, t.Columns, t.Rows)
			if err != nil {
				return fmt.Errorf("ingest: write batch %d into %s: %w", n, t.Table, err)
			}
			results[i] = r
		}
	}
	for i, t := range batch {
		r := results[i]
		acc := imp.rep.Tables[t.Table]
		acc.Inserted += r.Inserted
		acc.Updated += r.Updated
		acc.Unchanged += r.Unchanged
		imp.rep.Tables[t.Table] = acc
		if t.Table == imp.rep.Table {
			imp.rep.Inserted += r.Inserted
			imp.rep.Updated += r.Updated
			imp.rep.Unchanged += r.Unchanged
		}
	}
	return nil
}
