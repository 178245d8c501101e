"""Snakemake entry point for rule enrichment_gsea (one contrast)."""

import pandas as pd

from proteosig.enrichment.gsea import prerank
from proteosig.enrichment.run import load_sets
from proteosig.io.tables import write_tsv
from proteosig.runner import run_step


def main(snakemake):
    table = pd.read_csv(snakemake.input.table, sep="\t")
    options = snakemake.params.gsea
    frames = [
        prerank(
            table,
            members,
            collection=collection,
            permutations=options["gsea_permutations"],
            seed=snakemake.params.seed,
            min_size=options["min_size"],
            max_size=options["max_size"],
        )
        for collection, members in load_sets(snakemake.input.sets).items()
    ]
    write_tsv(pd.concat(frames, ignore_index=True), snakemake.output[0])


run_step(snakemake, main)  # noqa: F821
