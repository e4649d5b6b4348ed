package stats

import (
	"fmt"
	"math"
	"strconv"
)

// Alternative is the alternative hypothesis of a test.
type Alternative int

// The alternatives of R's tests.
const (
	TwoSided Alternative = iota
	Less
	Greater
)

// String returns R's name: "two.sided", "less" or "greater".
func (a Alternative) String() string {
	switch a {
	case TwoSided:
		return "two.sided"
	case Less:
		return "less"
	case Greater:
		return "greater"
	}
	return fmt.Sprintf("Alternative(%d)", int(a))
}

// MarshalText writes R's name.
func (a Alternative) MarshalText() ([]byte, error) {
	if a < TwoSided || a > Greater {
		return nil, fmt.Errorf("invalid alternative %d", int(a))
	}
	return []byte(a.String()), nil
}

// ParseAlternative reads R's names ("two.sided", "less", "greater").
func ParseAlternative(s string) (Alternative, error) {
	for _, a := range []Alternative{TwoSided, Less, Greater} {
		if s == a.String() {
			return a, nil
		}
	}
	return 0, fmt.Errorf("unknown alternative %q (want two.sided, less or greater)", s)
}

// finite marshals as a JSON number, or null when it is NaN or infinite (an infinite
// odds ratio, an interval bound that does not exist).
type finite float64

func (f finite) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

// MarshalJSON writes the interval as {"lo": …, "hi": …}; bounds that are NaN or
// infinite become null.
func (iv Interval) MarshalJSON() ([]byte, error) {
	return marshal(struct {
		Lo finite `json:"lo"`
		Hi finite `json:"hi"`
	}{finite(iv.Lo), finite(iv.Hi)})
}
