package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(issue): placeholder until the reproduce command lands; it must not be called done.
func newReproduceCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "reproduce",
		Short: "not built yet",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("reproduce: not built yet")
		},
	}
}
