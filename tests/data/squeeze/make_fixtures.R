# Regenerate the limma::squeezeVar parity fixtures used by tests/differential/test_squeeze.py.
#
#   Rscript tests/data/squeeze/make_fixtures.R            # writes next to this script
#   Rscript tests/data/squeeze/make_fixtures.R OUTDIR     # writes into OUTDIR
#   Rscript tests/data/squeeze/make_fixtures.R --big DIR  # also a 20,000-gene case in DIR
#                                                         # (not committed: > 1 MB)
#
# Reference: R 4.2.2 + limma 3.54.x (Debian 12: r-base, r-bioc-limma, r-cran-statmod).
# Every input is simulated here with set.seed(); inputs and limma's outputs are written
# as TSV with 17 significant digits ("NA", "Inf", "-Inf" for non-finite values).

suppressPackageStartupMessages({
  library(limma)
  library(splines)
})

args <- commandArgs(trailingOnly = TRUE)
big_dir <- NULL
if (length(args) >= 2 && args[1] == "--big") {
  big_dir <- args[2]
  args <- args[-(1:2)]
}
if (length(args) >= 1) {
  outdir <- args[1]
} else {
  file_arg <- grep("^--file=", commandArgs(trailingOnly = FALSE), value = TRUE)
  outdir <- if (length(file_arg)) dirname(normalizePath(sub("^--file=", "", file_arg))) else "."
}
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)

fmt <- function(v) {
  v <- as.numeric(v)
  out <- sprintf("%.17g", v)
  out[is.infinite(v) & v > 0] <- "Inf"
  out[is.infinite(v) & v < 0] <- "-Inf"
  out[is.na(v)] <- "NA"
  out
}
write_tsv <- function(df, path) {
  df[] <- lapply(df, function(col) if (is.numeric(col)) fmt(col) else col)
  write.table(df, path, sep = "\t", quote = FALSE, row.names = FALSE)
}

# Sample variances from limma's own hierarchical model:
# sigma^2 ~ s0 * d0 / chisq(d0), s^2 | sigma^2 ~ sigma^2 * chisq(df) / df.
sim_var <- function(n, df, s0 = 0.05, d0 = 6) {
  sigma2 <- s0 * d0 / rchisq(n, d0)
  s2 <- sigma2 * rchisq(n, pmax(df, 1e-8)) / pmax(df, 1e-8)
  s2[!is.finite(df)] <- sigma2[!is.finite(df)]
  s2
}

cases <- list()
add_case <- function(name, var, df, covariate = NULL, robust = FALSE,
                     winsor.tail.p = c(0.05, 0.1)) {
  cases[[name]] <<- list(var = var, df = df, covariate = covariate, robust = robust,
                         winsor.tail.p = winsor.tail.p)
}

# --- ordinary (no trend) -------------------------------------------------------------------
set.seed(101); add_case("equal_df", sim_var(500, 4), 4)
set.seed(102); add_case("equal_df_vector", sim_var(500, 4), rep(4, 500))
set.seed(103)
df <- sample(c(2, 3, 4, 5, 6), 800, replace = TRUE, prob = c(0.05, 0.1, 0.15, 0.2, 0.5))
add_case("unequal_df", sim_var(800, df), df)
set.seed(104)
df <- rep(4, 300); v <- sim_var(300, df)
v[1:5] <- 0                  # exact zeros (offset away from zero)
v[6:10] <- NA                # missing variances
df[11:15] <- 0; v[11:12] <- NA; v[13] <- Inf   # no residual df
add_case("zeros_na", v, df)
set.seed(105)
df <- sample(3:5, 300, replace = TRUE); df[1:3] <- Inf; v <- sim_var(300, df)
add_case("inf_df", v, df)
set.seed(106); v <- sim_var(50, 3); v[1:30] <- 0
add_case("mostly_zero", v, 3)
set.seed(107)  # under-dispersed variances: no prior dispersion, df.prior = Inf
add_case("no_dispersion", 0.05 * rchisq(2000, 8) / 8, 4)
set.seed(108); add_case("two_genes", sim_var(2, 3), 3)

