// Package imports runs imports end to end: it records each run in the
// catalog, hands the file to ingest, keeps rejected rows in the catalog's
// quarantine, resolves quarantine when a fix is imported, saves column
// mappings, takes API batches (JSON or NDJSON) through the same path, and
// reports data health. The CLI and the HTTP API both call it, so an import
// behaves the same through every door.
package imports

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/ingest"
	"github.com/daiyun/daiyun/warehouse"
)

// Service runs imports over the stores.
type Service struct {
	Catalog   *catalog.Store
	Warehouse warehouse.Warehouse
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// FileRequest is one file to import into a shop.
type FileRequest struct {
	ShopID   int64
	FileName string
	Reader   io.Reader
	// Profile forces a format (see docs/import.md) instead of recognising
	// the header.
	Profile string
	// Mapping maps an unknown layout; SaveMappingAs keeps it for the shop
	// under that name when the import succeeds.
	Mapping       *ingest.Mapping
	SaveMappingAs string
	// Fixes names an earlier import whose quarantined rows this file
	// corrects; they leave quarantine when this import commits.
	Fixes  string
	Locale string
	Sheet  string
	// Source is file (default), api or connector.
	Source string
}

// Outcome is an import's report with its catalog record.
type Outcome struct {
	Record catalog.ImportRecord `json:"import"`
	Report ingest.Report        `json:"report"`
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// newID makes an import id: time-ordered and unique.
func newID(now time.Time) string {
	b := make([]byte, 4)
	rand.Read(b)
	return "imp_" + now.UTC().Format("20060102T150405") + "_" + hex.EncodeToString(b)
}

// ImportFile imports one file into a shop the actor may write to.
func (s *Service) ImportFile(ctx context.Context, req FileRequest) (Outcome, error) {
	shop, err := s.Catalog.Shop(ctx, req.ShopID)
	if err != nil {
		return Outcome{}, err
	}
	tenants, err := daiyun.TenantsFor(ctx, shop.ClientID)
	if err != nil {
		return Outcome{}, err
	}
	key, err := s.Catalog.ClientKey(ctx, shop.ClientID)
	if err != nil {
		return Outcome{}, err
	}
	if req.Fixes != "" {
		prev, err := s.Catalog.Import(ctx, req.Fixes)
		if err != nil {
			return Outcome{}, err
		}
		if prev.ShopID != shop.ID {
			return Outcome{}, daiyun.Errorf(daiyun.EINVALID, "import %s was for shop %d, not shop %d", req.Fixes, prev.ShopID, shop.ID)
		}
	}
	saved, err := s.mappings(ctx, shop.ID)
	if err != nil {
		return Outcome{}, err
	}
	locale, err := ingest.ParseLocale(req.Locale)
	if err != nil {
		return Outcome{}, err
	}
	if req.Source == "" {
		req.Source = "file"
	}
	rec := catalog.ImportRecord{ID: newID(s.now()), ClientID: shop.ClientID, ShopID: shop.ID, File: req.FileName, Source: req.Source, Fixes: req.Fixes}
	if err := s.Catalog.StartImport(ctx, &rec); err != nil {
		return Outcome{}, err
	}
	sink := quarantineSink{cat: s.Catalog, clientID: shop.ClientID, shopID: shop.ID}
	rep, ierr := ingest.Import(ctx, s.Warehouse, sink, ingest.Request{
		ImportID: rec.ID, Tenants: tenants, Shop: shop, ClientKey: key, FileName: req.FileName, Reader: req.Reader,
		Sheet: req.Sheet, Format: req.Profile, Mapping: req.Mapping, Mappings: saved, Locale: locale, Now: s.now(),
	})
	status := catalog.ImportCommitted
	if ierr != nil && !errors.Is(ierr, ingest.ErrNothingRead) {
		status = catalog.ImportFailed
	}
	// The record is written with a context that outlives a cancelled
	// request, so an interrupted import still says how it ended.
	fctx := daiyun.WithActor(context.WithoutCancel(ctx), daiyun.ActorFrom(ctx))
	if err := s.Catalog.FinishImport(fctx, rec.ID, status, rep); err != nil && ierr == nil {
		ierr = err
	}
	rec.Status = status
	if ierr == nil && req.Mapping != nil && req.SaveMappingAs != "" {
		m := *req.Mapping
		m.Name = req.SaveMappingAs
		b, _ := json.Marshal(m)
		ierr = s.Catalog.SaveMapping(ctx, shop.ClientID, shop.ID, m.Name, b)
	}
	return Outcome{Record: rec, Report: rep}, ierr
}

func (s *Service) mappings(ctx context.Context, shopID int64) ([]ingest.Mapping, error) {
	ms, err := s.Catalog.Mappings(ctx, shopID)
	if err != nil {
		return nil, err
	}
	var out []ingest.Mapping
	for _, m := range ms {
		var im ingest.Mapping
		if err := json.Unmarshal(m.Body, &im); err != nil {
			continue // a mapping saved by an older version; ignore rather than fail every import
		}
		out = append(out, im)
	}
	return out, nil
}

// quarantineSink stores an import's rejects in the catalog.
type quarantineSink struct {
	cat              *catalog.Store
	clientID, shopID int64
}

func (q quarantineSink) Save(ctx context.Context, batch ingest.Quarantine) error {
	rows := make([]catalog.QuarantineRow, len(batch.Rejects))
	for i, r := range batch.Rejects {
		rows[i] = catalog.QuarantineRow{ImportID: batch.ImportID, ClientID: q.clientID, ShopID: q.shopID, File: r.File,
			Format: batch.Format, Row: r.Row, Column: r.Column, Value: r.Value, Reason: r.Reason, Raw: r.Raw, Header: batch.Header}
	}
	return q.cat.SaveQuarantine(ctx, rows)
}

// WriteQuarantineCSV writes an import's open quarantined rows as a file
// with the original header, ready to correct and import again with Fixes.
func (s *Service) WriteQuarantineCSV(ctx context.Context, w io.Writer, importID string) error {
	rows, err := s.Catalog.Quarantine(ctx, catalog.QuarantineFilter{ImportID: importID, OnlyOpen: true})
	if err != nil {
		return err
	}
	if _, err := s.Catalog.Import(ctx, importID); err != nil {
		return err
	}
	var header []string
	rejects := make([]ingest.Reject, 0, len(rows))
	seen := map[int]bool{}
	for _, r := range rows {
		if header == nil {
			header = r.Header
		}
		if seen[r.Row] { // one line per file row, even when it had several faults
			continue
		}
		seen[r.Row] = true
		rejects = append(rejects, ingest.Reject{File: r.File, Row: r.Row, Column: r.Column, Value: r.Value, Reason: r.Reason, Raw: r.Raw})
	}
	return ingest.WriteRejectsCSV(w, header, rejects)
}

// ShopHealth is a shop's data health: freshness and completeness per
// source, reconciliation failures, and open quarantined rows.
type ShopHealth struct {
	Shop        daiyun.Shop           `json:"shop"`
	Sources     []ingest.SourceHealth `json:"sources"`
	Reconcile   int                   `json:"reconciliation_failures"`
	Quarantined int                   `json:"quarantined"`
}

// Health reports the data health of a client's shops over the last days.
func (s *Service) Health(ctx context.Context, clientID int64, days int) ([]ShopHealth, error) {
	shops, err := s.Catalog.Shops(ctx, catalog.ShopFilter{ClientID: clientID})
	if err != nil {
		return nil, err
	}
	tenants, err := daiyun.TenantsFor(ctx, clientID)
	if err != nil {
		return nil, err
	}
	hs, err := ingest.Health(ctx, s.Warehouse, tenants, ingest.HealthOptions{Today: ingest.DayOf(s.now(), time.UTC), Days: days})
	if err != nil {
		return nil, err
	}
	counts, err := s.Catalog.QuarantineCounts(ctx, clientID)
	if err != nil {
		return nil, err
	}
	byShop := map[int64]ingest.ShopHealth{}
	for _, h := range hs {
		byShop[h.ShopID] = h
	}
	out := make([]ShopHealth, 0, len(shops))
	for _, sh := range shops {
		h := byShop[sh.ID]
		out = append(out, ShopHealth{Shop: sh, Sources: h.Sources, Reconcile: h.ReconciliationFailures, Quarantined: counts[sh.ID]})
	}
	return out, nil
}
