"""Snakemake entry point for rule differential_fit."""

import pandas as pd

from proteosig.differential.run import fit_model_from_params
from proteosig.differential.store import save_moderated
from proteosig.io.matrix import read_matrix
from proteosig.io.tables import write_tsv
from proteosig.runner import log, run_step


def main(snakemake):
    matrix = read_matrix(snakemake.input.matrix)
    samples = pd.read_csv(snakemake.input.samples, sep="\t", dtype={"sample_id": str})
    moderated = fit_model_from_params(matrix, samples, snakemake.params)
    fit = moderated.fit
    log.info("model %s; contrasts %s", fit.params["formula"], ", ".join(fit.coef_names))
    for variable, kind in fit.params["variable_types"].items():
        log.info("model variable %s enters as %s", variable, kind)
    log.info(
        "%d proteins x %d samples; s2.prior median %.4g, df.prior median %.4g",
        fit.n_proteins,
        fit.design.shape[0],
        float(pd.Series(moderated.s2_prior).median()),
        float(pd.Series(moderated.df_prior).median()),
    )
    save_moderated(moderated, snakemake.output.model)
    write_tsv(fit.design.rename_axis("sample_id"), snakemake.output.design, index=True)
    write_tsv(fit.contrasts.rename_axis("coefficient"), snakemake.output.contrasts, index=True)


run_step(snakemake, main)  # noqa: F821
