"""Snakemake entry point for rule enrichment_figures."""

import pandas as pd

from proteosig.plotting import enrichment as plots
from proteosig.runner import run_step


def main(snakemake):
    figures = {
        p.rsplit("/", 1)[-1].split(".")[0]: p for p in snakemake.output if p.endswith(".png")
    }
    scores = pd.read_csv(snakemake.input.scores, sep="\t", index_col=0)
    scores.index = scores.index.astype(str)
    samples = pd.read_csv(snakemake.input.samples, sep="\t", dtype={"sample_id": str})
    plots.axis_scores(
        scores,
        samples,
        figures["axis_scores"],
        control_group=snakemake.params.control_group,
        groups=snakemake.params.groups,
    )
    contrasts = snakemake.params.contrasts
    gsea = {
        c: pd.read_csv(p, sep="\t") for c, p in zip(contrasts, snakemake.input.gsea, strict=True)
    }
    ora = {c: pd.read_csv(p, sep="\t") for c, p in zip(contrasts, snakemake.input.ora, strict=True)}
    plots.gsea_dotplot(gsea, figures["gsea_dotplot"])
    plots.ora_dotplot(ora, figures["ora_dotplot"])


run_step(snakemake, main)  # noqa: F821
