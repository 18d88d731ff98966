package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/experiment"
	"github.com/daiyun/daiyun/catalog"
	"github.com/spf13/cobra"
)

// `daiyun experiment`: the experiment registry (PRODUCT.md D7). create,
// list, start and stop work on the catalog; show and conclude also read
// the warehouse, through the running server when one holds it.

func newExperimentCmd(m *Main) *cobra.Command {
	cmd := &cobra.Command{Use: "experiment", Short: "The experiment registry: A/B tests on warehouse events, guarded against stopping early (D7)"}
	cmd.AddCommand(newExperimentCreateCmd(m), newExperimentListCmd(m), newExperimentShowCmd(m),
		newExperimentLifecycleCmd(m, "start", "Start a draft experiment (its window opens today unless it has a start date)"),
		newExperimentLifecycleCmd(m, "stop", "Stop a running experiment without a decision (its window closes now)"),
		newExperimentConcludeCmd(m))
	return cmd
}

func newExperimentCreateCmd(m *Main) *cobra.Command {
	var format, client, shop, start, end, mdeKind string
	var arms []string
	var e experiment.Experiment
	cmd := &cobra.Command{
		Use:   "create --client C --shop S --name N --arm LABEL=VALUE --arm LABEL=VALUE --baseline P --mde D",
		Short: "Register a draft experiment with its plan (the first --arm is the control)",
		Long: `Register a draft experiment on a shop. Each --arm is LABEL=VALUE: the arm's visitors
are those whose exposure event carries VALUE in the --arm-column of the events table
(campaign by default). The plan sizes every arm with the two-proportion sample size
(as 'daiyun analyze abtest plan') at --alpha divided by the number of variants; --mde is
relative to --baseline (0.1 = +10%) unless --mde-kind absolute.`,
		Args: cobra.NoArgs,
		RunE: m.withCatalog(func(ctx context.Context, cat *catalog.Store, cmd *cobra.Command, args []string) error {
			c, err := cat.FindClient(ctx, client)
			if err != nil {
				return err
			}
			sh, err := cat.FindShop(ctx, c.ID, shop)
			if err != nil {
				return err
			}
			e.ShopID = sh.ID
			for _, a := range arms {
				label, value, ok := strings.Cut(a, "=")
				if !ok {
					return daiyun.Errorf(daiyun.EINVALID, "--arm %q: want LABEL=VALUE, e.g. B=detail-B", a)
				}
				e.Arms = append(e.Arms, experiment.Arm{Label: label, Value: value})
			}
			switch mdeKind {
			case "relative":
				e.Plan.MDERelative = true
			case "absolute":
			default:
				return daiyun.Errorf(daiyun.EINVALID, "--mde-kind %q: want relative or absolute", mdeKind)
			}
			if start != "" {
				if e.StartDate, err = daiyun.ParseDate(start); err != nil {
					return daiyun.Errorf(daiyun.EINVALID, "--start: %s", daiyun.ErrorMessage(err))
				}
			}
			if end != "" {
				if e.EndDate, err = daiyun.ParseDate(end); err != nil {
					return daiyun.Errorf(daiyun.EINVALID, "--end: %s", daiyun.ErrorMessage(err))
				}
			}
			if err := cat.CreateExperiment(ctx, &e); err != nil {
				return err
			}
			return emit(cmd, format, e, experimentRows([]experiment.Experiment{e}))
		}),
	}
	addFormat(cmd, &format)
	fl := cmd.Flags()
	fl.StringVar(&client, "client", "", "client (name or id, required)")
	fl.StringVar(&shop, "shop", "", "shop of the client (name or id, required)")
	fl.StringVar(&e.Name, "name", "", "experiment name, unique within the client (required)")
	fl.StringVar(&e.Hypothesis, "hypothesis", "", "what the variant is expected to change")
	fl.StringVar(&e.ArmColumn, "arm-column", experiment.DefaultArmColumn, "events column that tells arms apart: "+strings.Join(experiment.ArmColumns, ", "))
	fl.StringArrayVar(&arms, "arm", nil, "LABEL=VALUE, repeatable; the first is the control (at least two)")
	fl.StringVar(&e.ExposureEvent, "exposure", "product_view", "event that puts a visitor in an arm")
	fl.StringVar(&e.ConversionEvent, "conversion", "pay", "event that counts as a conversion at or after the first exposure")
	fl.StringVar(&start, "start", "", "first day, YYYY-MM-DD in the shop's timezone (default: the day it is started)")
	fl.StringVar(&end, "end", "", "last day, YYYY-MM-DD inclusive (default: open until stopped)")
	fl.Float64Var(&e.Plan.Baseline, "baseline", 0, "expected control conversion rate, in (0, 1) (required)")
	fl.Float64Var(&e.Plan.MDE, "mde", 0, "minimum detectable effect (required); see --mde-kind")
	fl.StringVar(&mdeKind, "mde-kind", "relative", "relative (a fraction of --baseline: 0.1 = +10%) or absolute (a difference of rates)")
	fl.Float64Var(&e.Plan.Alpha, "alpha", 0.05, "two-sided significance level (divided among the variants)")
	fl.Float64Var(&e.Plan.Power, "power", 0.8, "power 1 − β")
	for _, f := range []string{"client", "shop", "name", "baseline", "mde"} {
		cmd.MarkFlagRequired(f)
	}
	return cmd
}

