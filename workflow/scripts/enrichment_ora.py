"""Snakemake entry point for rule enrichment_ora (one contrast)."""

import pandas as pd

from proteosig.enrichment.ora import over_representation
from proteosig.enrichment.run import load_sets
from proteosig.io.tables import write_tsv
from proteosig.runner import run_step


def main(snakemake):
    table = pd.read_csv(snakemake.input.table, sep="\t")
    frames = [
        over_representation(table, members, collection=collection, direction=direction)
        for collection, members in load_sets(snakemake.input.sets).items()
        for direction in snakemake.params.directions
    ]
    write_tsv(pd.concat(frames, ignore_index=True), snakemake.output[0])


run_step(snakemake, main)  # noqa: F821
