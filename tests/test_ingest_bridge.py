"""Ingest with a second, bridged run: the shipped SYNTHETIC two-run demo has planted run
offsets (resources/demo_two_runs/truth_run_offsets.tsv) that bridging must find."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from proteosig.errors import InputError
from proteosig.ingest import BridgeRun, ingest
from proteosig.qc.bridge import BridgeSettings
from proteosig.simulate.two_runs import PANEL_FILES

REPO = Path(__file__).resolve().parents[1]
TWO_RUNS = REPO / "resources" / "demo_two_runs"
SHEET = REPO / "resources" / "demo" / "samples.tsv"


def files(run: str) -> list[Path]:
    return [TWO_RUNS / run / name for name in PANEL_FILES]


def run_bridged(symbols, **bridge):
    return ingest(
        files("run1"),
        SHEET,
        symbols,
        control_group="HC",
        covariates=["age", "sex"],
        bridge=BridgeRun(tuple(files("run2")), labels=("run 1", "run 2"), **bridge),
    )


@pytest.fixture(scope="module")
def bridged(symbols):
    return run_bridged(symbols)


@pytest.fixture(scope="module")
def membership():
    return pd.read_csv(TWO_RUNS / "truth_runs.tsv", sep="\t", dtype={"sample_id": str})


def file_values(run: str) -> pd.DataFrame:
    table = pd.concat([pd.read_csv(p, sep=";") for p in files(run)], ignore_index=True)
    return table.set_index(["SampleID", "OlinkID"])["NPX"]


def test_adjustments_recover_the_planted_run_offsets(bridged):
    truth = pd.read_csv(TWO_RUNS / "truth_run_offsets.tsv", sep="\t").set_index("olink_id")
    found = bridged.bridge.adjustments.set_index("assay_id")["adjustment"]
    joined = pd.concat([found, -truth["run2_offset"]], axis=1, join="inner").dropna()
    assert len(joined) == len(truth) == 367
    error = joined.iloc[:, 0] - joined.iloc[:, 1]
    # replicate noise SD 0.08 on 11-12 pairs: the median's error is about 0.03
    assert np.sqrt(np.mean(error**2)) < 0.05
    assert np.corrcoef(joined.iloc[:, 0], joined.iloc[:, 1])[0, 1] > 0.99
    summary = bridged.bridge.summary
    assert summary["bridge_samples_used"] == 12
    assert summary["median_abs_diff_after"] < summary["median_abs_diff_before"] / 4


def test_bridge_samples_keep_their_first_run_values_and_second_run_samples_move(
    bridged, membership
):
    long = bridged.long.set_index(["sample_id", "assay_id"])["npx"]
    first, second = file_values("run1"), file_values("run2")
    bridge_ids = membership.loc[membership["bridge"], "sample_id"]
    kept = long.loc[long.index.get_level_values(0).isin(bridge_ids)]
    assert np.allclose(kept, first.loc[kept.index], atol=1e-9)
    # one row per sample and assay: the second copy of a bridge sample is gone
    assert not long.index.duplicated().any()
    assert long.index.get_level_values(0).nunique() == 108

    adjustment = bridged.bridge.adjustments.set_index("assay_id")["adjustment"]
    run2_only = membership.loc[membership["run"].eq("run2"), "sample_id"]
    moved = long.loc[long.index.get_level_values(0).isin(run2_only)]
    expected = second.loc[moved.index] + adjustment.loc[moved.index.get_level_values(1)].to_numpy()
    assert np.allclose(moved, expected, atol=1e-9)


def test_second_run_plates_keep_apart_from_first_run_plates(bridged, membership):
    plates = bridged.samples.set_index("sample_id")["plate"]
    in_run2 = membership.set_index("sample_id")["run"].eq("run2")
    assert plates[in_run2[in_run2].index].str.startswith("run 2: DEMO_").all()
    assert not plates[in_run2[~in_run2].index].str.contains("run 2").any()
    assert bridged.bridge.renamed_plates["DEMO_INF_PLATE_1"] == "run 2: DEMO_INF_PLATE_1"
    assert any(note.startswith("bridge: run 2 put on the scale of run 1") for note in bridged.notes)


def test_a_shared_id_that_is_not_a_listed_bridge_sample_stops_with_its_name(symbols, membership):
    bridge_ids = sorted(membership.loc[membership["bridge"], "sample_id"])
    with pytest.raises(InputError) as error:
        run_bridged(symbols, samples=bridge_ids[:-1])
    message = str(error.value)
    assert bridge_ids[-1] in message and "both runs" in message
    assert "bridge: samples" in message
    # control wells are named alike in every run: not two measurements of a sample
    assert "1 sample ID(s)" in message and "CONTROL_SAMPLE" not in message


def test_too_few_bridge_samples_stop_the_run(symbols, membership):
    bridge_ids = sorted(membership.loc[membership["bridge"], "sample_id"])
    with pytest.raises(InputError, match=r"only 12 usable bridge sample\(s\) \(minimum 13\)"):
        ingest(
            files("run1"),
            SHEET,
            symbols,
            control_group="HC",
            covariates=["age", "sex"],
            bridge=BridgeRun(
                tuple(files("run2")),
                samples=bridge_ids,
                settings=BridgeSettings(min_bridge=13),
            ),
        )


def test_a_file_in_both_runs_is_a_config_error(symbols):
    with pytest.raises(InputError) as error:
        ingest(
            files("run1"),
            SHEET,
            symbols,
            control_group="HC",
            bridge=BridgeRun((str(files("run1")[0]),)),
        )
    assert "inputs: npx / bridge: npx" in str(error.value)
    assert "demo_INF.csv" in str(error.value)


def _rewritten(tmp_path, change) -> tuple[list[Path], list[Path]]:
    """Copies of both runs' files after ``change(run, table)``."""
    out = {}
    for run in ("run1", "run2"):
        out[run] = []
        for path in files(run):
            table = change(run, pd.read_csv(path, sep=";", dtype=str, keep_default_na=False))
            target = tmp_path / run / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            table.to_csv(target, sep=";", index=False)
            out[run].append(target)
    return out["run1"], out["run2"]


