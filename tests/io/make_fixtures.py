"""Write the small input fixtures of every supported layout (our own synthetic data).

    python tests/io/make_fixtures.py            # writes tests/io/fixtures/
    python tests/io/make_fixtures.py OUT_DIR

Every value is a closed-form function of sample and assay (``npx_value``), so the tests
compare what each reader returns against ``expected_long()`` exactly. Output is
byte-stable: text is written with fixed formatting, workbooks get fixed timestamps, and
parquet files are written by pyarrow with fixed metadata (bytes may differ between
pyarrow versions; ``test_fixtures.py`` compares those by content).

Layouts (file -> ``inputs: format`` it is detected as):

    long_target96_semicolon.csv     olink_long  Target 96 NPX Signature columns, ';', INF,
                                                SampleType, QC_Warning, Assay_Warning,
                                                Normalization, controls by SampleType
    long_target96_comma.csv         olink_long  Target 96 columns without SampleType, ',',
                                                CVD II, a quoted assay name with a comma,
                                                controls recognised by name
    long_explore3072.csv            olink_long  Explore 3072 columns (AssayType, Block,
                                                Count, ExtNPX, PCNormalizedNPX, SampleQC,
                                                AssayQC), ';', internal control assays
    explore_ht.parquet              olink_long  Explore HT parquet (same columns, Product
                                                and DataFileType metadata)
    npx_manager_22.xlsx             npx_manager_xlsx  NPX Manager 2.2, INF, 2 plates, footers
    npx_manager_21_per_plate.xlsx   npx_manager_xlsx  NPX Manager 2.1, CVD II, one sheet per
                                                plate, Contents and Annot sheets
    npx_manager_21_CAM.xlsx         npx_manager_xlsx  NPX Manager 2.1, CAM (a second panel in
                                                its own file)
    wide_uniprot.csv                wide        samples x proteins, UniProt headers, ','
    wide_symbols.tsv                wide        gene-symbol headers, PlateID column, tab
    wide_custom.parquet (+ wide_custom_annotation.tsv)
                                    wide        arbitrary headers described by a protein
                                                annotation; IDs stored as the pandas index
    wide_matrix.xlsx                wide        first sheet, UniProt headers incl. a complex
    samples.tsv                                 the sample sheet for all of them
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "fixtures"
FIXED_ZIP_TIME = (2026, 1, 1, 0, 0, 0)
FIXED_ISO = "2026-01-01T00:00:00Z"

#: sample ID, group, age, sex
SAMPLES = [
    ("S01", "HC", 30, "F"), ("S02", "HC", 31, "M"), ("S03", "HC", 32, "F"),
    ("S04", "AD", 33, "M"), ("S05", "AD", 34, "F"), ("S06", "AD", 35, "M"),
    ("S07", "MDD", 36, "F"), ("S08", "MDD", 37, "M"),
]  # fmt: skip
SAMPLE_IDS = [s[0] for s in SAMPLES]
PLATE_OF = {s: ("Plate1" if i < 4 else "Plate2") for i, s in enumerate(SAMPLE_IDS)}

#: panel -> [(OlinkID, UniProt, Olink assay name, gene symbol, LOD)]
PANELS = {
    "INF": [
        ("OID00471", "P10145", "IL8", "CXCL8", 1.5),
        ("OID00482", "P05231", "IL6", "IL6", 2.5),
        ("OID00490", "P35225", "IL-13", "IL13", 4.0),
        ("OID00501", "P09341", "CXCL1", "CXCL1", 0.5),
    ],
    "CVD II": [
        ("OID00379", "P22004", "BMP-6", "BMP6", 1.0),
        ("OID00380", "Q15389", "ANGPT1", "ANGPT1", 0.8),
        ("OID00381", "P35318", "ADM", "ADM", 1.2),
    ],
    "CAM": [
        ("OID01272", "P42785", "PRCP", "PRCP", 1.34),
        ("OID01223", "P00915", "CA1", "CA1", 0.6),
        ("OID01230", "P05362", "ICAM1", "ICAM1", 1.7),
    ],
    "EXPLORE": [  # Explore-style OlinkIDs
        ("OID20049", "P05231", "IL6", "IL6", None),
        ("OID20050", "P01375", "TNF", "TNF", None),
        ("OID20051", "P60568", "IL2", "IL2", None),
    ],
}
PANEL_INDEX = {name: i for i, name in enumerate(PANELS)}
COMMA_ASSAY = "Angiopoietin-1, ANGPT1"  # quoted assay name with a comma (CVD II file)


def npx_value(sample: str, olink_id: str, panel: str) -> float:
    """The NPX of one sample x assay in every fixture (closed form, 5 decimals)."""
    i = SAMPLE_IDS.index(sample) if sample in SAMPLE_IDS else 9
    j = [a[0] for a in PANELS[panel]].index(olink_id)
    return round(
        2.0 + 0.37 * i + 1.13 * j + 0.5 * PANEL_INDEX[panel] + 0.01 * ((7 * i + 3 * j) % 5), 5
    )


def expected_long(panel: str) -> pd.DataFrame:
    """sample_id, olink_id, uniprot, gene_symbol, npx for the study samples of a panel."""
    rows = [
        (s, oid, uni, sym, npx_value(s, oid, panel))
        for s in SAMPLE_IDS
        for oid, uni, _, sym, _ in PANELS[panel]
    ]
    return pd.DataFrame(rows, columns=["sample_id", "olink_id", "uniprot", "gene_symbol", "npx"])


# ---------------------------------------------------------------------------- writers


def write_text(path: Path, frame: pd.DataFrame, sep: str) -> None:
    text = frame.to_csv(sep=sep, index=False, lineterminator="\n", float_format="%.5f")
    path.write_bytes(text.encode("utf-8"))


def stable_xlsx(workbook, path: Path) -> None:
    """Save an openpyxl workbook with fixed timestamps, so the bytes do not change."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + FIXED_ISO.encode() + rb"\g<2>",
                    data,
                )
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, data)
    path.write_bytes(out.getvalue())


