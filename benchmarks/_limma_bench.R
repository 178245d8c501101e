#!/usr/bin/env Rscript
# Helper of benchmarks/differential_vs_limma.py: times R's limma on one data set.
#
#   Rscript benchmarks/_limma_bench.R idle
#       load limma and exit (the baseline whose max RSS is subtracted from a run's)
#   Rscript benchmarks/_limma_bench.R run <dir> <n_proteins> <n_samples> <repeats>
#
# <dir> holds what the Python script wrote:
#   expr.f64           n_proteins x n_samples doubles, column-major (R's own layout), NaN = NA
#   design.f64         n_samples x n_coef doubles, column-major
#   design_names.txt   one coefficient name a line
#   contrasts.txt      "name<TAB>expression" a line, e.g. "B_vs_A<TAB>B-A"
#   protein_ids.txt, sample_ids.txt
# and gets back:
#   r_result.txt       "elapsed<TAB>s1,s2,..." (system.time elapsed of each repeat),
#                      "cpu<TAB>..." (user.self + sys.self of each repeat) and
#                      "gc_max_mb<TAB>x" (sum of gc()'s "max used" Mb after gc(reset=TRUE)
#                      taken once the input is in memory, so x includes the input matrix)
#   r_top.f64          t then P.Value of topTable(first contrast, sort.by = "none")
#
# Reading the input, building the contrast matrix and writing results are outside the
# timed block; the timed block is lmFit -> contrasts.fit -> eBayes -> topTable for every
# contrast (number = Inf, sort.by = "none", confint = TRUE, the columns our top_table has).

suppressPackageStartupMessages(library(limma))

args <- commandArgs(trailingOnly = TRUE)
mode <- if (length(args)) args[1] else ""
if (mode == "idle") {
  invisible(gc())
  quit(save = "no")
}
if (mode != "run" || length(args) != 5L) {
  stop("usage: _limma_bench.R idle | run <dir> <n_proteins> <n_samples> <repeats>")
}
dir <- args[2]
n_proteins <- as.integer(args[3])
n_samples <- as.integer(args[4])
repeats <- as.integer(args[5])

read_f64 <- function(path, n) {
  con <- file(path, "rb")
  on.exit(close(con))
  x <- readBin(con, "double", n = n, size = 8L, endian = "little")
  if (length(x) != n) stop(path, ": expected ", n, " doubles, read ", length(x))
  x
}

coef_names <- readLines(file.path(dir, "design_names.txt"))
protein_ids <- readLines(file.path(dir, "protein_ids.txt"))
sample_ids <- readLines(file.path(dir, "sample_ids.txt"))
stopifnot(length(protein_ids) == n_proteins, length(sample_ids) == n_samples)

# dim<- and dimnames<- on a fresh vector do not copy it: the input is held once.
y <- read_f64(file.path(dir, "expr.f64"), as.double(n_proteins) * n_samples)
dim(y) <- c(n_proteins, n_samples)
dimnames(y) <- list(protein_ids, sample_ids)

design <- read_f64(file.path(dir, "design.f64"), as.double(n_samples) * length(coef_names))
dim(design) <- c(n_samples, length(coef_names))
dimnames(design) <- list(sample_ids, coef_names)

contrast_lines <- strsplit(readLines(file.path(dir, "contrasts.txt")), "\t", fixed = TRUE)
contrast_names <- vapply(contrast_lines, `[`, "", 1L)
cm <- makeContrasts(contrasts = vapply(contrast_lines, `[`, "", 2L), levels = coef_names)
colnames(cm) <- contrast_names

run_once <- function() {
  fit <- lmFit(y, design)
  fit2 <- contrasts.fit(fit, cm)
  efit <- eBayes(fit2)
  lapply(setNames(contrast_names, contrast_names), function(k) {
    topTable(efit, coef = k, number = Inf, sort.by = "none", confint = TRUE)
  })
}

invisible(gc(reset = TRUE))
elapsed <- cpu <- numeric(repeats)
tables <- NULL
for (i in seq_len(repeats)) {
  tables <- NULL
  st <- system.time(tables <- run_once())
  elapsed[i] <- st[["elapsed"]]
  cpu[i] <- st[["user.self"]] + st[["sys.self"]]
}
g <- gc()
max_col <- which(colnames(g) == "max used") + 1L  # the "(Mb)" column after "max used"
gc_max_mb <- sum(g[, max_col])

first <- tables[[1]]
if (!identical(rownames(first), protein_ids)) stop("topTable reordered the proteins")
con <- file(file.path(dir, "r_top.f64"), "wb")
writeBin(c(as.double(first$t), as.double(first$P.Value)), con, size = 8L, endian = "little")
close(con)
writeLines(c(
  sprintf("elapsed\t%s", paste(sprintf("%.3f", elapsed), collapse = ",")),
  sprintf("cpu\t%s", paste(sprintf("%.3f", cpu), collapse = ",")),
  sprintf("gc_max_mb\t%.1f", gc_max_mb)
), file.path(dir, "r_result.txt"))
