package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/alerting"
	"github.com/daiyun/daiyun/alerting/jobs"
	"github.com/daiyun/daiyun/alerting/notify"
	"github.com/daiyun/daiyun/catalog"
	"github.com/spf13/cobra"
)

// alertStores opens the catalog and warehouse and builds the alerting
// service; the default rules are installed on first use.
func (m *Main) alerting(ctx context.Context) (*catalog.Store, *alerting.Service, error) {
	cat, err := m.Catalog(ctx)
	if err != nil {
		return nil, nil, err
	}
	wh, err := m.Warehouse(ctx)
	if err != nil {
		return nil, nil, err
	}
	if _, err := cat.SeedAlertRules(system(ctx), alerting.Defaults()); err != nil {
		return nil, nil, err
	}
	if _, err := cat.SeedPlaybooks(system(ctx), alerting.DefaultPlaybooks()); err != nil {
		return nil, nil, err
	}
	ev := &alerting.Evaluator{Metrics: newMetrics(cat, wh), Warehouse: wh, Contracts: cat}
	return cat, &alerting.Service{Store: cat, Evaluator: ev}, nil
}

func newAlertsCmd(m *Main) *cobra.Command {
	cmd := &cobra.Command{Use: "alerts", Short: "Alert rules, evaluation and the alert inbox (E1–E6)"}
	cmd.AddCommand(newAlertsApplyCmd(m), newAlertsExportCmd(m), newAlertsRulesCmd(m), newAlertsEvaluateCmd(m),
		newAlertsListCmd(m), newAlertsShowCmd(m), newAlertsAckCmd(m), newAlertsResolveCmd(m), newAlertsCommentCmd(m),
		newAlertsNotifyCmd(m), newAlertsChannelCmd(m))
	return cmd
}

func newAlertsApplyCmd(m *Main) *cobra.Command {
	return &cobra.Command{
		Use:   "apply FILE",
		Short: "Load rules from a YAML file (insert or replace by rule name)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := system(cmd.Context())
			data, err := readFileOrStdin(args[0], cmd.InOrStdin())
			if err != nil {
				return err
			}
			rules, err := alerting.ParseYAML(args[0], data)
			if err != nil {
				return err
			}
			cat, err := m.Catalog(ctx)
			if err != nil {
				return err
			}
			if _, err := cat.SeedAlertRules(ctx, alerting.Defaults()); err != nil {
				return err
			}
			for i := range rules {
				if err := cat.PutAlertRule(ctx, &rules[i]); err != nil {
					return fmt.Errorf("%s: rule %q: %w", args[0], rules[i].Name, err)
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d rules applied\n", len(rules))
			return nil
		},
	}
}

func readFileOrStdin(path string, stdin io.Reader) ([]byte, error) {
	if path == "-" {
		return io.ReadAll(stdin)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, daiyun.Errorf(daiyun.EINVALID, "cannot read %s: %v", path, err)
	}
	return b, nil
}

func newAlertsExportCmd(m *Main) *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write every rule as YAML (the form `alerts apply` reads)",
		Args:  cobra.NoArgs,
		RunE: m.withCatalog(func(ctx context.Context, cat *catalog.Store, cmd *cobra.Command, args []string) error {
			rules, err := seededRules(ctx, cat)
			if err != nil {
				return err
			}
			b, err := alerting.ExportYAML(rules)
			if err != nil {
				return err
			}
			return writeOutput(cmd, output, b)
		}),
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to this file instead of stdout")
	return cmd
}

func newAlertsRulesCmd(m *Main) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "List the alert rules",
		Args:  cobra.NoArgs,
		RunE: m.withCatalog(func(ctx context.Context, cat *catalog.Store, cmd *cobra.Command, args []string) error {
			rules, err := seededRules(ctx, cat)
			if err != nil {
				return err
			}
			t := table{header: []string{"id", "name", "severity", "kpi", "condition", "scope", "grain", "periods", "enabled"}}
			for _, r := range rules {
				what := r.KPI
				if what == "" {
					what = r.Condition.Detector
				}
				t.rows = append(t.rows, []string{strconv.FormatInt(r.ID, 10), r.Name, r.Severity(), what,
					fmt.Sprintf("%s %s %g", r.Condition.Kind, r.Condition.Op, r.Condition.Value), r.Scope.Kind + "/" + r.Scope.Each,
					r.Grain, strconv.Itoa(r.Periods), strconv.FormatBool(r.Enabled)})
			}
			return emit(cmd, format, nonNilRules(rules), t)
		}),
	}
	addFormat(cmd, &format)
	return cmd
}

