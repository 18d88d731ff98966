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

// SafeCell neutralises a value a spreadsheet would evaluate as a formula by
// prefixing it with a single quote (OWASP CSV injection guidance).
func SafeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if s[0] == '-' && isNumber(s) {
			return s
		}
		return "'" + s
	}
	return s
}

// SafeRow applies SafeCell to every cell.
func SafeRow(r []string) []string {
	out := make([]string, len(r))
	for i, c := range r {
		out[i] = SafeCell(c)
	}
	return out
}

func isNumber(s string) bool {
	var f float64
	_, err := fmt.Sscanf(s, "%g", &f)
	return err == nil && fmt.Sprint(f) != "" && strings.Trim(s, "-0123456789.eE+") == ""
}
