package forecast

import (
	"math"
	"testing"
)

// austourists1999 is fpp2's austourists (international visitor nights in
// Australia, millions, 1999Q1–2015Q4, 68 quarters), the series of the
// statsmodels ETS test suite (statsmodels/tsa/tests/test_exponential_smoothing.py).
var austourists1999 = []float64{
	30.05251, 19.14850, 25.31769, 27.59144, 32.07646, 23.48796, 28.47594, 35.12375,
	36.83848, 25.00702, 30.72223, 28.69376, 36.64099, 23.82461, 29.31168, 31.77031,
	35.17788, 19.77524, 29.60175, 34.53884, 41.27360, 26.65586, 28.27986, 35.19115,
	42.20566, 24.64917, 32.66734, 37.25735, 45.24246, 29.35048, 36.34421, 41.78208,
	49.27660, 31.27540, 37.85063, 38.83704, 51.23690, 31.83855, 41.32342, 42.79900,
	55.70836, 33.40714, 42.31664, 45.15712, 59.57608, 34.83733, 44.84168, 46.97125,
	60.01903, 38.37118, 46.97586, 50.73380, 61.64687, 39.29957, 52.67121, 54.33232,
	66.83436, 40.87119, 51.82854, 57.49191, 65.25147, 43.06121, 54.76076, 59.83447,
	73.25703, 47.69662, 61.09777, 66.05576,
}

// rFit is a fit of R's forecast::ets as recorded by statsmodels in
// statsmodels/tsa/tests/results/fit_ets_results_seasonal.json (key "FALSE"
// for undamped, "TRUE" for damped models). init is R's initstate: level,
// trend, then the seasonal states newest first.
type rFit struct {
	spec               Spec
	alpha, beta, gamma float64
	phi                float64
	init               []float64
	sigma2             float64
	forecast           [4]float64
}

var rAustFits = []rFit{
	{Spec{'A', 'N', false, 'A'}, 0.54216695, 0, 0.39203017, 1,
		[]float64{25.54638913, 2.14912647, -0.53099835, -6.46658738, 4.84845926},
		6.56104274, [4]float64{75.32914757, 50.16726775, 62.21021038, 65.90296904}},
	{Spec{'A', 'A', true, 'A'}, 0.35445427, 0.03200749, 0.39993387, 0.97999997,
		[]float64{24.01278357, 0.97770147, 1.76951063, -0.50735902, -6.61171798, 5.34956637},
		6.0830734, [4]float64{76.07768073, 51.61741109, 63.96457729, 68.27886241}},
	{Spec{'M', 'A', false, 'A'}, 0.41637192, 0.00010001, 0.3529439, 1,
		[]float64{25.70245461, 0.44872759, 2.36392064, -0.57933567, -6.84185501, 5.05727004},
		0.00435945, [4]float64{75.69740289, 51.25292515, 63.34573483, 67.35397685}},
}

// rParams converts R's parameters and initial states to ours: our seasonal
// states are indexed by the phase of times 1..m, oldest first.
func (r rFit) params() Params {
	k := 1
	if r.spec.Trend != 'N' {
		k = 2
	}
	init := append([]float64(nil), r.init[:k]...)
	for j := len(r.init) - 1; j >= k; j-- {
		init = append(init, r.init[j])
	}
	return Params{Alpha: r.alpha, Beta: r.beta, Gamma: r.gamma, Phi: r.phi, Init: init}
}

