"""Linear model per protein, fitted for all proteins at once (limma's ``lmFit``).

Proteins without missing values share one factorisation of the design. Proteins with
missing values are fitted on their available samples, as lmFit does: they are grouped by
their pattern of missing samples and each pattern is solved once for all its proteins.
Within a pattern, coefficients that the remaining samples cannot estimate (a group with no
observed sample, a column collinear with earlier ones) are NA and the rest are fitted
without them, as R's ``lm.fit`` does with its pivoting QR.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from proteosig.errors import InputError

#: R's lm.fit tolerance for declaring a column linearly dependent on earlier ones.
QR_TOLERANCE = 1e-7


@dataclass
class LinearFit:
    """limma's MArrayLM after lmFit (and, after ``contrasts_fit``, re-expressed as contrasts).

    Arrays are proteins x coefficients unless noted.
    """

    coefficients: np.ndarray
    stdev_unscaled: np.ndarray
    sigma: np.ndarray  # proteins
    df_residual: np.ndarray  # proteins
    amean: np.ndarray  # proteins: mean of the available values
    cov_coefficients: np.ndarray  # coefficients x coefficients, from the full design
    coef_names: list[str]
    protein_ids: list[str]
    design: pd.DataFrame
    contrasts: pd.DataFrame | None = None  # design coefficients x contrasts, once applied
    params: dict = field(default_factory=dict)

    @property
    def n_proteins(self) -> int:
        return self.coefficients.shape[0]

    def subset(self, proteins) -> LinearFit:
        """Proteins by boolean mask or integer positions, every per-protein array alike."""
        index = np.asarray(proteins)
        return LinearFit(
            coefficients=self.coefficients[index],
            stdev_unscaled=self.stdev_unscaled[index],
            sigma=self.sigma[index],
            df_residual=self.df_residual[index],
            amean=self.amean[index],
            cov_coefficients=self.cov_coefficients,
            coef_names=list(self.coef_names),
            protein_ids=list(np.asarray(self.protein_ids, dtype=object)[index]),
            design=self.design,
            contrasts=self.contrasts,
            params=dict(self.params),
        )


def estimable_columns(design: np.ndarray, tol: float = QR_TOLERANCE) -> np.ndarray:
    """Columns kept by a left-to-right rank-revealing pass, as R's dqrdc2 pivots.

    A column is dropped when, after removing its projection on the columns kept before
    it, less than ``tol`` of its norm remains (an all-zero column is always dropped).
    """
    kept: list[int] = []
    basis = np.zeros((design.shape[0], 0))
    for j in range(design.shape[1]):
        column = design[:, j]
        norm = np.linalg.norm(column)
        if norm == 0:
            continue
        residual = column - basis @ (basis.T @ column)
        if np.linalg.norm(residual) > tol * norm:
            kept.append(j)
            basis = np.column_stack([basis, residual / np.linalg.norm(residual)])
    return np.asarray(kept, dtype=int)


def _solve_block(y: np.ndarray, x: np.ndarray, n_coef: int):
    """Least squares of every row of ``y`` (proteins x samples) on design ``x``.

    Returns coefficients, stdev_unscaled (proteins x n_coef, NA where not estimable),
    residual sum of squares and residual df.
    """
    keep = estimable_columns(x)
    coef = np.full((y.shape[0], n_coef), np.nan)
    unscaled = np.full((y.shape[0], n_coef), np.nan)
    if keep.size == 0:
        rss = np.sum(y**2, axis=1)
        return coef, unscaled, rss, x.shape[0]
    q, r = np.linalg.qr(x[:, keep])
    effects = y @ q  # proteins x rank
    coef[:, keep] = np.linalg.solve(r, effects.T).T
    r_inv = np.linalg.inv(r)
    unscaled[:, keep] = np.sqrt(np.sum(r_inv**2, axis=1))
    fitted = effects @ q.T
    rss = np.sum((y - fitted) ** 2, axis=1)
    return coef, unscaled, rss, x.shape[0] - keep.size


def lm_fit(expression: pd.DataFrame, design: pd.DataFrame) -> LinearFit:
    """Fit ``expression`` (proteins x samples) on ``design`` (samples x coefficients).

    Samples are matched by label; the design must have full column rank.
    """
    missing_samples = design.index.difference(expression.columns)
    if len(missing_samples):
        raise InputError(
            "design",
            f"{len(missing_samples)} design sample(s) have no expression values",
            fix="check that the sample table and the analysis matrix come from the same run",
        )
    y_all = expression.loc[:, design.index].to_numpy(dtype=float)
    x = design.to_numpy(dtype=float)
    n_coef = x.shape[1]
    full_rank = estimable_columns(x)
    if full_rank.size < n_coef:
        dropped = [design.columns[j] for j in range(n_coef) if j not in set(full_rank)]
        raise InputError(
            "design",
            "the design matrix is not of full rank: "
            + ", ".join(map(str, dropped))
            + " cannot be estimated from the other columns",
            expected="every group and covariate estimable (e.g. a covariate that is constant "
            "or identical to a group is not)",
            fix="remove the redundant covariate from the formula or the config",
        )

    n_proteins = y_all.shape[0]
    coefficients = np.full((n_proteins, n_coef), np.nan)
    stdev_unscaled = np.full((n_proteins, n_coef), np.nan)
    rss = np.full(n_proteins, np.nan)
    df_residual = np.zeros(n_proteins)

    observed = np.isfinite(y_all)
    patterns, pattern_of = np.unique(observed, axis=0, return_inverse=True)
    pattern_of = pattern_of.reshape(-1)
    for p, mask in enumerate(patterns):
        rows = np.flatnonzero(pattern_of == p)
        if not mask.any():
            continue  # a protein with no values stays NA
        coef, unscaled, block_rss, df = _solve_block(y_all[np.ix_(rows, mask)], x[mask], n_coef)
        coefficients[rows] = coef
        stdev_unscaled[rows] = unscaled
        rss[rows] = block_rss
        df_residual[rows] = df

    with np.errstate(invalid="ignore", divide="ignore"):
        sigma = np.where(df_residual > 0, np.sqrt(rss / df_residual), np.nan)
        amean = np.nanmean(np.where(observed, y_all, np.nan), axis=1)
    return LinearFit(
        coefficients=coefficients,
        stdev_unscaled=stdev_unscaled,
        sigma=sigma,
        df_residual=df_residual,
        amean=amean,
        cov_coefficients=np.linalg.inv(x.T @ x),
        coef_names=[str(c) for c in design.columns],
        protein_ids=[str(p) for p in expression.index],
        design=design,
    )
