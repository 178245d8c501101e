"""Snakemake entry point for rule reversal_figures."""

import pandas as pd

from proteosig.plotting import reversal as plots
from proteosig.runner import run_step


def main(snakemake):
    figures = {
        p.rsplit("/", 1)[-1].split(".")[0]: p for p in snakemake.output if p.endswith(".png")
    }
    for contrast, path in zip(snakemake.params.contrasts, snakemake.input.contrasts, strict=True):
        table = pd.read_csv(path, sep="\t")
        top = [c for c in table.columns if c.startswith("top") and c.endswith("_fraction")]
        n = int(top[0][3:-9]) if top else 3
        title = f"Drugs ranked for {contrast.replace('_', ' ')}"
        plots.ranked_drugs(table, figures[f"ranked_{contrast}"], title=title, top=n)
    plots.patient_drug_heatmap(
        pd.read_csv(snakemake.input.patients, sep="\t", dtype={"sample_id": str}),
        figures["patient_drug_heatmap"],
        control_group=snakemake.params.control_group,
        groups=snakemake.params.groups,
    )


run_step(snakemake, main)  # noqa: F821
