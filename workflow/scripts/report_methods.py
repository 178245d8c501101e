"""Snakemake entry point for rule report_methods."""

from pathlib import Path

from proteosig.io.tables import write_json
from proteosig.report import methods_html, methods_summary
from proteosig.runner import run_step


def main(snakemake):
    summary = methods_summary(
        dict(snakemake.params.config),
        ingest_summary=snakemake.input.ingest,
        qc_summary=snakemake.input.qc,
        dep_summary=snakemake.input.deps,
        contrasts=dict(snakemake.params.contrasts),
    )
    write_json(summary, snakemake.output.json)
    Path(snakemake.output.html).write_text(methods_html(summary), encoding="utf-8")


run_step(snakemake, main)  # noqa: F821