func newExperimentListCmd(m *Main) *cobra.Command {
	var format, client, status string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List experiments, newest first",
		Args:  cobra.NoArgs,
		RunE: m.withCatalog(func(ctx context.Context, cat *catalog.Store, cmd *cobra.Command, args []string) error {
			f := catalog.ExperimentFilter{Status: experiment.Status(status)}
			if client != "" {
				c, err := cat.FindClient(ctx, client)
				if err != nil {
					return err
				}
				f.ClientID = c.ID
			}
			es, err := cat.Experiments(ctx, f)
			if err != nil {
				return err
			}
			if es == nil {
				es = []experiment.Experiment{}
			}
			return emit(cmd, format, es, experimentRows(es))
		}),
	}
	addFormat(cmd, &format)
	cmd.Flags().StringVar(&client, "client", "", "only this client (name or id)")
	cmd.Flags().StringVar(&status, "status", "", "only this status: draft, running, stopped or concluded")
	return cmd
}

func experimentRows(es []experiment.Experiment) table {
	t := table{header: []string{"id", "client", "shop", "name", "status", "start", "end", "arms", "planned_per_arm", "decision", "forced"}}
	for _, e := range es {
		labels := make([]string, len(e.Arms))
		for i, a := range e.Arms {
			labels[i] = a.Label + "=" + a.Value
		}
		decision, forced := "", ""
		if d := e.Decision; d != nil {
			decision, forced = d.Winner, strconv.FormatBool(d.Forced)
		}
		t.rows = append(t.rows, []string{strconv.FormatInt(e.ID, 10), e.ClientName, e.ShopName, e.Name, string(e.Status),
			e.StartDate.String(), e.EndDate.String(), strings.Join(labels, " "), strconv.FormatInt(e.Plan.PerArm, 10), decision, forced})
	}
	return t
}

// findExperiment resolves the ID|NAME argument, within --client if given.
func findExperiment(ctx context.Context, cat *catalog.Store, client, arg string) (experiment.Experiment, error) {
	var clientID int64
	if client != "" {
		c, err := cat.FindClient(ctx, client)
		if err != nil {
			return experiment.Experiment{}, err
		}
		clientID = c.ID
	}
	return cat.FindExperiment(ctx, clientID, arg)
}

func newExperimentLifecycleCmd(m *Main, action, short string) *cobra.Command {
	var format, client string
	cmd := &cobra.Command{
		Use:   action + " ID|NAME",
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: m.withCatalog(func(ctx context.Context, cat *catalog.Store, cmd *cobra.Command, args []string) error {
			e, err := findExperiment(ctx, cat, client, args[0])
			if err != nil {
				return err
			}
			if action == "start" {
				e, err = cat.StartExperiment(ctx, e.ID)
			} else {
				e, err = cat.StopExperiment(ctx, e.ID)
			}
			if err != nil {
				return err
			}
			return emit(cmd, format, e, experimentRows([]experiment.Experiment{e}))
		}),
	}
	addFormat(cmd, &format)
	cmd.Flags().StringVar(&client, "client", "", "the client of a NAME (name or id)")
	return cmd
}

