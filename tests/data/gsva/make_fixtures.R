#!/usr/bin/env Rscript
# Reference GSVA scores for one scenario folder written by make_inputs.py.
#
#   Rscript tests/data/gsva/make_fixtures.R tests/data/gsva/<scenario>
#
#   Rscript tests/data/gsva/make_fixtures.R tests/data/gsva/<scenario> --density
#   Rscript tests/data/gsva/make_fixtures.R --pnorm-table tests/data/gsva/pnorm_table.txt
#
# Reads expression.tsv (genes x samples) and genesets.gmt from the folder and writes, for
# each call below, r_<name>.tsv (gene sets x samples, "%.17g") beside them, plus
# r_calls.tsv (the exact calls, seconds, warnings) and versions.txt; with --density also
# r_gaussian_density.tsv (GSVA's kernel densities, hex). --pnorm-table writes the normal
# CDF table of GSVA's C code.
#
# GSVA 1.46 signature (gsva, matrix x list method):
#   gsva(expr, gset.idx.list, annotation, method=c("gsva","ssgsea","zscore","plage"),
#        kcdf=c("Gaussian","Poisson","none"), abs.ranking=FALSE, min.sz=1, max.sz=Inf,
#        parallel.sz=1L, mx.diff=TRUE, tau=switch(method, gsva=1, ssgsea=0.25, NA),
#        ssgsea.norm=TRUE, verbose=TRUE, BPPARAM=SerialParam(progressbar=verbose))
# min.sz = 1 is given explicitly (it is also the default): the sets are restricted to the
# measured genes beforehand, by make_inputs.py.

suppressPackageStartupMessages(library(GSVA))

usage <- paste("usage: make_fixtures.R <scenario-dir> [--density]",
               "| make_fixtures.R --pnorm-table <file>")
args <- commandArgs(trailingOnly = TRUE)
if (length(args) == 2L && args[1] == "--pnorm-table") {
  # GSVA's C code (src/kernel_estimation.c, initCdfs) tabulates the normal CDF as
  # pnorm5(MAX_PRECOMPUTE * i / PRECOMPUTE_RESOLUTION) for i = 0..10000; R's pnorm gives
  # the same doubles. Written in C99 hex notation (exact).
  x <- pnorm(10 * (0:10000) / 10000)
  writeLines(sprintf("%a", x), args[2])
  quit(save = "no")
}
if (!(length(args) == 1L || (length(args) == 2L && args[2] == "--density"))) stop(usage)
dir <- normalizePath(args[1], mustWork = TRUE)
want_density <- length(args) == 2L

# ---------------------------------------------------------------- inputs
tab <- read.delim(file.path(dir, "expression.tsv"), check.names = FALSE,
                  stringsAsFactors = FALSE, colClasses = c("character"))
expr <- as.matrix(data.frame(lapply(tab[, -1, drop = FALSE], as.numeric),
                             check.names = FALSE))
rownames(expr) <- tab[[1]]
colnames(expr) <- colnames(tab)[-1]
storage.mode(expr) <- "double"
if (anyNA(expr)) stop("expression.tsv must not contain missing values")

gmt_lines <- readLines(file.path(dir, "genesets.gmt"), warn = FALSE)
gmt_lines <- gmt_lines[nzchar(gmt_lines)]
gsets <- lapply(strsplit(gmt_lines, "\t", fixed = TRUE), function(f) f[-(1:2)])
names(gsets) <- vapply(strsplit(gmt_lines, "\t", fixed = TRUE), `[`, "", 1)

