package ingest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// csvRecords reads every record of text with csvReader, and with
// encoding/csv configured as the importer used it before csvReader.
func csvRecords(t *testing.T, text []byte, comma byte, size int) (got, want [][]string) {
	t.Helper()
	r := newCSVReader(bufio.NewReaderSize(bytes.NewReader(text), size), comma)
	for {
		rec, line, err := r.read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("csvReader: %v", err)
		}
		if line != "" && utf8.ValidString(line) != !slices.ContainsFunc(rec, func(v string) bool { return !utf8.ValidString(v) }) {
			t.Fatalf("line %q valid %v, fields %q", line, utf8.ValidString(line), rec)
		}
		got = append(got, rec)
	}
	c := csv.NewReader(bufio.NewReaderSize(bytes.NewReader(text), size))
	c.Comma = rune(comma)
	c.LazyQuotes = true
	c.FieldsPerRecord = -1
	for {
		rec, err := c.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("encoding/csv: %v", err)
		}
		want = append(want, rec)
	}
	return got, want
}

func TestCSVReaderMatches(t *testing.T) {
	long := strings.Repeat("x", 5000)
	for _, in := range []string{
		"a,b\n1,2\n", "a,b\r\n1,2\r\n", "a,b\n1,2", "a,b\n1,2\r", "\n\n\r\na\n\n",
		`"a""b",c` + "\n" + `"multi` + "\r\nline\",x\n",
		`a"b,c` + "\n", `"a"b,c` + "\n", `"unterminated,x` + "\n" + "y", `"",""` + "\n" + `"`,
		"x,\"q\"\r\n,\n,,\n", "\"a\"\"\"\n", "a\r,b\n", long + "," + long + "\n\"" + long + "\n" + long + "\"\n",
		"中文,\"引号\"\n\xe4,\xb8\xad\n", "=\"123\",\"=\"\"456\"\"\"\n",
	} {
		for _, comma := range []byte{',', ';', '\t', '|'} {
			text := strings.ReplaceAll(in, ",", string(comma))
			got, want := csvRecords(t, []byte(text), comma, 4096)
			if !slices.EqualFunc(got, want, slices.Equal) {
				t.Errorf("%q with %q:\n got %q\nwant %q", text, comma, got, want)
			}
		}
	}
}

// FuzzCSVReaderMatches holds csvReader to encoding/csv's records.
func FuzzCSVReaderMatches(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "=\"1\";x\r\n\"a\"\"b\";c", "h\tk\n1\t2", "a|b\n\"unterminated", "\"a\r\nb\",\"1,234.50\"\r\n", "x\"y\",\"z\"w\n"} {
		f.Add([]byte(s), byte(0))
	}
	f.Fuzz(func(t *testing.T, b []byte, d byte) {
		comma := []byte{',', '\t', ';', '|'}[d%4]
		// A small buffer so long lines take the other way through readLine.
		got, want := csvRecords(t, b, comma, 16)
		if !slices.EqualFunc(got, want, slices.Equal) {
			t.Fatalf("got %q\nwant %q", got, want)
		}
	})
}

// errAfter is a reader that fails once its text is read.
type errAfter struct{ r io.Reader }

var errDisk = errors.New("disk on fire")

func (e errAfter) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		return n, errDisk
	}
	return n, err
}

func TestCSVReaderReadError(t *testing.T) {
	r := newCSVReader(bufio.NewReaderSize(errAfter{strings.NewReader("a,b\n\"1,2")}, 16), ',')
	if rec, _, err := r.read(); err != nil || !slices.Equal(rec, []string{"a", "b"}) {
		t.Fatalf("first record %q, %v", rec, err)
	}
	if _, _, err := r.read(); !errors.Is(err, errDisk) {
		t.Fatalf("read error %v, want %v", err, errDisk)
	}
}

// BenchmarkCSVSource reads the order lines of the import benchmarks, as
// an import does (records reused).
func BenchmarkCSVSource(b *testing.B) {
	data := canonicalCSV(200_000)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		src, _, err := openCSV(bytes.NewReader(data))
		if err != nil {
			b.Fatal(err)
		}
		src.reuseRecords()
		for {
			if _, _, err := src.Next(); err == io.EOF {
				break
			} else if err != nil {
				b.Fatal(err)
			}
		}
	}
}
