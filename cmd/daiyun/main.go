// Command daiyun is the one binary of Daiyun: the CLI and the server.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/daiyun/daiyun"
	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	m := NewMain()
	err := m.Root().ExecuteContext(ctx)
	stop()
	m.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "daiyun:", daiyun.ErrorMessageOrText(err))
		os.Exit(exitCode(err))
	}
}

// exitCode maps an error to the process exit status.
func exitCode(err error) int {
	if e, ok := err.(interface{ ExitCode() int }); ok {
		return e.ExitCode()
	}
	return 1
}

// Main wires configuration to stores, services and the CLI/HTTP doors. Tests
// build one and run it the way the binary does.
type Main struct {
	Config Config
	closers []func() error
}

// NewMain returns a Main with the default configuration.
func NewMain() *Main { return &Main{Config: DefaultConfig()} }

// Close releases whatever Run opened.
func (m *Main) Close() error {
	var first error
	for i := len(m.closers) - 1; i >= 0; i-- {
		if err := m.closers[i](); err != nil && first == nil {
			first = err
		}
	}
	m.closers = nil
	return first
}

// Root builds the command tree.
func (m *Main) Root() *cobra.Command {
	root := &cobra.Command{
		Use:           "daiyun",
		Short:         "Daiyun — the operating system of an e-commerce operations agency",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(newAnalyzeCmd(m))
	return root
}
