package source

import (
	"context"
	"slices"
	"sort"
	"strings"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/analysis/attribution"
)

// Default ROI floors: a channel or campaign that does not earn back its
// spend is flagged; KOL deals under 1.1 are flagged (PRODUCT.md D5).
const (
	DefaultROIFloor    = 1.0
	DefaultKOLROIFloor = 1.1
)

// AttributionResult is every model's credit per channel (or campaign) and
// the return on what was spent on each channel, campaign and KOL.
type AttributionResult struct {
	*attribution.Result
	Touch    string `json:"touch"`
	ROIModel string `json:"roi_model"`
	// Unattributed counts paid orders whose buyer had no visit in the
	// range before paying: they are not in any journey.
	UnattributedConversions float64 `json:"unattributed_conversions"`
	UnattributedValue       float64 `json:"unattributed_value"`
	ROIFloor                float64 `json:"roi_floor"`
	KOLROIFloor             float64 `json:"kol_roi_floor"`
	ROI                     []ROI   `json:"roi"`
}

// ROI is the return of one channel, campaign or KOL: Value ÷ Spend. Value
// is the conversion value credited by the ROI model (channels; campaigns
// when touches are campaigns) or reported by the ad platform or the deal
// (Reported). ROI is null without spend.
type ROI struct {
	Kind       string   `json:"kind"` // channel, campaign or kol
	Name       string   `json:"name"`
	Spend      float64  `json:"spend"`
	Value      float64  `json:"value"`
	Reported   bool     `json:"reported"`
	ROI        *float64 `json:"roi"`
	Floor      float64  `json:"floor"`
	BelowFloor bool     `json:"below_floor"`
}

// journeys builds attribution paths from events: per person, in time
// order, each visit is a touch labelled by its source (or campaign, when
// touch is "campaign" and the visit has one); a pay event converts the
// touches since the previous conversion, with the order's net paid amount
// as value; touches after a person's last payment are a journey that did
// not convert. Identical paths are merged.
func journeys(evs []Event, touch string, values map[string]float64) (ps []attribution.Path, noTouchConv, noTouchValue float64, campaignSource map[string]string) {
	byKey := map[string]*attribution.Path{}
	var order []string
	add := func(chs []string, conv, val, null float64) {
		k := strings.Join(chs, "\x00")
		p, ok := byKey[k]
		if !ok {
			p = &attribution.Path{Channels: slices.Clone(chs)}
			byKey[k] = p
			order = append(order, k)
		}
		p.Conversions += conv
		p.Value += val
		p.Nulls += null
	}
	// campaign → source counts, to charge campaign spend to channels.
	cs := map[string]map[string]int{}
	var touches []string
	for i, e := range evs {
		if i > 0 && evs[i-1].Person != e.Person {
			if len(touches) > 0 {
				add(touches, 0, 0, 1)
			}
			touches = touches[:0]
		}
		switch e.Name {
		case "visit":
			label := e.Source
			if e.Campaign != "" {
				if cs[e.Campaign] == nil {
					cs[e.Campaign] = map[string]int{}
				}
				cs[e.Campaign][e.Source]++
				if touch == "campaign" {
					label = e.Campaign
				}
			}
			if label == "" {
				label = "(unknown)"
			}
			touches = append(touches, label)
		case "pay":
			v := values[orderKey(e.Shop, e.OrderNo)]
			if len(touches) == 0 {
				noTouchConv++
				noTouchValue += v
				continue
			}
			add(touches, 1, v, 0)
			touches = touches[:0]
		}
	}
	if len(touches) > 0 {
		add(touches, 0, 0, 1)
	}
	for _, k := range order {
		ps = append(ps, *byKey[k])
	}
	campaignSource = map[string]string{}
	for c, m := range cs {
		best, n := "", -1
		for s, k := range m {
			if k > n || (k == n && s < best) {
				best, n = s, k
			}
		}
		campaignSource[c] = best
	}
	return ps, noTouchConv, noTouchValue, campaignSource
}

