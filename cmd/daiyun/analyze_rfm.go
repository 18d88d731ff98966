package main

import (
	"strconv"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/csvin"
	"github.com/daiyun/daiyun/analysis/rfm"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func init() { analyzeKinds = append(analyzeKinds, newAnalyzeRFMCmd) }

// purchaseInput is the file door shared by the analyses of purchases (rfm,
// cohort): --input, --tz and the column renames.
type purchaseInput struct {
	input, tz string
	cols      csvin.PurchaseColumns
}

func (p *purchaseInput) register(fl *pflag.FlagSet) {
	fl.StringVar(&p.input, "input", "", "purchases CSV file with a header (columns customer_id,date,amount[,order_id])")
	fl.StringVar(&p.tz, "tz", "UTC", "time zone of timestamps without an offset and of day/month boundaries (IANA name)")
	fl.StringVar(&p.cols.Customer, "customer-id-col", "customer_id", "name of the customer column")
	fl.StringVar(&p.cols.Date, "date-col", "date", "name of the date or timestamp column")
	fl.StringVar(&p.cols.Amount, "amount-col", "amount", "name of the amount column")
	fl.StringVar(&p.cols.Order, "order-id-col", "order_id", "name of the optional order column (rows of one order count as one order)")
}

func (p *purchaseInput) read() ([]csvin.PurchaseRow, *time.Location, error) {
	if p.input == "" {
		return nil, nil, daiyun.Errorf(daiyun.EINVALID, "--input FILE is required")
	}
	loc, err := csvin.LoadLocation(p.tz)
	if err != nil {
		return nil, nil, err
	}
	f, err := csvin.Open(p.input, loc)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	rows, err := csvin.ReadPurchases(f, p.cols)
	return rows, loc, err
}

type rfmFlags struct {
	purchaseInput
	asOf, view, format string
	vip                float64
}

// newAnalyzeRFMCmd is `daiyun analyze rfm`: RFM scores, segments and the
// VIP tier over a purchase file.
func newAnalyzeRFMCmd(m *Main) *cobra.Command {
	var f rfmFlags
	cmd := &cobra.Command{
		Use:   "rfm --input FILE [--as-of DATE] [--vip-threshold 100000]",
		Short: "RFM quintile scores, named segments and the VIP tier per customer",
		Long: `Reads customer_id,date,amount[,order_id] and scores every customer 1–5 on
recency, frequency and monetary value (quintiles of ranks, ties broken by
customer id), names their segment from R and F, and marks as VIP those who
spent more than --vip-threshold in the 12 months up to --as-of. JSON holds
customers and segments; tables show one of them (--view). See
docs/analysis.md#rfm.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runRFM(cmd, f) },
	}
	fl := cmd.Flags()
	f.register(fl)
	fl.StringVar(&f.asOf, "as-of", "", "day of the analysis, YYYY-MM-DD (default: the day of the last purchase)")
	fl.Float64Var(&f.vip, "vip-threshold", rfm.DefaultVIPThreshold, "12-month spend above which a customer is VIP")
	fl.StringVar(&f.view, "view", "customers", "what --format table/csv shows: customers or segments")
	addFormat(cmd, &f.format)
	return cmd
}

func runRFM(cmd *cobra.Command, f rfmFlags) error {
	if f.view != "customers" && f.view != "segments" {
		return daiyun.Errorf(daiyun.EINVALID, "--view %q: want customers or segments", f.view)
	}
	if f.vip <= 0 {
		return daiyun.Errorf(daiyun.EINVALID, "--vip-threshold %v: must be a positive amount", f.vip)
	}
	rows, loc, err := f.read()
	if err != nil {
		return err
	}
	asOf, err := parseBound("--as-of", f.asOf, loc, false)
	if err != nil {
		return err
	}
	ps := make([]rfm.Purchase, len(rows))
	for i, r := range rows {
		ps[i] = rfm.Purchase{Customer: r.Customer, Time: r.Time, Amount: r.Amount, Order: r.Order}
	}
	res, err := rfm.Compute(ps, rfm.Options{AsOf: asOf, VIPThreshold: f.vip, Loc: loc})
	if err != nil {
		return err
	}
	var t table
	if f.view == "segments" {
		t.header = []string{"segment", "customers", "share", "revenue", "avg_recency_days", "avg_frequency", "avg_monetary", "vips"}
		for _, s := range res.Segments {
			t.rows = append(t.rows, []string{s.Name, strconv.Itoa(s.Customers), ff(s.Share), ff(s.Revenue),
				fp(s.AvgRecencyDays), fp(s.AvgFrequency), fp(s.AvgMonetary), strconv.Itoa(s.VIPs)})
		}
	} else {
		t.header = []string{"customer_id", "last_purchase", "recency_days", "frequency", "monetary", "r", "f", "m", "score", "segment", "spend_12m", "vip"}
		for _, c := range res.Customers {
			t.rows = append(t.rows, []string{c.ID, c.LastPurchase, strconv.Itoa(c.RecencyDays), strconv.Itoa(c.Frequency), ff(c.Monetary),
				strconv.Itoa(c.R), strconv.Itoa(c.F), strconv.Itoa(c.M), c.Score, c.Segment, ff(c.Spend12m), strconv.FormatBool(c.VIP)})
		}
	}
	return emit(cmd, f.format, res, t)
}
