package metrics

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/daiyun/daiyun"
)

// rateCache converts minor units of a shop currency into minor units of the
// result currency, asking FX once per currency and day.
type rateCache struct {
	fx    FX
	to    string
	mu    sync.Mutex
	rates map[string]*big.Rat
}

// minorRate is the factor from minor units of from to minor units of the
// result currency on day.
func (c *rateCache) minorRate(ctx context.Context, from string, day daiyun.Date) (*big.Rat, error) {
	k := from + day.String()
	c.mu.Lock()
	defer c.mu.Unlock()
	if r, ok := c.rates[k]; ok {
		return r, nil
	}
	var r *big.Rat
	if from == c.to {
		r = big.NewRat(1, 1)
	} else {
		if c.fx == nil {
			return nil, daiyun.Errorf(daiyun.EINVALID, "no FX rate from %s to %s on %s: no FX table is configured", from, c.to, day)
		}
		rate, err := c.fx.Rate(ctx, from, c.to, day)
		if err != nil {
			return nil, err
		}
		if rate == nil || rate.Sign() <= 0 {
			return nil, daiyun.Errorf(daiyun.EINVALID, "no FX rate from %s to %s on %s", from, c.to, day)
		}
		r = new(big.Rat).Set(rate)
		// minor(from) → major(from) → major(to) → minor(to)
		shift := daiyun.MinorUnits(c.to) - daiyun.MinorUnits(from)
		p := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(shift))), nil))
		if shift >= 0 {
			r.Mul(r, p)
		} else {
			r.Quo(r, p)
		}
	}
	c.rates[k] = r
	return r, nil
}

// FXChanges is an optional interface of an FX table: it says on which days
// a rate may change. With it, money is summed per rate period (a 30-day
// range usually falls in one or two) instead of per day, and converted once
// per period; without it, every day is assumed to have its own rate.
type FXChanges interface {
	// RateChanges lists the days d with first < d ≤ last on which
	// Rate(from, to, d) may differ from Rate(from, to, d − 1 day), sorted.
	// Listing a day where the rate stays the same is harmless; leaving out
	// one where it changes is a bug.
	RateChanges(ctx context.Context, from, to string, first, last daiyun.Date) ([]daiyun.Date, error)
}

// maxRateSteps is the most rate changes within a range that are written as
// a CASE over the day; with more, money is grouped by the day itself.
const maxRateSteps = 31

// rateSteps is where, within a request's range, the conversion rates of the
// shops' currencies may change.
type rateSteps struct {
	// known is false when the FX table cannot say (it does not implement
	// FXChanges) or the rates change too often: money is then grouped by
	// day, each converted at its own rate.
	known bool
	// days are the change days after From, up to To, of every currency
	// converted, merged and sorted: the rate of each currency is constant
	// from one to the next.
	days []daiyun.Date
}

