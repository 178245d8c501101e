"""Tests for the NPX Manager Target 96 Excel reader.

Small workbooks are built by the fixtures in conftest.py; the real exports in
../shared/data/postcovid_olink_exports are read when present (marker shared_data).
"""

from __future__ import annotations

import math
import time
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from proteosig.errors import InputError
from proteosig.io._vendor import VENDOR_COLUMNS
from proteosig.io.npx_manager import looks_like_npx_manager, read_npx_manager
from proteosig.io.panels import PANEL_CODES, panel_code

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
EXPORTS = SHARED_DATA / "postcovid_olink_exports"
BREDA = EXPORTS / "breda_cohort1_INF.xlsx"
NIJMEGEN = EXPORTS / "nijmegen_cohort2_per_plate.xlsx"
BRIDGING = EXPORTS / "bridging_INF_plate1.xlsx"
TARGET96_TABLE = Path(__file__).resolve().parents[2] / "resources" / "panels" / "olink_target96.tsv"


def shared(test):
    """Mark a test as reading the real exports, skipped when they are absent."""
    test = pytest.mark.skipif(not EXPORTS.is_dir(), reason="shared Olink exports absent")(test)
    return pytest.mark.shared_data(test)


def excel_row(rows: list[list], label) -> int:
    """1-based Excel row of the first row whose column A equals ``label``."""
    return next(i for i, row in enumerate(rows, start=1) if row and row[0] == label)


def value(frame: pd.DataFrame, sample: str, assay: str, column: str = "npx", **where):
    """The single value of ``column`` for one sample x assay (plus optional filters)."""
    mask = frame["sample_id"].eq(sample) & frame["assay"].eq(assay)
    for key, wanted in where.items():
        mask &= frame[key].eq(wanted)
    picked = frame.loc[mask, column]
    assert len(picked) == 1, f"{sample}/{assay}/{where}: {len(picked)} rows"
    return picked.iloc[0]


# ------------------------------------------------------------------ own fixtures: layouts


def test_reads_22_layout(write_xlsx, npx_rows):
    path = write_xlsx("inf.xlsx", {"INF": npx_rows()})
    frame = read_npx_manager(path)

    assert tuple(frame.columns) == VENDOR_COLUMNS
    assert len(frame) == 4 * 4
    assert list(frame["sample_id"].unique()) == ["S1", "S2", "S3"]
    assert set(frame["panel"]) == {"INF"}
    assert value(frame, "S1", "VEGFA", plate="Plate1") == 10.2
    assert value(frame, "S3", "MCP-3") == 3.0
    assert value(frame, "S2", "CD8A", "qc_warning") == "Warning"
    assert value(frame, "S2", "CD8A", "olink_id") == "OID05124"
    assert value(frame, "S2", "CD8A", "uniprot") == "P01732"
    assert value(frame, "S3", "CD8A", "lod") == 1.1
    assert value(frame, "S3", "VEGFA", "missing_freq") == 0.25
    assert set(frame["normalization"]) == {"Intensity Normalized (v.2)"}
    assert frame["assay_warning"].isna().all()
    assert frame["sample_type"].isna().all()
    assert set(frame["source_file"]) == {str(path)}
    assert frame["npx"].dtype == "float64" and frame["lod"].dtype == "float64"


def test_blank_nan_and_na_cells_are_missing(write_xlsx, npx_rows):
    frame = read_npx_manager(write_xlsx("inf.xlsx", {"INF": npx_rows()}))

    assert math.isnan(value(frame, "S2", "VEGFA"))  # empty cell
    assert math.isnan(value(frame, "S2", "MCP-3"))  # 'NaN'
    assert math.isnan(value(frame, "S1", "MCP-3", plate="Plate2"))  # 'NA'
    assert frame["npx"].isna().sum() == 3


