package export_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/daiyun/daiyun/internal/export"
	"github.com/xuri/excelize/v2"
)

var hostile = export.Table{Name: "segments: top/bottom", Header: []string{"name", "value", "note"},
	Rows: [][]string{
		{"=HYPERLINK(\"http://x\",\"y\")", "12.5", "+cmd"},
		{"@SUM(A1)", "-3", "-2+3"},
		{"冠军客户", "1e5", "\tTAB"},
	}}

func TestCSVNeutralisesFormulas(t *testing.T) {
	var b bytes.Buffer
	if err := export.Write(&b, export.CSV, []export.Table{hostile}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(b.String(), "\ufeff") {
		t.Error("CSV has no byte-order mark")
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(b.String(), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"name", "value", "note"}, {`'=HYPERLINK("http://x","y")`, "12.5", "'+cmd"}, {"'@SUM(A1)", "-3", "'-2+3"}, {"冠军客户", "1e5", "'\tTAB"}}
	for i := range want {
		for j := range want[i] {
			if rows[i][j] != want[i][j] {
				t.Errorf("row %d col %d: %q, want %q", i, j, rows[i][j], want[i][j])
			}
		}
	}
}

func TestXLSXSheetsNumbersAndNoFormulas(t *testing.T) {
	var b bytes.Buffer
	second := export.Table{Name: "segments: top/bottom", Header: []string{"a"}, Rows: [][]string{{"1"}}}
	if err := export.Write(&b, export.XLSX, []export.Table{hostile, second}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) != 2 || sheets[0] != "segments_ top_bottom" || sheets[1] != "segments_ top_bottom_2" {
		t.Fatalf("sheets %q", sheets)
	}
	s := sheets[0]
	for cell, want := range map[string]string{"A2": `'=HYPERLINK("http://x","y")`, "C2": "'+cmd", "A3": "'@SUM(A1)", "A4": "冠军客户", "B4": "1e5"} {
		got, _ := f.GetCellValue(s, cell)
		if got != want {
			t.Errorf("%s = %q, want %q", cell, got, want)
		}
		if fm, _ := f.GetCellFormula(s, cell); fm != "" {
			t.Errorf("%s carries formula %q", cell, fm)
		}
	}
	for cell, want := range map[string]excelize.CellType{"B2": excelize.CellTypeNumber, "B3": excelize.CellTypeNumber, "A2": excelize.CellTypeInlineString} {
		typ, _ := f.GetCellType(s, cell)
		// A number cell carries no type attribute (unset means number).
		if typ != want && !(want == excelize.CellTypeNumber && typ == excelize.CellTypeUnset) &&
			!(want == excelize.CellTypeInlineString && typ == excelize.CellTypeSharedString) {
			t.Errorf("%s has type %v, want %v", cell, typ, want)
		}
	}
}

func TestUnknownFormat(t *testing.T) {
	if err := export.Write(&bytes.Buffer{}, "pdf", []export.Table{hostile}); err == nil {
		t.Error("pdf accepted")
	}
}
