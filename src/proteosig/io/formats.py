"""Choose a reader for each NPX file: by config, or by looking at the file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from proteosig.errors import InputError

FORMATS = ("auto", "olink_long", "npx_manager_xlsx")


def detect_format(path: str | Path) -> str:
    """Tell the layout of one file from its suffix and first bytes."""
    path = Path(path)
    if not path.exists():
        raise InputError(
            path,
            "file not found",
            expected="an existing NPX file",
            fix="check the path in config 'inputs: npx' (relative paths are from the "
            "directory you run snakemake in)",
        )
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return "olink_long"
    if suffix in (".xlsx", ".xlsm"):
        from proteosig.io.npx_manager import looks_like_npx_manager, read_npx_manager

        if looks_like_npx_manager(path):
            return "npx_manager_xlsx"
        read_npx_manager(path)  # names the precise problem (corrupt file, missing header rows)
        raise InputError(
            path,
            "this Excel file is not an NPX Manager export (no 'Assay' / 'Uniprot ID' / "
            "'OlinkID' header rows were found)",
            expected="an Olink NPX Manager Target 96 export, or a long CSV/parquet",
            fix="export the NPX data from Olink software, or set 'inputs: format' explicitly",
        )
    if suffix in (".csv", ".tsv", ".txt"):
        return "olink_long"
    raise InputError(
        path,
        f"cannot tell the layout of a {suffix or 'suffix-less'} file",
        expected="one of .csv/.tsv/.txt (Olink long), .parquet (Olink long), .xlsx (NPX Manager)",
        fix="rename the file with the right suffix or set 'inputs: format' in the config",
    )


def read_npx_file(path: str | Path, *, fmt: str = "auto") -> pd.DataFrame:
    """Read one NPX file into the common vendor frame (see ``proteosig.io._vendor``)."""
    chosen = detect_format(path) if fmt == "auto" else fmt
    if not Path(path).exists():
        detect_format(path)  # raises the missing-file error
    if chosen == "olink_long":
        from proteosig.io.olink_long import read_olink_long

        return read_olink_long(path)
    if chosen == "npx_manager_xlsx":
        from proteosig.io.npx_manager import read_npx_manager

        return read_npx_manager(path)
    raise InputError("config", f"unknown input format {chosen!r}", expected=", ".join(FORMATS))
