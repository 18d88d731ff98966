package ingest

import (
	"errors"
	"strings"
	"time"
	"unicode/utf8"
)

var errBadTime = errors.New("is not a date and time this import reads (2024-03-01 12:00:00, 2024/3/1 12:00, 2024-03-01T12:00:00+08:00)")

// ParseTime reads the date-times seller exports write: "2024-03-01 12:00:00",
// "2024/3/1 12:00", "2024-03-01", "2024年3月1日 12:00", ISO 8601 with "T",
// fractional seconds and an offset ("Z", "+08:00", "+0800", " +0800" as
// Shopify writes it, "UTC"). A value without an offset is a wall time in loc
// (the shop's timezone). The result is in UTC. Empty, "-", "null" and an
// all-zero date return the zero time and no error: the caller decides whether
// the field may be absent.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	if t, ok, err := parseCommonLayout(s, loc); ok {
		return t, err
	}
	s = trimSpace(s)
	switch s {
	case "", "-", "--", "null", "NULL", "None", "0", "0000-00-00 00:00:00", "0000-00-00":
		return time.Time{}, nil
	}
	p := timeParser{s: s}
	year := p.num(4, 4)
	if year < 1900 || year > 2200 || !p.sep("-/.年") {
		return time.Time{}, errBadTime
	}
	month := p.num(1, 2)
	if month < 1 || month > 12 || !p.sep("-/.月") {
		return time.Time{}, errBadTime
	}
	day := p.num(1, 2)
	if day < 1 || day > 31 {
		return time.Time{}, errBadTime
	}
	p.sep("日")
	var hour, min, sec, nsec int
	if p.i < len(p.s) {
		if !p.sep("T ") {
			return time.Time{}, errBadTime
		}
		for p.sep(" ") {
		}
		if hour = p.num(1, 2); hour < 0 || hour > 23 || !p.sep(":") {
			return time.Time{}, errBadTime
		}
		if min = p.num(2, 2); min < 0 || min > 59 {
			return time.Time{}, errBadTime
		}
		if p.sep(":") {
			if sec = p.num(2, 2); sec < 0 || sec > 60 {
				return time.Time{}, errBadTime
			}
			if p.sep(".,") {
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
	for p.sep(" ") {
	}
	zone, ok := p.zone(loc)
	if !ok || p.i != len(p.s) {
		return time.Time{}, errBadTime
	}
	t := time.Date(year, time.Month(month), day, hour, min, sec, nsec, zone)
	if t.Day() != day {
		return time.Time{}, errBadTime // 2024-02-30
	}
	return t.UTC(), nil
}

// parseCommonLayout reads "2006-01-02 15:04:05", the layout nearly every
// export writes, without the general parser's separator search; ok is
// false for any other text, which the general parser then reads. The
// ranges and the result are the general parser's.
func parseCommonLayout(s string, loc *time.Location) (t time.Time, ok bool, err error) {
	if len(s) != 19 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false, nil
	}
	num := func(i, n int) int {
		v := 0
		for _, c := range []byte(s[i : i+n]) {
			if c < '0' || c > '9' {
				return -1
			}
			v = v*10 + int(c-'0')
		}
		return v
	}
	year, month, day := num(0, 4), num(5, 2), num(8, 2)
	hour, min, sec := num(11, 2), num(14, 2), num(17, 2)
	if year < 1900 || year > 2200 || month < 1 || month > 12 || day < 1 || day > 31 ||
		hour < 0 || hour > 23 || min < 0 || min > 59 || sec < 0 || sec > 60 {
		// Not digits, or out of range: "0000-00-00 00:00:00" and the errors
		// are the general parser's to give.
		return time.Time{}, false, nil
	}
	t = time.Date(year, time.Month(month), day, hour, min, sec, 0, loc)
	if t.Day() != day {
		return time.Time{}, true, errBadTime // 2024-02-30
	}
	return t.UTC(), true, nil
}

// ParseDay reads a calendar day (any ParseTime layout; the time part, if any,
// is dropped after converting to loc) and returns midnight UTC of that day,
// which is how DATE columns are written.
func ParseDay(s string, loc *time.Location) (time.Time, error) {
	s = trimSpace(s)
	// 20240301, as some reports write it.
	if len(s) == 8 && allDigits(s) {
		s = s[:4] + "-" + s[4:6] + "-" + s[6:]
	}
	t, err := ParseTime(s, loc)
	if err != nil || t.IsZero() {
		return t, err
	}
	return DayOf(t, loc), nil
}

// DayOf cuts a UTC instant into the calendar day in loc, as midnight UTC.
func DayOf(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

type timeParser struct {
	s string
	i int
}

// num reads between min and max ASCII digits; -1 when there are fewer.
func (p *timeParser) num(min, max int) int {
	n, v := 0, 0
	for p.i < len(p.s) && n < max && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		v = v*10 + int(p.s[p.i]-'0')
		p.i++
		n++
	}
	if n < min {
		return -1
	}
	return v
}

// sep consumes one of the separator runes in set.
func (p *timeParser) sep(set string) bool {
	if p.i >= len(p.s) {
		return false
	}
	if c := p.s[p.i]; c < utf8.RuneSelf {
		if strings.IndexByte(set, c) < 0 {
			return false
		}
		p.i++
		return true
	}
	r, n := utf8.DecodeRuneInString(p.s[p.i:])
	if r == utf8.RuneError || !strings.ContainsRune(set, r) {
		return false
	}
	p.i += n
	return true
}

// zone reads an optional offset; none means loc.
func (p *timeParser) zone(loc *time.Location) (*time.Location, bool) {
	rest := p.s[p.i:]
	switch {
	case rest == "":
		return loc, true
	case rest == "Z" || rest == "UTC" || rest == "GMT":
		p.i = len(p.s)
		return time.UTC, true
	case rest[0] == '+' || rest[0] == '-':
		sign := 1
		if rest[0] == '-' {
			sign = -1
		}
		p.i++
		h := p.num(2, 2)
		p.sep(":")
		m := p.num(2, 2)
		if h < 0 || h > 14 || m < 0 || m > 59 {
			return nil, false
		}
		return time.FixedZone("", sign*(h*3600+m*60)), true
	}
	return nil, false
}

// excelSerial reads a spreadsheet date serial number (days since
// 1899-12-30, the fraction being the time of day) as a wall time in loc.
// XLSX stores date cells this way; only XLSX values are read with it.
func excelSerial(s string, loc *time.Location) (time.Time, bool) {
	s = trimSpace(s)
	if s == "" || s[0] < '0' || s[0] > '9' {
		return time.Time{}, false
	}
	const scale = 10_000_000_000 // ten decimal places of a day
	v, err := parseDecimal(s, 10, LocaleDot, false)
	if err != nil || strings.ContainsAny(s, ", ") {
		return time.Time{}, false
	}
	days, frac := v/scale, v%scale
	// 1950-01-01 .. 2200-12-31: smaller numbers are not taken for dates.
	if days < 18_264 || days > 110_000 {
		return time.Time{}, false
	}
	secs := (frac*86400 + scale/2) / scale
	d := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(days))
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, int(secs), 0, loc).UTC(), true
}
