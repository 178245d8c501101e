"""Olink long format: NPX Signature / Olink Software / NPX Explore exports (CSV or parquet).

One row per sample x assay. Column names differ between software versions and products
(Target 96, Explore 1536/3072, Explore HT), so each canonical column has a list of aliases;
matching ignores case, spaces and underscores.
"""

from __future__ import annotations

import csv
import difflib
import re
from pathlib import Path

import pandas as pd

from proteosig.errors import InputError
from proteosig.io._vendor import finalise_vendor_frame

#: canonical column -> accepted header spellings (compared case- and separator-insensitively)
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "sample_id": ("SampleID", "Sample_ID", "Sample"),
    "sample_type": ("SampleType", "Sample_Type"),
    "olink_id": ("OlinkID", "Olink_ID", "OID"),
    "uniprot": ("UniProt", "UniProtID", "Uniprot ID", "UniProt.ID"),
    "assay": ("Assay", "AssayName", "Target"),
    "panel": ("Panel", "Block_Panel"),
    "plate": ("PlateID", "Plate_ID", "Plate ID", "Plate"),
    "qc_warning": ("QC_Warning", "SampleQC", "Sample_QC", "QCWarning"),
    "assay_warning": ("Assay_Warning", "AssayQC", "Assay_QC"),
    "lod": ("LOD", "PlateLOD", "MaxLOD"),
    "npx": ("NPX",),
    "missing_freq": ("MissingFreq", "Missing_Freq"),
    "normalization": ("Normalization", "Normalisation"),
}
REQUIRED = ("sample_id", "npx")
ONE_OF_ASSAY = ("olink_id", "uniprot", "assay")


def _squash(name: str) -> str:
    return re.sub(r"[\s_.\-]+", "", str(name)).lower()


def match_columns(header: list[str]) -> dict[str, str]:
    """Map canonical names to the file's header names (first alias found wins)."""
    by_squashed = {}
    for name in header:
        by_squashed.setdefault(_squash(name), name)
    found = {}
    for canonical, aliases in COLUMN_ALIASES.items():
        for alias in aliases:
            if _squash(alias) in by_squashed:
                found[canonical] = by_squashed[_squash(alias)]
                break
    return found


def check_required(found: dict[str, str], header: list[str], source: Path) -> None:
    for canonical in REQUIRED:
        if canonical not in found:
            wanted = COLUMN_ALIASES[canonical][0]
            close = difflib.get_close_matches(wanted, header, n=1, cutoff=0.6)
            hint = f" (found {close[0]!r}: rename it to {wanted!r})" if close else ""
            raise InputError(
                source,
                f"required column {wanted!r} is missing{hint}",
                where="header",
                expected=f"an Olink long table with columns such as {', '.join(REQUIRED_HEADERS)}",
                fix=f"add or rename the column; the header read was: {', '.join(header[:15])}",
            )
    if not any(c in found for c in ONE_OF_ASSAY):
        raise InputError(
            source,
            "no assay identifier column",
            where="header",
            expected="at least one of OlinkID, UniProt or Assay",
            fix="add an assay column; the header read was: " + ", ".join(header[:15]),
        )


REQUIRED_HEADERS = ("SampleID", "OlinkID", "UniProt", "Assay", "Panel", "PlateID", "NPX")


def sniff_delimiter(path: Path) -> str:
    """Semicolon (Olink's European default), comma or tab, judged from the header line."""
    first = read_first_line(path)
    counts = {d: first.count(d) for d in (";", ",", "\t")}
    delimiter = max(counts, key=counts.get)
    if counts[delimiter] == 0:
        raise InputError(
            path,
            "the header line has no ';', ',' or tab delimiter",
            where="line 1",
            expected="a delimited text table (Olink long format)",
            fix="check that this is the NPX export and not a report or an empty file",
        )
    return delimiter


