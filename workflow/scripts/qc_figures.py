"""Snakemake entry point for rule qc_figures."""

import json

import pandas as pd

from proteosig.io.tables import read_parquet
from proteosig.plotting import qc as plots
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
    )
    plots.iqr_median(
        pd.read_csv(snakemake.input.sample_panel_qc, sep="\t", dtype={"sample_id": str}),
        figures["iqr_median"],
    )
    long = read_parquet(snakemake.input.long, columns=["sample_id", "plate", "npx"])
    plots.npx_by_plate(long, figures["npx_by_plate"])
    assay_qc = pd.read_csv(snakemake.input.assay_qc, sep="\t")
    plots.below_lod(assay_qc, figures["below_lod"], max_fraction=settings["max_below_lod"])
    plots.plate_effects(assay_qc, figures["plate_effects"])


run_step(snakemake, main)  # noqa: F821
