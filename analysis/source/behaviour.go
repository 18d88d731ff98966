package source

import (
	"context"
	"sort"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/funnel"
	"github.com/daiyun/daiyun/analysis/paths"
	"github.com/daiyun/daiyun/analysis/retention"
)

// DefaultFunnel is the funnel of warehouse events (PRODUCT.md D1).
var DefaultFunnel = []string{"visit", "product_view", "add_to_cart", "order", "pay"}

// FunnelResult is the funnel over all traffic, the step that loses the
// most, and the same funnel per channel.
type FunnelResult struct {
	Steps     []funnel.Step   `json:"steps"`
	Weakest   *WeakestStep    `json:"weakest_step"`
	ByChannel []ChannelFunnel `json:"by_channel"`
}

// WeakestStep is the step with the lowest conversion from the step before
// it (ties to the earliest).
type WeakestStep struct {
	Index int     `json:"index"`
	From  string  `json:"from"`
	To    string  `json:"to"`
	Rate  float64 `json:"rate"`
}

// ChannelFunnel is the funnel of the attempts whose step-0 event came
// from one traffic source.
type ChannelFunnel struct {
	Channel string        `json:"channel"`
	Steps   []funnel.Step `json:"steps"`
	Weakest *WeakestStep  `json:"weakest_step"`
}

func weakest(r *funnel.Result) *WeakestStep {
	k, rate, ok := r.WeakestStep()
	if !ok {
		return nil
	}
	return &WeakestStep{Index: k, From: r.Steps[k-1].Name, To: r.Steps[k].Name, Rate: rate}
}

func runFunnel(ctx context.Context, l *Loader, sc *scope, res *Analysis) error {
	o := sc.req.Options
	steps := o.Steps
	if len(steps) == 0 {
		steps = DefaultFunnel
	}
	window, err := duration("window", o.Window, "14d")
	if err != nil {
		return err
	}
	evs, err := l.events(ctx, sc)
	if err != nil {
		return err
	}
	res.InputRows = len(evs)
	all := make([]funnel.Event, len(evs))
	var channels []string
	seen := map[string]bool{}
	for i, e := range evs {
		all[i] = funnel.Event{Person: e.Person, Name: e.Name, Time: e.Time}
		if e.Name == steps[0] && !seen[e.Source] {
			seen[e.Source] = true
			channels = append(channels, e.Source)
		}
	}
	fo := funnel.Options{Steps: steps, Window: window}
	for _, x := range o.Exclude {
		ex, err := funnel.ParseExclusion(x)
		if err != nil {
			return err
		}
		fo.Exclusions = append(fo.Exclusions, ex)
	}
	overall, err := funnel.Compute(all, fo)
	if err != nil {
		return err
	}
	out := FunnelResult{Steps: overall.Steps, Weakest: weakest(overall), ByChannel: []ChannelFunnel{}}
	sort.Strings(channels)
	// A channel's funnel keeps every event but the step-0 events of other
	// channels, so each attempt is counted under the source it started from.
	sub := make([]funnel.Event, 0, len(evs))
	for _, ch := range channels {
		sub = sub[:0]
		for i, e := range evs {
			if e.Name != steps[0] || e.Source == ch {
				sub = append(sub, all[i])
			}
		}
		r, err := funnel.Compute(sub, fo)
		if err != nil {
			return err
		}
		out.ByChannel = append(out.ByChannel, ChannelFunnel{Channel: ch, Steps: r.Steps, Weakest: weakest(r)})
	}
	res.Result = out
	t := Table{Name: "steps", Header: []string{"step", "name", "count", "conversion_rate", "step_rate", "avg_time_to_convert_s", "median_time_to_convert_s"}}
	t.Rows = funnelRows(nil, overall.Steps)
	bc := Table{Name: "by_channel", Header: append([]string{"channel"}, t.Header...)}
	for _, c := range out.ByChannel {
		bc.Rows = funnelRows([]string{c.Channel}, c.Steps, bc.Rows...)
	}
	res.Tables = []Table{t, bc}
	return nil
}

