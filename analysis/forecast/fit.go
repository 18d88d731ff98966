package forecast

import (
	"math"
	"sort"

	"github.com/daiyun/daiyun"
	"gonum.org/v1/gonum/optimize"
)

// Bounds of the smoothing parameters: R's forecast::ets "usual" region,
// 1e-4 ≤ α ≤ 0.9999, 1e-4 ≤ β ≤ α, 1e-4 ≤ γ ≤ 1 − α, 0.8 ≤ φ ≤ 0.98.
const (
	parLower = 1e-4
	parUpper = 0.9999
	phiLower = 0.8
	phiUpper = 0.98
)

// Model is a fitted ETS model.
type Model struct {
	Spec   Spec
	M      int // season length (1 when Season is 'N')
	Params Params
	// N is the number of observations and K the number of estimated
	// parameters (smoothing parameters and free initial states).
	N, K int
	// Lik is n·log(Σe²) (+2Σlog|ŷ| for multiplicative errors), the
	// criterion of R's forecast::ets; AIC = Lik + 2(K+1), AICc and BIC as
	// in R.
	Lik, AIC, AICc, BIC float64
	// Sigma2 is Σe²/(N−K), the innovation variance (relative for
	// multiplicative errors).
	Sigma2 float64
	y      []float64
	final  filterOut
}

func logistic(u float64) float64 { return 1 / (1 + math.Exp(-u)) }
func logit(p float64) float64    { return math.Log(p / (1 - p)) }

// layout maps an optimiser vector to Params for one spec.
type layout struct {
	spec  Spec
	m     int
	scale float64
}

func (lo layout) nSmooth() int {
	n := 1
	if lo.spec.Trend != 'N' {
		n++
	}
	if lo.spec.Season != 'N' {
		n++
	}
	if lo.spec.Damped {
		n++
	}
	return n
}

func (lo layout) nStates() int {
	n := 1
	if lo.spec.Trend != 'N' {
		n++
	}
	if lo.spec.Season != 'N' {
		n += lo.m - 1
	}
	return n
}

// decode turns the optimiser's unconstrained vector into parameters inside
// the bounds: α through a logistic map onto [1e-4, 0.9999], β onto
// [1e-4, α], γ onto [1e-4, 1−α], φ onto [0.8, 0.98]; states are scaled by
// the series' mean level, and the last seasonal state makes the seasonal
// states sum to 0 (additive) or m (multiplicative).
func (lo layout) decode(u []float64) Params {
	p := Params{Phi: 1}
	i := 0
	p.Alpha = parLower + (parUpper-parLower)*logistic(u[i])
	i++
	if lo.spec.Trend != 'N' {
		p.Beta = parLower + math.Max(p.Alpha-parLower, 0)*logistic(u[i])
		i++
	}
	if lo.spec.Season != 'N' {
		p.Gamma = parLower + math.Max(1-p.Alpha-parLower, 0)*logistic(u[i])
		i++
	}
	if lo.spec.Damped {
		p.Phi = phiLower + (phiUpper-phiLower)*logistic(u[i])
		i++
	}
	p.Init = make([]float64, 0, lo.nStates()+1)
	p.Init = append(p.Init, u[i]*lo.scale)
	i++
	if lo.spec.Trend != 'N' {
		p.Init = append(p.Init, u[i]*lo.scale)
		i++
	}
	if lo.spec.Season != 'N' {
		sum := 0.0
		for j := 0; j < lo.m-1; j++ {
			v := u[i+j]
			if lo.spec.Season == 'A' {
				v *= lo.scale
			}
			p.Init = append(p.Init, v)
			sum += v
		}
		if lo.spec.Season == 'A' {
			p.Init = append(p.Init, -sum)
		} else {
			p.Init = append(p.Init, float64(lo.m)-sum)
		}
	}
	return p
}

func clampOpen(v, lo, hi float64) float64 {
	const eps = 1e-6
	return math.Min(math.Max(v, lo+eps*(hi-lo)), hi-eps*(hi-lo))
}

