"""Snakemake entry point for rule enrichment_sets."""

import pandas as pd

from proteosig.enrichment.run import build_sets, save_sets
from proteosig.io.tables import write_tsv
from proteosig.runner import log, run_step


def main(snakemake):
    assays = pd.read_csv(snakemake.input.assays, sep="\t", dtype=str)
    gene_map = pd.read_csv(snakemake.input.assay_gene_map, sep="\t", dtype=str)
    sets, table = build_sets(
        snakemake.params.collections,
        assays,
        gene_map,
        min_size=snakemake.params.sizes["min_size"],
        max_size=snakemake.params.sizes["max_size"],
    )
    for collection, kept in sets.items():
        total = int((table["collection"] == collection).sum())
        log.info("%s: %d of %d sets kept on the %d measured proteins", collection, len(kept),
                 total, len(assays))  # fmt: skip
    save_sets(sets, snakemake.output.sets)
    write_tsv(table, snakemake.output.table)


run_step(snakemake, main)  # noqa: F821