func funnelRows(prefix []string, steps []funnel.Step, rows ...[]string) [][]string {
	for k, s := range steps {
		stepRate := ""
		if k > 0 && steps[k-1].Count > 0 {
			stepRate = num(float64(s.Count) / float64(steps[k-1].Count))
		}
		row := append(append([]string{}, prefix...), itoa(k), s.Name, itoa(s.Count), nump(s.ConversionRate), stepRate,
			nump(s.AvgTimeToConvertS), nump(s.MedianTimeToConvertS))
		rows = append(rows, row)
	}
	return rows
}

func runRetention(ctx context.Context, l *Loader, sc *scope, res *Analysis) error {
	o := sc.req.Options
	start := orDefault(o.StartEvent, "pay")
	ro := retention.Options{StartEvent: start, ReturnEvent: orDefault(o.ReturnEvent, start),
		Period: retention.Period(orDefault(o.Period, "week")), Intervals: orDefault(o.Intervals, 8),
		Type: retention.Type(orDefault(o.Type, "recurring")), Loc: sc.loc, To: sc.end.Add(-1)}
	evs, err := l.events(ctx, sc)
	if err != nil {
		return err
	}
	res.InputRows = len(evs)
	in := make([]retention.Event, len(evs))
	for i, e := range evs {
		in[i] = retention.Event{Person: e.Person, Name: e.Name, Time: e.Time}
	}
	r, err := retention.Compute(in, ro)
	if err != nil {
		return err
	}
	res.Result = r
	t := Table{Name: "cohorts", Header: []string{"start", "size", "offset", "persons", "rate"}}
	for _, c := range r.Cohorts {
		rates := c.Rates()
		for j, v := range c.Values {
			rate := ""
			if rates != nil {
				rate = num(rates[j])
			}
			t.Rows = append(t.Rows, []string{c.Start, itoa(c.Size), itoa(j), itoa(v), rate})
		}
	}
	res.Tables = []Table{t}
	return nil
}

func runPaths(ctx context.Context, l *Loader, sc *scope, res *Analysis) error {
	o := sc.req.Options
	gap, err := duration("session_gap", o.SessionGap, "30m")
	if err != nil {
		return err
	}
	po := paths.Options{SessionGap: gap, ConversionEvent: orDefault(o.ConversionEvent, "pay"),
		CollapseRepeats: o.CollapseRepeats, MaxSteps: o.MaxSteps, Top: o.Top}
	if o.MaxSteps < 0 || o.Top < 0 {
		return daiyun.Errorf(daiyun.EINVALID, "options.max_steps and options.top must be positive")
	}
	evs, err := l.events(ctx, sc)
	if err != nil {
		return err
	}
	res.InputRows = len(evs)
	in := make([]paths.Event, len(evs))
	for i, e := range evs {
		in[i] = paths.Event{Person: e.Person, Name: e.Name, Time: e.Time}
	}
	js, err := paths.FromEvents(in, po)
	if err != nil {
		return err
	}
	r, err := paths.Compute(js, po)
	if err != nil {
		return err
	}
	res.Result = r
	header := []string{"rank", "path", "journeys", "conversions", "drop_offs", "conversion_rate", "share"}
	list := func(name string, ps []paths.PathStat) Table {
		t := Table{Name: name, Header: header}
		for i, p := range ps {
			t.Rows = append(t.Rows, []string{itoa(i + 1), p.Text, num(p.Journeys), num(p.Conversions), num(p.DropOffs), num(p.ConversionRate), num(p.Share)})
		}
		return t
	}
	res.Tables = []Table{list("paths", r.Paths), list("to_purchase", r.ToPurchase), list("to_drop_off", r.ToDropOff)}
	return nil
}
