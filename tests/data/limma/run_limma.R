#!/usr/bin/env Rscript
# Reference limma outputs for one scenario folder written by make_inputs.py.
#
#   Rscript tests/data/limma/run_limma.R tests/data/limma/<scenario>
#
# Reads expression.tsv, samples.tsv and spec.json from the folder and writes limma's
# results beside them (see README.md in this folder for every file and the exact calls).
# Needs R with limma and statmod (statmod is used by eBayes(robust=TRUE)); nothing else,
# so spec.json is read with the small JSON reader below instead of jsonlite.

suppressPackageStartupMessages(library(limma))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1L) stop("usage: run_limma.R <scenario-dir>")
dir <- normalizePath(args[1], mustWork = TRUE)

# ---------------------------------------------------------------- minimal JSON reader
# Enough for spec.json: objects, arrays, strings (with the usual escapes), numbers,
# true/false/null. Objects become named lists, arrays lists.
read_json <- function(path) {
  txt <- paste(readLines(path, warn = FALSE, encoding = "UTF-8"), collapse = "\n")
  chars <- strsplit(txt, "")[[1]]
  pos <- 1L
  n <- length(chars)
  peek <- function() { skip_ws(); if (pos > n) stop("unexpected end of JSON"); chars[pos] }
  skip_ws <- function() {
    while (pos <= n && chars[pos] %in% c(" ", "\n", "\t", "\r")) pos <<- pos + 1L
  }
  expect <- function(ch) {
    if (peek() != ch) stop(sprintf("JSON: expected '%s' at %d", ch, pos))
    pos <<- pos + 1L
  }
  parse_string <- function() {
    expect("\"")
    out <- character(0)
    repeat {
      ch <- chars[pos]; pos <<- pos + 1L
      if (ch == "\"") break
      if (ch == "\\") {
        e <- chars[pos]; pos <<- pos + 1L
        ch <- switch(e, "\"" = "\"", "\\" = "\\", "/" = "/", b = "\b", f = "\f",
                     n = "\n", r = "\r", t = "\t",
                     u = { h <- paste(chars[pos:(pos + 3L)], collapse = "")
                           pos <<- pos + 4L; intToUtf8(strtoi(h, 16L)) },
                     stop("JSON: bad escape"))
      }
      out <- c(out, ch)
    }
    paste(out, collapse = "")
  }
  parse_value <- function() {
    ch <- peek()
    if (ch == "{") {
      pos <<- pos + 1L
      res <- list()
      if (peek() == "}") { pos <<- pos + 1L; return(res) }
      repeat {
        key <- parse_string()
        expect(":")
        val <- parse_value()
        res[key] <- list(val)
        if (peek() == ",") { pos <<- pos + 1L; next }
        expect("}")
        break
      }
      return(res)
    }
    if (ch == "[") {
      pos <<- pos + 1L
      res <- list()
      if (peek() == "]") { pos <<- pos + 1L; return(res) }
      repeat {
        res[[length(res) + 1L]] <- list(parse_value())[[1]]
        if (peek() == ",") { pos <<- pos + 1L; next }
        expect("]")
        break
      }
      return(res)
    }
    if (ch == "\"") return(parse_string())
    rest <- paste(chars[pos:min(n, pos + 4L)], collapse = "")
    if (startsWith(rest, "true")) { pos <<- pos + 4L; return(TRUE) }
    if (startsWith(rest, "false")) { pos <<- pos + 5L; return(FALSE) }
    if (startsWith(rest, "null")) { pos <<- pos + 4L; return(NULL) }
    start <- pos
    while (pos <= n && chars[pos] %in% c(0:9, "-", "+", ".", "e", "E")) pos <<- pos + 1L
    as.numeric(paste(chars[start:(pos - 1L)], collapse = ""))
  }
  parse_value()
}

# ---------------------------------------------------------------- writers
# Full precision: every double as %.17g (reads back to the identical double);
# NA/NaN as "NA", infinities as "Inf"/"-Inf".
fmt <- function(x) {
  if (is.logical(x) && all(is.na(x))) return(rep("NA", length(x)))
  if (!is.numeric(x)) return(as.character(x))
  s <- sprintf("%.17g", as.double(x))
  s[is.na(x)] <- "NA"
  s
}

write_tsv <- function(df, path) {
  out <- as.data.frame(lapply(df, fmt), stringsAsFactors = FALSE, check.names = FALSE)
  write.table(out, path, sep = "\t", quote = FALSE, row.names = FALSE, na = "NA")
}

matrix_tsv <- function(m, path, idname = "protein") {
  df <- data.frame(id = rownames(m), stringsAsFactors = FALSE)
  names(df) <- idname
  df <- cbind(df, as.data.frame(unclass(m), check.names = FALSE, stringsAsFactors = FALSE))
  write_tsv(df, path)
}

json_num <- function(x) {
  if (is.null(x) || length(x) != 1L || is.na(x)) return("null")
  if (is.infinite(x)) return(if (x > 0) "\"Inf\"" else "\"-Inf\"")
  sprintf("%.17g", x)
}

