package ingest

import (
	"bufio"
	"bytes"
	"io"
	"strings"
)

// csvReader splits CSV text into records as encoding/csv's Reader does with
// LazyQuotes set and any number of fields per record — the same records,
// fields and errors (FuzzCSVReaderMatches holds it to that) — in about half
// the time (BenchmarkCSVSource): a record on one line without quotes,
// which is nearly every record of an export, is cut from one copy of its
// line, and the field slices come from a shared slab instead of one
// allocation per record, or are reused when the caller allows it.
type csvReader struct {
	r     *bufio.Reader
	comma byte   // an ASCII delimiter
	raw   []byte // a line longer than the buffer of r
	buf   []byte // the unquoted fields of a record with quotes
	ends  []int  // where each field of buf ends
	slab  []string
	reuse bool     // a record may be handed out again in rec
	rec   []string // the record handed out last, when reuse is set
}

func newCSVReader(r *bufio.Reader, comma byte) *csvReader {
	return &csvReader{r: r, comma: comma}
}

// readLine reads one line, \r\n normalised to \n, as encoding/csv does.
func (r *csvReader) readLine() ([]byte, error) {
	line, err := r.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		r.raw = append(r.raw[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = r.r.ReadSlice('\n')
			r.raw = append(r.raw, line...)
		}
		line = r.raw
	}
	if len(line) > 0 && err == io.EOF {
		err = nil
		// As encoding/csv: a trailing \r before EOF is dropped.
		if line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
	}
	if n := len(line); n >= 2 && line[n-2] == '\r' && line[n-1] == '\n' {
		line[n-2] = '\n'
		line = line[:n-1]
	}
	return line, err
}

// read returns the next record. When text is not empty, the fields are
// the pieces of text between delimiters: text is valid UTF-8 exactly when
// every field is. io.EOF comes alone; another read error comes with the
// record read so far.
func (r *csvReader) read() (rec []string, text string, err error) {
	var line []byte
	var errRead error
	for errRead == nil {
		line, errRead = r.readLine()
		if errRead == nil && len(line) == lengthNL(line) {
			line = nil
			continue // empty lines are skipped
		}
		break
	}
	if errRead == io.EOF {
		return nil, "", errRead
	}
	if bytes.IndexByte(line, '"') < 0 {
		text = string(line[:len(line)-lengthNL(line)])
		if r.reuse {
			rec = r.rec[:0]
		} else {
			rec = r.fields(strings.Count(text, string(r.comma)) + 1)[:0]
		}
		s := text
		for {
			j := strings.IndexByte(s, r.comma)
			if j < 0 {
				break
			}
			rec = append(rec, s[:j])
			s = s[j+1:]
		}
		rec = append(rec, s)
		if r.reuse {
			r.rec = rec
		}
		return rec, text, errRead
	}
	errRead = r.readQuoted(line, errRead)
	str := string(r.buf)
	rec = r.fields(len(r.ends))
	prev := 0
	for i, end := range r.ends {
		rec[i] = str[prev:end]
		prev = end
	}
	return rec, "", errRead
}

// readQuoted splits a record holding quotes into r.buf and r.ends, reading
// more lines while a quoted field goes on. It is encoding/csv's
// readRecord with LazyQuotes: a quote inside a field is taken as it is.
func (r *csvReader) readQuoted(line []byte, errRead error) error {
	r.buf, r.ends = r.buf[:0], r.ends[:0]
	for {
		if len(line) == 0 || line[0] != '"' {
			i := bytes.IndexByte(line, r.comma)
			field := line
			if i >= 0 {
				field = field[:i]
			} else {
				field = field[:len(field)-lengthNL(field)]
			}
			r.buf = append(r.buf, field...)
			r.ends = append(r.ends, len(r.buf))
			if i < 0 {
				return errRead
			}
			line = line[i+1:]
			continue
		}
		line = line[1:]
	quoted:
		for {
			i := bytes.IndexByte(line, '"')
			switch {
			case i >= 0:
				r.buf = append(r.buf, line[:i]...)
				line = line[i+1:]
				switch {
				case len(line) > 0 && line[0] == '"': // "" is a quote
					r.buf = append(r.buf, '"')
					line = line[1:]
				case len(line) > 0 && line[0] == r.comma: // the field ends
					line = line[1:]
					r.ends = append(r.ends, len(r.buf))
					break quoted
				case len(line) == lengthNL(line): // the record ends
					r.ends = append(r.ends, len(r.buf))
					return errRead
				default: // a bare quote, taken as it is
					r.buf = append(r.buf, '"')
				}
			case len(line) > 0:
				// The field goes on on the next line.
				r.buf = append(r.buf, line...)
				if errRead != nil {
					return errRead
				}
				line, errRead = r.readLine()
				if errRead == io.EOF {
					errRead = nil
				}
			default:
				// The text ends inside the quotes.
				r.ends = append(r.ends, len(r.buf))
				return errRead
			}
		}
	}
}

// fields returns room for a record of n fields: the last record's when
// reuse is set, else cut from the slab.
func (r *csvReader) fields(n int) []string {
	if r.reuse {
		if cap(r.rec) < n {
			r.rec = make([]string, n)
		}
		r.rec = r.rec[:n]
		return r.rec
	}
	if n > len(r.slab) {
		r.slab = make([]string, max(n, 4096))
	}
	rec := r.slab[:n:n]
	r.slab = r.slab[n:]
	return rec
}

// lengthNL is 1 when b ends with a newline.
func lengthNL(b []byte) int {
	if len(b) > 0 && b[len(b)-1] == '\n' {
		return 1
	}
	return 0
}
