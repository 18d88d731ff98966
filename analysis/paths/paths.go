// Package paths finds the most frequent journeys to purchase and to
// drop-off (PRODUCT.md D6), and lays them out as a Sankey diagram (nodes and
// links) as well as tables.
//
// A journey is a sequence of steps (events or channels) that ends in a
// conversion or a drop-off. Journeys come either from raw events, cut into
// sessions (FromEvents), or already aggregated, like the ChannelAttribution
// layout. The package reads no files and knows no storage.
package paths

import (
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
)

// Event is one behaviour event.
type Event struct {
	Person string
	Name   string
	Time   time.Time
}

// Journey is a distinct path and how many journeys along it converted or
// dropped off.
type Journey struct {
	Steps                 []string
	Conversions, DropOffs float64
}

// Options tune the analysis.
type Options struct {
	// SessionGap splits a person's events into sessions: a gap longer than
	// it starts a new session. Default 30 minutes. Events only.
	SessionGap time.Duration
	// ConversionEvent names the event that converts. Events only.
	ConversionEvent string
	// CollapseRepeats merges consecutive repeats of a step into one.
	CollapseRepeats bool
	// MaxSteps keeps the first MaxSteps steps of a longer journey and
	// replaces the rest by one step "…". Default 10.
	MaxSteps int
	// Top is how many paths each list holds. Default 10.
	Top int
}

// Ellipsis stands for the steps cut off a journey longer than MaxSteps.
const Ellipsis = "…"

func (o *Options) defaults() {
	if o.SessionGap == 0 {
		o.SessionGap = 30 * time.Minute
	}
	if o.MaxSteps == 0 {
		o.MaxSteps = 10
	}
	if o.Top == 0 {
		o.Top = 10
	}
}

// FromEvents cuts each person's events (sorted by time, input order kept
// among equal times) into sessions and each session into journeys: the
// steps before a conversion event form a converting journey (the
// conversion event itself is not a step, so a session that starts with a
// purchase gives an empty path), the steps after the last conversion of a
// session, if any, a journey that dropped off.
func FromEvents(events []Event, o Options) ([]Journey, error) {
	o.defaults()
	if len(events) == 0 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "the input has no events")
	}
	if o.ConversionEvent == "" {
		return nil, daiyun.Errorf(daiyun.EINVALID, "--conversion-event is required with event input")
	}
	if o.SessionGap < 0 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "--session-gap must be positive")
	}
	found := false
	byPerson := map[string][]int{}
	var order []string
	for i, e := range events {
		found = found || e.Name == o.ConversionEvent
		if _, ok := byPerson[e.Person]; !ok {
			order = append(order, e.Person)
		}
		byPerson[e.Person] = append(byPerson[e.Person], i)
	}
	if !found {
		return nil, daiyun.Errorf(daiyun.EINVALID, "--conversion-event %q: no event of that name in the input", o.ConversionEvent)
	}
	var out []Journey
	for _, p := range order {
		idx := byPerson[p]
		sort.SliceStable(idx, func(a, b int) bool { return events[idx[a]].Time.Before(events[idx[b]].Time) })
		var steps []string
		var prev time.Time
		for k, i := range idx {
			e := events[i]
			if k > 0 && e.Time.Sub(prev) > o.SessionGap && len(steps) > 0 {
				out = append(out, Journey{Steps: steps, DropOffs: 1})
				steps = nil
			}
			prev = e.Time
			if e.Name == o.ConversionEvent {
				out = append(out, Journey{Steps: steps, Conversions: 1})
				steps = nil
				continue
			}
			steps = append(steps, e.Name)
		}
		if len(steps) > 0 {
			out = append(out, Journey{Steps: steps, DropOffs: 1})
		}
	}
	return out, nil
}

// PathStat is one distinct path.
type PathStat struct {
	Steps []string `json:"path"`
	// Text is the steps joined by " > " ("(none)" for an empty path).
	Text        string  `json:"text"`
	Journeys    float64 `json:"journeys"`
	Conversions float64 `json:"conversions"`
	DropOffs    float64 `json:"drop_offs"`
	// ConversionRate is Conversions ÷ Journeys; Share is Journeys ÷ all
	// journeys.
	ConversionRate float64 `json:"conversion_rate"`
	Share          float64 `json:"share"`
}

// Result lists the top paths and the Sankey diagram of the listed ones.
type Result struct {
	Journeys       float64 `json:"journeys"`
	Conversions    float64 `json:"conversions"`
	DropOffs       float64 `json:"drop_offs"`
	ConversionRate float64 `json:"conversion_rate"`
	DistinctPaths  int     `json:"distinct_paths"`
	// Paths are the most frequent paths overall; ToPurchase those with the
	// most conversions; ToDropOff those with the most drop-offs. Ties are
	// broken by the path text.
	Paths      []PathStat `json:"paths"`
	ToPurchase []PathStat `json:"to_purchase"`
	ToDropOff  []PathStat `json:"to_drop_off"`
	Sankey     Sankey     `json:"sankey"`
}

