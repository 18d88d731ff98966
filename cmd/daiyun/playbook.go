package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/alerting"
	"github.com/daiyun/daiyun/catalog"
	"github.com/spf13/cobra"
)

// newPlaybookCmd is `daiyun playbook`: the emergency playbooks a level-3
// alert starts (PRODUCT.md E7/F9), their runs and the ticking of steps.
func newPlaybookCmd(m *Main) *cobra.Command {
	cmd := &cobra.Command{Use: "playbook", Short: "Emergency playbooks started by level-3 alerts, their runs and steps (E7)"}
	cmd.AddCommand(newPlaybookApplyCmd(m), newPlaybookExportCmd(m), newPlaybookListCmd(m), newPlaybookShowCmd(m),
		newPlaybookRunsCmd(m), newPlaybookDoneCmd(m))
	return cmd
}

// seededPlaybooks installs the shipped playbooks once, then lists them.
func seededPlaybooks(ctx context.Context, cat *catalog.Store) ([]alerting.Playbook, error) {
	if _, err := cat.SeedPlaybooks(ctx, alerting.DefaultPlaybooks()); err != nil {
		return nil, err
	}
	return cat.Playbooks(ctx)
}

func newPlaybookApplyCmd(m *Main) *cobra.Command {
	return &cobra.Command{
		Use:   "apply FILE",
		Short: "Load playbooks from a YAML file (upsert by name; a change raises the version; - reads stdin)",
		Args:  cobra.ExactArgs(1),
		RunE: m.withCatalog(func(ctx context.Context, cat *catalog.Store, cmd *cobra.Command, args []string) error {
			data, err := readFileOrStdin(args[0], cmd.InOrStdin())
			if err != nil {
				return err
			}
			ps, err := alerting.ParsePlaybooks(args[0], data)
			if err != nil {
				return err
			}
			if _, err := seededPlaybooks(ctx, cat); err != nil {
				return err
			}
			for i := range ps {
				if err := cat.PutPlaybook(ctx, &ps[i]); err != nil {
					return fmt.Errorf("%s: playbook %q: %w", args[0], ps[i].Name, err)
				}
				fmt.Fprintf(cmd.OutOrStdout(), "playbook %s v%d\n", ps[i].Name, ps[i].Version)
			}
			return nil
		}),
	}
}

func newPlaybookExportCmd(m *Main) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write every playbook as YAML (the form `playbook apply` reads)",
		Args:  cobra.NoArgs,
		RunE: m.withCatalog(func(ctx context.Context, cat *catalog.Store, cmd *cobra.Command, args []string) error {
			ps, err := seededPlaybooks(ctx, cat)
			if err != nil {
				return err
			}
			b, err := alerting.ExportPlaybooks(ps)
			if err != nil {
				return err
			}
			return writeOutput(cmd, output, b)
		}),
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to this file instead of stdout")
	return cmd
}

func newPlaybookListCmd(m *Main) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the playbooks",
		Args:  cobra.NoArgs,
		RunE: m.withCatalog(func(ctx context.Context, cat *catalog.Store, cmd *cobra.Command, args []string) error {
			ps, err := seededPlaybooks(ctx, cat)
			if err != nil {
				return err
			}
			t := table{header: []string{"name", "title", "version", "default", "steps"}}
			for _, p := range ps {
				t.rows = append(t.rows, []string{p.Name, p.Title, strconv.Itoa(p.Version), strconv.FormatBool(p.Default), strconv.Itoa(len(p.Steps))})
			}
			return emit(cmd, format, ps, t)
		}),
	}
	addFormat(cmd, &format)
	return cmd
}

func newPlaybookShowCmd(m *Main) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "show NAME",
		Short: "Show a playbook's steps",
		Args:  cobra.ExactArgs(1),
		RunE: m.withCatalog(func(ctx context.Context, cat *catalog.Store, cmd *cobra.Command, args []string) error {
			if _, err := seededPlaybooks(ctx, cat); err != nil {
				return err
			}
			p, err := cat.Playbook(ctx, args[0])
			if err != nil {
				return err
			}
			t := table{header: []string{"#", "title", "owner", "due", "instructions"}}
			for i, s := range p.Steps {
				t.rows = append(t.rows, []string{strconv.Itoa(i + 1), s.Title, s.Owner, s.Due.String(), s.Instructions})
			}
			return emit(cmd, format, p, t)
		}),
	}
	addFormat(cmd, &format)
	return cmd
}

func playbookRunRows(rs []alerting.PlaybookRun) table {
	t := table{header: []string{"run", "alert", "client_id", "playbook", "step_id", "#", "title", "owner", "assignee", "due", "done", "overdue"}}
	for _, r := range rs {
		for _, s := range r.Steps {
			done := ""
			if s.DoneAt != nil {
				done = s.DoneAt.Format("2006-01-02 15:04") + " " + s.DoneBy
			}
			t.rows = append(t.rows, []string{strconv.FormatInt(r.ID, 10), strconv.FormatInt(r.AlertID, 10), strconv.FormatInt(r.ClientID, 10),
				fmt.Sprintf("%s v%d", r.Playbook, r.Version), strconv.FormatInt(s.ID, 10), strconv.Itoa(s.Seq), s.Title, s.Owner, s.Assignee,
				s.DueAt.Format("2006-01-02 15:04"), done, strconv.FormatBool(s.Overdue)})
		}
	}
	return t
}

func newPlaybookRunsCmd(m *Main) *cobra.Command {
	var format, client string
	var open bool
	var alert int64
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "List playbook runs and their steps (tasks), overdue ones marked",
		Args:  cobra.NoArgs,
		RunE: m.withCatalog(func(ctx context.Context, cat *catalog.Store, cmd *cobra.Command, args []string) error {
			var rs []alerting.PlaybookRun
			if alert != 0 {
				r, err := cat.PlaybookRunForAlert(ctx, alert)
				if err != nil {
					return err
				}
				rs = []alerting.PlaybookRun{r}
			} else {
				f := catalog.RunFilter{Open: open}
				if client != "" {
					c, err := cat.FindClient(ctx, client)
					if err != nil {
						return err
					}
					f.ClientID = c.ID
				}
				var err error
				if rs, err = cat.PlaybookRuns(ctx, f); err != nil {
					return err
				}
			}
			return emit(cmd, format, rs, playbookRunRows(rs))
		}),
	}
	addFormat(cmd, &format)
	cmd.Flags().StringVar(&client, "client", "", "only this client (name or id)")
	cmd.Flags().BoolVar(&open, "open", false, "only runs with a step not done")
	cmd.Flags().Int64Var(&alert, "alert", 0, "the run of this alert")
	return cmd
}

func newPlaybookDoneCmd(m *Main) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "done STEP_ID",
		Short: "Tick a playbook step done (see `playbook runs` for step ids)",
		Args:  cobra.ExactArgs(1),
		RunE: m.withCatalog(func(ctx context.Context, cat *catalog.Store, cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil || id <= 0 {
				return daiyun.Errorf(daiyun.EINVALID, "step id %q is not a number", args[0])
			}
			s, err := cat.CompletePlaybookStep(ctx, id)
			if err != nil {
				return err
			}
			r, err := cat.PlaybookRun(ctx, s.RunID)
			if err != nil {
				return err
			}
			return emit(cmd, format, s, playbookRunRows([]alerting.PlaybookRun{r}))
		}),
	}
	addFormat(cmd, &format)
	return cmd
}
