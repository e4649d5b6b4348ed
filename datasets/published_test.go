package datasets

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestPublishedHasEveryID(t *testing.T) {
	want := []string{"apps", "servers", "functional", "functional_below_a", "test_pulse",
		"test_intl_vs_de", "apps_functional_below_a", "apps_unsecured",
		"apps_nonfunctional_below_a", "majority_third_party"}
	for _, f := range []string{"tls13", "hsts"} {
		for _, p := range []string{"android", "ios", "total"} {
			for _, s := range []string{"functional", "others"} {
				want = append(want, fmt.Sprintf("t5_%s_%s_%s", f, p, s))
			}
		}
	}
	for _, id := range want {
		if _, err := PublishedByID(id); err != nil {
			t.Errorf("PublishedByID(%q): %v", id, err)
		}
	}
}

func TestPublishedByIDUnknown(t *testing.T) {
	_, err := PublishedByID("no_such_number")
	if err == nil {
		t.Fatal("PublishedByID of an unknown id: no error")
	}
	if !strings.Contains(err.Error(), "functional_below_a") {
		t.Errorf("error does not list the known ids: %v", err)
	}
}

func TestPublishedValues(t *testing.T) {
	tests := []struct {
		id         string
		source     string
		kind       Kind
		text       string
		count, den int
		percent    float64
		decimals   int
		p          float64
		rel        string
	}{
		{"apps", SourceAbstract, KindCount, "60", 60, 0, math.NaN(), 0, math.NaN(), ""},
		{"servers", SourceAbstract, KindCount, "823", 823, 0, math.NaN(), 0, math.NaN(), ""},
		{"functional_below_a", SourceAbstract, KindShare, "44/291, 15.1%", 44, 291, 15.1, 1, math.NaN(), ""},
		{"apps_unsecured", SourceAbstract, KindShare, "20/60, 33%", 20, 60, 33, 0, math.NaN(), ""},
		{"test_pulse", SourceAbstract, KindPValue, "P<.001", 0, 0, math.NaN(), 0, 0.001, "<"},
		{"test_intl_vs_de", SourceAbstract, KindPValue, "P=.03", 0, 0, math.NaN(), 0, 0.03, "="},
		{"majority_third_party", SourceAbstract, KindClaim, "a majority of apps", 0, 60, math.NaN(), 0, math.NaN(), ""},
		{"apps_android", SourceFigure2, KindShare, "30", 30, 60, math.NaN(), 0, math.NaN(), ""},
		{"t5_tls13_total_functional", SourceTable5, KindShare, "9 (15%)", 9, 60, 15, 0, math.NaN(), ""},
		{"t5_hsts_ios_others", SourceTable5, KindShare, "25", 25, 30, math.NaN(), 0, math.NaN(), ""},
	}
	same := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
	for _, tt := range tests {
		p, err := PublishedByID(tt.id)
		if err != nil {
			t.Fatal(err)
		}
		if p.Source != tt.source || p.Kind != tt.kind || p.Text != tt.text || p.Count != tt.count ||
			p.Denominator != tt.den || !same(p.Percent, tt.percent) || p.PercentDecimals != tt.decimals ||
			!same(p.P, tt.p) || p.PRelation != tt.rel {
			t.Errorf("%s = %+v, want %+v", tt.id, p, tt)
		}
		if p.Note == "" {
			t.Errorf("%s has no note", tt.id)
		}
	}
}

// Every printed percent must be the printed count over its denominator, rounded as printed;
// this catches a transcription slip in either.
func TestPublishedPercentsMatchCounts(t *testing.T) {
	all, err := Published()
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, p := range all {
		if !p.HasPercent() {
			continue
		}
		scale := math.Pow(10, float64(p.PercentDecimals))
		got := math.Round(100*float64(p.Count)/float64(p.Denominator)*scale) / scale
		if got != p.Percent {
			t.Errorf("%s: %d/%d = %.*f%%, printed %v%%", p.ID, p.Count, p.Denominator, p.PercentDecimals, got, p.Percent)
		}
		if !strings.Contains(p.Text, fmt.Sprintf("%d", p.Count)) {
			t.Errorf("%s: text %q does not show count %d", p.ID, p.Text, p.Count)
		}
		checked++
	}
	if checked < 8 {
		t.Errorf("only %d printed percents checked", checked)
	}
}

