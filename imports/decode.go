package imports

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/ingest"
)

// MaxBatchRows bounds one API batch.
const MaxBatchRows = 100_000

// DecodeBatch reads a JSON array of objects or NDJSON (one object a line)
// and lays the objects out as rows: the header is the union of their keys,
// sorted; a key an object lacks, or whose value is null, is an empty cell.
// Strings are kept as decoded, numbers as written (never through a float:
// they are money), booleans as true or false, and a nested array or object
// as its compact JSON text. A line that is not an object is an error
// naming the line (null, as it always was, is a row of empty cells);
// blank lines are skipped.
//
// The common shape, objects of strings, numbers, booleans and null, is
// read by a small scanner without a map per object or an allocation per
// value; anything else (nested values, odd syntax, errors) goes through
// encoding/json as before the scanner existed, so the two paths accept
// the same input and say the same thing about it (FuzzDecodeBatch checks
// this against the old decoder).
func DecodeBatch(r io.Reader) (*ingest.Records, error) {
	br := bufio.NewReader(r)
	first, err := firstByte(br)
	if err != nil {
		return nil, daiyun.Errorf(daiyun.EINVALID, "the batch is empty")
	}
	var d batchDecoder
	if first == '[' {
		err = d.array(br)
	} else {
		err = d.ndjson(br)
	}
	if err != nil {
		return nil, err
	}
	if d.rows() == 0 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "the batch has no rows")
	}
	if d.rows() > MaxBatchRows {
		return nil, daiyun.Errorf(daiyun.EINVALID, "the batch has %d rows; send at most %d per request", d.rows(), MaxBatchRows)
	}
	return d.records(), nil
}

func firstByte(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.ReadByte()
		if err != nil {
			return 0, err
		}
		if b != ' ' && b != '\n' && b != '\r' && b != '\t' {
			br.UnreadByte()
			return b, nil
		}
	}
}

// batchDecoder collects the cells of every object of a batch in order,
// each naming its column by the order its key was first seen; records
// lays them out once the header (every key) is known. The cells' text is
// kept in one buffer, made into one string at the end, so a batch costs a
// handful of allocations, not one per value.
type batchDecoder struct {
	cols   map[string]int // key → column, in order of first sight
	keys   []string       // column → key
	text   []byte         // every cell's text, one after another
	fields []field        // every object's cells, object after object
	ends   []int          // ends[i]: end of object i's cells in fields
}

// field is a cell: its column and the end of its text in text (it starts
// where the previous field's ends).
type field struct {
	col, end int
}

func (d *batchDecoder) rows() int { return len(d.ends) }

func (d *batchDecoder) col(key []byte) int {
	c, ok := d.cols[string(key)]
	if !ok {
		if d.cols == nil {
			d.cols = map[string]int{}
		}
		c = len(d.keys)
		d.cols[string(key)] = c
		d.keys = append(d.keys, string(key))
	}
	return c
}

func (d *batchDecoder) add(col int, val []byte) {
	d.text = append(d.text, val...)
	d.fields = append(d.fields, field{col, len(d.text)})
}

// endRow closes the current object.
func (d *batchDecoder) endRow() { d.ends = append(d.ends, len(d.fields)) }

// mark and reset drop the cells of an object the scanner gave up on.
func (d *batchDecoder) mark() (int, int) { return len(d.fields), len(d.text) }

func (d *batchDecoder) reset(fields, text int) { d.fields, d.text = d.fields[:fields], d.text[:text] }

// addMap adds an object decoded by encoding/json (nil for a null line or
// element: a row of empty cells, as before).
func (d *batchDecoder) addMap(m map[string]any) {
	for k, v := range m {
		d.add(d.col([]byte(k)), []byte(cellText(v)))
	}
	d.endRow()
}

// ndjson reads one object a line. A line the scanner declines is decoded
// by encoding/json exactly as before the scanner existed (its first value,
// with UseNumber), which either accepts it or names the error.
func (d *batchDecoder) ndjson(br *bufio.Reader) error {
	sc := bufio.NewScanner(br)
	// The buffer grows by doubling up to the 16 MB line limit; starting
	// at 64 KB instead of 1 MB gives the same limit without clearing a
	// megabyte for every batch.
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for line := 1; sc.Scan(); line++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		fields, text := d.mark()
		if end, ok := d.object(b, 0); ok && end == len(b) {
			d.endRow()
			continue
		}
		d.reset(fields, text)
		var row map[string]any
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&row); err != nil {
			return daiyun.Errorf(daiyun.EINVALID, "NDJSON line %d is not a JSON object: %v", line, err)
		}
		d.addMap(row)
	}
	if err := sc.Err(); err != nil {
		return daiyun.Errorf(daiyun.EINVALID, "reading the batch: %v", err)
	}
	return nil
}

