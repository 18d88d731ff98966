package ingest

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/daiyun/daiyun"
	"github.com/xuri/excelize/v2"
)

// source yields the records of one file, header and preamble included.
type source interface {
	// Next returns the next record and its 1-based record number in the
	// file (the row a spreadsheet shows); io.EOF at the end. The record
	// belongs to the caller.
	Next() ([]string, int, error)
	Close() error
}

// recordReuser is a source that can hand out the same record slice again
// once told that the caller keeps no record past the next call: one
// allocation less per row.
type recordReuser interface {
	reuseRecords()
}

// FileInfo describes how a file was read.
type FileInfo struct {
	Kind      string   `json:"kind"`                // csv or xlsx
	Encoding  Encoding `json:"encoding,omitempty"`  // csv only
	Delimiter string   `json:"delimiter,omitempty"` // csv only
	Sheet     string   `json:"sheet,omitempty"`     // xlsx only
}

// openSource opens CSV or XLSX by content: an XLSX file is a zip archive.
func openSource(r io.Reader, name, sheet string) (source, FileInfo, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(4)
	if bytes.Equal(head, []byte("PK\x03\x04")) || strings.HasSuffix(strings.ToLower(name), ".xlsx") {
		s, err := openXLSX(br, sheet)
		if err != nil {
			return nil, FileInfo{}, err
		}
		return s, FileInfo{Kind: "xlsx", Sheet: s.sheet}, nil
	}
	return openCSV(br)
}

// Records is a table already split into fields: an API batch laid out
// with Header naming its columns. Row numbers count as in a file: the
// header is row 1, Rows[0] is row 2.
type Records struct {
	Header []string
	Rows   [][]string
}

// recordSource yields Records like a file's rows, cells cleaned the same
// way (JSON text is valid UTF-8 by construction).
type recordSource struct {
	recs *Records
	i    int
}

func (s *recordSource) Next() ([]string, int, error) {
	if s.i > len(s.recs.Rows) {
		return nil, s.i, io.EOF
	}
	var rec []string
	if s.i == 0 {
		rec = slices.Clone(s.recs.Header)
	} else {
		rec = s.recs.Rows[s.i-1]
	}
	s.i++
	for j, v := range rec {
		rec[j] = cleanCell(v)
	}
	return rec, s.i, nil
}

func (s *recordSource) Close() error { return nil }

type csvSource struct {
	r    *csvReader
	row  int
	utf8 bool // the text was not decoded, so check it is valid UTF-8
}

func openCSV(r io.Reader) (*csvSource, FileInfo, error) {
	text, enc, err := decode(r)
	if err != nil {
		return nil, FileInfo{}, fmt.Errorf("ingest: read: %w", err)
	}
	br := bufio.NewReaderSize(text, 64<<10)
	head, _ := br.Peek(64 << 10)
	delim := DetectDelimiter(head)
	name := string(delim)
	if delim == '\t' {
		name = "tab"
	}
	return &csvSource{r: newCSVReader(br, byte(delim)), utf8: enc == UTF8 || enc == UTF8BOM}, FileInfo{Kind: "csv", Encoding: enc, Delimiter: name}, nil
}

func (s *csvSource) Next() ([]string, int, error) {
	rec, text, err := s.r.read()
	if err != nil {
		return nil, s.row, err
	}
	s.row++
	// The whole line is checked at once when it is at hand: it is valid
	// exactly when every field is.
	if s.utf8 && (text == "" || !utf8.ValidString(text)) {
		for i, v := range rec {
			if !utf8.ValidString(v) {
				// Encoding is detected on the first megabyte; a file that
				// turns to GBK later is caught here, row by row. The raw
				// record kept in quarantine must itself be valid text.
				for j := range rec {
					rec[j] = strings.ToValidUTF8(rec[j], "\uFFFD")
				}
				return rec, s.row, fmt.Errorf("%w: the row is not valid UTF-8 text (is the file's encoding mixed?)", errBadRecord)
			}
			rec[i] = cleanCell(v)
		}
		return rec, s.row, nil
	}
	for i, v := range rec {
		// Most cells start and end with an ASCII letter or digit, which
		// cleanCell leaves alone.
		if v != "" && (v[0] <= ' ' || v[0] == '=' || v[0] >= 0x80 || v[len(v)-1] <= ' ' || v[len(v)-1] >= 0x80) {
			rec[i] = cleanCell(v)
		}
	}
	return rec, s.row, nil
}

