"""Snakemake entry point for rule reversal_signatures."""

import pandas as pd

from proteosig.enrichment.run import load_sets
from proteosig.io.tables import write_tsv
from proteosig.reversal.empirical import weights_by_symbol
from proteosig.reversal.library import drug_signatures, read_library
from proteosig.runner import log, run_step


def main(snakemake):
    settings = snakemake.params.signatures
    assays = pd.read_csv(snakemake.input.assays, sep="\t", dtype=str)
    library = read_library(settings["library"])
    axes = load_sets(snakemake.input.sets).get(settings["axes_collection"], {})
    if not axes:
        log.warning("collection %r has no set with enough measured members: no mechanism "
                    "signatures", settings["axes_collection"])  # fmt: skip
    empirical = {}
    for path in snakemake.input.empirical:
        table = pd.read_csv(path, sep="\t", dtype={"assay_id": str})
        empirical[str(table["drug"].iloc[0])] = weights_by_symbol(table, assays)
    weights, info = drug_signatures(
        library,
        assays,
        axes,
        priority=list(settings["priority"]),
        tissues=list(settings["tissues"]),
        min_size=int(settings["min_size"]),
        empirical=empirical,
    )
    info = info.merge(
        library.drugs[["drug", "targets", "mechanism"]], on="drug", how="left"
    ).fillna({"targets": "", "mechanism": "empirical signature only"})
    for row in info.itertuples():
        log.info("%s: %s signature, %d proteins", row.drug, row.signature_kind, row.n_proteins)
    symbols = assays.set_index(assays["assay_id"].astype(str))["gene_symbol"]
    long = (
        weights.rename_axis("drug")
        .reset_index()
        .melt(id_vars="drug", var_name="assay_id", value_name="weight")
    )
    long = long[long["weight"] != 0].copy()
    long["gene_symbol"] = long["assay_id"].map(symbols)
    long = long.merge(info[["drug", "signature_kind"]], on="drug")
    long = long.sort_values(["drug", "assay_id"], kind="stable")
    write_tsv(long[["drug", "signature_kind", "assay_id", "gene_symbol", "weight"]],
              snakemake.output.weights)  # fmt: skip
    write_tsv(info, snakemake.output.drugs)


run_step(snakemake, main)  # noqa: F821
