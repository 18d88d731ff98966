package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/source"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/imports"
	"github.com/daiyun/daiyun/internal/bench"
	"github.com/spf13/cobra"
)

// benchOptions are the flags every `daiyun bench` command shares.
type benchOptions struct {
	runs   int
	format string
	engine string
}

func newBenchCmd(m *Main) *cobra.Command {
	o := &benchOptions{}
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Benchmark the product against the raw engine on the same data (metrics, analyses, import)",
		Long: `Times Daiyun's own paths (the HTTP API, metrics.Service, the analyses, imports)
and, in the same process and session, hand-written SQL computing the same
numbers on the same warehouse. The numbers are checked to agree before
anything is timed. Each figure is the median and p90 of --runs runs with the
raw-engine baseline and the ratio; the report ends with the machine's load
and the process's peak memory (VmHWM). See docs/benchmarks.md.`,
	}
	cmd.PersistentFlags().IntVar(&o.runs, "runs", 5, "timed runs per figure (after one untimed warm-up)")
	cmd.PersistentFlags().StringVar(&o.format, "format", "", "output: json or table (default: table on a terminal, json otherwise)")
	cmd.PersistentFlags().StringVar(&o.engine, "engine", "duckdb", "warehouse engine: duckdb (the data directory) or postgres (needs --warehouse-url)")
	cmd.AddCommand(newBenchMetricsCmd(m, o), newBenchAnalysesCmd(m, o), newBenchImportCmd(m, o), newBenchAlertsCmd(m, o))
	return cmd
}

// check validates the shared flags against the configuration.
func (o *benchOptions) check(m *Main) error {
	if o.runs < 1 {
		return daiyun.Errorf(daiyun.EINVALID, "--runs %d: at least 1", o.runs)
	}
	switch o.format {
	case "", "json", "table":
	default:
		return daiyun.Errorf(daiyun.EINVALID, "--format %q is not json or table", o.format)
	}
	switch o.engine {
	case "duckdb":
		if m.Config.WarehouseURL != "" {
			return daiyun.Errorf(daiyun.EINVALID, "--engine duckdb benchmarks the data directory's warehouse; drop --warehouse-url or use --engine postgres")
		}
	case "postgres":
		if m.Config.WarehouseURL == "" {
			return daiyun.Errorf(daiyun.EINVALID, "--engine postgres needs --warehouse-url postgres://…")
		}
	default:
		return daiyun.Errorf(daiyun.EINVALID, "--engine %q is not duckdb or postgres", o.engine)
	}
	if _, running := m.runningServer(); running {
		return daiyun.Errorf(daiyun.ECONFLICT, "a server is running on %s; stop it first: the benchmark needs the warehouse to itself", m.Config.DataDir)
	}
	return nil
}

// rawDB is the raw handle of a warehouse, for the hand-written baselines.
func (m *Main) rawDB(ctx context.Context) (*sql.DB, error) {
	wh, err := m.Warehouse(ctx)
	if err != nil {
		return nil, err
	}
	h, ok := wh.(interface{ SQL() *sql.DB })
	if !ok {
		return nil, fmt.Errorf("bench: the warehouse gives no raw SQL handle")
	}
	return h.SQL(), nil
}

func newBenchMetricsCmd(m *Main, o *benchOptions) *cobra.Command {
	var only string
	cmd := &cobra.Command{
		Use:   "metrics",
		Short: "One shop's overview (10 KPIs, daily, a year) and the portfolio (30 days) via HTTP and metrics.Service vs raw SQL",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.check(m); err != nil {
				return err
			}
			ctx := system(cmd.Context())
			rep := bench.NewReport("metrics", o.engine, m.dataName())
			srv, err := m.Server(ctx)
			if err != nil {
				return err
			}
			db, err := m.rawDB(ctx)
			if err != nil {
				return err
			}
			cat, err := m.Catalog(ctx)
			if err != nil {
				return err
			}
			srv.LocalToken = benchToken()
			b := &bench.Metrics{Engine: o.engine, DB: db, Service: srv.Metrics, Handler: srv.Handler(), Token: srv.LocalToken, Rate: cat.Rate, Runs: o.runs, Only: only}
			if err := b.RunMetrics(ctx, rep); err != nil {
				return err
			}
			rep.Finish()
			return emit(cmd, o.format, rep, rep)
		},
	}
	cmd.Flags().StringVar(&only, "only", "", "time one figure only: overview or portfolio (empty: both)")
	return cmd
}

