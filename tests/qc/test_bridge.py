"""Bridge normalisation: planted shifts, hand computations, error cases, the real workbook.

The real bridging workbook (../shared/data/postcovid_olink_exports, MIT) is read when
present (marker shared_data); its parsing lives in benchmarks/bridge_vs_authors.py.
"""

from __future__ import annotations

import importlib.util
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from proteosig.errors import InputError
from proteosig.qc.bridge import (
    BridgeSettings,
    apply_bridge,
    bridge_adjustments,
    bridge_diagnostics,
    bridge_normalise,
    bridge_pairs,
    combine_bridged,
)

REPO = Path(__file__).resolve().parents[2]
WORKBOOK = REPO.parent / "shared" / "data" / "postcovid_olink_exports" / "bridging_INF_plate1.xlsx"


def simulate(
    *,
    n_ref=40,
    n_new=30,
    n_bridge=12,
    n_assays=50,
    noise=0.1,
    seed=0,
):
    """Two runs of one cohort: the new run is the reference minus a known per-assay shift.

    Samples B00.. are measured in both runs (the bridge samples), R.. only in the
    reference and N.. only in the new run. Returns (reference, new, shift, truth), with
    ``truth`` the noise-free NPX (samples x assays) on the reference scale.
    """
    rng = np.random.default_rng(seed)
    assays = [f"OID{10000 + j}" for j in range(n_assays)]
    bridge = [f"B{i:02d}" for i in range(n_bridge)]
    ref_only = [f"R{i:02d}" for i in range(n_ref - n_bridge)]
    new_only = [f"N{i:02d}" for i in range(n_new - n_bridge)]
    samples = bridge + ref_only + new_only
    level = rng.normal(5, 2, n_assays)
    truth = pd.DataFrame(
        level + rng.normal(0, 1, (len(samples), n_assays)), index=samples, columns=assays
    )
    shift = pd.Series(rng.normal(0, 1, n_assays), index=assays)
    lod = pd.Series(level - 2, index=assays)

    def long(ids, offset):
        values = truth.loc[ids] - offset + rng.normal(0, noise, (len(ids), n_assays))
        frame = values.rename_axis("sample_id").rename_axis("assay_id", axis=1).stack()
        frame = frame.rename("npx").reset_index()
        frame["lod"] = frame["assay_id"].map(lod - offset)
        frame["qc_warning"] = "Pass"
        frame["sample_type"] = "SAMPLE"
        return frame

    reference = long(bridge + ref_only, 0.0)
    new = long(bridge + new_only, shift)
    return reference, new, shift, truth


def wide(frame):
    return frame.pivot(index="sample_id", columns="assay_id", values="npx")


# ----------------------------------------------------------------------------- ground truth


def test_recovers_planted_shift_and_bridge_samples_agree_after():
    reference, new, shift, truth = simulate()
    result = bridge_normalise(reference, new)
    adj = result.adjustments.set_index("assay_id")["adjustment"]
    # median of 12 paired differences, each with SD 0.1*sqrt(2): SE about 0.05
    assert np.abs(adj - shift).max() < 0.2
    assert np.abs(adj - shift).mean() < 0.06
    assert (result.adjustments["n_pairs"] == 12).all()
    assert (result.adjustments["status"] == "bridged").all()
    # after: the paired differences of the bridge samples are centred on 0 per assay
    np.testing.assert_allclose(result.adjustments["median_diff_after"], 0.0, atol=1e-12)
    before = result.adjustments["median_abs_diff_before"]
    after = result.adjustments["median_abs_diff_after"]
    assert after.median() < 0.15 < before.median()
    # samples only in the new run land on the reference scale (up to noise)
    adjusted = wide(result.new)
    new_only = [s for s in adjusted.index if s.startswith("N")]
    error = adjusted.loc[new_only] - truth.loc[new_only, adjusted.columns]
    assert abs(float(error.stack().mean())) < 0.02
    assert float(error.stack().abs().max()) < 0.7
    # the reference run is untouched
    combined = result.combined
    ref_rows = combined.loc[combined["run"] == "reference run"]
    pd.testing.assert_frame_equal(
        wide(ref_rows).sort_index(), wide(reference).sort_index(), check_names=False
    )


