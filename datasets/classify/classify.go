// Package classify sorts the servers an app talks to into the study's categories
// (functional backend, advertising, tracking, external content, other, disregarded OS
// background traffic) by host name rules.
//
// # Rule files
//
// One rule per line, "<category> <pattern>"; blank lines and text after # are ignored.
//
//	advertising doubleclick.net      suffix: doubleclick.net and every name under it
//	functional  =api.example.com     exact: this host only
//	content     *.cdn.*              glob: * matches any run of characters, dots included
//
// # Which rule wins
//
// Rules come in layers, consulted in order, and the first layer with a match decides:
// the researcher's own rules (--rules), then the app's first-party domains (functional),
// then the built-in defaults. Within a layer the most specific match wins: an exact rule
// beats any suffix or glob, otherwise the rule with the most literal characters wins, and
// on a tie the earlier line. So "disregarded =www.googleapis.com" overrides
// "content googleapis.com" whatever their order, and a researcher can override any
// default by writing a rule for the same name.
package classify

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mhealthsec/mhealthsec/internal/inputerr"
)

// Category is a server category of the study.
type Category string

// The categories of servers.csv.
const (
	Functional  Category = "functional"
	Advertising Category = "advertising"
	Tracking    Category = "tracking"
	Content     Category = "content"
	Other       Category = "other"
	Disregarded Category = "disregarded"
)

// Categories lists every category.
func Categories() []Category {
	return []Category{Functional, Advertising, Tracking, Content, Other, Disregarded}
}

// ParseCategory accepts a category name, case-insensitively.
func ParseCategory(s string) (Category, error) {
	for _, c := range Categories() {
		if strings.EqualFold(s, string(c)) {
			return c, nil
		}
	}
	return "", fmt.Errorf("unknown category %q (want functional, advertising, tracking, content, other or disregarded)", s)
}

// Kind is how a rule's pattern matches a host.
type Kind int

// Rule kinds.
const (
	Suffix Kind = iota
	Exact
	Glob
)

// Rule is one line of a rule file.
type Rule struct {
	Category Category
	Kind     Kind
	Pattern  string // lower case, without the "=" of exact rules
	File     string
	Line     int
}

func (r Rule) String() string {
	p := r.Pattern
	if r.Kind == Exact {
		p = "=" + p
	}
	return fmt.Sprintf("%s:%d: %s %s", r.File, r.Line, r.Category, p)
}

// specificity orders matching rules: exact above all, then more literal characters.
func (r Rule) specificity() int {
	n := len(strings.ReplaceAll(r.Pattern, "*", ""))
	if r.Kind == Exact {
		return 1<<20 + n
	}
	return n
}

func (r Rule) matches(host string) bool {
	switch r.Kind {
	case Exact:
		return host == r.Pattern
	case Suffix:
		return host == r.Pattern || strings.HasSuffix(host, "."+r.Pattern)
	}
	return globMatch(r.Pattern, host)
}

// globMatch reports whether s matches pattern, where * matches any run of characters.
func globMatch(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	last := parts[len(parts)-1]
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(s, p)
		if i < 0 {
			return false
		}
		s = s[i+len(p):]
	}
	return strings.HasSuffix(s, last)
}

// Rules is one layer of rules.
type Rules struct {
	rules []Rule
}

// Len is the number of rules.
func (rs *Rules) Len() int { return len(rs.rules) }

// Match returns the most specific rule matching host (see the package doc).
func (rs *Rules) Match(host string) (Rule, bool) {
	host = NormalizeHost(host)
	best, found := Rule{}, false
	for _, r := range rs.rules {
		if r.matches(host) && (!found || r.specificity() > best.specificity()) {
			best, found = r, true
		}
	}
	return best, found
}

// NormalizeHost lower-cases a host name and drops a trailing dot.
func NormalizeHost(h string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".")
}

// LineError names the file, line and field of a bad rule (the module's one input-position
// error, inputerr.Error).
type LineError = inputerr.Error

