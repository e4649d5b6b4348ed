// Package paper reproduces Müthing, Brüngel & Friedrich (JMIR 2019;21(1):e9818) from what
// it published: it recomputes every published number that can be recomputed, checks the
// others for consistency (a scorecard), reruns the two tests — against the SSL Pulse
// baseline (Test 1) and, by enumerating every table the published margins allow,
// international vs German-only apps (Test 2) — and builds the report (paper/report).
package paper

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mhealthsec/mhealthsec/analysis"
	"github.com/mhealthsec/mhealthsec/datasets"
)

// Config holds the choices the paper did not publish and the reproduction has to make.
type Config struct {
	// Baseline is the SSL Pulse month of Test 1, "2018-01" by default (the last issue before
	// the preprint of 22 January 2018).
	Baseline string
	// PulseN is the assumed number of Pulse sites for the 2 × 2 tests of Test 1.
	PulseN int
	// PulseNs are the Pulse sizes of the sensitivity analysis.
	PulseNs []int
	// PLo and PHi bound the p-values that print as the published "P=.03".
	PLo, PHi float64
}

// DefaultConfig returns the defaults: baseline 2018-01, 140,000 Pulse sites (SSL Pulse
// surveyed about 130,000–150,000), sensitivity from 100,000 to 200,000 in steps of 10,000,
// and [.025, .035) as the p-values that round to .03.
func DefaultConfig() Config {
	var ns []int
	for n := 100000; n <= 200000; n += 10000 {
		ns = append(ns, n)
	}
	return Config{Baseline: "2018-01", PulseN: 140000, PulseNs: ns, PLo: 0.025, PHi: 0.035}
}

// ConfigError is a configuration value the reproduction cannot use (the caller's mistake).
type ConfigError struct {
	Field   string
	Problem string
}

func (e *ConfigError) Error() string { return e.Field + ": " + e.Problem }

// Validate checks the configuration against the Pulse series.
func (c Config) Validate(series datasets.PulseSeries) error {
	if _, err := series.Month(c.Baseline); err != nil {
		return &ConfigError{Field: "baseline", Problem: err.Error()}
	}
	if c.PulseN < 1 {
		return &ConfigError{Field: "pulse-n", Problem: fmt.Sprintf("%d is not a positive whole number", c.PulseN)}
	}
	if len(c.PulseNs) == 0 {
		return &ConfigError{Field: "pulse-ns", Problem: "no Pulse sizes for the sensitivity analysis"}
	}
	for _, n := range c.PulseNs {
		if n < 1 {
			return &ConfigError{Field: "pulse-ns", Problem: fmt.Sprintf("%d is not a positive whole number", n)}
		}
	}
	if !(c.PLo >= 0 && c.PLo < c.PHi && c.PHi <= 1) {
		return &ConfigError{Field: "p-range", Problem: fmt.Sprintf("[%v, %v) is not a range within [0, 1]", c.PLo, c.PHi)}
	}
	return nil
}

// NamedShare is a published count out of its denominator with its Wilson interval.
type NamedShare struct {
	ID    string         `json:"id"`
	Label string         `json:"label"`
	Share analysis.Share `json:"share"`
}

// Table5Cell is one cell of Table 5 (apps with a finding) with its Wilson interval.
type Table5Cell struct {
	ID       string         `json:"id"`
	Finding  string         `json:"finding"`
	Platform string         `json:"platform"`
	Servers  string         `json:"servers"`
	Share    analysis.Share `json:"share"`
}

// Reproduction is everything recomputed from the published numbers.
type Reproduction struct {
	Config       Config
	Published    []datasets.PublishedNumber
	NotPublished []datasets.Unpublished
	PulseNotes   []string
	Months       []datasets.PulseMonth
	Baseline     datasets.PulseMonth
	// Below and Functional are the study's functional servers below A and in total (44, 291).
	Below, Functional int
	Pulse             analysis.PulseResult
	Sensitivity       []analysis.SensitivityRow
	ByMonth           []analysis.PulseResult
	Split             analysis.InverseSplitConfig
	Candidates        []analysis.Candidate
	Feasible          []analysis.FeasibleSummary
	Scorecard         []ScoreRow
	AppFindings       []NamedShare
	Table5            []Table5Cell
}