def test_paired_and_medians_match_hand_computation():
    reference, new, _, _ = simulate(n_bridge=9, seed=3)
    bridge = [f"B{i:02d}" for i in range(9)]
    ref_w, new_w = wide(reference).loc[bridge], wide(new).loc[bridge]
    paired = bridge_adjustments(reference, new).set_index("assay_id")["adjustment"]
    medians = bridge_adjustments(reference, new, method="medians").set_index("assay_id")
    np.testing.assert_allclose(paired, (ref_w - new_w).median().loc[paired.index], atol=1e-12)
    np.testing.assert_allclose(
        medians["adjustment"],
        (ref_w.median() - new_w.median()).loc[medians.index],
        atol=1e-12,
    )
    assert not np.allclose(paired, medians["adjustment"])  # the two rules differ


def test_paired_median_resists_one_bad_bridge_pair():
    reference, new, shift, _ = simulate(n_bridge=9, seed=5)
    bad = new["sample_id"] == "B03"
    new.loc[bad, "npx"] += 3.0  # e.g. a mislabelled tube in the new run
    adj = bridge_adjustments(reference, new).set_index("assay_id")["adjustment"]
    assert np.abs(adj - shift).max() < 0.25
    diagnostics = bridge_diagnostics(reference, new, bridge_adjustments(reference, new))
    per_pair = diagnostics.samples.set_index("new_id")["median_abs_diff_after"]
    assert per_pair.idxmax() == "B03" and per_pair["B03"] > 2.5


def test_lod_moves_with_npx_and_below_lod_is_unchanged():
    reference, new, shift, _ = simulate(n_assays=5)
    table = bridge_adjustments(reference, new)
    adjusted = apply_bridge(new, table)
    adj = adjusted["assay_id"].map(table.set_index("assay_id")["adjustment"])
    np.testing.assert_allclose(adjusted["npx"] - new["npx"], adj)
    np.testing.assert_allclose(adjusted["lod"] - new["lod"], adj)
    np.testing.assert_array_equal(adjusted["npx"] < adjusted["lod"], new["npx"] < new["lod"])
    assert adjusted["bridged"].all()


def test_renamed_bridge_samples_by_mapping():
    reference, new, _, _ = simulate(n_bridge=8, seed=2)
    expected = bridge_adjustments(reference, new)
    renamed = new.assign(sample_id=new["sample_id"].str.replace("B", "bridge_", regex=False))
    mapping = {f"B{i:02d}": f"bridge_{i:02d}" for i in range(8)}
    got = bridge_adjustments(reference, renamed, mapping)
    pd.testing.assert_frame_equal(got, expected)
    with pytest.raises(InputError, match="no sample ID is in both runs"):
        bridge_adjustments(reference, renamed)


# ----------------------------------------------------------------------------- exclusions


def test_qc_warning_values_are_left_out_of_the_median():
    reference, new, _, _ = simulate(n_bridge=10, seed=4)
    warned = new["sample_id"] == "B02"
    new.loc[warned, "npx"] += 5.0
    new.loc[warned, "qc_warning"] = "Warning"
    without = bridge_adjustments(reference, new.loc[~warned])
    with_flag = bridge_adjustments(reference, new)
    pd.testing.assert_frame_equal(with_flag, without)
    assert (with_flag["n_pairs"] == 9).all()
    diagnostics = bridge_diagnostics(reference, new, with_flag)
    row = diagnostics.samples.set_index("new_id").loc["B02"]
    assert not row["used"] and "QC warning in the new run" in row["reason"]
    assert diagnostics.summary["bridge_samples_left_out"] == {"B02": row["reason"]}
    kept = bridge_adjustments(reference, new, drop_qc_warning=False)
    assert (kept["n_pairs"] == 10).all()


def test_qc_warning_on_one_panel_only_drops_that_panels_assays():
    reference, new, _, _ = simulate(n_bridge=10, n_assays=6, seed=6)
    panel_a = new["assay_id"].isin(sorted(new["assay_id"].unique())[:3])
    new["qc_warning"] = (new["sample_id"] == "B01") & panel_a  # boolean flags work too
    table = bridge_adjustments(reference, new).set_index("assay_id")
    assert table["n_pairs"].tolist() == [9, 9, 9, 10, 10, 10]


