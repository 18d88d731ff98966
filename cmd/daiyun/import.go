package main

import (
	"bytes"
	"context"
	"errors"

	"io"
	"mime/multipart"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/imports"
	"github.com/daiyun/daiyun/ingest"
	"github.com/spf13/cobra"
)

// importTable lays an import report out as rows: the counts, then one
// row per error.
func importTable(rep ingest.Report) table {
	t := table{header: []string{"read", "inserted", "updated", "unchanged", "quarantined", "format", "encoding"},
		rows: [][]string{{strconv.Itoa(rep.Read), strconv.Itoa(rep.Inserted), strconv.Itoa(rep.Updated), strconv.Itoa(rep.Unchanged),
			strconv.Itoa(rep.Quarantined), rep.Format, string(rep.Encoding)}}}
	for _, e := range rep.Errors {
		t.rows = append(t.rows, []string{"row " + strconv.Itoa(e.Row), e.Column, e.Value, e.Reason})
	}
	return t
}

func newImportCmd(m *Main) *cobra.Command {
	var format, client, shop, profile, mappingFile, saveMapping, fixes, locale, sheet string
	cmd := &cobra.Command{
		Use:   "import --client C --shop S FILE",
		Short: "Import a CSV or XLSX export into a shop",
		Long: `Imports a seller back-end export (Taobao/Tmall, JD, Douyin, Shopify orders; Business
Advisor traffic; ad reports; ERP inventory; CS sessions; reviews; or a Daiyun template)
into a shop. The format, encoding and delimiter are recognised; rows that cannot be taken
are quarantined with their reason (see 'daiyun import quarantine'). Replaying a file changes
nothing. The exit status is non-zero only when nothing could be read.`,
		Args: cobra.ExactArgs(1),
		RunE: m.withCatalog(func(ctx context.Context, cat *catalog.Store, cmd *cobra.Command, args []string) error {
			c, err := cat.FindClient(ctx, client)
			if err != nil {
				return err
			}
			sh, err := cat.FindShop(ctx, c.ID, shop)
			if err != nil {
				return err
			}
			var mapping *ingest.Mapping
			var mappingText []byte
			if mappingFile != "" {
				if mappingText, err = os.ReadFile(mappingFile); err != nil {
					return daiyun.Errorf(daiyun.EINVALID, "--mapping %s: %v", mappingFile, err)
				}
				mp, err := ingest.LoadMapping(bytes.NewReader(mappingText))
				if err != nil {
					return daiyun.Errorf(daiyun.EINVALID, "--mapping %s: %v", mappingFile, err)
				}
				mapping = &mp
			}
			f, err := os.Open(args[0])
			if err != nil {
				return daiyun.Errorf(daiyun.EINVALID, "cannot open %s: %v", args[0], err)
			}
			defer f.Close()
			var out imports.Outcome
			if r, ok := m.runningServer(); ok {
				out, err = uploadToServer(r, f, filepath.Base(args[0]), map[string]string{"shop_id": strconv.FormatInt(sh.ID, 10),
					"profile": profile, "fixes": fixes, "locale": locale, "sheet": sheet, "mapping": string(mappingText), "save_mapping": saveMapping})
			} else {
				wh, werr := m.Warehouse(ctx)
				if werr != nil {
					return werr
				}
				svc := &imports.Service{Catalog: cat, Warehouse: wh}
				out, err = svc.ImportFile(ctx, imports.FileRequest{ShopID: sh.ID, FileName: filepath.Base(args[0]), Reader: f,
					Profile: profile, Mapping: mapping, SaveMappingAs: saveMapping, Fixes: fixes, Locale: locale, Sheet: sheet})
				// Alerts are evaluated after every import that wrote rows
				// (a running server does it through its job queue).
				if err == nil && out.Report.Inserted+out.Report.Updated > 0 {
					if aerr := m.alertOnce(ctx, latestDay(time.Now())); aerr != nil {
						m.Logger.Warn("alert evaluation after import", "err", aerr)
					}
				}
			}
			if err != nil && !errors.Is(err, ingest.ErrNothingRead) {
				return err
			}
			if perr := emit(cmd, format, reportJSON(out), importTable(out.Report)); perr != nil {
				return perr
			}
			if out.Report.Read == 0 || errors.Is(err, ingest.ErrNothingRead) {
				return exitError{code: 2, err: daiyun.Errorf(daiyun.EINVALID, "nothing could be read from %s", args[0])}
			}
			return nil
		}),
	}
	f := cmd.Flags()
	f.StringVar(&client, "client", "", "client name or id")
	f.StringVar(&shop, "shop", "", "shop name or id")
	f.StringVar(&profile, "profile", "", "force a format (see docs/import.md) instead of recognising the header")
	f.StringVar(&mappingFile, "mapping", "", "a column mapping file (JSON or YAML) for an unknown layout")
	f.StringVar(&saveMapping, "save-mapping", "", "keep --mapping for the shop under this name")
	f.StringVar(&fixes, "fixes", "", "the import whose quarantined rows this file corrects")
	f.StringVar(&locale, "locale", "", "how numbers are written: dot (1,234.50, default) or comma (1.234,50)")
	f.StringVar(&sheet, "sheet", "", "XLSX sheet (default: the first)")
	cmd.MarkFlagRequired("client")
	cmd.MarkFlagRequired("shop")
	addFormat(cmd, &format)

	cmd.AddCommand(newImportListCmd(m), newImportQuarantineCmd(m), newHealthCmd(m))
	return cmd
}