def test_reads_21_layout(write_xlsx, cam_rows):
    frame = read_npx_manager(write_xlsx("cam.xlsx", {"CM plate 1": cam_rows()}))

    assert list(frame["sample_id"].unique()) == ["RUMC_0001 W1T1", "RUMC_0002 W1T1", "IPC 1"]
    assert set(frame["panel"]) == {"CAM"}
    assert set(frame["plate"]) == {"CM_plt1"}
    assert value(frame, "RUMC_0002 W1T1", "CA1") == 5.8
    assert value(frame, "RUMC_0002 W1T1", "CA1", "qc_warning") == "Warning"
    assert value(frame, "RUMC_0001 W1T1", "PRCP", "lod") == 1.34
    assert value(frame, "RUMC_0001 W1T1", "PRCP", "missing_freq") == 0.03
    assert set(frame["normalization"]) == {"IPC Normalized"}


def test_same_sample_on_two_plates_is_kept(write_xlsx, npx_rows):
    frame = read_npx_manager(write_xlsx("inf.xlsx", {"INF": npx_rows()}))

    s1 = frame[frame["sample_id"].eq("S1")]
    assert sorted(s1["plate"].unique()) == ["Plate1", "Plate2"]
    assert value(frame, "S1", "IL8", plate="Plate1") == 5.1
    assert value(frame, "S1", "IL8", plate="Plate2") == 5.2


def test_sample_type_is_left_to_ingest(write_xlsx, npx_rows):
    """NPX Manager has no SampleType column: controls are recognised by name in ingest only,
    so that one rule (and its config switch) decides."""
    samples = [(sid, [1.0, 2.0, 3.0, 4.0], "Plate1", "Pass") for sid in ("IPC 1", "S9")]
    frame = read_npx_manager(write_xlsx("c.xlsx", {"INF": npx_rows(samples=samples)}))
    assert frame["sample_type"].isna().all()


def test_normalization_falls_back_to_summary_method(write_xlsx, npx_rows):
    rows = npx_rows(normalization=None, method="Plate control normalized")
    frame = read_npx_manager(write_xlsx("inf.xlsx", {"INF": rows}))
    assert set(frame["normalization"]) == {"Plate control normalized"}

    rows = npx_rows(normalization=None, method=None)
    frame = read_npx_manager(write_xlsx("none.xlsx", {"INF": rows}))
    assert frame["normalization"].isna().all()


def test_no_footer_gives_missing_lod(write_xlsx, npx_rows):
    rows = npx_rows(lod=None, missing=None, normalization=None)
    frame = read_npx_manager(write_xlsx("inf.xlsx", {"INF": rows}))
    assert frame["lod"].isna().all() and frame["missing_freq"].isna().all()


def test_without_plate_column_plate_is_missing(write_xlsx, npx_rows):
    rows = npx_rows(plate_column=False, samples=[("A", [1, 2, 3, 4], None, "Pass")])
    frame = read_npx_manager(write_xlsx("inf.xlsx", {"INF plates 3-7": rows}))
    assert frame["plate"].isna().all()
    assert set(frame["qc_warning"]) == {"Pass"}
    assert value(frame, "A", "CD8A") == 3.0


# ------------------------------------------------------------ panels, sheets and files


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Olink Target 96 Inflammation(v.3022)", "INF"),
        ("Olink INFLAMMATION(v.3021)", "INF"),
        ("Olink CARDIOMETABOLIC(v.3603)", "CAM"),
        ("Olink CARDIOVASCULAR II(v.5006)", "CVD II"),
        ("Olink Target 96 Cardiovascular III(v.6113)", "CVD III"),
        ("Olink Target 96 Immuno-Oncology(v.3111)", "IMO"),
        ("Olink Target 96 Immune Response(v.3203)", "IRE"),
        ("Olink Target 96 Oncology II(v.7004)", "ONC II"),
        ("Olink Target 96 Neuro Exploratory(v.3901)", "NEX"),
        ("Olink Target 96 Cell Regulation", "CRE"),
        ("Olink Target 96 Organ Damage(v.3311)", "ODA"),
        ("INF", "INF"),
        ("Olink Target 48 Cytokine(v.4001)", "Olink Target 48 Cytokine(v.4001)"),
        ("CM plate 1", "CM plate 1"),
    ],
)
def test_panel_codes(text, code):
    assert panel_code(text) == code


