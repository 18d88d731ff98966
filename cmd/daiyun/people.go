package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/catalog"
	"github.com/spf13/cobra"
)

func contractRows(cs []daiyun.Contract) table {
	t := table{header: []string{"id", "client_id", "package", "currency", "start_date", "end_date", "base_fee", "commission_bp", "deposit", "marketing_budget"}}
	for _, c := range cs {
		t.rows = append(t.rows, []string{strconv.FormatInt(c.ID, 10), strconv.FormatInt(c.ClientID, 10), string(c.Package), c.Currency,
			c.StartDate.String(), c.EndDate.String(), daiyun.Money(c.BaseFeeMinor), strconv.FormatInt(c.CommissionBP, 10),
			daiyun.Money(c.DepositMinor), daiyun.Money(c.MarketingBudget)})
	}
	return t
}

// parseMoney reads a decimal amount such as 30000 or 30000.50 into minor
// units (two places) without floating point.
func parseMoney(flag, s string) (int64, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	if s == "" {
		return 0, nil
	}
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 {
		return 0, daiyun.Errorf(daiyun.EINVALID, "--%s %q has more than two decimal places", flag, s)
	}
	for len(frac) < 2 {
		frac += "0"
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || strings.HasPrefix(whole, "-") {
		return 0, daiyun.Errorf(daiyun.EINVALID, "--%s %q is not a non-negative amount", flag, s)
	}
	return n, nil
}

func newContractCmd(m *Main) *cobra.Command {
	cmd := &cobra.Command{Use: "contract", Short: "Manage client contracts (fees, commission, payments, committed KPIs)"}
	var format, client, pkg, currency, start, end, baseFee, deposit, budget, payments, kpis string
	var commission int64
	var autoRenew bool
	var notice int
	add := &cobra.Command{
		Use:   "add",
		Short: "Record a contract",
		Args:  cobra.NoArgs,
		RunE: m.withCatalog(func(ctx context.Context, s *catalog.Store, cmd *cobra.Command, args []string) error {
			c, err := s.FindClient(ctx, client)
			if err != nil {
				return err
			}
			k := daiyun.Contract{ClientID: c.ID, Package: daiyun.Package(pkg), Currency: strings.ToUpper(currency),
				CommissionBP: commission, AutoRenew: autoRenew, RenewalNotice: notice}
			if pkg == "" {
				k.Package = c.Package
			}
			if k.StartDate, err = daiyun.ParseDate(start); err != nil {
				return daiyun.Errorf(daiyun.EINVALID, "--start %q is not YYYY-MM-DD", start)
			}
			if k.EndDate, err = daiyun.ParseDate(end); err != nil {
				return daiyun.Errorf(daiyun.EINVALID, "--end %q is not YYYY-MM-DD", end)
			}
			for _, f := range []struct {
				name, val string
				dst       *int64
			}{{"base-fee", baseFee, &k.BaseFeeMinor}, {"deposit", deposit, &k.DepositMinor}, {"marketing-budget", budget, &k.MarketingBudget}} {
				if *f.dst, err = parseMoney(f.name, f.val); err != nil {
					return err
				}
			}
			if payments != "" {
				if err := json.Unmarshal([]byte(payments), &k.Payments); err != nil {
					return daiyun.Errorf(daiyun.EINVALID, "--payments is not a JSON list of {name,due_date,amount_minor}: %v", err)
				}
			}
			if kpis != "" {
				if err := json.Unmarshal([]byte(kpis), &k.CommittedKPIs); err != nil {
					return daiyun.Errorf(daiyun.EINVALID, "--kpis is not a JSON list of {kpi,op,target,change,period}: %v", err)
				}
			}
			if err := s.CreateContract(ctx, &k); err != nil {
				return err
			}
			return emit(cmd, format, k, contractRows([]daiyun.Contract{k}))
		}),
	}
	f := add.Flags()
	f.StringVar(&client, "client", "", "client name or id")
	f.StringVar(&pkg, "package", "", "service package (default: the client's)")
	f.StringVar(&currency, "currency", "CNY", "currency of the fees")
	f.StringVar(&start, "start", "", "start date YYYY-MM-DD")
	f.StringVar(&end, "end", "", "end date YYYY-MM-DD")
	f.StringVar(&baseFee, "base-fee", "0", "monthly base service fee (服务费), e.g. 30000.00")
	f.Int64Var(&commission, "commission-bp", 0, "commission on GMV (佣金) in basis points, 300 = 3%")
	f.StringVar(&deposit, "deposit", "0", "deposit (保证金)")
	f.StringVar(&budget, "marketing-budget", "0", "monthly marketing budget, for the budget monitor")
	f.BoolVar(&autoRenew, "auto-renew", false, "renews automatically")
	f.IntVar(&notice, "renewal-notice-days", 30, "days of notice before renewal")
	f.StringVar(&payments, "payments", "", `staged payments as JSON: [{"name":"first","due_date":"2026-01-01","amount_minor":1000000}]`)
	f.StringVar(&kpis, "kpis", "", `committed KPIs as JSON: [{"kpi":"gmv","op":">=","target":0.3,"change":true,"period":"month"}]`)
	add.MarkFlagRequired("client")
	add.MarkFlagRequired("start")
	add.MarkFlagRequired("end")
	addFormat(add, &format)

	var lClient string
	list := &cobra.Command{
		Use:   "list",
		Short: "List contracts",
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
			cs, err := s.Contracts(ctx, id)
			if err != nil {
				return err
			}
			cs = nonNil(cs)
			return emit(cmd, format, cs, contractRows(cs))
		}),
	}
	list.Flags().StringVar(&lClient, "client", "", "only this client's contracts")
	addFormat(list, &format)
	cmd.AddCommand(add, list)
	return cmd
}

