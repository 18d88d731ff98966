package alerting_test

import (
	"testing"
	"time"

	"github.com/daiyun/daiyun/alerting"
)

// BenchmarkEvaluateDefaultRules evaluates the default rules once at the
// demo's last day (go test -bench EvaluateDefaultRules -run ^$
// ./alerting/ -demo.lines 5000000 -demo.shops 200 for the figure).
func BenchmarkEvaluateDefaultRules(b *testing.B) {
	d := sharedDemo(b)
	rules := alerting.Defaults()
	b.ResetTimer()
	for b.Loop() {
		o, err := d.eval.Evaluate(sys, rules, d.sum.Last)
		if err != nil {
			b.Fatal(err)
		}
		if len(o.Errors) > 0 {
			b.Fatal(o.Errors)
		}
	}
	b.ReportMetric(float64(d.sum.Shops), "shops")
}

// TestRuleTimings logs how long each default rule takes (-v).
func TestRuleTimings(t *testing.T) {
	if !testing.Verbose() {
		t.Skip("timings only with -v")
	}
	d := sharedDemo(t)
	for _, r := range alerting.Defaults() {
		res := testing.Benchmark(func(b *testing.B) {
			for b.Loop() {
				if _, err := d.eval.Evaluate(sys, []alerting.Rule{r}, d.sum.Last); err != nil {
					b.Fatal(err)
				}
			}
		})
		t.Logf("%-40s %v", r.Name, res.T/ /* per op */ max(1, time.Duration(res.N)))
	}
}
