package main

import (
	"strconv"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/retention"
	"github.com/spf13/cobra"
)

func init() { analyzeKinds = append(analyzeKinds, newAnalyzeRetentionCmd) }

type retentionFlags struct {
	eventInput
	start, ret, period, to, typ, format string
	intervals                           int
}

// newAnalyzeRetentionCmd is `daiyun analyze retention`: a cohort retention
// table over an event file.
func newAnalyzeRetentionCmd(m *Main) *cobra.Command {
	var f retentionFlags
	cmd := &cobra.Command{
		Use:   "retention --input FILE --start-event E [--return-event E] [--period week] [--intervals N] [--to T]",
		Short: "Retention table: cohorts by the period of a start event, returns in later periods",
		Long: `Reads person_id,event,timestamp and builds exactly --intervals cohorts, oldest
first, the last one being the period that contains --to. Cohort i has N−i
values: values[j] counts the cohort's persons who did the return event in
period i+j; values[0] is the cohort size. See docs/analysis.md#retention.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runRetention(cmd, f) },
	}
	fl := cmd.Flags()
	f.register(fl)
	fl.StringVar(&f.start, "start-event", "", "event that places a person in a cohort (required)")
	fl.StringVar(&f.ret, "return-event", "", "event that counts as a return (default: the start event)")
	fl.StringVar(&f.period, "period", "week", "cohort period: day, week (Monday to Sunday) or month")
	fl.IntVar(&f.intervals, "intervals", 8, "number of cohorts and periods N")
	fl.StringVar(&f.to, "to", "", "a time in the last cohort's period (default: the latest event)")
	fl.StringVar(&f.typ, "type", "recurring", "recurring (a cohort for every period with a start event) or first-time (only the period of the first)")
	addFormat(cmd, &f.format)
	return cmd
}

func runRetention(cmd *cobra.Command, f retentionFlags) error {
	if f.start == "" {
		return daiyun.Errorf(daiyun.EINVALID, "--start-event is required")
	}
	if f.ret == "" {
		f.ret = f.start
	}
	rows, loc, err := f.read()
	if err != nil {
		return err
	}
	to, err := parseBound("--to", f.to, loc, false)
	if err != nil {
		return err
	}
	evs := make([]retention.Event, len(rows))
	for i, r := range rows {
		evs[i] = retention.Event{Person: r.Person, Name: r.Name, Time: r.Time}
	}
	res, err := retention.Compute(evs, retention.Options{StartEvent: f.start, ReturnEvent: f.ret, Period: retention.Period(f.period),
		Intervals: f.intervals, To: to, Type: retention.Type(f.typ), Loc: loc})
	if err != nil {
		return err
	}
	t := table{header: []string{"start", "size"}}
	for j := 0; j < f.intervals; j++ {
		t.header = append(t.header, f.period+"_"+strconv.Itoa(j))
	}
	for _, c := range res.Cohorts {
		row := []string{c.Start, strconv.Itoa(c.Size)}
		for _, v := range c.Values {
			row = append(row, strconv.Itoa(v))
		}
		for len(row) < len(t.header) {
			row = append(row, "")
		}
		t.rows = append(t.rows, row)
	}
	return emit(cmd, f.format, res, t)
}
