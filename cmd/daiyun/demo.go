package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/demo"
	"github.com/daiyun/daiyun/metrics"
	"github.com/spf13/cobra"
)

// demoLoginsFile keeps the demo logins beside the data, so `make demo` can
// print them again on every start.
const demoLoginsFile = "DEMO_LOGINS.txt"

func newDemoCmd(m *Main) *cobra.Command {
	var opt demo.Options
	var ifAbsent bool
	var format, end string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Generate the demo agency: clients, shops, users and three years of data",
		Long: `Generates a deterministic demo agency into the stores: at least 12 clients and 30
shops across platforms and categories, three years of daily data ending
yesterday, logins for every role, and planted problems for diagnosis and
alerts to find (see docs/demo.md). The stores must be empty; with
--if-absent an agency that already has clients is left alone.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := system(cmd.Context())
			cat, err := m.Catalog(ctx)
			if err != nil {
				return err
			}
			clients, err := cat.Clients(ctx)
			if err != nil {
				return err
			}
			if len(clients) > 0 {
				if ifAbsent {
					fmt.Fprintf(cmd.ErrOrStderr(), "demo: the agency already has %d clients; keeping it\n", len(clients))
					return printDemoLogins(cmd.OutOrStdout(), m.Config)
				}
				return daiyun.Errorf(daiyun.ECONFLICT, "the catalog already has %d clients; the demo needs empty stores (use another --data directory, or --if-absent)", len(clients))
			}
			if end != "" {
				d, err := daiyun.ParseDate(end)
				if err != nil {
					return daiyun.Errorf(daiyun.EINVALID, "--end %q is not YYYY-MM-DD", end)
				}
				opt.End = d.Time
			}
			wh, err := m.Warehouse(ctx)
			if err != nil {
				return err
			}
			start := time.Now()
			sum, err := demo.Generate(ctx, cat, wh, opt, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			// The demo's US shops sell in USD; portfolio figures in CNY need
			// a rate. This one is an assumption, labelled as such.
			if err := cat.SetFXRate(ctx, catalog.FXRate{Base: "USD", Quote: "CNY", Day: sum.First, Rate: "7.10",
				Source: "demo assumption: edit with `daiyun fx set`"}); err != nil {
				return err
			}
			if err := seedDemoTargets(ctx, newMetrics(cat, wh), cat, sum.Last); err != nil {
				return err
			}
			if !m.Config.ServerMode() {
				if err := writeDemoLogins(m.Config, sum.Logins); err != nil {
					return err
				}
			}
			if format == "json" {
				return emit(cmd, format, map[string]any{"summary": sum, "seconds": time.Since(start).Seconds()}, nil)
			}
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "Demo agency: %d clients, %d shops, data %s … %s, generated in %s\n",
				sum.Clients, sum.Shops, sum.First, sum.Last, time.Since(start).Round(time.Millisecond))
			for _, t := range []string{"orders", "order_lines", "traffic_daily", "events", "ad_spend", "inventory_snapshots", "cs_sessions", "reviews"} {
				fmt.Fprintf(w, "  %-20s %d rows\n", t, sum.Rows[t])
			}
			fmt.Fprintln(w, "Planted problems (docs/demo.md):")
			for _, p := range sum.Planted {
				fmt.Fprintf(w, "  %-28s %s %s: %s (%s … %s)\n", p.Kind, p.Client, p.Shop, p.What, p.From, p.To)
			}
			fmt.Fprintln(w)
			return printLogins(w, sum.Logins)
		},
	}
	f := cmd.Flags()
	f.Int64Var(&opt.Seed, "seed", 1, "random seed; the same seed gives the same agency")
	f.IntVar(&opt.Shops, "shops", 0, "number of shops (0: the standard agency)")
	f.Int64Var(&opt.OrderLines, "order-lines", 0, fmt.Sprintf("target number of order lines (0: %d)", demo.DefaultOrderLines))
	f.IntVar(&opt.Years, "years", 0, "years of history (0: 3)")
	f.StringVar(&end, "end", "", "data ends the day before this date, YYYY-MM-DD (default: today)")
	f.BoolVar(&ifAbsent, "if-absent", false, "do nothing if the agency already has clients")
	f.StringVar(&format, "format", "text", "text or json")
	return cmd
}

func printLogins(w io.Writer, logins []demo.Login) error {
	fmt.Fprintln(w, "Logins:")
	for _, l := range logins {
		who := string(l.Role)
		if l.Client != "" {
			who += " (" + l.Client + ")"
		}
		fmt.Fprintf(w, "  %-36s %-34s password: %s\n", who, l.Email, l.Password)
	}
	return nil
}

func writeDemoLogins(cfg Config, logins []demo.Login) error {
	var b strings.Builder
	printLogins(&b, logins)
	return os.WriteFile(filepath.Join(cfg.DataDir, demoLoginsFile), []byte(b.String()), 0o600)
}

func printDemoLogins(w io.Writer, cfg Config) error {
	b, err := os.ReadFile(filepath.Join(cfg.DataDir, demoLoginsFile))
	if err != nil {
		return nil // not a demo agency, or generated elsewhere
	}
	_, err = w.Write(b)
	return err
}

// seedDemoTargets gives every demo client a monthly GMV target for the last
// three months and the current one: the same month a year earlier × 1.3, the
// growth the demo contracts commit to, rounded to 1,000 CNY.
func seedDemoTargets(ctx context.Context, ms *metrics.Service, cat *catalog.Store, last daiyun.Date) error {
	first := time.Date(last.Year(), last.Month()-3, 1, 0, 0, 0, 0, time.UTC)
	res, err := ms.Query(ctx, metrics.Request{KPIs: []string{"gmv"}, Dimensions: []string{metrics.DimClient}, Grain: metrics.GrainMonth,
		From: daiyun.Date{Time: first.AddDate(-1, 0, 0)}, To: daiyun.Date{Time: first.AddDate(-1, 4, -1)}, Currency: "CNY"})
	if err != nil {
		return fmt.Errorf("demo targets: %w", err)
	}
	for _, r := range res.Rows {
		v := r.Values["gmv"].Value
		if v == nil {
			continue
		}
		id, _ := strconv.ParseInt(r.Dims[metrics.DimClient], 10, 64)
		month, err := daiyun.ParseDate(r.Period)
		if err != nil {
			return err
		}
		t := catalog.Target{ClientID: id, KPI: "gmv", Month: daiyun.Date{Time: month.AddDate(1, 0, 0)},
			Value: math.Round(*v*1.3/1000) * 1000, Currency: "CNY"}
		if err := cat.SetTarget(ctx, t); err != nil {
			return err
		}
	}
	return nil
}