// At R's parameters our recursions give R's innovation variance and point
// forecasts; our own fit reaches a likelihood at least as high as R's.
func TestAgainstRAustourists(t *testing.T) {
	for _, r := range rAustFits {
		at, err := NewModel(austourists1999, 4, r.spec, r.params())
		if err != nil {
			t.Fatal(err)
		}
		// The data above are rounded to 5 decimals, hence 1e-4.
		relNear(t, r.spec.String()+" σ² at R's parameters", at.Sigma2, r.sigma2, 1e-4)
		for i, f := range at.Forecast(4) {
			relNear(t, r.spec.String()+" forecast at R's parameters", f.Value, r.forecast[i], 1e-5)
		}
		m, err := FitSpec(austourists1999, 4, r.spec)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s ours α=%.4f β=%.4f γ=%.4f φ=%.4f lik=%.4f; R's lik=%.4f", r.spec, m.Params.Alpha, m.Params.Beta, m.Params.Gamma, m.Params.Phi, m.Lik, at.Lik)
		if m.Lik > at.Lik+1e-6 {
			t.Errorf("%s: our fit's −2logL %.4f is worse than R's %.4f", r.spec, m.Lik, at.Lik)
		}
		fc := m.Forecast(4)
		for i := range fc {
			relNear(t, r.spec.String()+" fitted forecast vs R", fc[i].Value, r.forecast[i], 0.01)
		}
	}
}

func relNear(t *testing.T, name string, got, want, rel float64) {
	t.Helper()
	if math.IsNaN(got) || math.Abs(got-want) > rel*math.Abs(want) {
		t.Errorf("%s = %.8g, want %.8g (±%g relative)", name, got, want, rel)
	}
}

// oil is fpp2's oil (annual oil production of Saudi Arabia, 1965–2013, in
// millions of tonnes), the non-seasonal series of the statsmodels ETS tests.
var oil = []float64{
	111.0091, 130.8284, 141.2871, 154.2278, 162.7409, 192.1665, 240.7997, 304.2174, 384.0046, 429.6622,
	359.3169, 437.2519, 468.4008, 424.4353, 487.9794, 509.8284, 506.3473, 340.1842, 240.2589, 219.0328,
	172.0747, 252.5901, 221.0711, 276.5188, 271.148, 342.6186, 428.3558, 442.3946, 432.7851, 437.2497,
	437.2092, 445.3641, 453.195, 454.4096, 422.3789, 456.0371, 440.3866, 425.1944, 486.2052, 500.4291,
	521.2759, 508.9476, 488.8889, 509.8706, 456.7229, 473.8166, 525.9509, 549.8338, 542.3405,
}

// R's ets fits of oil from statsmodels/tsa/tests/results/fit_ets_results_nonseasonal.json.
var rOilFits = []rFit{
	{Spec{'A', 'A', false, 'N'}, 0.99770564, 0.0001001, 0, 1,
		[]float64{21.3150686, 11.71213626},
		2571.94347286, [4]float64{554.09126495, 565.79806815, 577.50487134, 589.21167453}},
	{Spec{'A', 'A', true, 'N'}, 0.99989969, 0.11886985, 0, 0.80000197,
		[]float64{36.46466837, 34.72584983},
		2524.87915822, [4]float64{545.35213563, 547.76044926, 549.68710489, 551.22843318}},
	{Spec{'M', 'A', true, 'N'}, 0.92024781, 0.00010003, 0, 0.96360848,
		[]float64{36.95199158, 35.03197857},
		0.02699609, [4]float64{548.73324311, 554.01336256, 559.10133046, 564.00413949}},
}

func TestAgainstROil(t *testing.T) {
	for _, r := range rOilFits {
		at, err := NewModel(oil, 1, r.spec, r.params())
		if err != nil {
			t.Fatal(err)
		}
		relNear(t, r.spec.String()+" σ² at R's parameters", at.Sigma2, r.sigma2, 1e-6)
		for i, f := range at.Forecast(4) {
			relNear(t, r.spec.String()+" forecast at R's parameters", f.Value, r.forecast[i], 1e-7)
		}
		m, err := FitSpec(oil, 1, r.spec)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s ours α=%.4f β=%.4f φ=%.4f lik=%.4f; R's lik=%.4f", r.spec, m.Params.Alpha, m.Params.Beta, m.Params.Phi, m.Lik, at.Lik)
		if m.Lik > at.Lik+1e-6 {
			t.Errorf("%s: our fit's −2logL %.4f is worse than R's %.4f", r.spec, m.Lik, at.Lik)
		}
	}
}
