"""Result tables (limma's ``topTable``): the only place multiple testing is corrected."""

from __future__ import annotations

import numpy as np
import pandas as pd

from proteosig.differential import tdist
from proteosig.differential.moderate import ModeratedFit

TABLE_COLUMNS = ["logFC", "CI.L", "CI.R", "AveExpr", "t", "P.Value", "adj.P.Val", "B"]


def adjust_bh(p_values: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg over the non-missing p-values (missing stay missing), as R's
    ``p.adjust(method="BH")``."""
    p = np.asarray(p_values, dtype=float)
    adjusted = np.full(p.shape, np.nan)
    present = np.isfinite(p)
    if present.any():
        # by hand rather than scipy.stats.false_discovery_control: that import costs a
        # second per pipeline job, and BH is three lines
        values = p[present]
        n = values.size
        order = np.argsort(values, kind="stable")[::-1]  # largest first
        scaled = values[order] * n / np.arange(n, 0, -1)
        adjusted_values = np.empty(n)
        adjusted_values[order] = np.minimum(np.minimum.accumulate(scaled), 1.0)
        adjusted[present] = adjusted_values
    return adjusted


def top_table(
    moderated: ModeratedFit, coef: str, *, confint: float = 0.95, sort_by: str | None = None
) -> pd.DataFrame:
    """One contrast's table with limma's column names, in the fit's protein order.

    ``sort_by='P'`` orders by p-value as topTable does; the default keeps protein order.
    """
    if not isinstance(moderated, ModeratedFit):
        raise TypeError("top_table needs a moderated fit: call ebayes() or treat() first")
    j = moderated.coef_names.index(coef)
    fit = moderated.fit
    log_fc = fit.coefficients[:, j]
    se = fit.stdev_unscaled[:, j] * np.sqrt(moderated.s2_post)
    margin = se * tdist.ppf((1 + confint) / 2, moderated.df_total)
    table = pd.DataFrame(
        {
            "logFC": log_fc,
            "CI.L": log_fc - margin,
            "CI.R": log_fc + margin,
            "AveExpr": fit.amean,
            "t": moderated.t[:, j],
            "P.Value": moderated.p_value[:, j],
            "adj.P.Val": adjust_bh(moderated.p_value[:, j]),
        },
        index=pd.Index(fit.protein_ids, name="protein"),
    )
    if moderated.lods is not None:
        table["B"] = moderated.lods[:, j]
    if sort_by == "P":
        table = table.sort_values("P.Value", kind="stable")
    return table
