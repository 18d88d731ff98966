package main

import (
	"math"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/attribution"
	"github.com/daiyun/daiyun/analysis/csvin"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func init() { analyzeKinds = append(analyzeKinds, newAnalyzeAttributionCmd) }

// journeyInput is the file door of journeys in the ChannelAttribution
// layout, shared by attribution and paths.
type journeyInput struct {
	input string
	cols  csvin.JourneyColumns
}

func (j *journeyInput) register(fl *pflag.FlagSet, withInput bool) {
	if withInput {
		fl.StringVar(&j.input, "input", "", "journeys CSV file: path;total_conversions;total_conversion_value;total_null (separator ; , or tab, detected)")
	}
	fl.StringVar(&j.cols.Path, "path-col", csvin.DefaultJourneyColumns.Path, `name of the path column (channels joined by ">")`)
	fl.StringVar(&j.cols.Conversions, "conversions-col", csvin.DefaultJourneyColumns.Conversions, "name of the conversions column")
	fl.StringVar(&j.cols.Value, "value-col", csvin.DefaultJourneyColumns.Value, "name of the conversion value column (optional)")
	fl.StringVar(&j.cols.Null, "null-col", csvin.DefaultJourneyColumns.Null, "name of the non-converting journeys column (optional)")
}

func (j *journeyInput) readFile(f *csvin.File) ([]csvin.JourneyRow, error) {
	return csvin.ReadJourneys(f, j.cols)
}

type attributionFlags struct {
	journeyInput
	halfLife float64
	format   string
}

// newAnalyzeAttributionCmd is `daiyun analyze attribution`: every
// attribution model over a journeys file.
func newAnalyzeAttributionCmd(m *Main) *cobra.Command {
	var f attributionFlags
	cmd := &cobra.Command{
		Use:   "attribution --input FILE [--half-life 1]",
		Short: "Channel attribution: first/last touch, linear, time decay, position based, Markov, Shapley",
		Long: `Reads journeys in the ChannelAttribution layout and shares the conversions
and conversion value among channels with every model. Markov removal effects
are exact (solved from the absorbing chain). Each model's conversions sum to
the total. See docs/analysis.md#attribution.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runAttribution(cmd, f) },
	}
	fl := cmd.Flags()
	f.register(fl, true)
	fl.Float64Var(&f.halfLife, "half-life", 1, "time-decay half-life in touches: a touch k steps before the last weighs 2^(−k/half-life)")
	addFormat(cmd, &f.format)
	return cmd
}

func runAttribution(cmd *cobra.Command, f attributionFlags) error {
	if f.input == "" {
		return daiyun.Errorf(daiyun.EINVALID, "--input FILE is required")
	}
	if !(f.halfLife > 0) {
		return daiyun.Errorf(daiyun.EINVALID, "--half-life %v: must be a positive number of touches", f.halfLife)
	}
	file, err := csvin.Open(f.input, nil)
	if err != nil {
		return err
	}
	defer file.Close()
	rows, err := f.readFile(file)
	if err != nil {
		return err
	}
	paths := make([]attribution.Path, len(rows))
	for i, r := range rows {
		paths[i] = attribution.Path{Channels: r.Channels, Conversions: r.Conversions, Value: r.Value, Nulls: r.Nulls}
	}
	res, err := attribution.Compute(paths, attribution.Options{HalfLife: f.halfLife})
	if err != nil {
		return err
	}
	t := table{header: []string{"channel"}}
	for _, m := range attribution.Models {
		t.header = append(t.header, m+"_conversions", m+"_value")
	}
	t.header = append(t.header, "removal_effect")
	for _, c := range res.Channels {
		row := []string{c}
		for _, m := range attribution.Models {
			cr := res.Models[m][c]
			row = append(row, ff(round6(cr.Conversions)), ff(round6(cr.Value)))
		}
		t.rows = append(t.rows, append(row, ff(round6(res.RemovalEffects[c]))))
	}
	return emit(cmd, f.format, res, t)
}

// round6 rounds to 6 decimals for tables (JSON keeps full precision).
func round6(v float64) float64 { return math.Round(v*1e6) / 1e6 }