func userRows(us []daiyun.User) table {
	t := table{header: []string{"id", "email", "name", "role", "client_id", "lang", "disabled"}}
	for _, u := range us {
		t.rows = append(t.rows, []string{strconv.FormatInt(u.ID, 10), u.Email, u.Name, string(u.Role), strconv.FormatInt(u.ClientID, 10), u.Lang, strconv.FormatBool(u.Disabled)})
	}
	return t
}

// readPassword takes the password from a flag or, with "-", from stdin's
// first line, so it need not appear in the shell history.
func readPassword(p string) (string, error) {
	if p != "-" {
		return p, nil
	}
	var line string
	if _, err := fmt.Fscanln(os.Stdin, &line); err != nil {
		return "", daiyun.Errorf(daiyun.EINVALID, "no password on standard input")
	}
	return line, nil
}

func newUserCmd(m *Main) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage users and their roles"}
	var format, email, name, role, client, lang, password string
	add := &cobra.Command{
		Use:   "add",
		Short: "Add a user",
		Args:  cobra.NoArgs,
		RunE: m.withCatalog(func(ctx context.Context, s *catalog.Store, cmd *cobra.Command, args []string) error {
			u := daiyun.User{Email: email, Name: name, Role: daiyun.Role(role), Lang: lang}
			if client != "" {
				c, err := s.FindClient(ctx, client)
				if err != nil {
					return err
				}
				u.ClientID = c.ID
			}
			pw, err := readPassword(password)
			if err != nil {
				return err
			}
			if err := s.CreateUser(ctx, &u, pw); err != nil {
				return err
			}
			return emit(cmd, format, u, userRows([]daiyun.User{u}))
		}),
	}
	f := add.Flags()
	f.StringVar(&email, "email", "", "login e-mail")
	f.StringVar(&name, "name", "", "display name")
	f.StringVar(&role, "role", "", "role: admin, director, specialist, analyst, expert, client_manager, client_viewer")
	f.StringVar(&client, "client", "", "client name or id (client roles only)")
	f.StringVar(&lang, "lang", "zh-CN", "UI language: zh-CN or en")
	f.StringVar(&password, "password", "", `password (at least 8 characters; "-" reads it from stdin)`)
	add.MarkFlagRequired("email")
	add.MarkFlagRequired("role")
	add.MarkFlagRequired("password")
	addFormat(add, &format)

	list := &cobra.Command{
		Use:   "list",
		Short: "List users",
		Args:  cobra.NoArgs,
		RunE: m.withCatalog(func(ctx context.Context, s *catalog.Store, cmd *cobra.Command, args []string) error {
			us, err := s.Users(ctx)
			if err != nil {
				return err
			}
			us = nonNil(us)
			return emit(cmd, format, us, userRows(us))
		}),
	}
	addFormat(list, &format)

	var uName, uRole, uLang, uPassword string
	var uDisabled bool
	update := &cobra.Command{
		Use:   "update EMAIL_OR_ID",
		Short: "Change a user's name, role, language, password or disabled flag",
		Args:  cobra.ExactArgs(1),
		RunE: m.withCatalog(func(ctx context.Context, s *catalog.Store, cmd *cobra.Command, args []string) error {
			u, err := s.FindUser(ctx, args[0])
			if err != nil {
				return err
			}
			fl := cmd.Flags()
			if fl.Changed("name") {
				u.Name = uName
			}
			if fl.Changed("role") {
				u.Role = daiyun.Role(uRole)
			}
			if fl.Changed("lang") {
				u.Lang = uLang
			}
			if fl.Changed("disabled") {
				u.Disabled = uDisabled
			}
			pw, err := readPassword(uPassword)
			if err != nil {
				return err
			}
			if err := s.UpdateUser(ctx, &u, pw); err != nil {
				return err
			}
			return emit(cmd, format, u, userRows([]daiyun.User{u}))
		}),
	}
	uf := update.Flags()
	uf.StringVar(&uName, "name", "", "display name")
	uf.StringVar(&uRole, "role", "", "role")
	uf.StringVar(&uLang, "lang", "", "zh-CN or en")
	uf.StringVar(&uPassword, "password", "", `new password ("-" reads it from stdin)`)
	uf.BoolVar(&uDisabled, "disabled", false, "disable the login")
	addFormat(update, &format)

	del := &cobra.Command{
		Use:   "delete EMAIL_OR_ID",
		Short: "Delete a user",
		Args:  cobra.ExactArgs(1),
		RunE: m.withCatalog(func(ctx context.Context, s *catalog.Store, cmd *cobra.Command, args []string) error {
			u, err := s.FindUser(ctx, args[0])
			if err != nil {
				return err
			}
			if err := s.DeleteUser(ctx, u.ID); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "deleted user %s\n", u.Email)
			return nil
		}),
	}
	cmd.AddCommand(add, list, update, del)
	return cmd
}