def test_panel_falls_back_to_sheet_name(write_xlsx, npx_rows, cam_rows):
    path = write_xlsx("p.xlsx", {"NEU": npx_rows(panel=None), "my panel": cam_rows(panel=None)})
    frame = read_npx_manager(path)
    assert frame.groupby("panel")["sample_id"].nunique().to_dict() == {
        "NEU": 3,
        "my panel": 3,
    }


def test_several_panel_sheets_are_concatenated_and_others_skipped(write_xlsx, npx_rows, cam_rows):
    contents = [[], [None, "Sheet", None, "Contents"], [None, "INF", None, "Inflammation"]]
    annot = [["Sample.ID", "age"], ["S1", 56], ["S2", 61]]
    path = write_xlsx(
        "multi.xlsx",
        {"Contents": contents, "INF": npx_rows(), "CM plate 1": cam_rows(), "Annot": annot},
    )
    frame = read_npx_manager(path)

    assert list(frame["panel"].unique()) == ["INF", "CAM"]
    assert (frame["panel"] == "INF").sum() == 16
    assert (frame["panel"] == "CAM").sum() == 9
    assert value(frame, "IPC 1", "ICAM1") == 8.0

    only_cam = read_npx_manager(path, sheets="CM plate 1")
    assert set(only_cam["panel"]) == {"CAM"} and len(only_cam) == 9
    both = read_npx_manager(path, sheets=["CM plate 1", "INF"])
    assert list(both["panel"].unique()) == ["CAM", "INF"]


def test_panels_in_separate_files(write_xlsx, npx_rows, cam_rows):
    inf = read_npx_manager(write_xlsx("inf.xlsx", {"Sheet1": npx_rows()}))
    cam = read_npx_manager(write_xlsx("cam.xlsx", {"Sheet1": cam_rows()}))
    both = pd.concat([inf, cam], ignore_index=True)
    assert both.groupby("panel")["assay"].nunique().to_dict() == {"INF": 4, "CAM": 3}
    assert both["source_file"].nunique() == 2


def test_unknown_sheet_name_lists_available(write_xlsx, npx_rows):
    path = write_xlsx("inf.xlsx", {"INF": npx_rows()})
    with pytest.raises(InputError, match=r"no sheet named 'CVD'.*one of 'INF'"):
        read_npx_manager(path, sheets=["CVD"])


def test_same_plate_split_over_sheets_still_checked(write_xlsx, npx_rows):
    # Exporting one plate twice (two sheets) duplicates every sample on that plate.
    path = write_xlsx("twice.xlsx", {"INF a": npx_rows(), "INF b": npx_rows()})
    with pytest.raises(InputError) as err:
        read_npx_manager(path)
    message = str(err.value)
    assert "sheet 'INF a', row " in message and "sheet 'INF b', row " in message
    assert "on plate 'Plate1'" in message


# --------------------------------------------------------------------- per-plate footers


def test_lod_per_plate_labelled(write_xlsx, npx_rows):
    footer = [
        ["LOD Plate2", 2.5, 1.8, 2.1, 3.0],
        ["LOD Plate1", 1.5, 0.8, 1.1, 2.0],
        ["Missing Data freq.", 0, 0.25, 0, 0.5],
        ["Normalization", *["Intensity Normalized (v.2)"] * 4],
    ]
    frame = read_npx_manager(write_xlsx("inf.xlsx", {"INF": npx_rows(footer=footer)}))

    assert value(frame, "S2", "CD8A", "lod") == 1.1
    assert value(frame, "S3", "CD8A", "lod") == 2.1
    assert value(frame, "S1", "IL8", "lod", plate="Plate1") == 1.5
    assert value(frame, "S1", "IL8", "lod", plate="Plate2") == 2.5
    assert value(frame, "S3", "VEGFA", "missing_freq") == 0.25


