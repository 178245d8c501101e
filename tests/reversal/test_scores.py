"""Reversal scores against hand-computed cases, null calibration, drug signatures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from proteosig.reversal.library import drug_signatures, mechanism_weights, read_library
from proteosig.reversal.run import ReversalSettings, contrast_groups, score_contrast
from proteosig.reversal.scores import (
    connectivity,
    dep_reversal,
    ks_enrichment,
    patient_reversal,
    reversal_correlation,
    reversal_t,
)
from tests.helpers import REPO


def test_ks_enrichment_by_hand():
    # tags at ranks 1 and 2 of 10: a = max(1/2 - 1/10, 1 - 2/10) = 0.8, b = max(1/10 - 0,
    # 2/10 - 1/2) = 0.1 -> ES = 0.8
    assert ks_enrichment(np.array([[2, 1]]), 10)[0] == pytest.approx(0.8)
    # tags at the bottom: a = max(1/2 - 9/10, 1 - 1) = 0, b = max(9/10, 1 - 1/2) = 0.9
    assert ks_enrichment(np.array([[9, 10]]), 10)[0] == pytest.approx(-0.9)


def test_connectivity_follows_cmap_rules():
    t = np.array([5.0, 4.0, 3.0, 0.5, 0.1, -0.1, -0.5, -3.0, -4.0, -5.0])
    mimic = np.array([1, 1, 0, 0, 0, 0, 0, 0, -1, -1], dtype=float)  # same way as disease
    reverse = -mimic
    one_sided = np.array([-1, -1, 0, 0, 0, 0, 0, 0, 0, 0], dtype=float)
    same_sign = np.array([1, 1, 0, 0, 0, 0, 0, 0, 0, 0], dtype=float)
    same_sign[2] = -1  # down tag also at the top: ES_up, ES_down both > 0 -> 0
    scores = connectivity(np.vstack([mimic, reverse, one_sided, same_sign]), t)[0]
    # mimic: ES_up = 0.8 (ranks 1,2), ES_down = -0.9 (ranks 9,10) -> 1.7
    assert scores[0] == pytest.approx(1.7)
    assert scores[1] == pytest.approx(-1.7)
    assert scores[2] == pytest.approx(-0.8)  # down set only: -ES_down
    assert scores[3] == 0.0


def test_reversal_correlation_and_dep_share_by_hand():
    logfc = np.array([1.0, 0.5, -1.0, 0.0])
    weights = np.array([[-1.0, 0.0, 1.0, 0.0], [1.0, 1.0, 0.0, 0.0]])
    expected = -np.corrcoef(weights[0], logfc)[0, 1]
    r = reversal_correlation(weights, logfc)[0]
    assert r[0] == pytest.approx(expected) and r[0] > 0.9
    dep = np.array([True, True, True, False])
    share = dep_reversal(weights, logfc, dep)[0]
    assert share[0] == pytest.approx(2 / 3)  # first and third reversed, second untouched
    assert share[1] == pytest.approx(0.0)
    assert np.isnan(dep_reversal(weights, logfc, np.zeros(4, bool))[0, 0])


def test_reversal_t_by_hand():
    logfc = np.array([4.0, 2.0, 1.0, 0.0, -3.0])  # median 1.0
    se = np.array([2.0, 1.0, 1.0, 1.0, 1.0])  # protein 3 (logFC 0) takes the median SE
    t = logfc / se  # centred: [(4 - 1) / 2, 1, 0, -1, -4] = [1.5, 1, 0, -1, -4]
    weights = np.array([
        [-2.0, -1.0, 0.0, 0.0, 0.0],  # lowers the two raised proteins: (3 + 1) / 3
        [0.0, 0.0, 0.0, 0.0, 1.0],  # raises the lowered one: 4 / 1
        [1.0, 0.0, 0.0, 0.0, 0.0],  # raises a raised one: mimics
        [0.0, 0.0, 0.0, 0.0, 0.0],  # no signature
    ])  # fmt: skip
    scores = reversal_t(weights, logfc, t)[0]
    np.testing.assert_allclose(scores[:3], [4 / 3, 4.0, -1.5])
    assert np.isnan(scores[3])
    # a disease group shifted by the same NPX on every protein: same score, although
    # its t moves by shift / SE, differently per protein
    shifted = logfc + 2.5
    np.testing.assert_allclose(reversal_t(weights, shifted, shifted / se)[0, :3], scores[:3])
    # the disease's effects on proteins the drug does not touch leave its score alone
    # (a correlation over every protein falls)
    wide = np.hstack([weights[:1], np.zeros((1, 4))])
    base = np.append(logfc, [0.5, 1.5, 1.0, 1.0])  # median still 1.0
    elsewhere = np.append(logfc, [6.0, 6.0, -6.0, -6.0])
    se_wide = np.append(se, [1.0] * 4)
    assert reversal_t(wide, elsewhere, elsewhere / se_wide)[0, 0] == pytest.approx(
        reversal_t(wide, base, base / se_wide)[0, 0]
    )
    assert reversal_correlation(wide, elsewhere)[0, 0] < reversal_correlation(wide, base)[0, 0]
    # a missing t counts as 0 and keeps its weight; a row without t is NaN
    missing = t.copy()
    missing[1] = np.nan  # median logFC of the rest 0.5 -> first drug (2 * 3.5 / 2 + 0) / 3
    assert reversal_t(weights, logfc, missing)[0, 0] == pytest.approx(3.5 / 3)
    assert np.isnan(reversal_t(weights, logfc, np.full(5, np.nan))).all()


def test_patient_reversal_is_minus_cosine_over_the_drug_proteins():
    weights = np.array([[-1.0, -1.0, 0.0]])
    deviations = np.array([[2.0, 2.0, 9.0], [-1.0, 1.0, 0.0], [1.0, np.nan, 5.0]])
    scores = patient_reversal(weights, deviations)[:, 0]
    assert scores[0] == pytest.approx(1.0)  # exactly what the drug lowers
    assert scores[1] == pytest.approx(0.0)
    assert scores[2] == pytest.approx(1.0)  # the missing protein is left out


def _study(rng, n=20, p=120):
    groups = np.repeat(["HC", "D"], n)
    values = rng.normal(0, 1, (2 * n, p))
    ids = [f"S{i:03d}" for i in range(2 * n)]
    matrix = pd.DataFrame(values, index=ids, columns=[f"A{j:03d}" for j in range(p)])
    samples = pd.DataFrame({"sample_id": ids, "group": groups, "age": rng.uniform(20, 70, 2 * n)})
    return matrix, samples


def _table(matrix, samples):
    from proteosig.differential.run import CallSettings, ModelSettings, contrast_table, fit_model

    moderated = fit_model(matrix, samples, settings=ModelSettings(), group_levels=["HC", "D"],
                          control_group="HC", covariates=["age"])  # fmt: skip
    assays = pd.DataFrame({"assay_id": matrix.columns, "gene_symbol": matrix.columns,
                           "uniprot": "", "panel": "p"})  # fmt: skip
    return contrast_table(moderated, "D_vs_HC", assays, settings=CallSettings(fc_threshold=1.0))


def _two_drug_study(*, seed: int, shift: float):
    """A study whose disease raises its first 10 proteins by ``shift``; drug 'a' lowers 8
    of them, drug 'b' 8 untouched proteins."""
    matrix, samples = _study(np.random.default_rng(seed))
    matrix.loc[samples["group"].eq("D").to_numpy(), matrix.columns[:10]] += shift
    weights = pd.DataFrame(0.0, index=["a", "b"], columns=matrix.columns)
    weights.loc["a", matrix.columns[:8]] = -1.0
    weights.loc["b", matrix.columns[40:48]] = -1.0
    info = pd.DataFrame({"drug": weights.index, "signature_kind": "mechanism"})
    return matrix, samples, weights, info


def test_planted_reversal_is_found_and_ranked_first():
    rng = np.random.default_rng(3)
    matrix, samples = _study(rng)
    matrix.loc[samples["group"].eq("D").to_numpy(), matrix.columns[:10]] += 1.0
    weights = pd.DataFrame(0.0, index=["reverser", "mimic", "random"], columns=matrix.columns)
    weights.loc["reverser", matrix.columns[:8]] = -1.0
    weights.loc["mimic", matrix.columns[:8]] = 1.0
    weights.loc["random", matrix.columns[60:68]] = -1.0
    info = pd.DataFrame({"drug": weights.index, "signature_kind": "mechanism"})
    out = score_contrast(
        _table(matrix, samples), weights, info, matrix=matrix, samples=samples,
        groups=("D", "HC"), group_levels=["HC", "D"], covariates=["age"], seed=1,
        settings=ReversalSettings(gene_permutations=199, label_permutations=99, bootstrap=20),
    ).set_index("drug")  # fmt: skip
    assert out.loc["reverser", "rank"] == 1 and out.loc["reverser", "significant"]
    assert out.loc["reverser", "p_gene"] <= 0.01 and out.loc["reverser", "p_label"] <= 0.02
    assert out.loc["reverser", "top3_fraction"] == 1.0
    assert out.loc["mimic", "reversal_score"] < 0 and not out.loc["mimic", "significant"]
    table = _table(matrix, samples)
    deps = set(table.loc[table["significant"], "assay_id"])
    expected = 100 * len(deps & set(matrix.columns[:8])) / len(deps)
    assert out.loc["reverser", "dep_reversed_pct"] == pytest.approx(expected)


def test_label_null_compares_like_with_like():
    """With the label null, the observed scores come from the same plain-eBayes refit as
    the null: a differential table with another moderation (trend, robust, TREAT: here
    its t simply doubled) does not change the scores or the p-values."""
    matrix, samples, weights, info = _two_drug_study(seed=4, shift=0.8)
    table = _table(matrix, samples)
    other = table.assign(t=2 * table["t"])
    runs = [
        score_contrast(
            t, weights, info, matrix=matrix, samples=samples, groups=("D", "HC"),
            group_levels=["HC", "D"], covariates=["age"], seed=1,
            settings=ReversalSettings(gene_permutations=99, label_permutations=49, bootstrap=0),
        ).set_index("drug")
        for t in (table, other)
    ]  # fmt: skip
    pd.testing.assert_frame_equal(runs[0], runs[1])
    # and the plain refit is the differential table when no option is set
    by_assay = table.set_index("assay_id").loc[weights.columns]
    plain = reversal_t(weights.to_numpy(), by_assay["logFC"].to_numpy(), by_assay["t"].to_numpy())
    np.testing.assert_allclose(runs[0].loc[["a", "b"], "reversal_t"], plain[0], rtol=1e-8)


def test_label_null_refits_with_declared_factors():
    """The refits behind the label null use ``samples: factors`` as the differential stage
    does: with a numeric-coded batch declared, the observed scores equal those of the
    differential table fitted with the batch as a factor."""
    from proteosig.differential.run import CallSettings, ModelSettings, contrast_table, fit_model

    matrix, samples, weights, info = _two_drug_study(seed=5, shift=0.8)
    samples["batch"] = np.tile([1, 2, 3, 4], len(samples) // 4)
    shift = samples["batch"].map({1: 0.0, 2: 1.2, 3: -0.6, 4: 0.4}).to_numpy()
    matrix += shift[:, None]
    formula = "~ 0 + group + age + batch"
    moderated = fit_model(matrix, samples, settings=ModelSettings(formula=formula),
                          group_levels=["HC", "D"], control_group="HC",
                          covariates=["age", "batch"], factors=["batch"])  # fmt: skip
    assays = pd.DataFrame({"assay_id": matrix.columns, "gene_symbol": matrix.columns,
                           "uniprot": "", "panel": "p"})  # fmt: skip
    table = contrast_table(moderated, "D_vs_HC", assays, settings=CallSettings())
    by_assay = table.set_index("assay_id").loc[weights.columns]
    expected = reversal_t(weights.to_numpy(), by_assay["logFC"].to_numpy(),
                          by_assay["t"].to_numpy())[0]  # fmt: skip
    scored = {
        declared: score_contrast(
            table, weights, info, matrix=matrix, samples=samples, groups=("D", "HC"),
            group_levels=["HC", "D"], covariates=["age", "batch"], formula=formula,
            factors=["batch"] if declared else [], seed=1,
            settings=ReversalSettings(gene_permutations=9, label_permutations=9, bootstrap=0),
        ).set_index("drug").loc[["a", "b"], "reversal_t"].to_numpy()
        for declared in (True, False)
    }  # fmt: skip
    np.testing.assert_allclose(scored[True], expected, rtol=1e-8)
    assert np.max(np.abs(scored[False] - expected)) > 0.05


def test_each_null_draws_independently_of_the_others_sizes():
    # more protein-label permutations must not change the sample-label null or bootstrap
    matrix, samples, weights, info = _two_drug_study(seed=3, shift=0.5)

    def run(gene_permutations):
        return score_contrast(
            _table(matrix, samples), weights, info, matrix=matrix, samples=samples,
            groups=("D", "HC"), group_levels=["HC", "D"], covariates=["age"], seed=1,
            settings=ReversalSettings(gene_permutations=gene_permutations,
                                      label_permutations=49, bootstrap=10),
        ).set_index("drug")  # fmt: skip

    few, many = run(99), run(399)
    pd.testing.assert_series_equal(few["p_label"], many["p_label"])
    pd.testing.assert_series_equal(few["top3_fraction"], many["top3_fraction"])
    assert not few["p_gene"].equals(many["p_gene"])  # the changed null did change


@pytest.mark.parametrize("rank_by", ["reversal_t", "correlation", "connectivity"])
def test_gene_null_is_calibrated(rank_by):
    """No disease effect: the protein-label p-values of random drugs are uniform."""
    rng = np.random.default_rng(5)
    matrix, samples = _study(rng, n=12, p=150)
    table = _table(matrix, samples)
    weights = np.zeros((200, 150))
    for d in range(200):
        weights[d, rng.choice(150, size=8, replace=False)] = -1.0
    weights = pd.DataFrame(weights, index=[f"d{d}" for d in range(200)], columns=matrix.columns)
    info = pd.DataFrame({"drug": weights.index, "signature_kind": "mechanism"})
    settings = ReversalSettings(rank_by=rank_by, gene_permutations=199)
    out = score_contrast(table, weights, info, seed=2, settings=settings)
    rate = float((out["p_gene"] <= 0.05).mean())
    assert 0.01 <= rate <= 0.1


def test_label_null_is_calibrated():
    """No disease effect, 80 studies, one drug on 8 random proteins each: the sample-label
    p-values of the default score are uniform."""
    rng = np.random.default_rng(8)
    p_label = []
    for _ in range(80):
        matrix, samples = _study(rng, n=12, p=100)
        weights = pd.DataFrame(0.0, index=["d"], columns=matrix.columns)
        weights.loc["d", rng.choice(matrix.columns, size=8, replace=False)] = -1.0
        out = score_contrast(
            _table(matrix, samples), weights, pd.DataFrame({"drug": ["d"]}), matrix=matrix,
            samples=samples, groups=("D", "HC"), group_levels=["HC", "D"], covariates=["age"],
            seed=int(rng.integers(2**31)),
            settings=ReversalSettings(gene_permutations=99, label_permutations=99, bootstrap=0),
        )  # fmt: skip
        p_label.append(out["p_label"].iloc[0])
    p_label = np.array(p_label)
    assert np.mean(p_label <= 0.05) <= 0.1
    assert stats.kstest(p_label, "uniform").pvalue > 0.01


def test_library_signatures_choose_kinds_and_map_axes():
    library = read_library(REPO / "resources" / "drugs")
    assays = pd.DataFrame({"assay_id": ["a1", "a2", "a3", "a4"],
                           "gene_symbol": ["CCL17", "IL13", "IL17A", "PI3"]})  # fmt: skip
    axes = {"Th2": ["a1", "a2"], "Th17": ["a3", "a4"]}
    mechanism = mechanism_weights(library, assays, axes)
    assert mechanism.loc["dupilumab", ["a1", "a2"]].tolist() == [-1.0, -1.0]
    assert mechanism.loc["secukinumab", ["a3", "a4"]].tolist() == [-1.0, -1.0]
    weights, info = drug_signatures(
        library, assays, axes, priority=["empirical", "observed", "mechanism"],
        tissues=["serum", "plasma"], min_size=2,
        empirical={"dupilumab": pd.Series({"a1": -1.5, "a2": -0.4})},
    )  # fmt: skip
    kinds = info.set_index("drug")["signature_kind"]
    assert kinds["dupilumab"] == "empirical" and weights.loc["dupilumab", "a1"] == -1.5
    assert kinds["tralokinumab"] == "mechanism"
    assert len(info) == len(library.drugs)


def test_contrast_groups():
    assert contrast_groups("MDD-HC", ["HC", "MDD"]) == ("MDD", "HC")
    assert contrast_groups("(MDD+AD)/2-HC", ["HC", "MDD", "AD"]) is None


def test_empirical_path_recovers_the_planted_changes(tmp_path):
    from proteosig.io.panels import read_symbol_table
    from proteosig.reversal.empirical import EmpiricalSpec, empirical_table
    from proteosig.simulate.prepost import write_prepost

    write_prepost(tmp_path, n_patients=12)
    planted = pd.read_csv(tmp_path / "planted_changes.tsv", sep="\t")
    table = empirical_table(
        EmpiricalSpec("dupilumab", (str(tmp_path / "npx.csv"),), str(tmp_path / "samples.tsv"),
                      "W0", "W16"),
        read_symbol_table(REPO / "resources" / "panels" / "uniprot_gene_symbols.tsv"),
    )  # fmt: skip
    assert table.attrs["n_pairs"] == 12
    changed = set(table.loc[table["weight"] != 0, "gene_symbol"])
    measured = set(table["gene_symbol"]) & set(planted["gene_symbol"])
    assert measured <= changed  # every planted, measured protein is found
    assert len(changed - measured) <= 2  # and almost nothing else
    ccl17 = table.set_index("gene_symbol").loc["CCL17", "logFC"]
    assert ccl17 == pytest.approx(-1.772, abs=0.15)
