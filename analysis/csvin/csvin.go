// Package csvin reads the CSV files that the analyses take on the command
// line (`daiyun analyze KIND --input FILE`): a header row, columns looked up
// by name (each renamable by a flag), timestamps in RFC 3339 or
// `YYYY-MM-DD HH:MM:SS` interpreted in a chosen time zone, and numbers.
//
// Every error names the file, the line, the column and the value that were
// wrong, as an application error of code daiyun.EINVALID. The package knows
// nothing about any analysis: it only turns text into values; the analysis
// packages take plain Go slices so the warehouse can feed them as well.
package csvin

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/daiyun/daiyun"
)

// File is an open CSV input whose header has been read.
type File struct {
	// Name is how errors refer to the file (usually its path).
	Name string
	// Loc is the time zone of timestamps written without an offset.
	Loc *time.Location

	r      *csv.Reader
	header []string
	index  map[string]int
	line   int
	closer io.Closer
}

// Open opens path, detects the separator (comma, semicolon or tab) from the
// header line, and reads the header. A UTF-8 byte-order mark is ignored.
func Open(path string, loc *time.Location) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, daiyun.Errorf(daiyun.EINVALID, "--input: cannot open %s: %v", path, unwrapPathError(err))
	}
	f, err := NewReader(fh, path, 0, loc)
	if err != nil {
		fh.Close()
		return nil, err
	}
	f.closer = fh
	return f, nil
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// NewReader reads the header of a CSV stream. comma 0 means detect it from
// the header line; name is used in error messages; loc nil means UTC.
func NewReader(rd io.Reader, name string, comma rune, loc *time.Location) (*File, error) {
	if loc == nil {
		loc = time.UTC
	}
	br := bufio.NewReaderSize(rd, 1<<16)
	if comma == 0 {
		peek, _ := br.Peek(4096)
		first := string(peek)
		if i := strings.IndexAny(first, "\r\n"); i >= 0 {
			first = first[:i]
		}
		comma = DetectComma(first)
	}
	r := csv.NewReader(br)
	r.Comma = comma
	r.ReuseRecord = true
	r.FieldsPerRecord = -1
	f := &File{Name: name, Loc: loc, r: r, index: map[string]int{}}
	h, err := r.Read()
	if err == io.EOF {
		return nil, daiyun.Errorf(daiyun.EINVALID, "%s: the file is empty (a header row is required)", name)
	}
	if err != nil {
		return nil, f.parseError(err)
	}
	f.line = 1
	f.header = make([]string, len(h))
	for i, c := range h {
		c = strings.TrimSpace(strings.TrimPrefix(c, "\ufeff"))
		f.header[i] = c
		if _, dup := f.index[c]; !dup {
			f.index[c] = i
		}
	}
	return f, nil
}

// DetectComma picks the separator of a header line: the most frequent of
// ';', tab and ',' (ties in that order), ',' when none occurs.
func DetectComma(header string) rune {
	best, n := ',', 0
	for _, c := range []rune{';', '\t', ','} {
		if k := strings.Count(header, string(c)); k > n {
			best, n = c, k
		}
	}
	return best
}

// Close closes the underlying file, if Open opened it.
func (f *File) Close() error {
	if f.closer != nil {
		return f.closer.Close()
	}
	return nil
}

// Header returns the column names of the file.
func (f *File) Header() []string { return f.header }

// Col returns the index of a required column. flag names the option that
// renames it, so the error can say how to fix a mismatch.
func (f *File) Col(name, flag string) (int, error) {
	if i := f.OptionalCol(name); i >= 0 {
		return i, nil
	}
	return -1, daiyun.Errorf(daiyun.EINVALID, "%s: no column %q in the header (%s); name the right column with %s",
		f.Name, name, strings.Join(f.header, ", "), flag)
}

// OptionalCol returns the index of a column, or -1 when it is absent. The
// match is exact, then case-insensitive.
func (f *File) OptionalCol(name string) int {
	if name == "" {
		return -1
	}
	if i, ok := f.index[name]; ok {
		return i
	}
	for i, c := range f.header {
		if strings.EqualFold(c, name) {
			return i
		}
	}
	return -1
}

// Next returns the next data record, or io.EOF. The slice is reused by the
// following call. Blank lines are skipped by the CSV reader.
func (f *File) Next() ([]string, error) {
	rec, err := f.r.Read()
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil {
		return nil, f.parseError(err)
	}
	f.line, _ = f.r.FieldPos(0)
	return rec, nil
}

func (f *File) parseError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return daiyun.Errorf(daiyun.EINVALID, "%s line %d: malformed CSV: %v", f.Name, pe.Line, pe.Err)
	}
	return daiyun.Errorf(daiyun.EINVALID, "%s: cannot read: %v", f.Name, err)
}

// Line is the line number (the header is line 1) of the last record read.
func (f *File) Line() int { return f.line }