def test_lod_per_plate_in_plate_order(write_xlsx, npx_rows):
    footer = [
        ["Plate LOD", 1.5, 0.8, 1.1, 2.0],
        ["Plate LOD", 2.5, 1.8, 2.1, 3.0],
        ["Missing Data freq.", 0, 0.25, 0, 0.5],
    ]
    frame = read_npx_manager(write_xlsx("inf.xlsx", {"INF": npx_rows(footer=footer)}))
    assert value(frame, "S2", "MCP-3", "lod") == 2.0
    assert value(frame, "S3", "MCP-3", "lod") == 3.0


def test_lod_row_for_unknown_plate_is_an_error(write_xlsx, npx_rows):
    footer = [["LOD Plate1", 1.5, 0.8, 1.1, 2.0], ["LOD Plate9", 2.5, 1.8, 2.1, 3.0]]
    rows = npx_rows(footer=footer)
    with pytest.raises(InputError) as err:
        read_npx_manager(write_xlsx("inf.xlsx", {"INF": rows}))
    message = str(err.value)
    assert f"(sheet 'INF', row {excel_row(rows, 'LOD Plate9')}, column A)" in message
    assert "'Plate9'" in message


def test_too_few_unlabelled_lod_rows_is_an_error(write_xlsx, npx_rows):
    footer = [["LOD", 1.5, 0.8, 1.1, 2.0], ["LOD", 2.5, 1.8, 2.1, 3.0], ["LOD", 1, 1, 1, 1]]
    with pytest.raises(InputError, match="3 unlabelled 'LOD' rows for 2 plates"):
        read_npx_manager(write_xlsx("inf.xlsx", {"INF": npx_rows(footer=footer)}))


# ------------------------------------------------------------------------ malformed input


def test_missing_olinkid_row(write_xlsx, npx_rows):
    rows = npx_rows()
    assay_row = excel_row(rows, "Assay")
    del rows[excel_row(rows, "OlinkID") - 1]
    with pytest.raises(InputError) as err:
        read_npx_manager(write_xlsx("bad.xlsx", {"INF": rows}))
    message = str(err.value)
    assert f"(sheet 'INF', row {assay_row + 2}, column A)" in message
    assert "'OlinkID' row is missing or shifted" in message
    assert "\n" not in message


def test_uniprot_row_shifted_down(write_xlsx, npx_rows):
    rows = npx_rows()
    uniprot_row = excel_row(rows, "Uniprot ID")
    rows.insert(uniprot_row - 1, [])
    with pytest.raises(InputError) as err:
        read_npx_manager(write_xlsx("bad.xlsx", {"INF": rows}))
    message = str(err.value)
    assert f"row {uniprot_row}, column A" in message
    assert f"found in row {uniprot_row + 1}" in message


def test_olinkid_cells_shifted_one_column(write_xlsx, npx_rows):
    rows = npx_rows()
    olink_row = excel_row(rows, "OlinkID")
    rows[olink_row - 1] = ["OlinkID", None, *rows[olink_row - 1][1:]]
    with pytest.raises(InputError) as err:
        read_npx_manager(write_xlsx("bad.xlsx", {"INF": rows}))
    message = str(err.value)
    assert f"(sheet 'INF', row {olink_row}, column B)" in message
    assert "no OlinkID entry" in message


def test_corrupted_olinkid_cell_is_an_error(write_xlsx, npx_rows):
    rows = npx_rows()
    olink_row = excel_row(rows, "OlinkID")
    rows[olink_row - 1][3] = "OD3:BC3"
    with pytest.raises(InputError) as err:
        read_npx_manager(write_xlsx("bad.xlsx", {"INF": rows}))
    assert f"(sheet 'INF', row {olink_row}, column D)" in str(err.value)
    assert "'OD3:BC3' is not an OlinkID" in str(err.value)