func newAssignCmd(m *Main) *cobra.Command {
	cmd := &cobra.Command{Use: "assign", Short: "Assign staff to client teams"}
	var format, user, client, function string
	add := &cobra.Command{
		Use:   "add",
		Short: "Put a staff member on a client's team",
		Args:  cobra.NoArgs,
		RunE: m.withCatalog(func(ctx context.Context, s *catalog.Store, cmd *cobra.Command, args []string) error {
			u, err := s.FindUser(ctx, user)
			if err != nil {
				return err
			}
			c, err := s.FindClient(ctx, client)
			if err != nil {
				return err
			}
			a := daiyun.Assignment{UserID: u.ID, ClientID: c.ID, Function: function}
			if err := s.Assign(ctx, a); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s assigned to %s\n", u.Email, c.Name)
			return nil
		}),
	}
	add.Flags().StringVar(&user, "user", "", "user e-mail or id")
	add.Flags().StringVar(&client, "client", "", "client name or id")
	add.Flags().StringVar(&function, "function", "", "function in the team: lead, expert, analyst, specialist (default: the user's role)")
	add.MarkFlagRequired("user")
	add.MarkFlagRequired("client")
	remove := &cobra.Command{
		Use:   "remove",
		Short: "Take a staff member off a client's team",
		Args:  cobra.NoArgs,
		RunE: m.withCatalog(func(ctx context.Context, s *catalog.Store, cmd *cobra.Command, args []string) error {
			u, err := s.FindUser(ctx, user)
			if err != nil {
				return err
			}
			c, err := s.FindClient(ctx, client)
			if err != nil {
				return err
			}
			return s.Unassign(ctx, u.ID, c.ID)
		}),
	}
	remove.Flags().StringVar(&user, "user", "", "user e-mail or id")
	remove.Flags().StringVar(&client, "client", "", "client name or id")
	list := &cobra.Command{
		Use:   "list",
		Short: "List team assignments",
		Args:  cobra.NoArgs,
		RunE: m.withCatalog(func(ctx context.Context, s *catalog.Store, cmd *cobra.Command, args []string) error {
			as, err := s.Assignments(ctx, 0)
			if err != nil {
				return err
			}
			t := table{header: []string{"user_id", "client_id", "function"}}
			for _, a := range as {
				t.rows = append(t.rows, []string{strconv.FormatInt(a.UserID, 10), strconv.FormatInt(a.ClientID, 10), a.Function})
			}
			return emit(cmd, format, nonNil(as), t)
		}),
	}
	addFormat(list, &format)
	cmd.AddCommand(add, remove, list)
	return cmd
}

