"""The t-distribution wrappers give scipy.stats.t's values (they replace its slow import),
and the hand-written BH gives scipy's."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from proteosig.differential import tdist
from proteosig.differential.table import adjust_bh


@pytest.mark.parametrize("df", [0.5, 1, 3.7, 10, 1e3, 1e8, np.inf, 0, -1, np.nan])
def test_t_tails_and_quantiles_equal_scipy_stats(df):
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 5, 2000), [np.inf, -np.inf, np.nan, 0.0, 40, -40]])
    q = np.concatenate([rng.uniform(0, 1, 500), [0, 1, 1e-300, np.nan, -0.1, 1.5]])
    assert np.array_equal(tdist.sf(x, df), stats.t.sf(x, df), equal_nan=True)
    assert np.array_equal(tdist.ppf(q, df), stats.t.ppf(q, df), equal_nan=True)
    assert np.array_equal(tdist.isf(q, df), stats.t.isf(q, df), equal_nan=True)
    with np.errstate(all="ignore"):
        # scipy takes log1p(-cdf) where the tail is near 1: agreement to 1e-10 there
        np.testing.assert_allclose(
            tdist.logsf(x[:2000], df), stats.t.logsf(x[:2000], df), rtol=1e-10, atol=1e-300
        )


def test_bh_equals_scipy_with_ties_and_missing_values():
    rng = np.random.default_rng(1)
    for n in (1, 2, 5, 100, 1000):
        p = rng.uniform(size=n) ** 3
        p[::7] = p[0]
        p[::11] = np.nan
        present = np.isfinite(p)
        expected = np.full(n, np.nan)
        expected[present] = stats.false_discovery_control(p[present], method="bh")
        np.testing.assert_allclose(adjust_bh(p), expected, rtol=0, atol=1e-15)
