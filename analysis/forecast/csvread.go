package forecast

import (
	"encoding/csv"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
)

var quarterDate = regexp.MustCompile(`^(\d{4})[- ]?Q([1-4])$`)

// parseDate accepts the date layouts of common series exports:
// YYYY-MM-DD, YYYYMMDD, YYYY/MM/DD, RFC 3339, YYYY-MM (a month), YYYYQn or
// YYYY-Qn (a quarter) and YYYY (a year); periods map to their first day.
func parseDate(s string) (time.Time, bool) {
	if m := quarterDate.FindStringSubmatch(strings.ToUpper(s)); m != nil {
		y, _ := strconv.Atoi(m[1])
		q, _ := strconv.Atoi(m[2])
		return time.Date(y, time.Month(3*q-2), 1, 0, 0, 0, 0, time.UTC), true
	}
	for _, layout := range []string{time.DateOnly, "20060102", "2006/01/02", "2006-01", "2006/01", "2006", time.RFC3339, time.DateTime} {
		if t, err := time.Parse(layout, s); err == nil {
			y, mo, d := t.Date()
			return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC), true
		}
	}
	return time.Time{}, false
}

// ReadCSV reads a date,value CSV with a header into a series sorted by
// date; path names the input in errors, which give the line, column and
// value. A date given twice is an error.
func ReadCSV(rd io.Reader, path, dateCol, valueCol string) (Series, error) {
	var s Series
	r := csv.NewReader(rd)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return s, daiyun.Errorf(daiyun.EINVALID, "%s: cannot read the header: %v", path, err)
	}
	di, vi := -1, -1
	for i, h := range header {
		switch strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")) {
		case dateCol:
			di = i
		case valueCol:
			vi = i
		}
	}
	if di < 0 {
		return s, daiyun.Errorf(daiyun.EINVALID, "%s: no column %q in the header (%s); rename it with --date-col", path, dateCol, strings.Join(header, ", "))
	}
	if vi < 0 {
		return s, daiyun.Errorf(daiyun.EINVALID, "%s: no column %q in the header (%s); rename it with --value-col", path, valueCol, strings.Join(header, ", "))
	}
	type row struct {
		d    time.Time
		v    float64
		line int
	}
	var rows []row
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return s, daiyun.Errorf(daiyun.EINVALID, "%s: line %d: %v", path, line, err)
		}
		if len(rec) <= max(di, vi) {
			return s, daiyun.Errorf(daiyun.EINVALID, "%s: line %d: %d fields, the date or value column is missing", path, line, len(rec))
		}
		ds, vs := strings.TrimSpace(rec[di]), strings.TrimSpace(rec[vi])
		d, ok := parseDate(ds)
		if !ok {
			return s, daiyun.Errorf(daiyun.EINVALID, "%s: line %d, column %s: %q is not a date (want YYYY-MM-DD, YYYY-MM, YYYYQn or YYYYMMDD)", path, line, dateCol, ds)
		}
		v, perr := strconv.ParseFloat(vs, 64)
		if perr != nil || v != v || v > 1e300 || v < -1e300 {
			return s, daiyun.Errorf(daiyun.EINVALID, "%s: line %d, column %s: %q is not a number", path, line, valueCol, vs)
		}
		rows = append(rows, row{d, v, line})
	}
	if len(rows) == 0 {
		return s, daiyun.Errorf(daiyun.EINVALID, "%s: no rows after the header", path)
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].d.Before(rows[j].d) })
	for i, r := range rows {
		if i > 0 && r.d.Equal(rows[i-1].d) {
			return s, daiyun.Errorf(daiyun.EINVALID, "%s: line %d, column %s: date %s appears twice (lines %d and %d)", path, r.line, dateCol, r.d.Format(time.DateOnly), rows[i-1].line, r.line)
		}
		s.Dates = append(s.Dates, r.d)
		s.Values = append(s.Values, r.v)
	}
	return s, nil
}
