"""The documented regeneration command reproduces the committed demo byte for byte."""

from __future__ import annotations

import filecmp

from proteosig.cli import main
from tests.helpers import REPO


def test_simulate_demo_command_regenerates_committed_files(tmp_path, capsys):
    assert main(["simulate-demo", "--out", str(tmp_path)]) == 0
    committed = REPO / "resources" / "demo"
    files = sorted(p.relative_to(committed) for p in committed.rglob("*") if p.is_file())
    assert len(files) == 14  # 10 cohort files + 4 of the dupilumab pre/post data
    match, mismatch, errors = filecmp.cmpfiles(committed, tmp_path, files, shallow=False)
    assert not mismatch and not errors
    assert "demo_INF.csv" in capsys.readouterr().out
