package bench

import (
	"testing"
	"time"
)

func TestMedianAndP90(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	for _, c := range []struct {
		in          []time.Duration
		median, p90 time.Duration
	}{
		{ms(5), 5 * time.Millisecond, 5 * time.Millisecond},
		{ms(9, 1, 5), 5 * time.Millisecond, 9 * time.Millisecond},
		{ms(4, 1, 3, 2), 2500 * time.Microsecond, 4 * time.Millisecond},
		{ms(10, 9, 8, 7, 6, 5, 4, 3, 2, 1), 5500 * time.Microsecond, 9 * time.Millisecond},
		{nil, 0, 0},
	} {
		if m, p := Median(c.in), P90(c.in); m != c.median || p != c.p90 {
			t.Errorf("%v: median %v p90 %v, want %v %v", c.in, m, p, c.median, c.p90)
		}
	}
}

func TestComparedRatio(t *testing.T) {
	f := Compared(Figure{Name: "x"}, []time.Duration{30 * time.Millisecond}, []time.Duration{20 * time.Millisecond})
	if f.Runs != 1 || f.MedianMS != 30 || f.BaseMedianMS != 20 || f.Ratio != 1.5 {
		t.Errorf("%+v", f)
	}
}

// The generated canonical CSV holds whole orders and the asked lines.
func TestWriteCanonical(t *testing.T) {
	var b bytesCounter
	n, err := writeCanonical(&b, &orderGen{prefix: "T", start: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}, 1000)
	if err != nil || n < 1000 || n > 1003 || b.lines != n+1 {
		t.Errorf("wrote %d lines (%d newlines), %v", n, b.lines, err)
	}
}

type bytesCounter struct{ lines int }

func (b *bytesCounter) Write(p []byte) (int, error) {
	for _, c := range p {
		if c == '\n' {
			b.lines++
		}
	}
	return len(p), nil
}
