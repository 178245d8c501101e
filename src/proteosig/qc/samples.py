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
        q75, q50, q25 = _row_percentiles(block, [75, 50, 25])
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


def _row_percentiles(block: np.ndarray, q: list[float]) -> np.ndarray:
    """``np.nanpercentile(block, q, axis=1)``, with complete rows through the vectorised
    ``np.percentile`` (same values): nanpercentile calls Python once per row, minutes
    for 50,000 samples."""
    out = np.empty((len(q), block.shape[0]))
    gaps = np.isnan(block).any(axis=1)
    if (~gaps).any():
        out[:, ~gaps] = np.percentile(block[~gaps], q, axis=1)
    if gaps.any():
        with np.errstate(all="ignore"):
            out[:, gaps] = np.nanpercentile(block[gaps], q, axis=1)
    return out


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


#: above this many cells PCA goes through the assays' (or samples') Gram matrix
SVD_CELLS = 5_000_000


def principal_components(
    matrix: pd.DataFrame, n_components: int = 5, *, rows: np.ndarray | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    """PCA of samples on standardised assays; missing values set to the assay mean.

    ``rows`` (boolean) restricts the PCA to some samples without a copy of the matrix.
    Returns (scores: samples x PC1..PCk, explained variance ratio).

    Small matrices use the SVD. Large ones (a 50,000 x 2,943 cohort) use the
    eigen-decomposition of the smaller Gram matrix, Z'Z (assays x assays) or ZZ'
    (samples x samples): the same components, computed in seconds and with one working
    copy of the matrix instead of an SVD's several.
    """
    if rows is None:
        values = matrix.to_numpy(dtype=float, copy=True)
    else:
        # the rows' copy in the frame's own memory layout, as matrix.loc[rows] would give
        array = matrix.to_numpy(dtype=float)
        values = array.T[:, rows].T if array.flags.f_contiguous else array[rows]
    index = matrix.index if rows is None else matrix.index[rows]
    if values.size <= SVD_CELLS:
        scores, explained = _svd_scores(values, n_components)
    else:
        scores, explained = _gram_scores(values, n_components)
    columns = [f"PC{i + 1}" for i in range(scores.shape[1])]
    return pd.DataFrame(scores, index=index, columns=columns), explained


def _svd_scores(values: np.ndarray, n_components: int) -> tuple[np.ndarray, np.ndarray]:
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
    return scores, explained


def _gram_scores(values: np.ndarray, n_components: int) -> tuple[np.ndarray, np.ndarray]:
    """Standardise ``values`` in place, block of columns by block (no full temporaries),
    then take the top components from the smaller Gram matrix."""
    n_rows, n_cols = values.shape
    usable = np.zeros(n_cols, dtype=bool)
    step = max(1, (1 << 24) // max(n_rows, 1))
    for start in range(0, n_cols, step):
        block = values[:, start : start + step]
        means = np.nanmean(block, axis=0)
        missing = np.isnan(block)
        if missing.any():
            block[missing] = np.take(means, np.nonzero(missing)[1])
        sds = block.std(axis=0, ddof=1)
        ok = np.isfinite(sds) & (sds > 0)
        usable[start : start + step] = ok
        block -= block.mean(axis=0)
        block /= np.where(ok, sds, 1.0)
    z = values if usable.all() else values[:, usable]
    k = int(min(n_components, z.shape[0] - 1, z.shape[1]))
    by_assay = z.shape[0] >= z.shape[1]
    gram = z.T @ z if by_assay else z @ z.T
    eigenvalues, vectors = _top_eigen(gram, k)
    eigenvalues = np.clip(eigenvalues, 0, None)
    if by_assay:
        scores = z @ vectors
    else:
        scores = vectors * np.sqrt(eigenvalues)
    # Fix the sign so that the result does not depend on the LAPACK build.
    signs = np.sign(scores[np.argmax(np.abs(scores), axis=0), np.arange(k)])
    # the eigenvalues sum to the trace: the variance explained needs no other eigenvalue
    explained = eigenvalues / np.trace(gram)
    return scores * signs, explained


def _top_eigen(gram: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The k largest eigenpairs of a symmetric positive semi-definite matrix, largest
    first. Lanczos (ARPACK) from a fixed start vector: deterministic, exact to rounding,
    and seconds where a dense decomposition of 2,943 x 2,943 takes ten times longer."""
    from scipy.linalg import eigh
    from scipy.sparse.linalg import eigsh

    n = len(gram)
    if k < n - 1:
        values, vectors = eigsh(gram, k=k, which="LA", v0=np.ones(n), tol=0)
    else:
        values, vectors = eigh(gram)
        values, vectors = values[n - k :], vectors[:, n - k :]
    order = np.argsort(values)[::-1]
    return values[order], vectors[:, order]


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
