// Package attribution shares the conversions and conversion value of
// customer journeys among marketing channels (PRODUCT.md D5): first touch,
// last touch, linear, time decay, position based, a first-order Markov chain
// with exact removal effects, and Shapley values.
//
// Journeys come in the layout of the ChannelAttribution package: one row per
// distinct path with its number of conversions, conversion value and number
// of journeys that did not convert. The package takes plain Go values;
// analysis/csvin reads such files and the warehouse can build []Path. It
// knows nothing about spend or ROI: callers join credits with spend.
package attribution

import (
	"math"
	"sort"

	"github.com/daiyun/daiyun"
)

// Path is one distinct journey and its outcomes.
type Path struct {
	// Channels are the touches in time order; a channel may repeat.
	Channels []string
	// Conversions and Value are the conversions and conversion value of the
	// journeys that followed this path; Nulls the journeys that did not
	// convert.
	Conversions, Value, Nulls float64
}

// Model names, the keys of Result.Models.
const (
	FirstTouch    = "first_touch"
	LastTouch     = "last_touch"
	Linear        = "linear"
	TimeDecay     = "time_decay"
	PositionBased = "position_based"
	Markov        = "markov"
	Shapley       = "shapley"
)

// Models lists every model in display order.
var Models = []string{FirstTouch, LastTouch, Linear, TimeDecay, PositionBased, Markov, Shapley}

// Options tune the models.
type Options struct {
	// HalfLife is the time-decay half-life in touches: a touch k steps
	// before the last one weighs 2^(−k/HalfLife). Default 1.
	HalfLife float64
}

// Credit is what a model gives a channel.
type Credit struct {
	Conversions float64 `json:"conversions"`
	Value       float64 `json:"value"`
}

// Result holds every model's credits per channel and the Markov removal
// effects.
type Result struct {
	Journeys         float64 `json:"journeys"`
	TotalConversions float64 `json:"total_conversions"`
	TotalValue       float64 `json:"total_value"`
	TotalNulls       float64 `json:"total_null"`
	// Channels are all channels seen, sorted.
	Channels []string                     `json:"channels"`
	Models   map[string]map[string]Credit `json:"models"`
	// RemovalEffects are 1 − P(conversion without the channel) ÷
	// P(conversion), from the absorbing Markov chain.
	RemovalEffects map[string]float64 `json:"removal_effects"`
	// ConversionProbability is P(conversion) of the full chain.
	ConversionProbability float64 `json:"markov_conversion_probability"`
}

// journey is a Path with channels interned as indices.
type journey struct {
	ch              []int
	conv, val, null float64
}

// Compute runs every model.
func Compute(paths []Path, o Options) (*Result, error) {
	if o.HalfLife == 0 {
		o.HalfLife = 1
	}
	if !(o.HalfLife > 0) || math.IsInf(o.HalfLife, 0) {
		return nil, daiyun.Errorf(daiyun.EINVALID, "--half-life %v: must be a positive number of touches", o.HalfLife)
	}
	names, js, err := intern(paths)
	if err != nil {
		return nil, err
	}
	res := &Result{Channels: names, Models: map[string]map[string]Credit{}, RemovalEffects: map[string]float64{}}
	for _, j := range js {
		res.Journeys += j.conv + j.null
		res.TotalConversions += j.conv
		res.TotalValue += j.val
		res.TotalNulls += j.null
	}
	n := len(names)
	put := func(model string, conv, val []float64) {
		m := make(map[string]Credit, n)
		for i, name := range names {
			m[name] = Credit{Conversions: conv[i], Value: val[i]}
		}
		res.Models[model] = m
	}
	for _, model := range []string{FirstTouch, LastTouch, Linear, TimeDecay, PositionBased, Shapley} {
		conv, val := heuristic(js, n, weightsFor(model, o))
		put(model, conv, val)
	}
	re, p, err := removalEffects(js, n)
	if err != nil {
		return nil, err
	}
	res.ConversionProbability = p
	conv, val := make([]float64, n), make([]float64, n)
	sum := 0.0
	for _, r := range re {
		sum += r
	}
	for i, r := range re {
		res.RemovalEffects[names[i]] = r
		if sum > 0 {
			conv[i] = res.TotalConversions * r / sum
			val[i] = res.TotalValue * r / sum
		}
	}
	put(Markov, conv, val)
	return res, nil
}

