package paths

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2024, 5, 1, 8, 0, 0, 0, time.UTC)

func ev(p, name string, min int) Event {
	return Event{Person: p, Name: name, Time: t0.Add(time.Duration(min) * time.Minute)}
}

func TestFromEventsSessionsAndConversions(t *testing.T) {
	evs := []Event{
		ev("a", "home", 0), ev("a", "item", 5), ev("a", "pay", 10), ev("a", "item", 12), // converts, then drops off
		ev("a", "home", 100),                                        // a new session (gap 88 min > 30)
		ev("b", "pay", 0),                                           // converts with no step before
		ev("c", "home", 0), ev("c", "item", 30), ev("c", "pay", 60), // gaps of exactly 30 min stay in the session
	}
	js, err := FromEvents(evs, Options{ConversionEvent: "pay"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, j := range js {
		got = append(got, fmt.Sprintf("%v c=%v d=%v", j.Steps, j.Conversions, j.DropOffs))
	}
	want := "[home item] c=1 d=0|[item] c=0 d=1|[home] c=0 d=1|[] c=1 d=0|[home item] c=1 d=0"
	if g := strings.Join(got, "|"); g != want {
		t.Errorf("journeys\n%s\nwant\n%s", g, want)
	}
	r, err := Compute(js, Options{Top: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r.Journeys != 5 || r.Conversions != 3 || r.DistinctPaths != 4 || len(r.Paths) != 2 {
		t.Fatalf("%+v", r)
	}
	if p := r.ToPurchase[0]; p.Text != "home > item" || p.Conversions != 2 || p.ConversionRate != 1 {
		t.Errorf("top purchase path %+v", p)
	}
	// Drop-off ties (1 each) are ordered by text.
	if r.ToDropOff[0].Text != "home" || r.ToDropOff[1].Text != "item" {
		t.Errorf("drop-off paths %+v", r.ToDropOff)
	}
	if r.ToPurchase[1].Text != "(none)" {
		t.Errorf("empty path text %q", r.ToPurchase[1].Text)
	}
}

func TestSankeyConservesFlow(t *testing.T) {
	js := []Journey{
		{Steps: []string{"ad", "search", "ad"}, Conversions: 3, DropOffs: 7},
		{Steps: []string{"ad"}, Conversions: 1, DropOffs: 9},
		{Steps: []string{"search", "search", "ad"}, Conversions: 2},
	}
	r, err := Compute(js, Options{CollapseRepeats: true})
	if err != nil {
		t.Fatal(err)
	}
	in, out := map[int]float64{}, map[int]float64{}
	for _, l := range r.Sankey.Links {
		out[l.Source] += l.Value
		in[l.Target] += l.Value
	}
	for i, n := range r.Sankey.Nodes {
		switch n.Name {
		case StartNode:
			if out[i] != 22 {
				t.Errorf("start emits %v, want 22", out[i])
			}
		case ConversionNode:
			if in[i] != 6 {
				t.Errorf("conversion receives %v, want 6", in[i])
			}
		case DropOffNode:
			if in[i] != 16 {
				t.Errorf("drop-off receives %v, want 16", in[i])
			}
		default:
			if in[i] != out[i] {
				t.Errorf("node %s: in %v out %v", n.Name, in[i], out[i])
			}
		}
	}
	if r.Paths[0].Text != "ad" || r.Paths[1].Text != "ad > search > ad" || r.ToPurchase[1].Text != "search > ad" { // 10 journeys each: ties by text
		t.Errorf("paths %+v / %+v", r.Paths, r.ToPurchase)
	}
	if _, err := json.Marshal(r); err != nil {
		t.Fatal(err)
	}
}

func TestMaxSteps(t *testing.T) {
	r, err := Compute([]Journey{{Steps: []string{"a", "b", "c", "d"}, Conversions: 1}}, Options{MaxSteps: 2})
	if err != nil {
		t.Fatal(err)
	}
	if r.Paths[0].Text != "a > b > "+Ellipsis {
		t.Errorf("path %q", r.Paths[0].Text)
	}
}

func TestBadInput(t *testing.T) {
	if _, err := FromEvents([]Event{ev("a", "home", 0)}, Options{ConversionEvent: "pay"}); err == nil {
		t.Error("unknown conversion event accepted")
	}
	if _, err := FromEvents(nil, Options{ConversionEvent: "pay"}); err == nil {
		t.Error("empty input accepted")
	}
	if _, err := Compute([]Journey{{Steps: []string{"a"}, Conversions: -1}}, Options{}); err == nil {
		t.Error("negative count accepted")
	}
	if _, err := Compute([]Journey{{Steps: []string{"a"}}}, Options{}); err == nil {
		t.Error("journeys without outcomes accepted")
	}
}
