package main

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/csvin"
	"github.com/daiyun/daiyun/analysis/funnel"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func init() { analyzeKinds = append(analyzeKinds, newAnalyzeFunnelCmd) }

// eventInput is the file door shared by the analyses of behaviour events
// (funnel, retention, paths): --input, --tz and the column renames.
type eventInput struct {
	input, tz string
	cols      csvin.EventColumns
}

func (e *eventInput) register(fl *pflag.FlagSet) {
	fl.StringVar(&e.input, "input", "", "events CSV file with a header (columns person_id,event,timestamp)")
	fl.StringVar(&e.tz, "tz", "UTC", "time zone of timestamps without an offset and of day/week/month boundaries (IANA name)")
	fl.StringVar(&e.cols.Person, "person-id-col", "person_id", "name of the person column")
	fl.StringVar(&e.cols.Event, "event-col", "event", "name of the event column")
	fl.StringVar(&e.cols.Timestamp, "timestamp-col", "timestamp", "name of the timestamp column")
}

// read opens the file and returns its events in file order.
func (e *eventInput) read() ([]csvin.EventRow, *time.Location, error) {
	if e.input == "" {
		return nil, nil, daiyun.Errorf(daiyun.EINVALID, "--input FILE is required")
	}
	loc, err := csvin.LoadLocation(e.tz)
	if err != nil {
		return nil, nil, err
	}
	f, err := csvin.Open(e.input, loc)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	rows, err := csvin.ReadEvents(f, e.cols)
	return rows, loc, err
}

// parseBound reads a --from/--to value: a timestamp or a date. A date given
// to an end bound (end true) means the end of that day, so both bounds
// include the days they name.
func parseBound(flag, s string, loc *time.Location, end bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := csvin.ParseTime(s, loc)
	if err != nil {
		return time.Time{}, daiyun.Errorf(daiyun.EINVALID, "%s %q: not a timestamp (want RFC 3339, YYYY-MM-DD HH:MM:SS or YYYY-MM-DD)", flag, s)
	}
	if end && csvin.IsDateOnly(s) {
		t = t.AddDate(0, 0, 1).Add(-time.Nanosecond)
	}
	return t, nil
}

// ff formats a number for tables: rounded to 6 decimals, no trailing
// zeros (JSON keeps full precision).
func ff(v float64) string { return strconv.FormatFloat(math.Round(v*1e6)/1e6, 'f', -1, 64) }

// fp formats an optional number like ff; null is an empty cell.
func fp(v *float64) string {
	if v == nil {
		return ""
	}
	return ff(*v)
}

type funnelFlags struct {
	eventInput
	steps, window, from, to, format string
	exclude                         []string
}

// newAnalyzeFunnelCmd is `daiyun analyze funnel`: an ordered conversion
// funnel over an event file.
func newAnalyzeFunnelCmd(m *Main) *cobra.Command {
	var f funnelFlags
	cmd := &cobra.Command{
		Use:   "funnel --input FILE --steps a,b,c [--window 14d] [--exclude E:FROM-TO]…",
		Short: "Ordered conversion funnel with a window, exclusions and times to convert",
		Long: `Reads person_id,event,timestamp and counts, for each step, the persons who
did steps 0..k in order within --window of a step-0 event. Every step-0 event
starts an attempt; a person counts once, at the furthest step. See
docs/analysis.md#funnel for the exact semantics.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runFunnel(cmd, f) },
	}
	fl := cmd.Flags()
	f.register(fl)
	fl.StringVar(&f.steps, "steps", "", `event names of the steps in order, comma separated (a name may repeat), e.g. "view,cart,pay"`)
	fl.StringVar(&f.window, "window", "14d", "conversion window from the step-0 event: a number and a unit s, m, h, d or w")
	fl.StringArrayVar(&f.exclude, "exclude", nil, "EVENT:FROM-TO: an EVENT after step FROM and before step TO voids the attempt (repeatable; steps from 0)")
	fl.StringVar(&f.from, "from", "", "earliest step-0 event, inclusive (timestamp or date)")
	fl.StringVar(&f.to, "to", "", "latest step-0 event, inclusive (a date means the whole day)")
	addFormat(cmd, &f.format)
	return cmd
}

func runFunnel(cmd *cobra.Command, f funnelFlags) error {
	var o funnel.Options
	for _, s := range strings.Split(f.steps, ",") {
		if s = strings.TrimSpace(s); s != "" {
			o.Steps = append(o.Steps, s)
		}
	}
	if len(o.Steps) < 2 {
		return daiyun.Errorf(daiyun.EINVALID, `--steps: give at least two event names, e.g. --steps "view,cart,pay"`)
	}
	w, err := csvin.ParseDuration(f.window)
	if err != nil {
		return daiyun.Errorf(daiyun.EINVALID, "--window: %v", err)
	}
	o.Window = w
	for _, x := range f.exclude {
		ex, err := funnel.ParseExclusion(x)
		if err != nil {
			return err
		}
		o.Exclusions = append(o.Exclusions, ex)
	}
	rows, loc, err := f.read()
	if err != nil {
		return err
	}
	if o.From, err = parseBound("--from", f.from, loc, false); err != nil {
		return err
	}
	if o.To, err = parseBound("--to", f.to, loc, true); err != nil {
		return err
	}
	evs := make([]funnel.Event, len(rows))
	for i, r := range rows {
		evs[i] = funnel.Event{Person: r.Person, Name: r.Name, Time: r.Time}
	}
	res, err := funnel.Compute(evs, o)
	if err != nil {
		return err
	}
	t := table{header: []string{"step", "name", "count", "conversion_rate", "avg_time_to_convert_s", "median_time_to_convert_s"}}
	for i, s := range res.Steps {
		t.rows = append(t.rows, []string{strconv.Itoa(i), s.Name, strconv.Itoa(s.Count), fp(s.ConversionRate), fp(s.AvgTimeToConvertS), fp(s.MedianTimeToConvertS)})
	}
	return emit(cmd, f.format, res, t)
}
