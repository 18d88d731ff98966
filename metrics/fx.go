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
