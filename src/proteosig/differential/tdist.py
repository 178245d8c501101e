"""Student t tail probabilities and quantiles from ``scipy.special``.

``scipy.stats.t`` computes exactly these (its ``_sf``/``_ppf``/``_isf`` call
``special.stdtr``/``stdtrit``), but importing ``scipy.stats`` costs about a second of CPU
per process, and every differential, similarity and reversal job of the pipeline is its own
process: on the demo that import was about a tenth of the whole run. The wrappers add
``scipy.stats``' argument rule, NaN where the degrees of freedom are not positive.
"""

from __future__ import annotations

import numpy as np
from scipy import special


def _valid(df):
    return np.asarray(df, dtype=float) > 0


def sf(x, df):
    """P(T > x) for T ~ t(df)."""
    with np.errstate(invalid="ignore"):
        return np.where(_valid(df), special.stdtr(df, -np.asarray(x, dtype=float)), np.nan)


def logsf(x, df):
    """log P(T > x); below 0, as log(1 - P(T > -x)) so that a tail near 1 keeps its digits."""
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x < 0, np.log1p(-sf(-x, df)), np.log(sf(x, df)))


def ppf(q, df):
    """The q quantile of t(df)."""
    q = np.asarray(q, dtype=float)
    with np.errstate(invalid="ignore"):
        inner = np.where(q == 0, -np.inf, np.where(q == 1, np.inf, special.stdtrit(df, q)))
        return np.where(_valid(df) & (q >= 0) & (q <= 1), inner, np.nan)


def isf(q, df):
    """The x with P(T > x) = q."""
    return -ppf(q, df)