func newExperimentShowCmd(m *Main) *cobra.Command {
	var format, client string
	cmd := &cobra.Command{
		Use:   "show ID|NAME",
		Short: "An experiment with its result on the warehouse events so far and its verdict",
		Long: `Show an experiment with, per arm, the persons exposed and converted, the rate and
its Wilson interval, the progress toward the planned sample, the tests of every
variant against the control (z, p, interval of the difference, lift) and the verdict.
The verdict is "insufficient sample — N of M per arm, no winner can be declared"
until every arm has reached the planned sample.`,
		Args: cobra.ExactArgs(1),
		RunE: m.withCatalog(func(ctx context.Context, cat *catalog.Store, cmd *cobra.Command, args []string) error {
			e, err := findExperiment(ctx, cat, client, args[0])
			if err != nil {
				return err
			}
			var rep *experiment.Report
			if r, ok := m.runningServer(); ok {
				rep = &experiment.Report{}
				err = r.do("GET", fmt.Sprintf("/api/v1/experiments/%d", e.ID), "", nil, rep)
			} else {
				var svc *experiment.Service
				if svc, err = m.experiments(ctx, cat); err == nil {
					rep, err = svc.Report(ctx, e.ID)
				}
			}
			if err != nil {
				return err
			}
			return emit(cmd, format, rep, reportRows(rep))
		}),
	}
	addFormat(cmd, &format)
	cmd.Flags().StringVar(&client, "client", "", "the client of a NAME (name or id)")
	return cmd
}

func newExperimentConcludeCmd(m *Main) *cobra.Command {
	var format, client string
	var c experiment.Conclusion
	cmd := &cobra.Command{
		Use:   "conclude ID|NAME --winner LABEL|none [--note TEXT] [--force]",
		Short: "Record the decision; refused before the planned sample unless --force, which is recorded",
		Args:  cobra.ExactArgs(1),
		RunE: m.withCatalog(func(ctx context.Context, cat *catalog.Store, cmd *cobra.Command, args []string) error {
			e, err := findExperiment(ctx, cat, client, args[0])
			if err != nil {
				return err
			}
			var rep *experiment.Report
			if r, ok := m.runningServer(); ok {
				body, _ := json.Marshal(c)
				rep = &experiment.Report{}
				err = r.do("POST", fmt.Sprintf("/api/v1/experiments/%d/conclude", e.ID), "application/json", bytes.NewReader(body), rep)
			} else {
				var svc *experiment.Service
				if svc, err = m.experiments(ctx, cat); err == nil {
					rep, err = svc.Conclude(ctx, e.ID, c)
				}
			}
			if err != nil {
				return err
			}
			return emit(cmd, format, rep, reportRows(rep))
		}),
	}
	addFormat(cmd, &format)
	cmd.Flags().StringVar(&client, "client", "", "the client of a NAME (name or id)")
	cmd.Flags().StringVar(&c.Winner, "winner", "", `label of the winning arm, or "none" (required)`)
	cmd.Flags().StringVar(&c.Note, "note", "", "why")
	cmd.Flags().BoolVar(&c.Force, "force", false, "override the guard: record the decision before the planned sample (recorded as stopped early)")
	cmd.MarkFlagRequired("winner")
	return cmd
}

// experiments builds the registry's service over the catalog and the
// warehouse opened by this process.
func (m *Main) experiments(ctx context.Context, cat *catalog.Store) (*experiment.Service, error) {
	wh, err := m.Warehouse(ctx)
	if err != nil {
		return nil, err
	}
	return &experiment.Service{Store: cat, Warehouse: wh}, nil
}

// reportRows is the table form of a report: one row per arm, with the
// variant's test against the control and the verdict.
func reportRows(rep *experiment.Report) table {
	t := table{header: []string{"arm", "value", "exposed", "converted", "rate", "ci_low", "ci_high", "planned_per_arm", "progress",
		"diff", "diff_ci_low", "diff_ci_high", "lift", "z", "p_value", "verdict"}}
	f := func(v *float64) string {
		if v == nil {
			return ""
		}
		return strconv.FormatFloat(*v, 'g', 6, 64)
	}
	for i, a := range rep.Result.Arms {
		row := []string{a.Label, a.Value, strconv.FormatInt(a.Exposed, 10), strconv.FormatInt(a.Converted, 10), f(a.Rate), f(a.WilsonLow), f(a.WilsonHigh),
			strconv.FormatInt(rep.Experiment.Plan.PerArm, 10), strconv.FormatFloat(a.Progress, 'f', 3, 64)}
		if test := rep.Result.Test; i > 0 && test != nil && i-1 < len(test.Comparisons) {
			c := test.Comparisons[i-1]
			row = append(row, f(&c.Diff), f(&c.CILow), f(&c.CIHigh), f(c.Lift), f(c.Z), f(c.PValue))
		} else {
			row = append(row, "", "", "", "", "", "")
		}
		t.rows = append(t.rows, append(row, rep.Result.Verdict.Text))
	}
	return t
}