func nonNilRules(r []alerting.Rule) []alerting.Rule {
	if r == nil {
		return []alerting.Rule{}
	}
	return r
}

// evaluateOutput is what `alerts evaluate --format json` prints.
type evaluateOutput struct {
	AsOf    daiyun.Date           `json:"as_of"`
	Days    int                   `json:"days,omitempty"`
	Firing  []alerting.Firing     `json:"firing"`
	Counts  map[string]int        `json:"fired_per_rule,omitempty"`
	Sync    *alerting.SyncResult  `json:"sync,omitempty"`
	Errors  []alerting.RuleError  `json:"errors,omitempty"`
	Cleared []alerting.Key        `json:"cleared,omitempty"`
	Colours map[string]string     `json:"budget_colours,omitempty"`
	Notify  *notify.DispatchStats `json:"notifications,omitempty"`
}

func newAlertsEvaluateCmd(m *Main) *cobra.Command {
	var format, asOf, rulesFile string
	var days int
	var dryRun bool
	cmd := &cobra.Command{
		Use:   "evaluate",
		Short: "Evaluate the rules at a day and update the alert inbox (or back-test with --days)",
		Long: `Evaluates every enabled rule at --as-of (default: yesterday) and records the outcome: a
firing opens or updates the one open alert of its rule and scope, a cleared condition
resolves it. Evaluating twice on the same data changes nothing.

With --days N it replays the N days ending at --as-of without touching the inbox and
prints every alert that would have opened ("this rule would have fired 4 times").
--rules FILE evaluates the rules of a YAML file instead of the stored ones (back-test a
new rule before applying it).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := system(cmd.Context())
			cat, svc, err := m.alerting(ctx)
			if err != nil {
				return err
			}
			day := daiyun.Date{Time: time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)}
			if asOf != "" {
				if day, err = daiyun.ParseDate(asOf); err != nil {
					return err
				}
			}
			rules, err := cat.AlertRules(ctx)
			if err != nil {
				return err
			}
			if rulesFile != "" {
				data, err := readFileOrStdin(rulesFile, cmd.InOrStdin())
				if err != nil {
					return err
				}
				if rules, err = alerting.ParseYAML(rulesFile, data); err != nil {
					return err
				}
				dryRun = true
			}
			out := evaluateOutput{AsOf: day}
			if days > 0 {
				if days > 400 {
					return daiyun.Errorf(daiyun.EINVALID, "--days %d is over 400", days)
				}
				fired, errs, err := svc.Evaluator.Backtest(ctx, rules, day, days)
				if err != nil {
					return err
				}
				out.Days, out.Firing, out.Errors, out.Counts = days, fired, errs, map[string]int{}
				for _, f := range fired {
					out.Counts[f.Rule]++
				}
			} else {
				o, err := svc.Evaluator.Evaluate(ctx, rules, day)
				if err != nil {
					return err
				}
				out.Firing, out.Errors, out.Cleared = o.Firing, o.Errors, o.Cleared
				out.Colours = alerting.BudgetColours(o.Firing, nil)
				if !dryRun {
					res, err := cat.SyncAlerts(ctx, o, rules)
					if err != nil {
						return err
					}
					out.Sync = &res
				}
			}
			if out.Firing == nil {
				out.Firing = []alerting.Firing{}
			}
			t := table{header: []string{"as_of", "rule", "scope", "severity", "value", "op", "threshold", "periods"}}
			for _, f := range out.Firing {
				sev := f.Colour
				if sev == "" {
					sev = "L" + strconv.Itoa(f.Level)
				}
				scope := f.Scope
				t.rows = append(t.rows, []string{f.AsOf.String(), f.Rule, scope, sev, fmt.Sprintf("%.6g", f.Value), f.Op, fmt.Sprintf("%.6g", f.Thresh), strconv.Itoa(f.Periods)})
			}
			if err := emit(cmd, format, out, t); err != nil {
				return err
			}
			if format != "json" {
				w := cmd.ErrOrStderr()
				if days > 0 {
					names := make([]string, 0, len(out.Counts))
					for n := range out.Counts {
						names = append(names, n)
					}
					sort.Strings(names)
					for _, n := range names {
						fmt.Fprintf(w, "rule %s would have fired %d times in %d days\n", n, out.Counts[n], days)
					}
				}
				for _, e := range out.Errors {
					fmt.Fprintf(w, "rule %s not evaluated: %s\n", e.Rule, e.Error)
				}
				if out.Sync != nil {
					fmt.Fprintf(w, "%d alerts opened, %d updated, %d resolved\n", out.Sync.Opened, out.Sync.Updated, out.Sync.Resolved)
				}
			}
			return nil
		},
	}
	addFormat(cmd, &format)
	cmd.Flags().StringVar(&asOf, "as-of", "", "evaluate at this day YYYY-MM-DD (default: yesterday)")
	cmd.Flags().IntVar(&days, "days", 0, "back-test: replay this many days ending at --as-of (the inbox is not changed)")
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "print what fires without changing the inbox")
	cmd.Flags().StringVar(&rulesFile, "rules", "", "evaluate the rules of this YAML file instead of the stored ones (implies --dry-run)")
	return cmd
}

func alertRows(as []alerting.Alert) table {
	t := table{header: []string{"id", "state", "severity", "rule", "client_id", "scope", "value", "threshold", "last_seen", "recurrence"}}
	for _, a := range as {
		t.rows = append(t.rows, []string{strconv.FormatInt(a.ID, 10), a.State, a.Severity(), a.Rule, strconv.FormatInt(a.ClientID, 10),
			a.Scope, fmt.Sprintf("%.6g", a.Value), fmt.Sprintf("%.6g", a.Thresh), a.LastSeen.String(), strconv.Itoa(a.Recurrence)})
	}
	return t
}

func newAlertsListCmd(m *Main) *cobra.Command {
	var format, state, colour, client string
	var level int
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List alerts (the inbox)",
		Args:  cobra.NoArgs,
		RunE: m.withCatalog(func(ctx context.Context, cat *catalog.Store, cmd *cobra.Command, args []string) error {
			f := catalog.AlertFilter{State: state, Level: level, Colour: colour}
			if client != "" {
				c, err := cat.FindClient(ctx, client)
				if err != nil {
					return err
				}
				f.ClientID = c.ID
			}
			as, err := cat.Alerts(ctx, f)
			if err != nil {
				return err
			}
			if as == nil {
				as = []alerting.Alert{}
			}
			return emit(cmd, format, as, alertRows(as))
		}),
	}
	addFormat(cmd, &format)
	cmd.Flags().StringVar(&state, "state", "open", "open (open and acknowledged), acknowledged, resolved, or empty for all")
	cmd.Flags().IntVar(&level, "level", 0, "only this level (1–3)")
	cmd.Flags().StringVar(&colour, "colour", "", "only this budget colour (red, yellow)")
	cmd.Flags().StringVar(&client, "client", "", "only this client (name or id)")
	return cmd
}

func alertID(s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(s, "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, daiyun.Errorf(daiyun.EINVALID, "alert id %q is not a number", s)
	}
	return id, nil
}

func newAlertsShowCmd(m *Main) *cobra.Command {
	return &cobra.Command{
		Use:   "show ID",
		Short: "Show an alert with its comments and delivery log (JSON)",
		Args:  cobra.ExactArgs(1),
		RunE: m.withCatalog(func(ctx context.Context, cat *catalog.Store, cmd *cobra.Command, args []string) error {
			id, err := alertID(args[0])
			if err != nil {
				return err
			}
			a, err := cat.Alert(ctx, id)
			if err != nil {
				return err
			}
			cs, err := cat.AlertComments(ctx, id)
			if err != nil {
				return err
			}
			ds, err := cat.AlertDeliveries(ctx, id)
			if err != nil {
				return err
			}
			return emit(cmd, "json", map[string]any{"alert": a, "comments": cs, "deliveries": ds}, nil)
		}),
	}
}

func newAlertsAckCmd(m *Main) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "ack ID",
		Short: "Acknowledge an open alert (stops its escalation)",
		Args:  cobra.ExactArgs(1),
		RunE: m.withCatalog(func(ctx context.Context, cat *catalog.Store, cmd *cobra.Command, args []string) error {
			id, err := alertID(args[0])
			if err != nil {
				return err
			}
			a, err := cat.AckAlert(ctx, id)
			if err != nil {
				return err
			}
			return emit(cmd, format, a, alertRows([]alerting.Alert{a}))
		}),
	}
	addFormat(cmd, &format)
	return cmd
}

func newAlertsResolveCmd(m *Main) *cobra.Command {
	var format, cause, actions, preventable string
	cmd := &cobra.Command{
		Use:   "resolve ID",
		Short: "Resolve an alert with its post-mortem (cause, actions, preventable)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := system(cmd.Context())
			id, err := alertID(args[0])
			if err != nil {
				return err
			}
			pm := alerting.PostMortem{Cause: cause, Actions: actions}
			switch preventable {
			case "":
			case "yes", "true":
				v := true
				pm.Preventable = &v
			case "no", "false":
				v := false
				pm.Preventable = &v
			default:
				return daiyun.Errorf(daiyun.EINVALID, "--preventable %q is not yes or no", preventable)
			}
			cat, err := m.Catalog(ctx)
			if err != nil {
				return err
			}
			a, err := cat.ResolveAlert(ctx, id, pm)
			if err != nil {
				return err
			}
			return emit(cmd, format, a, alertRows([]alerting.Alert{a}))
		},
	}
	addFormat(cmd, &format)
	cmd.Flags().StringVar(&cause, "cause", "", "what caused it (required for level 3)")
	cmd.Flags().StringVar(&actions, "actions", "", "what was done")
	cmd.Flags().StringVar(&preventable, "preventable", "", "could it have been prevented: yes or no")
	return cmd
}

func newAlertsCommentCmd(m *Main) *cobra.Command {
	var body string
	cmd := &cobra.Command{
		Use:   "comment ID",
		Short: "Add a comment to an alert",
		Args:  cobra.ExactArgs(1),
		RunE: m.withCatalog(func(ctx context.Context, cat *catalog.Store, cmd *cobra.Command, args []string) error {
			id, err := alertID(args[0])
			if err != nil {
				return err
			}
			c, err := cat.CommentAlert(ctx, id, body)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "comment %d added to alert %d\n", c.ID, id)
			return nil
		}),
	}
	cmd.Flags().StringVar(&body, "body", "", "the comment")
	return cmd
}

// dispatcher builds the notifier from the environment: DAIYUN_SMTP_ADDR
// (host:port), DAIYUN_SMTP_FROM, DAIYUN_SMTP_USER, DAIYUN_SMTP_PASSWORD;
// links use the configured base URL.
func (m *Main) dispatcher(cat *catalog.Store) *notify.Dispatcher {
	get := m.Getenv
	if get == nil {
		get = os.Getenv
	}
	base := m.Config.BaseURL
	if base == "" {
		base = "http://" + m.Config.Addr
	}
	return &notify.Dispatcher{Store: cat, BaseURL: base, Logger: m.Logger,
		SMTP: notify.SMTP{Addr: get("DAIYUN_SMTP_ADDR"), From: get("DAIYUN_SMTP_FROM"), Username: get("DAIYUN_SMTP_USER"), Password: get("DAIYUN_SMTP_PASSWORD")}}
}

func newAlertsNotifyCmd(m *Main) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "notify",
		Short: "Send pending alert notifications, escalate overdue alerts and send the daily digest once",
		Long: `Sends what the alert outbox holds: e-mail (DAIYUN_SMTP_ADDR, DAIYUN_SMTP_FROM,
DAIYUN_SMTP_USER, DAIYUN_SMTP_PASSWORD) and the webhook channels (` + "`daiyun alerts channel-add`" + `),
escalates unacknowledged level-2/3 alerts past their deadline and, from 01:00 UTC,
sends each user the daily digest. Safe to run again: a message already sent for an
alert transition is not sent twice.`,
		Args: cobra.NoArgs,
		RunE: m.withCatalog(func(ctx context.Context, cat *catalog.Store, cmd *cobra.Command, args []string) error {
			st, err := m.dispatcher(cat).Run(ctx)
			if err != nil {
				return err
			}
			return emit(cmd, format, st, table{[]string{"escalated", "events", "sent", "skipped", "failed", "digests"},
				[][]string{{strconv.Itoa(st.Escalated), strconv.Itoa(st.Events), strconv.Itoa(st.Sent), strconv.Itoa(st.Skipped), strconv.Itoa(st.Failed), strconv.Itoa(st.Digests)}}})
		}),
	}
	addFormat(cmd, &format)
	return cmd
}

func newAlertsChannelCmd(m *Main) *cobra.Command {
	var client string
	var ch alerting.Channel
	cmd := &cobra.Command{
		Use:   "channel-add",
		Short: "Add a webhook channel: webhook (generic JSON), wecom, dingtalk, feishu or slack",
		Args:  cobra.NoArgs,
		RunE: m.withCatalog(func(ctx context.Context, cat *catalog.Store, cmd *cobra.Command, args []string) error {
			if client != "" {
				c, err := cat.FindClient(ctx, client)
				if err != nil {
					return err
				}
				ch.ClientID = c.ID
			}
			if err := cat.PutAlertChannel(ctx, &ch); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "channel %d (%s) added\n", ch.ID, ch.Name)
			return nil
		}),
	}
	cmd.Flags().StringVar(&client, "client", "", "the client whose alerts go there (default: every alert of the agency)")
	cmd.Flags().StringVar(&ch.Name, "name", "", "a unique name")
	cmd.Flags().StringVar(&ch.Kind, "kind", "webhook", "webhook, wecom, dingtalk, feishu or slack")
	cmd.Flags().StringVar(&ch.URL, "url", "", "the webhook or robot URL")
	cmd.Flags().StringVar(&ch.Secret, "secret", "", "DingTalk signing secret (加签)")
	cmd.Flags().IntVar(&ch.MinLevel, "min-level", 1, "only alerts of this level or higher (budget colours always)")
	cmd.Flags().StringVar(&ch.Lang, "lang", "zh-CN", "message language: zh-CN or en")
	return cmd
}

// StartAlertJobs starts the durable alert jobs on the catalog database
// (River: riversqlite on the embedded catalog, riverpgxv5 on PostgreSQL):
// every hour, and once at start, the rules are evaluated at yesterday and
// the notifications sent; Queue.Enqueue(day) asks for an evaluation after
// an import. `daiyun serve` starts it; stop it with Queue.Stop.
func (m *Main) StartAlertJobs(ctx context.Context) (*jobs.Queue, error) {
	cat, err := m.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	run := func(ctx context.Context, day daiyun.Date) error { return m.alertOnce(ctx, day) }
	if cat.Dialect() == catalog.Postgres {
		return jobs.StartPostgres(ctx, m.Config.CatalogURL, run, time.Hour, m.Logger)
	}
	return jobs.StartSQLite(ctx, cat.DB(), run, time.Hour, m.Logger)
}

// alertOnce evaluates at day and dispatches.
func (m *Main) alertOnce(ctx context.Context, day daiyun.Date) error {
	ctx = system(ctx)
	cat, svc, err := m.alerting(ctx)
	if err != nil {
		return err
	}
	if _, _, err := svc.Evaluate(ctx, day); err != nil {
		return err
	}
	_, err = m.dispatcher(cat).Run(ctx)
	return err
}

// seededRules installs the default rules once, then lists every rule.
func seededRules(ctx context.Context, cat *catalog.Store) ([]alerting.Rule, error) {
	if _, err := cat.SeedAlertRules(ctx, alerting.Defaults()); err != nil {
		return nil, err
	}
	return cat.AlertRules(ctx)
}