# --- trend on a covariate (spline df 1 + (n>=3) + (n>=6) + (n>=30), capped by #unique) ------
trend_var <- function(n, df, cov) {
  s0 <- exp(-3 + 0.8 * sin(cov) + 0.2 * cov)
  s0 * sim_var(n, df, s0 = 1)
}
for (n in c(2, 4, 12, 300)) {
  set.seed(200 + n); cov <- runif(n, 0, 6)
  add_case(sprintf("trend_n%d", n), trend_var(n, 4, cov), 4, covariate = cov)
}
set.seed(210)  # 40 genes, 10 without variance, some beyond the covariate range: 30 usable
cov <- runif(40, 1, 5); v <- trend_var(40, 3, cov)
v[1:10] <- NA; cov[1:3] <- c(0, 0.5, 6.5)
add_case("trend_na_30", v, 3, covariate = cov)
set.seed(211)  # 29 usable -> spline df 3
cov <- runif(39, 1, 5); v <- trend_var(39, 3, cov); v[1:10] <- NA; cov[1:2] <- c(0.2, 7)
add_case("trend_na_29", v, 3, covariate = cov)
set.seed(212)  # 5 usable -> spline df 2
cov <- runif(8, 1, 5); v <- trend_var(8, 3, cov); v[1:3] <- NA
add_case("trend_na_5", v, 3, covariate = cov)
set.seed(213)  # only 3 distinct covariate values
cov <- sample(c(1, 2.5, 4), 100, replace = TRUE)
add_case("trend_ties", trend_var(100, 4, cov), 4, covariate = cov)
set.seed(214)  # a single covariate value: falls back to no trend
add_case("trend_one_value", trend_var(60, 4, rep(2, 60)), 4, covariate = rep(2, 60))
set.seed(215)
cov <- runif(200, 0, 6); cov[1:2] <- c(-Inf, Inf)
add_case("trend_inf_cov", trend_var(200, 4, pmin(pmax(cov, 0), 6)), 4, covariate = cov)
set.seed(216)
cov <- runif(400, 0, 6)
df <- sample(2:6, 400, replace = TRUE)
add_case("trend_unequal_df", trend_var(400, df, cov), df, covariate = cov)
set.seed(217)
cov <- runif(500, 0, 6)
add_case("trend_no_dispersion", exp(-3 + 0.3 * cov) * rchisq(500, 10) / 10, 4, covariate = cov)
set.seed(218)
cov <- runif(300, 0, 6); df <- rep(4, 300); v <- trend_var(300, df, cov)
df[1:4] <- 0; v[1:2] <- NA; v[5:6] <- NA; cov[5] <- 8
add_case("trend_zeros_na", v, df, covariate = cov)

# --- robust --------------------------------------------------------------------------------
with_outliers <- function(v, k, mult = 30) { v[seq_len(k)] <- v[seq_len(k)] * mult; v }
set.seed(301); add_case("robust", with_outliers(sim_var(1000, 5), 25), 5, robust = TRUE)
set.seed(302); add_case("robust_no_outliers", sim_var(1000, 5), 5, robust = TRUE)
set.seed(303)
df <- sample(c(2, 3, 4, 5), 1000, replace = TRUE, prob = c(0.1, 0.2, 0.3, 0.4))
add_case("robust_unequal_df", with_outliers(sim_var(1000, df), 25), df, robust = TRUE)
set.seed(304)
cov <- runif(1000, 0, 6)
add_case("robust_trend", with_outliers(trend_var(1000, 4, cov), 30), 4, covariate = cov,
         robust = TRUE)