// Reproduce recomputes the study from the embedded data. A *ConfigError means the caller's
// configuration cannot be used.
func Reproduce(cfg Config) (*Reproduction, error) {
	series, err := datasets.Pulse()
	if err != nil {
		return nil, fmt.Errorf("reproduce: %w", err)
	}
	if err := cfg.Validate(series); err != nil {
		return nil, err
	}
	pub, err := datasets.Published()
	if err != nil {
		return nil, fmt.Errorf("reproduce: %w", err)
	}
	notPub, err := datasets.NotPublished()
	if err != nil {
		return nil, fmt.Errorf("reproduce: %w", err)
	}
	base, err := series.Month(cfg.Baseline)
	if err != nil {
		return nil, &ConfigError{Field: "baseline", Problem: err.Error()}
	}
	r := &Reproduction{Config: cfg, Published: pub, NotPublished: notPub, PulseNotes: series.Notes,
		Months: series.Months(), Baseline: base}

	fb, err := findPublished(pub, "functional_below_a")
	if err != nil {
		return nil, err
	}
	r.Below, r.Functional = fb.Count, fb.Denominator

	if r.Pulse, err = analysis.PulseTest(r.Below, r.Functional, base, cfg.PulseN); err != nil {
		return nil, fmt.Errorf("reproduce: %w", err)
	}
	if r.Sensitivity, err = analysis.PulseSensitivity(r.Below, r.Functional, base, cfg.PulseNs); err != nil {
		return nil, fmt.Errorf("reproduce: %w", err)
	}
	if r.ByMonth, err = analysis.PulseByMonth(r.Below, r.Functional, r.Months, cfg.PulseN); err != nil {
		return nil, fmt.Errorf("reproduce: %w", err)
	}

	r.Split = analysis.InverseSplitConfig{Total: r.Functional, Below: r.Below, PLo: cfg.PLo, PHi: cfg.PHi}
	if r.Candidates, err = analysis.InverseSplit(r.Split); err != nil {
		return nil, fmt.Errorf("reproduce: %w", err)
	}
	r.Feasible = analysis.Summarize(r.Split, r.Candidates)

	for _, id := range []string{"apps_functional_below_a", "apps_unsecured", "apps_nonfunctional_below_a"} {
		p, err := findPublished(pub, id)
		if err != nil {
			return nil, err
		}
		s, err := analysis.NewShare(p.Count, p.Denominator)
		if err != nil {
			return nil, fmt.Errorf("reproduce: %s: %w", id, err)
		}
		r.AppFindings = append(r.AppFindings, NamedShare{ID: id, Label: appFindingLabel(id), Share: s})
	}
	for _, p := range pub {
		if p.Source != datasets.SourceTable5 {
			continue
		}
		s, err := analysis.NewShare(p.Count, p.Denominator)
		if err != nil {
			return nil, fmt.Errorf("reproduce: %s: %w", p.ID, err)
		}
		r.Table5 = append(r.Table5, Table5Cell{ID: p.ID, Finding: p.Finding, Platform: p.Platform, Servers: p.Servers, Share: s})
	}
	r.Scorecard = Scorecard(pub, Evidence{Pulse: r.Pulse, Split: r.Split, Feasible: r.Feasible, Candidates: len(r.Candidates)})
	return r, nil
}

func findPublished(pub []datasets.PublishedNumber, id string) (datasets.PublishedNumber, error) {
	for _, p := range pub {
		if p.ID == id {
			if p.Kind == datasets.KindShare && p.Denominator < 1 {
				return p, fmt.Errorf("reproduce: published number %q has no denominator", id)
			}
			return p, nil
		}
	}
	return datasets.PublishedNumber{}, fmt.Errorf("reproduce: published number %q missing from the embedded data", id)
}

func appFindingLabel(id string) string {
	switch id {
	case "apps_functional_below_a":
		return "apps with at least one functional server below A"
	case "apps_unsecured":
		return "apps with at least one entirely unsecured connection to a functional server"
	case "apps_nonfunctional_below_a":
		return "apps with at least one non-functional server below A"
	}
	return strings.ReplaceAll(id, "_", " ")
}

// IsConfigError reports whether err is the caller's configuration mistake.
func IsConfigError(err error) bool {
	var ce *ConfigError
	return errors.As(err, &ce)
}
