"""Snakemake entry point for rule bridge_figure."""

import pandas as pd

from proteosig.plotting import qc as plots
from proteosig.runner import run_step


def main(snakemake):
    png = next(p for p in snakemake.output if p.endswith(".png"))
    plots.bridge(
        pd.read_csv(snakemake.input.assays, sep="\t"),
        pd.read_csv(snakemake.input.samples, sep="\t", dtype={"reference_id": str}),
        png,
        labels=tuple(snakemake.params.labels),
    )


run_step(snakemake, main)  # noqa: F821
