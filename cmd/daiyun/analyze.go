package main

import (
	"github.com/spf13/cobra"
)

// newAnalyzeCmd is `daiyun analyze KIND`: the analyses of PRODUCT.md D1–D8,
// on plain files (--input) or on warehouse data (--client). Each kind lives
// in its own analyze_<kind>.go file.
func newAnalyzeCmd(m *Main) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "analyze KIND",
		Short: "Run an analysis (funnel, retention, cohort, rfm, clv, attribution, paths, abtest, forecast)",
	}
	for _, f := range analyzeKinds {
		cmd.AddCommand(withWarehouse(m, f(m)))
	}
	return cmd
}

// analyzeKinds collects the analyze subcommands; each analyze_<kind>.go
// file adds its constructor in an init function, so kinds can be written
// independently.
var analyzeKinds []func(m *Main) *cobra.Command
