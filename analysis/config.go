package analysis

import "github.com/mhealthsec/mhealthsec/analysis/stats"

// DefaultPulseN is the assumed number of SSL Pulse sites of Test 1's 2 × 2 tests: Pulse
// surveyed about 130,000–150,000 sites and published percentages only.
const DefaultPulseN = 140000

// DefaultStudyConfig is how mhealthsec analyze counts without flags, except that Test 1 has
// no baseline month (set Baseline to run it): grades T and M count as below A, 140,000
// assumed Pulse sites, Holm's correction.
func DefaultStudyConfig() StudyConfig {
	return StudyConfig{Trust: TrustBelow, PulseN: DefaultPulseN, Adjust: stats.Holm}
}
