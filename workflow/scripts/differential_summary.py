"""Snakemake entry point for rule differential_summary."""

import pandas as pd

from proteosig.differential.run import summarise
from proteosig.io.tables import write_tsv
from proteosig.runner import run_step


def main(snakemake):
    tables = {
        contrast: pd.read_csv(path, sep="\t")
        for contrast, path in zip(snakemake.params.contrasts, snakemake.input.tables, strict=True)
    }
    write_tsv(summarise(tables), snakemake.output[0])


run_step(snakemake, main)  # noqa: F821
