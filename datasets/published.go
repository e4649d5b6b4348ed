package datasets

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// Kind says what a published number is and so which fields of PublishedNumber apply.
type Kind string

// Kinds of published numbers.
const (
	// KindCount is a plain count: Count.
	KindCount Kind = "count"
	// KindShare is Count out of Denominator, with Percent when one was printed.
	KindShare Kind = "share"
	// KindPValue is a test result: P with its relation ("<" a bound, "=" a rounded value).
	KindPValue Kind = "p_value"
	// KindClaim is a statement without a number (Text and Note say what it claims).
	KindClaim Kind = "claim"
)

// Sources: where in the article a number was printed.
const (
	SourceAbstract = "Abstract"
	SourceTable5   = "Table 5"
	SourceFigure2  = "Figure 2 caption"
)

// PublishedNumber is one number the study printed, as printed and as values.
type PublishedNumber struct {
	ID     string
	Source string // SourceAbstract, SourceTable5, SourceFigure2
	Kind   Kind
	Text   string // exactly as printed: "44/291, 15.1%", "P<.001", "9 (15%)"

	// Count is the count of a KindCount or KindShare number.
	Count int
	// Denominator is what Count is out of (KindShare, and KindClaim when it refers to a
	// population); 0 when none.
	Denominator int
	// Percent is the percent as printed, NaN when none was printed; PercentDecimals is how
	// many decimals it was printed with, which bounds how far a recomputed share may be off.
	Percent         float64
	PercentDecimals int

	// P and PRelation are a KindPValue's printed value: "<" when P is a bound ("P<.001"),
	// "=" when it is rounded ("P=.03").
	P         float64
	PRelation string

	// Finding ("tls13", "hsts"), Platform ("android", "ios", "total") and Servers
	// ("functional", "others") locate a Table 5 cell; empty elsewhere.
	Finding, Platform, Servers string

	Note string
}

// HasPercent reports whether a percent was printed with the number.
func (p PublishedNumber) HasPercent() bool { return !math.IsNaN(p.Percent) }

// Unpublished is one input the study did not publish.
type Unpublished struct {
	ID          string
	Topic       string
	Text        string // what is missing, as published.md says it
	Consequence string // what the reproduction does instead of inventing it
}

// Published returns every number the study published, in the order of the embedded file
// (abstract, Figure 2 caption, Table 5 row by row).
func Published() ([]PublishedNumber, error) {
	c, err := readCommentedCSV(publishedFile)
	if err != nil {
		return nil, err
	}
	col, err := c.columns(publishedFile, "id", "source", "kind", "text", "count", "denominator",
		"percent", "decimals", "p_relation", "p_value", "finding", "platform", "servers", "note")
	if err != nil {
		return nil, err
	}
	out := make([]PublishedNumber, 0, len(c.records))
	seen := make(map[string]int)
	for i, rec := range c.records {
		line := c.lines[i]
		p, err := parsePublished(rec, col)
		if err != nil {
			return nil, fmt.Errorf("embedded %s:%d: %w", publishedFile, line, err)
		}
		if prev, dup := seen[p.ID]; dup {
			return nil, fmt.Errorf("embedded %s:%d: id %q already on line %d", publishedFile, line, p.ID, prev)
		}
		seen[p.ID] = line
		out = append(out, p)
	}
	return out, nil
}

func parsePublished(rec []string, col map[string]int) (PublishedNumber, error) {
	get := func(name string) string { return strings.TrimSpace(rec[col[name]]) }
	p := PublishedNumber{
		ID: get("id"), Source: get("source"), Kind: Kind(get("kind")), Text: get("text"),
		PRelation: get("p_relation"), Finding: get("finding"), Platform: get("platform"),
		Servers: get("servers"), Note: get("note"), Percent: math.NaN(),
	}
	if p.ID == "" || p.Text == "" {
		return p, fmt.Errorf("id and text are required")
	}
	switch p.Source {
	case SourceAbstract, SourceTable5, SourceFigure2:
	default:
		return p, fmt.Errorf("%s: unknown source %q", p.ID, p.Source)
	}
	var err error
	optInt := func(name string) int {
		s := get(name)
		if s == "" || err != nil {
			return 0
		}
		var v int
		v, err = strconv.Atoi(s)
		if err != nil {
			err = fmt.Errorf("%s: column %q: %w", p.ID, name, err)
		}
		return v
	}
	optFloat := func(name string) float64 {
		s := get(name)
		if s == "" || err != nil {
			return math.NaN()
		}
		var v float64
		v, err = strconv.ParseFloat(s, 64)
		if err != nil {
			err = fmt.Errorf("%s: column %q: %w", p.ID, name, err)
		}
		return v
	}
	p.Count = optInt("count")
	p.Denominator = optInt("denominator")
	p.Percent = optFloat("percent")
	p.PercentDecimals = optInt("decimals")
	p.P = optFloat("p_value")
	if err != nil {
		return p, err
	}
	switch p.Kind {
	case KindCount:
		if get("count") == "" {
			return p, fmt.Errorf("%s: a count needs a count", p.ID)
		}
	case KindShare:
		if get("count") == "" || p.Denominator <= 0 || p.Count > p.Denominator {
			return p, fmt.Errorf("%s: a share needs 0 <= count <= denominator, got %d/%d", p.ID, p.Count, p.Denominator)
		}
	case KindPValue:
		if p.PRelation != "<" && p.PRelation != "=" {
			return p, fmt.Errorf("%s: p_relation must be \"<\" or \"=\", got %q", p.ID, p.PRelation)
		}
		if math.IsNaN(p.P) || p.P <= 0 || p.P > 1 {
			return p, fmt.Errorf("%s: p_value must be in (0, 1], got %v", p.ID, p.P)
		}
	case KindClaim:
	default:
		return p, fmt.Errorf("%s: unknown kind %q", p.ID, p.Kind)
	}
	if p.Kind != KindPValue {
		p.P = math.NaN()
	}
	return p, nil
}

// PublishedByID returns the published number with the given id; an unknown id is an error
// that lists the known ones.
func PublishedByID(id string) (PublishedNumber, error) {
	all, err := Published()
	if err != nil {
		return PublishedNumber{}, err
	}
	ids := make([]string, 0, len(all))
	for _, p := range all {
		if p.ID == id {
			return p, nil
		}
		ids = append(ids, p.ID)
	}
	sort.Strings(ids)
	return PublishedNumber{}, fmt.Errorf("no published number %q (known: %s)", id, strings.Join(ids, ", "))
}

// NotPublished returns what the study left out, so a report can say so instead of
// inventing values.
func NotPublished() ([]Unpublished, error) {
	c, err := readCommentedCSV(notPublishedFile)
	if err != nil {
		return nil, err
	}
	col, err := c.columns(notPublishedFile, "id", "topic", "text", "consequence")
	if err != nil {
		return nil, err
	}
	out := make([]Unpublished, 0, len(c.records))
	for i, rec := range c.records {
		u := Unpublished{ID: rec[col["id"]], Topic: rec[col["topic"]], Text: rec[col["text"]], Consequence: rec[col["consequence"]]}
		if u.ID == "" || u.Text == "" {
			return nil, fmt.Errorf("embedded %s:%d: id and text are required", notPublishedFile, c.lines[i])
		}
		out = append(out, u)
	}
	return out, nil
}
