"""Empirical drug signatures from paired pre/post treatment data.

The user's files go through the same ingest as the study data, then the differential
engine on a paired design: ``~ 0 + group + subject`` (``group`` = time point, ``subject``
a factor), contrast treated - baseline. The drug's weights are the log2FC of the proteins
whose change passes the FDR threshold (BH over the measured proteins), 0 elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from proteosig.differential.design import safe_name
from proteosig.differential.run import CallSettings, ModelSettings, contrast_table, fit_model
from proteosig.errors import InputError
from proteosig.ingest import ingest
from proteosig.qc.matrix import assay_table, to_matrix


@dataclass(frozen=True)
class EmpiricalSpec:
    """One ``reversal: empirical`` entry of the config."""

    drug: str
    npx: tuple
    sample_sheet: str
    baseline: str
    treated: str
    subject_column: str = "subject"
    id_column: str = "sample_id"
    group_column: str = "group"
    fdr: float = 0.05


def empirical_table(spec: EmpiricalSpec, symbol_table: pd.Series) -> pd.DataFrame:
    """The paired differential table of treated vs baseline, with ``weight`` per protein."""
    result = ingest(
        list(spec.npx),
        spec.sample_sheet,
        symbol_table,
        id_column=spec.id_column,
        group_column=spec.group_column,
        control_group=spec.baseline,
        groups=[spec.baseline, spec.treated],
        covariates=[spec.subject_column],
    )
    samples = result.samples
    pairs = samples.groupby(spec.subject_column)["group"].nunique()
    unpaired = pairs.index[pairs < 2]
    if len(unpaired) == len(pairs):
        raise InputError(
            spec.sample_sheet,
            f"no subject has both {spec.baseline!r} and {spec.treated!r} samples",
            where=f"column {spec.subject_column!r}",
            expected="each treated patient sampled at baseline and after treatment",
        )
    matrix = to_matrix(result.long)
    contrast = f"{safe_name(spec.treated)}_vs_{safe_name(spec.baseline)}"
    moderated = fit_model(
        matrix,
        samples,
        settings=ModelSettings(
            formula=f"~ 0 + group + {spec.subject_column}",
            contrasts=(
                {
                    "name": contrast,
                    "expression": f"{safe_name(spec.treated)}-{safe_name(spec.baseline)}",
                },
            ),
            default_contrasts=False,
        ),
        group_levels=[spec.baseline, spec.treated],
        control_group=spec.baseline,
        covariates=[spec.subject_column],
        factors=[spec.subject_column],
    )
    table = contrast_table(
        moderated,
        contrast,
        assay_table(result.long),
        settings=CallSettings(fc_threshold=1.0, fdr_threshold=spec.fdr),
    )
    table.insert(0, "drug", spec.drug)
    table["weight"] = np.where(table["adj.P.Val"] < spec.fdr, table["logFC"], 0.0)
    table.attrs["n_pairs"] = int((pairs >= 2).sum())
    return table


def weights_by_symbol(table: pd.DataFrame, assays: pd.DataFrame) -> pd.Series:
    """Empirical weights moved onto the study's assays through gene symbols (the pre/post
    data may come from another panel version or run)."""
    nonzero = table[table["weight"] != 0]
    by_symbol = nonzero.groupby("gene_symbol")["weight"].mean()
    mapped = assays.set_index(assays["assay_id"].astype(str))["gene_symbol"].map(by_symbol)
    return mapped.fillna(0.0)
