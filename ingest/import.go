package ingest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/warehouse"
)

// Request is one file to import into one shop.
type Request struct {
	// ImportID identifies the import in the catalog and the quarantine;
	// generated when empty.
	ImportID string
	// Tenants is the caller's access (daiyun.TenantsFor); it must include
	// the shop's client or the import is refused.
	Tenants daiyun.Tenants
	// Shop the file belongs to: its client, currency and timezone.
	Shop daiyun.Shop
	// ClientKey is the client's pseudonymisation key (B6).
	ClientKey []byte
	// FileName names the file in reports and rejects; Reader is read when
	// set, else Path is opened.
	FileName string
	Reader   io.Reader
	Path     string
	// Records, when set, are rows already split into fields (an API batch):
	// no file is read, and the rows go through the same profile,
	// validation and quarantine as a file's.
	Records *Records
	// Sheet picks an XLSX sheet (default: the first).
	Sheet string
	// Format forces a profile by name instead of recognising the header.
	Format string
	// Mapping maps an unknown layout; it wins over recognition.
	Mapping *Mapping
	// Mappings are the shop's saved mappings, tried with the built-in
	// profiles.
	Mappings []Mapping
	// Locale says how numbers are written (default LocaleDot).
	Locale Locale
	// BatchSize is the number of rows per transaction (default 20,000); a
	// batch never splits an order.
	BatchSize int
	// FutureTolerance is how far past Now a date may be (default 24h).
	FutureTolerance time.Duration
	// Now is the clock for the future check and the default inventory day
	// (default time.Now()).
	Now time.Time
	// MaxErrors caps Report.Errors (default 100); every reject still goes
	// to the sink.
	MaxErrors int
}

// Report is the outcome of an import. Read counts the file's data rows
// (header, preamble, blank and 合计 rows excluded). Inserted, Updated and
// Unchanged are the warehouse's counts for the rows of Table: order_lines
// for an order file with lines (one row = one line), orders for an order
// file without lines, else the fact table. So Read = Inserted + Updated +
// Unchanged + Quarantined + Duplicates. Tables has the counts of every table
// written (orders, order_status_history, customers …).
type Report struct {
	ImportID    string                            `json:"import_id"`
	File        string                            `json:"file"`
	Format      string                            `json:"format"`
	Table       string                            `json:"table"`
	FileInfo                                      // kind, encoding, delimiter, sheet
	Read        int                               `json:"read"`
	Inserted    int                               `json:"inserted"`
	Updated     int                               `json:"updated"`
	Unchanged   int                               `json:"unchanged"`
	Quarantined int                               `json:"quarantined"`
	Duplicates  int                               `json:"duplicates"` // rows superseded by a later row with the same key in the same file
	Skipped     int                               `json:"skipped"`    // blank and 合计/total rows
	Errors      []ErrorItem                       `json:"errors"`
	Tables      map[string]warehouse.UpsertResult `json:"tables"`
	Warnings    []Warning                         `json:"warnings"`
	// ReconciliationFailures counts orders whose total ≠ lines − discount
	// + shipping (+ tax); Warnings lists the first of them.
	ReconciliationFailures int `json:"reconciliation_failures"`
	Batches                int `json:"batches"`
}

// ErrorItem is one rejected row as the report lists it.
type ErrorItem struct {
	Row    int    `json:"row"`
	Column string `json:"column"`
	Value  string `json:"value"`
	Reason string `json:"reason"`
}

// Warning is a data-quality finding that does not reject a row.
type Warning struct {
	Kind    string `json:"kind"` // reconciliation
	OrderNo string `json:"order_no,omitempty"`
	Message string `json:"message"`
}

// MultiUpserter is the warehouse's all-or-nothing multi-table write; Import
// uses it so a batch's orders, lines, history and customers are written in
// one transaction.
type MultiUpserter = warehouse.MultiUpserter

// TableRows is the rows of one table in a batch.
type TableRows = warehouse.TableRows

// ErrNothingRead is returned (wrapped) when no row of the file could be
// taken: the CLI exits non-zero on it only.
var ErrNothingRead = errors.New("nothing could be read")

const maxPreamble = 30

// Import reads one file and writes its rows into the warehouse in batches,
// quarantining the rows it cannot take. A batch's tables are written in one
// transaction when the warehouse implements MultiUpserter, else in one
// transaction per table. The report is valid even when an error is returned
// (it says how far it got).
func Import(ctx context.Context, wh warehouse.Warehouse, sink QuarantineSink, req Request) (Report, error) {
	rep := Report{ImportID: req.ImportID, File: req.FileName, Tables: map[string]warehouse.UpsertResult{}, Errors: []ErrorItem{}, Warnings: []Warning{}}
	imp, err := newImporter(wh, sink, &req, &rep)
	if err != nil {
		return rep, err
	}
	src, info, err := imp.open()
	if err != nil {
		return rep, err
	}
	defer src.Close()
	rep.FileInfo = info
	imp.excel = info.Kind == "xlsx"
	conv, err := imp.start(src)
	if err != nil {
		return rep, err
	}
	if err := imp.run(ctx, src, conv); err != nil {
		imp.wait()
		return rep, err
	}
	if err := imp.wait(); err != nil {
		return rep, err
	}
	if rep.Read > 0 && rep.Read == rep.Quarantined {
		return rep, fmt.Errorf("ingest: %s: %w: all %d rows were quarantined", rep.File, ErrNothingRead, rep.Read)
	}
	if rep.Read == 0 {
		return rep, fmt.Errorf("ingest: %s: %w: the file has no data rows", rep.File, ErrNothingRead)
	}
	return rep, nil
}

