package main

import (
	"os"
	"strconv"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/forecast"
	"github.com/daiyun/daiyun/internal/cliout"
	"github.com/spf13/cobra"
)

func init() { analyzeKinds = append(analyzeKinds, newAnalyzeForecastCmd) }

// forecastFlags are the options of `daiyun analyze forecast`.
type forecastFlags struct {
	input, dateCol, valueCol, seasonal, format string
	horizon, season, leadTime, coverDays       int
	onHand, serviceLevel                       float64
	promotions                                 bool
}

// newAnalyzeForecastCmd is `daiyun analyze forecast`: ETS on a date,value
// file, with promotion days and an optional stock plan.
func newAnalyzeForecastCmd(m *Main) *cobra.Command {
	var f forecastFlags
	cmd := &cobra.Command{
		Use:   "forecast --input FILE [--horizon N] [--season M] [--seasonal auto]",
		Short: "Forecast a series with exponential smoothing (ETS), intervals and stock plan",
		Long: `Reads date,value (a CSV with a header; dates YYYY-MM-DD, YYYY-MM, YYYYQn or
YYYYMMDD, one row per day, week, month, quarter or year), chooses an ETS model
by AIC (--seasonal auto) or fits the asked seasonal form, forecasts --horizon
steps with 80% and 95% prediction intervals, adjusts promotion days of daily
data, and with --on-hand and --lead-time adds a stock run-out and reorder
plan. See docs/analysis.md#forecast.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cmd.Flags().Changed("on-hand") != cmd.Flags().Changed("lead-time") {
				return daiyun.Errorf(daiyun.EINVALID, "--on-hand and --lead-time go together")
			}
			return runForecast(cmd, f, cmd.Flags().Changed("on-hand"))
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.input, "input", "", "series CSV file (columns date,value)")
	fl.StringVar(&f.dateCol, "date-col", "date", "name of the date column")
	fl.StringVar(&f.valueCol, "value-col", "value", "name of the value column")
	fl.IntVar(&f.horizon, "horizon", 0, "steps to forecast (default: two seasons, or 10 without seasonality)")
	fl.IntVar(&f.season, "season", 0, "season length: 12 monthly, 4 quarterly, 7 daily (default: from the data's frequency; 1 = none)")
	fl.StringVar(&f.seasonal, "seasonal", "auto", "auto, additive, multiplicative or none")
	fl.BoolVar(&f.promotions, "promotions", true, "daily data: treat 618, Double 11, Double 12 and Spring Festival as promotion days")
	fl.Float64Var(&f.onHand, "on-hand", 0, "units in stock after the last day (adds a stock plan)")
	fl.IntVar(&f.leadTime, "lead-time", 0, "days from order to delivery")
	fl.Float64Var(&f.serviceLevel, "service-level", 0.95, "probability of not running out during the lead time")
	fl.IntVar(&f.coverDays, "cover-days", 30, "days of demand an order covers after it arrives")
	fl.StringVar(&f.format, "format", "", "output: json, table or csv (default: table on a terminal, json otherwise)")
	return cmd
}

func runForecast(cmd *cobra.Command, f forecastFlags, stock bool) error {
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
	fh, err := os.Open(f.input)
	if err != nil {
		return daiyun.Errorf(daiyun.EINVALID, "--input: cannot open %s: %v", f.input, cliPathError(err))
	}
	defer fh.Close()
	s, err := forecast.ReadCSV(fh, f.input, f.dateCol, f.valueCol)
	if err != nil {
		return err
	}
	opts := forecast.Options{Horizon: f.horizon, Season: f.season, Seasonal: f.seasonal, Promotions: f.promotions}
	if opts.Horizon == 0 {
		freq, err := forecast.DetectFrequency(s)
		if err != nil {
			return err
		}
		m := f.season
		if m == 0 {
			m = freq.DefaultSeason()
		}
		opts.Horizon = 10
		if m > 1 && f.seasonal != forecast.SeasonalNone {
			opts.Horizon = 2 * m
		}
	}
	if stock {
		opts.Stock = &forecast.StockInput{OnHand: f.onHand, LeadTimeDays: f.leadTime, ServiceLevel: f.serviceLevel, CoverDays: f.coverDays}
	}
	res, err := forecast.Run(s, opts)
	if err != nil {
		return err
	}
	return cliout.Write(cmd.OutOrStdout(), format, res, forecastTabular{res})
}

type forecastTabular struct{ res *forecast.Result }

func (t forecastTabular) Header() []string {
	return []string{"date", "value", "lo80", "hi80", "lo95", "hi95", "promotion"}
}

func (t forecastTabular) Rows() [][]string {
	g := func(v float64) string { return strconv.FormatFloat(v, 'f', 6, 64) }
	rows := make([][]string, len(t.res.Forecast))
	for i, p := range t.res.Forecast {
		rows[i] = []string{p.Date, g(p.Value), g(p.Lo80), g(p.Hi80), g(p.Lo95), g(p.Hi95), p.Promotion}
	}
	return rows
}