def workbook(sheets: dict[str, list[list]]):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    return wb


def write_parquet(path: Path, frame: pd.DataFrame, metadata: dict[str, str] | None = None,
                  *, index: bool = False) -> None:  # fmt: skip
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=index)
    if not index:
        table = table.replace_schema_metadata(None)
    if metadata:
        merged = dict(table.schema.metadata or {})
        merged.update({k.encode(): v.encode() for k, v in metadata.items()})
        table = table.replace_schema_metadata(merged)
    pq.write_table(table, path, compression="zstd")


# ------------------------------------------------------------------------ long tables


def long_target96(panel: str, *, sample_type: bool) -> pd.DataFrame:
    rows = []
    ids = SAMPLE_IDS + (["IPC", "Neg ctrl"] if sample_type else ["IPC_1"])
    for index, sample in enumerate(ids, start=1):
        for oid, uni, assay, _, lod in PANELS[panel]:
            plate = PLATE_OF.get(sample, "Plate1")
            control = sample not in PLATE_OF
            row = {
                "SampleID": sample,
                "SampleType": ("CONTROL" if sample == "IPC" else "NEGATIVE_CONTROL")
                if control
                else "SAMPLE",
                "Index": index,
                "OlinkID": oid,
                "UniProt": uni,
                "Assay": COMMA_ASSAY if assay == "ANGPT1" else assay,
                "MissingFreq": 0.125 if assay == "IL-13" else 0.0,
                "Panel": "Olink Target 96 Inflammation"
                if panel == "INF"
                else "Olink CARDIOVASCULAR II(v.5006)",
                "Panel_Lot_Nr": "B04412" if panel == "INF" else "B11208",
                "PlateID": plate,
                "QC_Warning": "Warning" if sample == "S03" else "Pass",
                "LOD": lod,
                "NPX": 0.1 if control else npx_value(sample, oid, panel),
                "Normalization": "Intensity",
                "Assay_Warning": "Warning" if assay == "IL-13" and plate == "Plate2" else "Pass",
            }
            if not sample_type:
                del row["SampleType"]
            rows.append(row)
    return pd.DataFrame(rows)


EXPLORE_COLUMNS = [
    "SampleID", "SampleType", "WellID", "PlateID", "DataAnalysisRefID", "OlinkID", "UniProt",
    "Assay", "AssayType", "Panel", "Block", "Count", "ExtNPX", "NPX", "Normalization",
    "PCNormalizedNPX", "AssayQC", "SampleQC", "ExploreVersion",
]  # fmt: skip
EXPLORE_CONTROLS = [
    ("CONTROL_SAMPLE_1", "SAMPLE_CONTROL"),
    ("PLATE_CONTROL_1", "PLATE_CONTROL"),
    ("NEGATIVE_CONTROL_1", "NEGATIVE_CONTROL"),
]
EXPLORE_CONTROL_ASSAYS = [
    ("OID29001", "Extension control", "ext_ctrl"),
    ("OID29002", "Incubation control 1", "inc_ctrl"),
    ("OID29003", "Amplification control", "amp_ctrl"),
]


