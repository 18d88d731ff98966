// Command daiyun is the one binary of Daiyun: the CLI and the server.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/warehouse"
	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	m := NewMain()
	err := m.Run(ctx, os.Args[1:])
	stop()
	m.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "daiyun:", daiyun.ErrorMessageOrText(err))
		os.Exit(exitCode(err))
	}
}

// exitError carries a specific exit status.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

func exitCode(err error) int {
	if e, ok := err.(exitError); ok {
		return e.code
	}
	return 1
}

// Main wires configuration to stores, services and the CLI/HTTP doors. Tests
// build one and run it the way the binary does.
type Main struct {
	Config Config
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	Logger *slog.Logger

	flagCfg    Config
	configPath string
	catalog    *catalog.Store
	warehouse  warehouse.Warehouse
	closers    []func() error
}

// NewMain returns a Main writing to the process's stdout and stderr.
func NewMain() *Main {
	return &Main{Config: DefaultConfig(), flagCfg: DefaultConfig(), Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
}

// Run parses args and runs the command.
func (m *Main) Run(ctx context.Context, args []string) error {
	root := m.Root()
	root.SetArgs(args)
	root.SetOut(m.Stdout)
	root.SetErr(m.Stderr)
	return root.ExecuteContext(ctx)
}

// Close releases whatever Run opened.
func (m *Main) Close() error {
	var first error
	for i := len(m.closers) - 1; i >= 0; i-- {
		if err := m.closers[i](); err != nil && first == nil {
			first = err
		}
	}
	m.closers = nil
	m.catalog, m.warehouse = nil, nil
	return first
}

// Root builds the command tree.
func (m *Main) Root() *cobra.Command {
	root := &cobra.Command{
		Use:           "daiyun",
		Short:         "Daiyun — the operating system of an e-commerce operations agency",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := resolve(cmd.Flags(), m.flagCfg, m.configPath, m.Getenv)
			if err != nil {
				return err
			}
			m.Config = cfg
			m.Logger = newLogger(m.Stderr, cfg)
			return nil
		},
	}
	m.flagCfg.bindFlags(root.PersistentFlags(), &m.configPath)
	root.AddCommand(
		newVersionCmd(m),
		newMigrateCmd(m),
		newClientCmd(m),
		newShopCmd(m),
		newContractCmd(m),
		newUserCmd(m),
		newAssignCmd(m),
		newAPIKeyCmd(m),
		newPackageCmd(m),
		newTargetCmd(m),
		newBenchmarkCmd(m),
		newFXCmd(m),
		newMetricsCmd(m),
		newImportCmd(m),
		newServeCmd(m),
		newDemoCmd(m),
		newAnalyzeCmd(m),
		newAlertsCmd(m),
		newPlaybookCmd(m),
		newConnectCmd(m), newSyncCmd(m),
		newBenchCmd(m),
		newExperimentCmd(m),
	)
	return root
}

func newLogger(w io.Writer, cfg Config) *slog.Logger {
	var level slog.Level
	level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// Catalog opens (once) and returns the catalog, checking its schema is
// current. migrate=true brings it up to date first.
func (m *Main) Catalog(ctx context.Context) (*catalog.Store, error) {
	if m.catalog != nil {
		return m.catalog, nil
	}
	s, err := catalog.Open(ctx, m.Config.CatalogTarget())
	if err != nil {
		return nil, err
	}
	// The embedded store is created on first use; a server database must be
	// migrated explicitly (`daiyun migrate`) so upgrades are deliberate.
	if !m.Config.ServerMode() {
		if err := s.Migrate(ctx); err != nil {
			s.Close()
			return nil, err
		}
		if err := seedBenchmarks(system(ctx), s); err != nil {
			s.Close()
			return nil, err
		}
	}
	if err := s.CheckSchema(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := m.unlockCredentials(ctx, s); err != nil {
		s.Close()
		return nil, err
	}
	m.catalog = s
	m.closers = append(m.closers, s.Close)
	return s, nil
}

// Warehouse opens (once) and returns the warehouse.
func (m *Main) Warehouse(ctx context.Context) (warehouse.Warehouse, error) {
	if m.warehouse != nil {
		return m.warehouse, nil
	}
	w, err := openWarehouse(ctx, m.Config)
	if err != nil {
		return nil, err
	}
	if err := w.Migrate(ctx); err != nil {
		w.Close()
		return nil, err
	}
	m.warehouse = w
	m.closers = append(m.closers, w.Close)
	return w, nil
}

// withCatalog adapts a command body that needs the catalog: it opens the
// store and runs the body as the local operator.
func (m *Main) withCatalog(fn func(ctx context.Context, s *catalog.Store, cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		ctx := system(cmd.Context())
		s, err := m.Catalog(ctx)
		if err != nil {
			return err
		}
		return fn(ctx, s, cmd, args)
	}
}

// system returns ctx acting as the local operator: the CLI working on its
// own data directory or database has the rights of the agency admin.
func system(ctx context.Context) context.Context { return daiyun.WithActor(ctx, daiyun.SystemActor) }
