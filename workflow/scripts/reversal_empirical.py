"""Snakemake entry point for rule reversal_empirical."""

from proteosig.io.panels import read_symbol_table
from proteosig.io.tables import write_tsv
from proteosig.reversal.empirical import EmpiricalSpec, empirical_table
from proteosig.runner import log, run_step


def main(snakemake):
    spec = dict(snakemake.params.spec)
    spec["npx"] = tuple(spec["npx"])
    table = empirical_table(EmpiricalSpec(**spec), read_symbol_table(snakemake.input.symbols))
    log.info(
        "%s: %d pairs; %d proteins changed at FDR < %g",
        spec["drug"], table.attrs["n_pairs"], int((table["weight"] != 0).sum()),
        EmpiricalSpec(**spec).fdr,
    )  # fmt: skip
    write_tsv(table, snakemake.output[0])


run_step(snakemake, main)  # noqa: F821
