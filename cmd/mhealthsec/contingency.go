package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(issue): placeholder until the contingency command lands; it must not be called done.
func newContingencyCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "contingency",
		Short: "not built yet",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("contingency: not built yet")
		},
	}
}