def test_corrupted_npx_data_summary_cell_is_an_error(write_xlsx, cam_rows):
    # Nijmegen 'INF plate 2' has 'OD3:BC3link INFLAMMATION(v.3021)' in B2, next to
    # 'NPX data', where NPX Manager writes nothing: the sheet was edited after export (its
    # values were re-normalised by hand), so it is refused with the cell named.
    rows = cam_rows(panel="Olink INFLAMMATION(v.3021)")
    rows[1] = ["NPX data", "OD3:BC3link INFLAMMATION(v.3021)"]
    del rows[2]  # the sheet also lost the blank row above 'Panel'
    path = write_xlsx("corrupt.xlsx", {"INF plate 2": rows})
    with pytest.raises(InputError) as err:
        read_npx_manager(path)
    message = str(err.value)
    assert "(sheet 'INF plate 2', row 2, column B)" in message
    assert "'OD3:BC3link INFLAMMATION(v.3021)' in cell B2" in message
    assert "clear that cell" in message
    rows[1] = ["NPX data"]  # cleared: reads
    frame = read_npx_manager(write_xlsx("cleared.xlsx", {"INF plate 2": rows}))
    assert set(frame["panel"]) == {"INF"}
    assert frame["sample_id"].nunique() == 3


def test_block_shifted_right_is_named(write_xlsx, npx_rows):
    rows = [[None, None, *row] for row in npx_rows()]
    path = write_xlsx("shifted.xlsx", {"INF": rows})
    assert not looks_like_npx_manager(path)
    with pytest.raises(InputError) as err:
        read_npx_manager(path)
    message = str(err.value)
    assert "in column C (rows 9-11) instead of column A" in message
    assert "delete the columns before column C (A-B)" in message


def test_infinite_npx_is_an_error(write_xlsx, npx_rows):
    rows = npx_rows()
    row = excel_row(rows, "S2")
    rows[row - 1][1] = "Inf"
    with pytest.raises(InputError, match=rf"row {row}, column B\).*'Inf'"):
        read_npx_manager(write_xlsx("inf.xlsx", {"INF": rows}))


def test_qc_column_with_olinkid_is_an_error(write_xlsx, npx_rows):
    rows = npx_rows()
    olink_row = excel_row(rows, "OlinkID")
    rows[olink_row - 1] = [*rows[olink_row - 1], "OID09999"]  # lands above 'Plate ID'
    with pytest.raises(InputError, match=r"row \d+, column F\).*QC column 'Plate ID'"):
        read_npx_manager(write_xlsx("bad.xlsx", {"INF": rows}))


@pytest.mark.parametrize("bad", ["abc", "5,23", "< LOD", "#DIV/0!"])
def test_non_numeric_npx_names_the_cell(write_xlsx, npx_rows, bad):
    rows = npx_rows()
    row = excel_row(rows, "S2")
    rows[row - 1][2] = bad  # VEGFA, column C
    with pytest.raises(InputError) as err:
        read_npx_manager(write_xlsx("bad.xlsx", {"INF": rows}))
    message = str(err.value)
    assert f"(sheet 'INF', row {row}, column C)" in message
    assert repr(bad) in message
    assert "non-numeric NPX values" in message


def test_non_numeric_lod_names_the_cell(write_xlsx, npx_rows):
    rows = npx_rows(lod=[1.5, "x", 1.1, 2.0])
    with pytest.raises(InputError, match=r"row \d+, column C\).*non-numeric LOD values"):
        read_npx_manager(write_xlsx("bad.xlsx", {"INF": rows}))


