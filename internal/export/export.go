// Package export writes result tables as CSV or XLSX files for download.
// Every text cell a spreadsheet would evaluate as a formula is neutralised
// with cliout.SafeCell (OWASP CSV injection guidance); numeric cells of XLSX
// files are written as numbers. It knows nothing of where tables come from.
package export

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/daiyun/daiyun/internal/cliout"
	"github.com/xuri/excelize/v2"
)

// Table is one table to export: a sheet of an XLSX workbook, or a CSV file.
type Table struct {
	Name   string
	Header []string
	Rows   [][]string
}

// Formats accepted by Write.
const (
	CSV  = "csv"
	XLSX = "xlsx"
)

// ContentType returns the MIME type of a format.
func ContentType(format string) string {
	if format == XLSX {
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	return "text/csv; charset=utf-8"
}

// Write writes tables in format: CSV holds the first table only (choose it
// before calling), XLSX one sheet per table.
func Write(w io.Writer, format string, tables []Table) error {
	if len(tables) == 0 {
		return fmt.Errorf("export: no table")
	}
	switch format {
	case CSV:
		return WriteCSV(w, tables[0])
	case XLSX:
		return WriteXLSX(w, tables)
	}
	return fmt.Errorf("export: format %q is not csv or xlsx", format)
}

// WriteCSV writes one table as UTF-8 CSV with a byte-order mark, so Excel
// opens Chinese text correctly.
func WriteCSV(w io.Writer, t Table) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write(safeRow(t.Header))
	for _, r := range t.Rows {
		cw.Write(safeRow(r))
	}
	cw.Flush()
	return cw.Error()
}

// WriteXLSX writes a workbook with one sheet per table. Cells that are
// plain decimal numbers become numeric cells; every other cell is text,
// neutralised like CSV.
func WriteXLSX(w io.Writer, tables []Table) error {
	f := excelize.NewFile()
	defer f.Close()
	used := map[string]bool{}
	for i, t := range tables {
		name := sheetName(t.Name, used)
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return fmt.Errorf("export: %w", err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		sw, err := f.NewStreamWriter(name)
		if err != nil {
			return fmt.Errorf("export: %w", err)
		}
		if err := sw.SetRow("A1", cells(t.Header, false)); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		for r, row := range t.Rows {
			cell, _ := excelize.CoordinatesToCellName(1, r+2)
			if err := sw.SetRow(cell, cells(row, true)); err != nil {
				return fmt.Errorf("export: %w", err)
			}
		}
		if err := sw.Flush(); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

func cells(row []string, numbers bool) []any {
	out := make([]any, len(row))
	for i, c := range row {
		if numbers {
			if v, ok := number(c); ok {
				out[i] = v
				continue
			}
		}
		out[i] = safe(c)
	}
	return out
}

func safe(c string) string { return cliout.SafeCell(c) }

func safeRow(r []string) []string { return cliout.SafeRow(r) }

// number reads a plain decimal (cliout.PlainDecimal); anything else, such
// as "1e5", "0x10" or "+1", stays text.
func number(s string) (float64, bool) {
	if !cliout.PlainDecimal(s) {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}

// sheetName makes a valid, unique sheet name: at most 31 characters,
// without the characters Excel forbids.
func sheetName(name string, used map[string]bool) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return '_'
		}
		return r
	}, strings.TrimSpace(name))
	if name == "" {
		name = "table"
	}
	if r := []rune(name); len(r) > 28 {
		name = string(r[:28])
	}
	base := name
	for n := 2; used[strings.ToLower(name)]; n++ {
		name = fmt.Sprintf("%s_%d", base, n)
	}
	used[strings.ToLower(name)] = true
	return name
}
