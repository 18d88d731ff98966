package imports

import (
	"context"
	"errors"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/ingest"
	"github.com/daiyun/daiyun/warehouse"
)

// RowOutcome is what happened to one row of an API batch.
type RowOutcome struct {
	Index  int                `json:"index"` // 0-based position in the batch
	Status string             `json:"status"`
	Errors []ingest.ErrorItem `json:"errors,omitempty"`
}

// BatchResult answers an API batch: the import's counts and one outcome per
// row ("accepted" or "quarantined").
type BatchResult struct {
	ImportID    string       `json:"import_id"`
	Table       string       `json:"table"`
	Read        int          `json:"read"`
	Inserted    int          `json:"inserted"`
	Updated     int          `json:"updated"`
	Unchanged   int          `json:"unchanged"`
	Quarantined int          `json:"quarantined"`
	Rows        []RowOutcome `json:"rows"`
}

// IngestBatch writes API rows for a fact table of a shop. The rows use the
// table's own column names (docs/import.md, "Daiyun templates"); they go
// through the same profile, validation, quarantine and idempotent upserts
// as a file's rows (ingest.Import with Records: no CSV round trip). The
// batch is one warehouse transaction; once it has ended, the run is
// recorded in the catalog with its quarantined rows in one transaction,
// and the per-row outcomes come from the run itself, not read back.
// The batch (from DecodeBatch) is the import's to clean in place: decode
// the body again to send it twice.
func (s *Service) IngestBatch(ctx context.Context, shopID int64, table string, batch *ingest.Records) (BatchResult, error) {
	if _, ok := warehouse.TableByName(table); !ok {
		return BatchResult{}, daiyun.Errorf(daiyun.EINVALID, "unknown table %q", table)
	}
	profile := "canonical_" + table
	if _, ok := ingest.ProfileByName(profile); !ok {
		return BatchResult{}, daiyun.Errorf(daiyun.EINVALID, "table %q cannot be written through the API (write orders with their lines instead)", table)
	}
	shop, err := s.Catalog.Shop(ctx, shopID)
	if err != nil {
		return BatchResult{}, err
	}
	tenants, err := daiyun.TenantsFor(ctx, shop.ClientID)
	if err != nil {
		return BatchResult{}, err
	}
	if err := s.Catalog.CheckImport(ctx, shop.ClientID); err != nil {
		return BatchResult{}, err
	}
	key, err := s.Catalog.ClientKey(ctx, shop.ClientID)
	if err != nil {
		return BatchResult{}, err
	}
	if batch == nil {
		batch = &ingest.Records{}
	}
	now := s.now()
	rec := catalog.ImportRecord{ID: newID(now), ClientID: shop.ClientID, ShopID: shop.ID, File: "api:" + table, Source: "api", StartedAt: now}
	sink := &ingest.MemorySink{}
	rep, ierr := ingest.Import(ctx, s.Warehouse, sink, ingest.Request{
		ImportID: rec.ID, Tenants: tenants, Shop: shop, ClientKey: key, FileName: rec.File,
		Records: batch, Format: profile, Now: now, MaxErrors: len(batch.Rows),
	})
	rec.Status = catalog.ImportCommitted
	if ierr != nil && !errors.Is(ierr, ingest.ErrNothingRead) {
		rec.Status = catalog.ImportFailed
	}
	rejects := sink.Rejects(rec.ID)
	q := make([]catalog.QuarantineRow, len(rejects))
	header := sink.Header(rec.ID)
	for i, r := range rejects {
		q[i] = catalog.QuarantineRow{ImportID: rec.ID, ClientID: shop.ClientID, ShopID: shop.ID, File: r.File, Format: rep.Format,
			Row: r.Row, Column: r.Column, Value: r.Value, Reason: r.Reason, Raw: r.Raw, Header: header}
	}
	// Recorded even when the request was cancelled, so the run says how
	// it ended.
	fctx := daiyun.WithActor(context.WithoutCancel(ctx), daiyun.ActorFrom(ctx))
	if err := s.Catalog.RecordImport(fctx, &rec, rep, q); err != nil && ierr == nil {
		ierr = err
	}
	if ierr != nil && !errors.Is(ierr, ingest.ErrNothingRead) {
		return BatchResult{ImportID: rec.ID, Table: rep.Table}, ierr
	}
	// A batch whose every row was quarantined still answers each row's
	// outcome, with ErrNothingRead.
	out := BatchResult{ImportID: rec.ID, Table: rep.Table, Read: rep.Read, Inserted: rep.Inserted, Updated: rep.Updated,
		Unchanged: rep.Unchanged, Quarantined: rep.Quarantined, Rows: make([]RowOutcome, len(batch.Rows))}
	for i := range out.Rows {
		out.Rows[i] = RowOutcome{Index: i, Status: "accepted"}
	}
	for _, r := range rejects {
		if i := r.Row - 2; i >= 0 && i < len(out.Rows) { // row 2 is the batch's first row
			out.Rows[i].Status = "quarantined"
			out.Rows[i].Errors = append(out.Rows[i].Errors, ingest.ErrorItem{Row: r.Row, Column: r.Column, Value: r.Value, Reason: r.Reason})
		}
	}
	return out, ierr
}