// rateSteps asks the FX table where the rates from the shops' currencies
// into currency change within from..to.
func (s *Service) rateSteps(ctx context.Context, shops []ShopInfo, currency string, from, to daiyun.Date) (rateSteps, error) {
	ch, ok := s.FX.(FXChanges)
	if !ok || s.FX == nil {
		return rateSteps{}, nil
	}
	seen := map[string]bool{}
	set := map[string]daiyun.Date{}
	for _, sh := range shops {
		if sh.Currency == currency || seen[sh.Currency] {
			continue
		}
		seen[sh.Currency] = true
		days, err := ch.RateChanges(ctx, sh.Currency, currency, from, to)
		if err != nil {
			return rateSteps{}, fmt.Errorf("metrics: FX rate changes %s→%s: %w", sh.Currency, currency, err)
		}
		for _, d := range days {
			if d.After(from.Time) && !d.After(to.Time) {
				set[d.String()] = daiyun.Date{Time: truncate(GrainDay, d.Time)}
			}
		}
	}
	st := rateSteps{known: len(set) <= maxRateSteps}
	if !st.known {
		return st, nil
	}
	for _, d := range set {
		st.days = append(st.days, d)
	}
	sort.Slice(st.days, func(i, j int) bool { return st.days[i].Before(st.days[j].Time) })
	return st, nil
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// MemoryFX is a dated FX table in memory, for tests and the embedded
// default. A rate holds from its day until the next rate of the same pair;
// the inverse pair is derived. A day before the first rate has no rate.
type MemoryFX struct {
	mu    sync.RWMutex
	rates map[[2]string][]datedRate
}

type datedRate struct {
	from time.Time
	rate *big.Rat
}

// Set records that one unit of from is worth rate units of to from day on.
// rate is a decimal or fraction string ("7.1234", "1/7").
func (f *MemoryFX) Set(from, to string, day daiyun.Date, rate string) error {
	r, ok := new(big.Rat).SetString(rate)
	if !ok || r.Sign() <= 0 {
		return daiyun.Errorf(daiyun.EINVALID, "FX rate %q for %s→%s is not a positive number", rate, from, to)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.rates == nil {
		f.rates = map[[2]string][]datedRate{}
	}
	k := [2]string{from, to}
	f.rates[k] = append(f.rates[k], datedRate{day.Time, r})
	sort.Slice(f.rates[k], func(i, j int) bool { return f.rates[k][i].from.Before(f.rates[k][j].from) })
	return nil
}

// Rate implements FX.
func (f *MemoryFX) Rate(_ context.Context, from, to string, day daiyun.Date) (*big.Rat, error) {
	if from == to {
		return big.NewRat(1, 1), nil
	}
	f.mu.RLock()
	defer f.mu.RUnlock()
	if r := lookupRate(f.rates[[2]string{from, to}], day); r != nil {
		return r, nil
	}
	if r := lookupRate(f.rates[[2]string{to, from}], day); r != nil {
		return new(big.Rat).Inv(r), nil
	}
	return nil, daiyun.Errorf(daiyun.EINVALID, "no FX rate from %s to %s on %s", from, to, day)
}

// RateChanges implements FXChanges: the days of the pair's rates and of
// the inverse pair's, since Rate may fall back on either.
func (f *MemoryFX) RateChanges(_ context.Context, from, to string, first, last daiyun.Date) ([]daiyun.Date, error) {
	f.mu.RLock()
	defer f.mu.RUnlock()
	var out []daiyun.Date
	for _, k := range [][2]string{{from, to}, {to, from}} {
		for _, r := range f.rates[k] {
			if r.from.After(first.Time) && !r.from.After(last.Time) {
				out = append(out, daiyun.Date{Time: r.from})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j].Time) })
	return out, nil
}

func lookupRate(list []datedRate, day daiyun.Date) *big.Rat {
	i := sort.Search(len(list), func(i int) bool { return list[i].from.After(day.Time) })
	if i == 0 {
		return nil
	}
	return new(big.Rat).Set(list[i-1].rate)
}

// numScan reads any numeric column exactly: int64 from BIGINT (every
// measure is cast to BIGINT), and whatever else an engine may answer.
type numScan struct{ n num }

func (s *numScan) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		s.n = num{}
	case int64:
		s.n = num{i: x}
	case int32:
		s.n = num{i: int64(x)}
	case float64:
		if x == math.Trunc(x) && math.Abs(x) < exactFloat {
			s.n = num{i: int64(x)}
		} else if r := new(big.Rat).SetFloat64(x); r != nil {
			s.n = num{r: r}
		} else {
			return fmt.Errorf("metrics: cannot read %v as a number", x)
		}
	case *big.Int:
		if x.IsInt64() {
			s.n = num{i: x.Int64()}
		} else {
			s.n = num{r: new(big.Rat).SetInt(x)}
		}
	case []byte:
		return s.setString(string(x))
	case string:
		return s.setString(x)
	case fmt.Stringer:
		return s.setString(x.String())
	default:
		return fmt.Errorf("metrics: cannot read %T as a number", v)
	}
	return nil
}

func (s *numScan) setString(x string) error {
	if i, err := strconv.ParseInt(x, 10, 64); err == nil {
		s.n = num{i: i}
		return nil
	}
	r, ok := new(big.Rat).SetString(x)
	if !ok {
		return fmt.Errorf("metrics: cannot read %q as a number", x)
	}
	s.n = num{r: r}
	return nil
}

// keyScan reads a key column as text: dates as YYYY-MM-DD.
type keyScan struct{ s string }

func (k *keyScan) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		k.s = ""
	case time.Time:
		k.s = x.Format(time.DateOnly)
	case int64:
		k.s = strconv.FormatInt(x, 10)
	case int32:
		k.s = strconv.FormatInt(int64(x), 10)
	case string:
		k.s = x
	case []byte:
		k.s = string(x)
	default:
		k.s = fmt.Sprint(x)
	}
	return nil
}
