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
