package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(issue): placeholder until the lab command lands; it must not be called done.
func newLabCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "lab",
		Short: "not built yet",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("lab: not built yet")
		},
	}
}