# ---------------------------------------------------------------- calls
calls <- list(
  gsva_gaussian = quote(gsva(expr, gsets, method = "gsva", kcdf = "Gaussian",
                             mx.diff = TRUE, min.sz = 1, verbose = FALSE)),
  gsva_none     = quote(gsva(expr, gsets, method = "gsva", kcdf = "none",
                             mx.diff = TRUE, min.sz = 1, verbose = FALSE)),
  ssgsea        = quote(gsva(expr, gsets, method = "ssgsea", min.sz = 1,
                             verbose = FALSE)),
  zscore        = quote(gsva(expr, gsets, method = "zscore", min.sz = 1,
                             verbose = FALSE)),
  plage         = quote(gsva(expr, gsets, method = "plage", min.sz = 1,
                             verbose = FALSE))
)

write_scores <- function(m, path) {
  out <- data.frame(gene_set = rownames(m), check.names = FALSE,
                    stringsAsFactors = FALSE)
  for (j in seq_len(ncol(m))) out[[colnames(m)[j]]] <- sprintf("%.17g", m[, j])
  write.table(out, path, sep = "\t", quote = FALSE, row.names = FALSE, na = "NA")
}

log <- data.frame(name = character(0), call = character(0), seconds = numeric(0),
                  n_sets = integer(0), warnings = character(0),
                  stringsAsFactors = FALSE)
results <- list()
for (nm in names(calls)) {
  warns <- character(0)
  t0 <- proc.time()[["elapsed"]]
  res <- withCallingHandlers(
    suppressMessages(capture.output(val <- eval(calls[[nm]]), type = "output")),
    warning = function(w) {
      warns <<- c(warns, conditionMessage(w))
      invokeRestart("muffleWarning")
    })
  secs <- proc.time()[["elapsed"]] - t0
  m <- as.matrix(val)
  results[[nm]] <- m
  write_scores(m, file.path(dir, paste0("r_", nm, ".tsv")))
  log[nrow(log) + 1L, ] <- list(nm, paste(deparse(calls[[nm]], width.cutoff = 500L),
                                         collapse = " "),
                                round(secs, 3), nrow(m),
                                paste(gsub("[\t\n]", " ", warns), collapse = " | "))
}

# The documented default call must give the Gaussian-kernel result exactly.
default <- suppressWarnings(gsva(expr, gsets, verbose = FALSE))
if (!identical(as.matrix(default), results[["gsva_gaussian"]]))
  stop("gsva(expr, gsets) differs from gsva(..., kcdf='Gaussian')")

# Optionally GSVA's per-gene kernel densities (the step before ranking), exactly as
# gsva() computes them: constant genes removed first (GSVA:::.filterFeatures), then
# GSVA:::compute.gene.density(expr, 1:n, rnaseq = FALSE, kernel = TRUE). C99 hex, exact.
if (want_density) {
  kept <- suppressWarnings(GSVA:::.filterFeatures(expr, "gsva"))
  dens <- GSVA:::compute.gene.density(kept, seq_len(ncol(kept)), FALSE, TRUE)
  out <- data.frame(gene = rownames(kept), check.names = FALSE, stringsAsFactors = FALSE)
  for (j in seq_len(ncol(dens))) out[[colnames(kept)[j]]] <- sprintf("%a", dens[, j])
  write.table(out, file.path(dir, "r_gaussian_density.tsv"), sep = "\t", quote = FALSE,
              row.names = FALSE)
}

write.table(log, file.path(dir, "r_calls.tsv"), sep = "\t", quote = FALSE,
            row.names = FALSE)

writeLines(c(
  R.version.string,
  paste0("GSVA ", as.character(packageVersion("GSVA"))),
  paste0("Debian package: ", tryCatch(system2("dpkg-query", c("-W", "-f='${Version}'",
    "r-bioc-gsva"), stdout = TRUE, stderr = FALSE), error = function(e) "unknown")),
  paste0("sparseMatrixStats ", as.character(packageVersion("sparseMatrixStats"))),
  paste0("input: ", nrow(expr), " genes x ", ncol(expr), " samples, ",
         length(gsets), " gene sets")
), file.path(dir, "versions.txt"))
cat(sprintf("%s: %s\n", basename(dir),
            paste(sprintf("%s %.2fs", log$name, log$seconds), collapse = ", ")))
