"""Snakemake entry point for rule similarity_patients."""

import pandas as pd

from proteosig.io.matrix import read_matrix
from proteosig.io.tables import write_tsv
from proteosig.runner import log, run_step
from proteosig.similarity.patients import (
    PatientSettings,
    call_carriers,
    carriage_tests,
    signature_scores,
)


def main(snakemake):
    params = snakemake.params
    matrix = read_matrix(snakemake.input.matrix)
    samples = pd.read_csv(snakemake.input.samples, sep="\t", dtype={"sample_id": str})
    settings = PatientSettings(top_n=params.patients["top_n"])
    scores = signature_scores(
        matrix,
        samples,
        groups=list(params.signature_groups),
        group_levels=list(params.groups),
        control_group=params.control_group,
        covariates=list(params.covariates),
        formula=params.formula,
        factors=list(params.factors),
        settings=settings,
    )
    flagged, fractions = call_carriers(
        scores,
        control_group=params.control_group,
        quantile=params.patients["carrier_quantile"],
    )
    for signature, threshold in flagged.attrs["thresholds"].items():
        log.info("%s: carrier threshold %.3f", signature, threshold)
    write_tsv(flagged, snakemake.output.scores)
    write_tsv(fractions, snakemake.output.fractions)
    write_tsv(carriage_tests(scores, control_group=params.control_group), snakemake.output.carriage)


run_step(snakemake, main)  # noqa: F821
