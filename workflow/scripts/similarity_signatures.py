"""Snakemake entry point for rules similarity_signatures and similarity_axes.

The same test on two inputs: the protein matrix (signature_similarity.tsv) or the
per-sample set scores (axis_similarity.tsv).
"""

import pandas as pd

from proteosig.io.matrix import read_matrix
from proteosig.io.tables import write_tsv
from proteosig.runner import log, run_step
from proteosig.similarity.run import PAIR_COLUMNS, SimilaritySettings, similarity_table


def main(snakemake):
    if "scores" in snakemake.input.keys():
        matrix = pd.read_csv(snakemake.input.scores, sep="\t", index_col=0)
        matrix.index = matrix.index.astype(str)
        features = "set scores"
    else:
        matrix = read_matrix(snakemake.input.matrix)
        features = "proteins"
    samples = pd.read_csv(snakemake.input.samples, sep="\t", dtype={"sample_id": str})
    if matrix.shape[1] < 3:
        log.warning("only %d %s: too few to compare signatures", matrix.shape[1], features)
        empty = pd.DataFrame(columns=PAIR_COLUMNS)
        empty.insert(2, "features", features)
        write_tsv(empty, snakemake.output[0])
        return
    settings = SimilaritySettings(**snakemake.params.similarity)
    log.info(
        "%d samples x %d %s; %d permutations per direction, %d bootstrap resamples",
        matrix.shape[0], matrix.shape[1], features, settings.permutations, settings.bootstrap,
    )  # fmt: skip
    table = similarity_table(
        matrix,
        samples,
        groups=list(snakemake.params.groups),
        control=snakemake.params.control_group,
        covariates=list(snakemake.params.covariates),
        formula=snakemake.params.formula,
        factors=list(snakemake.params.factors),
        settings=settings,
        seed=snakemake.params.seed,
        progress=lambda pair: log.info("done: %s", pair),
    )
    table.insert(2, "features", features)
    write_tsv(table, snakemake.output[0])


run_step(snakemake, main)  # noqa: F821
