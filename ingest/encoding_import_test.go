package ingest

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// TestEncodingsImportAlike imports the same 生意参谋 rows written in UTF-8,
// UTF-8 with BOM, GBK and GB18030, with CRLF and a ';' delimiter: the rows
// are the same and the encoding is reported.
func TestEncodingsImportAlike(t *testing.T) {
	text := "统计日期;流量来源;访客数;浏览量;支付金额\r\n2024-03-01;手淘搜索;\"1,234\";3456;\"￥12,345.60\"\r\n2024-03-01;淘内免费其他;10;20;0\r\n"
	gbk := string(toGBK(t, text))
	// 𠀀 is outside GBK: GB18030 writes it in four bytes.
	gb18030, err := simplifiedchinese.GB18030.NewEncoder().String(text + "2024-03-01;𠀀;1;1;0\r\n")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		data string
		enc  Encoding
		rows int
	}{
		{text, UTF8, 2},
		{"\xEF\xBB\xBF" + text, UTF8BOM, 2},
		{gbk, GBK, 2},
		{gb18030, GB18030, 3},
	}
	var first [][]string
	for _, c := range cases {
		wh := openDuck(t)
		rep, err := Import(context.Background(), wh, &MemorySink{}, request(t, shopCN(), "t.csv", []byte(c.data)))
		if err != nil {
			t.Fatalf("%s: %v", c.enc, err)
		}
		if rep.Encoding != c.enc || rep.Delimiter != ";" || rep.Inserted != c.rows {
			t.Errorf("%s: report %+v", c.enc, rep)
		}
		dump := dumpAll(t, wh, 7)["traffic_daily"][:2]
		if first == nil {
			first = dump
		} else if !reflect.DeepEqual(dump, first) {
			t.Errorf("%s rows %v, want %v", c.enc, dump, first)
		}
	}
	if first[1][3] != "search" || first[1][10] != "1234560" {
		t.Errorf("rows %v", first)
	}
}

// TestXLSXSheet reads a named sheet and names the sheets when it is missing.
func TestXLSXSheet(t *testing.T) {
	f := excelize.NewFile()
	f.NewSheet("流量")
	f.SetSheetRow("流量", "A1", &[]any{"统计日期", "流量来源", "访客数"})
	f.SetSheetRow("流量", "A2", &[]any{"2024-03-01", "直播", 42})
	var buf bytes.Buffer
	f.Write(&buf)
	req := request(t, shopCN(), "t.xlsx", buf.Bytes())
	req.Sheet = "流量"
	rep, err := Import(context.Background(), openDuck(t), &MemorySink{}, req)
	if err != nil || rep.Inserted != 1 || rep.Sheet != "流量" {
		t.Fatalf("%v %+v", err, rep)
	}
	req = request(t, shopCN(), "t.xlsx", buf.Bytes())
	req.Sheet = "nope"
	if _, err := Import(context.Background(), openDuck(t), &MemorySink{}, req); err == nil {
		t.Fatal("missing sheet accepted")
	}
}

// TestMixedEncoding quarantines the rows of a UTF-8 file that are not UTF-8
// and keeps their raw record as valid text.
func TestMixedEncoding(t *testing.T) {
	// More than the sniffed megabyte of ASCII, then a GBK row.
	var b strings.Builder
	b.WriteString("day,source,visitors\n")
	pad := strings.Repeat("x", 200)
	n := 0
	for ; b.Len() <= sniffSize; n++ {
		fmt.Fprintf(&b, "2024-03-01,s%d%s,1\n", n, pad)
	}
	b.WriteString("2024-03-01," + string(toGBK(t, "直播")) + ",2\n")
	sink := &MemorySink{}
	rep, err := Import(context.Background(), openDuck(t), sink, request(t, shopCN(), "t.csv", []byte(b.String())))
	if err != nil || rep.Encoding != UTF8 || rep.Inserted != n || rep.Quarantined != 1 {
		t.Fatalf("%v %+v", err, rep)
	}
	for _, v := range sink.Rejects("imp_test")[0].Raw {
		if !utf8.ValidString(v) {
			t.Fatalf("raw %q is not UTF-8", v)
		}
	}
}
