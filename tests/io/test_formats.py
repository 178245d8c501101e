"""Format auto-detection gives the precise problem for files that are not what they claim."""

from __future__ import annotations

import re

import openpyxl
import pandas as pd
import pytest

from proteosig.errors import InputError
from proteosig.io.formats import detect_format, read_npx_file
from proteosig.io.panels import panel_code
from tests.helpers import make_long_table


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


def test_layout_is_told_by_content_not_suffix(tmp_path):
    long, _ = make_long_table()
    for name, sep in (("a.csv", ";"), ("a.tsv", "\t"), ("a.txt", ",")):
        long.to_csv(tmp_path / name, sep=sep, index=False)
        assert detect_format(tmp_path / name) == "olink_long"
    long.to_parquet(tmp_path / "a.parquet")
    assert detect_format(tmp_path / "a.parquet") == "olink_long"
    matrix = long.pivot_table(index="SampleID", columns="UniProt", values="NPX")
    matrix.to_csv(tmp_path / "m.csv")
    matrix.to_parquet(tmp_path / "m.parquet")  # sample IDs stored as the pandas index
    assert detect_format(tmp_path / "m.csv") == "wide"
    assert detect_format(tmp_path / "m.parquet") == "wide"


def test_cannot_tell_lists_what_was_seen_and_the_formats(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text("Protein;Value;Unit\nIL6;3.1;NPX\n")
    with pytest.raises(InputError) as err:
        detect_format(path)
    message = str(err.value)
    assert "cannot tell the layout" in message
    assert "header: 'Protein', 'Value', 'Unit'" in message
    assert "column 'Unit' holds text ('NPX')" in message
    for fmt in ("olink_long", "npx_manager_xlsx", "wide"):
        assert fmt in message
    table = pd.DataFrame({"Protein": ["IL6"], "Value": ["x"]})
    table.to_parquet(tmp_path / "odd.parquet")
    with pytest.raises(InputError, match="cannot tell the layout"):
        detect_format(tmp_path / "odd.parquet")


@pytest.mark.parametrize(
    "fmt, name, fragment",
    [("npx_manager_xlsx", "long.csv", "'npx_manager_xlsx' but this is a text file"),
     ("olink_long", "book.xlsx", "'olink_long' but this is an Excel workbook"),
     ("wide", "long.csv", "'wide' but this is an Olink long table"),
     ("excel", "long.csv", "unknown input format 'excel'")],
)  # fmt: skip
def test_forced_format_must_fit_the_file(tmp_path, fmt, name, fragment):
    long, _ = make_long_table()
    long.to_csv(tmp_path / "long.csv", sep=";", index=False)
    workbook = openpyxl.Workbook()
    workbook.active.append(["SampleID", "NPX"])
    workbook.save(tmp_path / "book.xlsx")
    with pytest.raises(InputError, match=re.escape(fragment)):
        read_npx_file(tmp_path / name, fmt=fmt)


def test_wide_excel_is_detected(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["sample", "P05231", "P10145"])
    workbook.active.append(["S1", 3.2, 5.5])
    workbook.save(tmp_path / "matrix.xlsx")
    assert detect_format(tmp_path / "matrix.xlsx") == "wide"


@pytest.mark.parametrize(
    "text, code",
    [("Olink Target 96 Inflammation", "INF"), ("In", "INF"), ("CVD2", "CVD II"),
     ("Olink CARDIOVASCULAR III(v.6113)", "CVD III"), ("Neurology", "NEU"), ("Mystery", "Mystery")],
)  # fmt: skip
def test_panel_names_become_codes(text, code):
    assert panel_code(text) == code
