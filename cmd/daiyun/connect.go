package main

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
	"github.com/daiyun/daiyun/ingest/connectors"
	"github.com/daiyun/daiyun/ingest/connectors/schedule"
	"github.com/daiyun/daiyun/ingest/connectors/shopify"
	"github.com/daiyun/daiyun/ingest/connectors/taobao"
	"github.com/spf13/cobra"
)

// ConnectorRunner builds the sync runner over the stores with every
// connector Daiyun has.
func (m *Main) ConnectorRunner(ctx context.Context) (*connectors.Runner, error) {
	cat, err := m.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	wh, err := m.Warehouse(ctx)
	if err != nil {
		return nil, err
	}
	env := connectors.Env{}
	return connectors.NewRunner(cat, wh, m.Logger, shopify.New(env), taobao.New(env)), nil
}

// StartConnectorJobs starts the connectors' durable schedule on the catalog
// database (River: riversqlite on the embedded catalog, riverpgxv5 on
// PostgreSQL, queue "connectors"): every minute each enabled connection
// whose interval has passed gets a sync job. `daiyun serve` starts it; stop
// it with Queue.Stop. (connectors.RunScheduler is the same schedule as a
// plain in-process loop, without River.)
func (m *Main) StartConnectorJobs(ctx context.Context) (*schedule.Queue, error) {
	r, err := m.ConnectorRunner(ctx)
	if err != nil {
		return nil, err
	}
	opt := schedule.Options{Logger: m.Logger}
	if r.Catalog.Dialect() == catalog.Postgres {
		return schedule.StartPostgres(ctx, m.Config.CatalogURL, r, opt)
	}
	return schedule.StartSQLite(ctx, r.Catalog.DB(), r, opt)
}

func connectionRows(cs []catalog.Connection) table {
	t := table{header: []string{"id", "client_id", "shop_id", "kind", "enabled", "interval", "credentials", "last_run_at", "last_status", "last_error"}}
	for _, c := range cs {
		last := ""
		if c.LastRunAt != nil {
			last = c.LastRunAt.Format(time.RFC3339)
		}
		t.rows = append(t.rows, []string{strconv.FormatInt(c.ID, 10), strconv.FormatInt(c.ClientID, 10), strconv.FormatInt(c.ShopID, 10),
			c.Kind, strconv.FormatBool(c.Enabled), c.Interval.String(), credentialsCell(c), last, c.LastStatus, c.LastError})
	}
	return t
}

// credentialsCell lists a connection's credential names with a fingerprint
// of each value ("access_token=sha256:1a2b3c4d"), never the values.
func credentialsCell(c catalog.Connection) string {
	fps := c.CredentialFingerprints()
	names := make([]string, 0, len(fps))
	for k := range fps {
		names = append(names, k)
	}
	sort.Strings(names)
	for i, k := range names {
		names[i] = k + "=" + fps[k]
	}
	return strings.Join(names, " ")
}

func runRows(rs []catalog.ConnectionRun) table {
	t := table{header: []string{"run", "connection", "origin", "started_at", "status", "pages", "inserted", "updated", "unchanged", "retries", "error"}}
	for _, r := range rs {
		t.rows = append(t.rows, []string{strconv.FormatInt(r.ID, 10), strconv.FormatInt(r.ConnectionID, 10), r.Origin,
			r.StartedAt.Format(time.RFC3339), r.Status, strconv.Itoa(r.Pages), strconv.FormatInt(r.Inserted, 10),
			strconv.FormatInt(r.Updated, 10), strconv.FormatInt(r.Unchanged, 10), strconv.Itoa(r.Retries), r.Error})
	}
	return t
}

func parseID(what, s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, daiyun.Errorf(daiyun.EINVALID, "%s id %q is not a number", what, s)
	}
	return id, nil
}