// encode is the inverse of decode, used for starting points.
func (lo layout) encode(p Params) []float64 {
	u := []float64{logit((clampOpen(p.Alpha, parLower, parUpper) - parLower) / (parUpper - parLower))}
	if lo.spec.Trend != 'N' {
		u = append(u, logit((clampOpen(p.Beta, parLower, p.Alpha)-parLower)/math.Max(p.Alpha-parLower, 1e-12)))
	}
	if lo.spec.Season != 'N' {
		u = append(u, logit((clampOpen(p.Gamma, parLower, 1-p.Alpha)-parLower)/math.Max(1-p.Alpha-parLower, 1e-12)))
	}
	if lo.spec.Damped {
		u = append(u, logit((clampOpen(p.Phi, phiLower, phiUpper)-phiLower)/(phiUpper-phiLower)))
	}
	u = append(u, p.Init[0]/lo.scale)
	k := 1
	if lo.spec.Trend != 'N' {
		u = append(u, p.Init[1]/lo.scale)
		k = 2
	}
	if lo.spec.Season != 'N' {
		for j := 0; j < lo.m-1; j++ {
			v := p.Init[k+j]
			if lo.spec.Season == 'A' {
				v /= lo.scale
			}
			u = append(u, v)
		}
	}
	return u
}

// initialStates is a heuristic start in the manner of Hyndman et al.
// (2008, section 2.6.1): a classical decomposition of the first (up to)
// three seasons gives the seasonal states; a regression on the first
// max(10, 2m) seasonally adjusted values gives the level and trend.
func initialStates(spec Spec, m int, y []float64) []float64 {
	n := len(y)
	seas := make([]float64, m)
	sa := append([]float64(nil), y...)
	if spec.Season != 'N' {
		cycles := min(3, n/m)
		seas = classicalSeasonal(y[:cycles*m], m, spec.Season == 'M')
		for t := range sa {
			if spec.Season == 'A' {
				sa[t] = y[t] - seas[t%m]
			} else {
				sa[t] = y[t] / math.Max(seas[t%m], 1e-2)
			}
		}
	}
	maxn := min(max(10, 2*m), n)
	var st []float64
	if spec.Trend == 'N' {
		mean := 0.0
		for _, v := range sa[:maxn] {
			mean += v
		}
		st = []float64{mean / float64(maxn)}
	} else {
		// Least squares of sa[t] on t = 1..maxn; the intercept is the
		// level at time 0.
		var sx, sy, sxx, sxy float64
		for i, v := range sa[:maxn] {
			x := float64(i + 1)
			sx += x
			sy += v
			sxx += x * x
			sxy += x * v
		}
		fn := float64(maxn)
		slope := (fn*sxy - sx*sy) / (fn*sxx - sx*sx)
		st = []float64{(sy - slope*sx) / fn, slope}
	}
	if spec.Season != 'N' {
		st = append(st, seas...)
	}
	return st
}

// classicalSeasonal returns seasonal indices for phases 0..m−1 from a
// centred moving average (2×m when m is even), averaged per phase and
// normalised to sum 0 (additive) or m (multiplicative).
func classicalSeasonal(y []float64, m int, mult bool) []float64 {
	n := len(y)
	sum := make([]float64, m)
	cnt := make([]float64, m)
	half := m / 2
	for t := half; t+half < n; t++ {
		var trend float64
		if m%2 == 1 {
			for j := t - half; j <= t+half; j++ {
				trend += y[j]
			}
			trend /= float64(m)
		} else {
			if t+half >= n {
				break
			}
			trend = 0.5*y[t-half] + 0.5*y[t+half]
			for j := t - half + 1; j < t+half; j++ {
				trend += y[j]
			}
			trend /= float64(m)
		}
		if mult {
			sum[t%m] += y[t] / trend
		} else {
			sum[t%m] += y[t] - trend
		}
		cnt[t%m]++
	}
	idx := make([]float64, m)
	tot := 0.0
	for j := range idx {
		if cnt[j] > 0 {
			idx[j] = sum[j] / cnt[j]
		} else if mult {
			idx[j] = 1
		}
		tot += idx[j]
	}
	for j := range idx {
		if mult {
			idx[j] = math.Max(idx[j]*float64(m)/tot, 1e-2)
		} else {
			idx[j] -= tot / float64(m)
		}
	}
	return idx
}