// Parse reads a rule file; name is used in errors and in each Rule.
func Parse(r io.Reader, name string) (*Rules, error) {
	sc := bufio.NewScanner(r)
	rs := &Rules{}
	line := 0
	for sc.Scan() {
		line++
		text, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(text)
		if len(fields) == 0 {
			continue
		}
		if len(fields) != 2 {
			return nil, &LineError{File: name, Line: line, Field: "rule", Err: fmt.Errorf("want \"<category> <pattern>\", got %d fields", len(fields))}
		}
		cat, err := ParseCategory(fields[0])
		if err != nil {
			return nil, &LineError{File: name, Line: line, Field: "category", Err: err}
		}
		rule := Rule{Category: cat, Kind: Suffix, Pattern: strings.ToLower(fields[1]), File: name, Line: line}
		switch {
		case strings.HasPrefix(rule.Pattern, "="):
			rule.Kind, rule.Pattern = Exact, rule.Pattern[1:]
		case strings.Contains(rule.Pattern, "*"):
			rule.Kind = Glob
		}
		rule.Pattern = strings.TrimSuffix(strings.TrimPrefix(rule.Pattern, "."), ".")
		if err := checkPattern(rule); err != nil {
			return nil, &LineError{File: name, Line: line, Field: "pattern", Err: err}
		}
		rs.rules = append(rs.rules, rule)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, line+1, err)
	}
	return rs, nil
}

func checkPattern(r Rule) error {
	if r.Pattern == "" || strings.Trim(r.Pattern, "*.") == "" {
		return fmt.Errorf("empty pattern")
	}
	if r.Kind == Exact && strings.Contains(r.Pattern, "*") {
		return fmt.Errorf("exact rule %q contains *", r.Pattern)
	}
	for _, c := range r.Pattern {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '*' || c == '_' || c == ':') {
			return fmt.Errorf("character %q not allowed in a host pattern %q", c, r.Pattern)
		}
	}
	return nil
}

// ParseFile reads a rule file from disk.
func ParseFile(path string) (*Rules, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(f, path)
}

//go:embed default.rules
var defaultRules string

// Default returns the built-in rules (default.rules in this package).
func Default() (*Rules, error) {
	return Parse(strings.NewReader(defaultRules), "default.rules")
}

// Classifier applies the researcher's rules, an app's first-party domains and the
// built-in rules, in that order.
type Classifier struct {
	User    *Rules // may be nil
	Builtin *Rules // may be nil
}

// Match is the outcome of classifying one host.
type Match struct {
	Category Category
	// Source says what decided: "rules" (user), "first_party", "default", or "" when
	// nothing matched.
	Source string
	Rule   Rule // the deciding rule (not set for first_party)
}

// Classify returns the category of host for an app whose first-party domains are given
// (suffix semantics). ok is false when no rule matched; the caller decides what an
// unclassified host becomes and lists it for review.
func (c *Classifier) Classify(host string, firstParty []string) (m Match, ok bool) {
	host = NormalizeHost(host)
	if c.User != nil {
		if r, ok := c.User.Match(host); ok {
			return Match{Category: r.Category, Source: "rules", Rule: r}, true
		}
	}
	for _, d := range firstParty {
		d = NormalizeHost(strings.TrimPrefix(strings.TrimSpace(d), "*."))
		if d != "" && (host == d || strings.HasSuffix(host, "."+d)) {
			return Match{Category: Functional, Source: "first_party"}, true
		}
	}
	if c.Builtin != nil {
		if r, ok := c.Builtin.Match(host); ok {
			return Match{Category: r.Category, Source: "default", Rule: r}, true
		}
	}
	return Match{}, false
}

// FirstPartyDomains splits an apps.csv first_party cell: domains separated by spaces,
// commas or semicolons.
func FirstPartyDomains(cell string) []string {
	return strings.FieldsFunc(cell, func(r rune) bool { return r == ' ' || r == ',' || r == ';' || r == '|' })
}
