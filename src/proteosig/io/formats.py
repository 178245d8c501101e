"""Choose a reader for each NPX file: by config, or by looking at the file.

``inputs: format`` values:

* ``olink_long``: Olink long table (CSV/TSV/TXT or parquet; Target 96, Explore 1536/3072,
  Explore HT column sets), see :mod:`proteosig.io.olink_long`;
* ``npx_manager_xlsx``: Olink NPX Manager Target 96 Excel export (2.1/2.2 layouts,
  per-plate and per-panel sheets), see :mod:`proteosig.io.npx_manager`;
* ``wide``: one row per sample, one column per protein (CSV/TSV/TXT, parquet or .xlsx),
  see :mod:`proteosig.io.wide`;
* ``auto`` (default): decided per file from its content, never from its name alone.
  Text and parquet files with a sample ID column plus an NPX or assay column are Olink
  long; a first column of IDs followed by numeric columns is a wide matrix; an .xlsx with
  an NPX Manager block is NPX Manager, one whose first sheet is a numeric table is wide.
  Anything else stops with what was seen and the values ``inputs: format`` accepts.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from proteosig.errors import InputError

FORMATS = ("auto", "olink_long", "npx_manager_xlsx", "wide")
_SNIFF_ROWS = 50
_ZIP_MAGIC, _OLE_MAGIC, _PARQUET_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"PAR1"


def _set_format_fix(seen: str) -> str:
    return (
        f"{seen}; set 'inputs: format' to olink_long (Olink long CSV/TSV/parquet), "
        "npx_manager_xlsx (NPX Manager Excel) or wide (samples x proteins matrix), or fix "
        "the file"
    )


def _kind(path: Path) -> str:
    """'xlsx', 'xls', 'parquet' or 'text', from the first bytes (not the suffix)."""
    with open(path, "rb") as handle:
        head = handle.read(4)
    if head == _ZIP_MAGIC:
        return "xlsx"
    if head == _OLE_MAGIC:
        return "xls"
    if head == _PARQUET_MAGIC:
        return "parquet"
    return "text"


def _missing(path: Path) -> InputError:
    return InputError(
        path,
        "file not found",
        where="config inputs: npx",
        expected="an existing NPX file",
        fix="check the path in config 'inputs: npx' (relative paths are from the "
        "directory you run snakemake in)",
    )


def detect_format(path: str | Path) -> str:
    """Tell the layout of one file from its content."""
    path = Path(path)
    if not path.exists():
        raise _missing(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        return _detect_excel(path)
    if suffix == ".parquet":
        return _detect_parquet(path)
    if suffix in (".csv", ".tsv", ".txt"):
        return _detect_text(path)
    raise InputError(
        path,
        f"cannot tell the layout of a {suffix or 'suffix-less'} file",
        where="file name",
        expected="one of .csv/.tsv/.txt (Olink long or wide), .parquet (Olink long or wide), "
        ".xlsx (NPX Manager or wide)",
        fix="rename the file with the right suffix, or set 'inputs: format' in the config",
    )


def _detect_text(path: Path) -> str:
    from proteosig.io.olink_long import looks_long
    from proteosig.io.text import read_header, sniff_delimiter
    from proteosig.io.wide import looks_wide

    delimiter = sniff_delimiter(path)  # names binary, empty, non-UTF-8 and undelimited files
    header = read_header(path, delimiter)
    if looks_long(header):
        return "olink_long"
    rows = []
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        next(reader, None)
        for row in reader:
            if row and any(v.strip() for v in row):
                rows.append(row)
            if len(rows) >= _SNIFF_ROWS:
                break
    wide, reason = looks_wide(header, rows)
    if wide:
        return "wide"
    raise _cannot_tell(path, header, reason)


def _cannot_tell(path: Path, header: list[str], reason: str) -> InputError:
    shown = ", ".join(repr(h) for h in header[:12]) + (" ..." if len(header) > 12 else "")
    return InputError(
        path,
        "cannot tell the layout: it is not an Olink long table (no SampleID column with NPX "
        f"or an assay column) and not a wide samples x proteins matrix ({reason})",
        where=f"header: {shown}",
        expected="an Olink long table (SampleID, OlinkID/UniProt/Assay, NPX, ...) or a matrix "
        "with sample IDs in the first column and one numeric column per protein",
        fix=_set_format_fix("if the header was misread, rename its columns"),
    )


def _detect_parquet(path: Path) -> str:
    import pyarrow.parquet as pq

    from proteosig.io.olink_long import looks_long, parquet_schema
    from proteosig.io.wide import looks_wide, parquet_column_order

    names, _, metadata = parquet_schema(path)
    if looks_long(names):
        return "olink_long"
    order = parquet_column_order(names, metadata)
    try:
        sample = pq.ParquetFile(path).read_row_group(0, columns=order).slice(0, _SNIFF_ROWS)
        rows = sample.to_pandas().reset_index(drop=True)
        rows = rows[[c for c in order if c in rows.columns]]
    except Exception:  # an unreadable body is named by the reader
        return "olink_long"
    listed = [[None if pd.isna(v) else v for v in row] for row in rows.itertuples(index=False)]
    wide, reason = looks_wide(order, listed)
    if wide:
        return "wide"
    raise _cannot_tell(path, order, reason)


def _detect_excel(path: Path) -> str:
    from proteosig.io.npx_manager import looks_like_npx_manager, read_npx_manager

    if looks_like_npx_manager(path):
        return "npx_manager_xlsx"
    if _excel_looks_wide(path):
        return "wide"
    read_npx_manager(path)  # names the precise problem (corrupt file, shifted header rows)
    raise InputError(
        path,
        "this Excel file is neither an NPX Manager export (no 'Assay' / 'Uniprot ID' / "
        "'OlinkID' header rows) nor a samples x proteins matrix on its first sheet",
        where="every sheet",
        expected="an Olink NPX Manager Target 96 export, or a matrix with sample IDs in column "
        "A and one numeric column per protein",
        fix=_set_format_fix("export the NPX data from Olink software"),
    )


def _excel_looks_wide(path: Path) -> bool:
    import openpyxl

    from proteosig.io.wide import looks_wide

    try:
        with open(path, "rb") as handle:
            if handle.read(4) != _ZIP_MAGIC:
                return False
            handle.seek(0)
            wb = openpyxl.load_workbook(handle, read_only=True, data_only=True)
            try:
                ws = wb.worksheets[0]
                rows = [list(r) for r in ws.iter_rows(max_row=_SNIFF_ROWS + 1, values_only=True)]
            finally:
                wb.close()
    except Exception:  # damaged files are named by the NPX Manager reader
        return False
    if not rows:
        return False
    header = ["" if v is None else str(v).strip() for v in rows[0]]
    while header and header[-1] == "":
        header.pop()
    body = [r for r in rows[1:] if any(v is not None and str(v).strip() for v in r)]
    return looks_wide(header, body)[0]


def _looks_long(path: Path, kind: str) -> bool:
    from proteosig.io.olink_long import looks_long, parquet_schema
    from proteosig.io.text import read_header, sniff_delimiter

    if kind == "parquet":
        return looks_long(parquet_schema(path)[0])
    return looks_long(read_header(path, sniff_delimiter(path)))


def check_forced_format(path: Path, fmt: str) -> None:
    """A format set in the config must fit the file; say so instead of misreading it."""
    kind = _kind(path)
    names = {"xlsx": "an Excel workbook (.xlsx)", "xls": "an old binary Excel file (.xls)",
             "parquet": "a parquet file", "text": "a text file"}  # fmt: skip
    allowed = {
        "olink_long": ("text", "parquet"),
        "npx_manager_xlsx": ("xlsx", "xls"),  # .xls gets its own message from the reader
        "wide": ("text", "parquet", "xlsx"),
    }[fmt]
    if fmt == "wide" and kind in ("text", "parquet") and _looks_long(path, kind):
        raise InputError(
            path,
            "'inputs: format' is 'wide' but this is an Olink long table (a SampleID column "
            "with NPX or assay columns)",
            where="config inputs: format",
            expected="a matrix with one row per sample and one column per protein",
            fix="set 'inputs: format: auto' or 'olink_long'",
        )
    if kind not in allowed:
        raise InputError(
            path,
            f"'inputs: format' is {fmt!r} but this is {names[kind]}",
            where="config inputs: format",
            expected={
                "olink_long": "a CSV/TSV/TXT or parquet Olink long table",
                "npx_manager_xlsx": "an NPX Manager .xlsx export",
                "wide": "a CSV/TSV/TXT, parquet or .xlsx matrix",
            }[fmt],
            fix="set 'inputs: format: auto' (each file's layout is then detected), or list "
            "only files of that format",
        )


def read_npx_file(
    path: str | Path, *, fmt: str = "auto", annotation: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Read one NPX file into the common vendor frame (see ``proteosig.io._vendor``).

    The frame's ``attrs`` carry ``format`` (the layout read) and ``notes``.
    """
    path = Path(path)
    if fmt not in FORMATS:
        raise InputError(
            "config",
            f"unknown input format {fmt!r}",
            where="inputs: format",
            expected=", ".join(FORMATS),
            fix="set 'inputs: format' to one of those",
        )
    if not path.exists():
        raise _missing(path)
    if fmt == "auto":
        chosen = detect_format(path)
    else:
        check_forced_format(path, fmt)
        chosen = fmt
    if chosen == "olink_long":
        from proteosig.io.olink_long import read_olink_long

        frame = read_olink_long(path)
    elif chosen == "npx_manager_xlsx":
        from proteosig.io.npx_manager import read_npx_manager

        frame = read_npx_manager(path)
    else:
        from proteosig.io.wide import read_wide

        frame = read_wide(path, annotation=annotation)
    notes = list(frame.attrs.get("notes", []))
    frame.attrs = {"format": chosen, "notes": notes}
    return frame
