# Regenerates paired_trend.json: McNemar's test (mcnemar.test, with and without
# continuity correction; Bowker's symmetry test for r x r), the exact conditional
# McNemar test (binom.test on the discordant pairs, as exact2x2's mcnemar.exact)
# and the Cochran-Armitage trend test (prop.trend.test).
#   Rscript paired_trend.R > paired_trend.json      (R 4.2.2, no packages)
num <- function(v) {
  s <- ifelse(is.finite(v), sprintf("%.17g", v), "null")
  s[is.na(v)] <- "null"
  paste0("[", paste(s, collapse = ","), "]")
}
one <- function(v) if (is.finite(v)) sprintf("%.17g", v) else "null"
mat <- function(x) paste0("[", paste(apply(x, 1, function(r) paste0("[", paste(r, collapse = ","), "]")), collapse = ","), "]")

paired <- list(
  matrix(c(794, 86, 150, 570), 2, byrow = TRUE),  # R's ?mcnemar.test example
  matrix(c(10, 5, 1, 12), 2, byrow = TRUE),
  matrix(c(3, 0, 7, 4), 2, byrow = TRUE),
  matrix(c(20, 9, 9, 30), 2, byrow = TRUE),       # b = c: no correction applies
  matrix(c(0, 1, 0, 0), 2, byrow = TRUE),
  matrix(c(40, 13, 4, 41), 2, byrow = TRUE),
  matrix(c(2, 25, 3, 1), 2, byrow = TRUE),
  matrix(c(120, 31, 57, 402), 2, byrow = TRUE),
  matrix(c(20, 3, 1, 4, 15, 6, 2, 9, 30), 3, byrow = TRUE),
  matrix(c(5, 8, 2, 1, 4, 12, 9, 3, 6, 1, 7, 2, 4, 6, 1, 10), 4, byrow = TRUE)
)
cat('{"generator":"', R.version.string, ' mcnemar.test, binom.test, prop.trend.test (paired_trend.R)",\n"mcnemar":[\n', sep = "")
out <- character()
for (x in paired) {
  m1 <- mcnemar.test(x)
  m0 <- mcnemar.test(x, correct = FALSE)
  s <- sprintf('{"table":%s,"x2":%s,"df":%s,"p":%s,"method":"%s","x2_uncorrected":%s,"p_uncorrected":%s',
               mat(x), one(m1$statistic), one(m1$parameter), one(m1$p.value), m1$method,
               one(m0$statistic), one(m0$p.value))
  if (nrow(x) == 2) {
    b <- binom.test(x[1, 2], x[1, 2] + x[2, 1])
    s <- paste0(s, sprintf(',"exact_p":%s,"exact_ci":%s', one(b$p.value), num(b$conf.int)))
  }
  out <- c(out, paste0(s, "}"))
}
cat(paste(out, collapse = ",\n"), "\n],\n", sep = "")

trends <- list(
  list(x = c(83, 90, 129, 70), n = c(86, 93, 136, 82)),    # R's ?prop.trend.test example
  list(x = c(83, 90, 129, 70), n = c(86, 93, 136, 82), score = c(0, 0, 0, 1)),
  list(x = c(3, 7, 12, 20), n = c(40, 41, 39, 44)),
  list(x = c(15, 12, 9, 6, 2), n = c(30, 30, 30, 30, 30), score = c(1, 2, 4, 8, 16)),
  list(x = c(44, 150, 260), n = c(291, 700, 900)),
  list(x = c(1, 0), n = c(5, 9))
)
cat('"trend":[\n')
out <- character()
for (tr in trends) {
  sc <- if (is.null(tr$score)) seq_along(tr$x) else tr$score
  r <- prop.trend.test(tr$x, tr$n, score = sc)
  out <- c(out, sprintf('{"x":%s,"n":%s,"score":%s,"x2":%s,"p":%s}', num(tr$x), num(tr$n),
                        if (is.null(tr$score)) "null" else num(tr$score), one(r$statistic), one(r$p.value)))
}
cat(paste(out, collapse = ",\n"), "\n]}\n", sep = "")
