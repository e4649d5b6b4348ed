package datasets_test

import (
	"fmt"

	"github.com/mhealthsec/mhealthsec/datasets"
)

// A study folder holds apps.csv, servers.csv and results.jsonl; LoadStudy reads and checks
// all three (datasets/sample is a small one).
func ExampleLoadStudy() {
	st, err := datasets.LoadStudy("sample")
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d apps, %d server rows, %d results\n", len(st.Apps), len(st.Servers), len(st.Results))
	// Output: 12 apps, 47 server rows, 19 results
}

// ServerResultsFrame joins the three files into one gota dataframe: a row per app × server
// with the app's platform and the server's grade and findings.
func ExampleStudy_ServerResultsFrame() {
	st, err := datasets.LoadStudy("sample")
	if err != nil {
		panic(err)
	}
	df := st.ServerResultsFrame().Select([]string{"app_id", "host", "category", "grade"})
	fmt.Println(df.Nrow(), "rows")
	for i := 0; i < 3; i++ {
		fmt.Println(df.Elem(i, 0), df.Elem(i, 1), df.Elem(i, 2), df.Elem(i, 3))
	}
	// Output:
	// 47 rows
	// a01 api.vitaltrack.example functional A+
	// a01 googleads.g.doubleclick.net advertising A+
	// a01 sync.vitaltrack.example functional A
}

// Every number the reproduced paper printed, exactly as printed.
func ExamplePublishedByID() {
	p, err := datasets.PublishedByID("functional_below_a")
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s: %q = %d of %d\n", p.Source, p.Text, p.Count, p.Denominator)
	// Output: Abstract: "44/291, 15.1%" = 44 of 291
}

// SSL Pulse's monthly share of surveyed sites below the A range, 2016–2019.
func ExamplePulse() {
	series, err := datasets.Pulse()
	if err != nil {
		panic(err)
	}
	m, err := series.Month("2018-01")
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s: %.2f%% below A\n", m.Month, m.BelowA)
	// Output: 2018-01: 35.38% below A
}
