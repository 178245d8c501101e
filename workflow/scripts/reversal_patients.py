"""Snakemake entry point for rule reversal_patients."""

import pandas as pd

from proteosig.io.matrix import read_matrix
from proteosig.io.tables import write_tsv
from proteosig.reversal.library import signatures_from_long
from proteosig.reversal.scores import patient_reversal
from proteosig.runner import run_step
from proteosig.similarity.patients import control_deviations


def main(snakemake):
    params = snakemake.params
    matrix = read_matrix(snakemake.input.matrix)
    samples = pd.read_csv(snakemake.input.samples, sep="\t", dtype={"sample_id": str})
    deviations = control_deviations(
        matrix,
        samples,
        group_levels=list(params.groups),
        control_group=params.control_group,
        covariates=list(params.covariates),
        formula=params.formula,
        factors=list(params.factors),
    )
    long = pd.read_csv(snakemake.input.weights, sep="\t", dtype={"assay_id": str})
    drugs = sorted(long["drug"].unique())  # the drugs with a usable signature
    weights = signatures_from_long(long, drugs, list(deviations.columns))
    scores = patient_reversal(weights.to_numpy(), deviations.to_numpy())
    group = samples.set_index(samples["sample_id"].astype(str))["group"]
    table = pd.DataFrame(scores, index=deviations.index, columns=weights.index)
    table.insert(0, "group", group.reindex(table.index).to_numpy())
    write_tsv(table.rename_axis("sample_id"), snakemake.output[0], index=True)


run_step(snakemake, main)  # noqa: F821