def test_control_samples_are_not_picked_unless_listed():
    reference, new, _, _ = simulate(n_bridge=8, n_assays=4, seed=7)
    control = reference.loc[reference["sample_id"] == "B00"].assign(
        sample_id="CONTROL_SAMPLE_AS 1", sample_type="SAMPLE_CONTROL", npx=20.0
    )
    reference = pd.concat([reference, control], ignore_index=True)
    new = pd.concat([new, control.assign(npx=-20.0)], ignore_index=True)
    pairs = bridge_pairs(reference, new)
    row = pairs.set_index("new_id").loc["CONTROL_SAMPLE_AS 1"]
    assert row["control"] and not row["candidate"] and row["reason"] == "control sample"
    table = bridge_adjustments(reference, new)
    assert (table["n_pairs"] == 8).all()
    listed = [f"B{i:02d}" for i in range(8)] + ["CONTROL_SAMPLE_AS 1"]
    assert (bridge_adjustments(reference, new, listed)["n_pairs"] == 9).all()
    # the combined table keeps the reference copy of the control, no duplicate
    result = bridge_normalise(reference, new)
    key = result.combined[["sample_id", "assay_id"]]
    assert not key.duplicated().any()


def test_missing_values_and_unbridgeable_assays():
    reference, new, _, _ = simulate(n_bridge=8, n_assays=4, seed=8)
    gone = new["assay_id"] == "OID10000"
    new.loc[gone & new["sample_id"].str.startswith("B"), "npx"] = np.nan  # no pair left
    few = (new["assay_id"] == "OID10001") & new["sample_id"].isin(["B00", "B01", "B02"])
    new.loc[few, "npx"] = np.nan
    extra = new.loc[new["assay_id"] == "OID10002"].assign(assay_id="OID99999")
    new = pd.concat([new, extra], ignore_index=True)
    with pytest.warns(UserWarning, match="2 assay\\(s\\) of the new run cannot be bridged"):
        table = bridge_adjustments(reference, new).set_index("assay_id")
    assert table.loc["OID10000", "status"] == "too_few_pairs"
    assert np.isnan(table.loc["OID10000", "adjustment"])
    assert table.loc["OID10001", ["n_pairs", "status"]].tolist() == [5, "bridged"]
    assert table.loc["OID99999", "status"] == "not_in_reference"
    flat = table.reset_index()
    dropped = apply_bridge(new, flat)
    assert set(dropped["assay_id"]) == {"OID10001", "OID10002", "OID10003"}
    kept = apply_bridge(new, flat, unbridged="keep")
    unbridged = kept["assay_id"].isin(["OID10000", "OID99999"])
    assert not kept.loc[unbridged, "bridged"].any()
    np.testing.assert_array_equal(
        kept.loc[unbridged, "npx"].to_numpy(), new.loc[unbridged.to_numpy(), "npx"].to_numpy()
    )
    with pytest.raises(InputError, match="2 assay\\(s\\) have no bridge adjustment"):
        apply_bridge(new, flat, unbridged="error")
    with pytest.warns(UserWarning, match="'unbridged: drop' applies"):
        result = bridge_normalise(reference, new)
    assert set(result.diagnostics.summary["assays_unbridged"]) == {"OID10000", "OID99999"}


# ----------------------------------------------------------------------------- diagnostics


