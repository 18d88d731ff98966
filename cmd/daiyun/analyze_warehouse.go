package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/source"
	"github.com/daiyun/daiyun/internal/cliout"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// warehouseFlags are the flags of the warehouse door of `daiyun analyze
// KIND`: with --client the analysis reads the client's facts instead of
// --input and prints the same JSON as POST /api/v1/analyses/{kind}.
type warehouseFlags struct {
	client, shop, from, to, options, table string
	byShop                                 bool
}

// warehouseFlagNames are the flags the warehouse door reads itself.
var warehouseFlagNames = []string{"client", "shop", "from", "to", "options", "table", "format", "by-shop"}

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
	if slices.Contains(source.ByShopKinds, kind) {
		fl.BoolVar(&w.byShop, "by-shop", false, "analyse every shop (or --client's shops) on its own, in one warehouse read")
	}
	fileDoor := cmd.RunE
	cmd.RunE = func(c *cobra.Command, args []string) error {
		if w.byShop {
			return runByShopAnalysis(m, c, kind, w)
		}
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
	req := source.Request{Kind: kind}
	var err error
	if req.From, req.To, err = dateRange(fl); err != nil {
		return err
	}
	if req.Options, err = optionsFromFlags(cmd.LocalFlags(), w.options); err != nil {
		return err
	}
	ctx := system(cmd.Context())
	cat, err := m.Catalog(ctx)
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
	format, _ := fl.GetString("format")
	if r, ok := m.runningServer(); ok {
		return analyseOnServer(cmd, r, req, w.table, format)
	}
	wh, err := m.Warehouse(ctx)
	if err != nil {
		return err
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
	return emit(cmd, format, res, table{header: t.Header, rows: t.Rows})
}

// dateRange reads the warehouse door's --from and --to, inclusive days.
func dateRange(fl *pflag.FlagSet) (from, to daiyun.Date, err error) {
	f, _ := fl.GetString("from")
	t, _ := fl.GetString("to")
	if from, err = daiyun.ParseDate(f); err != nil {
		return from, to, daiyun.Errorf(daiyun.EINVALID, "--from: %s", daiyun.ErrorMessage(err))
	}
	if to, err = daiyun.ParseDate(t); err != nil {
		return from, to, daiyun.Errorf(daiyun.EINVALID, "--to: %s", daiyun.ErrorMessage(err))
	}
	return from, to, nil
}

// analyseOnServer runs the analysis on the server that holds the embedded
// warehouse: the JSON from its API, or a result table from its export.
func analyseOnServer(cmd *cobra.Command, r *remote, req source.Request, tableName, format string) error {
	if format == "" {
		format = cliout.DefaultFormat()
	}
	if format == cliout.JSON {
		// The API names the kind in the path, not the body.
		withoutKind := req
		withoutKind.Kind = ""
		body, _ := json.Marshal(withoutKind)
		var out json.RawMessage
		if err := r.do("POST", "/api/v1/analyses/"+req.Kind, "application/json", bytes.NewReader(body), &out); err != nil {
			return err
		}
		var v any
		json.Unmarshal(out, &v)
		return emit(cmd, format, v, nil)
	}
	opts, _ := json.Marshal(req.Options)
	q := url.Values{"client_id": {strconv.FormatInt(req.ClientID, 10)}, "from": {req.From.String()}, "to": {req.To.String()},
		"format": {"csv"}, "table": {tableName}, "options": {string(opts)}}
	if req.ShopID != 0 {
		q.Set("shop_id", strconv.FormatInt(req.ShopID, 10))
	}
	var raw rawBody
	if err := r.do("GET", "/api/v1/analyses/"+req.Kind+"/export?"+q.Encode(), "", nil, &raw); err != nil {
		return err
	}
	recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\ufeff")))).ReadAll()
	if err != nil || len(recs) == 0 {
		return fmt.Errorf("the server's export could not be read: %v", err)
	}
	return emit(cmd, format, nil, table{header: recs[0], rows: recs[1:]})
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
