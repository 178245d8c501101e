"""QC rules, each against an independent computation or planted ground truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from proteosig.errors import InputError
from proteosig.qc import QCSettings, run_qc
from proteosig.qc.assays import (
    below_lod_fractions,
    choose_among_duplicates,
    fails_lod_filter,
    replace_below_lod,
)
from proteosig.qc.plates import median_centre_plates, plate_variance_explained
from proteosig.qc.samples import iqr_median_outliers, pca_outliers, principal_components


def random_matrix(n_samples=40, n_assays=30, seed=0):
    rng = np.random.default_rng(seed)
    values = rng.normal(5, 1, size=(n_samples, n_assays)) + rng.normal(0, 2, size=n_assays)
    return pd.DataFrame(
        values,
        index=[f"S{i:02d}" for i in range(n_samples)],
        columns=[f"A{j:02d}" for j in range(n_assays)],
    )


def test_iqr_median_rule_matches_hand_computation():
    matrix = random_matrix()
    matrix.loc["S05"] += 3.0  # a sample shifted on every assay: a median outlier
    panel_of = pd.Series("INF", index=matrix.columns)
    table = iqr_median_outliers(matrix, panel_of, iqr_sd=3, median_sd=3).set_index("sample_id")
    values = matrix.to_numpy()
    iqr = np.percentile(values, 75, axis=1) - np.percentile(values, 25, axis=1)
    median = np.median(values, axis=1)
    np.testing.assert_allclose(table["iqr"], iqr)
    np.testing.assert_allclose(table["median"], median)
    expected_median = np.abs(median - median.mean()) > 3 * median.std(ddof=1)
    np.testing.assert_array_equal(table["median_outlier"], expected_median)
    assert table.loc["S05", "median_outlier"] and table["median_outlier"].sum() == 1


def test_iqr_rule_is_per_panel():
    matrix = random_matrix(n_assays=40)
    panel_of = pd.Series(["INF"] * 20 + ["CVD II"] * 20, index=matrix.columns)
    compressed = matrix.columns[panel_of == "CVD II"]
    row = matrix.loc["S07", compressed]
    matrix.loc["S07", compressed] = row.mean() + (row - row.mean()) * 8  # spread blown up
    table = iqr_median_outliers(matrix, panel_of)
    flagged = table[table["iqr_outlier"]]
    assert list(zip(flagged.sample_id, flagged.panel, strict=True)) == [("S07", "CVD II")]


def test_plates_are_per_panel():
    """Olink runs each panel on its own plate: centring uses the panel's plate."""
    matrix = random_matrix(n_samples=200, n_assays=4, seed=8)
    panel_of = pd.Series(["INF", "INF", "NEU", "NEU"], index=matrix.columns)
    layout = pd.DataFrame(
        {"INF": np.tile(["I1", "I2"], 100), "NEU": np.repeat(["N1", "N2"], 100)},
        index=matrix.index,
    )
    matrix.loc[layout["INF"] == "I2", ["A00", "A01"]] += 1.0
    matrix.loc[layout["NEU"] == "N2", ["A02", "A03"]] -= 1.0
    centred, _ = median_centre_plates(matrix, layout, panel_of)
    for assay, panel in panel_of.items():
        medians = centred[assay].groupby(layout[panel]).median()
        assert medians.iloc[0] == pytest.approx(medians.iloc[1], abs=1e-12)
    r2 = plate_variance_explained(matrix, layout, panel_of)
    assert (r2 > 0.05).all()  # a 1-SD shift between halves explains about 20 %


def test_plate_r2_equals_one_way_anova():
    matrix = random_matrix(n_samples=30, n_assays=5, seed=3)
    plate = pd.Series(np.repeat(["P1", "P2", "P3"], 10), index=matrix.index)
    matrix.iloc[:10, 0] += 2.0
    matrix.iloc[3, 2] = np.nan  # missing values are skipped per assay
    r2 = plate_variance_explained(matrix, plate.to_frame("INF"), pd.Series("INF", matrix.columns))
    for j, assay in enumerate(matrix.columns):
        column = matrix[assay]
        parts = [column[(plate == p) & column.notna()] for p in ("P1", "P2", "P3")]
        f, _ = stats.f_oneway(*parts)
        n = sum(len(p) for p in parts)
        expected = f * 2 / (f * 2 + (n - 3))
        assert r2[assay] == pytest.approx(expected, rel=1e-10), j
    assert r2.iloc[0] > 0.5


