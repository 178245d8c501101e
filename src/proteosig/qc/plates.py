"""Plate (batch) diagnostics and normalisation."""

from __future__ import annotations

import numpy as np
import pandas as pd


def plate_variance_explained(matrix: pd.DataFrame, plate: pd.Series) -> pd.Series:
    """Per assay, the fraction of NPX variance between plates (one-way ANOVA R^2).

    Missing values are skipped per assay. NaN when there is only one plate.
    """
    plate = plate.reindex(matrix.index)
    codes, levels = pd.factorize(plate)
    if len(levels) < 2:
        return pd.Series(np.nan, index=matrix.columns, name="plate_r2")
    values = matrix.to_numpy(dtype=float)
    present = ~np.isnan(values)
    filled = np.where(present, values, 0.0)
    n = present.sum(axis=0)
    grand = filled.sum(axis=0) / np.maximum(n, 1)
    total_ss = (np.where(present, values - grand, 0.0) ** 2).sum(axis=0)
    between_ss = np.zeros(values.shape[1])
    for level in range(len(levels)):
        rows = codes == level
        n_level = present[rows].sum(axis=0)
        mean_level = filled[rows].sum(axis=0) / np.maximum(n_level, 1)
        between_ss += n_level * (mean_level - grand) ** 2
    with np.errstate(invalid="ignore", divide="ignore"):
        r2 = np.where(total_ss > 0, between_ss / total_ss, np.nan)
    return pd.Series(r2, index=matrix.columns, name="plate_r2")


def median_centre_plates(matrix: pd.DataFrame, plate: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Remove per-plate, per-assay median shifts (Olink's intensity normalisation across plates).

    Each plate's assay median is moved to the assay's median over all samples, so values
    stay on the NPX scale. Valid when samples were randomised to plates; with groups
    confounded with plates it would remove biology (the QC stage warns about that).

    Returns (normalised matrix, adjustments: plates x assays, the value subtracted).
    """
    plate = plate.reindex(matrix.index)
    overall = matrix.median(axis=0, skipna=True)
    plate_medians = matrix.groupby(plate.to_numpy(), sort=True).median()
    adjustments = plate_medians.sub(overall, axis=1)
    shift = adjustments.reindex(plate.to_numpy()).fillna(0.0).to_numpy()
    normalised = matrix - shift
    return normalised, adjustments.rename_axis("plate")


def plate_group_balance(plate: pd.Series, group: pd.Series) -> tuple[float, pd.DataFrame]:
    """Chi-square test of independence between plate and group (randomisation check)."""
    from scipy.stats import chi2_contingency

    table = pd.crosstab(plate, group)
    if table.shape[0] < 2 or table.shape[1] < 2:
        return float("nan"), table
    return float(chi2_contingency(table.to_numpy())[1]), table
