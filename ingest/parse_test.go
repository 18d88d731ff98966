package ingest

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/daiyun/daiyun/warehouse"
	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestParseMoney(t *testing.T) {
	cases := []struct {
		in   string
		exp  int
		loc  Locale
		want int64
		mark string
		err  bool
	}{
		{"¥1,234.50", 2, LocaleDot, 123450, "¥", false},
		{"￥1,234.50", 2, LocaleDot, 123450, "¥", false},
		{"1234.5", 2, LocaleDot, 123450, "", false},
		{"1.234,50 €", 2, LocaleComma, 123450, "EUR", false},
		{"1 234,50", 2, LocaleComma, 123450, "", false},
		{"-12", 2, LocaleDot, -1200, "", false},
		{"(3.00)", 2, LocaleDot, -300, "", false},
		{"US$ 9.99", 2, LocaleDot, 999, "USD", false},
		{"12.00元", 2, LocaleDot, 1200, "CNY", false},
		{"\u30001,000.00\u3000", 2, LocaleDot, 100000, "", false},
		{"0.10", 2, LocaleDot, 10, "", false},
		{"1.230", 2, LocaleDot, 123, "", false}, // trailing zero beyond the minor unit is exact
		{"1.234", 2, LocaleDot, 0, "", true},    // not exact in cents
		{"1,5", 2, LocaleDot, 0, "", true},      // a decimal comma in a dot locale
		{"1,2345", 2, LocaleDot, 0, "", true},
		{"12,34,567", 2, LocaleDot, 0, "", true},
		{"100", 0, LocaleDot, 100, "", false}, // JPY
		{"abc", 2, LocaleDot, 0, "", true},
		{"", 2, LocaleDot, 0, "", true},
		{"¥", 2, LocaleDot, 0, "", true},
		{"99999999999999999999", 2, LocaleDot, 0, "", true},
		{"1.2.3", 2, LocaleDot, 0, "", true},
	}
	for _, c := range cases {
		got, mark, err := ParseMoney(c.in, c.exp, c.loc)
		if (err != nil) != c.err || got != c.want || (!c.err && mark != c.mark) {
			t.Errorf("ParseMoney(%q, %d, %s) = %d, %q, %v; want %d, %q, err %v", c.in, c.exp, c.loc, got, mark, err, c.want, c.mark, c.err)
		}
	}
}