def test_median_centring_removes_planted_plate_offsets():
    matrix = random_matrix(n_samples=400, n_assays=8, seed=4)
    plate = pd.Series(np.tile(["P1", "P2"], 200), index=matrix.index)
    offsets = np.linspace(-0.8, 0.8, 8)
    matrix.loc[plate == "P2"] += offsets
    layout, panel_of = plate.to_frame("INF"), pd.Series("INF", matrix.columns)
    before = plate_variance_explained(matrix, layout, panel_of)
    centred, adjustments = median_centre_plates(matrix, layout, panel_of)
    after = plate_variance_explained(centred, layout, panel_of)
    adjustments = adjustments.pivot(index="plate", columns="assay_id", values="shift")
    medians = centred.groupby(plate).median()
    np.testing.assert_allclose(medians.loc["P1"], medians.loc["P2"], atol=1e-12)
    # the shift between plates is the planted offset up to sampling noise (SE ~0.11)
    shift = adjustments.loc["P2"] - adjustments.loc["P1"]
    np.testing.assert_allclose(shift[matrix.columns], offsets, atol=0.4)
    assert after.max() < before.max()
    # the overall median of each assay is unchanged in expectation (values stay on NPX scale)
    assert np.abs(centred.median() - matrix.median()).max() < 0.5


def test_lod_filter_rules():
    below = pd.DataFrame(
        {"IL13": [1, 1, 1, 1, 0, 0], "IL4": [1, 1, 1, 1, 1, 1], "IL6": [0, 0, 0, 0, 0, 1.0]},
        index=list("abcdef"),
    )
    group = pd.Series(["HC", "HC", "HC", "HC", "AD", "AD"], index=below.index)
    fractions = below_lod_fractions(below, group)
    assert fractions.loc["IL13", "HC"] == 1.0 and fractions.loc["IL13", "AD"] == 0.0
    by_group = fails_lod_filter(fractions, max_fraction=0.75, rule="all_groups")
    pooled = fails_lod_filter(fractions, max_fraction=0.5, rule="overall")
    assert by_group.to_dict() == {"IL13": False, "IL4": True, "IL6": False}
    assert pooled.to_dict() == {"IL13": True, "IL4": True, "IL6": False}


def test_duplicate_protein_keeps_better_detected_assay():
    assays = pd.DataFrame(
        {"assay_id": ["OID1", "OID2", "OID3"], "uniprot": ["P05231", "P05231", "P10145"]},
        index=["OID1", "OID2", "OID3"],
    )
    below = pd.Series({"OID1": 0.4, "OID2": 0.1, "OID3": 0.0})
    missing = pd.Series(0.0, index=assays.index)
    kept = choose_among_duplicates(assays, below_lod=below, missing=missing)
    assert kept.to_dict() == {"OID1": "OID2", "OID2": "OID2", "OID3": "OID3"}


def test_below_lod_policies():
    matrix = pd.DataFrame({"A": [1.0, 3.0], "B": [0.5, 2.0]}, index=["s1", "s2"])
    lod = pd.DataFrame({"A": [2.0, 2.0], "B": [np.nan, np.nan]}, index=["s1", "s2"])
    assert replace_below_lod(matrix, lod, how="keep").equals(matrix)
    assert replace_below_lod(matrix, lod, how="lod").loc["s1", "A"] == 2.0
    assert np.isnan(replace_below_lod(matrix, lod, how="na").loc["s1", "A"])
    # no LOD -> value untouched
    assert replace_below_lod(matrix, lod, how="na").loc["s1", "B"] == 0.5


def test_pca_sign_is_deterministic_and_outlier_found():
    matrix = random_matrix(n_samples=50, n_assays=20, seed=5)
    matrix.loc["S11"] += np.linspace(-6, 6, 20)  # far away along one direction
    scores, explained = principal_components(matrix, n_components=3)
    again, _ = principal_components(matrix.iloc[::-1], n_components=3)
    np.testing.assert_allclose(scores.loc[again.index], again, atol=1e-9)
    assert explained[0] > explained[1]
    flagged = pca_outliers(scores, n_sd=4)
    assert flagged[flagged].index.tolist() == ["S11"]


