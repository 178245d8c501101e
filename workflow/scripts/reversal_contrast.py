"""Snakemake entry point for rules reversal_contrast and reversal_subgroup."""

import pandas as pd

from proteosig.io.matrix import read_matrix
from proteosig.io.tables import write_tsv
from proteosig.reversal.library import signatures_from_long
from proteosig.reversal.run import ReversalSettings, contrast_groups, score_contrast
from proteosig.runner import log, run_step


def load_weights(weights_path, drugs_path, assays):
    drugs = pd.read_csv(drugs_path, sep="\t", keep_default_na=False)
    long = pd.read_csv(weights_path, sep="\t", dtype={"assay_id": str})
    return signatures_from_long(long, drugs["drug"].tolist(), assays), drugs


def main(snakemake):
    params = snakemake.params
    table = pd.read_csv(snakemake.input.table, sep="\t", dtype={"assay_id": str})
    if "contrast" in table.columns:  # a subgroup table: its carriers-vs-control contrast
        wanted = [c for c in table["contrast"].unique() if "_carrier_vs_" in c]
        table = table[table["contrast"] == wanted[0]] if wanted else table.iloc[0:0]
    weights, drugs = load_weights(snakemake.input.weights, snakemake.input.drugs,
                                  table["assay_id"].astype(str).tolist())  # fmt: skip
    scoring = params.scoring
    settings = ReversalSettings(
        rank_by=scoring["rank_by"],
        gene_permutations=scoring["gene_permutations"],
        label_permutations=scoring["label_permutations"],
        bootstrap=scoring["bootstrap"],
        top=scoring["top"],
        fdr_threshold=params.fdr_threshold,
    )
    if table.empty:
        log.warning("no signature to score (empty differential table)")
        write_tsv(pd.DataFrame(columns=["drug", "rank", "reversal_score"]), snakemake.output[0])
        return
    extra = {}
    if "matrix" in snakemake.input.keys():
        groups = contrast_groups(params.expression, list(params.groups))
        if groups is None:
            log.info("contrast %s is not one group against another: protein-label null only",
                     params.expression)  # fmt: skip
        else:
            extra = dict(
                matrix=read_matrix(snakemake.input.matrix),
                samples=pd.read_csv(snakemake.input.samples, sep="\t", dtype={"sample_id": str}),
                groups=groups,
                group_levels=list(params.groups),
                covariates=list(params.covariates),
                factors=list(params.factors),
                formula=params.formula,
            )
    result = score_contrast(
        table, weights, drugs, settings=settings, seed=params.seed,
        progress=lambda step: log.info(step), **extra,
    )  # fmt: skip
    top = result.iloc[0]
    log.info("top drug: %s (reversal %.3f)", top["drug"], top["reversal_score"])
    write_tsv(result, snakemake.output[0])


run_step(snakemake, main)  # noqa: F821
