// Package cliout prints command results as JSON, an aligned table or CSV, the
// three --format values every printing command accepts. CSV and table cells
// that a spreadsheet would run as a formula are neutralised (PRODUCT.md G5).
package cliout

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
)

// Formats accepted by --format.
const (
	JSON  = "json"
	Table = "table"
	CSV   = "csv"
)

// Tabular is a result that can also be shown as rows.
type Tabular interface {
	// Header and Rows give the table form of the result.
	Header() []string
	Rows() [][]string
}

// DefaultFormat is json when stdout is not a terminal, table otherwise.
func DefaultFormat() string {
	if fi, err := os.Stdout.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
		return Table
	}
	return JSON
}

// Check validates a --format value.
func Check(format string) error {
	switch format {
	case JSON, Table, CSV:
		return nil
	}
	return fmt.Errorf("--format %q is not one of json, table, csv", format)
}

// Write prints v in the format. For table and csv, v must be Tabular (or a
// Tabular is given separately via t).
func Write(w io.Writer, format string, v any, t Tabular) error {
	if t == nil {
		t, _ = v.(Tabular)
	}
	switch format {
	case "", JSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(v)
	case CSV:
		if t == nil {
			return fmt.Errorf("this result has no table form; use --format json")
		}
		cw := csv.NewWriter(w)
		cw.Write(SafeRow(t.Header()))
		for _, r := range t.Rows() {
			cw.Write(SafeRow(r))
		}
		cw.Flush()
		return cw.Error()
	case Table:
		if t == nil {
			return Write(w, JSON, v, nil)
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(t.Header(), "\t"))
		for _, r := range t.Rows() {
			fmt.Fprintln(tw, strings.Join(r, "\t"))
		}
		return tw.Flush()
	}
	return Check(format)
}

// SafeCell neutralises a value a spreadsheet would evaluate as a formula
// (a leading = + - @, tab or carriage return) by prefixing a single quote
// (OWASP CSV injection guidance). A plain negative decimal such as -12.5
// stays as it is; "-2+3" does not.
func SafeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if s[0] == '-' && PlainDecimal(s) {
			return s
		}
		return "'" + s
	}
	return s
}

// PlainDecimal reports whether s is digits with one optional leading minus
// and at most one inner point: the only numbers exports write as numbers
// ("1e5", "0x10", "+1" and "-2+3" are text).
func PlainDecimal(s string) bool {
	body := strings.TrimPrefix(s, "-")
	if body == "" || len(s) > 24 || strings.Trim(body, "0123456789.") != "" || strings.Count(body, ".") > 1 ||
		body[0] == '.' || body[len(body)-1] == '.' {
		return false
	}
	return true
}

// SafeRow applies SafeCell to every cell.
func SafeRow(r []string) []string {
	out := make([]string, len(r))
	for i, c := range r {
		out[i] = SafeCell(c)
	}
	return out
}
