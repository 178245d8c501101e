"""Sample sheets and small annotation tables: TSV, CSV, XLSX, and what goes wrong."""

from __future__ import annotations

import openpyxl
import pytest

from proteosig.errors import InputError
from proteosig.io.sample_sheet import read_sample_sheet

OPTIONS = dict(id_column="sample_id", group_column="group", covariates=["age"])


def workbook(path, rows, title="Samples"):
    book = openpyxl.Workbook()
    book.active.title = title
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_excel_sheet_with_empty_rows_and_numeric_ids(tmp_path):
    path = workbook(
        tmp_path / "s.xlsx",
        [["sample_id", "group", "age"], [101, "HC", 30], [None, None, None], [" 102 ", "AD", 41]],
    )
    sheet = read_sample_sheet(path, **OPTIONS)
    assert list(sheet.index) == ["101", "102"]
    assert list(sheet["group"]) == ["HC", "AD"]


def test_unknown_excel_sheet_lists_the_sheets(tmp_path):
    path = workbook(tmp_path / "s.xlsx", [["sample_id", "group", "age"], ["S1", "HC", 1]])
    with pytest.raises(InputError, match=r"no sheet named 'Sheet2'.*one of 'Samples'"):
        read_sample_sheet(path, sheet="Sheet2", **OPTIONS)


def test_legacy_xls_sample_sheet(tmp_path):
    path = tmp_path / "s.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 60)
    with pytest.raises(InputError) as err:
        read_sample_sheet(path, **OPTIONS)
    assert "old binary Excel" in str(err.value) and "NPX Manager" not in str(err.value)


@pytest.mark.parametrize(
    "text, fragment",
    [("sample_id\tgroup\tage\n", "header but no rows"),
     ("", "the file is empty"),
     ("sample_id,group,age\nS1,HC,3\n", "comma-separated, but a .tsv file"),
     ("sample_id\tgroup\tage\nS1\t\t3\n", "1 sample(s) have no group"),
     ("sample_id\tgroup\tage\nS1\tHC\t3\tx\tz\n", "malformed")],
)  # fmt: skip
def test_text_sheet_problems(tmp_path, text, fragment):
    path = tmp_path / "s.tsv"
    path.write_text(text)
    with pytest.raises(InputError) as err:
        read_sample_sheet(path, **OPTIONS)
    assert fragment in str(err.value)


def test_id_and_group_column_must_differ(tmp_path):
    path = tmp_path / "s.tsv"
    path.write_text("sample_id\tgroup\tage\nS1\tHC\t3\n")
    with pytest.raises(InputError, match="are both 'group'"):
        read_sample_sheet(path, id_column="group", group_column="group")


def test_subset_keeps_only_listed_values_and_counts_the_rest(tmp_path):
    path = tmp_path / "s.tsv"
    path.write_text(
        "sample_id\tgroup\tage\ttimepoint\n"
        "a\tHC\t30\tT1\nb\tAD\t40\tT2\nc\tAD\t50\tT1\nd\t\t60\tT1\n"
    )
    sheet = read_sample_sheet(path, **OPTIONS, subset={"timepoint": ["T1"], "group": ["HC", "AD"]})
    assert list(sheet.index) == ["a", "c"]  # d has no group but is outside the subset
    assert sheet.attrs["subset_dropped"] == 2
    with pytest.raises(InputError, match="no row has 'timepoint' in \\['T9'\\]"):
        read_sample_sheet(path, **OPTIONS, subset={"timepoint": ["T9"]})
    with pytest.raises(InputError, match="'timpoint' of 'samples: subset' is missing; did you"):
        read_sample_sheet(path, **OPTIONS, subset={"timpoint": ["T1"]})


def test_rows_repeated_verbatim_are_merged_but_conflicting_ones_stop(tmp_path):
    path = tmp_path / "s.tsv"
    path.write_text("sample_id\tgroup\tage\na\tHC\t30\nb\tAD\t40\na\tHC\t30\n")
    sheet = read_sample_sheet(path, **OPTIONS)
    assert list(sheet.index) == ["a", "b"] and sheet.attrs["repeated_rows"] == 1
    path.write_text("sample_id\tgroup\tage\na\tHC\t30\nb\tAD\t40\na\tHC\t31\n")
    with pytest.raises(InputError, match="duplicate sample ID"):
        read_sample_sheet(path, **OPTIONS)