// array reads a JSON array of objects. The whole body is needed anyway;
// if the scanner declines any of it, or reading fails, encoding/json
// decodes the same bytes (and read error) as before the scanner existed.
func (d *batchDecoder) array(br *bufio.Reader) error {
	data, rerr := io.ReadAll(br)
	if rerr == nil && d.scanArray(data) {
		return nil
	}
	*d = batchDecoder{}
	var in io.Reader = bytes.NewReader(data)
	if rerr != nil {
		in = io.MultiReader(in, errReader{rerr})
	}
	var rows []map[string]any
	dec := json.NewDecoder(in)
	dec.UseNumber()
	if err := dec.Decode(&rows); err != nil {
		return daiyun.Errorf(daiyun.EINVALID, "the batch is not a JSON array of objects: %v", err)
	}
	for _, row := range rows {
		d.addMap(row)
	}
	return nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// scanArray reads s, a JSON array of flat objects; what follows the array
// is ignored, as encoding/json's Decoder ignores it.
func (d *batchDecoder) scanArray(s []byte) bool {
	i := skipSpace(s, 1) // s[0] is '['
	if i < len(s) && s[i] == ']' {
		return true
	}
	for {
		end, ok := d.object(s, i)
		if !ok {
			return false
		}
		d.endRow()
		i = skipSpace(s, end)
		if i >= len(s) {
			return false
		}
		switch s[i] {
		case ']':
			return true
		case ',':
			i = skipSpace(s, i+1)
		default:
			return false
		}
	}
}

// object reads a JSON object at s[i:] whose values are strings, numbers,
// true, false or null, adds its cells and returns where it ends. It
// returns false for anything else (nested values, bad syntax); the caller
// then drops the cells it added.
func (d *batchDecoder) object(s []byte, i int) (int, bool) {
	if i >= len(s) || s[i] != '{' {
		return 0, false
	}
	i = skipSpace(s, i+1)
	if i < len(s) && s[i] == '}' {
		return i + 1, true
	}
	for {
		key, next, ok := str(s, i)
		if !ok {
			return 0, false
		}
		i = skipSpace(s, next)
		if i >= len(s) || s[i] != ':' {
			return 0, false
		}
		i = skipSpace(s, i+1)
		val, next, ok := scalar(s, i)
		if !ok {
			return 0, false
		}
		d.add(d.col(key), val)
		i = skipSpace(s, next)
		if i >= len(s) {
			return 0, false
		}
		switch s[i] {
		case '}':
			return i + 1, true
		case ',':
			i = skipSpace(s, i+1)
		default:
			return 0, false
		}
	}
}

var (
	textTrue  = []byte("true")
	textFalse = []byte("false")
	textNull  = []byte("null")
)

// scalar reads a string, number, true, false or null at s[i:] and returns
// its cell text: what cellText makes of encoding/json's value. What
// follows it is the caller's to check (a delimiter or a syntax error).
func scalar(s []byte, i int) ([]byte, int, bool) {
	if i >= len(s) {
		return nil, 0, false
	}
	switch c := s[i]; {
	case c == '"':
		return str(s, i)
	case c == '-' || c >= '0' && c <= '9':
		end, ok := number(s, i)
		if !ok {
			return nil, 0, false
		}
		return s[i:end], end, true
	case bytes.HasPrefix(s[i:], textTrue):
		return textTrue, i + 4, true
	case bytes.HasPrefix(s[i:], textFalse):
		return textFalse, i + 5, true
	case bytes.HasPrefix(s[i:], textNull):
		return nil, i + 4, true
	}
	return nil, 0, false
}

// str reads a JSON string at s[i:]. Plain text is returned as a part of
// s; a string with escapes or invalid UTF-8 is decoded by encoding/json,
// whose rules for them (surrogates, replacement characters) are the ones
// to keep.
func str(s []byte, i int) ([]byte, int, bool) {
	if i >= len(s) || s[i] != '"' {
		return nil, 0, false
	}
	escaped, ascii := false, true
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '"':
			v := s[i+1 : j]
			if !escaped && (ascii || utf8.Valid(v)) {
				return v, j + 1, true
			}
			var u string
			if err := json.Unmarshal(s[i:j+1], &u); err != nil {
				return nil, 0, false
			}
			return []byte(u), j + 1, true
		case c == '\\':
			escaped = true
			j++ // the escaped byte cannot end the string
		case c < 0x20:
			return nil, 0, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, 0, false
}

// number reads a JSON number at s[i:] (the grammar of RFC 8259) and
// returns where it ends.
func number(s []byte, i int) (int, bool) {
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		i = digits(s, i)
	default:
		return 0, false
	}
	if i < len(s) && s[i] == '.' {
		j := digits(s, i+1)
		if j == i+1 {
			return 0, false
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := digits(s, i)
		if j == i {
			return 0, false
		}
		i = j
	}
	return i, true
}

func digits(s []byte, i int) int {
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return i
}

// skipSpace skips JSON whitespace.
func skipSpace(s []byte, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// records lays the objects out as rows under the sorted union of their
// keys. A later duplicate key in an object wins, as in a map.
func (d *batchDecoder) records() *ingest.Records {
	header := append(make([]string, 0, len(d.keys)), d.keys...)
	slices.Sort(header)
	at := make([]int, len(d.keys)) // column of first sight → sorted column
	for i, k := range header {
		at[d.cols[k]] = i
	}
	w := len(header)
	text := string(d.text)
	out := &ingest.Records{Header: header, Rows: make([][]string, len(d.ends))}
	cells := make([]string, len(d.ends)*w)
	start, from := 0, 0
	for i, end := range d.ends {
		row := cells[i*w : (i+1)*w : (i+1)*w]
		for _, f := range d.fields[start:end] {
			row[at[f.col]] = text[from:f.end]
			from = f.end
		}
		out.Rows[i] = row
		start = end
	}
	return out
}

func cellText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case json.Number:
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	default:
		b, _ := json.Marshal(x)
		return strings.Trim(string(b), `"`)
	}
}
