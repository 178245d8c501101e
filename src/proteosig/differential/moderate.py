"""Empirical-Bayes moderation of a fit (limma's ``eBayes`` and ``treat``).

The variance shrinkage itself is the standalone kernel ``squeeze_var`` (limma's
``squeezeVar``); this module turns its prior into moderated t statistics, p-values and
B statistics (log-odds of differential expression) for every protein and contrast.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from proteosig.differential import tdist
from proteosig.differential.fit import LinearFit
from proteosig.differential.squeeze import squeeze_var


@dataclass
class ModeratedFit:
    """A LinearFit plus limma's eBayes (or treat) results; arrays are proteins x contrasts."""

    fit: LinearFit
    t: np.ndarray
    p_value: np.ndarray
    lods: np.ndarray | None  # B statistic; None after treat
    s2_prior: np.ndarray  # per protein (constant unless trend=True)
    df_prior: np.ndarray  # per protein (constant unless robust=True)
    s2_post: np.ndarray  # per protein
    df_total: np.ndarray  # per protein
    var_prior: np.ndarray | None  # per contrast
    treat_lfc: float | None = None
    params: dict = field(default_factory=dict)

    @property
    def coef_names(self) -> list[str]:
        return self.fit.coef_names


def _broadcast(value, n: int) -> np.ndarray:
    array = np.asarray(value, dtype=float)
    return np.full(n, float(array)) if array.ndim == 0 else array


def _shrink(fit: LinearFit, *, trend: bool, robust: bool, winsor_tail_p):
    n = fit.n_proteins
    covariate = fit.amean if trend else None
    result = squeeze_var(
        fit.sigma**2,
        fit.df_residual,
        covariate=covariate,
        robust=robust,
        winsor_tail_p=winsor_tail_p,
    )
    s2_prior = _broadcast(result.var_prior, n)
    df_prior = _broadcast(result.df_prior, n)
    s2_post = np.asarray(result.var_post, dtype=float)
    # limma caps the total df at the pooled residual df of all proteins
    df_pooled = np.nansum(fit.df_residual)
    df_total = np.minimum(fit.df_residual + df_prior, df_pooled)
    return s2_prior, df_prior, s2_post, df_total


