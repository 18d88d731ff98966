package ingest

import (
	"strings"
	"testing"
	"time"

	"github.com/daiyun/daiyun"
)

// The parsers have fast paths for the values most cells hold. These
// fuzz targets hold each to the plain implementation it shortcuts, kept
// here as it was: the same results for any input.

// plainParseTime is ParseTime without its fast path for the common
// layout, and with the separator search it had before.
func plainParseTime(s string, loc *time.Location) (time.Time, error) {
	s = trimSpace(s)
	switch s {
	case "", "-", "--", "null", "NULL", "None", "0", "0000-00-00 00:00:00", "0000-00-00":
		return time.Time{}, nil
	}
	p := timeParser{s: s}
	sep := func(set string) bool {
		for _, r := range set {
			if strings.HasPrefix(p.s[p.i:], string(r)) {
				p.i += len(string(r))
				return true
			}
		}
		return false
	}
	year := p.num(4, 4)
	if year < 1900 || year > 2200 || !sep("-/.年") {
		return time.Time{}, errBadTime
	}
	month := p.num(1, 2)
	if month < 1 || month > 12 || !sep("-/.月") {
		return time.Time{}, errBadTime
	}
	day := p.num(1, 2)
	if day < 1 || day > 31 {
		return time.Time{}, errBadTime
	}
	sep("日")
	var hour, min, sec, nsec int
	if p.i < len(p.s) {
		if !sep("T ") {
			return time.Time{}, errBadTime
		}
		for sep(" ") {
		}
		if hour = p.num(1, 2); hour < 0 || hour > 23 || !sep(":") {
			return time.Time{}, errBadTime
		}
		if min = p.num(2, 2); min < 0 || min > 59 {
			return time.Time{}, errBadTime
		}
		if sep(":") {
			if sec = p.num(2, 2); sec < 0 || sec > 60 {
				return time.Time{}, errBadTime
			}
			if sep(".,") {
				start, scale := p.i, 100000000
				for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
					nsec += int(p.s[p.i]-'0') * scale
					scale /= 10
					p.i++
				}
				if p.i == start {
					return time.Time{}, errBadTime
				}
			}
		}
	}
	for sep(" ") {
	}
	zone, ok := p.zone(loc)
	if !ok || p.i != len(p.s) {
		return time.Time{}, errBadTime
	}
	t := time.Date(year, time.Month(month), day, hour, min, sec, nsec, zone)
	if t.Day() != day {
		return time.Time{}, errBadTime
	}
	return t.UTC(), nil
}

func FuzzParseTimeSame(f *testing.F) {
	for _, s := range []string{"2024-03-01 12:00:00", "2024-02-30 10:00:00", "2024-03-10 02:30:00", "2024-11-03 01:30:00",
		"2024-12-31 23:59:60", "0000-00-00 00:00:00", " 2024-03-01 12:00:00", "2024/3/1 12:00", "2024年3月1日 12:00:00", "2024-03-01T12:00:00+08:00"} {
		f.Add(s)
	}
	locs := []string{"Asia/Shanghai", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "UTC"}
	f.Fuzz(func(t *testing.T, s string) {
		for _, name := range locs {
			loc, err := time.LoadLocation(name)
			if err != nil {
				t.Skip(err)
			}
			got, gerr := ParseTime(s, loc)
			want, werr := plainParseTime(s, loc)
			if got != want || gerr != werr {
				t.Fatalf("%s %q: %v, %v; want %v, %v", name, s, got, gerr, want, werr)
			}
		}
	})
}

// plainCleanCell is cleanCell without its check of the end runes.
func plainCleanCell(v string) string {
	if len(v) >= 3 && v[0] == '=' && v[1] == '"' && v[len(v)-1] == '"' {
		v = v[2 : len(v)-1]
	}
	if v != "" && (v[0] == ' ' || v[0] == '\t' || v[len(v)-1] == ' ' || v[len(v)-1] == '\t' || v[0] >= 0x80 || v[len(v)-1] >= 0x80) {
		v = trimSpace(v)
	}
	return v
}

