"""DEP overlap counts and p-value; the pairwise table; the carrier sub-contrast."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from proteosig.differential.run import CallSettings, ModelSettings
from proteosig.errors import InputError
from proteosig.similarity.overlap import dep_overlap
from proteosig.similarity.run import (
    SimilaritySettings,
    carrier_subgroup_table,
    disease_groups,
    pair_seed,
    similarity_table,
)
from proteosig.similarity.signatures import pair_p_value, signature_similarity, simulate_cohort


def _table(calls: dict[str, int]) -> pd.DataFrame:
    """calls: assay -> +1 up DEP, -1 down DEP, 0 tested non-DEP."""
    ids = list(calls)
    sign = np.array([calls[i] for i in ids], dtype=float)
    return pd.DataFrame(
        {
            "assay_id": ids,
            "gene_symbol": [f"G{i}" for i in ids],
            "logFC": np.where(sign == 0, 0.1, sign),
            "P.Value": 0.5,
            "significant": sign != 0,
        }
    )


def test_overlap_counts_direction_and_hypergeometric_p():
    a = _table({"1": 1, "2": 1, "3": -1, "4": 1, **{str(i): 0 for i in range(5, 40)}})
    b = _table({"1": 1, "2": -1, "3": -1, "5": 1, **{str(i): 0 for i in range(6, 41)}})
    out = dep_overlap(a, b, names=("A", "B"))
    # universe: assays tested in both = 1..39 minus "4" (only in a) and "40" (only in b)
    assert out["universe"] == 38
    assert (out["n_dep_a"], out["n_dep_b"], out["shared"]) == (3, 4, 3)
    assert (out["shared_up"], out["shared_down"], out["opposite"]) == (1, 1, 1)
    assert out["jaccard"] == pytest.approx(3 / 4)
    assert out["concordance"] == pytest.approx(2 / 3)
    assert out["hypergeom_p"] == pytest.approx(stats.hypergeom.sf(2, 38, 3, 4))
    assert out["shared_proteins"] == "G1(+/+);G2(+/-);G3(-/-)"


def test_overlap_names_the_bad_table():
    with pytest.raises(InputError, match="B.*significant"):
        dep_overlap(
            _table({"1": 1}), _table({"1": 1}).drop(columns="significant"), names=("A", "B")
        )


def test_disease_groups_default_and_errors():
    assert disease_groups([], ["HC", "AD", "MDD"], "HC") == ["AD", "MDD"]
    with pytest.raises(InputError, match="unknown or control"):
        disease_groups(["AD", "XX"], ["HC", "AD", "MDD"], "HC")
    with pytest.raises(InputError, match="at least 2"):
        disease_groups(["AD"], ["HC", "AD", "MDD"], "HC")


def test_pair_table_is_seeded_and_finds_shared_biology():
    rng = np.random.default_rng(5)
    shared = np.zeros(150)
    shared[:25] = 1.0
    matrix, samples = simulate_cohort(rng, n_per_group=15, n_proteins=150, effect_a=shared,
                                      effect_b=shared)  # fmt: skip
    settings = SimilaritySettings(permutations=99, bootstrap=20, control_splits=10)
    kwargs = dict(groups=["A", "B"], control="HC", covariates=["age"], formula=None)
    first = similarity_table(matrix, samples, settings=settings, seed=3, **kwargs)
    again = similarity_table(matrix, samples, settings=settings, seed=3, **kwargs)
    pd.testing.assert_frame_equal(first, again)
    row = first.iloc[0]
    assert (row["signature_a"], row["signature_b"]) == ("A_vs_HC", "B_vs_HC")
    # transfer_t (default) asks two questions, each against the label and protein nulls;
    # the pair resembles when either holds
    assert row["p_rule"] == "bonferroni_either_direction"
    for side in ("a", "b"):
        assert row[f"p_direction_{side}"] == max(row[f"p_permute_{side}"],
                                                 row[f"p_proteins_{side}"])  # fmt: skip
    assert row["p_value"] == min(1, 2 * min(row["p_direction_a"], row["p_direction_b"])) <= 0.05
    assert row["observed"] == row["transfer_t"] > row["shared_control_null_a"]
    assert row["observed_b"] == row["transfer_t_b"] > row["shared_control_null_b"]
    # the b columns are B following A, as a direct call with the cases swapped gives them
    backward = signature_similarity(
        matrix, samples, case_a="B", case_b="A", control="HC", covariates=["age"],
        n_permutations=99, n_bootstrap=20, seed=pair_seed(3, "B", "A"),
    )  # fmt: skip
    assert row["observed_b"] == backward["observed_value"]
    assert row["p_direction_b"] == backward["p_value"]
    assert (row["ci_low_b"], row["ci_high_b"]) == (backward["ci_low"], backward["ci_high"])
    assert row["ci_low"] <= row["observed"] <= row["ci_high"]
    assert row["ci_low_b"] <= row["observed_b"] <= row["ci_high_b"]
    symmetric = SimilaritySettings(
        metric="spearman_t", permutations=99, bootstrap=0, control_splits=0
    )
    row = similarity_table(matrix, samples, settings=symmetric, seed=3, **kwargs).iloc[0]
    assert row["p_rule"] == "larger_of_two"
    assert row["observed"] == row["observed_b"] == row["spearman_t"]
    assert np.isnan(row["p_proteins_a"]) and row["p_direction_a"] == row["p_permute_a"]
    assert row["p_value"] == max(row["p_permute_a"], row["p_permute_b"]) <= 0.05


def test_pair_p_value_rules():
    assert pair_p_value("transfer_t", 0.01, 0.4) == ("bonferroni_either_direction", 0.02)
    assert pair_p_value("transfer_t", 0.7, 0.6) == ("bonferroni_either_direction", 1.0)
    assert pair_p_value("top_concordance_t", 0.01, 0.4) == ("larger_of_two", 0.4)
    # a direction without a p is left out, in either order
    assert pair_p_value("transfer_t", np.nan, 0.3)[1] == pair_p_value("transfer_t", 0.3, np.nan)[1]
    assert np.isnan(pair_p_value("spearman_t", np.nan, np.nan)[1])
    assert np.isnan(pair_p_value("spearman_t", 0.3, np.nan)[1])


def test_carrier_subgroup_contrasts():
    rng = np.random.default_rng(8)
    matrix, samples = simulate_cohort(rng, n_per_group=10, n_proteins=40)
    b = samples.loc[samples["group"] == "B", "sample_id"]
    carriers = pd.DataFrame(
        {"sample_id": samples["sample_id"], "carrier_A_vs_HC": samples["sample_id"].isin(b[:4])}
    )
    assays = pd.DataFrame({"assay_id": matrix.columns, "gene_symbol": matrix.columns,
                           "uniprot": "", "panel": "p"})  # fmt: skip
    table, about = carrier_subgroup_table(
        matrix, samples, carriers, assays, group="B", signature="A_vs_HC",
        group_levels=["HC", "A", "B"], control="HC", covariates=["age"], factors=[],
        model=ModelSettings(), calls=CallSettings(),
    )  # fmt: skip
    assert (about["carriers"], about["noncarriers"]) == (4, 6)
    assert set(table["contrast"]) == {"B_carrier_vs_HC", "B_noncarrier_vs_HC",
                                      "B_carrier_vs_B_noncarrier"}  # fmt: skip
    assert len(table) == 3 * 40
    few = carriers.assign(carrier_A_vs_HC=samples["sample_id"].isin(b[:1]))
    empty, about = carrier_subgroup_table(
        matrix, samples, few, assays, group="B", signature="A_vs_HC",
        group_levels=["HC", "A", "B"], control="HC", covariates=["age"], factors=[],
        model=ModelSettings(), calls=CallSettings(),
    )  # fmt: skip
    assert empty.empty and "skipped" in about