# ---------------------------------------------------------------- inputs
spec <- read_json(file.path(dir, "spec.json"))
expr_df <- read.delim(file.path(dir, "expression.tsv"), check.names = FALSE,
                      colClasses = "character", na.strings = character(0))
expr <- as.matrix(expr_df[, -1, drop = FALSE])
expr[expr == "NA"] <- NA
expr <- matrix(as.numeric(expr), nrow(expr), ncol(expr),
               dimnames = list(expr_df[[1]], colnames(expr_df)[-1]))
samples <- read.delim(file.path(dir, "samples.tsv"), check.names = FALSE,
                      colClasses = "character", na.strings = character(0))
if (!identical(samples$sample_id, colnames(expr)))
  stop("sample order of samples.tsv and expression.tsv differ")
rownames(samples) <- samples$sample_id

for (v in names(spec$factors)) {
  lev <- unlist(spec$factors[[v]])
  if (!all(samples[[v]] %in% lev)) stop("values of ", v, " outside its levels")
  samples[[v]] <- factor(samples[[v]], levels = lev)
}
for (v in unlist(spec$numeric)) samples[[v]] <- as.numeric(samples[[v]])

# ---------------------------------------------------------------- design
# model.matrix with the factor levels of spec.json (default treatment contrasts for
# every factor that is not the first term). Column names: columns of the group variable
# are named by their level alone ("AD", not "groupAD"); "(Intercept)" becomes
# "Intercept"; every other name goes through make.names() (e.g. "Age(60,80]" ->
# "Age.60.80."), so that makeContrasts() accepts them.
options(contrasts = c("contr.treatment", "contr.poly"))
design <- model.matrix(as.formula(spec$formula), data = samples)
cn <- colnames(design)
g <- spec$group_variable
glev <- levels(samples[[g]])
is_g <- cn %in% paste0(g, glev)
cn[is_g] <- sub(paste0("^", g), "", cn[is_g])
cn[cn == "(Intercept)"] <- "Intercept"
cn[!is_g] <- make.names(cn[!is_g])
if (anyDuplicated(cn)) stop("duplicated design column names: ", paste(cn, collapse = ","))
colnames(design) <- cn
design_attr <- list(assign = attr(design, "assign"))
design <- unclass(design)
attr(design, "assign") <- NULL
attr(design, "contrasts") <- NULL
matrix_tsv(design, file.path(dir, "design.tsv"), idname = "sample_id")

cnames <- vapply(spec$contrasts, function(z) z$name, "")
cexprs <- vapply(spec$contrasts, function(z) z$expression, "")
cmat <- makeContrasts(contrasts = cexprs, levels = design)
colnames(cmat) <- cnames
names(dimnames(cmat)) <- NULL
matrix_tsv(cmat, file.path(dir, "contrasts.tsv"), idname = "coefficient")

# ---------------------------------------------------------------- fits
log_lines <- character(0)
note <- function(kind, step, msg) {
  log_lines <<- c(log_lines, sprintf("%s\t%s\t%s", step, kind, gsub("[\r\n]+", " ", msg)))
}
run <- function(step, expr_) {
  withCallingHandlers(
    {
      out <- utils::capture.output(val <- expr_, type = "output")
      for (l in out[nzchar(out)]) note("output", step, l)
      val
    },
    warning = function(w) { note("warning", step, conditionMessage(w)); invokeRestart("muffleWarning") },
    message = function(m) { note("message", step, conditionMessage(m)); invokeRestart("muffleMessage") }
  )
}

fit <- run("lmFit", lmFit(expr, design))
fit2 <- run("contrasts.fit", contrasts.fit(fit, cmat))

# lmFit level
matrix_tsv(fit$coefficients, file.path(dir, "coefficients.tsv"))
matrix_tsv(fit$stdev.unscaled, file.path(dir, "lmfit_stdev_unscaled.tsv"))
write_tsv(data.frame(protein = rownames(expr), sigma = fit$sigma,
                     df.residual = fit$df.residual, Amean = fit$Amean,
                     check.names = FALSE),
          file.path(dir, "lmfit.tsv"))
matrix_tsv(fit$cov.coefficients, file.path(dir, "cov_coefficients.tsv"), idname = "coefficient")
# contrast level (fit2)
matrix_tsv(fit2$coefficients, file.path(dir, "contrast_coefficients.tsv"))
matrix_tsv(fit2$stdev.unscaled, file.path(dir, "stdev_unscaled.tsv"))
matrix_tsv(fit2$cov.coefficients, file.path(dir, "contrast_cov_coefficients.tsv"),
           idname = "contrast")

ngenes <- nrow(expr)
recycle <- function(x) rep_len(as.numeric(x), ngenes)
per_gene <- function(x) if (length(x) == 1L) json_num(x) else "null"

