package main

import (
	"strconv"

	"github.com/daiyun/daiyun/analysis/cohort"
	"github.com/spf13/cobra"
)

func init() { analyzeKinds = append(analyzeKinds, newAnalyzeCohortCmd) }

type cohortFlags struct {
	purchaseInput
	to, format string
}

// newAnalyzeCohortCmd is `daiyun analyze cohort`: repurchase cohorts by
// first-purchase month over a purchase file.
func newAnalyzeCohortCmd(m *Main) *cobra.Command {
	var f cohortFlags
	cmd := &cobra.Command{
		Use:   "cohort --input FILE [--to DATE]",
		Short: "Repurchase cohorts by first-purchase month: share and revenue of returning buyers",
		Long: `Reads customer_id,date,amount[,order_id], groups customers by the month of
their first purchase and reports, for that month and every later one up to
--to, the cohort's buyers, their share of the cohort, orders and revenue.
Tables are in long form: one row per cohort and month. See
docs/analysis.md#cohort.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runCohort(cmd, f) },
	}
	fl := cmd.Flags()
	f.register(fl)
	fl.StringVar(&f.to, "to", "", "last day of the table, inclusive (default: the last purchase)")
	addFormat(cmd, &f.format)
	return cmd
}

func runCohort(cmd *cobra.Command, f cohortFlags) error {
	rows, loc, err := f.read()
	if err != nil {
		return err
	}
	to, err := parseBound("--to", f.to, loc, true)
	if err != nil {
		return err
	}
	ps := make([]cohort.Purchase, len(rows))
	for i, r := range rows {
		ps[i] = cohort.Purchase{Customer: r.Customer, Time: r.Time, Amount: r.Amount, Order: r.Order}
	}
	res, err := cohort.Compute(ps, cohort.Options{To: to, Loc: loc})
	if err != nil {
		return err
	}
	t := table{header: []string{"cohort", "size", "repeat_rate", "offset", "month", "customers", "share", "orders", "revenue"}}
	for _, c := range res.Cohorts {
		for _, mo := range c.Months {
			t.rows = append(t.rows, []string{c.Month, strconv.Itoa(c.Size), fp(c.RepeatRate), strconv.Itoa(mo.Offset), mo.Month,
				strconv.Itoa(mo.Customers), fp(mo.Share), strconv.Itoa(mo.Orders), ff(mo.Revenue)})
		}
	}
	return emit(cmd, f.format, res, t)
}
