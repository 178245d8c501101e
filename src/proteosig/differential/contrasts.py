"""Re-express a fit as contrasts of its coefficients (limma's ``contrasts.fit``)."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pandas as pd

from proteosig.differential.fit import LinearFit
from proteosig.errors import InputError

# limma's markers: a coefficient that could not be estimated is carried as 0 with a huge
# standard error, and any resulting standard error above the threshold becomes NA.
_NA_STDEV = 1e30
_NA_THRESHOLD = 1e20


def contrast_matrix(expressions: dict[str, str], coef_names: list[str]) -> pd.DataFrame:
    """Coefficients x contrasts matrix from expressions such as ``{"AD_vs_HC": "AD-HC"}``.

    An expression is a signed sum of coefficient names with optional numeric weights,
    e.g. ``"MDD-HC"``, ``"(AD+PSO)/2-HC"`` is not supported but ``"0.5*AD+0.5*PSO-HC"`` is.
    """
    matrix = pd.DataFrame(0.0, index=coef_names, columns=list(expressions))
    term = re.compile(r"([+-]?)\s*(?:(\d+(?:\.\d*)?|\.\d+)\s*\*\s*)?([A-Za-z_.][\w.]*)")
    for name, expression in expressions.items():
        text = expression.replace(" ", "")
        position = 0
        for match in term.finditer(text):
            if match.start() != position:
                break
            sign = -1.0 if match.group(1) == "-" else 1.0
            weight = float(match.group(2)) if match.group(2) else 1.0
            coef = match.group(3)
            if coef not in matrix.index:
                raise InputError(
                    "config",
                    f"contrast {name!r} ({expression}) names {coef!r}, which is not a "
                    "coefficient of the design",
                    where="differential: contrasts",
                    expected="names among " + ", ".join(coef_names),
                    fix="use group names of the sample sheet (e.g. 'MDD-HC')",
                )
            matrix.loc[coef, name] += sign * weight
            position = match.end()
        if position != len(text) or not text:
            raise InputError(
                "config",
                f"contrast {name!r} cannot be read: {expression!r}",
                where="differential: contrasts",
                expected="a signed sum of coefficient names, e.g. 'MDD-HC' or '0.5*AD+0.5*PSO-HC'",
                fix="rewrite the contrast",
            )
    return matrix


def contrasts_fit(fit: LinearFit, contrasts: pd.DataFrame) -> LinearFit:
    """Coefficients and standard errors of each contrast, for every protein.

    Follows limma: when the design's coefficients are correlated, a contrast's unscaled
    standard error combines the protein's own coefficient standard errors with the
    correlation of the *full* design (an approximation when a protein misses samples,
    kept so that results equal limma's).
    """
    c = contrasts.reindex(fit.coef_names).to_numpy(dtype=float)
    if np.isnan(c).any():
        raise InputError("contrasts", "contrast matrix rows do not match the coefficients")
    coef = fit.coefficients.copy()
    unscaled = fit.stdev_unscaled.copy()
    not_estimable = ~np.isfinite(coef)
    coef[not_estimable] = 0.0
    unscaled[not_estimable] = _NA_STDEV

    new_coef = coef @ c
    cov = fit.cov_coefficients
    sd = np.sqrt(np.diag(cov))
    correlation = cov / np.outer(sd, sd)
    off_diagonal = correlation[~np.eye(len(sd), dtype=bool)]
    if off_diagonal.size == 0 or np.all(np.abs(off_diagonal) < 1e-14):
        new_unscaled = np.sqrt((unscaled**2) @ (c**2))
    else:
        new_unscaled = np.empty((coef.shape[0], c.shape[1]))
        for j in range(c.shape[1]):
            scaled = unscaled * c[:, j]
            new_unscaled[:, j] = np.sqrt(np.einsum("pk,kl,pl->p", scaled, correlation, scaled))
    new_unscaled[new_unscaled > _NA_THRESHOLD] = np.nan
    new_coef[np.isnan(new_unscaled)] = np.nan
    return replace(
        fit,
        coefficients=new_coef,
        stdev_unscaled=new_unscaled,
        cov_coefficients=c.T @ cov @ c,
        coef_names=list(contrasts.columns),
        contrasts=contrasts,
    )
