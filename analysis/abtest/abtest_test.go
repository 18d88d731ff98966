package abtest

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol {
		t.Errorf("%s = %.12g, want %.12g (±%g)", what, got, want, tol)
	}
}

// 120/1000 (control) against 150/1000 (variant). Expected values were
// computed independently of this package, from the textbook formulas in
// plain Python (math.erfc, statistics.NormalDist):
//
//	pooled p = 270/2000 = 0.135; se = √(0.135·0.865·(2/1000)) = 0.0152824...
//	z = 0.03/se = 1.963049807622355, two-sided p = erfc(|z|/√2) = 0.04964038686536881
//	chi2 = z² = 3.8535645472061653 — R: prop.test(c(150,120), c(1000,1000), correct=FALSE)
//	Yates: Σ(|O−E|−0.5)²/E = 3.6009419824448727, p = 0.05774684150968874
//	  — R: prop.test(c(150,120), c(1000,1000)) (correct=TRUE is R's default)
//	Wilson 95%: control 0.10129926060130913–0.14160907584771276,
//	  variant 0.1292100725130883–0.17346865842680032
//	Newcombe method 10: 1.3782434204051563e-05 – 0.060008258570126566
func TestProportionsAgainstIndependentValues(t *testing.T) {
	c := Arm{Conversions: 120, Visitors: 1000}
	v := Arm{Conversions: 150, Visitors: 1000}
	r, err := Test(c, []Arm{v}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "z", *r.Z, 1.963049807622355, 1e-12)
	near(t, "p", *r.PValue, 0.04964038686536881, 1e-12)
	near(t, "chi2", *r.Chi2, 3.8535645472061653, 1e-11)
	near(t, "control wilson low", r.Control.WilsonLow, 0.10129926060130913, 1e-9)
	near(t, "control wilson high", r.Control.WilsonHigh, 0.14160907584771276, 1e-9)
	near(t, "variant wilson low", r.Variant.WilsonLow, 0.1292100725130883, 1e-9)
	near(t, "variant wilson high", r.Variant.WilsonHigh, 0.17346865842680032, 1e-9)
	near(t, "ci_low", r.CILow, 1.3782434204051563e-05, 1e-9)
	near(t, "ci_high", r.CIHigh, 0.060008258570126566, 1e-9)
	near(t, "lift", *r.Lift, 0.25, 1e-12)
	if r.DF != 1 || !r.Significant || r.Decision != VariantBetter {
		t.Errorf("df %d significant %v decision %s, want 1, true, %s", r.DF, r.Significant, r.Decision, VariantBetter)
	}
	early, err := Test(c, []Arm{v}, Options{PlannedPerArm: 5000})
	if err != nil || early.Decision != PlannedSampleNotReached || !early.Significant {
		t.Errorf("before the planned 5000 per arm: decision %s (%v)", early.Decision, err)
	}

	y, err := Test(c, []Arm{v}, Options{Yates: true})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "yates chi2", *y.Chi2, 3.6009419824448727, 1e-11)
	near(t, "yates p", *y.PValue, 0.05774684150968874, 1e-12)
	near(t, "yates z (uncorrected)", *y.Z, 1.963049807622355, 1e-12)
	if y.Significant || y.Decision != NoSignificantDifference {
		t.Errorf("with Yates the difference is not significant at 0.05: %v %s", y.Significant, y.Decision)
	}
}

// A published R session (gist rkbarney/dcb2411aaad735a2e2f8095f968c8caa):
// prop.test(x = c(300,250), n = c(50000,50000)) prints
// "X-squared = 4.3896, df = 1, p-value = 0.03616".
func TestYatesAgainstPublishedPropTest(t *testing.T) {
	r, err := Test(Arm{Conversions: 300, Visitors: 50000}, []Arm{{Conversions: 250, Visitors: 50000}}, Options{Yates: true})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "chi2", *r.Chi2, 4.3896, 5e-5)
	near(t, "p", *r.PValue, 0.03616, 5e-6)
}