// reportJSON is the import report with the import's id and status.
func reportJSON(out imports.Outcome) any {
	return struct {
		ingest.Report
		Status string `json:"status"`
	}{out.Report, out.Record.Status}
}

// uploadToServer sends the file to the running server's import API.
func uploadToServer(r *remote, f io.Reader, name string, fields map[string]string) (imports.Outcome, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		for k, v := range fields {
			if v != "" {
				mw.WriteField(k, v)
			}
		}
		fw, err := mw.CreateFormFile("file", name)
		if err == nil {
			_, err = io.Copy(fw, f)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	var out imports.Outcome
	err := r.do("POST", "/api/v1/imports", mw.FormDataContentType(), pr, &out)
	return out, err
}

func newImportListCmd(m *Main) *cobra.Command {
	var format, client string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List import runs, newest first",
		Args:  cobra.NoArgs,
		RunE: m.withCatalog(func(ctx context.Context, cat *catalog.Store, cmd *cobra.Command, args []string) error {
			var id int64
			if client != "" {
				c, err := cat.FindClient(ctx, client)
				if err != nil {
					return err
				}
				id = c.ID
			}
			rs, err := cat.Imports(ctx, id, 100)
			if err != nil {
				return err
			}
			t := table{header: []string{"id", "client_id", "shop_id", "file", "source", "status", "fixes", "started_at"}}
			for _, r := range rs {
				t.rows = append(t.rows, []string{r.ID, strconv.FormatInt(r.ClientID, 10), strconv.FormatInt(r.ShopID, 10), r.File, r.Source, r.Status, r.Fixes, r.StartedAt.Format("2006-01-02 15:04:05")})
			}
			return emit(cmd, format, nonNil(rs), t)
		}),
	}
	cmd.Flags().StringVar(&client, "client", "", "only this client's imports")
	addFormat(cmd, &format)
	return cmd
}

func newImportQuarantineCmd(m *Main) *cobra.Command {
	var format string
	var csvOut bool
	cmd := &cobra.Command{
		Use:   "quarantine IMPORT_ID",
		Short: "Show an import's quarantined rows, or --csv to write them back as a file to correct and import with --fixes",
		Args:  cobra.ExactArgs(1),
		RunE: m.withCatalog(func(ctx context.Context, cat *catalog.Store, cmd *cobra.Command, args []string) error {
			if csvOut {
				svc := &imports.Service{Catalog: cat}
				return svc.WriteQuarantineCSV(ctx, cmd.OutOrStdout(), args[0])
			}
			if _, err := cat.Import(ctx, args[0]); err != nil {
				return err
			}
			rows, err := cat.Quarantine(ctx, catalog.QuarantineFilter{ImportID: args[0]})
			if err != nil {
				return err
			}
			t := table{header: []string{"file", "row", "column", "value", "reason", "status"}}
			for _, r := range rows {
				t.rows = append(t.rows, []string{r.File, strconv.Itoa(r.Row), r.Column, r.Value, r.Reason, r.Status})
			}
			return emit(cmd, format, nonNil(rows), t)
		}),
	}
	cmd.Flags().BoolVar(&csvOut, "csv", false, "write the open rows as a CSV with the original header")
	addFormat(cmd, &format)
	return cmd
}

func newHealthCmd(m *Main) *cobra.Command {
	var format, client string
	var days int
	cmd := &cobra.Command{
		Use:   "health --client C",
		Short: "Data health per shop and source: last day, missing days, reconciliation failures, quarantined rows",
		Args:  cobra.NoArgs,
		RunE: m.withCatalog(func(ctx context.Context, cat *catalog.Store, cmd *cobra.Command, args []string) error {
			c, err := cat.FindClient(ctx, client)
			if err != nil {
				return err
			}
			wh, err := m.Warehouse(ctx)
			if err != nil {
				return err
			}
			hs, err := (&imports.Service{Catalog: cat, Warehouse: wh}).Health(ctx, c.ID, days)
			if err != nil {
				return err
			}
			t := table{header: []string{"shop", "table", "source", "last_day", "missing_days", "reconciliation_failures", "quarantined"}}
			for _, h := range hs {
				for _, s := range h.Sources {
					t.rows = append(t.rows, []string{h.Shop.Name, s.Table, s.Source, s.LastDay.String(), strconv.Itoa(len(s.MissingDays)),
						strconv.Itoa(h.Reconcile), strconv.Itoa(h.Quarantined)})
				}
			}
			return emit(cmd, format, nonNil(hs), t)
		}),
	}
	cmd.Flags().StringVar(&client, "client", "", "client name or id")
	cmd.Flags().IntVar(&days, "days", 90, "window in days")
	cmd.MarkFlagRequired("client")
	addFormat(cmd, &format)
	return cmd
}