def test_duplicate_sample_within_a_plate(write_xlsx, npx_rows):
    samples = [
        ("S1", [1, 2, 3, 4], "Plate1", "Pass"),
        ("S2", [1, 2, 3, 4], "Plate1", "Pass"),
        ("S1 ", [1, 2, 3, 5], "Plate1", "Pass"),  # equal once stripped
    ]
    rows = npx_rows(samples=samples)
    first = excel_row(rows, "S1")
    with pytest.raises(InputError) as err:
        read_npx_manager(write_xlsx("dup.xlsx", {"INF": rows}))
    message = str(err.value)
    assert f"(sheet 'INF', rows {first}, {first + 2}, column A)" in message
    assert "'S1' occurs 2 times in panel 'INF' on plate 'Plate1'" in message


def test_duplicate_sample_without_plate_column(write_xlsx, npx_rows):
    samples = [("S1", [1, 2, 3, 4], None, "Pass"), ("S1", [1, 2, 3, 5], None, "Pass")]
    rows = npx_rows(samples=samples, plate_column=False)
    with pytest.raises(InputError, match="without a 'Plate ID' column"):
        read_npx_manager(write_xlsx("dup.xlsx", {"INF plates 3-7": rows}))


def test_values_in_unlabelled_column(write_xlsx, npx_rows):
    rows = npx_rows()
    row = excel_row(rows, "  S3   ")
    rows[row - 1] = [*rows[row - 1], 42.0]  # right of the last QC column (I)
    with pytest.raises(InputError, match=rf"row {row}, column J\).*no Assay / Uniprot ID"):
        read_npx_manager(write_xlsx("bad.xlsx", {"INF": rows}))


def test_values_without_sample_id(write_xlsx, npx_rows):
    rows = npx_rows()
    row = excel_row(rows, "S2")
    rows[row - 1][0] = None
    with pytest.raises(InputError, match=rf"row {row}, column A\).*no sample ID"):
        read_npx_manager(write_xlsx("bad.xlsx", {"INF": rows}))


def test_row_below_footer(write_xlsx, npx_rows):
    rows = [*npx_rows(), ["S9", 1, 2, 3, 4]]
    with pytest.raises(InputError, match=rf"row {len(rows)}, column A\).*below the footer"):
        read_npx_manager(write_xlsx("bad.xlsx", {"INF": rows}))


def test_no_header_rows(write_xlsx):
    annot = [["Sample.ID", "age"], ["S1", 56]]
    path = write_xlsx("annot.xlsx", {"Annot": annot})
    with pytest.raises(InputError, match="no sheet holds an NPX data block"):
        read_npx_manager(path)
    with pytest.raises(InputError, match=r"\(sheet 'Annot', column A\): no header rows found"):
        read_npx_manager(path, sheets="Annot")


def test_quantified_export_is_refused(write_xlsx, npx_rows):
    rows = npx_rows()
    rows[1] = ["Quantified data"]
    with pytest.raises(InputError, match="absolute quantification export"):
        read_npx_manager(write_xlsx("quant.xlsx", {"INF": rows}))


def test_not_an_xlsx(tmp_path):
    path = tmp_path / "npx.xlsx"
    path.write_text("SampleID;Assay;NPX\nS1;IL8;5.1\n")
    with pytest.raises(InputError, match="is not an .xlsx workbook"):
        read_npx_manager(path)


def test_legacy_xls(tmp_path):
    path = tmp_path / "npx.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504)
    with pytest.raises(InputError, match=r"old binary Excel \(\.xls\).*save it as \.xlsx"):
        read_npx_manager(path)


def test_truncated_xlsx(write_xlsx, npx_rows, tmp_path):
    data = write_xlsx("ok.xlsx", {"INF": npx_rows()}).read_bytes()
    path = tmp_path / "truncated.xlsx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="truncated or corrupt") as err:
        read_npx_manager(path)
    assert str(err.value).startswith(str(path))


def test_corrupt_sheet_xml(write_xlsx, npx_rows, tmp_path):
    good = write_xlsx("ok.xlsx", {"INF": npx_rows()})
    path = tmp_path / "corrupt.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(path, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = data[: len(data) // 2]
            dst.writestr(item, data)
    with pytest.raises(InputError, match="truncated or corrupt"):
        read_npx_manager(path)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="cannot open the file"):
        read_npx_manager(tmp_path / "absent.xlsx")


