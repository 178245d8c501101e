"""Snakemake entry point for rule qc_figures."""

import json

import pandas as pd

from proteosig.plotting import qc as plots
from proteosig.qc.matrix import sample_npx
from proteosig.runner import run_step


def main(snakemake):
    figures = {
        p.rsplit("/", 1)[-1].split(".")[0]: p for p in snakemake.output if p.endswith(".png")
    }
    summary = json.load(open(snakemake.input.summary))
    settings = summary["settings"]
    scores = pd.read_csv(snakemake.input.pca, sep="\t", dtype={"sample_id": str, "plate": str})
    plots.pca(
        scores,
        summary["pca_explained_variance"],
        figures["pca"],
        control_group=snakemake.params.control_group,
        groups=snakemake.params.groups,
        seed=snakemake.params.seed,
    )
    plots.iqr_median(
        pd.read_csv(snakemake.input.sample_panel_qc, sep="\t", dtype={"sample_id": str}),
        figures["iqr_median"],
        seed=snakemake.params.seed,
    )
    # only the values of the samples the figure shows are read
    long = sample_npx(snakemake.input.long, max_samples=plots.NPX_SAMPLES)
    plots.npx_by_plate(long, figures["npx_by_plate"], max_samples=plots.NPX_SAMPLES)
    assay_qc = pd.read_csv(snakemake.input.assay_qc, sep="\t")
    plots.below_lod(assay_qc, figures["below_lod"], max_fraction=settings["max_below_lod"])
    plots.plate_effects(assay_qc, figures["plate_effects"])


run_step(snakemake, main)  # noqa: F821