write_moderation <- function(name, efit, is_treat, settings) {
  od <- file.path(dir, name)
  dir.create(od, showWarnings = FALSE)
  for (cname in cnames) {
    tab <- if (is_treat) {
      run(name, topTreat(efit, coef = cname, number = Inf, sort.by = "none", confint = TRUE))
    } else {
      run(name, topTable(efit, coef = cname, number = Inf, sort.by = "none", confint = TRUE))
    }
    if (!identical(rownames(tab), rownames(expr))) stop("topTable reordered rows")
    tab <- cbind(data.frame(protein = rownames(tab), stringsAsFactors = FALSE), tab)
    write_tsv(tab, file.path(od, paste0(cname, ".tsv")))
  }
  ft <- data.frame(protein = rownames(expr), sigma = efit$sigma,
                   df.residual = efit$df.residual, Amean = efit$Amean,
                   s2.prior = recycle(efit$s2.prior), df.prior = recycle(efit$df.prior),
                   s2.post = efit$s2.post, df.total = efit$df.total,
                   check.names = FALSE)
  if (!is.null(efit$F)) {
    ft$F <- efit$F
    ft$F.p.value <- efit$F.p.value
  }
  write_tsv(ft, file.path(od, "fit.tsv"))
  vp <- if (is.null(efit$var.prior)) {
    "null"
  } else {
    paste0("{", paste(sprintf("\"%s\": %s", cnames, vapply(efit$var.prior, json_num, "")),
                      collapse = ", "), "}")
  }
  lines <- c(
    "{",
    sprintf("  \"moderation\": \"%s\",", name),
    sprintf("  \"call\": \"%s\",", settings$call),
    sprintf("  \"s2.prior\": %s,", per_gene(efit$s2.prior)),
    sprintf("  \"s2.prior.per.protein\": %s,", tolower(length(efit$s2.prior) > 1L)),
    sprintf("  \"df.prior\": %s,", per_gene(efit$df.prior)),
    sprintf("  \"df.prior.per.protein\": %s,", tolower(length(efit$df.prior) > 1L)),
    sprintf("  \"var.prior\": %s,", vp),
    sprintf("  \"proportion\": %s,", json_num(if (is.null(efit$proportion)) NA else efit$proportion)),
    sprintf("  \"df.pooled\": %s,", json_num(sum(efit$df.residual, na.rm = TRUE))),
    sprintf("  \"treat.lfc\": %s", json_num(if (is.null(efit$treat.lfc)) NA else efit$treat.lfc)),
    "}"
  )
  writeLines(lines, file.path(od, "hyper.json"))
}

moderations <- list(
  default      = list(trend = FALSE, robust = FALSE, call = "eBayes(fit2)"),
  trend        = list(trend = TRUE,  robust = FALSE, call = "eBayes(fit2, trend=TRUE)"),
  robust       = list(trend = FALSE, robust = TRUE,  call = "eBayes(fit2, robust=TRUE)"),
  trend_robust = list(trend = TRUE,  robust = TRUE,  call = "eBayes(fit2, trend=TRUE, robust=TRUE)")
)
for (m in names(moderations)) {
  s <- moderations[[m]]
  efit <- run(m, eBayes(fit2, trend = s$trend, robust = s$robust))
  write_moderation(m, efit, FALSE, s)
}
# limma 3.54's treat() stops ("NAs are not allowed in subscripted assignments") when a
# contrast coefficient is NA, because it indexes fit$t with the NA-containing logical
# (coefficients > lfc). Its variance moderation uses only sigma and df.residual, and
# every other quantity is element-wise, so we hand it the NA coefficients as 0 and put
# NA back afterwards (their stdev.unscaled is NA, so their p-values are NA anyway). For
# scenarios without NA coefficients this is exactly treat(fit2, lfc=log2(1.5)).
treat_call <- "treat(fit2, lfc=log2(1.5))"
na_coef <- is.na(fit2$coefficients)
if (any(na_coef)) {
  tin <- fit2
  tin$coefficients[na_coef] <- 0
  tfit <- run("treat", treat(tin, lfc = log2(1.5)))
  tfit$coefficients[na_coef] <- NA
  tfit$t[na_coef] <- NA
  if (!all(is.na(tfit$p.value[na_coef]))) stop("treat workaround: p-value not NA")
  treat_call <- paste(treat_call, "with NA coefficients passed as 0 and reset to NA",
                      "(limma 3.54 treat() cannot take NA coefficients)")
  note("note", "treat", sprintf("%d NA contrast coefficients: workaround used", sum(na_coef)))
} else {
  tfit <- run("treat", treat(fit2, lfc = log2(1.5)))
}
write_moderation("treat", tfit, TRUE, list(call = treat_call))

writeLines(c(sprintf("step\tkind\tmessage"), log_lines), file.path(dir, "r_messages.tsv"))
writeLines(c(
  sprintf("R\t%s", R.version.string),
  sprintf("limma\t%s", as.character(packageVersion("limma"))),
  sprintf("statmod\t%s", as.character(packageVersion("statmod"))),
  sprintf("date\t%s", format(Sys.Date()))
), file.path(dir, "versions.txt"))
cat(sprintf("%s: %d proteins x %d samples, %d coefficients, %d contrasts, %d R messages\n",
            basename(dir), nrow(expr), ncol(expr), ncol(design), length(cnames),
            length(log_lines)))