// Field returns the trimmed value of column col in rec, or an error naming
// the line and column when the record is too short.
func (f *File) Field(rec []string, col int) (string, error) {
	if col < 0 || col >= len(rec) {
		return "", f.Errorf(col, "", "the row has %d fields, the column is missing", len(rec))
	}
	return strings.TrimSpace(rec[col]), nil
}

// Errorf builds an error about the value of column col on the current line;
// a negative col makes it an error about the whole file.
func (f *File) Errorf(col int, value, format string, args ...any) error {
	if col < 0 {
		return daiyun.Errorf(daiyun.EINVALID, "%s: %s", f.Name, fmt.Sprintf(format, args...))
	}
	name := "?"
	if col < len(f.header) {
		name = f.header[col]
	}
	return daiyun.Errorf(daiyun.EINVALID, "%s line %d, column %q, value %q: %s",
		f.Name, f.line, name, value, fmt.Sprintf(format, args...))
}

// String returns a required non-empty text field.
func (f *File) String(rec []string, col int) (string, error) {
	s, err := f.Field(rec, col)
	if err != nil {
		return "", err
	}
	if s == "" {
		return "", f.Errorf(col, s, "the value is empty")
	}
	return s, nil
}

// Time parses a timestamp field (see ParseTime).
func (f *File) Time(rec []string, col int) (time.Time, error) {
	s, err := f.Field(rec, col)
	if err != nil {
		return time.Time{}, err
	}
	t, err := ParseTime(s, f.Loc)
	if err != nil {
		return time.Time{}, f.Errorf(col, s, "not a timestamp (want RFC 3339, YYYY-MM-DD HH:MM:SS or YYYY-MM-DD)")
	}
	return t, nil
}

// Float parses a decimal number field; NaN and infinities are refused.
func (f *File) Float(rec []string, col int) (float64, error) {
	s, err := f.Field(rec, col)
	if err != nil {
		return 0, err
	}
	v, err := ParseFloat(s)
	if err != nil {
		return 0, f.Errorf(col, s, "not a number")
	}
	return v, nil
}

// ParseFloat parses a finite decimal number.
func ParseFloat(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || v != v || v > 1e308 || v < -1e308 {
		return 0, fmt.Errorf("not a finite number: %q", s)
	}
	return v, nil
}

// Layouts without an offset, read in the file's time zone.
var localLayouts = []string{
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04",
	"2006-01-02",
	"20060102", // compact dates, as in the CDNOW and many ERP exports
}

// ParseTime parses an RFC 3339 timestamp (its own offset wins), or
// `YYYY-MM-DD HH:MM:SS` (fractional seconds allowed, 'T' or space), or a
// plain date YYYY-MM-DD or YYYYMMDD (midnight), the last two in loc.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if loc == nil {
		loc = time.UTC
	}
	// Fast paths for the common fixed-width forms: exports have millions of
	// rows and a failed parse attempt costs an allocation.
	switch {
	case len(s) == 10 && s[4] == '-' && s[7] == '-':
		return time.ParseInLocation("2006-01-02", s, loc)
	case len(s) == 19 && s[4] == '-' && s[10] == ' ':
		return time.ParseInLocation("2006-01-02 15:04:05", s, loc)
	case len(s) == 19 && s[4] == '-' && s[10] == 'T':
		return time.ParseInLocation("2006-01-02T15:04:05", s, loc)
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	for _, l := range localLayouts {
		if t, err := time.ParseInLocation(l, s, loc); err == nil {
			return t, nil
		}
	}
	// Fractional seconds without an offset.
	if t, err := time.ParseInLocation("2006-01-02 15:04:05.999999999", s, loc); err == nil {
		return t, nil
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04:05.999999999", s, loc); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("not a timestamp: %q", s)
}

// IsDateOnly reports whether s is a plain YYYY-MM-DD date, which flags such
// as --to read as the whole day.
func IsDateOnly(s string) bool {
	_, err := time.Parse("2006-01-02", strings.TrimSpace(s))
	return err == nil
}

// LoadLocation resolves a --tz value; "" means UTC.
func LoadLocation(tz string) (*time.Location, error) {
	if tz == "" || strings.EqualFold(tz, "UTC") {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return nil, daiyun.Errorf(daiyun.EINVALID, "--tz %q: unknown time zone (use an IANA name such as Asia/Shanghai)", tz)
	}
	return loc, nil
}

// ParseDuration reads a duration such as 14d, 90m or 2w: a positive integer
// or decimal followed by one unit of s, m, h, d (24 h) or w (7 d).
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if len(s) < 2 {
		return 0, fmt.Errorf("%q is not a duration (want a number and a unit s, m, h, d or w, e.g. 14d)", s)
	}
	unit := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour, 'w': 7 * 24 * time.Hour}[s[len(s)-1]]
	v, err := strconv.ParseFloat(s[:len(s)-1], 64)
	if unit == 0 || err != nil || !(v > 0) || v > 1e6 {
		return 0, fmt.Errorf("%q is not a positive duration (want a number and a unit s, m, h, d or w, e.g. 14d)", s)
	}
	return time.Duration(v * float64(unit)), nil
}