func newConnectCmd(m *Main) *cobra.Command {
	cmd := &cobra.Command{Use: "connect", Short: "Connect shops to platform APIs (Shopify, Taobao/Tmall) and manage the connections"}
	var format string

	var client, shop, kind, baseURL string
	var interval time.Duration
	var creds []string
	add := &cobra.Command{
		Use:   "add",
		Short: "Connect a shop to its platform's API",
		Long: `Connects a shop to its platform's API. Credentials are given as --cred key=value
(repeatable) and stored in the catalog encrypted (AES-256-GCM) under the secret key
(secret_key / DAIYUN_SECRET_KEY, else DATA/secret.key); they are never printed, only a
fingerprint of each (see docs/operations.md for backing up and rotating the key).

  shopify: --cred shop=acme.myshopify.com --cred access_token=shpat_… --cred api_secret=…
  taobao:  --cred app_key=… --cred app_secret=… --cred session=… [--cred sign_method=hmac-sha256]`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := system(cmd.Context())
			s, err := m.Catalog(ctx)
			if err != nil {
				return err
			}
			c, err := s.FindClient(ctx, client)
			if err != nil {
				return err
			}
			sh, err := s.FindShop(ctx, c.ID, shop)
			if err != nil {
				return err
			}
			conn := catalog.Connection{ClientID: c.ID, ShopID: sh.ID, Kind: kind, BaseURL: baseURL, Interval: interval, Credentials: map[string]string{}}
			for _, kv := range creds {
				k, v, ok := strings.Cut(kv, "=")
				if !ok || strings.TrimSpace(k) == "" {
					return daiyun.Errorf(daiyun.EINVALID, "--cred %q is not key=value", kv)
				}
				conn.Credentials[strings.TrimSpace(k)] = v
			}
			if err := s.CreateConnection(ctx, &conn); err != nil {
				return err
			}
			return emit(cmd, format, conn, connectionRows([]catalog.Connection{conn}))
		},
	}
	f := add.Flags()
	f.StringVar(&client, "client", "", "client name or id")
	f.StringVar(&shop, "shop", "", "shop name or id")
	f.StringVar(&kind, "kind", "", "connector: "+strings.Join(catalog.ConnectorKinds, ", "))
	f.StringVar(&baseURL, "base-url", "", "API endpoint override (sandbox or a local stand-in)")
	f.DurationVar(&interval, "interval", 15*time.Minute, "how often `daiyun serve` syncs the connection")
	f.StringArrayVar(&creds, "cred", nil, "credential key=value (repeatable)")
	add.MarkFlagRequired("client")
	add.MarkFlagRequired("shop")
	add.MarkFlagRequired("kind")
	addFormat(add, &format)

	var lClient string
	list := &cobra.Command{
		Use:   "list",
		Short: "List connections with their last sync",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := system(cmd.Context())
			s, err := m.Catalog(ctx)
			if err != nil {
				return err
			}
			var filter catalog.ConnectionFilter
			if lClient != "" {
				c, err := s.FindClient(ctx, lClient)
				if err != nil {
					return err
				}
				filter.ClientID = c.ID
			}
			cs, err := s.Connections(ctx, filter)
			if err != nil {
				return err
			}
			cs = nonNil(cs)
			return emit(cmd, format, cs, connectionRows(cs))
		},
	}
	list.Flags().StringVar(&lClient, "client", "", "only this client's connections")
	addFormat(list, &format)

	var limit int
	status := &cobra.Command{
		Use:   "status ID",
		Short: "Show a connection's cursor and its latest sync runs",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := system(cmd.Context())
			s, err := m.Catalog(ctx)
			if err != nil {
				return err
			}
			id, err := parseID("connection", args[0])
			if err != nil {
				return err
			}
			c, err := s.Connection(ctx, id)
			if err != nil {
				return err
			}
			runs, err := s.ConnectionRuns(ctx, id, limit)
			if err != nil {
				return err
			}
			runs = nonNil(runs)
			return emit(cmd, format, map[string]any{"connection": c, "runs": runs}, runRows(runs))
		},
	}
	status.Flags().IntVar(&limit, "limit", 20, "number of runs")
	addFormat(status, &format)

	toggle := func(use, short string, enabled bool) *cobra.Command {
		return &cobra.Command{
			Use: use + " ID", Short: short, Args: cobra.ExactArgs(1),
			RunE: func(cmd *cobra.Command, args []string) error {
				ctx := system(cmd.Context())
				s, err := m.Catalog(ctx)
				if err != nil {
					return err
				}
				id, err := parseID("connection", args[0])
				if err != nil {
					return err
				}
				return s.SetConnectionEnabled(ctx, id, enabled)
			},
		}
	}
	remove := &cobra.Command{
		Use: "remove ID", Short: "Remove a connection and its run log (the facts it wrote stay)", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := system(cmd.Context())
			s, err := m.Catalog(ctx)
			if err != nil {
				return err
			}
			id, err := parseID("connection", args[0])
			if err != nil {
				return err
			}
			return s.DeleteConnection(ctx, id)
		},
	}
	cmd.AddCommand(add, list, status, toggle("enable", "Resume scheduled syncs", true), toggle("disable", "Pause scheduled syncs", false), remove)
	return cmd
}

func newSyncCmd(m *Main) *cobra.Command {
	var format string
	var all bool
	cmd := &cobra.Command{
		Use:   "sync [ID…]",
		Short: "Pull from platform APIs now: the given connections, or --all enabled ones",
		Long: `Runs a sync of each connection now, from its saved cursor: orders changed since
the last sync (and, for Shopify, SKUs and today's stock). Each page is written
in its own transaction and the cursor saved after it, so a sync that fails
resumes where it stopped. ` + "`daiyun serve`" + ` runs the same syncs on each
connection's interval.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && !all {
				return daiyun.Errorf(daiyun.EINVALID, "name connection ids or give --all")
			}
			if _, ok := m.runningServer(); ok {
				return daiyun.Errorf(daiyun.ECONFLICT, "a running `daiyun serve` holds the warehouse (%s); it syncs the connections on their schedule", lockPath(m.Config))
			}
			ctx := system(cmd.Context())
			r, err := m.ConnectorRunner(ctx)
			if err != nil {
				return err
			}
			var ids []int64
			for _, a := range args {
				id, err := parseID("connection", a)
				if err != nil {
					return err
				}
				ids = append(ids, id)
			}
			if all {
				cs, err := r.Catalog.Connections(ctx, catalog.ConnectionFilter{EnabledOnly: true})
				if err != nil {
					return err
				}
				for _, c := range cs {
					ids = append(ids, c.ID)
				}
			}
			var runs []catalog.ConnectionRun
			var failed error
			for _, id := range ids {
				run, err := r.Sync(ctx, id, "cli")
				if run.ID != 0 {
					runs = append(runs, run)
				}
				if err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "sync connection %d: %s\n", id, daiyun.ErrorMessageOrText(err))
					failed = err
				}
			}
			if err := emit(cmd, format, nonNil(runs), runRows(runs)); err != nil {
				return err
			}
			return failed
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "every enabled connection")
	addFormat(cmd, &format)
	return cmd
}