// Sankey is a diagram of the paths in ToPurchase and ToDropOff (each path
// once): a node per step position and name ("2. cart"), a start node and
// the two outcomes, and links weighted by journeys.
type Sankey struct {
	Nodes []Node `json:"nodes"`
	Links []Link `json:"links"`
}

// Node of a Sankey diagram; Step is the position (0 for start, -1 for the
// outcomes).
type Node struct {
	Name string `json:"name"`
	Step int    `json:"step"`
}

// Link of a Sankey diagram between node indices.
type Link struct {
	Source int     `json:"source"`
	Target int     `json:"target"`
	Value  float64 `json:"value"`
}

// Sankey node names of the start and the outcomes.
const (
	StartNode      = "(start)"
	ConversionNode = "(conversion)"
	DropOffNode    = "(drop-off)"
)

// Compute aggregates journeys into paths.
func Compute(js []Journey, o Options) (*Result, error) {
	o.defaults()
	if o.MaxSteps < 1 || o.Top < 1 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "--max-steps and --top must be at least 1")
	}
	if len(js) == 0 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "the input has no journeys")
	}
	agg := map[string]*PathStat{}
	res := &Result{}
	for i, j := range js {
		if j.Conversions < 0 || j.DropOffs < 0 || math.IsNaN(j.Conversions+j.DropOffs) || math.IsInf(j.Conversions+j.DropOffs, 0) {
			return nil, daiyun.Errorf(daiyun.EINVALID, "journey %d: conversions and drop-offs must be finite and not negative", i+1)
		}
		steps := shape(j.Steps, o)
		key := strings.Join(steps, "\x1f")
		ps := agg[key]
		if ps == nil {
			ps = &PathStat{Steps: steps, Text: text(steps)}
			agg[key] = ps
		}
		ps.Conversions += j.Conversions
		ps.DropOffs += j.DropOffs
		res.Conversions += j.Conversions
		res.DropOffs += j.DropOffs
	}
	res.Journeys = res.Conversions + res.DropOffs
	if res.Journeys == 0 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "no journey has conversions or drop-offs")
	}
	res.ConversionRate = res.Conversions / res.Journeys
	all := make([]PathStat, 0, len(agg))
	for _, ps := range agg {
		ps.Journeys = ps.Conversions + ps.DropOffs
		if ps.Journeys == 0 {
			continue
		}
		ps.ConversionRate = ps.Conversions / ps.Journeys
		ps.Share = ps.Journeys / res.Journeys
		all = append(all, *ps)
	}
	res.DistinctPaths = len(all)
	res.Paths = top(all, o.Top, func(p PathStat) float64 { return p.Journeys })
	res.ToPurchase = top(all, o.Top, func(p PathStat) float64 { return p.Conversions })
	res.ToDropOff = top(all, o.Top, func(p PathStat) float64 { return p.DropOffs })
	res.Sankey = sankey(res.ToPurchase, res.ToDropOff)
	return res, nil
}

// shape collapses repeats and cuts long journeys, as the options say.
func shape(steps []string, o Options) []string {
	var out []string
	for _, s := range steps {
		if o.CollapseRepeats && len(out) > 0 && out[len(out)-1] == s {
			continue
		}
		out = append(out, s)
	}
	if len(out) > o.MaxSteps {
		out = append(out[:o.MaxSteps:o.MaxSteps], Ellipsis)
	}
	return out
}

func text(steps []string) string {
	if len(steps) == 0 {
		return "(none)"
	}
	return strings.Join(steps, " > ")
}

// top returns the n paths with the largest positive key, ties by text.
func top(all []PathStat, n int, key func(PathStat) float64) []PathStat {
	var out []PathStat
	for _, p := range all {
		if key(p) > 0 {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if a, b := key(out[i]), key(out[j]); a != b {
			return a > b
		}
		return out[i].Text < out[j].Text
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

func sankey(lists ...[]PathStat) Sankey {
	var s Sankey
	nodes := map[string]int{}
	node := func(name string, step int) int {
		key := strconv.Itoa(step) + "\x1f" + name
		if i, ok := nodes[key]; ok {
			return i
		}
		label := name
		if step > 0 {
			label = strconv.Itoa(step) + ". " + name
		}
		nodes[key] = len(s.Nodes)
		s.Nodes = append(s.Nodes, Node{Name: label, Step: step})
		return nodes[key]
	}
	links := map[[2]int]int{}
	link := func(a, b int, v float64) {
		if v == 0 {
			return
		}
		k := [2]int{a, b}
		if i, ok := links[k]; ok {
			s.Links[i].Value += v
			return
		}
		links[k] = len(s.Links)
		s.Links = append(s.Links, Link{Source: a, Target: b, Value: v})
	}
	start := node(StartNode, 0)
	seen := map[string]bool{}
	for _, l := range lists {
		for _, p := range l {
			if seen[p.Text] {
				continue
			}
			seen[p.Text] = true
			prev := start
			for i, st := range p.Steps {
				n := node(st, i+1)
				link(prev, n, p.Journeys)
				prev = n
			}
			link(prev, node(ConversionNode, -1), p.Conversions)
			link(prev, node(DropOffNode, -1), p.DropOffs)
		}
	}
	return s
}