// open opens the request's records, reader or file.
func (imp *importer) open() (source, FileInfo, error) {
	req, rep := imp.req, imp.rep
	if req.Records != nil {
		return &recordSource{recs: req.Records}, FileInfo{Kind: "records"}, nil
	}
	r := req.Reader
	if r == nil {
		f, err := os.Open(req.Path)
		if err != nil {
			return nil, FileInfo{}, daiyun.Errorf(daiyun.EINVALID, "cannot open %s", req.Path)
		}
		if rep.File == "" {
			rep.File = filepath.Base(req.Path)
			imp.file = rep.File
		}
		src, info, err := openSource(f, rep.File, req.Sheet)
		if err != nil {
			f.Close()
			return nil, info, err
		}
		return closeBoth{src, f}, info, nil
	}
	return openSource(r, rep.File, req.Sheet)
}

// closeBoth closes a source and the file under it.
type closeBoth struct {
	source
	f *os.File
}

func (c closeBoth) reuseRecords() {
	if r, ok := c.source.(recordReuser); ok {
		r.reuseRecords()
	}
}

func (c closeBoth) Close() error {
	err := c.source.Close()
	if ferr := c.f.Close(); err == nil {
		err = ferr
	}
	return err
}

// run feeds the data records to the converter and flushes the last batch.
func (imp *importer) run(ctx context.Context, src source, conv converter) error {
	rep := imp.rep
	// Nothing here keeps a record past the next one (see converter).
	if r, ok := src.(recordReuser); ok {
		r.reuseRecords()
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec, row, err := src.Next()
		if err == io.EOF {
			break
		}
		if errors.Is(err, errBadRecord) {
			rep.Read++
			imp.reject(row, rec, "", "", err.Error())
			continue
		}
		if err != nil {
			return daiyun.Errorf(daiyun.EINVALID, "%s: cannot read row %d: %v", rep.File, row+1, err)
		}
		if skip := skipRow(rec); skip {
			rep.Skipped++
			continue
		}
		rep.Read++
		if reason := imp.shape(rec); reason != "" {
			imp.reject(row, rec, "", "", reason)
			continue
		}
		if err := conv.add(ctx, rec, row); err != nil {
			return err
		}
	}
	if err := conv.flush(ctx); err != nil {
		return err
	}
	return imp.saveRejects(ctx)
}

// shape refuses a row whose fields cannot line up with the header: cut short
// before a column that is read, or with values past the header's end (a
// value holding the delimiter unquoted shifts every column after it).
func (imp *importer) shape(rec []string) string {
	if imp.excel {
		return "" // XLSX rows end at their last non-empty cell
	}
	h := len(imp.header)
	if len(rec) <= imp.lastCol {
		return fmt.Sprintf("the row has %d fields, the header %d", len(rec), h)
	}
	for _, v := range rec[min(h, len(rec)):] {
		if v != "" {
			return fmt.Sprintf("the row has %d fields, the header %d: a value holding the delimiter is not quoted", len(rec), h)
		}
	}
	return ""
}

// skipRow reports blank rows and the 合计/总计 rows reports end with.
func skipRow(rec []string) bool {
	for _, v := range rec {
		if v == "" {
			continue
		}
		// Most rows start with something else: decide without normalising.
		if len(v) > 40 || !(v[0] == 't' || v[0] == 'T' || v[0] == ' ' || v[0] >= 0x80) {
			return false
		}
		w := normWord(v)
		switch {
		case w == "合计", w == "总计", w == "汇总", w == "total", w == "totals",
			strings.HasPrefix(w, "合计:"), strings.HasPrefix(w, "总计:"), strings.HasPrefix(w, "total:"):
			return true
		}
		return false
	}
	return true
}

// importer is the state of one running import shared by the converters.
type importer struct {
	wh        warehouse.Warehouse
	sink      QuarantineSink
	req       *Request
	rep       *Report
	file      string
	loc       *time.Location
	exp       int
	limit     time.Time // latest acceptable time
	asOfDay   time.Time
	header    []string
	prof      *Profile
	keep      []keepRule // per source column: what of it a quarantined row may keep (B6)
	rejects   []Reject
	batchSize int
	inflight  chan error // the batch being written, if any
	excel     bool       // values come from XLSX cells: dates may be serial numbers
	lastCol   int        // the last source column a field is read from
	pseudo    *daiyun.Pseudonymiser
}