// intern validates the paths and replaces channel names by indices into
// the sorted list of names. Paths with neither conversions nor nulls are
// dropped: they carry no information.
func intern(paths []Path) ([]string, []journey, error) {
	if len(paths) == 0 {
		return nil, nil, daiyun.Errorf(daiyun.EINVALID, "the input has no journeys")
	}
	idx := map[string]int{}
	for i, p := range paths {
		if len(p.Channels) == 0 {
			return nil, nil, daiyun.Errorf(daiyun.EINVALID, "journey %d has no channels", i+1)
		}
		if p.Conversions < 0 || p.Nulls < 0 || p.Value < 0 || bad(p.Conversions) || bad(p.Nulls) || bad(p.Value) {
			return nil, nil, daiyun.Errorf(daiyun.EINVALID, "journey %d: conversions, value and nulls must be finite and not negative", i+1)
		}
		for _, c := range p.Channels {
			if c == "" {
				return nil, nil, daiyun.Errorf(daiyun.EINVALID, "journey %d has an empty channel name", i+1)
			}
			idx[c] = 0
		}
	}
	names := make([]string, 0, len(idx))
	for c := range idx {
		names = append(names, c)
	}
	sort.Strings(names)
	for i, c := range names {
		idx[c] = i
	}
	js := make([]journey, 0, len(paths))
	total := 0.0
	for _, p := range paths {
		if p.Conversions+p.Nulls == 0 {
			continue
		}
		total += p.Conversions + p.Nulls
		ch := make([]int, len(p.Channels))
		for k, c := range p.Channels {
			ch[k] = idx[c]
		}
		js = append(js, journey{ch: ch, conv: p.Conversions, val: p.Value, null: p.Nulls})
	}
	if total == 0 {
		return nil, nil, daiyun.Errorf(daiyun.EINVALID, "no journey has conversions or nulls")
	}
	if math.IsInf(total, 0) {
		return nil, nil, daiyun.Errorf(daiyun.EINVALID, "the counts are too large to add up")
	}
	return names, js, nil
}

func bad(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }

// weights fills w (len(ch) values summing to 1) with the share of each
// touch of a path. Shares go to occurrences; a channel appearing twice gets
// both shares.
type weights func(ch []int, w []float64)

func weightsFor(model string, o Options) weights {
	switch model {
	case FirstTouch:
		return func(ch []int, w []float64) { clear(w); w[0] = 1 }
	case LastTouch:
		return func(ch []int, w []float64) { clear(w); w[len(w)-1] = 1 }
	case Linear:
		return func(ch []int, w []float64) {
			for i := range w {
				w[i] = 1 / float64(len(w))
			}
		}
	case TimeDecay:
		return func(ch []int, w []float64) {
			s := 0.0
			for i := range w {
				w[i] = math.Exp2(-float64(len(w)-1-i) / o.HalfLife)
				s += w[i]
			}
			for i := range w {
				w[i] /= s
			}
		}
	case PositionBased:
		return positionBased
	case Shapley:
		return shapleyWeights
	}
	panic("attribution: unknown model " + model)
}

// positionBased gives 40% to the first touch, 40% to the last and splits
// 20% among the touches between; one touch takes all, two take half each.
func positionBased(ch []int, w []float64) {
	n := len(w)
	switch n {
	case 1:
		w[0] = 1
	case 2:
		w[0], w[1] = 0.5, 0.5
	default:
		for i := range w {
			w[i] = 0.2 / float64(n-2)
		}
		w[0], w[n-1] = 0.4, 0.4
	}
}

// shapleyWeights splits a path's outcome equally among its distinct
// channels (the first occurrence carries the share). This is the exact
// Shapley value of the coalition game v(S) = outcome of the paths whose
// channel set is a subset of S: v is the sum over paths of unanimity games
// on each path's channel set, and the Shapley value of a unanimity game on
// T gives 1/|T| to each member of T (Zhao et al. 2018, "Shapley value
// methods for attribution modeling in online advertising", the simplified
// Shapley value).
func shapleyWeights(ch []int, w []float64) {
	clear(w)
	distinct := 0
	for i, c := range ch {
		first := true
		for _, d := range ch[:i] {
			if d == c {
				first = false
				break
			}
		}
		if first {
			w[i] = 1
			distinct++
		}
	}
	for i := range w {
		w[i] /= float64(distinct)
	}
}

// heuristic applies per-touch weights to every path's conversions and value.
func heuristic(js []journey, n int, f weights) (conv, val []float64) {
	conv, val = make([]float64, n), make([]float64, n)
	var w []float64
	for _, j := range js {
		if j.conv == 0 && j.val == 0 {
			continue
		}
		if cap(w) < len(j.ch) {
			w = make([]float64, len(j.ch))
		}
		w = w[:len(j.ch)]
		f(j.ch, w)
		for i, c := range j.ch {
			conv[c] += j.conv * w[i]
			val[c] += j.val * w[i]
		}
	}
	return conv, val
}