// FitSpec fits one ETS model by maximum likelihood: Nelder-Mead over the
// smoothing parameters and initial states jointly (as R's ets does), from
// the heuristic initial states and several smoothing starts, each run
// restarted until it stops improving.
func FitSpec(y []float64, m int, spec Spec) (*Model, error) {
	if spec.Season == 'N' {
		m = 1
	}
	lo := layout{spec: spec, m: m}
	n := len(y)
	k := lo.nSmooth() + lo.nStates()
	if err := checkSpec(y, m, spec, k); err != nil {
		return nil, err
	}
	mean := 0.0
	for _, v := range y {
		mean += math.Abs(v)
	}
	lo.scale = math.Max(mean/float64(n), 1e-8)
	obj := func(u []float64) float64 {
		p := lo.decode(u)
		o := filter(spec, m, y, p, false)
		if !o.ok || o.sse <= 0 {
			return 1e30
		}
		return o.lik(n, spec)
	}
	init := initialStates(spec, m, y)
	a0 := parLower + 0.2*(parUpper-parLower)/float64(m)
	starts := []Params{
		{Alpha: a0, Beta: 0.1 * a0, Gamma: 0.05 * (1 - a0), Phi: 0.978},
		{Alpha: 0.5, Beta: 0.05, Gamma: 0.1, Phi: 0.9},
		{Alpha: 0.9, Beta: 0.01, Gamma: 0.05, Phi: 0.95},
	}
	best, bestU := math.Inf(1), []float64(nil)
	for _, s := range starts {
		s.Init = init
		u := lo.encode(s)
		f := obj(u)
		for range 20 {
			res, err := optimize.Minimize(optimize.Problem{Func: obj}, u, &optimize.Settings{
				FuncEvaluations: 4000 * len(u),
				Converger:       &optimize.FunctionConverge{Absolute: 1e-10, Relative: 1e-12, Iterations: 200},
			}, &optimize.NelderMead{})
			if res == nil || (err != nil && res.F >= f) || res.F >= f-1e-9 {
				if res != nil && res.F < f {
					u, f = res.X, res.F
				}
				break
			}
			u, f = res.X, res.F
		}
		if f < best {
			best, bestU = f, u
		}
	}
	if best >= 1e30 || math.IsNaN(best) {
		return nil, daiyun.Errorf(daiyun.EINVALID, "forecast: %s could not be fitted to this series", spec)
	}
	return newModel(y, m, spec, lo.decode(bestU), k)
}

