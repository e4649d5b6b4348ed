package result

import (
	"slices"
	"testing"
)

func TestGradeVocabulary(t *testing.T) {
	all := GradeLetters()
	if !slices.Equal(all[:len(ScoreLetters())], ScoreLetters()) || !slices.Equal(all[len(all)-2:], []string{"T", "M"}) {
		t.Errorf("GradeLetters = %q: want the score letters, then T, then M", all)
	}
	for i, l := range all {
		if GradeRank(l) != i || !IsGradeLetter(l) {
			t.Errorf("%s: rank %d, want %d", l, GradeRank(l), i)
		}
	}
	for _, l := range []string{"", "none", "a", "A++"} {
		if GradeRank(l) != len(all) || IsGradeLetter(l) {
			t.Errorf("%q ranks %d, want last (%d)", l, GradeRank(l), len(all))
		}
	}
	for _, l := range all {
		if InARange(l) != (l == "A+" || l == "A" || l == "A-") {
			t.Errorf("InARange(%s) = %v", l, InARange(l))
		}
	}
}
