package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/imports"
	"github.com/daiyun/daiyun/ingest"
	"github.com/danielgtaylor/huma/v2"
)

// The import doors (PRODUCT.md B2, B3, B5): file uploads, API batches,
// import history, quarantine downloads, saved mappings and data health.

func (s *Server) importer() *imports.Service {
	return &imports.Service{Catalog: s.Catalog, Warehouse: s.Warehouse}
}

// importForm is the multipart form of a file upload.
type importForm struct {
	File        huma.FormFile `form:"file" required:"true" doc:"CSV or XLSX export"`
	ShopID      int64         `form:"shop_id" required:"true"`
	Profile     string        `form:"profile" required:"false" doc:"force a format instead of recognising the header (docs/import.md)"`
	Fixes       string        `form:"fixes" required:"false" doc:"the import whose quarantined rows this file corrects"`
	Locale      string        `form:"locale" required:"false" doc:"dot (1,234.50) or comma (1.234,50)"`
	Sheet       string        `form:"sheet" required:"false" doc:"XLSX sheet (default: the first)"`
	Mapping     string        `form:"mapping" required:"false" doc:"a column mapping for an unknown layout, as JSON (docs/import.md)"`
	SaveMapping string        `form:"save_mapping" required:"false" doc:"keep the mapping for the shop under this name"`
}

// imported runs the AfterImport hook when an import wrote rows.
func (s *Server) imported(ctx context.Context, r ingest.Report) {
	if s.AfterImport != nil && r.Inserted+r.Updated > 0 {
		s.AfterImport(context.WithoutCancel(ctx))
	}
}

// runUpload imports an uploaded file.
func (s *Server) runUpload(ctx context.Context, f importForm) (out imports.Outcome, err error) {
	defer func() { s.imported(ctx, out.Report) }()
	req := imports.FileRequest{ShopID: f.ShopID, FileName: f.File.Filename, Reader: f.File, Profile: f.Profile, Fixes: f.Fixes,
		Locale: f.Locale, Sheet: f.Sheet, SaveMappingAs: f.SaveMapping}
	if strings.TrimSpace(f.Mapping) != "" {
		m, err := ingest.LoadMapping(strings.NewReader(f.Mapping))
		if err != nil {
			return imports.Outcome{}, daiyun.Errorf(daiyun.EINVALID, "mapping: %v", err)
		}
		req.Mapping = &m
	}
	return s.importer().ImportFile(ctx, req)
}

