"""Sample-level QC rules."""

from __future__ import annotations

import numpy as np
import pandas as pd


def iqr_median_outliers(
    matrix: pd.DataFrame, panel_of: pd.Series, *, iqr_sd: float = 3.0, median_sd: float = 3.0
) -> pd.DataFrame:
    """OlinkAnalyze's ``olink_qc_plot`` rule, per panel.

    For each sample and panel, the IQR and the median of its NPX values are computed; a
    sample is an outlier on a panel when either lies more than ``iqr_sd`` (``median_sd``)
    standard deviations from that panel's mean across samples.

    Returns one row per sample x panel: sample_id, panel, iqr, median, the limits
    (iqr_low, iqr_high, median_low, median_high) and iqr_outlier, median_outlier.
    """
    frames = []
    for panel in sorted(panel_of.dropna().unique()):
        block = matrix.loc[:, panel_of.index[panel_of == panel]].to_numpy()
        with np.errstate(all="ignore"):
            q75, q50, q25 = np.nanpercentile(block, [75, 50, 25], axis=1)
        iqr = q75 - q25
        iqr_low, iqr_high = _limits(iqr, iqr_sd)
        median_low, median_high = _limits(q50, median_sd)
        frames.append(
            pd.DataFrame(
                {
                    "sample_id": matrix.index,
                    "panel": panel,
                    "iqr": iqr,
                    "median": q50,
                    "iqr_low": iqr_low,
                    "iqr_high": iqr_high,
                    "median_low": median_low,
                    "median_high": median_high,
                    "iqr_outlier": (iqr < iqr_low) | (iqr > iqr_high),
                    "median_outlier": (q50 < median_low) | (q50 > median_high),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _limits(values: np.ndarray, n_sd: float) -> tuple[float, float]:
    """mean -/+ n_sd SD over samples; infinite (no outliers) when the SD is undefined."""
    finite = np.isfinite(values)
    if finite.sum() < 2 or not np.isfinite(n_sd):
        return -np.inf, np.inf
    centre = np.mean(values[finite])
    spread = np.std(values[finite], ddof=1)
    if spread == 0:
        return -np.inf, np.inf
    return centre - n_sd * spread, centre + n_sd * spread


def _beyond(values: np.ndarray, n_sd: float) -> np.ndarray:
    low, high = _limits(values, n_sd)
    return (values < low) | (values > high)


def principal_components(
    matrix: pd.DataFrame, n_components: int = 5
) -> tuple[pd.DataFrame, np.ndarray]:
    """PCA of samples on standardised assays; missing values set to the assay mean.

    Returns (scores: samples x PC1..PCk, explained variance ratio).
    """
    values = matrix.to_numpy(dtype=float, copy=True)
    means = np.nanmean(values, axis=0)
    missing = np.isnan(values)
    values[missing] = np.take(means, np.nonzero(missing)[1])
    sds = values.std(axis=0, ddof=1)
    usable = np.isfinite(sds) & (sds > 0)
    z = (values[:, usable] - values[:, usable].mean(axis=0)) / sds[usable]
    k = int(min(n_components, z.shape[0] - 1, z.shape[1]))
    u, s, _ = np.linalg.svd(z, full_matrices=False)
    # Fix the sign so that the result does not depend on the LAPACK build.
    signs = np.sign(u[np.argmax(np.abs(u[:, :k]), axis=0), np.arange(k)])
    scores = u[:, :k] * s[:k] * signs
    explained = (s**2 / np.sum(s**2))[:k]
    columns = [f"PC{i + 1}" for i in range(k)]
    return pd.DataFrame(scores, index=matrix.index, columns=columns), explained


def pca_outliers(scores: pd.DataFrame, *, n_sd: float, components=("PC1", "PC2")) -> pd.Series:
    """Samples beyond ``n_sd`` standard deviations from the mean on any listed component."""
    flags = np.zeros(scores.shape[0], dtype=bool)
    for component in components:
        if component in scores:
            flags |= _beyond(scores[component].to_numpy(), n_sd)
    return pd.Series(flags, index=scores.index)


def missing_fraction(matrix: pd.DataFrame, axis: int) -> pd.Series:
    """Fraction of missing NPX values per sample (axis=1) or per assay (axis=0)."""
    return matrix.isna().mean(axis=axis)
