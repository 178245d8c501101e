"""Our engine against R's limma 3.54 on real, demo, missing-value and paired data.

Fixtures: tests/data/limma/<scenario>/ (inputs, R's design and outputs), made by
tests/data/limma/run_limma.R; .ci/run regenerates them with live R before the tests.
Agreement required (issue 3): every value within 1e-8 relative or 1e-12 absolute, and
the same missing-value pattern.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from proteosig.differential import contrast_matrix, contrasts_fit, ebayes, lm_fit, top_table
from proteosig.differential import treat as treat_fit
from proteosig.differential.design import design_matrix
from tests.helpers import REPO

DATA = REPO / "tests" / "data" / "limma"
SCENARIOS = ["gisby", "demo", "demo_missing", "small_paired"]
MODERATIONS = {
    "default": {},
    "trend": {"trend": True},
    "robust": {"robust": True},
    "trend_robust": {"trend": True, "robust": True},
}
COLUMNS = ["logFC", "CI.L", "CI.R", "AveExpr", "t", "P.Value", "adj.P.Val", "B"]


def assert_matches_r(ours, theirs, label: str, rel: float = 1e-8, abs_: float = 1e-12) -> None:
    ours = np.asarray(ours, dtype=float)
    theirs = np.asarray(theirs, dtype=float)
    assert ours.shape == theirs.shape, label
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs), err_msg=f"{label}: NA pattern")
    both = np.isfinite(theirs)
    diff = np.abs(ours[both] - theirs[both])
    ok = (diff <= abs_) | (diff <= rel * np.abs(theirs[both]))
    worst = np.max(diff / np.maximum(np.abs(theirs[both]), 1e-300)) if diff.size else 0.0
    assert ok.all(), f"{label}: {np.sum(~ok)} values differ (worst relative {worst:.2e})"


def load(scenario: str):
    folder = DATA / scenario
    spec = json.loads((folder / "spec.json").read_text())
    expression = pd.read_csv(folder / "expression.tsv", sep="\t", index_col=0)
    samples = pd.read_csv(folder / "samples.tsv", sep="\t", dtype=str)
    group = spec["group_variable"]
    samples = samples.rename(columns={group: "group"})
    formula = spec["formula"].replace(group, "group")
    design = design_matrix(samples, formula, group_levels=spec["factors"][group])
    contrasts = {c["name"]: c["expression"] for c in spec["contrasts"]}
    return folder, spec, expression, design, contrasts


@pytest.fixture(scope="module", params=SCENARIOS)
def scenario(request):
    folder, spec, expression, design, contrasts = load(request.param)
    fit = lm_fit(expression, design)
    fit2 = contrasts_fit(fit, contrast_matrix(contrasts, fit.coef_names))
    return request.param, folder, expression, design, contrasts, fit, fit2


def test_design_equals_r_model_matrix(scenario):
    name, folder, _, design, *_ = scenario
    r_design = pd.read_csv(folder / "design.tsv", sep="\t", index_col=0)
    assert list(design.columns) == list(r_design.columns)
    assert_matches_r(design.to_numpy(), r_design.loc[design.index].to_numpy(), f"{name} design")


def test_lm_fit_equals_r(scenario):
    name, folder, _, _, _, fit, fit2 = scenario
    lmfit = pd.read_csv(folder / "lmfit.tsv", sep="\t", index_col=0)
    coefficients = pd.read_csv(folder / "coefficients.tsv", sep="\t", index_col=0)
    unscaled = pd.read_csv(folder / "lmfit_stdev_unscaled.tsv", sep="\t", index_col=0)
    assert_matches_r(fit.coefficients, coefficients, f"{name} coefficients")
    assert_matches_r(fit.stdev_unscaled, unscaled, f"{name} stdev.unscaled")
    assert_matches_r(fit.sigma, lmfit["sigma"], f"{name} sigma")
    assert_matches_r(fit.df_residual, lmfit["df.residual"], f"{name} df.residual")
    assert_matches_r(fit.amean, lmfit["Amean"], f"{name} Amean")
    contrast_coef = pd.read_csv(folder / "contrast_coefficients.tsv", sep="\t", index_col=0)
    contrast_unscaled = pd.read_csv(folder / "stdev_unscaled.tsv", sep="\t", index_col=0)
    assert_matches_r(fit2.coefficients, contrast_coef, f"{name} contrast coef")
    assert_matches_r(fit2.stdev_unscaled, contrast_unscaled, f"{name} contrast stdev.unscaled")


@pytest.mark.parametrize("moderation", list(MODERATIONS))
def test_ebayes_top_table_equals_r(scenario, moderation):
    name, folder, _, _, contrasts, _, fit2 = scenario
    moderated = ebayes(fit2, **MODERATIONS[moderation])
    r_fit = pd.read_csv(folder / moderation / "fit.tsv", sep="\t", index_col=0)
    for ours, column in (
        (moderated.s2_prior, "s2.prior"),
        (moderated.df_prior, "df.prior"),
        (moderated.s2_post, "s2.post"),
        (moderated.df_total, "df.total"),
    ):
        assert_matches_r(ours, r_fit[column], f"{name} {moderation} {column}")
    for contrast in contrasts:
        ours = top_table(moderated, contrast)
        theirs = pd.read_csv(folder / moderation / f"{contrast}.tsv", sep="\t", index_col=0)
        assert list(ours.index) == list(theirs.index)
        for column in COLUMNS:
            label = f"{name} {moderation} {contrast} {column}"
            assert_matches_r(ours[column], theirs[column], label)


def test_treat_equals_r(scenario):
    name, folder, _, _, contrasts, _, fit2 = scenario
    moderated = treat_fit(fit2, lfc=np.log2(1.5))
    for contrast in contrasts:
        ours = top_table(moderated, contrast)
        theirs = pd.read_csv(folder / "treat" / f"{contrast}.tsv", sep="\t", index_col=0)
        for column in ("logFC", "t", "P.Value", "adj.P.Val", "CI.L", "CI.R"):
            assert_matches_r(ours[column], theirs[column], f"{name} treat {contrast} {column}")