// Newcombe (1998), Statistics in Medicine 17:873–890, Table II example (a):
// 56/70 − 48/80, method 10 (hybrid score without continuity correction):
// 0.0524 to 0.3339.
func TestNewcombePublishedExample(t *testing.T) {
	lo, hi := Newcombe(Arm{Conversions: 48, Visitors: 80}, Arm{Conversions: 56, Visitors: 70}, 0.05)
	near(t, "lo", lo, 0.0524, 5e-5)
	near(t, "hi", hi, 0.3339, 5e-5)
}

func TestSeveralVariantsAndDegenerateArms(t *testing.T) {
	r, err := Test(Arm{Conversions: 0, Visitors: 10}, []Arm{{Conversions: 0, Visitors: 10}, {Conversions: 3, Visitors: 10}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Comparisons) != 2 || r.Overall == nil || r.Overall.DF != 2 {
		t.Fatalf("want two comparisons and a df-2 overall test, got %+v", r)
	}
	first := r.Comparisons[0]
	if first.Z != nil || first.PValue != nil || first.Chi2 != nil || first.Lift != nil {
		t.Errorf("0/10 vs 0/10 must give null statistics, got %+v", first)
	}
	b, err := json.Marshal(r)
	if err != nil || strings.Contains(string(b), "NaN") {
		t.Fatalf("JSON %s (%v)", b, err)
	}
	for _, k := range []string{`"z":null`, `"p_value":null`, `"ci_low":`, `"df":1`, `"lift":null`} {
		if !strings.Contains(string(b), k) {
			t.Errorf("JSON lacks %s: %s", k, b)
		}
	}
}

func TestBadArms(t *testing.T) {
	for _, s := range []string{"11/10", "-1/10", "0/0", "3", "a/b", "1/-5"} {
		if _, err := ParseArm("--variant", s); err == nil {
			t.Errorf("ParseArm(%q) accepted", s)
		} else if !strings.Contains(err.Error(), "--variant") {
			t.Errorf("error %q does not name the flag", err)
		}
	}
	if _, err := Test(Arm{Conversions: 1, Visitors: 10}, []Arm{{Conversions: 1, Visitors: 10}}, Options{Alpha: 1.5}); err == nil {
		t.Error("alpha 1.5 accepted")
	}
}

// R's ?power.prop.test example: power.prop.test(p1 = .50, p2 = .75,
// power = .90) gives n = 76.7 per group.
func TestSampleSizeAgainstRExample(t *testing.T) {
	p, err := SampleSize(PlanOptions{Baseline: 0.5, MDE: 0.25, Power: 0.9})
	if err != nil {
		t.Fatal(err)
	}
	near(t, "n", p.NExact, 76.7, 0.05)
	near(t, "n (independent closed form)", p.NExact, 76.70692845177743, 1e-8)
	if p.NPerArm != 77 || p.Total != 154 {
		t.Errorf("n per arm %d total %d, want 77 and 154", p.NPerArm, p.Total)
	}
	rel, err := SampleSize(PlanOptions{Baseline: 0.5, MDE: 0.5, Relative: true, Power: 0.9})
	if err != nil || rel.NPerArm != 77 || rel.Target != 0.75 {
		t.Errorf("relative MDE 50%% of 0.5: %+v, %v", rel, err)
	}
	for _, o := range []PlanOptions{{Baseline: 0, MDE: 0.1}, {Baseline: 0.5, MDE: 0}, {Baseline: 0.9, MDE: 0.2}, {Baseline: 0.5, MDE: 0.1, Power: 1}} {
		if _, err := SampleSize(o); err == nil {
			t.Errorf("SampleSize(%+v) accepted", o)
		}
	}
}

func FuzzParseArm(f *testing.F) {
	f.Add("120/1000")
	f.Add("0/1")
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseArm("--variant", s)
		if err != nil {
			return
		}
		if a.Visitors <= 0 || a.Conversions < 0 || a.Conversions > a.Visitors {
			t.Fatalf("ParseArm(%q) accepted %+v", s, a)
		}
		r, err := Test(a, []Arm{a}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if b, err := json.Marshal(r); err != nil || strings.Contains(string(b), "NaN") {
			t.Fatalf("%s %v", b, err)
		}
	})
}
