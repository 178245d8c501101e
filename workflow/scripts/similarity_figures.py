"""Snakemake entry point for rule similarity_figures."""

import pandas as pd

from proteosig.plotting import similarity as plots
from proteosig.runner import run_step


def main(snakemake):
    figures = {
        p.rsplit("/", 1)[-1].split(".")[0]: p for p in snakemake.output if p.endswith(".png")
    }
    params = snakemake.params
    tables = {
        name: pd.read_csv(path, sep="\t", dtype={"assay_id": str})
        for name, path in zip(params.signatures, snakemake.input.tables, strict=True)
    }
    plots.similarity_heatmap(
        pd.read_csv(snakemake.input.similarity, sep="\t"), figures["similarity_heatmap"]
    )
    plots.logfc_scatter(tables, figures["logfc_scatter"])
    plots.dep_upset(tables, figures["dep_upset"])
    plots.patient_scores(
        pd.read_csv(snakemake.input.scores, sep="\t", dtype={"sample_id": str}),
        pd.read_csv(snakemake.input.fractions, sep="\t"),
        figures["patient_scores"],
        control_group=params.control_group,
        groups=params.groups,
    )


run_step(snakemake, main)  # noqa: F821
