"""Parity of proteosig.differential.squeeze with limma 3.54's squeezeVar (and helpers).

Fixtures in tests/data/squeeze/ were written by make_fixtures.R (R 4.2.2, limma 3.54.1);
see the README there.  Tolerance: relative 1e-8, or absolute 1e-12; infinities and NaN
must match exactly.
"""

from __future__ import annotations

import math
import os
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from proteosig.differential.squeeze import (
    FDistRobustResult,
    SqueezeResult,
    _loess_fit_trend,
    fit_f_dist,
    fit_f_dist_robustly,
    natural_spline_basis,
    squeeze_var,
    trigamma_inverse,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "squeeze"
RTOL, ATOL = 1e-8, 1e-12


def _num(s: str) -> float:
    return math.nan if s == "NA" else float(s)  # float() accepts "Inf" / "-Inf"


def read_tsv(path: Path) -> pd.DataFrame:
    raw = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    out = {}
    for col in raw.columns:
        vals = raw[col]
        if vals.isin(["TRUE", "FALSE"]).all():
            out[col] = vals.eq("TRUE").to_numpy()
        else:
            try:
                out[col] = vals.map(_num).to_numpy(dtype=float)
            except ValueError:
                out[col] = vals.to_numpy()
    return pd.DataFrame(out)


def max_rel_diff(actual, expected) -> float:
    """Largest |a-b|/|b| over finite pairs; inf when non-finite values disagree."""
    a = np.atleast_1d(np.asarray(actual, dtype=float))
    b = np.atleast_1d(np.asarray(expected, dtype=float))
    a, b = np.broadcast_arrays(a, b)
    nonfin = ~np.isfinite(a) | ~np.isfinite(b)
    same_nonfin = (np.isnan(a) & np.isnan(b)) | (a == b)
    if (nonfin & ~same_nonfin).any():
        return math.inf
    fin = ~nonfin
    if not fin.any():
        return 0.0
    d = np.abs(a[fin] - b[fin])
    rel = np.where(d <= ATOL, 0.0, d / np.maximum(np.abs(b[fin]), 1e-300))
    return float(rel.max())


def assert_close(actual, expected, what: str) -> float:
    worst = max_rel_diff(actual, expected)
    assert worst <= RTOL, f"{what}: max relative difference {worst:.3g}"
    return worst


def _manifest(dirpath: Path) -> pd.DataFrame:
    return read_tsv(dirpath / "cases.tsv")


CASES = _manifest(DATA)


def _inputs(row, table):
    var = table["var"].to_numpy()
    df = float(table["df"].iloc[0]) if row.df_scalar else table["df"].to_numpy()
    cov = table["covariate"].to_numpy() if row.has_covariate else None
    return var, df, cov


def _run_squeeze(row, table) -> SqueezeResult:
    var, df, cov = _inputs(row, table)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return squeeze_var(
            var,
            df,
            covariate=cov,
            robust=bool(row.robust),
            winsor_tail_p=(row.winsor_lo, row.winsor_hi),
        )


def _check_case(row, table) -> dict[str, float]:
    res = _run_squeeze(row, table)
    n = len(table)
    assert np.shape(res.var_post) == (n,)
    assert (np.ndim(res.var_prior) == 0) == bool(row.var_prior_scalar)
    assert (np.ndim(res.df_prior) == 0) == bool(row.df_prior_scalar)
    worst = {
        "var_post": assert_close(res.var_post, table["var_post"], f"{row.case} var_post"),
        "var_prior": assert_close(
            np.broadcast_to(res.var_prior, (n,)), table["var_prior"], f"{row.case} var_prior"
        ),
        "df_prior": assert_close(
            np.broadcast_to(res.df_prior, (n,)), table["df_prior"], f"{row.case} df_prior"
        ),
    }
    return worst


@pytest.mark.parametrize("row", list(CASES.itertuples(index=False)), ids=list(CASES["case"]))
def test_squeeze_var_matches_limma(row):
    table = read_tsv(DATA / f"{row.case}.tsv")
    _check_case(row, table)


ROBUST = CASES[CASES["robust"]]


@pytest.mark.parametrize("row", list(ROBUST.itertuples(index=False)), ids=list(ROBUST["case"]))
def test_fit_f_dist_robustly_matches_limma(row):
    table = read_tsv(DATA / f"{row.case}.tsv")
    var, df, cov = _inputs(row, table)
    var = var.copy()
    if np.ndim(df):
        var[df == 0] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = fit_f_dist_robustly(
            var, df, covariate=cov, winsor_tail_p=(row.winsor_lo, row.winsor_hi)
        )
    assert isinstance(fit, FDistRobustResult)
    assert_close(fit.df2, row.df2, "df2")
    assert_close(fit.df2_shrunk, table["df_prior"], "df2_shrunk")
    if row.has_robust_extras:
        assert_close(fit.tail_p_value, table["tail_p_value"], "tail_p_value")
        assert_close(fit.prob_outlier, table["prob_outlier"], "prob_outlier")
        if not math.isnan(row.df2_outlier):
            assert_close(fit.df2_outlier, row.df2_outlier, "df2_outlier")
    else:
        assert fit.tail_p_value is None


def test_fit_f_dist_agrees_with_squeeze_prior():
    row = CASES.set_index("case").loc["unequal_df"]
    table = read_tsv(DATA / "unequal_df.tsv")
    scale, df2 = fit_f_dist(table["var"].to_numpy(), table["df"].to_numpy())
    assert_close(scale, table["var_prior"].iloc[0], "scale")
    assert_close(df2, table["df_prior"].iloc[0], "df2")
    assert bool(row.var_prior_scalar)


def test_infinite_prior_df_is_exact():
    table = read_tsv(DATA / "no_dispersion.tsv")
    res = squeeze_var(table["var"].to_numpy(), 4.0)
    assert res.df_prior == math.inf
    assert np.all(table["df_prior"].to_numpy() == math.inf)
    assert_close(res.var_post, table["var_post"], "var_post")


NS = read_tsv(DATA / "ns_cases.tsv")


@pytest.mark.parametrize("row", list(NS.itertuples(index=False)), ids=list(NS["tag"]))
def test_ns_basis_matches_r(row):
    expected = read_tsv(DATA / f"{row.tag}.tsv")
    pred = read_tsv(DATA / f"{row.tag}_predict.tsv")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        b = natural_spline_basis(
            expected["x"].to_numpy(), int(row.df), intercept=bool(row.intercept)
        )
    cols = [c for c in expected.columns if c.startswith("b")]
    assert b.basis.shape == (len(expected), len(cols))
    assert np.max(np.abs(b.basis - expected[cols].to_numpy())) < 1e-12
    knots = [] if row.knots == "" else [_num(k) for k in str(row.knots).split(",")]
    np.testing.assert_allclose(b.knots, knots, rtol=1e-15, atol=0)
    np.testing.assert_allclose(b.boundary_knots, [_num(k) for k in row.boundary.split(",")])
    p = b.predict(pred["x"].to_numpy())
    assert np.max(np.abs(p - pred[cols].to_numpy())) < 1e-12


def test_trigamma_inverse_matches_limma():
    t = read_tsv(DATA / "trigamma_inverse.tsv")
    assert_close(trigamma_inverse(t["x"].to_numpy()), t["y"], "trigammaInverse")
    assert trigamma_inverse(1.0) == pytest.approx(t.loc[t.x == 1.0, "y"].iloc[0], rel=1e-12)
    with pytest.warns(RuntimeWarning):
        assert np.isnan(trigamma_inverse([-1.0])[0])


def test_loess_trend_matches_limma_loessfit():
    t = read_tsv(DATA / "loessfit.tsv")
    fitted, resid = _loess_fit_trend(t["y"].to_numpy(), t["x"].to_numpy(), span=0.4)
    assert_close(fitted, t["fitted"], "loessFit fitted")
    np.testing.assert_allclose(resid, t["y"] - fitted)


def test_edge_cases():
    res = squeeze_var([0.3], 4)
    assert res.df_prior == 0 and res.var_prior == 0.3 and res.var_post.tolist() == [0.3]
    with pytest.raises(ValueError):
        squeeze_var([], 4)
    with pytest.raises(NotImplementedError):
        squeeze_var([0.1, 0.2, 0.3], 4, legacy=False)
    with pytest.raises(ValueError, match="prior df"):
        squeeze_var([0.1, 0.2, 0.3], 0)  # scalar df 0: limma cannot estimate the prior
    # Scalar and constant-vector df give the same answer.
    rng = np.random.default_rng(3)
    v = rng.chisquare(4, 200) / 4 * 0.1 / (rng.chisquare(5, 200) / 5)
    a, b = squeeze_var(v, 4), squeeze_var(v, np.full(200, 4.0))
    np.testing.assert_allclose(a.var_post, b.var_post, rtol=1e-14)


def _synthetic(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    cov = rng.uniform(2, 14, n)
    df = rng.choice([4.0, 5.0, 6.0], n, p=[0.1, 0.2, 0.7])
    s0 = np.exp(-3 + 0.8 * np.sin(cov) + 0.2 * cov)
    sigma2 = s0 * 6 / rng.chisquare(6, n)
    var = sigma2 * rng.chisquare(df) / df
    var[:200] *= 30
    return var, df, cov


def test_speed_20000_genes():
    var, df, cov = _synthetic(20_000)
    timings = {}
    for label, kw in {
        "plain": {},
        "trend": {"covariate": cov},
        "robust": {"robust": True},
        "robust_trend": {"covariate": cov, "robust": True},
    }.items():
        t0 = time.perf_counter()
        res = squeeze_var(var, df, **kw)
        timings[label] = time.perf_counter() - t0
        assert np.isfinite(res.var_post).all()
    # Generous bound for a 2-core CI machine; typical total is well under a second.
    assert sum(timings.values()) < 20, timings


BIG = os.environ.get("PROTEOSIG_SQUEEZE_BIG")


@pytest.mark.skipif(not BIG, reason="set PROTEOSIG_SQUEEZE_BIG to make_fixtures.R --big output")
def test_big_fixture_matches_limma():
    big = Path(BIG)
    for row in _manifest(big).itertuples(index=False):
        _check_case(row, read_tsv(big / f"{row.case}.tsv"))


def test_squeeze_var_rows_equals_squeeze_var_per_row():
    from proteosig.differential.squeeze import squeeze_var_rows

    rng = np.random.default_rng(1)
    var = rng.gamma(3, 0.2, (40, 300))
    var[3] = rng.gamma(400, 0.002, 300)  # no excess dispersion: infinite prior df
    var[5, :200] = 0.0  # mostly zero: handled by squeeze_var itself
    var[7, 10] = np.nan
    with pytest.warns(UserWarning):
        batched = squeeze_var_rows(var, 20.0)
    with pytest.warns(UserWarning):
        single = np.vstack([squeeze_var(row, 20.0).var_post for row in var])
    np.testing.assert_allclose(batched, single, rtol=1e-10, equal_nan=True)
