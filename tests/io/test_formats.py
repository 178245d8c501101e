"""Format auto-detection gives the precise problem for files that are not what they claim."""

from __future__ import annotations

import openpyxl
import pytest

from proteosig.errors import InputError
from proteosig.io.formats import detect_format
from proteosig.io.panels import panel_code


def test_truncated_xlsx(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["Assay", "IL8"])
    full = tmp_path / "full.xlsx"
    workbook.save(full)
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(full.read_bytes()[:300])
    with pytest.raises(InputError, match="truncated or corrupt"):
        detect_format(cut)


def test_excel_that_is_not_an_npx_export(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["sample_id", "group"])
    path = tmp_path / "sheet.xlsx"
    workbook.save(path)
    with pytest.raises(InputError, match="no sheet holds an NPX data block"):
        detect_format(path)


def test_csv_and_parquet_are_long_format(tmp_path):
    for name in ("a.csv", "a.tsv", "a.parquet"):
        (tmp_path / name).write_text("x")
        assert detect_format(tmp_path / name) == "olink_long"


@pytest.mark.parametrize(
    "text, code",
    [("Olink Target 96 Inflammation", "INF"), ("In", "INF"), ("CVD2", "CVD II"),
     ("Olink CARDIOVASCULAR III(v.6113)", "CVD III"), ("Neurology", "NEU"), ("Mystery", "Mystery")],
)  # fmt: skip
def test_panel_names_become_codes(text, code):
    assert panel_code(text) == code
