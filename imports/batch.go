package imports

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"

	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/ingest"
	"github.com/daiyun/daiyun/warehouse"
)

// MaxBatchRows bounds one API batch.
const MaxBatchRows = 100_000

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

// DecodeBatch reads a JSON array of objects or NDJSON (one object a line).
// A line that is not an object is an error naming the line.
func DecodeBatch(r io.Reader) ([]map[string]any, error) {
	br := bufio.NewReader(r)
	first, err := firstByte(br)
	if err != nil {
		return nil, daiyun.Errorf(daiyun.EINVALID, "the batch is empty")
	}
	var rows []map[string]any
	if first == '[' {
		dec := json.NewDecoder(br)
		dec.UseNumber()
		if err := dec.Decode(&rows); err != nil {
			return nil, daiyun.Errorf(daiyun.EINVALID, "the batch is not a JSON array of objects: %v", err)
		}
	} else {
		sc := bufio.NewScanner(br)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for line := 1; sc.Scan(); line++ {
			b := bytes.TrimSpace(sc.Bytes())
			if len(b) == 0 {
				continue
			}
			var row map[string]any
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.UseNumber()
			if err := dec.Decode(&row); err != nil {
				return nil, daiyun.Errorf(daiyun.EINVALID, "NDJSON line %d is not a JSON object: %v", line, err)
			}
			rows = append(rows, row)
		}
		if err := sc.Err(); err != nil {
			return nil, daiyun.Errorf(daiyun.EINVALID, "reading the batch: %v", err)
		}
	}
	if len(rows) == 0 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "the batch has no rows")
	}
	if len(rows) > MaxBatchRows {
		return nil, daiyun.Errorf(daiyun.EINVALID, "the batch has %d rows; send at most %d per request", len(rows), MaxBatchRows)
	}
	return rows, nil
}

func firstByte(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		if b != ' ' && b != '\n' && b != '\r' && b != '\t' {
			br.UnreadByte()
			return b, nil
		}
	}
}

// IngestBatch writes API rows for a fact table of a shop. The rows use the
// table's own column names (docs/import.md, "Daiyun templates"); they go
// through the same profile, validation, quarantine and idempotent upserts
// as a file's rows (ingest.Import with Records: no CSV round trip). The
// batch is one warehouse transaction; once it has ended, the run is
// recorded in the catalog with its quarantined rows in one transaction,
// and the per-row outcomes come from the run itself, not read back.
func (s *Service) IngestBatch(ctx context.Context, shopID int64, table string, rows []map[string]any) (BatchResult, error) {
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
	now := s.now()
	rec := catalog.ImportRecord{ID: newID(now), ClientID: shop.ClientID, ShopID: shop.ID, File: "api:" + table, Source: "api", StartedAt: now}
	sink := &ingest.MemorySink{}
	rep, ierr := ingest.Import(ctx, s.Warehouse, sink, ingest.Request{
		ImportID: rec.ID, Tenants: tenants, Shop: shop, ClientKey: key, FileName: rec.File,
		Records: records(rows), Format: profile, Now: now, MaxErrors: len(rows),
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
		Unchanged: rep.Unchanged, Quarantined: rep.Quarantined, Rows: make([]RowOutcome, len(rows))}
	bad := map[int][]ingest.ErrorItem{}
	for _, r := range rejects {
		i := r.Row - 2 // row 2 is the batch's first row
		bad[i] = append(bad[i], ingest.ErrorItem{Row: r.Row, Column: r.Column, Value: r.Value, Reason: r.Reason})
	}
	for i := range rows {
		out.Rows[i] = RowOutcome{Index: i, Status: "accepted"}
		if errs, ok := bad[i]; ok {
			out.Rows[i] = RowOutcome{Index: i, Status: "quarantined", Errors: errs}
		}
	}
	return out, ierr
}

// records lays objects out as rows whose header is the union of their
// keys, in a fixed order; a key a row lacks is an empty cell.
func records(rows []map[string]any) *ingest.Records {
	keys := map[string]int{}
	for _, r := range rows {
		for k := range r {
			keys[k] = 0
		}
	}
	header := make([]string, 0, len(keys))
	for k := range keys {
		header = append(header, k)
	}
	sort.Strings(header)
	for i, k := range header {
		keys[k] = i
	}
	out := &ingest.Records{Header: header, Rows: make([][]string, len(rows))}
	cells := make([]string, len(rows)*len(header))
	for i, r := range rows {
		rec := cells[i*len(header) : (i+1)*len(header) : (i+1)*len(header)]
		for k, v := range r {
			rec[keys[k]] = cellText(v)
		}
		out.Rows[i] = rec
	}
	return out
}

func cellText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	default:
		b, _ := json.Marshal(x)
		return strings.Trim(string(b), `"`)
	}
}
