package metrics

import (
	"context"
	"math/big"
	"os"
	"strings"
	"testing"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/demo"
)

// TestDefaultBenchmarks: every category has every default with a source,
// and the conversion defaults equal what the demo generator assumes
// (docs/demo.md), so the demo's planted "conversion below benchmark" shows.
func TestDefaultBenchmarks(t *testing.T) {
	b := NewMemoryBenchmarks(DefaultBenchmarks())
	for _, cat := range daiyun.Categories {
		for _, kpi := range []string{"conversion_rate", "aov", "refund_rate", "repurchase_rate", "ctr", "add_to_cart_rate", "roas", "cs_first_response_s", "csat"} {
			x, ok, err := b.Benchmark(context.Background(), cat, kpi)
			if err != nil || !ok || x.Source == "" || x.Value <= 0 {
				t.Errorf("%s %s: %+v %v %v", cat, kpi, x, ok, err)
			}
			if _, known := Lookup(kpi); !known {
				t.Errorf("benchmark for unknown KPI %s", kpi)
			}
		}
		x, _, _ := b.Benchmark(context.Background(), cat, "conversion_rate")
		if want, ok := demo.Benchmarks[cat]; !ok || !near(x.Value, want) {
			t.Errorf("%s conversion benchmark %v, demo assumes %v", cat, x.Value, want)
		}
	}
}

func TestAttainmentAndFX(t *testing.T) {
	a, tg := 150.0, 200.0
	if got := Attainment(&a, &tg); got == nil || *got != 0.75 {
		t.Errorf("attainment %v", got)
	}
	zero := 0.0
	if Attainment(&a, &zero) != nil || Attainment(nil, &tg) != nil {
		t.Error("attainment without a target")
	}
	fx := fixtureFX(t)
	r, err := fx.Rate(context.Background(), "CNY", "USD", date("2025-03-05"))
	if err != nil || r.FloatString(6) != "0.140845" {
		t.Errorf("inverse rate %v %v", r, err)
	}
	if _, err := fx.Rate(context.Background(), "USD", "CNY", date("2024-12-31")); err == nil {
		t.Error("a day before the first rate has a rate")
	}
	if _, err := fx.Rate(context.Background(), "EUR", "CNY", date("2025-03-05")); daiyun.ErrorCode(err) != daiyun.EINVALID {
		t.Errorf("missing pair: %v", err)
	}
	// JPY has no minor unit: 100 JPY (100 minor) at 0.05 CNY is 5 CNY = 500 fen.
	c := &rateCache{fx: &MemoryFX{}, to: "CNY", rates: map[string]*big.Rat{}}
	c.fx.(*MemoryFX).Set("JPY", "CNY", date("2025-01-01"), "0.05")
	m, err := c.minorRate(context.Background(), "JPY", date("2025-03-01"))
	if err != nil || m.FloatString(2) != "5.00" {
		t.Errorf("JPY minor rate %v %v", m, err)
	}
}

// TestDocsListEveryKPI keeps docs/metrics.md in step with the catalogue.
func TestDocsListEveryKPI(t *testing.T) {
	b, err := os.ReadFile("../docs/metrics.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range Catalogue() {
		row := "| `" + k.ID + "` | " + k.NameZH + " | " + k.NameEN + " | " + k.Formula + " | " + string(k.Unit) + " | " + string(k.Direction) + " |"
		if !strings.Contains(string(b), row) {
			t.Errorf("docs/metrics.md has no up-to-date row for %s", k.ID)
		}
	}
}