# ------------------------------------------------------------------------------ sniffing


def test_looks_like_npx_manager(write_xlsx, npx_rows, tmp_path):
    assert looks_like_npx_manager(write_xlsx("inf.xlsx", {"INF": npx_rows()}))

    no_marker = npx_rows()
    no_marker[1] = []  # no 'NPX data' row: the three header rows are enough
    assert looks_like_npx_manager(write_xlsx("hdr.xlsx", {"S": no_marker}))

    assert not looks_like_npx_manager(write_xlsx("annot.xlsx", {"Annot": [["ID", "age"]]}))
    csv = tmp_path / "long.csv"
    csv.write_text("SampleID,Assay,NPX\n")
    assert not looks_like_npx_manager(csv)
    assert not looks_like_npx_manager(tmp_path / "absent.xlsx")
    truncated = tmp_path / "t.xlsx"
    truncated.write_bytes((tmp_path / "inf.xlsx").read_bytes()[:300])
    assert not looks_like_npx_manager(truncated)


# ------------------------------------------------------------------------- real exports


@pytest.fixture(scope="module")
def breda():
    started = time.perf_counter()
    frame = read_npx_manager(BREDA)
    return frame, time.perf_counter() - started


@pytest.fixture(scope="module")
def breda_cells():
    """The Breda 'INF' sheet straight from openpyxl: (assay names, {sample: row})."""
    wb = openpyxl.load_workbook(BREDA, read_only=True, data_only=True)
    rows = list(wb["INF"].iter_rows(values_only=True))
    wb.close()
    header = next(i for i, r in enumerate(rows) if r[0] == "Assay")
    assays = [a for a in rows[header][1:93]]
    samples = {r[0]: r for r in rows[header + 4 : header + 4 + 584]}
    return assays, samples, rows


@shared
def test_breda_shape_plates_and_speed(breda):
    frame, seconds = breda
    assert frame["sample_id"].nunique() == 584
    assert frame["assay"].nunique() == 92 and frame["olink_id"].nunique() == 92
    assert len(frame) == 584 * 92
    assert frame["plate"].nunique() == 7
    assert set(frame["panel"]) == {"INF"}
    assert set(frame["normalization"]) == {"Intensity Normalized (v.2)"}
    assert frame.drop_duplicates("sample_id")["qc_warning"].value_counts().to_dict() == {
        "Pass": 578,
        "Warning": 6,
    }
    assert seconds < 10


@shared
def test_breda_values_match_openpyxl_cells(breda, breda_cells):
    frame, _ = breda
    assays, samples, rows = breda_cells
    expected = pd.DataFrame(
        [[np.nan if v is None else v for v in r[1:93]] for r in samples.values()],
        index=[str(k).strip() for k in samples],
        columns=assays,
    ).astype(float)
    got = frame.pivot(index="sample_id", columns="assay", values="npx")
    got = got.loc[expected.index, expected.columns]
    np.testing.assert_array_equal(got.to_numpy(), expected.to_numpy())

    # spot checks: first cell, and a trailing-space ID ('TK_33    ') in the last column
    assert value(frame, "A-1", "IL8") == rows[16][1] == 6.57546
    tk33 = samples["TK_33    "]
    assert value(frame, "TK_33", "CSF-1") == tk33[92]


@shared
def test_breda_lod_and_missing_freq_for_all_assays(breda, breda_cells):
    frame, _ = breda
    assays, _, rows = breda_cells
    lod_row = next(r for r in rows if r[0] == "LOD")
    assert frame["lod"].notna().all()
    lod = frame.drop_duplicates("assay").set_index("assay")["lod"]
    assert lod[assays].tolist() == list(lod_row[1:93])
    assert value(frame, "A-1", "GDNF", "missing_freq") == 0.77568


