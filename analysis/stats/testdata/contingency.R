# Regenerates contingency.json (written by hand from R 4.2.2 output before this script
# existed; this script reproduces its values: see README.md). Tables: the first five are
# shaped like the study's tests, the rest random 2-4 x 2-7 tables; Fisher's test is run
# only where fisher = TRUE (the exact r x c test of tables 10, 17, 18 and 24 takes R
# minutes; the others were not asked of R).
#   Rscript contingency.R > contingency.json      (R 4.2.2, base R only)
num <- function(v) if (length(v) == 1 && !is.finite(v)) "null" else sprintf("%.17g", v)
vec <- function(v) paste0("[", paste(sprintf("%.17g", v), collapse = ","), "]")
mat <- function(x) paste0("[", paste(apply(x, 1, vec), collapse = ","), "]")
imat <- function(x) paste0("[", paste(apply(x, 1, function(r) paste0("[", paste(r, collapse = ","), "]")), collapse = ","), "]")
tables <- list(
  list(x = matrix(c(44, 247, 45912, 92630), nrow = 2, byrow = TRUE), fisher = TRUE),
  list(x = matrix(c(30, 206, 14, 41), nrow = 2, byrow = TRUE), fisher = TRUE),
  list(x = matrix(c(2, 15, 7, 9), nrow = 2, byrow = TRUE), fisher = TRUE),
  list(x = matrix(c(0, 10, 5, 12), nrow = 2, byrow = TRUE), fisher = TRUE),
  list(x = matrix(c(32, 200, 15, 25, 4, 9, 6, 5, 52, 4, 12, 3, 5, 3), nrow = 2, byrow = TRUE), fisher = TRUE),
  list(x = matrix(c(66, 59, 72, 75, 61, 108, 56, 68, 86, 64, 71, 77), nrow = 3, byrow = TRUE), fisher = FALSE),
  list(x = matrix(c(1143, 1397, 1233, 1704, 1450, 1472, 1327, 1197, 1268, 1477, 1677, 1683, 1517, 1413), nrow = 2, byrow = TRUE), fisher = FALSE),
  list(x = matrix(c(5, 4, 2, 3, 3, 4, 5, 4), nrow = 2, byrow = TRUE), fisher = TRUE),
  list(x = matrix(c(6, 4, 4, 6, 5, 3, 3, 3), nrow = 2, byrow = TRUE), fisher = TRUE),
  list(x = matrix(c(3, 2, 4, 6, 6, 6, 3, 2, 3, 3, 4, 6), nrow = 4, byrow = TRUE), fisher = TRUE),
  list(x = matrix(c(15, 12, 10, 12, 15, 24, 18, 16, 17, 15, 19, 9, 24, 9, 14, 14, 14, 13), nrow = 3, byrow = TRUE), fisher = TRUE),
  list(x = matrix(c(8, 14, 16, 16, 9, 9, 13, 16, 13, 21, 21, 19, 18, 17, 14, 21, 16, 15, 7, 12), nrow = 4, byrow = TRUE), fisher = FALSE),
  list(x = matrix(c(20, 13, 21, 12, 17, 13, 13, 23, 11, 12, 20, 17, 10, 13, 13, 16, 17, 20, 15, 18, 12, 16, 17, 18, 22, 17, 19, 18), nrow = 4, byrow = TRUE), fisher = FALSE),
  list(x = matrix(c(9, 13, 15, 11, 16, 20, 18, 22), nrow = 2, byrow = TRUE), fisher = TRUE),
  list(x = matrix(c(3, 3, 1, 3, 5, 2, 6, 2, 4, 3, 2, 4, 2, 2, 3), nrow = 3, byrow = TRUE), fisher = TRUE),
  list(x = matrix(c(42, 58, 92, 92, 64, 44, 110, 59, 87, 57), nrow = 2, byrow = TRUE), fisher = FALSE),
  list(x = matrix(c(90, 102, 73, 69, 102, 64, 80, 90, 109, 63, 93, 75, 114, 75, 82, 82, 90, 72), nrow = 3, byrow = TRUE), fisher = FALSE),
  list(x = matrix(c(1, 5, 6, 6, 4, 3, 3, 4, 4, 2, 1, 4, 7, 1, 6, 5, 1, 6, 1, 1, 2, 1, 3, 1, 3, 5, 7, 6), nrow = 4, byrow = TRUE), fisher = TRUE),
  list(x = matrix(c(15, 8, 13, 13, 14, 8, 19, 20, 17, 9, 19, 15, 12, 19, 18, 13, 17, 25), nrow = 3, byrow = TRUE), fisher = TRUE),
  list(x = matrix(c(68, 108, 93, 76, 96, 64, 60, 44, 91, 66, 78, 75, 58, 80, 76), nrow = 3, byrow = TRUE), fisher = FALSE),
  list(x = matrix(c(3, 4, 4, 3, 5, 1, 5, 6), nrow = 4, byrow = TRUE), fisher = TRUE),
  list(x = matrix(c(6, 11, 12, 16, 13, 18, 13, 17, 6, 15, 4, 13, 15, 15, 20, 20, 18, 13, 19, 9, 16), nrow = 3, byrow = TRUE), fisher = FALSE),
  list(x = matrix(c(4, 2, 1, 4, 1, 1, 4, 8, 5, 2, 7, 6, 2, 3, 2, 3), nrow = 4, byrow = TRUE), fisher = TRUE),
  list(x = matrix(c(6, 3, 3, 4, 2, 3, 4, 4), nrow = 4, byrow = TRUE), fisher = TRUE),
  list(x = matrix(c(15, 12, 17, 18, 23, 14, 12, 17, 14, 12, 19, 15, 12, 11, 21, 12, 9, 19), nrow = 3, byrow = TRUE), fisher = TRUE),
  list(x = matrix(c(11, 27, 8, 8, 21, 14, 17, 15, 24, 15, 13, 24), nrow = 2, byrow = TRUE), fisher = TRUE),
  list(x = matrix(c(1426, 1772, 1322, 1060, 1778, 1325, 1247, 1623, 1595, 1480, 1781, 1588), nrow = 3, byrow = TRUE), fisher = FALSE),
  list(x = matrix(c(17, 10, 12, 8, 17, 10, 25, 21, 21, 19, 13, 31), nrow = 2, byrow = TRUE), fisher = TRUE),
  list(x = matrix(c(1548, 1309, 1179, 1446, 1639, 1050, 1277, 1461, 1198, 1204, 1984, 1246, 1958, 1648, 1068, 1511, 1476, 1076, 2008, 1763, 1323), nrow = 3, byrow = TRUE), fisher = FALSE),
  list(x = matrix(c(1938, 1519, 1581, 1451, 1212, 1564, 982, 1527, 1961, 1747, 1826, 1488, 1979, 1281, 1043, 1515, 1696, 1687, 1291, 1934, 1550), nrow = 3, byrow = TRUE), fisher = FALSE)
)
out <- character()
for (k in tables) {
  x <- k$x
  cs <- suppressWarnings(chisq.test(x, correct = FALSE))
  e <- cs$expected
  g <- 2 * sum(ifelse(x > 0, x * log(x / e), 0))
  n <- sum(x)
  s <- sprintf('{"table":%s,"expected":%s,"pearson_x2":%s,"df":%s,"pearson_p":%s,"stdres":%s,"g":%s,"g_p":%s,"cramers_v":%s,"min_expected":%s,"share_expected_below_5":%s,"fisher_p":%s',
    imat(x), mat(e), num(cs$statistic), num(cs$parameter), num(cs$p.value), mat(cs$stdres), num(g),
    num(pchisq(g, cs$parameter, lower.tail = FALSE)), num(sqrt(cs$statistic / (n * (min(dim(x)) - 1)))),
    num(min(e)), num(mean(e < 5)),
    if (k$fisher) num(fisher.test(x, workspace = 2e8)$p.value) else "null")
  if (all(dim(x) == 2)) {
    y <- suppressWarnings(chisq.test(x))
    s <- paste0(s, sprintf(',"yates_x2":%s,"yates_p":%s', num(y$statistic), num(y$p.value)))
  }
  out <- c(out, paste0(s, "}"))
}
props <- list(c(44, 291), c(2, 17), c(0, 20), c(308, 375), c(28, 60), c(20, 60), c(48, 60), c(9, 60), c(60, 60))
pout <- character()
for (p in props) {
  cp <- binom.test(p[1], p[2])$conf.int
  w <- prop.test(p[1], p[2], correct = FALSE)$conf.int
  wc <- prop.test(p[1], p[2])$conf.int
  pout <- c(pout, sprintf('{"x":%d,"n":%d,"clopper_pearson":%s,"wilson":%s,"wilson_cc":%s}', p[1], p[2], vec(cp), vec(w), vec(wc)))
}
pv <- c(0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216)
adj <- sapply(c("bonferroni", "holm", "hochberg", "BH", "BY"), function(m) sprintf('"%s":%s', m, vec(p.adjust(pv, m))))
cat('{"generator":"R 4.2.2 chisq.test, fisher.test, binom.test, prop.test, p.adjust",\n"tables":[\n', paste(out, collapse = ",\n"),
    '],\n"proportions":[\n', paste(pout, collapse = ",\n"), '],\n"p_adjust":{"p":', vec(pv), ",", paste(adj, collapse = ","), "}}\n", sep = "")
