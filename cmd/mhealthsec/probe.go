package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(issue): placeholder until the probe command lands; it must not be called done.
func newProbeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "probe",
		Short: "not built yet",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("probe: not built yet")
		},
	}
}