func FuzzCleanCellSame(f *testing.F) {
	for _, s := range []string{"浙江省", " a ", "\u3000订单\u3000", "=\" 1\"", "中\n", "\xe4", "a\u00a0", "\ufeffx"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := cleanCell(s), plainCleanCell(s); got != want {
			t.Fatalf("cleanCell(%q) = %q, want %q", s, got, want)
		}
	})
}

// plainNormWord is normWord without its shortcut for plain words.
func plainNormWord(s string) string {
	s = foldWidth(trimSpace(s))
	if strings.IndexFunc(s, isSpace) >= 0 {
		s = strings.Map(func(r rune) rune {
			if isSpace(r) {
				return -1
			}
			return r
		}, s)
	}
	return strings.ToLower(s)
}

func FuzzNormWordSame(f *testing.F) {
	for _, s := range []string{"paid", "Paid", "trade_finished", "交易成功", "买家已付款，等待卖家发货", " x", "a\x7fb", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := normWord(s), plainNormWord(s); got != want {
			t.Fatalf("normWord(%q) = %q, want %q", s, got, want)
		}
	})
}

func FuzzPlainNumbersSame(f *testing.F) {
	for _, s := range []string{"0", "1234", "1234.5", "1234.56", "1234.567", "1.", ".5", "007", "123456789012345", "1234567890123456", "1,234", "-1", "1 "} {
		f.Add(s, 2)
	}
	f.Fuzz(func(t *testing.T, s string, exp int) {
		exp = min(max(exp, 0), 4)
		for _, loc := range []Locale{LocaleDot, LocaleComma} {
			if n, ok := plainAmount(s, exp, loc); ok {
				want, err := parseDecimal(s, exp, loc, true)
				if err != nil || n != want {
					t.Fatalf("plainAmount(%q, %d, %s) = %d; parseDecimal %d, %v", s, exp, loc, n, want, err)
				}
			}
			if n, ok := plainInt(s); ok {
				want, err := parseDecimal(s, 2, loc, false)
				if err != nil || n != (want+50)/100 {
					t.Fatalf("plainInt(%q) = %d; parseDecimal %d, %v", s, n, want, err)
				}
			}
		}
	})
}

// TestParseTimeLayoutSame walks two years in steps that land on every
// minute of the day in turn, through the daylight saving changes of
// several zones, in the layout the fast path reads.
func TestParseTimeLayoutSame(t *testing.T) {
	for _, name := range []string{"Asia/Shanghai", "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "America/Santiago"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Skip(err)
		}
		end := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		for u := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC); u.Before(end); u = u.Add(7*time.Minute + 13*time.Second) {
			s := u.Format("2006-01-02 15:04:05")
			got, gerr := ParseTime(s, loc)
			want, werr := plainParseTime(s, loc)
			if got != want || gerr != werr {
				t.Fatalf("%s %q: %v, %v; want %v, %v", name, s, got, gerr, want, werr)
			}
		}
	}
}

func FuzzPseudonymiserSame(f *testing.F) {
	for _, s := range []string{"Buyer@Example.com", "  张三  ", "", " ", "\v", "13800138000"} {
		f.Add([]byte("client-7-key"), s, "second")
	}
	f.Fuzz(func(t *testing.T, key []byte, a, b string) {
		if len(key) == 0 {
			return
		}
		p := daiyun.NewPseudonymiser(key)
		// Twice each, interleaved: the reused hash must not carry state.
		for _, s := range []string{a, b, a, b} {
			if got, want := p.Pseudonym(s), daiyun.Pseudonym(key, s); got != want {
				t.Fatalf("Pseudonymiser(%q) = %q, Pseudonym = %q", s, got, want)
			}
		}
	})
}
