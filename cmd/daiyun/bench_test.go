package main

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/daiyun/daiyun/internal/bench"
)

// runBench runs `daiyun bench …` in-process and decodes its JSON report.
func runBench(t *testing.T, env map[string]string, args ...string) bench.Report {
	t.Helper()
	out := mustRun(t, env, append([]string{"bench"}, append(args, "--format", "json")...)...)
	var rep bench.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("bench %v printed %q: %v", args, out, err)
	}
	if rep.LoadStart == "" || rep.PeakRSSMB <= 0 {
		t.Errorf("bench %v: no load or peak memory in %+v", args, rep)
	}
	return rep
}

// figure returns the report's figure whose name starts with prefix.
func figure(t *testing.T, rep bench.Report, prefix string) bench.Figure {
	t.Helper()
	for _, f := range rep.Figures {
		if strings.HasPrefix(f.Name, prefix) {
			return f
		}
	}
	t.Fatalf("no figure %q in %+v", prefix, rep.Figures)
	return bench.Figure{}
}

func TestBenchFlags(t *testing.T) {
	env := map[string]string{"DAIYUN_DATA": t.TempDir()}
	for _, args := range [][]string{
		{"bench", "metrics", "--runs", "0"},
		{"bench", "metrics", "--engine", "postgres"},
		{"bench", "metrics", "--engine", "sqlite"},
		{"bench", "import", "--format", "csv"},
		{"bench", "import", "--lines", "0"},
	} {
		if _, err := run(t, env, args...); err == nil {
			t.Errorf("daiyun %s: no error", strings.Join(args, " "))
		}
	}
}

// A small import: the file import and the raw COPY load the same lines and
// the API accepts every line sent.
func TestBenchImportSmall(t *testing.T) {
	env := map[string]string{"DAIYUN_DATA": t.TempDir()}
	rep := runBench(t, env, "import", "--lines", "3000", "--api-lines", "2000", "--clients", "1", "--runs", "1")
	f := figure(t, rep, "file import")
	if f.Runs != 1 || f.Rate <= 0 || f.BaseRate <= 0 || f.Ratio <= 0 || f.Meets == nil {
		t.Errorf("file import figure: %+v", f)
	}
	a := figure(t, rep, "API ingest")
	// Clients send whole orders, so a few lines more than asked may go.
	if n, _ := strconv.Atoi(strings.Fields(a.Size + " x")[0]); a.Rate <= 0 || n < 2000 || n > 2004 {
		t.Errorf("API ingest figure: %+v", a)
	}
	if len(rep.Checks) != 2 {
		t.Errorf("checks: %q", rep.Checks)
	}
}

// On a small demo agency the product and the raw SQL agree (the bench
// refuses to time otherwise) and every figure has its baseline.
func TestBenchMetricsAndAnalysesOnDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("generates a demo agency")
	}
	env := map[string]string{"DAIYUN_DATA": t.TempDir()}
	mustRun(t, env, "demo", "--shops", "30", "--order-lines", "30000", "--format", "json")
	rep := runBench(t, env, "metrics", "--runs", "1")
	if len(rep.Figures) != 4 || len(rep.Checks) != 2 {
		t.Fatalf("metrics report: %+v", rep)
	}
	for _, f := range rep.Figures {
		if f.BaseMedianMS <= 0 || f.Ratio <= 0 || f.Meets == nil {
			t.Errorf("figure without baseline: %+v", f)
		}
	}
	rep = runBench(t, env, "metrics", "--runs", "1", "--only", "portfolio")
	if len(rep.Figures) != 2 || len(rep.Checks) != 1 || !strings.HasPrefix(rep.Figures[0].Name, "portfolio") {
		t.Fatalf("metrics --only portfolio: %+v", rep)
	}
	if _, err := run(t, env, "bench", "metrics", "--only", "cohorts"); err == nil {
		t.Error("bench metrics --only cohorts: no error")
	}
	rep = runBench(t, env, "analyses", "--runs", "1", "--customers", "2000", "--journeys", "2000")
	for _, name := range []string{"monthly cohorts", "RFM", "CLV", "Markov"} {
		if f := figure(t, rep, name); f.MedianMS <= 0 {
			t.Errorf("%s: %+v", name, f)
		}
	}
	if c := figure(t, rep, "monthly cohorts"); c.BaseMedianMS <= 0 {
		t.Errorf("cohorts without baseline: %+v", c)
	}
}
