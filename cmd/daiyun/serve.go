package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/warehouse"
	"github.com/daiyun/daiyun/web"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/cobra"
)

// lockInfo is written to DATA/daiyun.lock while a server owns the embedded
// stores, so other commands know where it listens.
type lockInfo struct {
	PID  int    `json:"pid"`
	Addr string `json:"addr"`
	URL  string `json:"url"`
	// Token lets a CLI on this machine, which can read the lock file (mode
	// 0600), act as the local operator through the server's API.
	Token string `json:"token"`
}

// readLock returns the running server's lock, if a live process holds it.
func readLock(cfg Config) (lockInfo, bool) {
	var l lockInfo
	b, err := os.ReadFile(lockPath(cfg))
	if err != nil || json.Unmarshal(b, &l) != nil || l.PID == 0 {
		return l, false
	}
	if p, err := os.FindProcess(l.PID); err != nil || p.Signal(syscall.Signal(0)) != nil {
		return l, false // a stale lock of a server that died
	}
	return l, true
}

func lockPath(cfg Config) string { return filepath.Join(cfg.DataDir, "daiyun.lock") }

func newServeCmd(m *Main) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the UI and the API",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			srv, err := m.Server(ctx)
			if err != nil {
				return err
			}
			// Durable jobs on the catalog: alert evaluation (hourly, at
			// start, and after every import) and connector syncs.
			alerts, err := m.StartAlertJobs(ctx)
			if err != nil {
				return fmt.Errorf("start alert jobs: %w", err)
			}
			defer alerts.Stop(context.WithoutCancel(ctx))
			syncs, err := m.StartConnectorJobs(ctx)
			if err != nil {
				return fmt.Errorf("start connector jobs: %w", err)
			}
			defer syncs.Stop(context.WithoutCancel(ctx))
			srv.AfterImport = func(ctx context.Context) {
				if err := alerts.Enqueue(ctx, latestDay(time.Now())); err != nil {
					m.Logger.Warn("enqueue alert evaluation after import", "err", err)
				}
			}
			ln, err := net.Listen("tcp", m.Config.Addr)
			if err != nil {
				return fmt.Errorf("listen on %s: %w", m.Config.Addr, err)
			}
			return m.Serve(ctx, srv, ln, cmd.OutOrStdout())
		},
	}
	cmd.Flags().StringVar(&m.flagCfg.Addr, "addr", m.flagCfg.Addr, "listen address HOST:PORT (DAIYUN_ADDR)")
	cmd.Flags().StringVar(&m.flagCfg.BaseURL, "base-url", "", "public URL of the server, for links in messages (DAIYUN_BASE_URL)")
	cmd.Flags().BoolVar(&m.flagCfg.SecureCookies, "secure-cookies", false, "mark session cookies Secure (serve behind HTTPS)")
	return cmd
}

// Server opens the stores and builds the HTTP server.
func (m *Main) Server(ctx context.Context) (*web.Server, error) {
	cat, err := m.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	wh, err := m.Warehouse(ctx)
	if err != nil {
		return nil, err
	}
	queries := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "daiyun_warehouse_seconds", Help: "Warehouse query and write durations by operation.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"op", "ok"})
	wh = warehouse.Timed(wh, func(op string, d time.Duration, err error) {
		queries.WithLabelValues(op, strconv.FormatBool(err == nil)).Observe(d.Seconds())
	})
	ms := newMetrics(cat, wh)
	return &web.Server{
		Catalog: cat, Warehouse: wh, Metrics: ms, KPIs: web.MetricsKPIs{Service: ms}, Logger: m.Logger,
		BaseURL: m.Config.BaseURL, SecureCookies: m.Config.SecureCookies || m.flagCfg.SecureCookies,
		Collectors: []prometheus.Collector{queries}, Notifier: m.dispatcher(cat),
	}, nil
}

// Serve answers on ln until ctx ends, then shuts down gracefully.
func (m *Main) Serve(ctx context.Context, srv *web.Server, ln net.Listener, out interface{ Write([]byte) (int, error) }) error {
	url := "http://" + ln.Addr().String()
	if !m.Config.ServerMode() {
		tok := make([]byte, 24)
		rand.Read(tok)
		srv.LocalToken = "dyl_" + hex.EncodeToString(tok)
		b, _ := json.Marshal(lockInfo{PID: os.Getpid(), Addr: ln.Addr().String(), URL: url, Token: srv.LocalToken})
		if err := os.WriteFile(lockPath(m.Config), b, 0o600); err != nil {
			return fmt.Errorf("write lock file: %w", err)
		}
		defer os.Remove(lockPath(m.Config))
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	m.Logger.Info("serving", "url", url, "catalog", redactURL(m.Config.CatalogTarget()), "warehouse", redactURL(m.Config.WarehouseTarget()))
	fmt.Fprintf(out, "Daiyun is serving on %s\n", url)
	select {
	case err := <-errc:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m.Logger.Info("shutting down")
	return hs.Shutdown(sctx)
}

// latestDay is the newest complete day in China time, the agency's home
// calendar: alert evaluation after an import looks at it.
func latestDay(now time.Time) daiyun.Date {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	y, mo, d := now.In(loc).Date()
	return daiyun.Date{Time: time.Date(y, mo, d, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1)}
}