func newAPIKeyCmd(m *Main) *cobra.Command {
	cmd := &cobra.Command{Use: "apikey", Short: "Manage client-scoped API keys for the ingestion API"}
	var format, client, name string
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a key (the secret is printed once)",
		Args:  cobra.NoArgs,
		RunE: m.withCatalog(func(ctx context.Context, s *catalog.Store, cmd *cobra.Command, args []string) error {
			c, err := s.FindClient(ctx, client)
			if err != nil {
				return err
			}
			k, err := s.CreateAPIKey(ctx, c.ID, name)
			if err != nil {
				return err
			}
			return emit(cmd, format, k, table{[]string{"id", "client_id", "name", "secret"}, [][]string{{strconv.FormatInt(k.ID, 10), strconv.FormatInt(k.ClientID, 10), k.Name, k.Secret}}})
		}),
	}
	create.Flags().StringVar(&client, "client", "", "client name or id")
	create.Flags().StringVar(&name, "name", "ingest", "a label for the key")
	create.MarkFlagRequired("client")
	addFormat(create, &format)
	list := &cobra.Command{
		Use:   "list",
		Short: "List keys (without secrets)",
		RunE: m.withCatalog(func(ctx context.Context, s *catalog.Store, cmd *cobra.Command, args []string) error {
			ks, err := s.APIKeys(ctx, 0)
			if err != nil {
				return err
			}
			t := table{header: []string{"id", "client_id", "name", "prefix", "created_at"}}
			for _, k := range ks {
				t.rows = append(t.rows, []string{strconv.FormatInt(k.ID, 10), strconv.FormatInt(k.ClientID, 10), k.Name, k.Prefix, k.CreatedAt.Format("2006-01-02")})
			}
			return emit(cmd, format, nonNil(ks), t)
		}),
	}
	addFormat(list, &format)
	revoke := &cobra.Command{
		Use:   "revoke ID",
		Short: "Revoke a key",
		Args:  cobra.ExactArgs(1),
		RunE: m.withCatalog(func(ctx context.Context, s *catalog.Store, cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return daiyun.Errorf(daiyun.EINVALID, "key id %q is not a number", args[0])
			}
			return s.RevokeAPIKey(ctx, id)
		}),
	}
	cmd.AddCommand(create, list, revoke)
	return cmd
}

func newPackageCmd(m *Main) *cobra.Command {
	var format string
	cmd := &cobra.Command{Use: "package", Short: "Service packages and add-ons"}
	list := &cobra.Command{
		Use:   "list",
		Short: "List service packages with their modules, and the add-ons",
		RunE: func(cmd *cobra.Command, args []string) error {
			type pkg struct {
				ID      daiyun.Package `json:"id"`
				Modules []string       `json:"modules"`
			}
			var ps []pkg
			t := table{header: []string{"package", "modules"}}
			for _, id := range []daiyun.Package{daiyun.PackageBasic, daiyun.PackageAdvanced, daiyun.PackageFull} {
				ps = append(ps, pkg{id, daiyun.Packages[id]})
				t.rows = append(t.rows, []string{string(id), strings.Join(daiyun.Packages[id], ",")})
			}
			t.rows = append(t.rows, []string{"add-ons", strings.Join(daiyun.Addons, ",")})
			return emit(cmd, format, map[string]any{"packages": ps, "addons": daiyun.Addons}, t)
		},
	}
	addFormat(list, &format)
	cmd.AddCommand(list)
	return cmd
}