def ebayes(
    fit: LinearFit,
    *,
    proportion: float = 0.01,
    stdev_coef_lim: tuple[float, float] = (0.1, 4.0),
    trend: bool = False,
    robust: bool = False,
    winsor_tail_p: tuple[float, float] = (0.05, 0.1),
) -> ModeratedFit:
    """Moderated t-statistics, p-values and B-statistics, as limma's ``eBayes``.

    Parameters follow limma: ``proportion`` is the assumed fraction of differentially
    expressed proteins (used only for B), ``trend`` lets the prior variance depend on the
    protein's mean (``Amean``), ``robust`` protects the prior from outlier variances.
    """
    s2_prior, df_prior, s2_post, df_total = _shrink(
        fit, trend=trend, robust=robust, winsor_tail_p=winsor_tail_p
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        t = fit.coefficients / fit.stdev_unscaled / np.sqrt(s2_post)[:, None]
    p_value = 2 * tdist.sf(np.abs(t), df_total[:, None])

    var_prior_lim = np.asarray(stdev_coef_lim, dtype=float) ** 2 / np.median(s2_prior)
    var_prior = np.array(
        [
            tmixture(t[:, j], fit.stdev_unscaled[:, j], df_total, proportion, var_prior_lim)
            for j in range(t.shape[1])
        ]
    )
    missing = np.isnan(var_prior)
    if missing.any():  # limma's fallback when too few proteins to estimate it
        var_prior[missing] = 1 / s2_prior[0]
    lods = log_odds(t, fit.stdev_unscaled, var_prior, df_total, df_prior, proportion)
    return ModeratedFit(
        fit=fit,
        t=t,
        p_value=p_value,
        lods=lods,
        s2_prior=s2_prior,
        df_prior=df_prior,
        s2_post=s2_post,
        df_total=df_total,
        var_prior=var_prior,
        params={
            "method": "eBayes",
            "trend": trend,
            "robust": robust,
            "proportion": proportion,
            "stdev_coef_lim": list(stdev_coef_lim),
            "winsor_tail_p": list(winsor_tail_p),
        },
    )


def tmixture(tstat, stdev_unscaled, df, proportion, var_prior_lim) -> float:
    """Prior variance of true log-fold-changes, from the largest |t| (limma's tmixture).

    The top ``proportion/2`` of |t| are compared with the order statistics expected if a
    ``proportion`` of proteins were differentially expressed; t statistics on fewer df
    are first moved to the largest df by matching tail probabilities.
    """
    keep = np.isfinite(tstat)
    tstat = np.abs(np.asarray(tstat, dtype=float)[keep])
    v1_all = np.asarray(stdev_unscaled, dtype=float)[keep] ** 2
    df = np.asarray(df, dtype=float)[keep]
    n = tstat.size
    n_target = int(np.ceil(proportion / 2 * n))
    if n_target < 1:
        return np.nan
    p = max(n_target / n, proportion)
    max_df = df.max()
    lower = df < max_df
    if lower.any():
        log_tail = tdist.logsf(tstat[lower], df[lower])
        tstat[lower] = tdist.isf(np.exp(log_tail), max_df)
    order = np.argsort(-tstat, kind="stable")[:n_target]
    top = tstat[order]
    v1 = v1_all[order]
    ranks = np.arange(1, n_target + 1)
    p0 = 2 * tdist.sf(top, max_df)
    p_target = ((ranks - 0.5) / n - (1 - p) * p0) / p
    v0 = np.zeros(n_target)
    positive = p_target > p0
    if positive.any():
        q_target = -tdist.ppf(p_target[positive] / 2, max_df)
        v0[positive] = v1[positive] * ((top[positive] / q_target) ** 2 - 1)
    v0 = np.clip(v0, var_prior_lim[0], var_prior_lim[1])
    return float(np.mean(v0))


def log_odds(t, stdev_unscaled, var_prior, df_total, df_prior, proportion) -> np.ndarray:
    """limma's B statistic: log posterior odds that a protein is differentially expressed."""
    v = stdev_unscaled**2
    r = (v + var_prior[None, :]) / v
    t2 = t**2
    df = df_total[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        kernel = (1 + df) / 2 * np.log((t2 + df) / (t2 / r + df))
        infinite = (df_prior > 1e6)[:, None] & np.ones_like(t, dtype=bool)
        kernel = np.where(infinite, t2 * (1 - 1 / r) / 2, kernel)
        return np.log(proportion / (1 - proportion)) - np.log(r) / 2 + kernel


def treat(
    fit: LinearFit,
    *,
    lfc: float,
    trend: bool = False,
    robust: bool = False,
    winsor_tail_p: tuple[float, float] = (0.05, 0.1),
) -> ModeratedFit:
    """Test against a fold-change threshold |logFC| > ``lfc`` (limma's ``treat``).

    The p-value is the probability, under the moderated t distribution, of a statistic as
    extreme as the observed one if the true log-fold-change were at ±lfc.
    """
    s2_prior, df_prior, s2_post, df_total = _shrink(
        fit, trend=trend, robust=robust, winsor_tail_p=winsor_tail_p
    )
    lfc = abs(float(lfc))
    se = fit.stdev_unscaled * np.sqrt(s2_post)[:, None]
    coef = np.abs(fit.coefficients)
    df = df_total[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        t_lower = (coef - lfc) / se
        t_upper = (coef + lfc) / se
        p_value = tdist.sf(t_lower, df) + tdist.sf(t_upper, df)
        t = np.sign(fit.coefficients) * np.maximum(t_lower, 0)
    return ModeratedFit(
        fit=fit,
        t=t,
        p_value=p_value,
        lods=None,
        s2_prior=s2_prior,
        df_prior=df_prior,
        s2_post=s2_post,
        df_total=df_total,
        var_prior=None,
        treat_lfc=lfc,
        params={"method": "treat", "lfc": lfc, "trend": trend, "robust": robust},
    )
