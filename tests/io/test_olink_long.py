"""Olink long CSV/parquet reader: layouts, aliases and bad input."""

from __future__ import annotations

import pandas as pd
import pytest

from proteosig.errors import InputError
from proteosig.io.formats import detect_format, read_npx_file
from proteosig.io.olink_long import read_olink_long
from tests.helpers import GISBY, make_long_table


@pytest.mark.parametrize("sep", [";", ",", "\t"])
def test_reads_each_delimiter_with_exact_values(tmp_path, sep):
    long, _ = make_long_table()
    path = tmp_path / "npx.csv"
    long.to_csv(path, sep=sep, index=False)
    frame = read_olink_long(path)
    assert len(frame) == len(long)
    row = frame[(frame.sample_id == "S03") & (frame.olink_id == "OID00482")].iloc[0]
    expected = long[(long.SampleID == "S03") & (long.OlinkID == "OID00482")].iloc[0]
    assert row.npx == pytest.approx(expected.NPX, abs=1e-12)
    assert row.lod == 2.5
    assert row.plate == expected.PlateID
    assert row.uniprot == "P05231"


def test_explore_style_columns_and_parquet(tmp_path):
    long, _ = make_long_table()
    explore = long.rename(columns={"QC_Warning": "SampleQC", "Assay_Warning": "AssayQC"})
    explore = explore.drop(columns=["MissingFreq"])
    path = tmp_path / "explore.parquet"
    explore.to_parquet(path)
    frame = read_npx_file(path)
    assert frame["qc_warning"].eq("PASS").all()
    assert frame["missing_freq"].isna().all()
    assert frame["npx"].sum() == pytest.approx(long["NPX"].sum())


def test_gisby_processed_layout_without_plate_or_lod():
    frame = read_olink_long(GISBY / "serum_npx_level.csv")
    assert frame["sample_id"].nunique() == 63
    assert frame["uniprot"].nunique() == 436
    assert frame["plate"].isna().all() and frame["lod"].isna().all()
    # the first data row of the file: CV21_1, PRCP, 2.20938
    first = frame[(frame.sample_id == "CV21_1") & (frame.assay == "PRCP")]
    assert first["npx"].iloc[0] == pytest.approx(2.20938)


def test_trailing_spaces_in_ids_are_stripped(tmp_path):
    long, _ = make_long_table()
    long["SampleID"] = long["SampleID"] + "   "
    path = tmp_path / "npx.csv"
    long.to_csv(path, sep=";", index=False)
    assert read_olink_long(path)["sample_id"].str.endswith(" ").sum() == 0


def test_missing_npx_column_names_close_match(tmp_path):
    long, _ = make_long_table()
    path = tmp_path / "npx.csv"
    long.rename(columns={"NPX": "NPX_value"}).to_csv(path, sep=";", index=False)
    with pytest.raises(InputError) as err:
        read_olink_long(path)
    message = str(err.value)
    assert "npx.csv" in message and "'NPX'" in message and "NPX_value" in message


def test_non_numeric_npx_names_row_and_value(tmp_path):
    long, _ = make_long_table()
    long["NPX"] = long["NPX"].astype(object)
    long.loc[5, "NPX"] = "3,14"
    path = tmp_path / "npx.csv"
    long.to_csv(path, sep=";", index=False)
    with pytest.raises(InputError) as err:
        read_olink_long(path)
    message = str(err.value)
    assert "row(s) 7" in message  # frame row 5 + header line + 1-based
    assert "'3,14'" in message and "decimal" in message


def test_not_utf8_is_reported(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("SampleID;NPX;Assay\nS\xe9;1.0;IL6\n".encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8"):
        read_olink_long(path)


def test_truncated_file_is_reported(tmp_path):
    long, _ = make_long_table()
    path = tmp_path / "npx.csv"
    text = long.to_csv(sep=";", index=False)
    path.write_text(text[: len(text) // 2])  # cut mid-row, as an interrupted copy does
    with pytest.raises(InputError, match="truncated"):
        read_olink_long(path)
    lines = text.splitlines()
    lines[3] += ";extra;fields"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError, match="malformed"):
        read_olink_long(path)


def test_no_delimiter_and_unknown_suffix(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("just some text\nmore\n")
    with pytest.raises(InputError, match="delimiter"):
        read_olink_long(path)
    other = tmp_path / "data.json"
    other.write_text("{}")
    with pytest.raises(InputError, match="cannot tell the layout"):
        detect_format(other)


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(InputError, match="file not found"):
        read_npx_file(tmp_path / "nope.csv")


def test_header_only_file(tmp_path):
    path = tmp_path / "empty.csv"
    pd.DataFrame(columns=["SampleID", "Assay", "NPX"]).to_csv(path, sep=";", index=False)
    with pytest.raises(InputError, match="no rows"):
        read_olink_long(path)
