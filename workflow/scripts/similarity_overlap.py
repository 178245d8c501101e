"""Snakemake entry point for rule similarity_overlap."""

import itertools

import pandas as pd

from proteosig.io.tables import write_tsv
from proteosig.runner import run_step
from proteosig.similarity.overlap import COLUMNS, dep_overlap


def main(snakemake):
    tables = {
        name: pd.read_csv(path, sep="\t", dtype={"assay_id": str})
        for name, path in zip(snakemake.params.signatures, snakemake.input.tables, strict=True)
    }
    rows = [
        dep_overlap(tables[a], tables[b], names=(a, b))
        for a, b in itertools.combinations(snakemake.params.signatures, 2)
    ]
    write_tsv(pd.DataFrame(rows, columns=COLUMNS), snakemake.output[0])


run_step(snakemake, main)  # noqa: F821
