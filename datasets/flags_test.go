package datasets_test

import "flag"

// gota1e6 also runs the gota GroupBy benchmark on a million rows (several GB, minutes).
var gota1e6 = flag.Bool("gota1e6", false, "also benchmark gota's GroupBy on 1e6 rows")
