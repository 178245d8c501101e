"""Plate (batch) diagnostics and normalisation.

Olink runs each panel on its own plate, so a sample has one plate per panel. Every
function here therefore takes ``plate_by_panel`` (samples x panels, the plate label) and
``panel_of`` (assay -> panel) and works panel by panel: one grouped operation per panel,
never a loop over assays.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def plate_layout(long: pd.DataFrame) -> pd.DataFrame:
    """Samples x panels table of plate labels (of each pair's first row), from the long
    NPX table (a DataFrame or the parquet path)."""
    from proteosig.qc.matrix import Layout, LongColumns, sample_panel_tables

    columns = LongColumns(long)
    return sample_panel_tables(columns, Layout.of(columns))[1]


def _blocks(matrix: pd.DataFrame, plate_by_panel: pd.DataFrame, panel_of: pd.Series):
    panel_of = panel_of.reindex(matrix.columns).fillna("NA")
    for panel in sorted(panel_of.unique()):
        columns = panel_of.index[panel_of == panel]
        plate = plate_by_panel[panel].reindex(matrix.index) if panel in plate_by_panel else None
        yield columns, plate


def plate_variance_explained(
    matrix: pd.DataFrame, plate_by_panel: pd.DataFrame, panel_of: pd.Series
) -> pd.Series:
    """Per assay, the fraction of NPX variance between plates (one-way ANOVA R^2).

    Missing values are skipped per assay. NaN where the assay's panel ran on one plate.
    """
    result = pd.Series(np.nan, index=matrix.columns, name="plate_r2")
    for columns, plate in _blocks(matrix, plate_by_panel, panel_of):
        if plate is None or plate.nunique(dropna=True) < 2:
            continue
        block = matrix.loc[plate.notna(), columns]
        labels = plate[plate.notna()].to_numpy()
        grand = block.mean()
        total_ss = ((block - grand) ** 2).sum()
        grouped = block.groupby(labels)
        between_ss = (grouped.count() * (grouped.mean() - grand) ** 2).sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            result[columns] = np.where(total_ss > 0, between_ss / total_ss, np.nan)
    return result


def median_centre_plates(
    matrix: pd.DataFrame,
    plate_by_panel: pd.DataFrame,
    panel_of: pd.Series,
    *,
    out: np.ndarray | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Remove per-plate, per-assay median shifts (Olink's intensity normalisation across plates).

    Each plate's assay median is moved to the assay's median over all samples, so values
    stay on the NPX scale. Valid when samples were randomised to plates; with groups
    confounded with plates it would remove biology (the QC summary reports the balance).

    Returns (normalised matrix, adjustments: one row per plate and assay with the shift
    that was subtracted). ``out`` (the array ``matrix`` wraps, samples x assays) is
    centred in place instead of a copy: the analysis matrix of a biobank is 1.2 GB.
    """
    values = matrix.to_numpy(dtype=float, copy=True) if out is None else out
    records = []
    for columns, plate in _blocks(matrix, plate_by_panel, panel_of):
        if plate is None or plate.nunique(dropna=True) < 2:
            continue
        block = matrix[columns]
        overall = _column_medians(block)
        shifts = block.groupby(plate.to_numpy()).median().sub(overall, axis=1)
        per_sample = shifts.reindex(plate.to_numpy()).fillna(0.0).to_numpy()
        values[:, matrix.columns.get_indexer(columns)] = block.to_numpy() - per_sample
        records.append(
            shifts.rename_axis("plate")
            .reset_index()
            .melt(id_vars="plate", var_name="assay_id", value_name="shift")
        )
    normalised = pd.DataFrame(values, index=matrix.index, columns=matrix.columns, copy=False)
    adjustments = (
        pd.concat(records, ignore_index=True)
        if records
        else pd.DataFrame(columns=["plate", "assay_id", "shift"])
    )
    return normalised, adjustments.sort_values(["assay_id", "plate"]).reset_index(drop=True)


def _column_medians(block: pd.DataFrame) -> pd.Series:
    """``block.median()``; one vectorised call when nothing is missing (pandas calls
    numpy once per column: 2,943 calls on 50,000 values)."""
    values = block.to_numpy()
    if np.isnan(values).any():
        return block.median()
    return pd.Series(np.median(values, axis=0), index=block.columns)


def plate_group_balance(plate: pd.Series, group: pd.Series) -> tuple[float, pd.DataFrame]:
    """Chi-square test of independence between plate and group (randomisation check)."""
    from scipy.stats import chi2_contingency

    table = pd.crosstab(plate, group)
    if table.shape[0] < 2 or table.shape[1] < 2:
        return float("nan"), table
    return float(chi2_contingency(table.to_numpy())[1]), table