func newBenchAnalysesCmd(m *Main, o *benchOptions) *cobra.Command {
	var customers, journeys int
	cmd := &cobra.Command{
		Use:   "analyses",
		Short: "Monthly cohorts and RFM through the analysis packages vs raw SQL; CLV fit and Markov attribution on generated data",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.check(m); err != nil {
				return err
			}
			ctx := system(cmd.Context())
			rep := bench.NewReport("analyses", o.engine, m.dataName())
			cat, err := m.Catalog(ctx)
			if err != nil {
				return err
			}
			wh, err := m.Warehouse(ctx)
			if err != nil {
				return err
			}
			db, err := m.rawDB(ctx)
			if err != nil {
				return err
			}
			shops, err := cat.Shops(ctx, catalog.ShopFilter{})
			if err != nil {
				return err
			}
			b := &bench.Analyses{Engine: o.engine, DB: db, Loader: &source.Loader{Warehouse: wh, Catalog: cat, Metrics: newMetrics(cat, wh)},
				Shops: shops, Runs: o.runs, Customers: customers, Journeys: journeys}
			if err := b.RunAnalyses(ctx, rep); err != nil {
				return err
			}
			rep.Finish()
			return emit(cmd, o.format, rep, rep)
		},
	}
	cmd.Flags().IntVar(&customers, "customers", 1_000_000, "customers generated for the CLV fit (0 skips it)")
	cmd.Flags().IntVar(&journeys, "journeys", 1_000_000, "journeys generated for Markov attribution (0 skips it)")
	return cmd
}

func newBenchImportCmd(m *Main, o *benchOptions) *cobra.Command {
	var lines, apiLines, clients int
	var keep bool
	cmd := &cobra.Command{
		Use:   "import",
		Short: "Import a generated canonical CSV end to end vs DuckDB's raw COPY of the same file; NDJSON API ingest",
		Long: `Generates a canonical CSV of --lines order lines in a temporary directory and
imports it end to end (imports.Service: validation, dedup, quarantine) into
a fresh warehouse, then loads the same file with the engine's raw COPY into a
plain table of the same warehouse. Then --api-lines lines are sent as NDJSON
batches of 1,000 from --clients concurrent clients to an in-process server on
loopback. --data is not read: everything is written under a fresh temporary
data directory, removed at the end unless --keep.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.check(m); err != nil {
				return err
			}
			if o.engine != "duckdb" {
				// The import bench writes a fresh warehouse it can throw
				// away; a PostgreSQL one would need a database to spare.
				return daiyun.Errorf(daiyun.EINVALID, "bench import runs on a fresh embedded DuckDB warehouse only; --engine postgres is not supported yet")
			}
			if lines < 1 || apiLines < 0 || clients < 1 {
				return daiyun.Errorf(daiyun.EINVALID, "--lines, --api-lines and --clients must be positive")
			}
			dir, err := os.MkdirTemp("", "daiyun-bench-import-")
			if err != nil {
				return err
			}
			if !keep {
				defer os.RemoveAll(dir)
			}
			// A fresh Main over a fresh data directory: the product's own
			// wiring, nothing of the user's data touched.
			fm := NewMain()
			fm.Config = m.Config
			fm.Config.DataDir = filepath.Join(dir, "data")
			fm.Config.CatalogURL, fm.Config.WarehouseURL = "", ""
			fm.Logger = m.Logger
			defer fm.Close()
			ctx := system(cmd.Context())
			rep := bench.NewReport("import", o.engine, fm.Config.DataDir)
			srv, err := fm.Server(ctx)
			if err != nil {
				return err
			}
			cat, err := fm.Catalog(ctx)
			if err != nil {
				return err
			}
			wh, err := fm.Warehouse(ctx)
			if err != nil {
				return err
			}
			db, err := fm.rawDB(ctx)
			if err != nil {
				return err
			}
			srv.LocalToken = benchToken()
			b := &bench.Import{Engine: o.engine, Dir: dir, DB: db, Catalog: cat, Imports: &imports.Service{Catalog: cat, Warehouse: wh},
				Handler: srv.Handler(), Token: srv.LocalToken, Runs: o.runs, Lines: lines, APILines: apiLines, Clients: clients}
			if err := b.RunImport(ctx, rep); err != nil {
				return err
			}
			rep.Finish()
			return emit(cmd, o.format, rep, rep)
		},
	}
	cmd.Flags().IntVar(&lines, "lines", 5_000_000, "order lines in the generated CSV")
	cmd.Flags().IntVar(&apiLines, "api-lines", 200_000, "order lines sent through the API (0 skips the API ingest)")
	cmd.Flags().IntVar(&clients, "clients", 4, "concurrent API clients")
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the temporary directory (CSV and warehouse)")
	return cmd
}

// dataName says which data the benchmark ran on, without credentials.
func (m *Main) dataName() string {
	if m.Config.WarehouseURL != "" {
		return redactURL(m.Config.WarehouseURL)
	}
	return m.Config.DataDir
}

// benchToken is a one-off local token for the in-process server.
func benchToken() string {
	b := make([]byte, 24)
	rand.Read(b)
	return "dyl_" + hex.EncodeToString(b)
}
