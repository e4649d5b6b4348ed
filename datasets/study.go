package datasets

import (
	"github.com/mhealthsec/mhealthsec/probe/result"
)

// Platforms of apps.csv.
const (
	PlatformAndroid = "android"
	PlatformIOS     = "ios"
)

// Availabilities of apps.csv.
const (
	AvailabilityInternational = "international"
	AvailabilityGermanOnly    = "de_only"
)

// Schemes of servers.csv.
const (
	SchemeHTTPS = "https"
	SchemeHTTP  = "http"
)

// Server categories of servers.csv. Functional servers are the app's own backend; the
// study's "others" are advertising, tracking and content.
const (
	CategoryFunctional  = "functional"
	CategoryAdvertising = "advertising"
	CategoryTracking    = "tracking"
	CategoryContent     = "content"
	CategoryOther       = "other"
	CategoryDisregarded = "disregarded"
)

// Platforms returns the platforms apps.csv accepts.
func Platforms() []string { return []string{PlatformAndroid, PlatformIOS} }

// Availabilities returns the availabilities apps.csv accepts.
func Availabilities() []string {
	return []string{AvailabilityInternational, AvailabilityGermanOnly}
}

// Schemes returns the schemes servers.csv accepts.
func Schemes() []string { return []string{SchemeHTTPS, SchemeHTTP} }

// Categories returns the server categories servers.csv accepts.
func Categories() []string {
	return []string{CategoryFunctional, CategoryAdvertising, CategoryTracking, CategoryContent, CategoryOther, CategoryDisregarded}
}

// App is one row of apps.csv.
type App struct {
	ID           string
	Name         string
	Platform     string // PlatformAndroid or PlatformIOS
	Availability string // AvailabilityInternational or AvailabilityGermanOnly
	Subcategory  string
	// Extra holds the row's columns that the format does not define, by header name.
	Extra map[string]string
}

// Server is one row of servers.csv: a server one app was observed talking to.
type Server struct {
	AppID    string
	Host     string // lower case
	Port     int
	Scheme   string // SchemeHTTPS or SchemeHTTP
	Category string // one of Categories()
	// Extra holds the row's columns that the format does not define, by header name.
	Extra map[string]string
}

// Study is a loaded, validated study folder.
type Study struct {
	Dir     string
	Apps    []App
	Servers []Server
	Results []result.Result
}