func runAttribution(ctx context.Context, l *Loader, sc *scope, res *Analysis) error {
	o := sc.req.Options
	touch := orDefault(o.Touch, "source")
	if touch != "source" && touch != "campaign" {
		return daiyun.Errorf(daiyun.EINVALID, "options.touch %q is not source or campaign", touch)
	}
	model := orDefault(o.ROIModel, attribution.Markov)
	if !slices.Contains(attribution.Models, model) {
		return daiyun.Errorf(daiyun.EINVALID, "options.roi_model %q is not one of %s", model, strings.Join(attribution.Models, ", "))
	}
	floor, kolFloor := DefaultROIFloor, DefaultKOLROIFloor
	if o.ROIFloor != nil {
		floor = *o.ROIFloor
	}
	if o.KOLROIFloor != nil {
		kolFloor = *o.KOLROIFloor
	}
	evs, err := l.events(ctx, sc)
	if err != nil {
		return err
	}
	values, err := l.orderValues(ctx, sc)
	if err != nil {
		return err
	}
	spends, err := l.spends(ctx, sc)
	if err != nil {
		return err
	}
	res.InputRows = len(evs) + len(values) + len(spends)
	ps, ntc, ntv, campSrc := journeys(evs, touch, values)
	r, err := attribution.Compute(ps, attribution.Options{HalfLife: o.HalfLife})
	if err != nil {
		return err
	}
	out := AttributionResult{Result: r, Touch: touch, ROIModel: model, UnattributedConversions: ntc, UnattributedValue: ntv,
		ROIFloor: floor, KOLROIFloor: kolFloor, ROI: []ROI{}}
	// Spend charged to each touch label: a campaign's own spend, or for
	// sources the spend of the campaigns whose visits land in that source.
	spendOf := map[string]float64{}
	for _, s := range spends {
		if s.Kind != "campaign" {
			continue
		}
		label := s.Name
		if touch == "source" {
			src, ok := campSrc[s.Name]
			if !ok && slices.Contains(r.Channels, "ads_"+s.Platform) {
				src, ok = "ads_"+s.Platform, true
			}
			if !ok {
				continue
			}
			label = src
		}
		spendOf[label] += s.Spend
	}
	credit := r.Models[model]
	for _, ch := range r.Channels {
		out.ROI = append(out.ROI, roi("channel", ch, spendOf[ch], credit[ch].Value, false, floor))
	}
	for _, s := range spends {
		if s.Kind == "kol" {
			out.ROI = append(out.ROI, roi("kol", s.Name, s.Spend, s.GMV, true, kolFloor))
		} else {
			out.ROI = append(out.ROI, roi("campaign", s.Name, s.Spend, s.GMV, true, floor))
		}
	}
	res.Result = out
	res.Tables = attributionTables(r, out.ROI)
	return nil
}

func roi(kind, name string, spend, value float64, reported bool, floor float64) ROI {
	x := ROI{Kind: kind, Name: name, Spend: spend, Value: value, Reported: reported, Floor: floor}
	if spend > 0 {
		v := value / spend
		x.ROI = &v
		x.BelowFloor = v < floor
	}
	return x
}

func attributionTables(r *attribution.Result, rois []ROI) []Table {
	ch := Table{Name: "channels", Header: []string{"channel"}}
	for _, m := range attribution.Models {
		ch.Header = append(ch.Header, m+"_conversions", m+"_value")
	}
	ch.Header = append(ch.Header, "removal_effect")
	names := slices.Clone(r.Channels)
	sort.Strings(names)
	for _, c := range names {
		row := []string{c}
		for _, m := range attribution.Models {
			cr := r.Models[m][c]
			row = append(row, num(cr.Conversions), num(cr.Value))
		}
		ch.Rows = append(ch.Rows, append(row, num(r.RemovalEffects[c])))
	}
	rt := Table{Name: "roi", Header: []string{"kind", "name", "spend", "value", "reported", "roi", "floor", "below_floor"}}
	for _, x := range rois {
		rt.Rows = append(rt.Rows, []string{x.Kind, x.Name, num(x.Spend), num(x.Value), boolStr(x.Reported), nump(x.ROI), num(x.Floor), boolStr(x.BelowFloor)})
	}
	return []Table{ch, rt}
}

func boolStr(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
