package csvin

import (
	"io"
	"strings"
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Skip(err)
	}
	for in, want := range map[string]string{
		"2024-03-01T10:00:00Z":       "2024-03-01T10:00:00Z",
		"2024-03-01T10:00:00+02:00":  "2024-03-01T08:00:00Z", // its own offset wins over --tz
		"2024-03-01 10:00:00":        "2024-03-01T02:00:00Z", // in Shanghai
		"2024-03-01T10:00:00":        "2024-03-01T02:00:00Z",
		"2024-03-01 10:00:00.5":      "2024-03-01T02:00:00.5Z",
		"2024-03-01":                 "2024-02-29T16:00:00Z",
		"20240301":                   "2024-02-29T16:00:00Z",
		" 2024-03-01T10:00:00.250Z ": "2024-03-01T10:00:00.25Z",
	} {
		got, err := ParseTime(in, sh)
		if err != nil {
			t.Errorf("ParseTime(%q): %v", in, err)
			continue
		}
		if s := got.UTC().Format(time.RFC3339Nano); s != want {
			t.Errorf("ParseTime(%q) = %s, want %s", in, s, want)
		}
	}
	for _, in := range []string{"", "yesterday", "2024-13-01", "2024/03/01", "1709287200"} {
		if _, err := ParseTime(in, nil); err == nil {
			t.Errorf("ParseTime(%q) accepted", in)
		}
	}
}

func TestErrorsNameFileLineColumnValue(t *testing.T) {
	in := "\ufeffperson_id;event;timestamp\np1;view;2024-03-01 10:00:00\np2;view;not a time\n"
	f, err := NewReader(strings.NewReader(in), "events.csv", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	col, err := f.Col("timestamp", "--timestamp-col")
	if err != nil {
		t.Fatal(err)
	}
	var msg string
	for {
		rec, err := f.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Time(rec, col); err != nil {
			msg = err.Error()
		}
	}
	for _, part := range []string{"events.csv", "line 3", `"timestamp"`, `"not a time"`} {
		if !strings.Contains(msg, part) {
			t.Errorf("error %q lacks %s", msg, part)
		}
	}
	if _, err := f.Col("ts", "--timestamp-col"); err == nil || !strings.Contains(err.Error(), "--timestamp-col") {
		t.Errorf("missing column error %v should name the flag", err)
	}
	if f.OptionalCol("EVENT") != 1 {
		t.Error("column lookup should fall back to case-insensitive")
	}
}

func TestDetectComma(t *testing.T) {
	for in, want := range map[string]rune{"a;b;c": ';', "a,b,c": ',', "a\tb": '\t', "a": ',', "path;x,y": ';'} {
		if got := DetectComma(in); got != want {
			t.Errorf("DetectComma(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"14d": 14 * 24 * time.Hour, "30m": 30 * time.Minute, "2w": 14 * 24 * time.Hour, "90s": 90 * time.Second, "1.5h": 90 * time.Minute} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "14", "d", "-1d", "0h", "3y", "1e9w"} {
		if _, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) accepted", in)
		}
	}
}

func TestEmptyFile(t *testing.T) {
	if _, err := NewReader(strings.NewReader(""), "x.csv", 0, nil); err == nil || !strings.Contains(err.Error(), "x.csv") {
		t.Errorf("empty file: %v", err)
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2024-03-01T10:00:00Z", "2024-03-01 10:00:00", "20240301", "2024-03-01", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := ParseTime(s, time.UTC)
		if err == nil && tm.IsZero() && !strings.HasPrefix(strings.TrimSpace(s), "0001") {
			t.Errorf("ParseTime(%q) gave the zero time without error", s)
		}
	})
}

func FuzzReader(f *testing.F) {
	f.Add("a,b\n1,2\n")
	f.Add("a;b\n\"x;y\";2\n")
	f.Add("a\tb\n\"unterminated\n")
	f.Fuzz(func(t *testing.T, s string) {
		r, err := NewReader(strings.NewReader(s), "fuzz.csv", 0, nil)
		if err != nil {
			return
		}
		for i := 0; i < 1000; i++ {
			rec, err := r.Next()
			if err != nil {
				return
			}
			for c := range rec {
				_, _ = r.Float(rec, c)
				_, _ = r.Time(rec, c)
			}
			_, _ = r.Field(rec, len(rec)) // too short: must error, not panic
		}
	})
}
