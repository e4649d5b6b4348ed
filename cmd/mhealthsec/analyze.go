package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(issue): placeholder until the analyze command lands; it must not be called done.
func newAnalyzeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "analyze",
		Short: "not built yet",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("analyze: not built yet")
		},
	}
}
