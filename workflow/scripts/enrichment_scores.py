"""Snakemake entry point for rule enrichment_scores."""

from proteosig.enrichment.run import load_sets, score_table
from proteosig.io.tables import read_parquet, write_tsv
from proteosig.runner import run_step


def main(snakemake):
    matrix = read_parquet(snakemake.input.matrix).set_index("sample_id")
    scoring = snakemake.params.scoring
    scores = score_table(
        matrix,
        load_sets(snakemake.input.sets),
        list(scoring["score_collections"]),
        method=scoring["score_method"],
        kcdf=scoring["kcdf"],
        n_jobs=snakemake.threads,
    )
    write_tsv(scores, snakemake.output[0], index=True)


run_step(snakemake, main)  # noqa: F821
