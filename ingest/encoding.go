package ingest

import (
	"bufio"
	"bytes"
	"io"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// Encoding names a text encoding of an import file.
type Encoding string

// Encodings detected. GBK files are decoded with the GB18030 decoder, which
// is a superset of GBK and so also reads the rare characters some exports
// carry outside GBK.
const (
	UTF8    Encoding = "utf-8"
	UTF8BOM Encoding = "utf-8-bom"
	GBK     Encoding = "gbk"
	GB18030 Encoding = "gb18030"
)

// sniffSize is how much of a file encoding detection looks at. A file whose
// first megabyte is pure ASCII and which turns to GBK later is read as
// UTF-8; its later GBK text becomes U+FFFD and the rows holding it fail
// validation rather than pass garbled (see docs/import.md).
const sniffSize = 1 << 20

// DetectEncoding decides a file's encoding from its first bytes by validity:
// a UTF-8 BOM, else valid UTF-8, else GBK when every multi-byte sequence is a
// GBK pair, else GB18030.
func DetectEncoding(b []byte) Encoding {
	if bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}) {
		return UTF8BOM
	}
	// The sample may cut the last character in two.
	if cut := incompleteUTF8Tail(b); cut > 0 {
		if utf8.Valid(b[:len(b)-cut]) {
			return UTF8
		}
	} else if utf8.Valid(b) {
		return UTF8
	}
	if validGBK(b) {
		return GBK
	}
	return GB18030
}

// incompleteUTF8Tail returns how many trailing bytes form the start of an
// unfinished UTF-8 sequence (0 when none).
func incompleteUTF8Tail(b []byte) int {
	for n := 1; n <= 3 && n <= len(b); n++ {
		c := b[len(b)-n]
		if c < 0x80 {
			return 0
		}
		if c >= 0xC0 { // a lead byte
			need := 2
			switch {
			case c >= 0xF0:
				need = 4
			case c >= 0xE0:
				need = 3
			}
			if need > n {
				return n
			}
			return 0
		}
	}
	return 0
}

// validGBK reports whether b is ASCII plus GBK double-byte pairs (lead
// 0x81–0xFE, trail 0x40–0xFE except 0x7F). A lead byte cut at the end of the
// sample is allowed.
func validGBK(b []byte) bool {
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c < 0x80 {
			continue
		}
		if c == 0x80 || c == 0xFF {
			return false
		}
		if i+1 == len(b) {
			return true
		}
		t := b[i+1]
		if t < 0x40 || t == 0x7F || t == 0xFF {
			return false
		}
		i++
	}
	return true
}

// decode sniffs r's encoding and returns a reader of UTF-8 text without BOM.
func decode(r io.Reader) (io.Reader, Encoding, error) {
	br := bufio.NewReaderSize(r, sniffSize)
	head, err := br.Peek(sniffSize)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, "", err
	}
	enc := DetectEncoding(head)
	if err == io.EOF && enc == UTF8 && !utf8.Valid(head) {
		// The whole file was sniffed and it ends mid-character: not UTF-8.
		enc = GB18030
		if validGBK(head) {
			enc = GBK
		}
	}
	switch enc {
	case UTF8BOM:
		br.Discard(3)
		return br, enc, nil
	case UTF8:
		return br, enc, nil
	}
	return transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder()), enc, nil
}
