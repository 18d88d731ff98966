package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
	"github.com/spf13/cobra"
)

func newVersionCmd(m *Main) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		RunE: func(cmd *cobra.Command, args []string) error {
			v := map[string]string{"version": daiyun.Version, "commit": daiyun.Commit}
			return emit(cmd, format, v, table{[]string{"version", "commit"}, [][]string{{daiyun.Version, daiyun.Commit}}})
		},
	}
	addFormat(cmd, &format)
	return cmd
}

func newMigrateCmd(m *Main) *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Create or upgrade the catalog and warehouse schemas",
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			s, err := catalogOpenRaw(ctx, m)
			if err != nil {
				return err
			}
			defer s.Close()
			if err := s.Migrate(ctx); err != nil {
				return err
			}
			if err := seedBenchmarks(system(ctx), s); err != nil {
				return err
			}
			if _, err := m.Warehouse(ctx); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "catalog at schema version %d; warehouse migrated\n", s.SchemaVersion())
			return nil
		},
	}
}

// catalogOpenRaw opens the catalog without checking its schema version.
func catalogOpenRaw(ctx context.Context, m *Main) (*catalog.Store, error) {
	return catalog.Open(ctx, m.Config.CatalogTarget())
}

func clientRows(cs []daiyun.Client) table {
	t := table{header: []string{"id", "name", "package", "addons", "created_at"}}
	for _, c := range cs {
		t.rows = append(t.rows, []string{strconv.FormatInt(c.ID, 10), c.Name, string(c.Package), strings.Join(c.Addons, ","), c.CreatedAt.Format("2006-01-02")})
	}
	return t
}

func newClientCmd(m *Main) *cobra.Command {
	cmd := &cobra.Command{Use: "client", Short: "Manage clients (brands)"}
	var format, name, pkg, note string
	var addons []string
	add := &cobra.Command{
		Use:   "add",
		Short: "Add a client",
		Args:  cobra.NoArgs,
		RunE: m.withCatalog(func(ctx context.Context, s *catalog.Store, cmd *cobra.Command, args []string) error {
			c := daiyun.Client{Name: name, Package: daiyun.Package(pkg), Addons: addons, Note: note}
			if err := s.CreateClient(ctx, &c); err != nil {
				return err
			}
			return emit(cmd, format, c, clientRows([]daiyun.Client{c}))
		}),
	}
	add.Flags().StringVar(&name, "name", "", "client (brand) name")
	add.Flags().StringVar(&pkg, "package", "basic", "service package: basic, advanced, full")
	add.Flags().StringSliceVar(&addons, "addons", nil, "add-ons: "+strings.Join(daiyun.Addons, ", "))
	add.Flags().StringVar(&note, "note", "", "free note")
	add.MarkFlagRequired("name")
	addFormat(add, &format)

	list := &cobra.Command{
		Use:   "list",
		Short: "List clients",
		Args:  cobra.NoArgs,
		RunE: m.withCatalog(func(ctx context.Context, s *catalog.Store, cmd *cobra.Command, args []string) error {
			cs, err := s.Clients(ctx)
			if err != nil {
				return err
			}
			if cs == nil {
				cs = []daiyun.Client{}
			}
			return emit(cmd, format, cs, clientRows(cs))
		}),
	}
	addFormat(list, &format)

	show := &cobra.Command{
		Use:   "show NAME_OR_ID",
		Short: "Show a client with its shops and contracts",
		Args:  cobra.ExactArgs(1),
		RunE: m.withCatalog(func(ctx context.Context, s *catalog.Store, cmd *cobra.Command, args []string) error {
			c, err := s.FindClient(ctx, args[0])
			if err != nil {
				return err
			}
			shops, err := s.Shops(ctx, catalog.ShopFilter{ClientID: c.ID})
			if err != nil {
				return err
			}
			contracts, err := s.Contracts(ctx, c.ID)
			if err != nil {
				return err
			}
			v := map[string]any{"client": c, "shops": nonNil(shops), "contracts": nonNil(contracts)}
			return emit(cmd, format, v, clientRows([]daiyun.Client{c}))
		}),
	}
	addFormat(show, &format)

	var uName, uPkg, uNote string
	var uAddons []string
	update := &cobra.Command{
		Use:   "update NAME_OR_ID",
		Short: "Change a client's name, package, add-ons or note",
		Args:  cobra.ExactArgs(1),
		RunE: m.withCatalog(func(ctx context.Context, s *catalog.Store, cmd *cobra.Command, args []string) error {
			c, err := s.FindClient(ctx, args[0])
			if err != nil {
				return err
			}
			f := cmd.Flags()
			if f.Changed("name") {
				c.Name = uName
			}
			if f.Changed("package") {
				c.Package = daiyun.Package(uPkg)
			}
			if f.Changed("addons") {
				c.Addons = uAddons
			}
			if f.Changed("note") {
				c.Note = uNote
			}
			if err := s.UpdateClient(ctx, &c); err != nil {
				return err
			}
			return emit(cmd, format, c, clientRows([]daiyun.Client{c}))
		}),
	}
	update.Flags().StringVar(&uName, "name", "", "new name")
	update.Flags().StringVar(&uPkg, "package", "", "service package: basic, advanced, full")
	update.Flags().StringSliceVar(&uAddons, "addons", nil, "add-ons (replaces the list)")
	update.Flags().StringVar(&uNote, "note", "", "free note")
	addFormat(update, &format)

	del := &cobra.Command{
		Use:   "delete NAME_OR_ID",
		Short: "Delete a client from the catalog (its shops, contracts, users, keys)",
		Args:  cobra.ExactArgs(1),
		RunE: m.withCatalog(func(ctx context.Context, s *catalog.Store, cmd *cobra.Command, args []string) error {
			c, err := s.FindClient(ctx, args[0])
			if err != nil {
				return err
			}
			if err := s.DeleteClient(ctx, c.ID); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "deleted client %d %s\n", c.ID, c.Name)
			return nil
		}),
	}
	cmd.AddCommand(add, list, show, update, del)
	return cmd
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func shopRows(ss []daiyun.Shop) table {
	t := table{header: []string{"id", "client_id", "name", "platform", "category", "currency", "timezone"}}
	for _, s := range ss {
		t.rows = append(t.rows, []string{strconv.FormatInt(s.ID, 10), strconv.FormatInt(s.ClientID, 10), s.Name, string(s.Platform), s.Category, s.Currency, s.Timezone})
	}
	return t
}

