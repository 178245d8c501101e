"""Every supported layout, from our own fixtures (tests/io/fixtures, by make_fixtures.py).

Each fixture is detected as its layout, read to exactly the values the generator wrote,
and ingested end to end with the shared sample sheet; ingest outputs are byte-identical
between two runs.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from proteosig.io._vendor import VENDOR_COLUMNS
from proteosig.io.formats import detect_format, read_npx_file
from proteosig.io.wide import read_protein_annotation
from tests.bad_inputs.harness import ingest_from_config, run_ingest_rule
from tests.io import make_fixtures as fx

FIXTURES = Path(__file__).resolve().parent / "fixtures"
LAYOUTS = {
    "long_target96_semicolon.csv": "olink_long",
    "long_target96_comma.csv": "olink_long",
    "long_explore3072.csv": "olink_long",
    "explore_ht.parquet": "olink_long",
    "npx_manager_22.xlsx": "npx_manager_xlsx",
    "npx_manager_21_per_plate.xlsx": "npx_manager_xlsx",
    "npx_manager_21_CAM.xlsx": "npx_manager_xlsx",
    "wide_uniprot.csv": "wide",
    "wide_symbols.tsv": "wide",
    "wide_custom.parquet": "wide",
    "wide_matrix.xlsx": "wide",
}
PANEL_OF = {
    "long_target96_semicolon.csv": "INF",
    "long_target96_comma.csv": "CVD II",
    "long_explore3072.csv": "EXPLORE",
    "explore_ht.parquet": "EXPLORE",
    "npx_manager_22.xlsx": "INF",
    "npx_manager_21_per_plate.xlsx": "CVD II",
    "npx_manager_21_CAM.xlsx": "CAM",
}
GROUPS = {"HC": 3, "AD": 3, "MDD": 2}


def study_values(frame: pd.DataFrame, key: str = "olink_id") -> pd.Series:
    rows = frame[frame["sample_id"].isin(fx.SAMPLE_IDS)]
    return rows.set_index(["sample_id", key])["npx"].sort_index()


def assert_values(got: pd.Series, want: pd.Series) -> None:
    """Same (sample, assay) keys and exactly the same values (NaN where NaN)."""
    assert [tuple(map(str, k)) for k in got.index] == [tuple(map(str, k)) for k in want.index]
    np.testing.assert_array_equal(got.to_numpy(dtype=float), want.to_numpy(dtype=float))


def expected_values(panel: str, key: str = "olink_id") -> pd.Series:
    return fx.expected_long(panel).set_index(["sample_id", key])["npx"].sort_index()


def config(*names: str, **inputs) -> dict:
    return {
        "inputs": {"npx": list(names), "sample_sheet": "samples.tsv", **inputs},
        "samples": {"control_group": "HC", "covariates": ["age", "sex"]},
    }


def test_make_fixtures_regenerates_the_committed_files(tmp_path):
    import pyarrow.parquet as pq

    written = fx.write_all(tmp_path)
    assert sorted(p.name for p in written) == sorted(p.name for p in FIXTURES.iterdir())
    for path in written:
        committed = FIXTURES / path.name
        if path.suffix == ".parquet":  # bytes depend on the pyarrow version
            assert pq.read_table(path).equals(pq.read_table(committed)), path.name
            assert pq.read_schema(path).metadata == pq.read_schema(committed).metadata
        else:
            assert path.read_bytes() == committed.read_bytes(), path.name


@pytest.mark.parametrize("name, layout", LAYOUTS.items())
def test_each_fixture_is_detected(name, layout):
    assert detect_format(FIXTURES / name) == layout


@pytest.mark.parametrize("name", list(PANEL_OF))
def test_vendor_fixtures_read_exact_values(name):
    frame = read_npx_file(FIXTURES / name)
    assert tuple(frame.columns) == VENDOR_COLUMNS
    assert frame.attrs["format"] == LAYOUTS[name]
    got = study_values(frame)
    want = expected_values(PANEL_OF[name])
    assert_values(got, want)
    assert frame["npx"].dtype == "float64"
    assert not frame["sample_id"].str.contains(r"^\s|\s$").any()


def test_target96_columns():
    frame = read_npx_file(FIXTURES / "long_target96_semicolon.csv")
    one = frame.set_index(["sample_id", "assay"])
    assert one.loc[("S03", "IL8"), "qc_warning"] == "Warning"
    assert one.loc[("S05", "IL-13"), "assay_warning"] == "Warning"
    assert one.loc[("S01", "IL-13"), "assay_warning"] == "Pass"
    assert one.loc[("S01", "IL6"), "lod"] == 2.5
    assert one.loc[("S01", "IL-13"), "missing_freq"] == 0.125
    assert set(frame["normalization"]) == {"Intensity"}
    assert one.loc[("Neg ctrl", "IL6"), "sample_type"] == "NEGATIVE_CONTROL"
    comma = read_npx_file(FIXTURES / "long_target96_comma.csv")
    assert fx.COMMA_ASSAY in set(comma["assay"])  # a quoted comma stays in the name
    assert comma["sample_type"].isna().all()


def test_explore_csv_and_parquet_agree_and_set_control_assays_aside():
    csv = read_npx_file(FIXTURES / "long_explore3072.csv")
    parquet = read_npx_file(FIXTURES / "explore_ht.parquet")
    assert csv.attrs["notes"] == [
        "long_explore3072.csv: set aside 3 internal control assay(s) "
        "(AssayType amp_ctrl, ext_ctrl, inc_ctrl)"
    ]
    assert not csv["olink_id"].str.startswith("OID29").any()
    assert set(csv["sample_type"]) == {"SAMPLE", "SAMPLE_CONTROL", "PLATE_CONTROL",
                                       "NEGATIVE_CONTROL"}  # fmt: skip
    assert csv.loc[csv["sample_id"] == "S06", "qc_warning"].eq("WARN").all()
    assert csv.loc[csv["olink_id"] == "OID20051", "assay_warning"].eq("WARN").all()
    assert csv["lod"].isna().all()
    columns = [c for c in VENDOR_COLUMNS if c not in ("source_file", "panel")]
    pd.testing.assert_frame_equal(csv[columns], parquet[columns])
    assert set(parquet["panel"]) == {"Explore_HT"}


def test_npx_manager_fixtures():
    inf = read_npx_file(FIXTURES / "npx_manager_22.xlsx")
    assert set(inf["plate"]) == {"INF_Plate1", "INF_Plate2"}
    assert set(inf["normalization"]) == {"Intensity Normalized (v.2)"}
    assert inf.loc[inf["assay"] == "IL-13", "missing_freq"].eq(0.125).all()
    per_plate = read_npx_file(FIXTURES / "npx_manager_21_per_plate.xlsx")
    assert set(per_plate["plate"]) == {"CVD_Plate1", "CVD_Plate2"}
    assert set(per_plate["panel"]) == {"CVD II"}
    assert set(per_plate["normalization"]) == {"IPC Normalized"}
    assert per_plate["sample_id"].nunique() == 9  # 8 samples + 'IPC 2'; Annot is skipped


def test_wide_fixtures_read_exact_values():
    uniprot = read_npx_file(FIXTURES / "wide_uniprot.csv")
    assert_values(study_values(uniprot, "uniprot"), expected_values("INF", "uniprot"))
    assert (uniprot["assay_id"] == uniprot["uniprot"]).all()
    symbols = read_npx_file(FIXTURES / "wide_symbols.tsv")
    want = expected_values("CVD II", "gene_symbol").copy()
    want[("S03", "BMP6")] = np.nan  # written as 'NA'
    assert_values(study_values(symbols, "assay"), want.sort_index())
    assert symbols["uniprot"].isna().all()  # symbols are mapped by ingest
    assert symbols.groupby("sample_id")["plate"].first().to_dict() == fx.PLATE_OF
    matrix = read_npx_file(FIXTURES / "wide_matrix.xlsx")
    assert "P29459_P29460" in set(matrix["uniprot"])
    got = study_values(matrix[matrix["assay"] != "P29459_P29460"], "uniprot")
    assert_values(got, expected_values("CAM", "uniprot"))


def test_wide_custom_with_annotation():
    annotation = read_protein_annotation(FIXTURES / "wide_custom_annotation.tsv")
    frame = read_npx_file(FIXTURES / "wide_custom.parquet", annotation=annotation)
    assays = frame.drop_duplicates("assay_id").set_index("assay_id")
    assert list(assays.index) == [
        "INF:seq.2573.20", "INF:seq.4673.13", "INF:binder_IL13", "INF:seq.3045.72",
        f"INF:{fx.SECOND_IL6_BINDER}",
    ]  # fmt: skip
    assert assays.loc["INF:binder_IL13", "gene_symbol"] == "IL13"
    assert assays.loc["INF:seq.4673.13", "lod"] == 2.5
    assert set(frame["sample_id"]) == set(fx.SAMPLE_IDS)  # the pandas index


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_each_fixture_ingests(name):
    inputs = {}
    if name == "wide_custom.parquet":
        inputs["protein_annotation"] = "wide_custom_annotation.tsv"
    result = ingest_from_config(config(name, **inputs), FIXTURES)
    assert result.samples["group"].value_counts().to_dict() == GROUPS
    assert result.long["npx"].notna().sum() >= 8 * 3 - 1
    assert result.long["gene_symbol"].notna().all(), result.unmapped_assays
    assert result.unmapped_assays.empty


def test_ingest_maps_gene_symbol_headers_and_keeps_two_binders():
    symbols = ingest_from_config(config("wide_symbols.tsv"), FIXTURES).long
    mapped = symbols.drop_duplicates("assay_id").set_index("assay_id")["uniprot"].to_dict()
    assert mapped == {"ADM": "P35318", "ANGPT1": "Q15389", "BMP6": "P22004"}
    custom = ingest_from_config(
        config("wide_custom.parquet", protein_annotation="wide_custom_annotation.tsv"), FIXTURES
    ).long
    per_assay = custom.drop_duplicates("assay_id").set_index("assay_id")
    assert per_assay.loc["INF:seq.3045.72", "uniprot"] == "P09341"  # from symbol CXCL1
    assert (per_assay["gene_symbol"] == "IL6").sum() == 2  # two binders, two assays


def test_panels_and_plates_in_separate_files_are_merged():
    names = ["npx_manager_22.xlsx", "npx_manager_21_per_plate.xlsx", "npx_manager_21_CAM.xlsx"]
    result = ingest_from_config(config(*names), FIXTURES)
    assert result.long.groupby("panel")["assay_id"].nunique().to_dict() == {
        "CAM": 3, "CVD II": 3, "INF": 4,
    }  # fmt: skip
    assert set(result.controls["sample_id"]) == {"IPC 1", "IPC 2"}
    assert result.samples["plate"].iloc[0] == "CM_Plate1;CVD_Plate1;INF_Plate1"


def test_explore_and_target96_together():
    result = ingest_from_config(
        config("long_explore3072.csv", "long_target96_semicolon.csv"), FIXTURES
    )
    assert result.long["assay_id"].nunique() == 3 + 4
    assert (result.long.drop_duplicates("assay_id")["gene_symbol"] == "IL6").sum() == 2
    assert any("internal control assay" in note for note in result.notes)


DETERMINISM = [
    ["long_target96_semicolon.csv", "long_target96_comma.csv"],
    ["explore_ht.parquet"],
    ["npx_manager_22.xlsx", "npx_manager_21_per_plate.xlsx", "npx_manager_21_CAM.xlsx"],
    ["wide_symbols.tsv", "wide_matrix.xlsx"],
]


@pytest.mark.parametrize("names", DETERMINISM, ids=lambda n: n[0].split(".")[0])
def test_ingest_outputs_are_byte_identical_between_runs(names, tmp_path):
    outputs = []
    for run in ("a", "b"):
        code, stderr = run_ingest_rule(config(*names), FIXTURES, tmp_path / run)
        assert code == 0, stderr
        outputs.append(tmp_path / run / "results" / "ingest")
    files = sorted(p.name for p in outputs[0].iterdir())
    assert len(files) == 5
    for name in files:
        assert (outputs[0] / name).read_bytes() == (outputs[1] / name).read_bytes(), name
