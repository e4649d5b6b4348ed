package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// TODO(issue): placeholder until the ingest command lands; it must not be called done.
func newIngestCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "ingest",
		Short: "not built yet",
		RunE: func(*cobra.Command, []string) error {
			return errors.New("ingest: not built yet")
		},
	}
}
