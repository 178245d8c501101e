"""Snakemake entry point for rule differential_table (one contrast)."""

import pandas as pd

from proteosig.differential.run import CallSettings, contrast_table, describe
from proteosig.differential.store import load_moderated
from proteosig.io.tables import write_json, write_tsv
from proteosig.plotting.differential import volcano
from proteosig.runner import run_step


def main(snakemake):
    contrast = snakemake.wildcards.contrast
    settings = CallSettings(**snakemake.params.calls)
    moderated = load_moderated(snakemake.input.model)
    assays = pd.read_csv(snakemake.input.assays, sep="\t", dtype=str)
    table = contrast_table(moderated, contrast, assays, settings=settings)
    write_tsv(table, snakemake.output.table)
    write_json(
        describe(moderated, contrast, settings, int(table["P.Value"].notna().sum())),
        snakemake.output.about,
    )
    volcano(
        table,
        snakemake.output.volcano,
        contrast=contrast,
        fc_threshold=settings.fc_threshold,
        fdr_threshold=settings.fdr_threshold,
    )


run_step(snakemake, main)  # noqa: F821
