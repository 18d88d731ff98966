// Package forecast owns time-series forecasts: exponential smoothing state
// space models (ETS, Hyndman et al. 2008) fitted by maximum likelihood and
// chosen by AIC, prediction intervals, promotion-day adjustments for daily
// sales, and stock run-out and reorder suggestions built on a forecast. It
// takes plain Go series; reading files or the warehouse is the caller's job,
// and it must not touch storage.
package forecast

import (
	"math"
	"sort"
	"time"

	"github.com/daiyun/daiyun"
)

// Frequency is the spacing of a series' dates.
type Frequency string

// Frequencies recognised by DetectFrequency.
const (
	Daily     Frequency = "daily"
	Weekly    Frequency = "weekly"
	Monthly   Frequency = "monthly"
	Quarterly Frequency = "quarterly"
	Yearly    Frequency = "yearly"
)

// DefaultSeason returns the usual season length of a frequency: 7 for daily
// data (a week), 52 weekly, 12 monthly, 4 quarterly, 1 yearly.
func (f Frequency) DefaultSeason() int {
	switch f {
	case Daily:
		return 7
	case Weekly:
		return 52
	case Monthly:
		return 12
	case Quarterly:
		return 4
	}
	return 1
}

// Step returns the date k steps after t. Monthly, quarterly and yearly
// steps keep t's day of the month, clamped to the month's last day (Jan 31
// + 1 month = Feb 28/29); use StepFrom to keep a series' own day.
func (f Frequency) Step(t time.Time, k int) time.Time {
	return f.StepFrom(t, k, t.Day(), false)
}

// StepFrom is Step for a series whose dates fall on day of the month
// (clamped to short months), or on month ends when monthEnd is set.
func (f Frequency) StepFrom(t time.Time, k, day int, monthEnd bool) time.Time {
	switch f {
	case Daily:
		return t.AddDate(0, 0, k)
	case Weekly:
		return t.AddDate(0, 0, 7*k)
	case Monthly:
		return addMonths(t, k, day, monthEnd)
	case Quarterly:
		return addMonths(t, 3*k, day, monthEnd)
	}
	return addMonths(t, 12*k, day, monthEnd)
}

func addMonths(t time.Time, k, day int, monthEnd bool) time.Time {
	y, m, _ := t.Date()
	first := time.Date(y, m+time.Month(k), 1, 0, 0, 0, 0, t.Location())
	last := first.AddDate(0, 1, -1).Day()
	if monthEnd || day > last {
		day = last
	}
	return time.Date(first.Year(), first.Month(), day, 0, 0, 0, 0, t.Location())
}

// anchor returns the day of the month a series' dates keep, and whether
// they are all month ends.
func anchor(dates []time.Time) (int, bool) {
	monthEnd := true
	for _, d := range dates {
		if d.Day() != lastDay(d) {
			monthEnd = false
			break
		}
	}
	return dates[0].Day(), monthEnd
}

// Days returns the mean length of a step in days.
func (f Frequency) Days() float64 {
	switch f {
	case Daily:
		return 1
	case Weekly:
		return 7
	case Monthly:
		return 365.25 / 12
	case Quarterly:
		return 365.25 / 4
	}
	return 365.25
}

// Series is a regular time series: Dates[i] is the date of Values[i].
type Series struct {
	Dates  []time.Time
	Values []float64
}

// DetectFrequency sorts nothing and checks the series: dates must be
// strictly increasing, values finite, and the spacing regular (every gap
// one day, one week, one calendar month, one quarter or one year).
func DetectFrequency(s Series) (Frequency, error) {
	if len(s.Dates) != len(s.Values) {
		return "", daiyun.Errorf(daiyun.EINVALID, "forecast: %d dates for %d values", len(s.Dates), len(s.Values))
	}
	if len(s.Values) < 3 {
		return "", daiyun.Errorf(daiyun.EINVALID, "forecast: %d observations; at least 3 are needed", len(s.Values))
	}
	for i, v := range s.Values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return "", daiyun.Errorf(daiyun.EINVALID, "forecast: value on %s is not a finite number", s.Dates[i].Format(time.DateOnly))
		}
	}
	gaps := make([]float64, 0, len(s.Dates)-1)
	for i := 1; i < len(s.Dates); i++ {
		g := s.Dates[i].Sub(s.Dates[i-1]).Hours() / 24
		if g <= 0 {
			return "", daiyun.Errorf(daiyun.EINVALID, "forecast: dates are not strictly increasing at %s", s.Dates[i].Format(time.DateOnly))
		}
		gaps = append(gaps, g)
	}
	sorted := append([]float64(nil), gaps...)
	sort.Float64s(sorted)
	med := sorted[len(sorted)/2]
	var f Frequency
	switch {
	case med < 1.5:
		f = Daily
	case med >= 6.5 && med <= 7.5:
		f = Weekly
	case med >= 27 && med <= 32:
		f = Monthly
	case med >= 88 && med <= 93:
		f = Quarterly
	case med >= 364 && med <= 367:
		f = Yearly
	default:
		return "", daiyun.Errorf(daiyun.EINVALID, "forecast: dates are %g days apart; want daily, weekly, monthly, quarterly or yearly data", med)
	}
	day, monthEnd := anchor(s.Dates)
	for i := 1; i < len(s.Dates); i++ {
		want := f.StepFrom(s.Dates[i-1], 1, day, monthEnd)
		if !sameDay(want, s.Dates[i]) {
			return "", daiyun.Errorf(daiyun.EINVALID, "forecast: %s data has a gap or an irregular date at %s (expected %s); fill missing periods first",
				f, s.Dates[i].Format(time.DateOnly), want.Format(time.DateOnly))
		}
	}
	return f, nil
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

func lastDay(t time.Time) int {
	return time.Date(t.Year(), t.Month()+1, 0, 0, 0, 0, 0, t.Location()).Day()
}
