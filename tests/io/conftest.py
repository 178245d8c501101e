"""Builders for small NPX Manager workbooks written with openpyxl into tmp_path.

Fixtures ``npx_rows`` (2.2 Inflammation) and ``cam_rows`` (2.1 Cardiometabolic) build
the rows of one sheet as lists, so a test can damage a copy; ``write_xlsx`` writes
{sheet name: rows} to an .xlsx file. Default contents (values the tests assert on):

INF, Panel 'Olink Target 96 Inflammation(v.3022)', assays IL8 VEGFA CD8A MCP-3:
    'S1 '      Plate1 Pass     5.1  10.2  8.3  2.4
    'S2'       Plate1 Warning  5.5  <empty> 8.1 'NaN'
    '  S3   '  Plate2 Pass     6.0  11.0  9.0  3.0
    'S1'       Plate2 Pass     5.2  10.1  8.2  'NA'
    LOD 1.5 0.8 1.1 2.0; Missing Data freq. 0 0.25 0 0.5; Normalization (v.2)
CAM, Panel 'Olink CARDIOMETABOLIC(v.3603)' (2.1 layout), assays PRCP CA1 ICAM1:
    'RUMC_0001 W1T1 ', 'RUMC_0002 W1T1   ' (Warning), 'IPC 1' on plate CM_plt1;
    LOD 1.34 0.6 1.7; Normalization 'IPC Normalized'.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

INF_ASSAYS = [
    ("IL8", "P10145", "OID00471"),
    ("VEGFA", "P15692", "OID00472"),
    ("CD8A", "P01732", "OID05124"),
    ("MCP-3", "P80098", "OID00474"),
]
CAM_ASSAYS = [
    ("PRCP", "P42785", "OID01272"),
    ("CA1", "P00915", "OID01223"),
    ("ICAM1", "P05362", "OID01230"),
]

# (sample ID as written, NPX per assay, plate, QC warning)
INF_SAMPLES = [
    ("S1 ", [5.1, 10.2, 8.3, 2.4], "Plate1", "Pass"),
    ("S2", [5.5, None, 8.1, "NaN"], "Plate1", "Warning"),
    ("  S3   ", [6.0, 11.0, 9.0, 3.0], "Plate2", "Pass"),
    ("S1", [5.2, 10.1, 8.2, "NA"], "Plate2", "Pass"),  # same sample, other plate
]
INF_LOD = [1.5, 0.8, 1.1, 2.0]
INF_MISSING = [0, 0.25, 0, 0.5]

CAM_SAMPLES = [
    ("RUMC_0001 W1T1 ", [2.2, 6.8, 7.7], "CM_plt1", "Pass"),
    ("RUMC_0002 W1T1   ", [1.9, 5.8, 7.2], "CM_plt1", "Warning"),
    ("IPC 1", [3.0, 7.0, 8.0], "CM_plt1", "Pass"),
]
CAM_LOD = [1.34, 0.6, 1.7]
CAM_MISSING = [0.03, 0, 0]


def build_npx_rows(
    *,
    layout: str = "2.2",
    panel: str | None = "Olink Target 96 Inflammation(v.3022)",
    assays=INF_ASSAYS,
    samples=INF_SAMPLES,
    lod=INF_LOD,
    missing=INF_MISSING,
    normalization: str | None = "Intensity Normalized (v.2)",
    method: str | None = "Intensity Normalized (v.2)",
    plate_column: bool = True,
    deviations: bool = True,
    footer: list[list] | None = None,
) -> list[list]:
    """Rows of one NPX data sheet in the NPX Manager 2.2 or 2.1 layout."""
    names, uniprots, oids = (list(x) for x in zip(*assays, strict=True))
    meta_a = (["Plate ID"] if plate_column else []) + ["QC Warning"]
    meta_u = [None] * len(meta_a)
    if deviations:
        meta_a += ["QC Deviation from median", "QC Deviation from median"]
        meta_u += ["Inc Ctrl 2", "Det Ctrl"]
    if layout == "2.2":
        rows = [
            ["Proj_#1", "Olink NPX Manager 2.2.2.322"],
            ["NPX data"],
            ["Panel", panel] if panel else [],
            [],
            ["# Plates", 2],
            ["# Samples", len(samples)],
            ["Normalization Method", method] if method else [],
            [],
        ]
    else:
        rows = [[None, "Olink NPX Manager 2.1.0.224"], ["NPX data"], [], ["Panel", panel], []]
        if not panel:
            rows[3] = []
    rows += [
        ["Assay", *names, *meta_a],
        ["Uniprot ID", *uniprots, *meta_u],
        ["OlinkID", *oids],
        [],
    ]
    for sample_id, values, plate, qc in samples:
        meta = ([plate] if plate_column else []) + [qc]
        if deviations:
            meta += [-0.05, 0.02]
        rows.append([sample_id, *values, *meta])
    rows.append([])
    if footer is not None:
        rows += footer
    else:
        if lod is not None:
            rows.append(["LOD", *lod])
        if missing is not None:
            rows.append(["Missing Data freq.", *missing])
        if normalization is not None:
            rows.append(["Normalization", *([normalization] * len(names))])
    return rows


def cam_rows(**overrides) -> list[list]:
    """A 2.1-style Cardiometabolic plate sheet (no QC deviation columns)."""
    options = dict(
        layout="2.1",
        panel="Olink CARDIOMETABOLIC(v.3603)",
        assays=CAM_ASSAYS,
        samples=CAM_SAMPLES,
        lod=CAM_LOD,
        missing=CAM_MISSING,
        normalization="IPC Normalized",
        method=None,
        deviations=False,
    )
    options.update(overrides)
    return build_npx_rows(**options)


@pytest.fixture
def npx_rows():
    """Builder of a 2.2-style Inflammation sheet; keyword overrides change any part."""
    return build_npx_rows


@pytest.fixture(name="cam_rows")
def cam_rows_fixture():
    """Builder of a 2.1-style Cardiometabolic plate sheet."""
    return cam_rows


@pytest.fixture
def write_xlsx(tmp_path):
    """Write {sheet: rows} to tmp_path/name and return the path."""

    def write(name: str, sheets: dict[str, list[list]]) -> Path:
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for title, rows in sheets.items():
            ws = wb.create_sheet(title)
            for row in rows:
                ws.append(row)
        path = tmp_path / name
        wb.save(path)
        return path

    return write