def test_diagnostics_against_hand_computation():
    reference, new, _, _ = simulate(n_bridge=10, n_assays=8, noise=0.3, seed=9)
    table = bridge_adjustments(reference, new)
    diagnostics = bridge_diagnostics(reference, new, table)
    bridge = [f"B{i:02d}" for i in range(10)]
    x = wide(reference).loc[bridge, "OID10003"].to_numpy()
    y = wide(new).loc[bridge, "OID10003"].to_numpy()
    adj = table.set_index("assay_id").loc["OID10003", "adjustment"]

    def ccc(a, b):
        return 2 * np.cov(a, b, ddof=0)[0, 1] / (a.var() + b.var() + (a.mean() - b.mean()) ** 2)

    row = diagnostics.assays.set_index("assay_id").loc["OID10003"]
    assert row["ccc_before"] == pytest.approx(ccc(x, y), abs=1e-12)
    assert row["ccc_after"] == pytest.approx(ccc(x, y + adj), abs=1e-12)
    assert row["pearson_r"] == pytest.approx(np.corrcoef(x, y)[0, 1], abs=1e-12)
    d = x - y
    loo = [d[i] - np.median(np.delete(d, i)) for i in range(10)]
    assert row["loo_median_abs_error"] == pytest.approx(np.median(np.abs(loo)), abs=1e-12)
    assays = diagnostics.assays
    assert (assays["ccc_after"] >= assays["ccc_before"] - 1e-12).all()
    summary = diagnostics.summary
    assert summary["bridge_samples_used"] == 10 and summary["assays_bridged"] == 8
    assert summary["median_ccc_after"] > summary["median_ccc_before"]
    # leave-one-out error is about the noise of one paired difference (0.3*sqrt(2)*0.67)
    assert 0.15 < summary["median_loo_abs_error"] < 0.5


def test_diagnostics_accept_outside_adjustments():
    reference, new, shift, _ = simulate(seed=10)
    truth = shift.rename("adjustment").rename_axis("assay_id").reset_index()
    diagnostics = bridge_diagnostics(reference, new, truth)
    assert (diagnostics.assays["status"] == "bridged").all()
    assert diagnostics.summary["median_abs_diff_after"] < 0.15


# ----------------------------------------------------------------------------- errors, warnings


def test_too_few_bridge_samples_error_and_warning():
    reference, new, _, _ = simulate(n_bridge=2, n_assays=3)
    with pytest.raises(InputError, match="only 2 usable bridge sample\\(s\\) \\(minimum 3\\)"):
        bridge_adjustments(reference, new)
    reference, new, _, _ = simulate(n_bridge=5, n_assays=3)
    with pytest.warns(UserWarning, match="Olink recommends at least 8"):
        bridge_adjustments(reference, new)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bridge_adjustments(reference, new, recommended_bridge=5)
    with pytest.raises(InputError, match="minimum 6"):
        bridge_adjustments(reference, new, min_bridge=6)
    with pytest.raises(InputError, match="bridge: min_bridge"):
        bridge_adjustments(reference, new, min_bridge=0)


def test_warned_bridge_samples_count_against_the_minimum():
    reference, new, _, _ = simulate(n_bridge=3, n_assays=3)
    new.loc[new["sample_id"] == "B00", "qc_warning"] = "WARN"
    with pytest.raises(InputError, match="B00: QC warning in the new run"):
        bridge_adjustments(reference, new)


def test_no_shared_assays():
    reference, new, _, _ = simulate(n_assays=3)
    new = new.assign(assay_id="X" + new["assay_id"])
    with pytest.raises(InputError, match="no assay is in both runs"):
        bridge_adjustments(reference, new)


def test_duplicated_rows_name_the_run():
    reference, new, _, _ = simulate(n_assays=3)
    new = pd.concat([new, new.iloc[:2]], ignore_index=True)
    with pytest.raises(InputError, match="^Radboud: 4 rows repeat a sample x assay pair"):
        bridge_adjustments(reference, new, labels=("MHH", "Radboud"))


def test_missing_column_and_bad_options():
    reference, new, _, _ = simulate(n_assays=3)
    with pytest.raises(InputError, match="missing column\\(s\\) 'npx'"):
        bridge_adjustments(reference, new.drop(columns="npx"))
    with pytest.raises(InputError, match="bridge: method"):
        bridge_adjustments(reference, new, method="mean")
    with pytest.raises(InputError, match="bridge: unbridged"):
        bridge_normalise(reference, new, settings=BridgeSettings(unbridged="zero"))


def test_listed_bridge_sample_absent_or_repeated():
    reference, new, _, _ = simulate(n_assays=3)
    with pytest.raises(InputError, match="not in this run: B99"):
        bridge_adjustments(reference, new, ["B00", "B01", "B99"])
    with pytest.raises(InputError, match="listed more than once"):
        bridge_adjustments(reference, new, ["B00", "B01", "B00"])