func (s *csvSource) reuseRecords() { s.r.reuse = true }

func (s *csvSource) Close() error { return nil }

// errBadRecord marks a record that cannot be read (its text is not valid
// UTF-8); the row is quarantined and reading goes on.
var errBadRecord = errors.New("malformed CSV record")

// DetectDelimiter picks the field separator of a CSV text from its first
// lines: of , tab ; and |, the one that splits the most lines into the same
// number of fields (outside quotes), then the one with more fields; comma
// when there is no sign of any. A title line above the header does not
// mislead it.
func DetectDelimiter(head []byte) rune {
	lines := splitLines(head, 12)
	best, bestScore := ',', 0
	for _, d := range []rune{',', '\t', ';', '|'} {
		counts := map[int]int{}
		for _, l := range lines {
			if n := countOutsideQuotes(l, byte(d)); n > 0 {
				counts[n]++
			}
		}
		score := 0
		for n, lines := range counts {
			if s := lines*1000 + n; s > score {
				score = s
			}
		}
		if score > bestScore {
			best, bestScore = d, score
		}
	}
	return best
}

func splitLines(b []byte, max int) [][]byte {
	var out [][]byte
	for len(b) > 0 && len(out) < max {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			// The sample may end mid-line: a partial line is no evidence.
			if len(out) == 0 {
				out = append(out, b)
			}
			break
		}
		l := bytes.TrimRight(b[:i], "\r")
		if len(bytes.TrimSpace(l)) > 0 {
			out = append(out, l)
		}
		b = b[i+1:]
	}
	return out
}

func countOutsideQuotes(l []byte, d byte) int {
	n, in := 0, false
	for _, c := range l {
		switch {
		case c == '"':
			in = !in
		case c == d && !in:
			n++
		}
	}
	return n
}

// cleanCell undoes what exports do to keep spreadsheets from reformatting
// numbers: ="…" wrappers and a leading tab or apostrophe-free padding.
func cleanCell(v string) string {
	if len(v) >= 3 && v[0] == '=' && v[1] == '"' && v[len(v)-1] == '"' {
		v = v[2 : len(v)-1]
	}
	if v != "" && (v[0] == ' ' || v[0] == '\t' || v[len(v)-1] == ' ' || v[len(v)-1] == '\t' || v[0] >= 0x80 || v[len(v)-1] >= 0x80) {
		// Most such cells are text that starts or ends with a letter
		// (省, 市 …), which trimming leaves as it is.
		first, _ := utf8.DecodeRuneInString(v)
		last, _ := utf8.DecodeLastRuneInString(v)
		if isSpace(first) || isSpace(last) {
			v = trimSpace(v)
		}
	}
	return v
}

type xlsxSource struct {
	f     *excelize.File
	rows  *excelize.Rows
	sheet string
	row   int
}

func openXLSX(r io.Reader, sheet string) (*xlsxSource, error) {
	// Raw values: the number as stored, not as a display format rounds or
	// rewrites it; date cells arrive as serial numbers (see excelSerial).
	f, err := excelize.OpenReader(r, excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, daiyun.Errorf(daiyun.EINVALID, "the file is not a readable XLSX workbook")
	}
	sheets := f.GetSheetList()
	if sheet == "" {
		if len(sheets) == 0 {
			f.Close()
			return nil, daiyun.Errorf(daiyun.EINVALID, "the workbook has no sheet")
		}
		sheet = sheets[0]
	}
	rows, err := f.Rows(sheet)
	if err != nil {
		f.Close()
		return nil, daiyun.Errorf(daiyun.EINVALID, "the workbook has no sheet %q (it has %s)", sheet, strings.Join(sheets, ", "))
	}
	return &xlsxSource{f: f, rows: rows, sheet: sheet}, nil
}

func (s *xlsxSource) Next() ([]string, int, error) {
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return nil, s.row, fmt.Errorf("ingest: xlsx: %w", err)
		}
		return nil, s.row, io.EOF
	}
	s.row++
	cols, err := s.rows.Columns()
	if err != nil {
		return nil, s.row, fmt.Errorf("ingest: xlsx row %d: %w", s.row, err)
	}
	for i, v := range cols {
		cols[i] = cleanCell(v)
	}
	return cols, s.row, nil
}

func (s *xlsxSource) Close() error {
	s.rows.Close()
	return s.f.Close()
}