def test_controls_named_alike_are_never_bridge_samples_without_sample_type(
    symbols, membership, tmp_path
):
    """Exports without SampleType: control wells are known by name only (IPC_1_P1 in
    both runs) and must be set aside, not paired."""
    first, second = _rewritten(tmp_path, lambda run, t: t.drop(columns="SampleType"))
    bridge_ids = sorted(membership.loc[membership["bridge"], "sample_id"])
    for samples in (None, bridge_ids):
        result = ingest(
            first, SHEET, symbols, control_group="HC",
            bridge=BridgeRun(tuple(second), samples=samples),
        )  # fmt: skip
        assert result.bridge.summary["bridge_samples_used"] == 12
        assert sorted(result.bridge.summary["bridge_samples"]) == bridge_ids
        assert len(result.controls) == 12  # 6 control wells in each run
        assert result.controls["sample_id"].str.contains("IPC|Neg_ctrl|CONTROL").all()


def test_a_renamed_bridge_sample_kept_from_the_second_run_goes_by_its_sheet_id(
    symbols, membership, tmp_path
):
    renamed = {"S011": "S011_rerun", "S046": "S046_rerun"}

    def rename(run, table):
        if run == "run2":
            table["SampleID"] = table["SampleID"].replace(renamed)
        return table

    first, second = _rewritten(tmp_path, rename)
    bridge_ids = sorted(membership.loc[membership["bridge"], "sample_id"])
    mapping = {i: renamed.get(i, i) for i in bridge_ids}
    result = ingest(
        first, SHEET, symbols, control_group="HC",
        bridge=BridgeRun(tuple(second), samples=mapping,
                         settings=BridgeSettings(keep_bridge_copy="new")),
    )  # fmt: skip
    assert result.bridge.summary["bridge_samples_used"] == 12
    ids = set(result.samples["sample_id"])
    assert {"S011", "S046"} <= ids and not ids & set(renamed.values())
    assert len(ids) == 108
    # the kept copy is the second run's, adjusted: not the first run's values
    long = result.long.set_index(["sample_id", "assay_id"])["npx"]
    first_values = file_values("run1")
    kept = long.loc["S011"]
    assert not np.allclose(kept.to_numpy(), first_values.loc["S011"].reindex(kept.index).to_numpy())
    assert len(result.controls) == 12  # both runs' control wells are still set aside


def test_an_assay_measured_in_the_first_run_only_is_noted(symbols, tmp_path):
    def drop(run, table):
        return table[table["OlinkID"] != "OID91001"] if run == "run2" else table

    first, second = _rewritten(tmp_path, drop)
    result = ingest(first, SHEET, symbols, control_group="HC", bridge=BridgeRun(tuple(second)))
    assert any("1 assay(s) measured in run 1 only" in n and "OID91001" in n for n in result.notes)
    values = result.long.loc[result.long["assay_id"] == "OID91001", ["sample_id", "npx"]]
    assert values["npx"].notna().sum() == 70  # run 1's samples only
