package main

import (
	"errors"
	"os"
	"strconv"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/clv"
	"github.com/daiyun/daiyun/internal/cliout"
	"github.com/spf13/cobra"
)

func init() { analyzeKinds = append(analyzeKinds, newAnalyzeCLVCmd) }

// clvFlags are the options of `daiyun analyze clv`.
type clvFlags struct {
	input, calEnd, period, model, format string
	customerCol, dateCol, amountCol      string
	horizon, discount, margin            float64
}

// newAnalyzeCLVCmd is `daiyun analyze clv`: BG/NBD or Pareto/NBD plus
// Gamma-Gamma on a transaction file.
func newAnalyzeCLVCmd(m *Main) *cobra.Command {
	var f clvFlags
	cmd := &cobra.Command{
		Use:   "clv --input FILE [--calibration-end DATE] [--period week] [--horizon N]",
		Short: "Customer lifetime value: BG/NBD or Pareto/NBD purchases, Gamma-Gamma spend",
		Long: `Reads customer_id,date,amount[,order_id] (a CSV with a header), merges
purchases of the same customer on the same day, summarises each customer as
(x, t_x, T) up to and including --calibration-end, fits BG/NBD (or
Pareto/NBD with --model pnbd) and Gamma-Gamma by maximum likelihood, and
predicts per customer the purchases in --horizon periods, the probability of
being alive, the expected spend per purchase and the CLV. See
docs/analysis.md#clv.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runCLV(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.input, "input", "", "transactions CSV file (columns customer_id,date,amount[,order_id])")
	fl.StringVar(&f.calEnd, "calibration-end", "", "last day of the calibration period, YYYY-MM-DD, included (default: last date of the data)")
	fl.StringVar(&f.period, "period", "week", "time unit: day, week (7 days) or month (365.25/12 days)")
	fl.Float64Var(&f.horizon, "horizon", 52, "prediction horizon in periods")
	fl.StringVar(&f.model, "model", "bgnbd", "purchase model: bgnbd or pnbd (Pareto/NBD)")
	fl.Float64Var(&f.discount, "discount", 0, "discount rate per period for CLV, in [0, 1)")
	fl.Float64Var(&f.margin, "margin", 1, "share of revenue counted as value in CLV (1 = revenue)")
	fl.StringVar(&f.customerCol, "customer-id-col", "customer_id", "name of the customer column")
	fl.StringVar(&f.dateCol, "date-col", "date", "name of the date column")
	fl.StringVar(&f.amountCol, "amount-col", "amount", "name of the amount column")
	cmd.Flags().StringVar(&f.format, "format", "", "output: json, table or csv (default: table on a terminal, json otherwise)")
	return cmd
}

func runCLV(cmd *cobra.Command, f clvFlags) error {
	if f.input == "" {
		return daiyun.Errorf(daiyun.EINVALID, "--input FILE is required")
	}
	format := f.format
	if format == "" {
		format = cliout.DefaultFormat()
	}
	if err := cliout.Check(format); err != nil {
		return daiyun.Errorf(daiyun.EINVALID, "%v", err)
	}
	var calEnd time.Time
	if f.calEnd != "" {
		d, err := time.Parse(time.DateOnly, f.calEnd)
		if err != nil {
			return daiyun.Errorf(daiyun.EINVALID, "--calibration-end %q is not a date YYYY-MM-DD", f.calEnd)
		}
		calEnd = d
	}
	fh, err := os.Open(f.input)
	if err != nil {
		return daiyun.Errorf(daiyun.EINVALID, "--input: cannot open %s: %v", f.input, cliPathError(err))
	}
	defer fh.Close()
	txs, err := clv.ReadCSV(fh, f.input, clv.Columns{Customer: f.customerCol, Date: f.dateCol, Amount: f.amountCol})
	if err != nil {
		return err
	}
	prep, err := clv.Summarize(txs, calEnd, clv.Period(f.period), f.horizon)
	if err != nil {
		return err
	}
	res, err := clv.Analyze(prep, clv.Options{Model: f.model, Horizon: f.horizon, Discount: f.discount, Margin: f.margin})
	if err != nil {
		return err
	}
	return cliout.Write(cmd.OutOrStdout(), format, res, clvTable(res))
}

type clvTabular struct{ res *clv.Result }

func clvTable(res *clv.Result) cliout.Tabular { return clvTabular{res} }

func (t clvTabular) Header() []string {
	return []string{"customer_id", "x", "t_x", "T", "mean_repeat_spend", "expected_purchases", "p_alive", "expected_spend", "clv"}
}

func (t clvTabular) Rows() [][]string {
	g := func(v float64) string { return strconv.FormatFloat(v, 'f', 6, 64) }
	rows := make([][]string, len(t.res.Customers))
	for i, c := range t.res.Customers {
		rows[i] = []string{c.CustomerID, strconv.Itoa(c.X), g(c.Tx), g(c.T), g(c.MeanRepeatSpend),
			g(c.ExpectedPurchases), g(c.PAlive), g(c.ExpectedSpend), g(c.CLV)}
	}
	return rows
}

// cliPathError strips the operation and path from an open error, which the
// message states itself.
func cliPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
