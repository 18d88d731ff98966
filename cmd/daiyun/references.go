package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/metrics"
	"github.com/spf13/cobra"
)

func newTargetCmd(m *Main) *cobra.Command {
	cmd := &cobra.Command{Use: "target", Short: "Monthly KPI targets per client or shop (C6)"}
	var format, client, shop, kpi, month, currency string
	var value float64
	resolve := func(cmd *cobra.Command) (*catalog.Store, catalog.Target, error) {
		ctx := system(cmd.Context())
		s, err := m.Catalog(ctx)
		if err != nil {
			return nil, catalog.Target{}, err
		}
		c, err := s.FindClient(ctx, client)
		if err != nil {
			return nil, catalog.Target{}, err
		}
		t := catalog.Target{ClientID: c.ID, KPI: kpi, Value: value, Currency: currency}
		if shop != "" {
			sh, err := s.FindShop(ctx, c.ID, shop)
			if err != nil {
				return nil, t, err
			}
			t.ShopID = sh.ID
		}
		if t.Month, err = daiyun.ParseDate(month + "-01"); err != nil {
			return nil, t, daiyun.Errorf(daiyun.EINVALID, "--month %q is not YYYY-MM", month)
		}
		return s, t, nil
	}
	set := &cobra.Command{
		Use:   "set",
		Short: "Set a monthly target",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			s, t, err := resolve(cmd)
			if err != nil {
				return err
			}
			if err := metrics.CheckKPI(t.KPI); err != nil {
				return err
			}
			if err := s.SetTarget(system(cmd.Context()), t); err != nil {
				return err
			}
			return emit(cmd, format, t, targetRows([]catalog.Target{t}))
		},
	}
	for _, c := range []*cobra.Command{set} {
		c.Flags().StringVar(&client, "client", "", "client name or id")
		c.Flags().StringVar(&shop, "shop", "", "shop name or id (empty: the whole client)")
		c.Flags().StringVar(&kpi, "kpi", "", "KPI id from `daiyun metrics list`")
		c.Flags().StringVar(&month, "month", "", "month, YYYY-MM")
		c.Flags().Float64Var(&value, "value", 0, "target value in the KPI's unit (money in major units)")
		c.Flags().StringVar(&currency, "currency", "", "currency of a money target")
		c.MarkFlagRequired("client")
		c.MarkFlagRequired("kpi")
		c.MarkFlagRequired("month")
		addFormat(c, &format)
	}
	var lClient string
	list := &cobra.Command{
		Use:   "list",
		Short: "List targets",
		Args:  cobra.NoArgs,
		RunE: m.withCatalog(func(ctx context.Context, s *catalog.Store, cmd *cobra.Command, args []string) error {
			var id int64
			if lClient != "" {
				c, err := s.FindClient(ctx, lClient)
				if err != nil {
					return err
				}
				id = c.ID
			}
			ts, err := s.Targets(ctx, id)
			if err != nil {
				return err
			}
			ts = nonNil(ts)
			return emit(cmd, format, ts, targetRows(ts))
		}),
	}
	list.Flags().StringVar(&lClient, "client", "", "only this client's targets")
	addFormat(list, &format)
	cmd.AddCommand(set, list)
	return cmd
}

func targetRows(ts []catalog.Target) table {
	t := table{header: []string{"client_id", "shop_id", "kpi", "month", "value", "currency"}}
	for _, x := range ts {
		t.rows = append(t.rows, []string{strconv.FormatInt(x.ClientID, 10), strconv.FormatInt(x.ShopID, 10), x.KPI,
			x.Month.Format("2006-01"), strconv.FormatFloat(x.Value, 'f', -1, 64), x.Currency})
	}
	return t
}