// Table 5: for every finding and server class, Android + iOS = total, each platform is out
// of 30 and the total out of 60; and the study design adds up.
func TestPublishedTable5Totals(t *testing.T) {
	all, err := Published()
	if err != nil {
		t.Fatal(err)
	}
	cells := make(map[string]PublishedNumber)
	for _, p := range all {
		if p.Source == SourceTable5 {
			cells[p.Finding+"/"+p.Platform+"/"+p.Servers] = p
			if want := fmt.Sprintf("t5_%s_%s_%s", p.Finding, p.Platform, p.Servers); p.ID != want {
				t.Errorf("Table 5 cell %s has coordinates of %s", p.ID, want)
			}
		}
	}
	if len(cells) != 12 {
		t.Fatalf("Table 5 has %d cells, want 12", len(cells))
	}
	for _, f := range []string{"tls13", "hsts"} {
		for _, s := range []string{"functional", "others"} {
			a, i, tot := cells[f+"/android/"+s], cells[f+"/ios/"+s], cells[f+"/total/"+s]
			if a.Count+i.Count != tot.Count {
				t.Errorf("%s %s: android %d + ios %d != total %d", f, s, a.Count, i.Count, tot.Count)
			}
			if a.Denominator != 30 || i.Denominator != 30 || tot.Denominator != 60 {
				t.Errorf("%s %s: denominators %d, %d, %d, want 30, 30, 60", f, s, a.Denominator, i.Denominator, tot.Denominator)
			}
		}
	}
	get := func(id string) int {
		p, err := PublishedByID(id)
		if err != nil {
			t.Fatal(err)
		}
		return p.Count
	}
	if get("apps_android")+get("apps_ios") != get("apps") {
		t.Error("Android + iOS apps != apps")
	}
	if 2*get("subcategories")*get("apps_per_subcategory") != get("apps") {
		t.Error("2 stores × subcategories × apps per subcategory != apps")
	}
	if f := get("functional"); f > get("servers") || get("functional_below_a") > f {
		t.Error("functional servers or those below A exceed their population")
	}
}

func TestNotPublished(t *testing.T) {
	np, err := NotPublished()
	if err != nil {
		t.Fatal(err)
	}
	ids := make(map[string]bool)
	for _, u := range np {
		ids[u.ID] = true
		if u.Topic == "" || u.Text == "" || u.Consequence == "" {
			t.Errorf("%s: empty field in %+v", u.ID, u)
		}
	}
	for _, id := range []string{"pulse_baseline", "test_details", "functional_split", "server_details"} {
		if !ids[id] {
			t.Errorf("NotPublished lacks %s", id)
		}
	}
}

func TestParsePublishedRejects(t *testing.T) {
	header := []string{"id", "source", "kind", "text", "count", "denominator", "percent", "decimals", "p_relation", "p_value", "finding", "platform", "servers", "note"}
	col := make(map[string]int)
	for i, h := range header {
		col[h] = i
	}
	tests := []struct {
		name string
		rec  string
		want string
	}{
		{"unknown source", "x,Table 9,count,1,1,,,,,,,,,", "unknown source"},
		{"unknown kind", "x,Abstract,ratio,1,1,,,,,,,,,", "unknown kind"},
		{"share over 100%", "x,Abstract,share,5/4,5,4,,,,,,,,", "count <= denominator"},
		{"bad relation", "x,Abstract,p_value,P>.5,,,,,>,0.5,,,,", "p_relation"},
		{"p out of range", "x,Abstract,p_value,P=2,,,,,=,2,,,,", "p_value must be"},
		{"count not a number", "x,Abstract,count,1,one,,,,,,,,,", `column "count"`},
		{"no text", "x,Abstract,count,,1,,,,,,,,,", "required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parsePublished(strings.Split(tt.rec, ","), col)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
