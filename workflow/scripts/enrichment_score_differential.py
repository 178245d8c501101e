"""Snakemake entry point for rule enrichment_score_differential."""

import pandas as pd

from proteosig.differential.run import CallSettings, contrast_table, fit_model_from_params
from proteosig.enrichment.run import load_sets, score_annotation
from proteosig.io.tables import write_tsv
from proteosig.runner import log, run_step

COLUMNS = ["set", "set_name", "collection", "delta_score", "CI.L", "CI.R", "AveExpr",
           "t", "P.Value", "adj.P.Val", "B", "significant", "direction"]  # fmt: skip


def main(snakemake):
    scores = pd.read_csv(snakemake.input.scores, sep="\t", index_col=0)
    scores.index = scores.index.astype(str)
    if scores.shape[1] == 0:
        log.warning("no gene set of the score collections has enough measured members")
        for path in snakemake.output:
            write_tsv(pd.DataFrame(columns=COLUMNS), path)
        return
    samples = pd.read_csv(snakemake.input.samples, sep="\t", dtype={"sample_id": str})
    moderated = fit_model_from_params(scores, samples, snakemake.params)
    annotation = score_annotation(scores, load_sets(snakemake.input.sets))
    # A score difference is not a log2 fold change: significance is the FDR alone.
    settings = CallSettings(fc_threshold=1.0, **snakemake.params.calls)
    for contrast, path in zip(snakemake.params.contrasts, snakemake.output, strict=True):
        table = contrast_table(moderated, contrast, annotation, settings=settings)
        table = table.rename(
            columns={
                "assay_id": "set",
                "gene_symbol": "set_name",
                "panel": "collection",
                "logFC": "delta_score",
            }
        ).drop(columns=["uniprot", "fold_change"])
        write_tsv(table[COLUMNS], path)


run_step(snakemake, main)  # noqa: F821