def test_combine_keeps_one_copy_and_refuses_undeclared_shared_samples():
    reference, new, _, _ = simulate(n_bridge=8, n_assays=3)
    result = bridge_normalise(reference, new)
    combined = result.combined
    bridge_rows = combined.loc[combined["sample_id"].str.startswith("B")]
    assert set(bridge_rows["run"]) == {"reference run"}
    new_copy = bridge_normalise(reference, new, settings=BridgeSettings(keep_bridge_copy="new"))
    rows = new_copy.combined.loc[new_copy.combined["sample_id"].str.startswith("B")]
    assert set(rows["run"]) == {"new run"}
    pairs = bridge_pairs(reference, new, [f"B{i:02d}" for i in range(7)])
    with pytest.raises(InputError, match="in both runs but are not bridge samples: B07"):
        combine_bridged(reference, result.new, pairs)


# ----------------------------------------------------------------------------- real workbook


def _benchmark():
    spec = importlib.util.spec_from_file_location(
        "bridge_vs_authors", REPO / "benchmarks" / "bridge_vs_authors.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def authors():
    bench = _benchmark()
    return bench.run(bench.load_workbook(WORKBOOK))


shared = pytest.mark.skipif(not WORKBOOK.is_file(), reason="shared bridging workbook absent")


@pytest.mark.shared_data
@shared
def test_workbook_bridge_samples_are_the_authors(authors):
    assert sorted(authors["paired"]["bridge_samples_used"]) == sorted(authors["bridge_ids"])
    assert len(authors["bridge_ids"]) == 7
    assert authors["paired"]["n_pairs"] == [7]
    assert any("Olink recommends at least 8" in w for w in authors["paired"]["warnings"])


@pytest.mark.shared_data
@shared
def test_workbook_difference_of_medians_reproduces_the_authors_exactly(authors):
    """The authors used MEDIAN(MHH bridge) - MEDIAN(Radboud bridge): our 'medians' rule."""
    for what, n in (("factor_all_92", 92), ("factor_kept_62", 62), ("values", 86 * 62)):
        result = authors["medians"][what]
        assert result["n"] == n
        assert result["max_abs_diff"] <= 1e-12  # measured: 0.0 (bit-identical)


@pytest.mark.shared_data
@shared
def test_workbook_olink_paired_median_differs_as_measured(authors):
    """Olink's median of paired differences differs from the authors' factors (measured)."""
    factors = authors["paired"]["factor_kept_62"]
    assert factors["max_abs_diff"] == pytest.approx(0.92249, abs=1e-9)  # MMP-10
    assert factors["median_abs_diff"] == pytest.approx(0.073445, abs=1e-9)
    assert round(factors["frac_within_1e-6"] * 62) == 9
    assert round(factors["frac_within_0.01"] * 62) == 15
    values = authors["paired"]["values"]
    assert values["max_abs_diff"] == pytest.approx(0.92249, abs=1e-9)
    assert values["pearson_r"] == pytest.approx(0.998381, abs=1e-6)
    table = authors["per_assay"].set_index("assay")
    assert table.loc["MMP-10", "adjustment_paired"] == pytest.approx(0.36845, abs=1e-9)
    assert table.loc["MMP-10", "authors_factor"] == pytest.approx(-0.55404, abs=1e-9)
    # on the bridge samples themselves the paired rule leaves them closer together,
    # in-sample and left-one-out
    paired, medians = authors["paired"]["diagnostics"], authors["medians"]["diagnostics"]
    assert paired["median_abs_diff_before"] == pytest.approx(0.452805, abs=1e-6)
    assert paired["median_abs_diff_after"] == pytest.approx(0.12278, abs=1e-6)
    assert medians["median_abs_diff_after"] == pytest.approx(0.15754, abs=1e-6)
    assert paired["median_loo_abs_error"] == pytest.approx(0.16556, abs=1e-5)
    assert medians["median_loo_abs_error"] == pytest.approx(0.191463, abs=1e-6)
    assert authors["authors_factor_diagnostics"]["median_abs_diff_after"] == pytest.approx(
        medians["median_abs_diff_after"], abs=1e-12
    )