def read_first_line(path: Path) -> str:
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return handle.readline()
    except UnicodeDecodeError as err:
        raise InputError(
            path,
            f"the file is not UTF-8 text (byte {err.start} cannot be decoded)",
            expected="UTF-8 (or ASCII) text",
            fix="re-save the file as UTF-8 (e.g. 'iconv -f latin1 -t utf-8')",
        ) from None


def check_last_line(path: Path, delimiter: str, n_fields: int) -> None:
    """A file cut off mid-row parses silently with the missing fields as NA; catch it here.

    Only the file's tail is read, so this costs nothing on large exports.
    """
    with open(path, "rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - 65536))
        tail = handle.read().decode("utf-8", errors="replace")
    lines = [line for line in tail.splitlines() if line.strip()]
    if len(lines) < 2:
        return
    last = next(csv.reader([lines[-1]], delimiter=delimiter))
    if len(last) != n_fields:
        raise InputError(
            path,
            f"the last line has {len(last)} fields but the header has {n_fields}: the file "
            "looks truncated or has stray delimiters",
            where="last line",
            expected=f"{n_fields} {delimiter!r}-separated fields on every line",
            fix="copy or export the file again and check that it is complete",
        )


def read_olink_long(path: str | Path, *, columns: list[str] | None = None) -> pd.DataFrame:
    """Read an Olink long CSV/TSV/parquet into the common vendor frame.

    Parameters
    ----------
    path
        ``.csv``/``.txt``/``.tsv`` (delimiter sniffed) or ``.parquet``.
    columns
        Canonical columns to keep (default: all that are present). Reading only what is
        needed keeps memory low on Explore-sized files.
    """
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        return _read_parquet(path, columns)
    delimiter = sniff_delimiter(path)
    header = next(csv.reader([read_first_line(path).rstrip("\r\n")], delimiter=delimiter))
    header = [h.strip() for h in header]
    found = match_columns(header)
    check_required(found, header, path)
    check_last_line(path, delimiter, len(header))
    wanted = {k: v for k, v in found.items() if columns is None or k in columns or k in REQUIRED}
    try:
        raw = pd.read_csv(
            path,
            sep=delimiter,
            # Without usecols pandas checks every line's field count; with it, stray fields
            # pass silently, so it is used only when the caller asks for a subset.
            usecols=list(wanted.values()) if columns is not None else None,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
        )
    except UnicodeDecodeError as err:
        raise InputError(
            path,
            f"the file is not UTF-8 text (byte {err.start} cannot be decoded)",
            expected="UTF-8 text",
            fix="re-save the file as UTF-8",
        ) from None
    except pd.errors.ParserError as err:
        raise InputError(
            path,
            f"the table is malformed: {str(err).strip()}",
            expected=f"the same number of {delimiter!r}-separated fields on every line",
            fix="check for a truncated file or unquoted delimiters inside values",
        ) from None
    if raw.empty:
        raise InputError(path, "the table has a header but no rows", fix="re-export the data")
    frame = pd.DataFrame({k: raw[v] for k, v in wanted.items()})
    return finalise_vendor_frame(frame, source=path)


def _read_parquet(path: Path, columns: list[str] | None) -> pd.DataFrame:
    import pyarrow.parquet as pq

    try:
        schema_names = pq.read_schema(path).names
    except Exception as err:  # pyarrow raises several types for corrupt files
        raise InputError(
            path,
            f"cannot be read as parquet ({type(err).__name__}: {err})",
            expected="an Olink parquet export",
            fix="re-export the file or check that the copy is complete",
        ) from None
    found = match_columns(schema_names)
    check_required(found, schema_names, path)
    wanted = {k: v for k, v in found.items() if columns is None or k in columns or k in REQUIRED}
    table = pq.read_table(path, columns=list(wanted.values()))
    raw = table.to_pandas()
    frame = pd.DataFrame({k: raw[v] for k, v in wanted.items()})
    return finalise_vendor_frame(frame, source=path)
