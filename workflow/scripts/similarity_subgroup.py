"""Snakemake entry point for rule similarity_subgroup."""

import pandas as pd

from proteosig.differential.run import CallSettings, ModelSettings
from proteosig.io.matrix import read_matrix
from proteosig.io.tables import write_json, write_tsv
from proteosig.runner import log, run_step
from proteosig.similarity.run import carrier_subgroup_table


def main(snakemake):
    params = snakemake.params
    matrix = read_matrix(snakemake.input.matrix)
    samples = pd.read_csv(snakemake.input.samples, sep="\t", dtype={"sample_id": str})
    assays = pd.read_csv(snakemake.input.assays, sep="\t", dtype=str)
    carriers = pd.read_csv(snakemake.input.scores, sep="\t", dtype={"sample_id": str})
    table, about = carrier_subgroup_table(
        matrix,
        samples,
        carriers,
        assays,
        group=params.subgroup["group"],
        signature=params.subgroup["signature"],
        group_levels=list(params.groups),
        control=params.control_group,
        covariates=list(params.covariates),
        factors=list(params.factors),
        model=ModelSettings.from_config(params.model),
        calls=CallSettings(**params.calls),
    )
    if "skipped" in about:
        log.warning("%s: %s", snakemake.wildcards.subgroup, about["skipped"])
    write_tsv(table, snakemake.output.table)
    write_json(about, snakemake.output.about)


run_step(snakemake, main)  # noqa: F821
