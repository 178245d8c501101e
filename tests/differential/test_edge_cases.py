"""The engine on inputs that break naive implementations, and its guard rails."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from proteosig.differential import (
    contrast_matrix,
    contrasts_fit,
    design_matrix,
    ebayes,
    lm_fit,
    top_table,
)
from proteosig.differential.run import build_contrasts
from proteosig.errors import InputError


def small(n_per_group=6, n_proteins=50, seed=0):
    rng = np.random.default_rng(seed)
    samples = pd.DataFrame(
        {
            "sample_id": [f"s{i}" for i in range(3 * n_per_group)],
            "group": np.repeat(["HC", "AD", "MDD"], n_per_group),
            "age": rng.integers(20, 70, 3 * n_per_group).astype(str),
        }
    )
    expression = pd.DataFrame(
        rng.normal(5, 1, size=(n_proteins, len(samples))),
        index=[f"P{j}" for j in range(n_proteins)],
        columns=samples["sample_id"],
    )
    return samples, expression


def test_rank_deficient_design_is_refused_with_the_column_named():
    samples, expression = small()
    samples["batch"] = np.where(samples["group"] == "HC", "b1", "b2")  # = HC indicator
    design = design_matrix(samples, "~ 0 + group + batch", group_levels=["HC", "AD", "MDD"])
    with pytest.raises(InputError, match="not of full rank: batchb2"):
        lm_fit(expression, design)


def test_unknown_and_unreadable_contrasts():
    names = ["HC", "AD", "MDD", "age"]
    with pytest.raises(InputError, match="names 'PSO'"):
        contrast_matrix({"x": "PSO-HC"}, names)
    with pytest.raises(InputError, match="cannot be read"):
        contrast_matrix({"x": "(AD+MDD)/2-HC"}, names)
    weights = contrast_matrix({"mean": "0.5*AD+0.5*MDD-HC"}, names)["mean"]
    assert weights.to_dict() == {"HC": -1.0, "AD": 0.5, "MDD": 0.5, "age": 0.0}


def test_formula_variable_not_in_samples():
    samples, _ = small()
    with pytest.raises(InputError, match="uses 'bmi'.*samples: covariates"):
        design_matrix(samples, "~ 0 + group + bmi", group_levels=["HC", "AD", "MDD"])


def test_missing_covariate_value_is_named():
    samples, _ = small()
    samples.loc[3, "age"] = None
    with pytest.raises(InputError, match="'age' is missing for 1 sample.*s3"):
        design_matrix(samples, "~ 0 + group + age", group_levels=["HC", "AD", "MDD"])


def test_protein_with_no_values_and_protein_missing_a_group():
    samples, expression = small()
    expression.iloc[0, :] = np.nan
    expression.iloc[1, samples.index[samples["group"] == "AD"]] = np.nan
    design = design_matrix(samples, "~ 0 + group", group_levels=["HC", "AD", "MDD"])
    fit = lm_fit(expression, design)
    assert np.isnan(fit.coefficients[0]).all() and np.isnan(fit.sigma[0])
    assert np.isnan(fit.coefficients[1, 1]) and np.isfinite(fit.coefficients[1, [0, 2]]).all()
    moderated = ebayes(contrasts_fit(fit, contrast_matrix({"AD_vs_HC": "AD-HC"}, fit.coef_names)))
    table = top_table(moderated, "AD_vs_HC")
    assert np.isnan(table.loc["P0", "P.Value"]) and np.isnan(table.loc["P1", "P.Value"])
    assert table["adj.P.Val"].notna().sum() == len(table) - 2  # NA p-values not counted by BH


def test_top_table_refuses_an_unmoderated_fit():
    samples, expression = small()
    design = design_matrix(samples, "~ 0 + group", group_levels=["HC", "AD", "MDD"])
    with pytest.raises(TypeError, match="ebayes"):
        top_table(lm_fit(expression, design), "AD")


def test_contrasts_fit_clears_nothing_stale_and_keeps_amean():
    samples, expression = small()
    design = design_matrix(samples, "~ 0 + group", group_levels=["HC", "AD", "MDD"])
    fit = lm_fit(expression, design)
    fit2 = contrasts_fit(fit, contrast_matrix({"AD_vs_HC": "AD-HC"}, fit.coef_names))
    np.testing.assert_array_equal(fit2.amean, fit.amean)
    np.testing.assert_allclose(
        fit2.coefficients[:, 0], fit.coefficients[:, 1] - fit.coefficients[:, 0]
    )


def test_default_contrasts_and_duplicates():
    assert build_contrasts(["HC", "AD", "MDD"], "HC", []) == {
        "AD_vs_HC": "AD-HC",
        "MDD_vs_HC": "MDD-HC",
    }
    with pytest.raises(InputError, match="used twice"):
        build_contrasts(["HC", "AD"], "HC", [{"name": "AD_vs_HC", "expression": "AD-HC"}])


def test_null_data_gives_uniform_p_values():
    """With no true effect, the moderated test holds its size (planted-null calibration)."""
    samples, expression = small(n_per_group=10, n_proteins=4000, seed=11)
    design = design_matrix(samples, "~ 0 + group + age", group_levels=["HC", "AD", "MDD"])
    fit = lm_fit(expression, design)
    moderated = ebayes(contrasts_fit(fit, contrast_matrix({"AD_vs_HC": "AD-HC"}, fit.coef_names)))
    p = top_table(moderated, "AD_vs_HC")["P.Value"]
    assert 0.04 <= (p < 0.05).mean() <= 0.06
    assert (top_table(moderated, "AD_vs_HC")["adj.P.Val"] < 0.05).sum() <= 5


def test_numeric_subject_ids_as_factor_give_the_paired_model():
    """Subject IDs 101, 102, ... must enter as a factor (one column per subject), not a slope."""
    rng = np.random.default_rng(3)
    samples = pd.DataFrame(
        {
            "sample_id": [f"s{i}" for i in range(12)],
            "group": np.tile(["before", "after"], 6),
            "subject": np.repeat([str(101 + i) for i in range(6)], 2),
        }
    )
    as_number = design_matrix(samples, "~ 0 + group + subject", group_levels=["before", "after"])
    assert as_number.shape[1] == 3 and as_number.attrs["variable_types"]["subject"] == "continuous"
    as_factor = design_matrix(
        samples, "~ 0 + group + subject", group_levels=["before", "after"], factors=["subject"]
    )
    assert as_factor.shape[1] == 2 + 5 and as_factor.attrs["variable_types"]["subject"] == "factor"
    wrapped = design_matrix(samples, "~ 0 + group + C(subject)", group_levels=["before", "after"])
    assert wrapped.shape[1] == 7
    # the paired fit equals a paired t-test on the differences
    expression = pd.DataFrame(rng.normal(size=(5, 12)), columns=samples["sample_id"])
    fit = lm_fit(expression, as_factor)
    fit2 = contrasts_fit(fit, contrast_matrix({"d": "after-before"}, fit.coef_names))
    diffs = expression.to_numpy()[:, 1::2] - expression.to_numpy()[:, 0::2]
    np.testing.assert_allclose(fit2.coefficients[:, 0], diffs.mean(axis=1), atol=1e-12)
    np.testing.assert_allclose(fit.sigma * np.sqrt(2), diffs.std(axis=1, ddof=1), rtol=1e-10)


def test_group_without_samples_is_named():
    from proteosig.differential.run import ModelSettings, fit_model

    samples, expression = small()
    with pytest.raises(InputError, match="without analysed samples: PSO"):
        fit_model(
            expression.T,
            samples,
            settings=ModelSettings(),
            group_levels=["HC", "AD", "MDD", "PSO"],
            control_group="HC",
            covariates=["age"],
        )


def test_model_config_checked_before_running():
    from proteosig.differential.run import check_model_config

    groups = ["HC", "AD", "MDD"]
    check_model_config(groups, ["age", "sex"], None, {"MDD_vs_AD": "MDD-AD", "slope": "age"})
    with pytest.raises(InputError, match="'bmi', which is not in 'samples: covariates'"):
        check_model_config(groups, ["age"], "~ 0 + group + bmi", {})
    with pytest.raises(InputError, match="names 'PSO', which is not a group"):
        check_model_config(groups, ["age"], None, {"PSO_vs_HC": "PSO-HC"})
