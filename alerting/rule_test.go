package alerting_test

import (
	"strings"
	"testing"

	"github.com/daiyun/daiyun/alerting"
)

func TestYAMLRoundTrip(t *testing.T) {
	b, err := alerting.ExportYAML(alerting.Defaults())
	if err != nil {
		t.Fatal(err)
	}
	rules, err := alerting.ParseYAML("defaults.yaml", b)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if len(rules) != len(alerting.Defaults()) {
		t.Fatalf("%d rules back", len(rules))
	}
	for i, r := range rules {
		d := alerting.Defaults()[i]
		if r.Name != d.Name || r.Condition != d.Condition || r.Periods != d.Periods || r.Deadline != d.Deadline || r.Level != d.Level || r.Colour != d.Colour || r.By != d.By {
			t.Errorf("rule %s: %+v, want %+v", d.Name, r, d)
		}
	}
	if !strings.Contains(string(b), "deadline: 24h0m0s") {
		t.Errorf("deadline not written as a duration:\n%s", b)
	}
}

// TestValidationNamesRuleFieldAndValue checks each wrong field is reported
// with the file, the rule, the field and the value.
func TestValidationNamesRuleFieldAndValue(t *testing.T) {
	base := "rules:\n  - name: r1\n    kpi: gmv\n    scope: {kind: agency}\n    condition: {kind: previous_period, op: '<', value: -0.3}\n    grain: week\n    level: 3\n"
	for _, c := range []struct{ from, to, want string }{
		{"kpi: gmv", "kpi: gvm", `f.yaml: rules[0]: rule "r1": kpi "gvm" is not in the KPI catalogue`},
		{"kind: agency", "kind: galaxy", `rule "r1": scope.kind "galaxy"`},
		{"op: '<'", "op: '=='", `rule "r1": condition.op "=="`},
		{"kind: previous_period", "kind: vibes", `rule "r1": condition.kind "vibes"`},
		{"grain: week", "grain: hour", `rule "r1": grain "hour"`},
		{"level: 3", "level: 4", `rule "r1": level 4`},
		{"level: 3", "colour: blue", `rule "r1": colour "blue"`},
		{"level: 3", "level: 3\n    periods: 99", `rule "r1": periods 99`},
		{"level: 3", "level: 3\n    by: sku", `rule "r1": by "sku" is not a dimension of KPI gmv`},
		{"level: 3", "level: 3\n    deadline: soon", `"soon" is not a duration`},
		{"level: 3", "level: 3\n    colour_typo: red", `field colour_typo not found`},
		{"kind: agency", "kind: shop", `rule "r1": scope.shop_id 0 is required`},
	} {
		_, err := alerting.ParseYAML("f.yaml", []byte(strings.Replace(base, c.from, c.to, 1)))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "f.yaml") {
			t.Errorf("%s → %s: %v, want %q", c.from, c.to, err, c.want)
		}
	}
	if _, err := alerting.ParseYAML("f.yaml", []byte(base+strings.TrimPrefix(base, "rules:\n"))); err == nil || !strings.Contains(err.Error(), `rule name "r1" appears twice`) {
		t.Errorf("duplicate: %v", err)
	}
	if _, err := alerting.ParseYAML("f.yaml", []byte(base)); err != nil {
		t.Errorf("good rule: %v", err)
	}
}

func TestBudgetColours(t *testing.T) {
	got := alerting.BudgetColours([]alerting.Firing{{ClientID: 1, Colour: "yellow"}, {ClientID: 1, Colour: "red"}, {ClientID: 2, Colour: "yellow"}}, []int64{1, 2, 3})
	if got["1"] != "red" || got["2"] != "yellow" || got["3"] != "green" {
		t.Fatalf("%v", got)
	}
}
