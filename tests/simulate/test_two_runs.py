"""The SYNTHETIC two-run demo: reproducible from its seed, and built as documented."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from proteosig.cli import main
from proteosig.simulate.two_runs import RUN2_SHARE

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "resources" / "demo_two_runs"


def test_cli_rewrites_the_shipped_files_byte_for_byte(tmp_path):
    assert main(["simulate-two-runs", "--demo", str(REPO / "resources" / "demo"),
                 "--out", str(tmp_path)]) == 0  # fmt: skip
    shipped = sorted(p.relative_to(COMMITTED) for p in COMMITTED.rglob("*") if p.is_file())
    written = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert [p for p in written] == [p for p in shipped if p.name != "README.md"]
    for path in written:
        assert (tmp_path / path).read_bytes() == (COMMITTED / path).read_bytes(), path


def test_runs_split_groups_unevenly_and_share_only_bridge_samples():
    truth = pd.read_csv(COMMITTED / "truth_runs.tsv", sep="\t")
    share = truth.assign(second=truth["run"].eq("run2")).groupby("group")["second"].mean()
    for group, expected in RUN2_SHARE.items():
        assert abs(share[group] - expected) < 0.05, group
    ids = {}
    for run in ("run1", "run2"):
        table = pd.read_csv(COMMITTED / run / "demo_INF.csv", sep=";")
        ids[run] = set(table.loc[table["SampleType"] == "SAMPLE", "SampleID"])
    assert ids["run1"] & ids["run2"] == set(truth.loc[truth["bridge"], "sample_id"])
    assert len(ids["run1"] & ids["run2"]) == 12
    assert len(ids["run1"] | ids["run2"]) == 108