def long_explore(panel_name: str, version: str) -> pd.DataFrame:
    rows = []
    ids = [(s, "SAMPLE") for s in SAMPLE_IDS] + EXPLORE_CONTROLS
    for well, (sample, kind) in enumerate(ids, start=1):
        plate = PLATE_OF.get(sample, "Plate1")
        assays = [(oid, uni, name, "assay") for oid, uni, name, _, _ in PANELS["EXPLORE"]]
        assays += [(oid, "", name, kind_) for oid, name, kind_ in EXPLORE_CONTROL_ASSAYS]
        for oid, uni, name, assay_type in assays:
            npx = npx_value(sample, oid, "EXPLORE") if assay_type == "assay" and kind == "SAMPLE" \
                else 0.25  # fmt: skip
            rows.append(
                [sample, kind, f"A{well}", plate, "D10001", oid, uni, name, assay_type,
                 panel_name, "1", 1000 + well, npx - 1.0, npx, "Plate control", npx,
                 "WARN" if oid == "OID20051" else "PASS",
                 "WARN" if sample == "S06" else "PASS", version]
            )  # fmt: skip
    return pd.DataFrame(rows, columns=EXPLORE_COLUMNS)


# ---------------------------------------------------------------------- NPX Manager


def npx_manager_rows(panel: str, samples: list[str], *, layout: str, panel_text: str,
                     plates: bool = True) -> list[list]:  # fmt: skip
    assays = PANELS[panel]
    meta_a = (["Plate ID"] if plates else []) + ["QC Warning"]
    meta_u: list = [None] * len(meta_a)
    if layout == "2.2":
        meta_a += ["QC Deviation from median", "QC Deviation from median"]
        meta_u += ["Inc Ctrl 2", "Det Ctrl"]
        rows = [
            ["Fixture_#1", "Olink NPX Manager 2.2.2.322"],
            ["NPX data"],
            ["Panel", panel_text],
            [],
            ["# Plates", len({PLATE_OF.get(s, "Plate1") for s in samples})],
            ["# Samples", len(samples)],
            ["Normalization Method", "Intensity Normalized (v.2)"],
            [],
        ]
    else:
        rows = [[None, "Olink NPX Manager 2.1.0.224"], ["NPX data"], [], ["Panel", panel_text], []]
    rows += [
        ["Assay", *[a[2] for a in assays], *meta_a],
        ["Uniprot ID", *[a[1] for a in assays], *meta_u],
        ["OlinkID", *[a[0] for a in assays]],
        [],
    ]
    plate_prefix = {"INF": "INF", "CVD II": "CVD", "CAM": "CM"}[panel]
    for sample in samples:
        stripped = sample.strip()
        control = stripped not in PLATE_OF
        values = [0.1 if control else npx_value(stripped, a[0], panel) for a in assays]
        meta = [f"{plate_prefix}_{PLATE_OF.get(stripped, 'Plate1')}"] if plates else []
        meta.append("Warning" if stripped == "S03" else "Pass")
        if layout == "2.2":
            meta += [-0.05, 0.02]
        rows.append([sample, *values, *meta])
    rows.append([])
    rows.append(["LOD", *[a[4] for a in assays]])
    rows.append(["Missing Data freq.", *[0.125 if a[2] == "IL-13" else 0 for a in assays]])
    norm = "Intensity Normalized (v.2)" if layout == "2.2" else "IPC Normalized"
    rows.append(["Normalization", *[norm] * len(assays)])
    return rows


# ----------------------------------------------------------------------------- wide


def wide_matrix(panel: str, header) -> pd.DataFrame:
    data = {header(a): [npx_value(s, a[0], panel) for s in SAMPLE_IDS] for a in PANELS[panel]}
    return pd.DataFrame(data, index=pd.Index(SAMPLE_IDS, name="SampleID"))


CUSTOM_HEADERS = {  # wide_custom: arbitrary binder names -> annotation
    "OID00471": ("seq.2573.20", "P10145", "", "INF", 1.5),
    "OID00482": ("seq.4673.13", "P05231", "", "INF", 2.5),
    "OID00490": ("binder_IL13", "", "IL13", "INF", 4.0),
    "OID00501": ("seq.3045.72", "", "CXCL1", "INF", 0.5),
}
SECOND_IL6_BINDER = "seq.9999.1"  # a second binder of IL6: its own assay


