package result

import "slices"

// The grade vocabulary, defined here once: the probe grades with it, the importers read it,
// the analysis counts it and every table and summary orders by it.

// ScoreLetters returns the letters a score can earn, best first: A+, A, A-, B, C, D, E, F.
// SSL Pulse reports its monthly distribution over these.
func ScoreLetters() []string { return []string{"A+", "A", "A-", "B", "C", "D", "E", "F"} }

// GradeLetters returns every letter a result's grade may carry, best first: the score
// letters, then T (not trusted) and M (certificate name mismatch), which SSL Labs gives
// outside the score scale.
func GradeLetters() []string { return append(ScoreLetters(), "T", "M") }

// ARange returns the letters of the A range (A+, A, A-); every other letter is below it.
func ARange() []string { return []string{"A+", "A", "A-"} }

// GradeRank orders letters best first in GradeLetters order; an unknown letter (or none)
// ranks after every known one, so sorting by rank puts it last.
func GradeRank(letter string) int {
	if i := slices.Index(GradeLetters(), letter); i >= 0 {
		return i
	}
	return len(GradeLetters())
}

// IsGradeLetter reports whether letter is one of GradeLetters.
func IsGradeLetter(letter string) bool { return slices.Contains(GradeLetters(), letter) }

// InARange reports whether letter is A+, A or A-.
func InARange(letter string) bool { return slices.Contains(ARange(), letter) }