set.seed(305)
cov <- runif(600, 0, 6); df <- sample(c(3, 4, 6), 600, replace = TRUE)
v <- with_outliers(trend_var(600, df, cov), 15)
v[31:35] <- NA; df[36:40] <- 0; cov[31] <- 7
add_case("robust_trend_na_unequal_df", v, df, covariate = cov, robust = TRUE)
set.seed(306)
df <- rep(4, 500); v <- with_outliers(sim_var(500, df), 10); v[11:14] <- NA; df[15:18] <- 0
add_case("robust_na", v, df, robust = TRUE)
set.seed(307)  # no dispersion but outliers: df2 = Inf branch with shrunken df for outliers
add_case("robust_no_dispersion", with_outliers(0.05 * rchisq(1000, 10) / 10, 8, 8), 4,
         robust = TRUE)
set.seed(308)  # tail proportions below 1/n: robust fit is the ordinary fit
add_case("robust_n8", sim_var(8, 4), 4, robust = TRUE)
set.seed(309)
add_case("robust_winsor", with_outliers(sim_var(700, 3), 20), 3, robust = TRUE,
         winsor.tail.p = c(0.1, 0.2))
# Deterministic, barely over-dispersed variances: the robust df2 lands at ~4e5, where
# R's qf() switches to its chi-square approximation (a discontinuity uniroot homes in on).
p_ <- ppoints(3000); set.seed(1); perm <- sample(3000)
add_case("robust_qf_switch", 0.05 * qchisq(p_, 4) / 4 * exp(0.014493 * qnorm(p_)[perm]), 4,
         robust = TRUE)

# --- medium-size parity case (committed; the 20,000-gene case is optional, see --big) -------
set.seed(401)
cov <- runif(2500, 2, 14)
df <- sample(c(6, 7, 8), 2500, replace = TRUE, prob = c(0.1, 0.2, 0.7))
v_med <- with_outliers(trend_var(2500, df, cov), 40)
add_case("medium_trend", v_med, df, covariate = cov)
add_case("medium_robust_trend", v_med, df, covariate = cov, robust = TRUE)

run_case <- function(name, cs, dir) {
  var <- cs$var; df <- cs$df; n <- length(var)
  sv <- squeezeVar(var, df, covariate = cs$covariate, robust = cs$robust,
                   winsor.tail.p = cs$winsor.tail.p)
  out <- data.frame(
    var = var, df = rep_len(df, n),
    covariate = if (is.null(cs$covariate)) rep(NA_real_, n) else cs$covariate,
    var_post = sv$var.post, var_prior = rep_len(sv$var.prior, n),
    df_prior = rep_len(sv$df.prior, n)
  )
  extra <- list(df2 = NA_real_, df2_outlier = NA_real_)
  if (cs$robust) {
    v0 <- var
    if (length(df) > 1) v0[df == 0] <- 0
    fit <- limma:::fitFDistRobustly(v0, df1 = df, covariate = cs$covariate,
                                    winsor.tail.p = cs$winsor.tail.p)
    out$tail_p_value <- if (is.null(fit$tail.p.value)) NA_real_ else fit$tail.p.value
    out$prob_outlier <- if (is.null(fit$prob.outlier)) NA_real_ else fit$prob.outlier
    extra$df2 <- fit$df2
    if (!is.null(fit$df2.outlier)) extra$df2_outlier <- fit$df2.outlier
  }
  write_tsv(out, file.path(dir, paste0(name, ".tsv")))
  data.frame(
    case = name, n = n, df_scalar = length(df) == 1,
    has_covariate = !is.null(cs$covariate), robust = cs$robust,
    winsor_lo = cs$winsor.tail.p[1], winsor_hi = cs$winsor.tail.p[2],
    var_prior_scalar = length(sv$var.prior) == 1, df_prior_scalar = length(sv$df.prior) == 1,
    df2 = extra$df2, df2_outlier = extra$df2_outlier,
    has_robust_extras = cs$robust && !is.null(fit$tail.p.value)
  )
}

manifest <- do.call(rbind, lapply(names(cases), function(nm) {
  suppressWarnings(run_case(nm, cases[[nm]], outdir))
}))
write_tsv(manifest, file.path(outdir, "cases.tsv"))

