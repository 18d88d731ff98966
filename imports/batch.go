package imports

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"

	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/daiyun/daiyun"
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
// through the same validation, quarantine and idempotent upserts as files.
func (s *Service) IngestBatch(ctx context.Context, shopID int64, table string, rows []map[string]any) (BatchResult, error) {
	if _, ok := warehouse.TableByName(table); !ok {
		return BatchResult{}, daiyun.Errorf(daiyun.EINVALID, "unknown table %q", table)
	}
	profile := "canonical_" + table
	if _, ok := ingest.ProfileByName(profile); !ok {
		return BatchResult{}, daiyun.Errorf(daiyun.EINVALID, "table %q cannot be written through the API (write orders with their lines instead)", table)
	}
	var buf bytes.Buffer
	if err := writeCSV(&buf, rows); err != nil {
		return BatchResult{}, err
	}
	res, err := s.ImportFile(ctx, FileRequest{ShopID: shopID, FileName: "api:" + table, Reader: &buf, Profile: profile, Source: "api"})
	if err != nil {
		return BatchResult{}, err
	}
	rep := res.Report
	out := BatchResult{ImportID: res.Record.ID, Table: rep.Table, Read: rep.Read, Inserted: rep.Inserted, Updated: rep.Updated,
		Unchanged: rep.Unchanged, Quarantined: rep.Quarantined, Rows: make([]RowOutcome, len(rows))}
	bad := map[int][]ingest.ErrorItem{}
	rejected, err := s.Catalog.Quarantine(ctx, quarantineOf(res.Record.ID))
	if err != nil {
		return out, err
	}
	for _, q := range rejected {
		i := q.Row - 2 // file row 2 is the batch's first row
		bad[i] = append(bad[i], ingest.ErrorItem{Row: q.Row, Column: q.Column, Value: q.Value, Reason: q.Reason})
	}
	for i := range rows {
		out.Rows[i] = RowOutcome{Index: i, Status: "accepted"}
		if errs, ok := bad[i]; ok {
			out.Rows[i] = RowOutcome{Index: i, Status: "quarantined", Errors: errs}
		}
	}
	return out, nil
}

// writeCSV lays objects out as a CSV whose header is the union of their
// keys, in a fixed order.
func writeCSV(w io.Writer, rows []map[string]any) error {
	keys := map[string]bool{}
	for _, r := range rows {
		for k := range r {
			keys[k] = true
		}
	}
	header := make([]string, 0, len(keys))
	for k := range keys {
		header = append(header, k)
	}
	sort.Strings(header)
	cw := csv.NewWriter(w)
	cw.Write(header)
	rec := make([]string, len(header))
	for _, r := range rows {
		for i, k := range header {
			rec[i] = cellText(r[k])
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
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