func TestParseCount(t *testing.T) {
	for in, want := range map[string]int64{"1,234": 1234, "12": 12, "12.0": 12, "3.50": 4, "2.49": 2, "-1": -1} {
		if got, err := ParseCount(in, LocaleDot); err != nil || got != want {
			t.Errorf("ParseCount(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	if got, err := ParseCount("12.500", LocaleComma); err != nil || got != 12500 {
		t.Errorf("ParseCount comma = %d, %v", got, err)
	}
}

func TestParseTime(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	want := time.Date(2024, 3, 1, 4, 0, 0, 0, time.UTC)
	for _, in := range []string{
		"2024-03-01 12:00:00", "2024/3/1 12:00", "2024-03-01T12:00:00+08:00", "2024-03-01 12:00:00 +0800",
		"2024-03-01T04:00:00Z", "2024年3月1日 12:00:00", " 2024-03-01 12:00 ", "2024.03.01 12:00:00",
		"2024-03-01T12:00:00.000+08:00", "2024-03-01 05:00:00 +0100",
	} {
		got, err := ParseTime(in, sh)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"2024-02-30 10:00:00", "2024-13-01", "tomorrow", "2024-03-01 25:00", "2024-03-01 12:00 PST", "03/01/2024"} {
		if _, err := ParseTime(in, sh); err == nil {
			t.Errorf("ParseTime(%q) accepted", in)
		}
	}
	for _, in := range []string{"", "-", "0000-00-00 00:00:00"} {
		if got, err := ParseTime(in, sh); err != nil || !got.IsZero() {
			t.Errorf("ParseTime(%q) = %v, %v; want zero", in, got, err)
		}
	}
	// A day is cut in the shop's timezone: 23:30 in Shanghai is 15:30 UTC the same day.
	d, _ := ParseDay("20240301", sh)
	if !d.Equal(time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("ParseDay = %v", d)
	}
	if x, ok := excelSerial("45352.5", sh); !ok || !x.Equal(want) {
		t.Errorf("excelSerial = %v, %v; want %v", x, ok, want)
	}
	for _, in := range []string{"12", "-3", "1,234.5", "abc"} {
		if _, ok := excelSerial(in, sh); ok {
			t.Errorf("excelSerial(%q) accepted", in)
		}
	}
	late, _ := ParseTime("2024-03-01 23:30:00", sh)
	if got := DayOf(late, sh); got.Day() != 1 {
		t.Errorf("DayOf = %v", got)
	}
}

func TestDetectEncoding(t *testing.T) {
	text := "订单编号,买家会员名,订单状态\n1,张三,交易成功\n"
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String(text)
	gb18030, _ := simplifiedchinese.GB18030.NewEncoder().String(text + "𠀀\n") // outside GBK: four bytes
	for _, c := range []struct {
		in   []byte
		want Encoding
	}{
		{[]byte(text), UTF8},
		{append([]byte{0xEF, 0xBB, 0xBF}, text...), UTF8BOM},
		{[]byte(gbk), GBK},
		{[]byte(gb18030), GB18030},
		{[]byte("abc"), UTF8},
		{[]byte(text)[:len(text)-len("交易成功\n")+1], UTF8}, // a sample cut mid-character
	} {
		if got := DetectEncoding(c.in); got != c.want {
			t.Errorf("DetectEncoding(%q) = %s, want %s", c.in, got, c.want)
		}
	}
	for _, in := range []string{gbk, gb18030} {
		r, _, err := decode(strings.NewReader(in))
		if err != nil {
			t.Fatal(err)
		}
		out, _ := io.ReadAll(r)
		if !strings.HasPrefix(string(out), text) {
			t.Errorf("decoded %q", out)
		}
	}
}

func TestDetectDelimiter(t *testing.T) {
	for in, want := range map[string]rune{
		"a,b,c\n1,2,3\n":              ',',
		"a;b;c\n1;\"2,5\";3\n":        ';',
		"a\tb\tc\n1\t2,5\t3\n":        '\t',
		"a|b|c\n1|2|3\n":              '|',
		"title only\na;b\n1;2\n":      ';',
		"\"x,y\";b;c\n1;2;3\n4;5;6\n": ';',
		"single\n":                    ',',
	} {
		if got := DetectDelimiter([]byte(in)); got != want {
			t.Errorf("DetectDelimiter(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCSVReader(t *testing.T) {
	in := "订单编号 ,\u3000金额\r\n=\"123\",\"=\"\"456\"\"\"\r\n\"a\r\nb\",\"1,234.50\"\r\n"
	src, info, err := openCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if info.Delimiter != "," || info.Encoding != UTF8 {
		t.Errorf("info %+v", info)
	}
	var got [][]string
	for {
		rec, _, err := src.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, rec)
	}
	want := [][]string{{"订单编号", "金额"}, {"123", "456"}, {"a\r\nb", "1,234.50"}}
	if len(got) != 3 || got[1][0] != want[1][0] || got[1][1] != want[1][1] || got[2][1] != want[2][1] || got[0][0] != "订单编号" || got[0][1] != "金额" {
		t.Errorf("records %q, want %q", got, want)
	}
	if normHeader("  Lineitem  Quantity ") != normHeader("lineitem quantity") || normHeader("订单编号\u3000") != "订单编号" {
		t.Error("header normalisation")
	}
}

func TestCanonicalStatus(t *testing.T) {
	for in, want := range map[string]string{
		"买家已付款，等待卖家发货":  warehouse.StatusPaid,
		"买家已付款, 等待卖家发货": warehouse.StatusPaid,
		"卖家已发货，等待买家确认":  warehouse.StatusShipped,
		"交易成功":          warehouse.StatusCompleted,
		"交易关闭":          warehouse.StatusClosed,
		"退款中":           warehouse.StatusRefunding,
		"退款成功":          warehouse.StatusRefunded,
		"等待买家付款":        warehouse.StatusPending,
		" Completed ":   warehouse.StatusCompleted,
	} {
		if got, ok := CanonicalStatus(in); !ok || got != want {
			t.Errorf("CanonicalStatus(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if _, ok := CanonicalStatus("神秘"); ok {
		t.Error("unknown status accepted")
	}
}

// Fuzz targets: every parser must never panic, and what it accepts must be
// consistent.

func FuzzParseMoney(f *testing.F) {
	for _, s := range []string{"¥1,234.50", "1234.5", "1.234,50 €", "(3.00)", "-0", "1e5", "99999999999999999.99"} {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, dot bool) {
		loc := LocaleDot
		if !dot {
			loc = LocaleComma
		}
		n, _, err := ParseMoney(s, 2, loc)
		if err != nil {
			return
		}
		// An accepted value printed back plainly parses to the same amount.
		neg := n < 0
		if neg {
			n = -n
		}
		plain := itoa64(n/100) + "." + pad2(n%100)
		if !dot {
			plain = itoa64(n/100) + "," + pad2(n%100)
		}
		m, _, err := ParseMoney(plain, 2, loc)
		if err != nil || m != n {
			t.Fatalf("%q → %d; %q → %d, %v", s, n, plain, m, err)
		}
	})
}

func itoa64(n int64) string {
	var b []byte
	if n == 0 {
		return "0"
	}
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

func pad2(n int64) string {
	if n < 10 {
		return "0" + itoa64(n)
	}
	return itoa64(n)
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{"2024-03-01 12:00:00", "2024/3/1 12:00", "2024-03-01T12:00:00+08:00", "2024-03-01 12:00:00 -0500", "2024年3月1日"} {
		f.Add(s)
	}
	sh, _ := time.LoadLocation("Asia/Shanghai")
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTime(s, sh)
		if err != nil || got.IsZero() {
			return
		}
		if got.Location() != time.UTC {
			t.Fatalf("%q → %v not UTC", s, got)
		}
		if y := got.Year(); y < 1901 || y > 2199 {
			// Years 1900-2200 are taken as written in the shop's zone; in
			// UTC the first and last hours fall outside them (1900-01-01
			// in Shanghai is 1899 in UTC) and are refused on the way back.
			return
		}
		again, err := ParseTime(got.Format(time.RFC3339Nano), sh)
		if err != nil || !again.Equal(got) {
			t.Fatalf("%q → %v; round trip %v, %v", s, got, again, err)
		}
	})
}

func FuzzDetectEncoding(f *testing.F) {
	gbk, _ := simplifiedchinese.GBK.NewEncoder().String("订单编号,交易成功\n")
	for _, s := range []string{"订单编号,交易成功\n", gbk, "\xEF\xBB\xBFabc", "\x81\x30\x81\x30"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		DetectEncoding(b)
		r, enc, err := decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		out, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		switch enc {
		case UTF8:
			// The whole input was sniffed, so it is valid UTF-8.
			if !bytes.Equal(out, b) || !utf8.Valid(out) {
				t.Fatalf("UTF-8 text changed: %q → %q", b, out)
			}
		case UTF8BOM:
			if !bytes.Equal(out, b[3:]) {
				t.Fatalf("UTF-8 text changed: %q → %q", b, out)
			}
		default:
			if !utf8.Valid(out) {
				t.Fatalf("decoded text is not UTF-8: %q", out)
			}
		}
	})
}

func FuzzCSVSource(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "=\"1\";x\r\n\"a\"\"b\";c", "\xEF\xBB\xBFh\tk\n1\t2", "a|b\n\"unterminated"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		src, _, err := openCSV(bytes.NewReader(b))
		if err != nil {
			return
		}
		last := 0
		for i := 0; i < 10000; i++ {
			_, row, err := src.Next()
			if err == io.EOF {
				return
			}
			if row <= last && err == nil {
				t.Fatalf("row numbers not increasing: %d after %d", row, last)
			}
			last = row
			if err != nil && !errorsIsBadRecord(err) {
				return
			}
		}
	})
}

func errorsIsBadRecord(err error) bool { return strings.Contains(err.Error(), errBadRecord.Error()) }

// FuzzImport runs whole imports of arbitrary files (seeded with the samples)
// against a warehouse that takes every row: no panic, and every data row is
// accounted for.
func FuzzImport(f *testing.F) {
	for _, s := range samples {
		if s.file != "jst_inventory.xlsx" {
			f.Add(readTestdata(f, s.file))
		}
	}
	wh := discard{openDuck(f)}
	f.Fuzz(func(t *testing.T, b []byte) {
		req := request(t, shopCN(), "fuzz.csv", b)
		rep, err := Import(context.Background(), wh, &MemorySink{}, req)
		if err != nil && rep.Read == 0 {
			return
		}
		if got := rep.Inserted + rep.Unchanged + rep.Updated + rep.Quarantined + rep.Duplicates; got != rep.Read {
			t.Fatalf("read %d, accounted %d: %+v", rep.Read, got, rep)
		}
	})
}
