# Regenerates reference.json: R's chisq.test and fisher.test on the tables of Test 1
# against a reference population, for datasets/sample (the study) against
# waves/old/results.jsonl (the lab fleet as `mhealthsec lab` probed it), under each --trust
# policy. The tables are what analysis.AnalyzeStudy derives from those files;
# TestReferenceAgainstR checks that it still derives these before comparing values.
#   Rscript reference.R > reference.json      (R 4.2.2, base R only)
one <- function(v) sprintf("%.17g", v)
mat <- function(x) paste0("[", paste(apply(x, 1, function(r) paste0("[", paste(sprintf("%.17g", r), collapse = ","), "]")), collapse = ","), "]")
cases <- list(
  list(trust = "below",   t = c(5, 9, 26, 10), d = c(5, 2, 2, 1, 2, 1, 1, 0, 4, 0, 6, 8, 3, 10, 4, 1),
       letters = c("A+", "A", "A-", "B", "C", "F", "T", "M")),
  list(trust = "ignore",  t = c(4, 10, 21, 15), d = c(5, 3, 2, 1, 2, 1, 8, 1, 6, 8, 3, 10),
       letters = c("A+", "A", "A-", "B", "C", "F")),
  list(trust = "exclude", t = c(4, 9, 21, 10), d = c(5, 2, 2, 1, 2, 1, 4, 0, 6, 8, 3, 10),
       letters = c("A+", "A", "A-", "B", "C", "F"))
)
out <- character()
for (k in cases) {
  t2 <- matrix(k$t, 2, byrow = TRUE)
  d <- matrix(k$d, 2, byrow = TRUE)
  p0 <- suppressWarnings(chisq.test(t2, correct = FALSE))
  p1 <- suppressWarnings(chisq.test(t2))
  f <- fisher.test(t2)
  dd <- suppressWarnings(chisq.test(d))
  df <- fisher.test(d)
  out <- c(out, sprintf(paste0('{"trust":"%s","table":%s,"pearson_x2":%s,"pearson_p":%s,"yates_x2":%s,"yates_p":%s,"fisher_p":%s,',
                               '"distribution":%s,"letters":[%s],"dist_x2":%s,"dist_p":%s,"dist_fisher_p":%s,"expected":%s}'),
    k$trust, mat(t2), one(p0$statistic), one(p0$p.value), one(p1$statistic), one(p1$p.value), one(f$p.value),
    mat(d), paste0('"', k$letters, '"', collapse = ","), one(dd$statistic), one(dd$p.value), one(df$p.value), mat(p0$expected)))
}
cat('{"generator":"', R.version.string, ' chisq.test, fisher.test (reference.R)",\n"cases":[\n', paste(out, collapse = ",\n"), "\n]}\n", sep = "")
