"""Snakemake entry point for rule enrichment_scores."""

from proteosig.enrichment.run import load_sets, score_table
from proteosig.enrichment.scores import resolve_kcdf
from proteosig.io.matrix import read_matrix
from proteosig.io.tables import write_tsv
from proteosig.runner import log, run_step


def main(snakemake):
    matrix = read_matrix(snakemake.input.matrix)
    scoring = snakemake.params.scoring
    if scoring["score_method"] == "gsva":
        used = resolve_kcdf(scoring["kcdf"], matrix.shape[0], scoring["kcdf_none_min_samples"])
        log.info("GSVA kcdf %s -> %s (%d samples)", scoring["kcdf"], used, matrix.shape[0])
    scores = score_table(
        matrix,
        load_sets(snakemake.input.sets),
        list(scoring["score_collections"]),
        method=scoring["score_method"],
        kcdf=scoring["kcdf"],
        kcdf_none_min_samples=scoring["kcdf_none_min_samples"],
        n_jobs=snakemake.threads,
    )
    write_tsv(scores, snakemake.output[0], index=True)


run_step(snakemake, main)  # noqa: F821
