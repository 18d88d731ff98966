// Package bench runs Daiyun's product benchmarks (`daiyun bench`). Every
// figure times a product path — the HTTP API, a service, an analysis, an
// import — and beside it the hand-written raw-engine SQL for the same
// numbers, in the same process and session, alternating run by run so the
// machine's noise falls on both. Answers are compared before anything is
// timed: a baseline that computes other numbers is no baseline.
//
// The package owns the timing, the statistics, the baselines and the
// generated inputs. It holds no product logic and writes only into stores
// it was handed (a fresh warehouse for the import benchmark).
package bench

import (
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Figure is one timed comparison: the product path against its baseline.
type Figure struct {
	Name string `json:"name"`
	// Path says what was timed; Baseline what it is compared with.
	Path     string  `json:"path"`
	Baseline string  `json:"baseline,omitempty"`
	Size     string  `json:"size"`
	Runs     int     `json:"runs"`
	MedianMS float64 `json:"median_ms"`
	P90MS    float64 `json:"p90_ms"`
	// BaseMedianMS and BaseP90MS are the baseline's; Ratio is the product's
	// median over the baseline's (1.3 means 30% slower than raw).
	BaseMedianMS float64 `json:"baseline_median_ms,omitempty"`
	BaseP90MS    float64 `json:"baseline_p90_ms,omitempty"`
	Ratio        float64 `json:"ratio,omitempty"`
	// Rate and BaseRate are lines per second, for loads.
	Rate     float64 `json:"lines_per_s,omitempty"`
	BaseRate float64 `json:"baseline_lines_per_s,omitempty"`
	// Target is the goal in words; Meets says whether the figure reaches it
	// (absent when there is no target).
	Target string `json:"target,omitempty"`
	Meets  *bool  `json:"meets,omitempty"`
	Note   string `json:"note,omitempty"`
}

// Report is the outcome of one `daiyun bench` command.
type Report struct {
	Bench   string    `json:"bench"`
	Engine  string    `json:"engine"`
	Data    string    `json:"data,omitempty"`
	Started time.Time `json:"started"`
	Seconds float64   `json:"seconds"`
	Cores   int       `json:"cores"`
	// LoadStart and LoadEnd are /proc/loadavg when the bench began and
	// ended: the machine is shared, so every figure carries its load.
	LoadStart string `json:"loadavg_start"`
	LoadEnd   string `json:"loadavg_end"`
	// PeakRSSMB is the process's peak resident memory (VmHWM) at the end.
	PeakRSSMB float64 `json:"peak_rss_mb"`
	// Checks are the agreement checks that passed before timing.
	Checks  []string `json:"checks"`
	Figures []Figure `json:"figures"`
}

// NewReport starts a report, noting the machine's load.
func NewReport(bench, engine, data string) *Report {
	return &Report{Bench: bench, Engine: engine, Data: data, Started: time.Now().UTC(), Cores: runtime.NumCPU(), LoadStart: LoadAvg()}
}

// Finish notes the load and the peak memory at the end.
func (r *Report) Finish() {
	r.Seconds = time.Since(r.Started).Seconds()
	r.LoadEnd = LoadAvg()
	r.PeakRSSMB = float64(PeakRSS()) / (1 << 20)
}

// Header is the table form's header.
func (r *Report) Header() []string {
	return []string{"figure", "size", "runs", "median_ms", "p90_ms", "baseline_ms", "baseline_p90_ms", "ratio", "lines/s", "baseline lines/s", "target", "meets"}
}

// Rows is the table form: one row per figure, then the context lines.
func (r *Report) Rows() [][]string {
	var out [][]string
	for _, f := range r.Figures {
		meets := ""
		if f.Meets != nil {
			meets = map[bool]string{true: "yes", false: "NO"}[*f.Meets]
		}
		out = append(out, []string{f.Name, f.Size, strconv.Itoa(f.Runs), ms(f.MedianMS), ms(f.P90MS), ms(f.BaseMedianMS), ms(f.BaseP90MS),
			ratio(f.Ratio), rate(f.Rate), rate(f.BaseRate), f.Target, meets})
	}
	out = append(out, []string{fmt.Sprintf("engine %s, %d cores, load %s → %s, peak RSS %.0f MB, %.0f s", r.Engine, r.Cores, r.LoadStart, r.LoadEnd, r.PeakRSSMB, r.Seconds)})
	for _, c := range r.Checks {
		out = append(out, []string{"check: " + c})
	}
	return out
}

func ms(v float64) string {
	if v == 0 {
		return ""
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func ratio(v float64) string {
	if v == 0 {
		return ""
	}
	return strconv.FormatFloat(v, 'f', 2, 64) + "×"
}

func rate(v float64) string {
	if v == 0 {
		return ""
	}
	return strconv.FormatFloat(v, 'f', 0, 64)
}

// LoadAvg returns the first three fields of /proc/loadavg, or "" where
// there is none.
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// PeakRSS returns the process's peak resident set (VmHWM) in bytes, or 0
// where /proc/self/status is not available.
func PeakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				kb, _ := strconv.ParseInt(f[0], 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

// Median is the middle duration (the mean of the two middle ones for an
// even count).
func Median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// P90 is the nearest-rank 90th percentile.
func P90(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := (9*len(s) + 9) / 10 // ⌈0.9·n⌉
	return s[i-1]
}

// Compared fills a figure from the two samples.
func Compared(f Figure, p, b []time.Duration) Figure {
	f.Runs = len(p)
	f.MedianMS, f.P90MS = msOf(Median(p)), msOf(P90(p))
	if len(b) > 0 {
		f.BaseMedianMS, f.BaseP90MS = msOf(Median(b)), msOf(P90(b))
		if f.BaseMedianMS > 0 {
			f.Ratio = f.MedianMS / f.BaseMedianMS
		}
	}
	return f
}

// SetMeets records whether a figure reaches its target.
func (f *Figure) SetMeets(ok bool) { f.Meets = &ok }

func msOf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
