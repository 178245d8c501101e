"""Snakemake entry point for rule qc: unpack, call proteosig.qc.run_qc, write."""

import pandas as pd

from proteosig.io.tables import write_json, write_parquet, write_tsv
from proteosig.qc import QCSettings, run_qc
from proteosig.runner import log, run_step


def main(snakemake):
    samples = pd.read_csv(snakemake.input.samples, sep="\t", dtype={"sample_id": str})
    # the path, not a frame: QC reads the long table one column at a time
    result = run_qc(snakemake.input.long, samples, QCSettings(**snakemake.params.qc))
    log.info(
        "kept %d of %d samples and %d of %d assays",
        result.summary["samples_kept"],
        result.summary["samples_in"],
        result.summary["assays_kept"],
        result.summary["assays_in"],
    )
    for warning in result.summary["warnings"]:
        log.warning("%s", warning)
    write_parquet(result.matrix.reset_index(), snakemake.output.matrix)
    write_tsv(result.samples, snakemake.output.samples)
    write_tsv(result.assays, snakemake.output.assays)
    write_tsv(result.sample_qc, snakemake.output.sample_qc)
    write_tsv(result.sample_panel_qc, snakemake.output.sample_panel_qc)
    write_tsv(result.assay_qc, snakemake.output.assay_qc)
    scores = result.pca_scores.reset_index().merge(
        result.samples[["sample_id", "group", "plate"]], on="sample_id"
    )
    write_tsv(scores, snakemake.output.pca)
    write_tsv(result.plate_adjustments, snakemake.output.plate_adjustments)
    summary = dict(result.summary)
    summary["pca_explained_variance"] = [round(float(v), 6) for v in result.pca_explained]
    write_json(summary, snakemake.output.summary)


run_step(snakemake, main)  # noqa: F821