func newShopCmd(m *Main) *cobra.Command {
	cmd := &cobra.Command{Use: "shop", Short: "Manage shops"}
	var format string
	var sh daiyun.Shop
	var client, platform string
	add := &cobra.Command{
		Use:   "add",
		Short: "Add a shop to a client",
		Args:  cobra.NoArgs,
		RunE: m.withCatalog(func(ctx context.Context, s *catalog.Store, cmd *cobra.Command, args []string) error {
			c, err := s.FindClient(ctx, client)
			if err != nil {
				return err
			}
			sh.ClientID, sh.Platform = c.ID, daiyun.Platform(platform)
			if err := s.CreateShop(ctx, &sh); err != nil {
				return err
			}
			return emit(cmd, format, sh, shopRows([]daiyun.Shop{sh}))
		}),
	}
	f := add.Flags()
	f.StringVar(&client, "client", "", "client name or id")
	f.StringVar(&sh.Name, "name", "", "shop name")
	f.StringVar(&platform, "platform", "", "platform: tmall, taobao, jd, douyin, pdd, xiaohongshu, kuaishou, shopify, other")
	f.StringVar(&sh.Category, "category", "", "category: "+strings.Join(daiyun.Categories, ", "))
	f.StringVar(&sh.Currency, "currency", "CNY", "ISO 4217 currency")
	f.StringVar(&sh.Timezone, "timezone", "Asia/Shanghai", "IANA timezone; days are cut in it")
	f.StringVar(&sh.ExternalID, "external-id", "", "the platform's own shop id")
	add.MarkFlagRequired("client")
	add.MarkFlagRequired("name")
	add.MarkFlagRequired("platform")
	add.MarkFlagRequired("category")
	addFormat(add, &format)

	var lClient, lPlatform, lCategory string
	list := &cobra.Command{
		Use:   "list",
		Short: "List shops",
		Args:  cobra.NoArgs,
		RunE: m.withCatalog(func(ctx context.Context, s *catalog.Store, cmd *cobra.Command, args []string) error {
			filter := catalog.ShopFilter{Platform: daiyun.Platform(lPlatform), Category: lCategory}
			if lClient != "" {
				c, err := s.FindClient(ctx, lClient)
				if err != nil {
					return err
				}
				filter.ClientID = c.ID
			}
			shops, err := s.Shops(ctx, filter)
			if err != nil {
				return err
			}
			shops = nonNil(shops)
			return emit(cmd, format, shops, shopRows(shops))
		}),
	}
	list.Flags().StringVar(&lClient, "client", "", "only this client's shops")
	list.Flags().StringVar(&lPlatform, "platform", "", "only this platform")
	list.Flags().StringVar(&lCategory, "category", "", "only this category")
	addFormat(list, &format)

	var uName, uPlatform, uCategory, uCurrency, uTZ, uExt string
	update := &cobra.Command{
		Use:   "update ID",
		Short: "Change a shop's fields",
		Args:  cobra.ExactArgs(1),
		RunE: m.withCatalog(func(ctx context.Context, s *catalog.Store, cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return daiyun.Errorf(daiyun.EINVALID, "shop id %q is not a number", args[0])
			}
			sh, err := s.Shop(ctx, id)
			if err != nil {
				return err
			}
			fl := cmd.Flags()
			for name, apply := range map[string]func(){
				"name": func() { sh.Name = uName }, "platform": func() { sh.Platform = daiyun.Platform(uPlatform) },
				"category": func() { sh.Category = uCategory }, "currency": func() { sh.Currency = uCurrency },
				"timezone": func() { sh.Timezone = uTZ }, "external-id": func() { sh.ExternalID = uExt },
			} {
				if fl.Changed(name) {
					apply()
				}
			}
			if err := s.UpdateShop(ctx, &sh); err != nil {
				return err
			}
			return emit(cmd, format, sh, shopRows([]daiyun.Shop{sh}))
		}),
	}
	uf := update.Flags()
	uf.StringVar(&uName, "name", "", "shop name")
	uf.StringVar(&uPlatform, "platform", "", "platform")
	uf.StringVar(&uCategory, "category", "", "category")
	uf.StringVar(&uCurrency, "currency", "", "currency")
	uf.StringVar(&uTZ, "timezone", "", "timezone")
	uf.StringVar(&uExt, "external-id", "", "the platform's own shop id")
	addFormat(update, &format)

	del := &cobra.Command{
		Use:   "delete ID",
		Short: "Delete a shop from the catalog",
		Args:  cobra.ExactArgs(1),
		RunE: m.withCatalog(func(ctx context.Context, s *catalog.Store, cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return daiyun.Errorf(daiyun.EINVALID, "shop id %q is not a number", args[0])
			}
			if err := s.DeleteShop(ctx, id); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "deleted shop %d\n", id)
			return nil
		}),
	}
	cmd.AddCommand(add, list, update, del)
	return cmd
}
