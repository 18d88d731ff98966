package imports_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/daiyun/daiyun"
	"github.com/daiyun/daiyun/imports"
	"github.com/daiyun/daiyun/ingest"
)

// referenceDecode is DecodeBatch as it was before its scanner: every line
// or the whole array through encoding/json into maps, then laid out as
// records. The scanner must accept, produce and refuse exactly what this
// does.
func referenceDecode(r io.Reader) (*ingest.Records, error) {
	br := bufio.NewReader(r)
	first, err := func() (byte, error) {
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
	}()
	if err != nil {
		return nil, daiyun.Errorf(daiyun.EINVALID, "the batch is empty")
	}
	var rows []map[string]any
	if first == '[' {
		dec := json.NewDecoder(br)
		dec.UseNumber()
		if err := dec.Decode(&rows); err != nil {
			return nil, daiyun.Errorf(daiyun.EINVALID, "the batch is not a JSON array of objects: %v", err)
		}
	} else {
		sc := bufio.NewScanner(br)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for line := 1; sc.Scan(); line++ {
			b := bytes.TrimSpace(sc.Bytes())
			if len(b) == 0 {
				continue
			}
			var row map[string]any
			dec := json.NewDecoder(bytes.NewReader(b))
			dec.UseNumber()
			if err := dec.Decode(&row); err != nil {
				return nil, daiyun.Errorf(daiyun.EINVALID, "NDJSON line %d is not a JSON object: %v", line, err)
			}
			rows = append(rows, row)
		}
		if err := sc.Err(); err != nil {
			return nil, daiyun.Errorf(daiyun.EINVALID, "reading the batch: %v", err)
		}
	}
	if len(rows) == 0 {
		return nil, daiyun.Errorf(daiyun.EINVALID, "the batch has no rows")
	}
	if len(rows) > imports.MaxBatchRows {
		return nil, daiyun.Errorf(daiyun.EINVALID, "the batch has %d rows; send at most %d per request", len(rows), imports.MaxBatchRows)
	}
	keys := map[string]int{}
	for _, r := range rows {
		for k := range r {
			keys[k] = 0
		}
	}
	header := make([]string, 0, len(keys))
	for k := range keys {
		header = append(header, k)
	}
	sort.Strings(header)
	for i, k := range header {
		keys[k] = i
	}
	out := &ingest.Records{Header: header, Rows: make([][]string, len(rows))}
	for i, r := range rows {
		out.Rows[i] = make([]string, len(header))
		for k, v := range r {
			var s string
			switch x := v.(type) {
			case nil:
			case string:
				s = x
			case json.Number:
				s = x.String()
			case bool:
				s = strconv.FormatBool(x)
			default:
				b, _ := json.Marshal(x)
				s = strings.Trim(string(b), `"`)
			}
			out.Rows[i][keys[k]] = s
		}
	}
	return out, nil
}

// sameAsReference decodes body both ways and fails unless the records or
// the error texts are the same.
func sameAsReference(t *testing.T, body string) (*ingest.Records, error) {
	t.Helper()
	got, err := imports.DecodeBatch(strings.NewReader(body))
	want, werr := referenceDecode(strings.NewReader(body))
	if (err == nil) != (werr == nil) || err != nil && err.Error() != werr.Error() {
		t.Fatalf("%.200q: error %v, want %v", body, err, werr)
	}
	if err == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("%.200q:\n got %q %q\nwant %q %q", body, got.Header, got.Rows, want.Header, want.Rows)
	}
	return got, err
}

var decodeCases = []string{
	// The common shapes, NDJSON and array.
	`{"order_no":"A1","total_minor":1000,"paid":true,"note":null}` + "\n" + `{"order_no":"A2","total_minor":"2000","paid":false}` + "\n",
	`[{"order_no":"A1","total_minor":1000},{"sku":"S","order_no":"A2"}]`,
	` [ { "a" : 1 , "b" : "x" } , { } ] `,
	"[]", "[ ]", "", "  \n\t ", "\n\n", "{}", "[{}]",
	// Money stays exact: no float on the way.
	`{"amount_minor":12345678901234567890.01,"b":-0.5e-7,"c":1E+400,"d":-0,"e":0.000}`,
	`[{"amount_minor":12345678901234567890.01}]`,
	// Blank lines, CRLF, whitespace around and inside lines.
	"{\"a\":1}\r\n\r\n  {\"a\":2}  \r\n\n{\"a\" :\t3}",
	"\r\n{\"a\":1}\r\n",
	"{\"a\":1,\r\"b\":2}\n",
	// A UTF-8 byte order mark was never accepted.
	"\ufeff{\"a\":1}\n", "\ufeff[{\"a\":1}]",
	// Escapes, surrogate pairs and lone surrogates, invalid UTF-8,
	// non-ASCII text.
	`{"a":"x\"y\\z\/\b\f\n\r\t","b":"\u00e9\u4e2d\ud83d\ude00","c":"\ud800x","d":"\udc00"}`,
	`{"k\u00e9y":"v","a":"订单 ¥1,000"}`,
	"{\"a\":\"\xff\xfe ok \xc3\"}\n{\"b\":\"\xed\xa0\x80\"}",
	`{"a":"\'"}`, `{"a":"\x"}`, `{"a":"\u12"}`, `{"a":"\u12G4"}`,
	"{\"a\":\"tab\there\"}", `{"a":"unterminated}`, `{"a":"back\`,
	// Nested values are kept as their JSON text, as before.
	`{"a":{"z":1,"y":"<&>"},"b":[1,"two",null,true,{"c":2.50}],"c":[],"d":{}}`,
	`[{"a":[1,2]},{"a":{"b":null}}]`,
	`{"a":"\"quoted\""}`, `{"a":["\"x\""]}`,
	// Duplicate keys: the last one wins, null included.
	`{"a":1,"a":2}`, `{"a":1,"b":2,"a":null}`, `[{"a":"x","a":"y"}]`,
	// A null line or element is a row of empty cells, as it was.
	"null\n{\"a\":1}\n", "[null,{\"a\":1}]",
	// Text after a line's object, or after the array, was ignored.
	`{"a":1} trailing` + "\n" + `{"a":2}{"a":3}`, `[{"a":1}] trailing`, `[{"a":1}]]`,
	// Not objects, bad syntax: the error names the line.
	"{\"a\":1}\nnot json\n", "{\"a\":1}\n[1,2]\n", "{\"a\":1}\n\"s\"\n", "{\"a\":1}\n42\n", "true\n",
	`{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":-}`, `{"a":+1}`, `{"a":1e}`, `{"a":1e+}`, `{"a":0x10}`, `{"a":NaN}`,
	`{"a":tru}`, `{"a":truex}`, `{"a":nul}`, `{"a":True}`, `{"a" 1}`, `{"a":1,}`, `{,}`, `{"a":1 "b":2}`, `{a:1}`,
	`{"a":1`, `{"a"`, `{`, `[{"a":1}`, `[{"a":1},]`, `[{"a":1} {"a":2}]`, `[1]`, `["x"]`, `[[]]`, `[{"a":1},2]`, `[`,
	"]", "x", `"string"`,
}

