"""Shared pytest fixtures."""

from __future__ import annotations

import pytest

from tests.helpers import SYMBOLS, make_long_table


@pytest.fixture
def tiny_study(tmp_path):
    """Write the tiny export (semicolon-separated, as Olink does) and its sheet."""
    long, sheet = make_long_table()
    npx = tmp_path / "npx.csv"
    long.to_csv(npx, sep=";", index=False)
    sheet_path = tmp_path / "samples.tsv"
    sheet.to_csv(sheet_path, sep="\t", index=False)
    return npx, sheet_path, long, sheet


@pytest.fixture(scope="session")
def symbols():
    from proteosig.io.panels import read_symbol_table

    return read_symbol_table(SYMBOLS)


@pytest.fixture(scope="session")
def demo_qc():
    """The demo run's config and its QC result, computed once for every test that needs it."""
    import yaml

    from proteosig.ingest import ingest, resolve_control_pattern
    from proteosig.io.panels import read_symbol_table
    from proteosig.qc import QCSettings, run_qc
    from tests.helpers import REPO

    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    samples = config["samples"]
    result = ingest(
        [REPO / p for p in config["inputs"]["npx"]],
        REPO / config["inputs"]["sample_sheet"],
        read_symbol_table(REPO / config["inputs"]["symbol_table"]),
        control_group=samples["control_group"],
        groups=samples["groups"],
        covariates=samples["covariates"],
        control_sample_pattern=resolve_control_pattern(samples["control_sample_pattern"]),
    )
    return config, run_qc(result.long, result.samples, QCSettings(**config["qc"]))