@pytest.fixture(scope="module")
def nijmegen_plate1():
    return read_npx_manager(NIJMEGEN, sheets=["INF plat 1", "CM plate 1", "CVD plate 1"])


@shared
def test_nijmegen_plate1_panels(nijmegen_plate1):
    frame = nijmegen_plate1
    counts = frame.groupby("panel")["sample_id"].nunique().to_dict()
    assert counts == {"INF": 88, "CAM": 88, "CVD II": 89}
    assert frame.groupby("panel")["assay"].nunique().to_dict() == {
        "INF": 92,
        "CAM": 92,
        "CVD II": 92,
    }
    assert set(frame["normalization"]) == {"IPC Normalized"}
    assert value(frame, "RUMC_0037 W1T2", "IL8") == 7.70011
    assert value(frame, "RUMC_0034 W1T1", "BMP-6", "qc_warning").startswith(
        "Warning; zou ik wel gewoon gebruiken"
    )
    # IL-27 is a heterodimer: two UniProt IDs in one cell
    assert value(frame, "RUMC_0034 W1T1", "IL-27", "uniprot") == "Q8NEV9,Q14213"


@shared
def test_nijmegen_corrupted_header_sheet_is_refused():
    # 'INF plate 2' B2 reads 'OD3:BC3link INFLAMMATION(v.3021)' (a range reference typed
    # into the summary, next to 'NPX data'); the sheet's values were re-normalised by the
    # authors. Reading it, alone or with the whole workbook, stops on that cell.
    wb = openpyxl.load_workbook(NIJMEGEN, read_only=True, data_only=True)
    assert wb["INF plate 2"]["B2"].value == "OD3:BC3link INFLAMMATION(v.3021)"
    wb.close()
    for sheets in ("INF plate 2", None):
        with pytest.raises(InputError) as err:
            read_npx_manager(NIJMEGEN, sheets=sheets)
        message = str(err.value)
        assert "(sheet 'INF plate 2', row 2, column B)" in message
        assert "'OD3:BC3link INFLAMMATION(v.3021)' in cell B2" in message


@shared
def test_nijmegen_plates_3_7_duplicate_without_plate_column():
    with pytest.raises(InputError) as err:
        read_npx_manager(NIJMEGEN, sheets="INF plate 3-7")
    message = str(err.value)
    assert "(sheet 'INF plate 3-7', rows 436, 437, column A)" in message
    assert "'RUMC_0078 W1T1'" in message


@shared
def test_bridging_radboud_original_equals_nijmegen_plate1(nijmegen_plate1):
    radboud = read_npx_manager(BRIDGING, sheets=["Radboud original"])
    nijmegen = nijmegen_plate1[nijmegen_plate1["panel"].eq("INF")]
    cols = ["sample_id", "olink_id", "plate", "qc_warning", "lod", "npx", "normalization"]
    # text columns are categoricals; the subset keeps the whole workbook's categories
    text = {c: "string" for c in cols if c not in ("lod", "npx")}
    pd.testing.assert_frame_equal(
        radboud[cols].astype(text).reset_index(drop=True),
        nijmegen[cols].astype(text).reset_index(drop=True),
    )


@shared
def test_bridging_workbook_derived_sheet_is_refused():
    with pytest.raises(InputError, match=r"sheet 'Radboud adjusted', row 13, column C"):
        read_npx_manager(BRIDGING)


@shared
def test_real_exports_are_sniffed():
    assert looks_like_npx_manager(BREDA)
    assert looks_like_npx_manager(NIJMEGEN)
    assert looks_like_npx_manager(BRIDGING)
    assert not looks_like_npx_manager(EXPORTS / "LICENSE.MIT")


@shared
@pytest.mark.skipif(not TARGET96_TABLE.is_file(), reason="Olink panel table not present")
def test_panel_codes_match_olink_table():
    table = pd.read_csv(TARGET96_TABLE, sep="\t")
    codes = {c.strip() for cell in table["panels"] for c in cell.split(",")}
    assert set(PANEL_CODES.values()) == codes