def make_study_long(seed=0):
    """60 samples x 12 assays on two plates, with planted QC problems."""
    rng = np.random.default_rng(seed)
    samples = pd.DataFrame(
        {
            "sample_id": [f"S{i:02d}" for i in range(60)],
            "group": np.repeat(["HC", "AD", "MDD"], 20),
            "plate": np.tile(["P1", "P2"], 30),
        }
    )
    assays = [f"OID{j}" for j in range(12)]
    uniprot = [f"P{j:05d}" for j in range(12)]
    uniprot[11] = uniprot[10]  # a protein measured on two panels
    panel = ["INF"] * 6 + ["CVD II"] * 6
    base = rng.normal(6, 1, size=12)
    values = base + rng.normal(0, 0.7, size=(60, 12))
    values[samples.plate == "P2"] += 0.6  # plate effect on every assay
    values[samples.sample_id == "S13", 6:] += 4.0  # gross outlier on CVD II
    lod = np.full(12, 2.0)
    lod[3] = 20.0  # never detected
    lod[11] = base[11]  # the second copy is below LOD in about half the samples
    rows = []
    for i, s in samples.iterrows():
        for j in range(12):
            rows.append(
                {
                    "sample_id": s.sample_id,
                    "assay_id": assays[j],
                    "olink_id": assays[j],
                    "uniprot": uniprot[j],
                    "gene_symbol": f"G{j}",
                    "assay": f"G{j}",
                    "panel": panel[j],
                    "plate": s.plate,
                    "npx": values[i, j],
                    "lod": lod[j],
                    "below_lod": values[i, j] < lod[j],
                    "qc_warning": s.sample_id == "S20" and panel[j] == "INF",
                    "assay_warning": False,
                }
            )
    return pd.DataFrame(rows), samples


def test_run_qc_decisions_on_planted_problems():
    long, samples = make_study_long()
    result = run_qc(long, samples, QCSettings())
    qc = result.sample_qc.set_index("sample_id")
    assert not qc.loc["S20", "kept"] and "vendor QC warning on INF" in qc.loc["S20", "reason"]
    assert not qc.loc["S13", "kept"] and "outlier on CVD II" in qc.loc["S13", "reason"]
    assert qc["kept"].sum() == 58
    aq = result.assay_qc.set_index("assay_id")
    assert not aq.loc["OID3", "kept"] and "below LOD" in aq.loc["OID3", "reason"]
    assert not aq.loc["OID11", "kept"] and aq.loc["OID11", "duplicate_of"] == "OID10"
    assert set(result.matrix.columns) == {f"OID{j}" for j in range(12) if j not in (3, 11)}
    assert result.matrix.shape == (58, 10)
    # the planted plate effect is seen, then removed
    assert aq["plate_r2_before"].median() > 0.1
    assert aq.loc[aq["kept"], "plate_r2_after"].median() < 0.03
    assert result.summary["samples_per_group_kept"] == {"AD": 19, "HC": 19, "MDD": 20}


def test_run_qc_without_plate_normalisation_keeps_values():
    long, samples = make_study_long()
    settings = QCSettings(plate_normalisation="none", duplicate_proteins="keep_all")
    result = run_qc(long, samples, settings)
    raw = long.pivot(index="sample_id", columns="assay_id", values="npx")
    kept = result.matrix
    np.testing.assert_allclose(kept.to_numpy(), raw.loc[kept.index, kept.columns].to_numpy())
    assert "OID11" in kept.columns


def test_qc_that_empties_a_group_stops_with_advice():
    long, samples = make_study_long()
    warned = long["sample_id"].isin(samples.sample_id[samples.group == "MDD"].iloc[:19])
    long.loc[warned, "qc_warning"] = True
    with pytest.raises(InputError, match=r"MDD \(1\)") as err:
        run_qc(long, samples, QCSettings())
    assert "relax" in str(err.value)


def test_assay_warning_and_plate_balance_warning():
    long, samples = make_study_long()
    long["assay_warning"] = long["assay_id"] == "OID5"
    samples = samples.copy()
    samples["plate"] = np.where(samples["group"] == "HC", "P1", "P2")  # confounded
    long["plate"] = long["sample_id"].map(samples.set_index("sample_id")["plate"])
    result = run_qc(long, samples, QCSettings())
    aq = result.assay_qc.set_index("assay_id")
    assert not aq.loc["OID5", "kept"] and "assay warning for 100%" in aq.loc["OID5", "reason"]
    assert any("unevenly spread over plates" in w for w in result.summary["warnings"])


def test_below_lod_na_warns_about_informative_missingness():
    long, samples = make_study_long()
    long.loc[long["assay_id"] == "OID2", "lod"] = long.loc[
        long["assay_id"] == "OID2", "npx"
    ].median()
    long["below_lod"] = long["npx"] < long["lod"]
    result = run_qc(long, samples, QCSettings(below_lod="na"))
    assert any("not at random" in w for w in result.summary["warnings"])
