// Package clv owns customer lifetime value on the customer-base models of the
// marketing literature: it turns a transaction log into per-customer
// (x, t_x, T) summaries, fits BG/NBD, Pareto/NBD and Gamma-Gamma by maximum
// likelihood and predicts purchases, the probability of being alive, spend
// and CLV. It takes plain Go values; reading files or the warehouse is the
// caller's job, and it must not touch storage.
package clv

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/daiyun/daiyun"
)

// Period is the time unit of t_x, T and the horizon.
type Period string

// Periods accepted by Summarize.
const (
	Day   Period = "day"
	Week  Period = "week"
	Month Period = "month"
)

// Days returns the length of the period in days: 1, 7, or 365.25/12 for a
// month (an average month, so t_x and T stay continuous).
func (p Period) Days() (float64, error) {
	switch p {
	case Day:
		return 1, nil
	case Week:
		return 7, nil
	case Month:
		return 365.25 / 12, nil
	}
	return 0, daiyun.Errorf(daiyun.EINVALID, "--period %q is not one of day, week, month", string(p))
}

// Transaction is one purchase. Only the calendar date of Date (in its own
// location) counts; Amount is the order value.
type Transaction struct {
	CustomerID string
	Date       time.Time
	Amount     float64
}

// Summary is one customer prepared as the customer-base literature does.
type Summary struct {
	CustomerID string
	// X is the number of repeat purchases in the calibration period:
	// distinct purchase days after the first one.
	X int
	// Tx is the time from the first to the last purchase day in the
	// calibration period, and T the time from the first purchase day to
	// the calibration end, both in periods.
	Tx, T float64
	// MeanSpend is the mean amount of the repeat purchase days (the first
	// day excluded; amounts of one day summed); 0 when X is 0.
	MeanSpend float64
	// HoldoutX is the number of purchase days after the calibration end
	// within the horizon; meaningful only when the data reach past the
	// calibration end.
	HoldoutX int
}

// ErrNoData is returned when there is nothing to summarise.
var ErrNoData = errors.New("no transactions")

// Prepared is the result of Summarize.
type Prepared struct {
	Customers []Summary
	// First and Last are the first and last transaction dates of the data;
	// CalibrationEnd is the (inclusive) calibration end.
	First, Last, CalibrationEnd time.Time
	// HasHoldout says whether the data reach past the calibration end.
	HasHoldout bool
}

func civilDay(t time.Time) int64 {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

func dayTime(d int64) time.Time { return time.Unix(d*86400, 0).UTC() }

// Summarize prepares transactions: purchases of one customer on the same day
// are merged into one (amounts summed); the calibration period runs from the
// first date of the data up to and including calEnd (a zero calEnd means the
// last date of the data); customers whose first purchase falls after calEnd
// are left out. Holdout purchases are counted in the horizon periods after
// calEnd. Customers are returned sorted by ID.
func Summarize(txs []Transaction, calEnd time.Time, period Period, horizon float64) (*Prepared, error) {
	days, err := period.Days()
	if err != nil {
		return nil, err
	}
	if len(txs) == 0 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "clv: %v", ErrNoData)
	}
	type key struct {
		id  string
		day int64
	}
	merged := make(map[key]float64, len(txs))
	first, last := int64(math.MaxInt64), int64(math.MinInt64)
	for _, t := range txs {
		if math.IsNaN(t.Amount) || math.IsInf(t.Amount, 0) || t.Amount < 0 {
			return nil, daiyun.Errorf(daiyun.EINVALID, "clv: customer %q on %s has amount %g; amounts must be finite and not negative", t.CustomerID, t.Date.Format(time.DateOnly), t.Amount)
		}
		d := civilDay(t.Date)
		merged[key{t.CustomerID, d}] += t.Amount
		first, last = min(first, d), max(last, d)
	}
	end := last
	if !calEnd.IsZero() {
		end = civilDay(calEnd)
		if end < first || end > last {
			return nil, daiyun.Errorf(daiyun.EINVALID, "--calibration-end %s is outside the data (%s to %s)",
				calEnd.Format(time.DateOnly), dayTime(first).Format(time.DateOnly), dayTime(last).Format(time.DateOnly))
		}
	}
	type purchase struct {
		day    int64
		amount float64
	}
	byCustomer := make(map[string][]purchase)
	for k, a := range merged {
		byCustomer[k.id] = append(byCustomer[k.id], purchase{k.day, a})
	}
	holdoutEnd := float64(end) + horizon*days
	out := make([]Summary, 0, len(byCustomer))
	for id, ps := range byCustomer {
		sort.Slice(ps, func(i, j int) bool { return ps[i].day < ps[j].day })
		if ps[0].day > end {
			continue
		}
		s := Summary{CustomerID: id}
		lastCal := ps[0].day
		sum := 0.0
		for _, p := range ps[1:] {
			if p.day <= end {
				s.X++
				sum += p.amount
				lastCal = p.day
			} else if float64(p.day) <= holdoutEnd {
				s.HoldoutX++
			}
		}
		if s.X > 0 {
			s.MeanSpend = sum / float64(s.X)
		}
		s.Tx = float64(lastCal-ps[0].day) / days
		s.T = float64(end-ps[0].day) / days
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CustomerID < out[j].CustomerID })
	return &Prepared{
		Customers: out, First: dayTime(first), Last: dayTime(last), CalibrationEnd: dayTime(end),
		HasHoldout: last > end,
	}, nil
}

// checkFittable returns a clear error when the summaries cannot identify a
// purchase-and-dropout model.
func checkFittable(data []Summary) error {
	if len(data) < 2 {
		return daiyun.Errorf(daiyun.EINVALID, "clv: %d customer(s) in the calibration period; the model needs at least 2", len(data))
	}
	repeaters := 0
	for _, s := range data {
		if s.X < 0 || s.Tx < 0 || s.T < s.Tx || math.IsNaN(s.T) || math.IsNaN(s.Tx) {
			return daiyun.Errorf(daiyun.EINVALID, "clv: customer %q has inconsistent x=%d t_x=%g T=%g", s.CustomerID, s.X, s.Tx, s.T)
		}
		if s.X > 0 {
			repeaters++
		}
	}
	if repeaters == 0 {
		return daiyun.Errorf(daiyun.EINVALID, "clv: no customer made a repeat purchase in the calibration period; the model cannot be fitted")
	}
	return nil
}

func fmtErr(model string, ll float64) error {
	return fmt.Errorf("clv: %s fit did not converge to a finite likelihood (%g)", model, ll)
}
