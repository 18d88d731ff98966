package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runAnalyze runs `daiyun analyze ARGS…` through the real command tree and
// returns stdout.
func runAnalyze(t *testing.T, args ...string) (string, error) {
	t.Helper()
	m := NewMain()
	var out, errb bytes.Buffer
	m.Stdout, m.Stderr = &out, &errb
	m.Getenv = func(string) string { return "" }
	defer m.Close()
	err := m.Run(context.Background(), append([]string{"analyze"}, args...))
	return out.String(), err
}

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

const eventsCSV = `person_id;event;timestamp
p1;view;2024-03-01 10:00:00
p1;cart;2024-03-01 10:01:40
p1;pay;2024-03-01 10:06:40
p2;cart;2024-03-01 09:00:00
p2;view;2024-03-01 09:00:50
p3;view;2024-03-02T10:00:00Z
p3;cart;2024-03-02T10:05:00Z
`

func TestAnalyzeFunnelFile(t *testing.T) {
	in := writeFile(t, "events.csv", eventsCSV)
	out, err := runAnalyze(t, "funnel", "--input", in, "--steps", "view,cart,pay", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Steps []struct {
			Name   string   `json:"name"`
			Count  int      `json:"count"`
			Rate   *float64 `json:"conversion_rate"`
			Avg    *float64 `json:"avg_time_to_convert_s"`
			Median *float64 `json:"median_time_to_convert_s"`
		} `json:"steps"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v in %s", err, out)
	}
	if len(res.Steps) != 3 || res.Steps[0].Count != 3 || res.Steps[1].Count != 2 || res.Steps[2].Count != 1 ||
		res.Steps[0].Avg != nil || *res.Steps[1].Median != 200 || *res.Steps[2].Avg != 300 {
		t.Errorf("unexpected funnel %s", out)
	}
	if _, err := runAnalyze(t, "funnel", "--input", in, "--steps", "view,crt"); err == nil || !strings.Contains(err.Error(), `"crt"`) {
		t.Errorf("unknown step: %v", err)
	}
	bad := writeFile(t, "bad.csv", "person_id,event,timestamp\np1,view,2024-03-01 10:00:00\np1,cart,yesterday\n")
	_, err = runAnalyze(t, "funnel", "--input", bad, "--steps", "view,cart")
	if err == nil || !strings.Contains(err.Error(), "line 3") || !strings.Contains(err.Error(), "yesterday") {
		t.Errorf("bad timestamp: %v", err)
	}
}

func TestAnalyzeRetentionAndPathsFiles(t *testing.T) {
	in := writeFile(t, "events.csv", eventsCSV)
	out, err := runAnalyze(t, "retention", "--input", in, "--start-event", "view", "--period", "day", "--intervals", "2", "--to", "2024-03-02", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"start": "2024-03-01"`) || !strings.Contains(out, `"values": [`) {
		t.Errorf("retention %s", out)
	}
	out, err = runAnalyze(t, "paths", "--input", in, "--conversion-event", "pay", "--format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out, "list,rank,path,journeys,conversions,drop_offs,conversion_rate\n") || !strings.Contains(out, "to_purchase,1,view > cart,2,1,1,0.5") {
		t.Errorf("paths csv:\n%s", out)
	}
}

func TestAnalyzePurchasesFiles(t *testing.T) {
	in := writeFile(t, "orders.csv", "customer_id,date,amount,order_id\na,2024-01-05,60,o1\na,2024-01-05,40,o1\na,2024-03-10,30,o2\nb,2024-02-01,120000,o3\n")
	out, err := runAnalyze(t, "rfm", "--input", in, "--as-of", "2024-03-31", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, `"customer_id": "b"`) || !strings.Contains(out, `"vip": true`) || !strings.Contains(out, `"frequency": 2`) {
		t.Errorf("rfm %s", out)
	}
	out, err = runAnalyze(t, "cohort", "--input", in, "--format", "csv")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "2024-01,1,1,2,2024-03,1,1,1,30\n") {
		t.Errorf("cohort csv:\n%s", out)
	}
	neg := writeFile(t, "neg.csv", "customer_id,date,amount\na,2024-01-05,-3\n")
	if _, err := runAnalyze(t, "rfm", "--input", neg); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("negative amount: %v", err)
	}
}

func TestAnalyzeABTest(t *testing.T) {
	out, err := runAnalyze(t, "abtest", "--control", "120/1000", "--variant", "150/1000", "--yates", "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var res map[string]any
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"z", "p_value", "chi2", "df", "ci_low", "ci_high", "lift"} {
		if _, ok := res[k]; !ok {
			t.Errorf("no %q in %s", k, out)
		}
	}
	if _, err := runAnalyze(t, "abtest", "--control", "120/100", "--variant", "1/2"); err == nil || !strings.Contains(err.Error(), "--control") {
		t.Errorf("conversions > visitors: %v", err)
	}
	out, err = runAnalyze(t, "abtest", "plan", "--baseline", "0.5", "--mde", "0.25", "--power", "0.9", "--format", "json")
	if err != nil || !strings.Contains(out, `"n_per_arm": 77`) {
		t.Errorf("plan %s %v", out, err)
	}
}

func TestAnalyzeAttributionFile(t *testing.T) {
	in := writeFile(t, "paths.csv", "path,total_conversions,total_conversion_value,total_null\nA > B,1,10,1\nB,1,5,0\nA,0,0,2\n")
	out, err := runAnalyze(t, "attribution", "--input", in, "--format", "json")
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Models         map[string]map[string]struct{ Conversions float64 } `json:"models"`
		RemovalEffects map[string]float64                                  `json:"removal_effects"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Models) != 7 || res.RemovalEffects["B"] != 1 || res.Models["markov"]["A"].Conversions < 0.7999 || res.Models["markov"]["A"].Conversions > 0.8001 {
		t.Errorf("attribution %s", out)
	}
}
