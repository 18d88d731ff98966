package main

import (
	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/internal/bench"
	"github.com/spf13/cobra"
)

// newBenchAlertsCmd is `daiyun bench alerts`: the evaluation that runs
// after an import, timed on the data directory (issue 6: < 2 s for the
// default rules over 200 shops on the 5,000,000-line demo).
func newBenchAlertsCmd(m *Main, o *benchOptions) *cobra.Command {
	var asOf string
	var perRule bool
	cmd := &cobra.Command{
		Use:   "alerts",
		Short: "Evaluate the alert rules over every shop and sync the inbox, as after an import (target < 2 s)",
		Long: `Evaluates every enabled alert rule (the defaults are installed on first use)
over every shop at --as-of (default: the last day with orders) and syncs the
alert inbox, as the evaluation job does after an import. One untimed run
opens what fires; the --runs timed runs are re-evaluations, checked to
change nothing. --per-rule adds the time of each rule alone.

This WRITES alerts (and playbook runs) into the catalog of --data: run it
on a copy of the data directory you can throw away.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.check(m); err != nil {
				return err
			}
			ctx := system(cmd.Context())
			var day daiyun.Date
			if asOf != "" {
				d, err := daiyun.ParseDate(asOf)
				if err != nil {
					return err
				}
				day = d
			}
			rep := bench.NewReport("alerts", o.engine, m.dataName())
			_, svc, err := m.alerting(ctx)
			if err != nil {
				return err
			}
			db, err := m.rawDB(ctx)
			if err != nil {
				return err
			}
			b := &bench.Alerts{Engine: o.engine, DB: db, Service: svc, AsOf: day, Runs: o.runs, PerRule: perRule}
			if err := b.RunAlerts(ctx, rep); err != nil {
				return err
			}
			rep.Finish()
			return emit(cmd, o.format, rep, rep)
		},
	}
	cmd.Flags().StringVar(&asOf, "as-of", "", "evaluate at this day YYYY-MM-DD (default: the last day with orders)")
	cmd.Flags().BoolVar(&perRule, "per-rule", false, "also time each rule alone")
	return cmd
}
