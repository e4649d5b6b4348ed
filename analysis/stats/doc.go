// Package stats tests contingency tables and proportions the way R does, so that
// the study's published tests can be reproduced number for number.
//
// It covers Pearson's chi-squared test (with and without Yates' correction), the
// G-test, Fisher's exact test for 2 × 2 and r × c tables, goodness of fit against
// baseline proportions, the exact binomial test, Wilson and Clopper–Pearson
// intervals for a proportion, and p-value adjustment for multiple testing. Results
// agree with R 4.2 (chisq.test, fisher.test, binom.test, prop.test, p.adjust,
// mcnemar.test, prop.trend.test) to about 1e-12 relative; see testdata.
//
// Every table test first drops rows and columns that are empty (R would return
// NaN for them) and reports the smallest expected count and the share of cells
// whose expected count is below 5, with R's warning text when that share is not
// zero. Analyze runs every test on one table.
//
// Probabilities of hypergeometric tables are computed in log space, so tables with
// a hundred thousand observations are exact and fast. Fisher's 2 × 2 test reports
// two odds ratios, each labelled: the sample odds ratio ad/bc with Woolf's
// interval, and the conditional maximum-likelihood estimate with its exact
// interval (what R's fisher.test calls "odds ratio"). Fisher's r × c test is an
// exact network enumeration with documented limits (FisherLimits); beyond them it
// returns a *TooLargeError instead of running for hours, and FisherAuto (used by
// Analyze) falls back to FisherMonteCarlo, R's simulate.p.value = TRUE: a seeded,
// labelled estimate with its 99% interval. McNemarTest (paired tables, as
// mcnemar.test, with the exact conditional binomial p) and TrendTest
// (Cochran–Armitage, as prop.trend.test) complete the set. Two-sided exact tests
// count the tables at most (1 + 1e-7) times as probable as the observed one
// (exp(3.45254e-7) for r × c, as R's FEXACT does).
//
// JSON: Contingency marshals to stable keys (pearson.p, fisher.p, cramers_v, …);
// infinite or undefined odds ratios and interval bounds are written as null.
package stats
