package ingest

import (
	"context"
	"encoding/csv"
	"io"
	"slices"
	"sync"
)

// Reject is a row that could not be taken. It is kept, never dropped: the
// QuarantineSink stores it with its raw record so it can be downloaded,
// corrected and imported again.
//
// Row is the 1-based record number in the file as a spreadsheet shows it:
// the header is a row of its own (row 1 when there is no preamble above it),
// so the first data row is row 2. A CSV value spanning several lines inside
// quotes still counts as one row.
type Reject struct {
	File   string   `json:"file"`
	Row    int      `json:"row"`
	Column string   `json:"column"` // the source column as the file names it; "" when the whole row is wrong
	Value  string   `json:"value"`
	Reason string   `json:"reason"`
	Raw    []string `json:"raw,omitempty"` // the record as read (after decoding)
}

// Quarantine is what one batch of an import hands to the sink.
type Quarantine struct {
	ImportID string   `json:"import_id"`
	ShopID   int64    `json:"shop_id"`
	TenantID int64    `json:"tenant_id"`
	File     string   `json:"file"`
	Format   string   `json:"format"`
	Header   []string `json:"header"` // the file's header, to rebuild a correctable file
	Rejects  []Reject `json:"rejects"`
}

// QuarantineSink keeps rejected rows (the catalog implements it). Save is
// called once per batch that has rejects, before the batch's rows are
// written to the warehouse.
type QuarantineSink interface {
	Save(ctx context.Context, q Quarantine) error
}

// MemorySink is an in-memory QuarantineSink for tests and dry runs.
type MemorySink struct {
	mu    sync.Mutex
	saved []Quarantine
}

// Save keeps a copy of q.
func (m *MemorySink) Save(_ context.Context, q Quarantine) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	q.Rejects = slices.Clone(q.Rejects)
	m.saved = append(m.saved, q)
	return nil
}

// Rejects returns every reject saved for an import, in order.
func (m *MemorySink) Rejects(importID string) []Reject {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Reject
	for _, q := range m.saved {
		if q.ImportID == importID {
			out = append(out, q.Rejects...)
		}
	}
	return out
}

// Header returns the header saved with an import's rejects.
func (m *MemorySink) Header(importID string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, q := range m.saved {
		if q.ImportID == importID {
			return q.Header
		}
	}
	return nil
}

// WriteRejectsCSV writes rejected rows back as a UTF-8 CSV with the original
// header, for the operator to correct and import again (the same profile
// recognises it). A value starting with = + - @ is written after a tab so a
// spreadsheet shows it as text instead of evaluating it; the importer trims
// that tab on the way back in.
func WriteRejectsCSV(w io.Writer, header []string, rejects []Reject) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	rec := make([]string, 0, len(header))
	for _, r := range rejects {
		rec = rec[:0]
		for _, v := range r.Raw {
			rec = append(rec, defuse(v))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// defuse keeps a spreadsheet from reading a value as a formula.
func defuse(v string) string {
	if v != "" {
		switch v[0] {
		case '=', '+', '-', '@':
			return "\t" + v
		}
	}
	return v
}
