"""Snakemake entry point for rule differential_summary."""

import pandas as pd

from proteosig.differential.run import summarise
from proteosig.io.tables import read_parquet, write_json, write_tsv
from proteosig.plotting.differential import dep_heatmap, heatmap_proteins, heatmap_samples
from proteosig.runner import run_step


def main(snakemake):
    contrasts = list(snakemake.params.contrasts)
    tables = {
        contrast: pd.read_csv(path, sep="\t")
        for contrast, path in zip(contrasts, snakemake.input.tables, strict=True)
    }
    summary = summarise(tables)
    write_tsv(summary, snakemake.output.summary)

    options = snakemake.params.heatmap
    proteins, chosen = heatmap_proteins(
        tables, max_rows=options["max_proteins"], min_rows=options["min_proteins"]
    )
    samples = pd.read_csv(snakemake.input.samples, sep="\t", usecols=["sample_id", "group"])
    samples, drawn = heatmap_samples(
        samples,
        groups=list(snakemake.params.groups),
        control_group=snakemake.params.control_group,
        max_samples=options["max_samples"],
        seed=snakemake.params.seed,
    )
    # only the shown proteins' columns: the matrix can be 50,000 samples x 3,000 proteins
    matrix = read_parquet(snakemake.input.matrix, columns=["sample_id", *proteins.index])
    about = {**chosen, **drawn}
    dep_heatmap(
        matrix,
        proteins,
        samples,
        snakemake.output.heatmap,
        contrasts=contrasts,
        control_group=snakemake.params.control_group,
        groups=list(snakemake.params.groups),
        about=about,
    )
    counts = summary.set_index("contrast")
    write_json(
        {
            "contrasts": counts.to_dict(orient="index"),
            "contrast_order": contrasts,  # JSON objects come back sorted by key
            "n_contrasts": len(contrasts),
            "dep_calls": int(counts["significant"].sum()),
            "heatmap": about,
        },
        snakemake.output.numbers,
    )


run_step(snakemake, main)  # noqa: F821