// pseudonym is daiyun.Pseudonym under the request's client key.
func (imp *importer) pseudonym(identity string) string {
	if imp.pseudo == nil {
		imp.pseudo = daiyun.NewPseudonymiser(imp.req.ClientKey)
	}
	return imp.pseudo.Pseudonym(identity)
}

func newImporter(wh warehouse.Warehouse, sink QuarantineSink, req *Request, rep *Report) (*importer, error) {
	if !slices.Contains(req.Tenants.IDs(), req.Shop.ClientID) || req.Shop.ClientID == 0 {
		// The same answer as a shop that does not exist: nothing leaks.
		return nil, daiyun.Errorf(daiyun.ENOTFOUND, "shop %d not found", req.Shop.ID)
	}
	if err := req.Shop.Validate(); err != nil {
		return nil, err
	}
	if req.Shop.ID == 0 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "shop id is required")
	}
	if len(req.ClientKey) == 0 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "the client's pseudonymisation key is required")
	}
	if req.Reader == nil && req.Path == "" && req.Records == nil {
		return nil, daiyun.Errorf(daiyun.EINVALID, "no file given")
	}
	if sink == nil {
		return nil, fmt.Errorf("ingest: no quarantine sink")
	}
	loc, err := req.Shop.Location()
	if err != nil {
		return nil, err
	}
	if req.ImportID == "" {
		b := make([]byte, 8)
		rand.Read(b)
		req.ImportID = "imp_" + hex.EncodeToString(b)
		rep.ImportID = req.ImportID
	}
	if req.Locale == "" {
		req.Locale = LocaleDot
	}
	now := req.Now
	if now.IsZero() {
		now = time.Now()
	}
	tol := req.FutureTolerance
	if tol == 0 {
		tol = 24 * time.Hour
	}
	bs := req.BatchSize
	if bs <= 0 {
		bs = 20000
	}
	if req.MaxErrors == 0 {
		req.MaxErrors = 100
	}
	return &importer{
		wh: wh, sink: sink, req: req, rep: rep, file: req.FileName, loc: loc,
		exp: daiyun.MinorUnits(req.Shop.Currency), limit: now.Add(tol).UTC(),
		asOfDay: DayOf(now, loc), batchSize: bs,
	}, nil
}

// converter turns data records into canonical rows and writes them. The
// record passed to add is lent for the call: what a converter keeps of it,
// it copies (the strings themselves may be kept).
type converter interface {
	add(ctx context.Context, rec []string, row int) error
	flush(ctx context.Context) error
}

// start finds the header (skipping a preamble of up to 30 rows), picks the
// profile and returns its converter.
func (imp *importer) start(src source) (converter, error) {
	cands, forced, err := imp.candidates()
	if err != nil {
		return nil, err
	}
	var first []string
	for i := 0; i < maxPreamble; i++ {
		rec, _, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, daiyun.Errorf(daiyun.EINVALID, "%s: cannot read the header: %v", imp.file, err)
		}
		if skipRow(rec) {
			continue
		}
		if first == nil {
			first = slices.Clone(rec)
		}
		m, ok := detect(cands, rec)
		if !ok {
			continue
		}
		imp.header = slices.Clone(rec)
		imp.prof = m.p
		imp.keep = keepRules(len(rec), m.binds)
		for _, b := range m.binds {
			imp.lastCol = max(imp.lastCol, b.col)
		}
		imp.rep.Format = m.p.Name
		switch m.p.Table {
		case "orders", "order_lines":
			imp.rep.Table = m.p.Table
			c := newOrderConv(imp, m.binds)
			if c.lines {
				imp.rep.Table = "order_lines"
			}
			return c, nil
		default:
			imp.rep.Table = m.p.Table
			return newFactConv(imp, m.binds)
		}
	}
	if first == nil {
		return nil, fmt.Errorf("ingest: %s: %w: the file is empty", imp.file, ErrNothingRead)
	}
	if forced != nil {
		if err := missingError(forced, first); err != nil {
			return nil, err
		}
	}
	return nil, closest(cands, first)
}

// candidates lists the profiles to try: a mapping or forced format alone,
// else the saved mappings then the built-ins.
func (imp *importer) candidates() (cands []*Profile, forced *Profile, err error) {
	switch {
	case imp.req.Mapping != nil:
		p, err := imp.req.Mapping.Profile()
		if err != nil {
			return nil, nil, err
		}
		return []*Profile{p}, p, nil
	case imp.req.Format != "":
		p, ok := ProfileByName(imp.req.Format)
		if !ok {
			for _, m := range imp.req.Mappings {
				if m.Name == imp.req.Format {
					if p, err = m.Profile(); err != nil {
						return nil, nil, err
					}
					return []*Profile{p}, p, nil
				}
			}
			return nil, nil, daiyun.Errorf(daiyun.EINVALID, "format %q is not known", imp.req.Format)
		}
		return []*Profile{p}, p, nil
	}
	for _, m := range imp.req.Mappings {
		p, err := m.Profile()
		if err != nil {
			return nil, nil, err
		}
		cands = append(cands, p)
	}
	return append(cands, builtins...), nil, nil
}
