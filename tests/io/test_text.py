"""Strict reading of delimited text: every line has the header's field count."""

from __future__ import annotations

import pytest

from proteosig.errors import InputError
from proteosig.io.olink_long import read_olink_long
from tests.helpers import make_long_table


def lines_of_tiny_table() -> list[str]:
    long, _ = make_long_table()
    return long.to_csv(sep=";", index=False, lineterminator="\n").splitlines()


def test_short_line_in_the_middle_is_named_not_padded(tmp_path):
    lines = lines_of_tiny_table()
    lines[3] = lines[3].rsplit(";", 1)[0]  # a value lost: pandas would shift nothing, pad ''
    path = tmp_path / "npx.csv"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InputError) as err:
        read_olink_long(path)
    assert "(line 4)" in str(err.value)
    assert "line 4 has 13 fields but the header has 14" in str(err.value)


def test_bom_crlf_blank_lines_and_quoted_delimiters_are_fine(tmp_path):
    lines = lines_of_tiny_table()
    lines[1] = lines[1].replace("IL8", '"IL8; CXCL8"')
    text = "\ufeff" + "\r\n".join(lines[:5] + [""] + lines[5:]) + "\r\n"
    path = tmp_path / "npx.csv"
    path.write_bytes(text.encode("utf-8"))
    frame = read_olink_long(path)
    assert len(frame) == len(lines) - 1
    assert frame["assay"].iloc[0] == "IL8; CXCL8"
    assert frame["sample_id"].iloc[0] == "S00"


@pytest.mark.parametrize(
    "head, fragment",
    [(b"PK\x03\x04rest", "zip archive or an Excel .xlsx workbook"),
     (b"PAR1rest", "a parquet file"),
     (b"\xd0\xcf\x11\xe0rest", "old binary Excel")],
)  # fmt: skip
def test_binary_files_with_a_text_suffix(tmp_path, head, fragment):
    path = tmp_path / "npx.csv"
    path.write_bytes(head)
    with pytest.raises(InputError, match=fragment):
        read_olink_long(path)


def test_non_utf8_header_names_line_and_character(tmp_path):
    path = tmp_path / "npx.csv"
    path.write_bytes("SampleID;NPX;Assay;Unité\nS1;1.0;IL6;NPX\n".encode("latin-1"))
    with pytest.raises(InputError, match=r"\(line 1, character 24\).*byte 0xe9"):
        read_olink_long(path)
