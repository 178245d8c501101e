"""Linear model per protein, fitted for all proteins at once (limma's ``lmFit``).

Proteins without missing values share one QR factorisation of the design. Proteins with
missing values are fitted on their available samples, as lmFit does, but without a loop
over proteins: each one's cross-product X'WX (W = its observed samples) comes from one
matrix product for a block of proteins, and the small K x K systems are solved together.
Residuals are computed directly (not as y'y - b'X'y) so no precision is lost. A protein
whose available samples leave the design (nearly) singular - a group with no observed
sample - is refitted by the QR path, which drops the coefficients the remaining samples
cannot estimate (NA), as R's ``lm.fit`` does with its pivoting QR.
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


def _solve_block(y: np.ndarray, x: np.ndarray, n_coef: int, keep: np.ndarray | None = None):
    """Least squares of every row of ``y`` (proteins x samples) on design ``x``.

    Returns coefficients, stdev_unscaled (proteins x n_coef, NA where not estimable),
    residual sum of squares and residual df.
    """
    keep = estimable_columns(x) if keep is None else keep
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
    return coef, unscaled, _residual_ss(y, q, effects), x.shape[0] - keep.size


def _residual_ss(y: np.ndarray, q: np.ndarray, effects: np.ndarray) -> np.ndarray:
    """Residual sum of squares of each row of ``y`` after projection on ``q``'s columns.

    When the constant lies in the model space (any design with an intercept or a full set
    of group columns), RSS = |y - mean|^2 - |Q'(y - mean)|^2: no n x proteins array of
    fitted values is formed, and centring first avoids the cancellation of |y|^2 - |Q'y|^2.
    Otherwise residuals are formed block by block.
    """
    n = q.shape[0]
    q_ones = q.T @ np.ones(n)
    rss = np.empty(y.shape[0])
    if np.linalg.norm(np.ones(n) - q @ q_ones) <= 1e-8 * np.sqrt(n):
        means = y.mean(axis=1)
        for start in range(0, y.shape[0], _BLOCK):
            part = slice(start, start + _BLOCK)
            centred = y[part] - means[part, None]
            rss[part] = np.einsum("ij,ij->i", centred, centred)
        centred_effects = effects - means[:, None] * q_ones[None, :]
        rss -= np.einsum("ij,ij->i", centred_effects, centred_effects)
        return np.maximum(rss, 0.0)
    for start in range(0, y.shape[0], _BLOCK):  # residuals in blocks: bounded memory
        part = slice(start, start + _BLOCK)
        rss[part] = np.sum((y[part] - effects[part] @ q.T) ** 2, axis=1)
    return rss


#: proteins per block of the masked solve (bounds memory at biobank sample counts)
_BLOCK = 256
#: ratio of extreme eigenvalues of X'WX below which the QR path decides estimability
#: (R's QR tolerance of 1e-7 on column norms corresponds to about 1e-14 here)
_SINGULAR = 1e-12


def _solve_masked(y, observed, x, rows, coefficients, stdev_unscaled, rss, df_residual):
    """Least squares of each row of ``y`` on its observed samples, for a block of proteins.

    Fills the output arrays at ``rows``; returns the rows whose observed design is
    (nearly) singular, for the QR path.
    """
    weights = observed.astype(float)
    n_coef = x.shape[1]
    outer = (x[:, :, None] * x[:, None, :]).reshape(x.shape[0], n_coef * n_coef)
    xtx = (weights @ outer).reshape(len(rows), n_coef, n_coef)
    filled = np.where(observed, y, 0.0)
    xty = filled @ x
    eigen = np.linalg.eigvalsh(xtx)
    regular = eigen[:, 0] > _SINGULAR * eigen[:, -1]
    if regular.any():
        inverse = np.linalg.inv(xtx[regular])
        coef = np.einsum("pkl,pl->pk", inverse, xty[regular])
        residual = np.where(observed[regular], y[regular] - coef @ x.T, 0.0)
        targets = rows[regular]
        coefficients[targets] = coef
        stdev_unscaled[targets] = np.sqrt(np.diagonal(inverse, axis1=1, axis2=2))
        rss[targets] = np.sum(residual**2, axis=1)
        df_residual[targets] = observed[regular].sum(axis=1) - n_coef
    return list(rows[~regular])


def _row_means(y: np.ndarray, observed: np.ndarray, complete: np.ndarray) -> np.ndarray:
    """Mean of each row's available values, in blocks (np.nanmean copies the whole matrix)."""
    if complete.all():
        return y.mean(axis=1)
    means = np.empty(y.shape[0])
    for start in range(0, y.shape[0], _BLOCK):
        part = slice(start, start + _BLOCK)
        seen = observed[part]
        with np.errstate(invalid="ignore", divide="ignore"):
            means[part] = np.where(seen, y[part], 0.0).sum(axis=1) / seen.sum(axis=1)
    return means


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
    if expression.columns.equals(design.index):
        y_all = expression.to_numpy(dtype=float)  # no copy when already float64
    else:
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
    complete = observed.all(axis=1)
    if complete.any():
        rows = np.flatnonzero(complete)
        y_complete = y_all if complete.all() else y_all[rows]
        coef, unscaled, block_rss, df = _solve_block(y_complete, x, n_coef, keep=full_rank)
        coefficients[rows], stdev_unscaled[rows], rss[rows], df_residual[rows] = (
            coef,
            unscaled,
            block_rss,
            df,
        )
    incomplete = np.flatnonzero(~complete & observed.any(axis=1))
    irregular = []
    for start in range(0, incomplete.size, _BLOCK):
        rows = incomplete[start : start + _BLOCK]
        irregular.extend(
            _solve_masked(y_all[rows], observed[rows], x, rows, coefficients, stdev_unscaled,
                          rss, df_residual)
        )  # fmt: skip
    for row in irregular:
        mask = observed[row]
        coef, unscaled, block_rss, df = _solve_block(y_all[row : row + 1, mask], x[mask], n_coef)
        coefficients[row], stdev_unscaled[row], rss[row], df_residual[row] = (
            coef[0],
            unscaled[0],
            block_rss[0],
            df,
        )

    with np.errstate(invalid="ignore", divide="ignore"):
        sigma = np.where(df_residual > 0, np.sqrt(rss / df_residual), np.nan)
        amean = _row_means(y_all, observed, complete)
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