func (s *Server) registerImports() {
	api := s.api
	upload := op("create-import", http.MethodPost, "/api/v1/imports",
		"Import a CSV or XLSX export into a shop; answers the import report (rows read, inserted, updated, unchanged, quarantined, errors)", "imports")
	upload.MaxBodyBytes = 4 << 30
	huma.Register(api, upload, func(ctx context.Context, in *struct {
		RawBody huma.MultipartFormFiles[importForm]
	}) (*body[imports.Outcome], error) {
		res, err := s.runUpload(ctx, *in.RawBody.Data())
		if err != nil && res.Record.ID == "" {
			return nil, s.fail(ctx, err)
		}
		if err != nil && !isNothingRead(err) {
			return nil, s.fail(ctx, err)
		}
		return &body[imports.Outcome]{res}, nil
	})

	type listIn struct {
		ClientID int64 `query:"client_id" doc:"only this client's imports"`
	}
	huma.Register(api, op("list-imports", http.MethodGet, "/api/v1/imports", "Import runs, newest first", "imports"),
		func(ctx context.Context, in *listIn) (*body[[]catalog.ImportRecord], error) {
			rs, err := s.Catalog.Imports(ctx, in.ClientID, 200)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[[]catalog.ImportRecord]{nonNil(rs)}, nil
		})
	type importID struct {
		ID string `path:"id"`
	}
	huma.Register(api, op("get-import", http.MethodGet, "/api/v1/imports/{id}", "One import run with its report", "imports"),
		func(ctx context.Context, in *importID) (*body[catalog.ImportRecord], error) {
			r, err := s.Catalog.Import(ctx, in.ID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[catalog.ImportRecord]{r}, nil
		})
	huma.Register(api, op("import-quarantine", http.MethodGet, "/api/v1/imports/{id}/quarantine",
		"The rows of an import that are in quarantine, with file, row, column, value and reason", "imports"),
		func(ctx context.Context, in *importID) (*body[[]catalog.QuarantineRow], error) {
			if _, err := s.Catalog.Import(ctx, in.ID); err != nil {
				return nil, s.fail(ctx, err)
			}
			rows, err := s.Catalog.Quarantine(ctx, catalog.QuarantineFilter{ImportID: in.ID})
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[[]catalog.QuarantineRow]{nonNil(rows)}, nil
		})
	type csvOut struct {
		ContentType        string `header:"Content-Type"`
		ContentDisposition string `header:"Content-Disposition"`
		Body               []byte
	}
	huma.Register(api, op("import-quarantine-csv", http.MethodGet, "/api/v1/imports/{id}/quarantine.csv",
		"Download an import's open quarantined rows as a CSV with the original header, to correct and import again with fixes={id}", "imports"),
		func(ctx context.Context, in *importID) (*csvOut, error) {
			var buf bytes.Buffer
			if err := s.importer().WriteQuarantineCSV(ctx, &buf, in.ID); err != nil {
				return nil, s.fail(ctx, err)
			}
			rec, _ := s.Catalog.Import(ctx, in.ID)
			s.Catalog.Audit(ctx, rec.ClientID, "export.quarantine", in.ID)
			return &csvOut{ContentType: "text/csv; charset=utf-8", ContentDisposition: `attachment; filename="quarantine-` + in.ID + `.csv"`, Body: buf.Bytes()}, nil
		})

	type batchIn struct {
		Table   string `path:"table" doc:"a fact table, e.g. orders, order_lines, traffic_daily, ad_spend"`
		ShopID  int64  `query:"shop_id" required:"true" doc:"the shop the rows belong to"`
		IdemKey string `header:"Idempotency-Key" doc:"replays of the same key answer the first response without writing again"`
		RawBody []byte `contentType:"application/x-ndjson"`
	}
	batch := op("ingest-batch", http.MethodPost, "/api/v1/ingest/{table}",
		"Write a batch of rows (a JSON array or NDJSON, the table's own column names) with a per-row outcome", "imports")
	batch.MaxBodyBytes = 256 << 20
	// The answer is written as the bytes it is (see batchOut); the
	// document still says it is JSON.
	batch.Responses = map[string]*huma.Response{"200": {Content: map[string]*huma.MediaType{"application/json": {Schema: &huma.Schema{}}}}}
	huma.Register(api, batch, func(ctx context.Context, in *batchIn) (*batchOut, error) {
		sh, err := s.Catalog.Shop(ctx, in.ShopID)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		var digest []byte
		if in.IdemKey != "" {
			digest = batchDigest(in.Table, in.ShopID, in.RawBody)
			req, resp, ok, err := s.Catalog.IdempotentResponse(ctx, sh.ClientID, in.IdemKey)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			if ok {
				if !bytes.Equal(req, digest) {
					return nil, s.fail(ctx, daiyun.Errorf(daiyun.ECONFLICT, "Idempotency-Key %q was used for a different request", in.IdemKey))
				}
				return newBatchOut(resp), nil
			}
		}
		rows, err := imports.DecodeBatch(bytes.NewReader(in.RawBody))
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		res, err := s.importer().IngestBatch(ctx, in.ShopID, in.Table, rows)
		if err != nil && !isNothingRead(err) {
			return nil, s.fail(ctx, err)
		}
		s.imported(ctx, ingest.Report{Inserted: res.Inserted, Updated: res.Updated})
		out, _ := json.Marshal(res)
		if in.IdemKey != "" {
			if err := s.Catalog.SaveIdempotentResponse(ctx, sh.ClientID, in.IdemKey, digest, out); err != nil {
				return nil, s.fail(ctx, err)
			}
		}
		return newBatchOut(out), nil
	})

	type healthIn struct {
		ClientID int64 `query:"client_id" required:"true"`
		Days     int   `query:"days" default:"90" minimum:"1" maximum:"730"`
	}
	huma.Register(api, op("data-health", http.MethodGet, "/api/v1/data-health",
		"Per shop and source: last data day, missing days, reconciliation failures and open quarantined rows", "imports"),
		func(ctx context.Context, in *healthIn) (*body[[]imports.ShopHealth], error) {
			hs, err := s.importer().Health(ctx, in.ClientID, in.Days)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[[]imports.ShopHealth]{nonNil(hs)}, nil
		})

	type mappingsIn struct {
		ID int64 `path:"id"`
	}
	huma.Register(api, op("list-mappings", http.MethodGet, "/api/v1/shops/{id}/mappings", "A shop's saved column mappings", "imports"),
		func(ctx context.Context, in *mappingsIn) (*body[[]catalog.Mapping], error) {
			if _, err := s.Catalog.Shop(ctx, in.ID); err != nil {
				return nil, s.fail(ctx, err)
			}
			ms, err := s.Catalog.Mappings(ctx, in.ID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[[]catalog.Mapping]{nonNil(ms)}, nil
		})
	type mappingPut struct {
		ID   int64 `path:"id"`
		Body json.RawMessage
	}
	huma.Register(api, op("save-mapping", http.MethodPut, "/api/v1/shops/{id}/mappings", "Save a column mapping for a shop (validated)", "imports"),
		func(ctx context.Context, in *mappingPut) (*body[catalog.Mapping], error) {
			sh, err := s.Catalog.Shop(ctx, in.ID)
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			m, err := ingest.LoadMapping(bytes.NewReader(in.Body))
			if err != nil {
				return nil, s.fail(ctx, daiyun.Errorf(daiyun.EINVALID, "mapping: %v", err))
			}
			if m.Name == "" {
				return nil, s.fail(ctx, daiyun.Errorf(daiyun.EINVALID, "mapping name is required"))
			}
			b, _ := json.Marshal(m)
			if err := s.Catalog.SaveMapping(ctx, sh.ClientID, sh.ID, m.Name, b); err != nil {
				return nil, s.fail(ctx, err)
			}
			return &body[catalog.Mapping]{catalog.Mapping{ShopID: sh.ID, Name: m.Name, Body: b}}, nil
		})
}

func isNothingRead(err error) bool { return errors.Is(err, ingest.ErrNothingRead) }

// batchOut is an API batch's answer, the JSON of an imports.BatchResult.
// huma writes a []byte body as is; a json.RawMessage went through
// encoding/json again, validated byte by byte: 150 µs for the answer to
// 1,000 rows, more than json.Marshal took to make it.
type batchOut struct {
	ContentType string `header:"Content-Type" hidden:"true"`
	Body        []byte
}

// newBatchOut answers a batch with the JSON of its result, ended by a
// newline as huma's JSON encoder ended it (on a copy: result may be the
// saved idempotent answer).
func newBatchOut(result []byte) *batchOut {
	return &batchOut{ContentType: "application/json", Body: append(result[:len(result):len(result)], '\n')}
}

// batchDigest identifies a batch request for its Idempotency-Key: the
// table, the shop and the body.
func batchDigest(table string, shopID int64, body []byte) []byte {
	h := sha256.New()
	h.Write([]byte(table + "\x00" + strconv.FormatInt(shopID, 10) + "\x00"))
	h.Write(body)
	return h.Sum(nil)
}

// importsPage is a client's data page: upload, history, quarantine, health.
func (s *Server) importsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.uiError(w, r, daiyun.Errorf(daiyun.ENOTFOUND, "client not found"))
		return
	}
	c, err := s.Catalog.Client(ctx, id)
	if err != nil {
		s.uiError(w, r, err)
		return
	}
	view := importsView{Client: c, CanImport: daiyun.ActorFrom(ctx).IsStaff()}
	if r.Method == http.MethodPost {
		if !view.CanImport {
			s.uiError(w, r, daiyun.Errorf(daiyun.EFORBIDDEN, "data is imported by the agency's staff"))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 4<<30)
		file, hdr, err := r.FormFile("file")
		if err != nil {
			s.uiError(w, r, daiyun.Errorf(daiyun.EINVALID, "choose a file to import"))
			return
		}
		defer file.Close()
		shopID, _ := strconv.ParseInt(r.FormValue("shop_id"), 10, 64)
		if sh, err := s.Catalog.Shop(ctx, shopID); err != nil || sh.ClientID != id {
			s.uiError(w, r, daiyun.Errorf(daiyun.ENOTFOUND, "shop %d not found", shopID))
			return
		}
		res, err := s.runUpload(ctx, importForm{File: huma.FormFile{File: file, Filename: hdr.Filename}, ShopID: shopID,
			Profile: r.FormValue("profile"), Fixes: r.FormValue("fixes"), Locale: r.FormValue("locale"), Mapping: r.FormValue("mapping"),
			SaveMapping: r.FormValue("save_mapping")})
		if err != nil && !isNothingRead(err) {
			view.Error = daiyun.ErrorMessage(err)
		} else {
			view.Result = &res
		}
	}
	if view.Shops, err = s.Catalog.Shops(ctx, catalog.ShopFilter{ClientID: id}); err != nil {
		s.uiError(w, r, err)
		return
	}
	if view.Imports, err = s.Catalog.Imports(ctx, id, 50); err != nil {
		s.uiError(w, r, err)
		return
	}
	if view.Health, err = s.importer().Health(ctx, id, 90); err != nil {
		s.uiError(w, r, err)
		return
	}
	view.Profiles = ingest.Profiles()
	s.render(w, r, http.StatusOK, "imports", "im_title", view)
}

type importsView struct {
	Client    daiyun.Client
	Shops     []daiyun.Shop
	Imports   []catalog.ImportRecord
	Health    []imports.ShopHealth
	Profiles  []*ingest.Profile
	CanImport bool
	Result    *imports.Outcome
	Error     string
}
