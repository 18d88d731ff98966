package main

import (
	"os"

	"github.com/daiyun/daiyun/internal/cliout"
	"github.com/spf13/cobra"
)

// table is a ready-made Tabular.
type table struct {
	header []string
	rows   [][]string
}

func (t table) Header() []string { return t.header }
func (t table) Rows() [][]string { return t.rows }

// addFormat declares --format on a printing command.
func addFormat(cmd *cobra.Command, format *string) {
	cmd.Flags().StringVar(format, "format", "", "output: json, table or csv (default: table on a terminal, json otherwise)")
}

// emit prints v as JSON or t as a table or CSV.
func emit(cmd *cobra.Command, format string, v any, t cliout.Tabular) error {
	if format == "" {
		format = cliout.DefaultFormat()
	}
	if err := cliout.Check(format); err != nil {
		return err
	}
	return cliout.Write(cmd.OutOrStdout(), format, v, t)
}

// writeOutput writes b to the file --output names, or to stdout when it is
// empty or "-".
func writeOutput(cmd *cobra.Command, output string, b []byte) error {
	if output == "" || output == "-" {
		_, err := cmd.OutOrStdout().Write(b)
		return err
	}
	return os.WriteFile(output, b, 0o644)
}
