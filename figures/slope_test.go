package figures

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

// TestSlope: the chart renders deterministically, labels both waves and every
// line, and refuses shares outside [0, 1].
func TestSlope(t *testing.T) {
	c := SlopeChart{Name: "slope", YLabel: "share", From: "wave 1", To: "wave 2",
		Lines: []SlopeLine{{Label: "below A", From: 0.6, To: 0.45}, {Label: "TLS 1.3", From: 0.5, To: 0.61}}}
	f, err := Slope(Default(), c)
	if err != nil {
		t.Fatal(err)
	}
	a, err := Render(f, "svg")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Render(f, "svg")
	if !bytes.Equal(a, b) {
		t.Error("two renders differ")
	}
	texts := strings.Join(svgTexts(a), "|")
	for _, w := range []string{"wave 1", "wave 2", "below A", "TLS 1.3"} {
		if !strings.Contains(texts, w) {
			t.Errorf("svg lacks %q: %s", w, texts)
		}
	}
	for _, bad := range []float64{-0.1, 1.5, math.NaN()} {
		c.Lines[0].To = bad
		if _, err := Slope(Default(), c); err == nil {
			t.Errorf("share %v accepted", bad)
		}
	}
	if _, err := Slope(Default(), SlopeChart{Name: "empty"}); err == nil {
		t.Error("no lines accepted")
	}
}
