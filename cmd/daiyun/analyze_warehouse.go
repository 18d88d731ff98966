package main

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/source"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// warehouseFlags are the flags of the warehouse door of `daiyun analyze
// KIND`: with --client the analysis reads the client's facts instead of
// --input and prints the same JSON as POST /api/v1/analyses/{kind}.
type warehouseFlags struct {
	client, shop, from, to, options, table string
}

// warehouseFlagNames are the flags the warehouse door reads itself.
var warehouseFlagNames = []string{"client", "shop", "from", "to", "options", "table", "format"}

// withWarehouse adds the warehouse door to an analyze subcommand whose kind
// runs on warehouse data; the file door is left as it is.
func withWarehouse(m *Main, cmd *cobra.Command) *cobra.Command {
	kind := cmd.Name()
	if !slices.Contains(source.Kinds, kind) {
		return cmd
	}
	var w warehouseFlags
	fl := cmd.Flags()
	fl.StringVar(&w.client, "client", "", "analyse this client's warehouse data (name or id) instead of --input")
	fl.StringVar(&w.shop, "shop", "", "with --client: one shop of the client (name or id; default all its shops)")
	fl.StringVar(&w.options, "options", "", `with --client: analysis options as JSON, as in the API body (e.g. '{"touch":"campaign"}')`)
	fl.StringVar(&w.table, "table", "", "with --client and --format table|csv: the result table to print (default the first)")
	// --from and --to already exist on some kinds (as time bounds of the
	// file door); with --client they are the inclusive date range.
	if fl.Lookup("from") == nil {
		fl.StringVar(&w.from, "from", "", "with --client: first day, YYYY-MM-DD")
	}
	if fl.Lookup("to") == nil {
		fl.StringVar(&w.to, "to", "", "with --client: last day, YYYY-MM-DD, inclusive")
	}
	fileDoor := cmd.RunE
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if w.client == "" {
			if w.shop != "" || w.options != "" || w.table != "" {
				return daiyun.Errorf(daiyun.EINVALID, "--shop, --options and --table need --client")
			}
			return fileDoor(c, args)
		}
		return runWarehouseAnalysis(m, c, kind, w)
	}
	cmd.Use += "\n  daiyun analyze " + kind + " --client C [--shop S] --from DATE --to DATE [--options JSON]"
	return cmd
}

func runWarehouseAnalysis(m *Main, cmd *cobra.Command, kind string, w warehouseFlags) error {
	fl := cmd.Flags()
	if fl.Changed("input") {
		return daiyun.Errorf(daiyun.EINVALID, "--input and --client exclude each other: one reads a file, the other the warehouse")
	}
	from, _ := fl.GetString("from")
	to, _ := fl.GetString("to")
	req := source.Request{Kind: kind}
	var err error
	if req.From, err = daiyun.ParseDate(from); err != nil {
		return daiyun.Errorf(daiyun.EINVALID, "--from: %s", daiyun.ErrorMessage(err))
	}
	if req.To, err = daiyun.ParseDate(to); err != nil {
		return daiyun.Errorf(daiyun.EINVALID, "--to: %s", daiyun.ErrorMessage(err))
	}
	if req.Options, err = optionsFromFlags(cmd.LocalFlags(), w.options); err != nil {
		return err
	}
	ctx := system(cmd.Context())
	cat, err := m.Catalog(ctx)
	if err != nil {
		return err
	}
	wh, err := m.Warehouse(ctx)
	if err != nil {
		return err
	}
	c, err := cat.FindClient(ctx, w.client)
	if err != nil {
		return err
	}
	req.ClientID = c.ID
	if w.shop != "" {
		sh, err := cat.FindShop(ctx, c.ID, w.shop)
		if err != nil {
			return err
		}
		req.ShopID = sh.ID
	}
	l := &source.Loader{Warehouse: wh, Catalog: cat, Metrics: newMetrics(cat, wh)}
	res, err := l.Run(ctx, req)
	if err != nil {
		return err
	}
	t, ok := res.Table(w.table)
	if !ok {
		return daiyun.Errorf(daiyun.EINVALID, "--table %q is not one of %s", w.table, strings.Join(res.TableNames, ", "))
	}
	format, _ := fl.GetString("format")
	return emit(cmd, format, res, table{header: t.Header, rows: t.Rows})
}

// optionsFromFlags turns the file door's own (local) flags that mean the same on
// warehouse data (--steps, --window, --period, --horizon, …: the flag name
// with _ for -, as in source.AnalysisOptions) into options, then applies --options
// on top. A changed flag that has no meaning on warehouse data is an error
// rather than silently ignored.
func optionsFromFlags(fl *pflag.FlagSet, js string) (source.AnalysisOptions, error) {
	var o source.AnalysisOptions
	v := reflect.ValueOf(&o).Elem()
	fields := map[string]reflect.Value{}
	for i := 0; i < v.NumField(); i++ {
		tag, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		fields[tag] = v.Field(i)
	}
	var err error
	// VisitAll with Changed: a FlagSet made by LocalFlags shares the flags
	// but not the record of which were set, so Visit would see none.
	fl.VisitAll(func(f *pflag.Flag) {
		if err != nil || !f.Changed || slices.Contains(warehouseFlagNames, f.Name) {
			return
		}
		name := strings.ReplaceAll(f.Name, "-", "_")
		switch f.Name {
		case "lead-time":
			name = "lead_time_days"
		case "promotions":
			o.NoPromotions = f.Value.String() != "true"
			return
		}
		field, ok := fields[name]
		if !ok {
			err = daiyun.Errorf(daiyun.EINVALID, "--%s does not apply to warehouse data (with --client); see docs/analysis.md#on-warehouse-data", f.Name)
			return
		}
		s := f.Value.String()
		bad := func() { err = daiyun.Errorf(daiyun.EINVALID, "--%s %q: not a valid value", f.Name, s) }
		switch field.Kind() {
		case reflect.String:
			field.SetString(s)
		case reflect.Int:
			n, e := strconv.Atoi(s)
			if e != nil {
				bad()
				return
			}
			field.SetInt(int64(n))
		case reflect.Float64:
			x, e := strconv.ParseFloat(s, 64)
			if e != nil {
				bad()
				return
			}
			field.SetFloat(x)
		case reflect.Bool:
			field.SetBool(s == "true")
		case reflect.Slice:
			var parts []string
			for _, p := range strings.Split(strings.Trim(s, "[]"), ",") {
				if p = strings.TrimSpace(p); p != "" {
					parts = append(parts, p)
				}
			}
			field.Set(reflect.ValueOf(parts))
		case reflect.Pointer:
			x, e := strconv.ParseFloat(s, 64)
			if e != nil {
				bad()
				return
			}
			field.Set(reflect.ValueOf(&x))
		}
	})
	if err != nil {
		return o, err
	}
	if js != "" {
		dec := json.NewDecoder(strings.NewReader(js))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&o); err != nil {
			return o, daiyun.Errorf(daiyun.EINVALID, "--options: not a JSON object of analysis options: %v", err)
		}
	}
	return o, nil
}