// NewModel evaluates a model at given parameters (nothing is estimated):
// useful to reproduce published fits. K counts every parameter as free.
func NewModel(y []float64, m int, spec Spec, p Params) (*Model, error) {
	if spec.Season == 'N' {
		m = 1
	}
	lo := layout{spec: spec, m: m}
	if len(p.Init) != lo.nStates()+boolInt(spec.Season != 'N') {
		return nil, daiyun.Errorf(daiyun.EINVALID, "forecast: %s needs %d initial states, got %d", spec, lo.nStates()+boolInt(spec.Season != 'N'), len(p.Init))
	}
	if !spec.Damped {
		p.Phi = 1
	}
	return newModel(y, m, spec, p, lo.nSmooth()+lo.nStates())
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func newModel(y []float64, m int, spec Spec, p Params, k int) (*Model, error) {
	n := len(y)
	o := filter(spec, m, y, p, true)
	if !o.ok {
		return nil, daiyun.Errorf(daiyun.EINVALID, "forecast: %s produced a non-positive forecast for multiplicative terms", spec)
	}
	mod := &Model{Spec: spec, M: m, Params: p, N: n, K: k, y: y, final: o}
	mod.Lik = o.lik(n, spec)
	np := float64(k + 1)
	mod.AIC = mod.Lik + 2*np
	mod.AICc = mod.AIC + 2*np*(np+1)/float64(n-k-2)
	mod.BIC = mod.Lik + math.Log(float64(n))*np
	mod.Sigma2 = o.sse / float64(n-k)
	return mod, nil
}

func checkSpec(y []float64, m int, spec Spec, k int) error {
	n := len(y)
	if spec.Season != 'N' && (m < 2 || n < 2*m) {
		return daiyun.Errorf(daiyun.EINVALID, "forecast: %s needs at least two full seasons (%d observations), have %d", spec, 2*m, n)
	}
	if spec.Season != 'N' && m > 24 {
		return daiyun.Errorf(daiyun.EINVALID, "forecast: season length %d is above 24; ETS seasonal states are not identifiable that far", m)
	}
	if k+2 >= n {
		return daiyun.Errorf(daiyun.EINVALID, "forecast: %s has %d parameters for %d observations", spec, k, n)
	}
	if spec.Error == 'M' || spec.Season == 'M' {
		for _, v := range y {
			if v <= 0 {
				return daiyun.Errorf(daiyun.EINVALID, "forecast: %s needs strictly positive data", spec)
			}
		}
	}
	return nil
}

// Seasonal choices of Options.Seasonal.
const (
	SeasonalAuto           = "auto"
	SeasonalAdditive       = "additive"
	SeasonalMultiplicative = "multiplicative"
	SeasonalNone           = "none"
)

// Candidates lists the models Select tries for a seasonal choice: trend
// none, additive or additive damped; errors additive or multiplicative;
// season as chosen. As in R's ets defaults, multiplicative trends and
// additive errors with multiplicative seasons are left out, and
// multiplicative terms are tried only on strictly positive data.
func Candidates(seasonal string, positive bool) ([]Spec, error) {
	var seasons []byte
	switch seasonal {
	case "", SeasonalAuto:
		seasons = []byte{'N', 'A'}
		if positive {
			seasons = append(seasons, 'M')
		}
	case SeasonalAdditive:
		seasons = []byte{'A'}
	case SeasonalMultiplicative:
		if !positive {
			return nil, daiyun.Errorf(daiyun.EINVALID, "--seasonal multiplicative needs strictly positive data")
		}
		seasons = []byte{'M'}
	case SeasonalNone:
		seasons = []byte{'N'}
	default:
		return nil, daiyun.Errorf(daiyun.EINVALID, "--seasonal %q is not one of auto, additive, multiplicative, none", seasonal)
	}
	var out []Spec
	for _, s := range seasons {
		for _, e := range []byte{'A', 'M'} {
			if e == 'M' && !positive {
				continue
			}
			if e == 'A' && s == 'M' {
				continue
			}
			for _, t := range []Spec{{Trend: 'N'}, {Trend: 'A'}, {Trend: 'A', Damped: true}} {
				out = append(out, Spec{Error: e, Trend: t.Trend, Damped: t.Damped, Season: s})
			}
		}
	}
	return out, nil
}

// Tried is one candidate of a selection with its AIC (NaN when it could
// not be fitted).
type Tried struct {
	Model string  `json:"model"`
	AIC   float64 `json:"aic"`
}

// Select fits every candidate that the data allow and returns the one with
// the lowest AIC, with the AIC of each candidate tried.
func Select(y []float64, m int, seasonal string) (*Model, []Tried, error) {
	positive := true
	for _, v := range y {
		if v <= 0 {
			positive = false
		}
	}
	cands, err := Candidates(seasonal, positive)
	if err != nil {
		return nil, nil, err
	}
	var best *Model
	var tried []Tried
	var firstErr error
	for _, c := range cands {
		mod, err := FitSpec(y, m, c)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		tried = append(tried, Tried{c.String(), mod.AIC})
		if best == nil || mod.AIC < best.AIC {
			best = mod
		}
	}
	if best == nil {
		return nil, nil, firstErr
	}
	sort.SliceStable(tried, func(i, j int) bool { return tried[i].AIC < tried[j].AIC })
	return best, tried, nil
}
