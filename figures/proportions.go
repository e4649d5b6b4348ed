package figures

import (
	"fmt"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Proportion is one bar of a proportion chart: Count of Total, its share and its interval
// (all shares in [0, 1]; the chart shows per cent).
type Proportion struct {
	Category string // position on the x axis (bars of one category stand side by side)
	Group    string // colour and legend entry; "" for a chart without groups
	Count    int
	Total    int
	Share    float64
	Lo, Hi   float64 // interval bounds
}

// ProportionChart describes a bar chart of shares with interval whiskers.
type ProportionChart struct {
	Name     string
	Title    string
	YLabel   string
	Interval string       // legend text of the whiskers, e.g. "95% Wilson interval"
	Width    vg.Length    // zero: DefaultWidth
	Height   vg.Length    // zero: DefaultHeight
	Bars     []Proportion // ShareBar and TableBars make them from analysis results
	// ShowCounts labels each bar "count/total" above its whisker, else with the percentage.
	ShowCounts bool
}

// Proportions draws a bar chart of shares with their intervals. Categories and groups keep
// the order in which they first appear in Bars.
func Proportions(t Theme, c ProportionChart) (Figure, error) {
	c.Width, c.Height = sized(c.Width, c.Height)
	if len(c.Bars) == 0 {
		return Figure{}, fmt.Errorf("figure %q: no bars", c.Name)
	}
	var cats, groups []string
	catIndex, groupIndex := map[string]int{}, map[string]int{}
	for _, b := range c.Bars {
		for _, v := range []float64{b.Share, b.Lo, b.Hi} {
			if math.IsNaN(v) || v < 0 || v > 1 {
				return Figure{}, fmt.Errorf("figure %q: bar %s/%s: share or bound %v outside [0, 1]", c.Name, b.Category, b.Group, v)
			}
		}
		if _, ok := catIndex[b.Category]; !ok {
			catIndex[b.Category] = len(cats)
			cats = append(cats, b.Category)
		}
		if _, ok := groupIndex[b.Group]; !ok {
			groupIndex[b.Group] = len(groups)
			groups = append(groups, b.Group)
		}
	}
	p := t.NewPlot()
	p.Title.Text = c.Title
	p.Y.Label.Text = c.YLabel
	p.Y.Min, p.Y.Max = 0, 100
	p.Y.Tick.Marker = percentTicks()
	p.X.Tick.Length = 0
	p.X.LineStyle.Width = 0

	const slot = 0.8 // share of a category's width taken by its bars
	xs, barW := barPositions(c.Bars, slot)
	whiskerLine := draw.LineStyle{Color: grey(0x20), Width: t.LineWidth * 0.8}
	var entries []legendEntry
	var ticks []plot.Tick
	for i, cat := range cats {
		ticks = append(ticks, plot.Tick{Value: float64(i), Label: cat})
	}
	var labelX, labelY []float64
	var labelText []string
	for g, group := range groups {
		var b bars
		var w whiskers
		b.Width, b.Fill = barW*0.92, t.Color(g)
		w.CapWidth, w.Line = barW*0.35, whiskerLine
		for i, bar := range c.Bars {
			if bar.Group != group {
				continue
			}
			x := xs[i]
			b.X, b.Y = append(b.X, x), append(b.Y, 100*bar.Share)
			w.X, w.Lo, w.Hi = append(w.X, x), append(w.Lo, 100*bar.Lo), append(w.Hi, 100*bar.Hi)
			labelX, labelY = append(labelX, x), append(labelY, 100*bar.Hi)
			if c.ShowCounts {
				labelText = append(labelText, fmt.Sprintf("%d/%d", bar.Count, bar.Total))
			} else {
				labelText = append(labelText, fmt.Sprintf("%.1f%%", 100*bar.Share))
			}
		}
		p.Add(b, w)
		if group != "" {
			entries = append(entries, legendEntry{Label: group, Thumb: b})
		}
	}
	sty := t.TextStyle(t.TickSize * 0.9)
	sty.XAlign, sty.YAlign = draw.XCenter, draw.YBottom
	p.Add(labels{X: labelX, Y: labelY, Text: labelText, Style: sty, Offset: vg.Point{Y: vg.Points(1.5)}})
	p.X.Min, p.X.Max = -0.5, float64(len(cats))-0.5
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	if c.Interval != "" {
		entries = append(entries, legendEntry{Label: c.Interval, Thumb: whiskers{Line: whiskerLine}})
	}
	var d Drawer = p
	if len(entries) > 0 {
		d = withLegend(legendRow{Entries: entries, Style: t.TextStyle(t.TickSize), Thumb: vg.Points(10)}, c.Width, p)
	}
	return Figure{Name: c.Name, Width: c.Width, Height: c.Height, Drawer: d}, nil
}

// barPositions places each bar of bars on the x axis: category i is centred on i, and its
// bars stand side by side, centred under it, in the order their groups first appear in
// bars. A category with fewer groups than another gets no empty slots (a chart of two
// comparisons with different groups keeps each pair under its label); all bars share
// the width barW, slot divided by the most groups any category has.
func barPositions(bars []Proportion, slot float64) (xs []float64, barW float64) {
	catIndex, groupIndex := map[string]int{}, map[string]int{}
	for _, b := range bars {
		if _, ok := catIndex[b.Category]; !ok {
			catIndex[b.Category] = len(catIndex)
		}
		if _, ok := groupIndex[b.Group]; !ok {
			groupIndex[b.Group] = len(groupIndex)
		}
	}
	// The groups of each category, in the global group order.
	present := make([][]bool, len(catIndex))
	for i := range present {
		present[i] = make([]bool, len(groupIndex))
	}
	for _, b := range bars {
		present[catIndex[b.Category]][groupIndex[b.Group]] = true
	}
	most := 1
	slotOf := make([][]int, len(catIndex)) // slotOf[cat][group]: position among the category's bars
	counts := make([]int, len(catIndex))
	for ci, groups := range present {
		slotOf[ci] = make([]int, len(groups))
		for g, ok := range groups {
			if ok {
				slotOf[ci][g] = counts[ci]
				counts[ci]++
			}
		}
		most = max(most, counts[ci])
	}
	barW = slot / float64(most)
	for _, b := range bars {
		ci, g := catIndex[b.Category], groupIndex[b.Group]
		left := float64(ci) - barW*float64(counts[ci])/2
		xs = append(xs, left+barW*(float64(slotOf[ci][g])+0.5))
	}
	return xs, barW
}
