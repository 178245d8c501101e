"""The SYNTHETIC demo cohort: determinism, design, planted biology, LOD, QC artefacts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from proteosig.io.panels import uniprot_key
from proteosig.simulate import observed_effects, simulate_demo, write_demo
from proteosig.simulate.demo import (
    NPX_COLUMNS,
    iqr_median_flags,
    ledoit_wolf_correlation,
    load_effects_table,
    load_panel_assays,
)

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "resources" / "demo"
GISBY = REPO / "resources" / "gisby_serum"


@pytest.fixture(scope="module")
def cohort():
    return simulate_demo()


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    return out, write_demo(out, seed=20260521)


@pytest.fixture(scope="module")
def study_wide(cohort):
    long = cohort.npx_long[cohort.npx_long["SampleType"] == "SAMPLE"]
    return long.pivot(index="SampleID", columns="OlinkID", values="NPX")


@pytest.fixture(scope="module")
def observed(cohort):
    return observed_effects(cohort)


def _hc_ids(cohort):
    return cohort.truth_samples.loc[cohort.truth_samples["group"] == "HC", "sample_id"]


# --- determinism -------------------------------------------------------------------------


def test_regenerated_files_are_byte_identical_to_committed(written):
    out, paths = written
    names = sorted(p.relative_to(out).as_posix() for p in paths)
    committed = sorted(
        p.relative_to(COMMITTED).as_posix() for p in COMMITTED.rglob("*") if p.is_file()
    )
    assert names == committed
    for name in names:
        assert (out / name).read_bytes() == (COMMITTED / name).read_bytes(), name


def test_custom_group_sizes_and_seed():
    small = simulate_demo(seed=1, n_per_group={"HC": 6, "AD": 5, "PSO": 4, "MDD": 5})
    assert small.samples["group"].value_counts().to_dict() == {
        "HC": 6,
        "AD": 5,
        "MDD": 5,
        "PSO": 4,
    }
    assert small.truth_samples["th2_high_subset"].sum() == 2


# --- design ------------------------------------------------------------------------------


def test_group_sizes_age_and_sex(cohort):
    s = cohort.samples
    assert s["group"].value_counts().to_dict() == {"HC": 32, "AD": 30, "MDD": 25, "PSO": 21}
    assert s["age"].between(18, 70).all()
    assert s["age"].max() - s["age"].min() >= 40
    assert abs((s["sex"] == "M").mean() - 0.56) <= 0.02
    assert set(s["sex"]) == {"M", "F"}


def test_sample_ids_are_neutral(cohort):
    s = cohort.samples
    assert list(s["sample_id"]) == [f"S{i:03d}" for i in range(1, 109)]
    # IDs in order do not follow the groups
    first = s["group"].iloc[:32]
    assert first.nunique() > 1


def test_th2_subset_and_plates(cohort):
    t = cohort.truth_samples
    assert t["th2_high_subset"].sum() == 12  # round(0.5 x 25), numpy rounds half to even
    assert set(t.loc[t["th2_high_subset"], "group"]) == {"MDD"}
    per_plate = t.groupby("plate").size()
    assert per_plate.to_dict() == {1: 54, 2: 54}
    balance = t.groupby(["group", "plate"]).size().unstack()
    assert (balance[1] - balance[2]).abs().max() <= 1


def test_npx_files_have_the_olink_long_layout(written):
    out, _ = written
    for stem in ("INF", "CVD_II", "CVD_III", "NEU"):
        path = out / "npx" / f"demo_{stem}.csv"
        header = path.read_text().splitlines()[0]
        assert header == ";".join(NPX_COLUMNS)
        frame = pd.read_csv(path, sep=";", dtype=str)
        assert frame["SampleID"].nunique() == 108 + 12
        assert set(frame["QC_Warning"]) <= {"PASS", "WARN"}
        assert set(frame["Assay_Warning"]) == {"PASS"}
        assert set(frame["Normalization"]) == {"Intensity"}
        assert frame["Panel"].str.startswith("Olink Target 96 ").all()
        assert frame["OlinkID"].str.fullmatch(r"OID9\d{4}").all()
        for col in ("NPX", "LOD", "MissingFreq"):
            assert frame[col].str.fullmatch(r"-?\d+\.\d{5}").all(), col
        types = frame.drop_duplicates("SampleID").set_index("SampleID")["SampleType"]
        assert (types == "SAMPLE").sum() == 108
        assert types.value_counts()["SAMPLE_CONTROL"] == 4
        assert types.value_counts()["NEGATIVE_CONTROL"] == 2
        assert types.value_counts()["PLATE_CONTROL"] == 6
        assert {"CONTROL_SAMPLE_AS 1_P1", "Neg_ctrl_1_P2", "IPC_3_P1"} <= set(types.index)


def test_assays_cover_the_four_panels(cohort):
    assays = load_panel_assays()
    assert assays.groupby("panel_code").size().to_dict() == {
        "INF": 92,
        "CVD II": 92,
        "CVD III": 91,  # NT-proBNP has no UniProt in the shipped panel table
        "NEU": 92,
    }
    assert assays["olink_id"].is_unique
    # a protein on two panels is measured once per panel
    il6 = assays[assays["gene_symbol"] == "IL6"]
    assert sorted(il6["panel_code"]) == ["CVD II", "INF"]
    assert len(cohort.npx_long["OlinkID"].unique()) == len(assays)


def test_duplicate_panel_assays_share_the_protein(cohort, study_wide):
    ta = cohort.truth_assays
    dup = ta[ta.duplicated("uniprot", keep=False)].groupby("uniprot")["olink_id"].apply(list)
    corr = [study_wide[a].corr(study_wide[b]) for a, b in dup]
    assert len(corr) >= 10
    assert np.median(corr) > 0.8


# --- baseline -----------------------------------------------------------------------------


def test_hc_means_follow_the_gisby_healthy_like_means(cohort, study_wide):
    npx = pd.read_csv(GISBY / "serum_npx_level.csv")
    sheet = pd.read_csv(GISBY / "serum_sample_level.csv")
    neg = npx[npx["SampleID"].isin(sheet.loc[sheet["Case_Control"] == "NEGATIVE", "SampleID"])]
    gisby_mean = neg.assign(key=neg["UniProt"].map(uniprot_key)).groupby("key")["NPX"].mean()
    ta = cohort.truth_assays
    ta = ta[ta["baseline_source"] == "gisby"]
    assert len(ta) > 250
    hc_mean = study_wide.loc[_hc_ids(cohort), ta["olink_id"]].mean()
    r = np.corrcoef(hc_mean.to_numpy(), gisby_mean.loc[ta["uniprot"]].to_numpy())[0, 1]
    assert r > 0.95


def test_ledoit_wolf_is_well_conditioned():
    rng = np.random.default_rng(0)
    few = rng.standard_normal((11, 50))
    r, shrink = ledoit_wolf_correlation(few)
    assert 0 < shrink < 1
    assert np.allclose(np.diag(r), 1)
    assert np.linalg.eigvalsh(r).min() > 0
    many = rng.standard_normal((5000, 5))
    _, shrink_many = ledoit_wolf_correlation(many)
    assert shrink_many > 0.5  # truly uncorrelated data: shrink strongly to the identity
    corr = np.array([[1, 0.8], [0.8, 1]])
    strong = rng.standard_normal((2000, 2)) @ np.linalg.cholesky(corr).T
    r2, shrink2 = ledoit_wolf_correlation(strong)
    assert shrink2 < 0.05
    assert r2[0, 1] == pytest.approx(0.8, abs=0.05)


# --- planted biology ------------------------------------------------------------------------


def test_effects_table_has_citations_and_known_genes():
    effects = load_effects_table()
    assert (effects["citation"].str.len() > 0).all()
    assert (effects["doi_or_pmid"].str.len() > 0).all()
    assert effects["log2fc"].between(0.2, 1.2).all()
    assert set(effects["group"]) == {"AD", "PSO", "MDD", "MDD_TH2"}


def test_unmeasured_genes_are_left_out_and_listed(cohort, written):
    pe = cohort.planted_effects
    assert set(pe.loc[~pe["measured"], "gene_symbol"]) == {"CCL22", "CCL26"}
    readme = (written[0] / "README.md").read_text()
    assert "CCL22" in readme and "CCL26" in readme and "SYNTHETIC" in readme


def test_ccl17_ad_effect_has_about_the_planted_size(observed):
    row = observed[(observed["contrast"] == "AD") & (observed["gene_symbol"] == "CCL17")]
    assert len(row) == 1
    assert abs(row["log2fc_observed"].iloc[0] - row["log2fc_applied"].iloc[0]) < 0.35


def test_planted_effects_are_present_at_about_their_size(cohort, observed):
    below = cohort.truth_assays.set_index("olink_id")["expected_below_lod_hc"]
    detectable = observed[observed["olink_id"].map(below) < 0.3]
    assert len(detectable) > 40
    z = (detectable["log2fc_observed"] - detectable["log2fc_expected_measured"]) / detectable[
        "se_observed"
    ]
    assert z.abs().max() < 3.5
    assert abs(z.mean()) < 0.5
    # sizes line up across all effects
    slope = np.polyfit(detectable["log2fc_expected_measured"], detectable["log2fc_observed"], 1)
    assert 0.7 < slope[0] < 1.3
    # assays mostly below LOD show attenuated, still positive, effects
    floor = observed[observed["olink_id"].map(below) >= 0.7]
    assert (floor["log2fc_expected_measured"] < floor["log2fc_applied"]).all()


def test_th2_subset_carries_the_th2_effects_and_other_mdd_do_not(cohort, study_wide):
    t = cohort.truth_samples.set_index("sample_id").loc[study_wide.index]
    te = cohort.truth_effects
    th2_rows = te[(te["contrast"] == "MDD_TH2") & (te["effect_rows"] == "MDD_TH2")]
    below = cohort.truth_assays.set_index("olink_id")["expected_below_lod_hc"]
    th2_rows = th2_rows[th2_rows["olink_id"].map(below) < 0.3]
    assert len(th2_rows) >= 5
    ids = th2_rows["olink_id"]
    hc = study_wide.loc[t["group"] == "HC", ids].mean()
    subset = study_wide.loc[t["th2_high_subset"], ids].mean() - hc
    others = study_wide.loc[(t["group"] == "MDD") & ~t["th2_high_subset"], ids].mean() - hc
    expected = th2_rows.set_index("olink_id")["log2fc_expected_measured"]
    assert abs(subset.mean() - expected.mean()) < 0.25
    assert abs(others.mean()) < 0.25
    ccl17 = th2_rows.loc[th2_rows["gene_symbol"] == "CCL17", "olink_id"].iloc[0]
    assert subset[ccl17] > 0.7
    assert subset[ccl17] - others[ccl17] > 0.5


# --- LOD -----------------------------------------------------------------------------------


def test_type2_and_th17_cytokines_mostly_below_lod_in_hc(cohort):
    long = cohort.npx_long
    hc = long[long["SampleID"].isin(_hc_ids(cohort))]
    share = (hc["NPX"] < hc["LOD"]).groupby(hc["OlinkID"]).mean()
    genes = cohort.truth_assays.set_index("olink_id")["gene_symbol"]
    for gene in ("IL4", "IL5", "IL13", "IL17A", "IFNG"):
        ids = genes.index[genes == gene]
        assert len(ids) == 1, gene
        assert 0.6 <= share[ids[0]] <= 0.98, (gene, share[ids[0]])
    low = set(
        cohort.truth_assays.loc[cohort.truth_assays["expected_below_lod_hc"] > 0.1, "olink_id"]
    )
    others = share.drop(index=list(low))
    assert (others <= 0.10).mean() > 0.95
    assert (share <= 0.10).mean() > 0.85


def test_missing_freq_is_the_share_below_lod(cohort):
    long = cohort.npx_long[cohort.npx_long["SampleType"] == "SAMPLE"]
    share = (long["NPX"] < long["LOD"]).groupby(long["OlinkID"]).mean()
    written = long.groupby("OlinkID")["MissingFreq"].first()
    assert np.allclose(share.loc[written.index], written, atol=1e-5)


def test_negative_controls_read_below_lod(cohort):
    neg = cohort.npx_long[cohort.npx_long["SampleType"] == "NEGATIVE_CONTROL"]
    assert (neg["NPX"] < neg["LOD"]).mean() > 0.95


# --- plate effect and QC artefacts -----------------------------------------------------------


def test_plate_offsets_are_recorded(cohort, study_wide):
    t = cohort.truth_samples.set_index("sample_id").loc[study_wide.index]
    clean = ~t["gross_outlier"]
    diff = (
        study_wide[clean & (t["plate"] == 2)].median()
        - study_wide[clean & (t["plate"] == 1)].median()
    )
    offset = cohort.truth_assays.set_index("olink_id")["plate2_offset"].loc[diff.index]
    assert offset.std() == pytest.approx(0.25, abs=0.05)
    assert np.corrcoef(diff, offset)[0, 1] > 0.6


def test_qc_warnings_and_gross_outlier(cohort):
    t = cohort.truth_samples
    warned = t[t["planted_qc_warning"] != ""]
    assert len(warned) == 3
    assert warned["planted_qc_warning"].is_unique
    rows = cohort.npx_long[cohort.npx_long["QC_Warning"] == "WARN"]
    pairs = set(zip(rows["SampleID"], rows["Panel"], strict=True))
    assert pairs == set(zip(warned["sample_id"], warned["planted_qc_warning"], strict=True))
    outlier = t.loc[t["gross_outlier"], "sample_id"]
    assert len(outlier) == 1
    assert outlier.iloc[0] not in set(warned["sample_id"])
    flags = iqr_median_flags(cohort.npx_long)
    hit = flags[flags["sample_id"] == outlier.iloc[0]]
    assert len(hit) == 4 and hit["iqr_outlier"].all() and hit["median_outlier"].all()
    assert flags["sample_id"].nunique() <= 3  # few chance flags besides the planted one


def test_qc_like_reduction_drops_what_qc_would(cohort):
    from proteosig.simulate.evaluate import analysis_matrix

    matrix, samples = analysis_matrix(cohort)
    truth = cohort.truth_samples.set_index("sample_id")
    flagged = truth.index[truth["gross_outlier"].astype(bool)
                          | truth["planted_qc_warning"].fillna("").ne("")]  # fmt: skip
    assert len(flagged) == 4 and not set(flagged) & set(matrix.index)
    assert len(matrix) == 108 - 4 and list(samples["sample_id"]) == sorted(samples["sample_id"])
    assert set(samples["sample_id"]) == set(matrix.index)
    kept = set(matrix.columns)
    assays = cohort.truth_assays.set_index("olink_id")
    # TSLP (all HC below LOD) is out; a well-detected assay such as IL-6 stays
    assert not kept & set(assays.index[assays["assay"] == "TSLP"])
    assert kept & set(assays.index[assays["assay"] == "IL6"])
