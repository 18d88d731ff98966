package forecast

import (
	"math"
	"time"

	"github.com/daiyun/daiyun"
)

// Options configures Run.
type Options struct {
	// Horizon is the number of steps forecast.
	Horizon int
	// Season is the season length m; 0 means the frequency's usual one (7
	// daily, 52 weekly, 12 monthly, 4 quarterly). 1 disables seasonality.
	Season int
	// Seasonal is auto, additive, multiplicative or none.
	Seasonal string
	// Promotions enables the promotion-day adjustment of daily series.
	Promotions bool
	// Calendar overrides DefaultCalendar for the promotion adjustment.
	Calendar Calendar
	// Stock, when set, adds an inventory plan to the result.
	Stock *StockInput
}

// ParamsOut are the smoothing parameters of the chosen model; absent
// components are null.
type ParamsOut struct {
	Alpha float64  `json:"alpha"`
	Beta  *float64 `json:"beta"`
	Gamma *float64 `json:"gamma"`
	Phi   *float64 `json:"phi"`
}

// Point is one forecast step.
type Point struct {
	Date  string  `json:"date"`
	Value float64 `json:"value"`
	Lo80  float64 `json:"lo80"`
	Hi80  float64 `json:"hi80"`
	Lo95  float64 `json:"lo95"`
	Hi95  float64 `json:"hi95"`
	// Promotion and Uplift are set on promotion days whose uplift was
	// applied.
	Promotion string   `json:"promotion,omitempty"`
	Uplift    *float64 `json:"uplift,omitempty"`
}

// Result is the output of Run.
type Result struct {
	Model     string    `json:"model"`
	Params    ParamsOut `json:"params"`
	AIC       float64   `json:"aic"`
	AICc      float64   `json:"aicc"`
	BIC       float64   `json:"bic"`
	Sigma2    float64   `json:"sigma2"`
	Frequency Frequency `json:"frequency"`
	Season    int       `json:"season"`
	N         int       `json:"n"`
	// Intervals is "analytic" or "simulated".
	Intervals  string   `json:"intervals"`
	Candidates []Tried  `json:"candidates"`
	Forecast   []Point  `json:"forecast"`
	Uplifts    []Uplift `json:"promotion_uplifts,omitempty"`
	Stock      *Stock   `json:"stock,omitempty"`
}

// Run checks the series, chooses and fits the ETS model, forecasts Horizon
// steps with dates following the series' frequency, applies promotion
// uplifts on daily data when asked, and plans stock when asked.
func Run(s Series, opts Options) (*Result, error) {
	if opts.Horizon <= 0 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "--horizon %d must be at least 1", opts.Horizon)
	}
	freq, err := DetectFrequency(s)
	if err != nil {
		return nil, err
	}
	m := opts.Season
	if m == 0 {
		m = freq.DefaultSeason()
	}
	if m < 1 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "--season %d must be at least 1", m)
	}
	seasonal := opts.Seasonal
	if seasonal == "" {
		seasonal = SeasonalAuto
	}
	if m == 1 || (seasonal == SeasonalAuto && len(s.Values) < 2*m) {
		if seasonal != SeasonalAuto && seasonal != SeasonalNone {
			return nil, daiyun.Errorf(daiyun.EINVALID, "--seasonal %s needs --season above 1", seasonal)
		}
		seasonal = SeasonalNone
	}
	if m > 24 && seasonal != SeasonalNone {
		if seasonal != SeasonalAuto {
			return nil, daiyun.Errorf(daiyun.EINVALID, "--season %d is above 24, too long for ETS seasonal states; use --seasonal none or a shorter season", m)
		}
		seasonal = SeasonalNone
	}
	y := s.Values
	var ups map[string]Uplift
	cal := opts.Calendar
	if opts.Promotions && freq == Daily {
		if cal == nil {
			cal = DefaultCalendar(s.Dates[0].Year(), freq.Step(s.Dates[len(s.Dates)-1], opts.Horizon).Year())
		}
		y, ups = deseasonPromotions(s.Dates, s.Values, cal)
	}
	mod, tried, err := Select(y, m, seasonal)
	if err != nil {
		return nil, err
	}
	res := &Result{
		Model: mod.Spec.String(), AIC: mod.AIC, AICc: mod.AICc, BIC: mod.BIC, Sigma2: mod.Sigma2,
		Frequency: freq, Season: mod.M, N: mod.N, Candidates: tried, Intervals: "simulated",
	}
	if mod.Analytic() {
		res.Intervals = "analytic"
	}
	p := mod.Params
	res.Params.Alpha = p.Alpha
	if mod.Spec.Trend != 'N' {
		res.Params.Beta = &p.Beta
	}
	if mod.Spec.Season != 'N' {
		res.Params.Gamma = &p.Gamma
	}
	if mod.Spec.Damped {
		res.Params.Phi = &p.Phi
	}
	last := s.Dates[len(s.Dates)-1]
	day, monthEnd := anchor(s.Dates)
	for i, f := range mod.Forecast(opts.Horizon) {
		d := freq.StepFrom(last, i+1, day, monthEnd)
		pt := Point{Date: d.Format(time.DateOnly), Value: f.Value, Lo80: f.Lo80, Hi80: f.Hi80, Lo95: f.Lo95, Hi95: f.Hi95}
		if label := cal[pt.Date]; label != "" && ups != nil {
			if u, ok := ups[label]; ok {
				pt.Promotion = label
				factor := u.Factor
				pt.Uplift = &factor
				pt.Value *= factor
				pt.Lo80 *= factor
				pt.Hi80 *= factor
				pt.Lo95 *= factor
				pt.Hi95 *= factor
			}
		}
		res.Forecast = append(res.Forecast, pt)
	}
	if ups != nil {
		res.Uplifts = sortedUplifts(ups)
	}
	for _, pt := range res.Forecast {
		for _, v := range []float64{pt.Value, pt.Lo80, pt.Hi80, pt.Lo95, pt.Hi95} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, daiyun.Errorf(daiyun.EINVALID, "forecast: %s gives a non-finite forecast on %s", res.Model, pt.Date)
			}
		}
	}
	if opts.Stock != nil {
		demand, sd := dailyDemand(last, res.Forecast)
		st, err := PlanStock(last, demand, sd, *opts.Stock)
		if err != nil {
			return nil, err
		}
		res.Stock = st
	}
	return res, nil
}

// dailyDemand spreads each forecast step evenly over its days: a step of d
// days contributes value/d per day with standard deviation sd/√d, sd taken
// from the 95% interval as (hi95 − lo95)/(2·1.96).
func dailyDemand(last time.Time, pts []Point) (demand, sd []float64) {
	prev := last
	for _, p := range pts {
		next, _ := time.Parse(time.DateOnly, p.Date)
		days := int(math.Round(next.Sub(prev).Hours() / 24))
		if days < 1 {
			days = 1
		}
		stepSD := (p.Hi95 - p.Lo95) / (2 * z95)
		for range days {
			demand = append(demand, p.Value/float64(days))
			sd = append(sd, stepSD/math.Sqrt(float64(days)))
		}
		prev = next
	}
	return demand, sd
}