func TestDecodeBatchSameAsEncodingJSON(t *testing.T) {
	for _, body := range decodeCases {
		sameAsReference(t, body)
	}
}

func TestDecodeBatchCases(t *testing.T) {
	b, err := sameAsReference(t, "{\"amount_minor\":12345678901234567890.01,\"n\":{\"x\":[1]}}\r\n\r\n{\"amount_minor\":\"7\"}\r\n")
	if err != nil || len(b.Rows) != 2 || !reflect.DeepEqual(b.Header, []string{"amount_minor", "n"}) ||
		b.Rows[0][0] != "12345678901234567890.01" || b.Rows[0][1] != `{"x":[1]}` || b.Rows[1][0] != "7" || b.Rows[1][1] != "" {
		t.Fatalf("decoded %+v, %v", b, err)
	}
	if _, err := imports.DecodeBatch(strings.NewReader("{\"a\":1}\n\n[2]\n")); err == nil || !strings.Contains(err.Error(), "NDJSON line 3 is not a JSON object") {
		t.Fatalf("an array line: %v", err)
	}
	if _, err := imports.DecodeBatch(strings.NewReader("\ufeff{\"a\":1}\n")); err == nil || !strings.Contains(err.Error(), "line 1") {
		t.Fatalf("a byte order mark: %v", err)
	}
}

func TestDecodeBatchLimits(t *testing.T) {
	var many strings.Builder
	for range imports.MaxBatchRows + 1 {
		many.WriteString("{\"a\":1}\n")
	}
	if _, err := sameAsReference(t, many.String()); err == nil || !strings.Contains(err.Error(), "send at most 100000") {
		t.Fatalf("too many rows: %v", err)
	}
	if testing.Short() {
		return
	}
	// A line of up to 16 MB is read; a longer one is refused.
	long := `{"a":"` + strings.Repeat("x", 16<<20-10) + `"}` + "\n"
	if _, err := sameAsReference(t, long); err != nil {
		t.Fatalf("a long line: %v", err)
	}
	if _, err := sameAsReference(t, `{"a":"`+strings.Repeat("x", 16<<20)+`"}`); err == nil || !strings.Contains(err.Error(), "too long") {
		t.Fatalf("a line over 16 MB: %v", err)
	}
}

// A read error of the body is reported as before, whichever the shape.
func TestDecodeBatchReadError(t *testing.T) {
	boom := errors.New("boom")
	for _, body := range []string{"{\"a\":1}\n{\"a\"", `[{"a":1},`, `[{"a":1}]`} {
		got, err := imports.DecodeBatch(io.MultiReader(strings.NewReader(body), failing{boom}))
		want, werr := referenceDecode(io.MultiReader(strings.NewReader(body), failing{boom}))
		if fmt.Sprint(err) != fmt.Sprint(werr) || !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %v, %v; want %v, %v", body, got, err, want, werr)
		}
	}
}

type failing struct{ err error }

func (f failing) Read([]byte) (int, error) { return 0, f.err }

func FuzzDecodeBatch(f *testing.F) {
	for _, body := range decodeCases {
		f.Add(body)
	}
	f.Fuzz(func(t *testing.T, body string) {
		sameAsReference(t, body)
	})
}

// BenchmarkDecodeBatch decodes an NDJSON batch of 1,000 order lines.
func BenchmarkDecodeBatch(b *testing.B) {
	body, _ := ndjsonBatch("D", 0, 1000)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := imports.DecodeBatch(bytes.NewReader(body)); err != nil {
			b.Fatal(err)
		}
	}
}