def write_all(out: Path = DEFAULT_OUT) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []

    def path(name: str) -> Path:
        written.append(out / name)
        return out / name

    sheet = pd.DataFrame(SAMPLES, columns=["sample_id", "group", "age", "sex"])
    write_text(path("samples.tsv"), sheet, "\t")

    write_text(path("long_target96_semicolon.csv"), long_target96("INF", sample_type=True), ";")
    write_text(path("long_target96_comma.csv"), long_target96("CVD II", sample_type=False), ",")
    write_text(path("long_explore3072.csv"), long_explore("Inflammation", "Explore 3072"), ";")
    write_parquet(
        path("explore_ht.parquet"),
        long_explore("Explore_HT", "Explore HT"),
        {"Product": "ExploreHT", "DataFileType": "NPX File"},
    )

    inf_samples = ["S01 ", "S02", *SAMPLE_IDS[2:7], "  S08   ", "IPC 1"]
    stable_xlsx(
        workbook({"INF": npx_manager_rows("INF", inf_samples, layout="2.2",
                                          panel_text="Olink Target 96 Inflammation(v.3022)")}),
        path("npx_manager_22.xlsx"),
    )  # fmt: skip
    cvd = "Olink CARDIOVASCULAR II(v.5006)"
    stable_xlsx(
        workbook(
            {
                "Contents": [[], [None, "Sheet", None, "Contents"],
                             [None, "CVD plate 1", None, "plate 1"],
                             [None, "CVD plate 2", None, "plate 2"]],
                "CVD plate 1": npx_manager_rows("CVD II", SAMPLE_IDS[:4], layout="2.1",
                                                panel_text=cvd),
                "CVD plate 2": npx_manager_rows("CVD II", [*SAMPLE_IDS[4:], "IPC 2"],
                                                layout="2.1", panel_text=cvd),
                "Annot": [["sample_id", "age"], *[[s, a] for s, _, a, _ in SAMPLES]],
            }
        ),
        path("npx_manager_21_per_plate.xlsx"),
    )  # fmt: skip
    stable_xlsx(
        workbook({"CAM plate 1": npx_manager_rows("CAM", SAMPLE_IDS, layout="2.1",
                                                  panel_text="Olink CARDIOMETABOLIC(v.3603)")}),
        path("npx_manager_21_CAM.xlsx"),
    )  # fmt: skip

    uniprot = wide_matrix("INF", lambda a: a[1]).reset_index()
    write_text(path("wide_uniprot.csv"), uniprot, ",")
    symbols = wide_matrix("CVD II", lambda a: a[3])
    symbols.insert(0, "PlateID", [PLATE_OF[s] for s in SAMPLE_IDS])
    symbols.iloc[2, 1] = float("nan")  # one missing value, written as 'NA'
    text = symbols.reset_index().rename(columns={"SampleID": "id"})
    text.to_csv(path("wide_symbols.tsv"), sep="\t", index=False, lineterminator="\n",
                float_format="%.5f", na_rep="NA")  # fmt: skip
    custom = wide_matrix("INF", lambda a: CUSTOM_HEADERS[a[0]][0])
    custom[SECOND_IL6_BINDER] = [round(v + 0.5, 5) for v in custom["seq.4673.13"]]
    custom.index.name = "sample"
    write_parquet(path("wide_custom.parquet"), custom, index=True)
    annotation = pd.DataFrame(
        [
            {"column": h, "uniprot": u, "gene_symbol": g, "panel": p, "lod": lod}
            for h, u, g, p, lod in CUSTOM_HEADERS.values()
        ]
        + [{"column": SECOND_IL6_BINDER, "uniprot": "P05231", "gene_symbol": "",
            "panel": "INF", "lod": 2.0}]
    )  # fmt: skip
    write_text(path("wide_custom_annotation.tsv"), annotation, "\t")
    matrix = wide_matrix("CAM", lambda a: a[1])
    matrix["P29459_P29460"] = [round(1.0 + 0.1 * i, 5) for i in range(len(SAMPLE_IDS))]
    rows = [["SampleID", *matrix.columns]] + [[s, *matrix.loc[s].tolist()] for s in matrix.index]
    stable_xlsx(workbook({"NPX": rows, "Notes": [["made by make_fixtures.py"]]}),
                path("wide_matrix.xlsx"))  # fmt: skip
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT
    for written in write_all(target):
        print(written)