# --- splines::ns basis parity --------------------------------------------------------------
set.seed(501)
x <- c(round(rexp(60), 2), 0.5, 0.5, 0.5)  # ties in x
newx <- c(-1, 0, 0.3, 1.7, max(x), max(x) + 2)
ns_rows <- list()
for (dfv in 1:5) for (int in c(TRUE, FALSE)) {
  b <- suppressWarnings(ns(x, df = dfv, intercept = int))
  p <- predict(b, newx = newx)
  tag <- sprintf("ns_df%d_int%d", dfv, as.integer(int))
  bb <- as.data.frame(unclass(b)[, , drop = FALSE]); names(bb) <- paste0("b", seq_len(ncol(bb)))
  write_tsv(cbind(x = x, bb), file.path(outdir, paste0(tag, ".tsv")))
  pp <- as.data.frame(unclass(p)[, , drop = FALSE]); names(pp) <- paste0("b", seq_len(ncol(pp)))
  write_tsv(cbind(x = newx, pp), file.path(outdir, paste0(tag, "_predict.tsv")))
  ns_rows[[tag]] <- data.frame(tag = tag, df = dfv, intercept = int,
                               knots = paste(fmt(attr(b, "knots")), collapse = ","),
                               boundary = paste(fmt(attr(b, "Boundary.knots")), collapse = ","))
}
write_tsv(do.call(rbind, ns_rows), file.path(outdir, "ns_cases.tsv"))

# --- trigammaInverse ------------------------------------------------------------------------
tx <- c(1e-8, 1e-6, 2e-6, 1e-4, 0.01, 0.1, 0.5, 1, 2, 10, 100, 1e4, 1e7, 2e7, NA)
write_tsv(data.frame(x = tx, y = suppressWarnings(trigammaInverse(tx))),
          file.path(outdir, "trigamma_inverse.tsv"))

# --- lowess as limma::loessFit uses it (robust trend) ---------------------------------------
set.seed(601)
lx <- round(runif(1500, 0, 10), 1)  # many ties
ly <- sin(lx) + rnorm(1500, sd = 0.4); ly[1:10] <- ly[1:10] + 6
lf <- loessFit(ly, lx, span = 0.4)
write_tsv(data.frame(x = lx, y = ly, fitted = lf$fitted), file.path(outdir, "loessfit.tsv"))

# --- optional 20,000-gene case -------------------------------------------------------------
if (!is.null(big_dir)) {
  dir.create(big_dir, showWarnings = FALSE, recursive = TRUE)
  set.seed(901)
  n <- 20000
  cov <- runif(n, 2, 14)
  df <- sample(c(4, 5, 6), n, replace = TRUE, prob = c(0.1, 0.2, 0.7))
  v <- with_outliers(trend_var(n, df, cov), 200)
  big <- list(big_plain = list(var = v, df = df, covariate = NULL, robust = FALSE,
                               winsor.tail.p = c(0.05, 0.1)),
              big_trend = list(var = v, df = df, covariate = cov, robust = FALSE,
                               winsor.tail.p = c(0.05, 0.1)),
              big_robust_trend = list(var = v, df = df, covariate = cov, robust = TRUE,
                                      winsor.tail.p = c(0.05, 0.1)))
  timing <- list()
  m <- do.call(rbind, lapply(names(big), function(nm) {
    t0 <- proc.time()[["elapsed"]]
    r <- suppressWarnings(run_case(nm, big[[nm]], big_dir))
    timing[[nm]] <<- proc.time()[["elapsed"]] - t0
    r
  }))
  write_tsv(m, file.path(big_dir, "cases.tsv"))
  print(unlist(timing))
}

writeLines(c(R.version.string, paste("limma", packageVersion("limma")),
             paste("statmod", packageVersion("statmod"))),
           file.path(outdir, "VERSIONS.txt"))
