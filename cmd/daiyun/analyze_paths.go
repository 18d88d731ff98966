package main

import (
	"strconv"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/csvin"
	"github.com/daiyun/daiyun/analysis/paths"
	"github.com/spf13/cobra"
)

func init() { analyzeKinds = append(analyzeKinds, newAnalyzePathsCmd) }

type pathsFlags struct {
	eventInput
	journeys                journeyInput
	layout, conversion, gap string
	format                  string
	maxSteps, top           int
	collapse                bool
}

// newAnalyzePathsCmd is `daiyun analyze paths`: the most frequent journeys
// to purchase and to drop-off, from events or from journeys.
func newAnalyzePathsCmd(m *Main) *cobra.Command {
	var f pathsFlags
	cmd := &cobra.Command{
		Use:   "paths --input FILE [--conversion-event pay] [--session-gap 30m] [--top 10]",
		Short: "Most frequent journeys to purchase and to drop-off, with a Sankey diagram",
		Long: `Reads either events (person_id,event,timestamp), cut into sessions by
--session-gap and into journeys at each --conversion-event, or journeys in the
ChannelAttribution layout (path;total_conversions;…;total_null). Lists the
top paths overall, to purchase and to drop-off, and a Sankey diagram of the
listed paths. Tables show the three lists. See docs/analysis.md#paths.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runPaths(cmd, f) },
	}
	fl := cmd.Flags()
	f.register(fl)
	f.journeys.register(fl, false)
	fl.Lookup("input").Usage = "events CSV (person_id,event,timestamp) or journeys CSV (path;total_conversions;…;total_null), with a header"
	fl.StringVar(&f.layout, "layout", "auto", "input layout: events, journeys (ChannelAttribution) or auto (journeys when the header has the path column)")
	fl.StringVar(&f.conversion, "conversion-event", "", "event that converts (required for events)")
	fl.StringVar(&f.gap, "session-gap", "30m", "inactivity that ends a session (events): a number and a unit s, m, h, d or w")
	fl.IntVar(&f.maxSteps, "max-steps", 10, "steps kept per journey; the rest becomes one step \"…\"")
	fl.IntVar(&f.top, "top", 10, "paths per list")
	fl.BoolVar(&f.collapse, "collapse-repeats", false, "merge consecutive repeats of a step into one")
	addFormat(cmd, &f.format)
	return cmd
}

func runPaths(cmd *cobra.Command, f pathsFlags) error {
	if f.input == "" {
		return daiyun.Errorf(daiyun.EINVALID, "--input FILE is required")
	}
	gap, err := csvin.ParseDuration(f.gap)
	if err != nil {
		return daiyun.Errorf(daiyun.EINVALID, "--session-gap: %v", err)
	}
	o := paths.Options{SessionGap: gap, ConversionEvent: f.conversion, CollapseRepeats: f.collapse, MaxSteps: f.maxSteps, Top: f.top}
	if f.maxSteps < 1 || f.top < 1 {
		return daiyun.Errorf(daiyun.EINVALID, "--max-steps and --top must be at least 1")
	}
	loc, err := csvin.LoadLocation(f.tz)
	if err != nil {
		return err
	}
	file, err := csvin.Open(f.input, loc)
	if err != nil {
		return err
	}
	defer file.Close()
	layout := f.layout
	if layout == "auto" {
		layout = "events"
		if file.OptionalCol(f.journeys.cols.Path) >= 0 {
			layout = "journeys"
		}
	}
	var js []paths.Journey
	switch layout {
	case "journeys":
		ps, err := f.journeys.readFile(file)
		if err != nil {
			return err
		}
		js = make([]paths.Journey, len(ps))
		for i, p := range ps {
			js[i] = paths.Journey{Steps: p.Channels, Conversions: p.Conversions, DropOffs: p.Nulls}
		}
	case "events":
		rows, err := csvin.ReadEvents(file, f.cols)
		if err != nil {
			return err
		}
		evs := make([]paths.Event, len(rows))
		for i, r := range rows {
			evs[i] = paths.Event{Person: r.Person, Name: r.Name, Time: r.Time}
		}
		if js, err = paths.FromEvents(evs, o); err != nil {
			return err
		}
	default:
		return daiyun.Errorf(daiyun.EINVALID, "--layout %q: want events, journeys or auto", f.layout)
	}
	res, err := paths.Compute(js, o)
	if err != nil {
		return err
	}
	t := table{header: []string{"list", "rank", "path", "journeys", "conversions", "drop_offs", "conversion_rate"}}
	for _, l := range []struct {
		name string
		ps   []paths.PathStat
	}{{"paths", res.Paths}, {"to_purchase", res.ToPurchase}, {"to_drop_off", res.ToDropOff}} {
		for i, p := range l.ps {
			t.rows = append(t.rows, []string{l.name, strconv.Itoa(i + 1), p.Text, ff(p.Journeys), ff(p.Conversions), ff(p.DropOffs), ff(round6(p.ConversionRate))})
		}
	}
	return emit(cmd, f.format, res, t)
}
