"""Generic wide matrix (samples x proteins) reader and the protein annotation."""

from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from proteosig.errors import InputError
from proteosig.io.formats import read_npx_file
from proteosig.io.wide import read_protein_annotation, read_wide


def write(tmp_path, text: str, name: str = "m.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_sample_columns_are_recognised(tmp_path):
    path = write(
        tmp_path,
        "id;PlateID;QC_Warning;SampleType;IL6;P10145\n"
        "S1;P1;Pass;SAMPLE;3.5;NA\n"
        "IPC;P1;Pass;CONTROL;1.0;2.0\n",
    )
    frame = read_wide(path)
    assert set(frame["assay_id"]) == {"IL6", "P10145"}
    row = frame.set_index(["sample_id", "assay_id"])
    assert row.loc[("S1", "IL6"), "plate"] == "P1"
    assert row.loc[("IPC", "P10145"), "sample_type"] == "CONTROL"
    assert pd.isna(row.loc[("S1", "P10145"), "npx"])
    assert row.loc[("S1", "P10145"), "uniprot"] == "P10145"
    assert pd.isna(row.loc[("S1", "IL6"), "uniprot"])  # a symbol: mapped by ingest


@pytest.mark.parametrize(
    "text, where, fragment",
    [
        ("id,IL6,,IL8\nS1,1,2,3\n", "header, field 3", "a column has no header"),
        ("id,IL6,IL8\nS1,1,2\nS1,3,4\n", "column 'id', row(s) 2, 3",
         "sample ID 'S1' occurs 2 times"),
        ("id,IL6,IL8\nS1,1,2\n,3,4\n", "column 'id', row(s) 3", "have no sample ID"),
        ("id,IL6,IL8\nS1,1,abc\nS2,3,4\n", "column 'IL8', row(s) 2",
         "non-numeric value(s) such as 'abc'"),
        ("id,IL6,IL8\nS1,1,-inf\n", "column 'IL8', row(s) 2", "infinite value(s)"),
        ("id,IL6,IL8\n", "row 2", "header but no sample rows"),
        ("id,IL6,note\nS1,1,ok\nS2,2,fine\n", "column 'note', row(s) 2",
         "holds text ('ok', 'fine'), not protein values"),
        ("id,IL6,Sex\nS1,1,1\n", "header, column 'Sex'", "holds sample information"),
    ],
)  # fmt: skip
def test_bad_matrices_name_the_place(tmp_path, text, where, fragment):
    with pytest.raises(InputError) as err:
        read_wide(write(tmp_path, text))
    assert f"({where})" in str(err.value)
    assert fragment in str(err.value)


def test_excel_cells_are_named_by_letter(tmp_path):
    workbook = openpyxl.Workbook()
    for row in (["sample", "P05231", "P10145"], ["S1", 3.2, 5.5], ["S2", 3.0, "n.d."]):
        workbook.active.append(row)
    workbook.save(tmp_path / "m.xlsx")
    with pytest.raises(InputError, match=r"\(column C \('P10145'\), row\(s\) 3\)"):
        read_wide(tmp_path / "m.xlsx")


def test_parquet_with_index_and_column_order(tmp_path):
    matrix = pd.DataFrame({"P05231": [1.0, 2.0], "IL8": [3.0, 4.0]},
                          index=pd.Index(["S1", "S2"], name="sample"))  # fmt: skip
    matrix.to_parquet(tmp_path / "m.parquet")
    frame = read_npx_file(tmp_path / "m.parquet")
    assert frame.attrs["format"] == "wide"
    got = frame.set_index(["sample_id", "assay_id"])["npx"].to_dict()
    assert got == {("S1", "P05231"): 1.0, ("S1", "IL8"): 3.0, ("S2", "P05231"): 2.0,
                   ("S2", "IL8"): 4.0}  # fmt: skip


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("colum\tuniprot\nIL6\tP05231\n", "has no 'column' column; did you mean 'colum'?"),
        ("column\tuniprot\tnote\nIL6\tP05231\tx\n", "unknown annotation column(s) 'note'"),
        ("column\tuniprot\nIL6\tP05231\nIL6\tP05231\n", "annotated more than once"),
        ("column\tlod\nIL6\tlow\n", "non-numeric value(s) such as 'low'"),
        ("column\tuniprot\n\tP05231\n", "name no matrix column"),
    ],
)
def test_bad_annotations(tmp_path, text, fragment):
    path = write(tmp_path, text, "annotation.tsv")
    with pytest.raises(InputError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        read_protein_annotation(path)


def test_annotation_panel_prefixes_the_assay_key(tmp_path):
    annotation = read_protein_annotation(
        write(tmp_path, "column\tuniprot\tpanel\tassay\nab1\tP05231\tCustom\tIL-6 ab1\n", "a.tsv")
    )
    frame = read_wide(write(tmp_path, "id,ab1\nS1,2.5\n"), annotation=annotation)
    row = frame.iloc[0]
    assert (row["assay_id"], row["uniprot"], row["panel"], row["assay"]) == (
        "Custom:ab1", "P05231", "Custom", "IL-6 ab1",
    )  # fmt: skip