func newBenchmarkCmd(m *Main) *cobra.Command {
	cmd := &cobra.Command{Use: "benchmark", Short: "The editable industry benchmark table per category and KPI (C4)"}
	var format string
	var b catalog.Benchmark
	list := &cobra.Command{
		Use:   "list",
		Short: "List the benchmark table with each figure's source",
		Args:  cobra.NoArgs,
		RunE: m.withCatalog(func(ctx context.Context, s *catalog.Store, cmd *cobra.Command, args []string) error {
			bs, err := s.Benchmarks(ctx)
			if err != nil {
				return err
			}
			t := table{header: []string{"category", "kpi", "value", "currency", "source", "edited"}}
			for _, x := range bs {
				t.rows = append(t.rows, []string{x.Category, x.KPI, strconv.FormatFloat(x.Value, 'f', -1, 64), x.Currency, x.Source, strconv.FormatBool(x.Edited)})
			}
			return emit(cmd, format, nonNil(bs), t)
		}),
	}
	addFormat(list, &format)
	set := &cobra.Command{
		Use:   "set",
		Short: "Set a benchmark value and its source",
		Args:  cobra.NoArgs,
		RunE: m.withCatalog(func(ctx context.Context, s *catalog.Store, cmd *cobra.Command, args []string) error {
			if err := metrics.CheckKPI(b.KPI); err != nil {
				return err
			}
			if err := s.SetBenchmark(ctx, b); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s %s = %g (%s)\n", b.Category, b.KPI, b.Value, b.Source)
			return nil
		}),
	}
	set.Flags().StringVar(&b.Category, "category", "", "category")
	set.Flags().StringVar(&b.KPI, "kpi", "", "KPI id")
	set.Flags().Float64Var(&b.Value, "value", 0, "benchmark value in the KPI's unit")
	set.Flags().StringVar(&b.Currency, "currency", "", "currency of a money benchmark")
	set.Flags().StringVar(&b.Source, "source", "", "where the figure comes from")
	for _, f := range []string{"category", "kpi", "value", "source"} {
		set.MarkFlagRequired(f)
	}
	cmd.AddCommand(list, set)
	return cmd
}

func newFXCmd(m *Main) *cobra.Command {
	cmd := &cobra.Command{Use: "fx", Short: "Dated exchange rates for multi-currency portfolio figures"}
	var format, day string
	var r catalog.FXRate
	set := &cobra.Command{
		Use:   "set",
		Short: "Record a rate: one --base is worth --rate --quote from --day on",
		Args:  cobra.NoArgs,
		RunE: m.withCatalog(func(ctx context.Context, s *catalog.Store, cmd *cobra.Command, args []string) error {
			var err error
			if r.Day, err = daiyun.ParseDate(day); err != nil {
				return daiyun.Errorf(daiyun.EINVALID, "--day %q is not YYYY-MM-DD", day)
			}
			if err := s.SetFXRate(ctx, r); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "1 %s = %s %s from %s\n", r.Base, r.Rate, r.Quote, r.Day)
			return nil
		}),
	}
	set.Flags().StringVar(&r.Base, "base", "", "currency converted from, e.g. USD")
	set.Flags().StringVar(&r.Quote, "quote", "CNY", "currency converted to")
	set.Flags().StringVar(&day, "day", "", "first day the rate applies, YYYY-MM-DD")
	set.Flags().StringVar(&r.Rate, "rate", "", "exact decimal rate, e.g. 7.1234")
	set.Flags().StringVar(&r.Source, "source", "", "where the rate comes from")
	for _, f := range []string{"base", "day", "rate"} {
		set.MarkFlagRequired(f)
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the rate table",
		Args:  cobra.NoArgs,
		RunE: m.withCatalog(func(ctx context.Context, s *catalog.Store, cmd *cobra.Command, args []string) error {
			rs, err := s.FXRates(ctx)
			if err != nil {
				return err
			}
			t := table{header: []string{"base", "quote", "day", "rate", "source"}}
			for _, x := range rs {
				t.rows = append(t.rows, []string{x.Base, x.Quote, x.Day.String(), x.Rate, x.Source})
			}
			return emit(cmd, format, nonNil(rs), t)
		}),
	}
	addFormat(list, &format)
	cmd.AddCommand(set, list)
	return cmd
}
