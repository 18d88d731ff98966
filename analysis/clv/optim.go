package clv

import (
	"math"

	"gonum.org/v1/gonum/optimize"
)

// Parameters are optimised as θ = log(parameter) and kept inside
// [logLower, logUpper]: outside the box the objective is the value at the
// nearest point of the box plus a quadratic penalty, so every evaluation is
// finite and the optimiser is pushed back inside.
const (
	logLower = -12.0 // 6e-6
	logUpper = 12.0  // 1.6e5
	penalty  = 1e4
)

// objective is a negative log-likelihood in θ = log(params); grad may be nil.
type objective struct {
	f    func(p []float64) float64
	grad func(g, p []float64) // gradient with respect to the parameters p (not θ)
}

// minimizeLog minimises obj over log-parameters from several starting
// points (given as parameters, not logs) and returns the best parameters
// and the minimum. BFGS is used when a gradient exists, Nelder-Mead
// otherwise; the best run is polished by a second run from its end point
// (Nelder-Mead's simplex can collapse before the optimum).
func minimizeLog(obj objective, starts [][]float64) ([]float64, float64) {
	n := len(starts[0])
	p := make([]float64, n)
	clamp := func(theta []float64) float64 {
		pen := 0.0
		for i, t := range theta {
			c := math.Min(math.Max(t, logLower), logUpper)
			pen += (t - c) * (t - c)
			p[i] = math.Exp(c)
		}
		return pen
	}
	fun := func(theta []float64) float64 {
		pen := clamp(theta)
		v := obj.f(p)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return math.MaxFloat64 / 4
		}
		return v + penalty*pen
	}
	prob := optimize.Problem{Func: fun}
	if obj.grad != nil {
		gp := make([]float64, n)
		prob.Grad = func(g, theta []float64) {
			clamp(theta)
			obj.grad(gp, p)
			for i, t := range theta {
				c := math.Min(math.Max(t, logLower), logUpper)
				if t != c {
					g[i] = 2 * penalty * (t - c)
					continue
				}
				g[i] = gp[i] * p[i]
				if math.IsNaN(g[i]) || math.IsInf(g[i], 0) {
					g[i] = 0
				}
			}
		}
	}
	best := math.Inf(1)
	var bestTheta []float64
	run := func(theta0 []float64) ([]float64, float64) {
		var method optimize.Method
		settings := &optimize.Settings{MajorIterations: 2000, Converger: &optimize.FunctionConverge{Absolute: 1e-12, Relative: 1e-12, Iterations: 10}}
		if prob.Grad != nil {
			method = &optimize.BFGS{}
			settings.GradientThreshold = 1e-9
		} else {
			method = &optimize.NelderMead{}
			settings.FuncEvaluations = 20000
		}
		res, err := optimize.Minimize(prob, theta0, settings, method)
		if res == nil || (err != nil && math.IsInf(res.F, 0)) {
			return theta0, fun(theta0)
		}
		return res.X, res.F
	}
	for _, s := range starts {
		theta := make([]float64, n)
		for i, v := range s {
			theta[i] = math.Log(v)
		}
		x, f := run(theta)
		if f < best {
			best, bestTheta = f, x
		}
	}
	if x, f := run(bestTheta); f <= best {
		best, bestTheta = f, x
	}
	clamp(bestTheta)
	out := append([]float64(nil), p...)
	return out, obj.f(out)
}
