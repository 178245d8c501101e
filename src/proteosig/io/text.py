"""Delimited text tables (CSV/TSV/TXT), read strictly and with errors a user can act on.

Every NPX text reader goes through here. Rules:

* the file must be UTF-8 (a byte-order mark is fine); another encoding, a compressed
  file or a workbook with a text suffix is named as such;
* the delimiter (';', ',' or tab) is judged from the header line;
* every line must have as many fields as the header. pandas pads short lines with
  empty values, which silently shifts values into the wrong columns, so the body is
  parsed with pyarrow, which refuses them; the offending line is then located and
  named (line number, field count, and the delimiter the line seems to use).
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from proteosig.errors import InputError

DELIMITERS = (";", ",", "\t")
_SHOWN = {";": "';'", ",": "','", "\t": "tab"}

# first bytes of files that are not text tables
_MAGIC = (
    (b"\x1f\x8b", "a gzip-compressed file", "decompress it first (e.g. 'gunzip')"),
    (b"PK\x03\x04", "a zip archive or an Excel .xlsx workbook",
     "unzip it, or if it is an Excel workbook give it the .xlsx suffix"),
    (b"\xd0\xcf\x11\xe0", "an old binary Excel (.xls) file",
     "open it in Excel and save it as .xlsx or CSV"),
    (b"PAR1", "a parquet file", "give it the .parquet suffix"),
    (b"BZh", "a bzip2-compressed file", "decompress it first"),
    (b"\xfd7zXZ", "an xz-compressed file", "decompress it first"),
)  # fmt: skip


def shown(delimiter: str) -> str:
    return _SHOWN.get(delimiter, repr(delimiter))


def check_not_binary(path: Path, *, what: str = "a delimited text table") -> None:
    """Name compressed files, workbooks and parquet files that carry a text suffix."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(8)
    except OSError as err:
        raise InputError(
            path,
            f"cannot open the file ({err.strerror or err})",
            expected="a readable file",
            fix="check the path and the file permissions",
        ) from None
    for magic, kind, fix in _MAGIC:
        if head.startswith(magic):
            raise InputError(
                path,
                f"this is {kind}, not a text table",
                where="file start",
                expected=what,
                fix=fix,
            )


def _not_utf8(path: Path, line: int, column: int, byte: int) -> InputError:
    return InputError(
        path,
        f"the file is not UTF-8 text (byte 0x{byte:02x} cannot be decoded)",
        where=f"line {line}, character {column}",
        expected="UTF-8 (or ASCII) text",
        fix="re-save the file as UTF-8 (e.g. 'iconv -f latin1 -t utf-8 in.csv > out.csv', or "
        "'CSV UTF-8' in Excel's Save As)",
    )


def locate_bad_utf8(path: Path) -> InputError | None:
    """The first undecodable byte as an InputError naming line and character, or None."""
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError as err:
                prefix = raw[: err.start].decode("utf-8", errors="replace")
                return _not_utf8(path, number, len(prefix) + 1, raw[err.start])
    return None


def read_first_line(path: Path) -> str:
    check_not_binary(path)
    with open(path, "rb") as handle:
        raw = handle.readline()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        prefix = raw[: err.start].decode("utf-8", errors="replace")
        raise _not_utf8(path, 1, len(prefix) + 1, raw[err.start]) from None


def sniff_delimiter(path: Path, *, what: str = "a delimited text table") -> str:
    """Semicolon (Olink's European default), comma or tab, judged from the header line."""
    first = read_first_line(path)
    counts = {d: first.count(d) for d in DELIMITERS}
    delimiter = max(counts, key=counts.get)
    if counts[delimiter] == 0:
        empty = not first.strip()
        raise InputError(
            path,
            "the file is empty" if empty else "the header line has no ';', ',' or tab delimiter",
            where="line 1",
            expected=what + " with ';', ',' or tab between fields",
            fix="check that this is the exported data file and not a report or an empty "
            "file; other delimiters (e.g. '|') must be converted to ';', ',' or tab",
        )
    return delimiter


def read_header(path: Path, delimiter: str) -> list[str]:
    line = read_first_line(path).rstrip("\r\n")
    return [h.strip() for h in next(csv.reader([line], delimiter=delimiter))]


def _field_count_error(path: Path, delimiter: str, n_fields: int) -> InputError | None:
    """Find the first line whose field count differs from the header's (slow path)."""
    last_number, found = 0, None
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        next(reader, None)
        for fields in reader:
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                last_number = reader.line_num
                continue
            if found is None and len(fields) != n_fields:
                found = (reader.line_num, fields)
            last_number = reader.line_num
    if found is None:
        return None
    number, fields = found
    line_text = delimiter.join(fields)
    others = [d for d in DELIMITERS if d != delimiter and len(line_text.split(d)) == n_fields]
    if others:
        problem = (
            f"line {number} is {shown(others[0])}-separated but the header is "
            f"{shown(delimiter)}-separated"
        )
        fix = (
            "export the file again with one delimiter throughout (do not paste rows from "
            "another file)"
        )
    elif number == last_number and len(fields) < n_fields:
        problem = (
            f"the last line (line {number}) has {len(fields)} fields but the header has "
            f"{n_fields}: the file looks truncated"
        )
        fix = "copy or export the file again and check that it is complete"
    else:
        problem = (
            f"the table is malformed: line {number} has {len(fields)} fields but the header "
            f"has {n_fields}"
        )
        fix = (
            "check that line for a missing or extra delimiter, or an unquoted delimiter "
            "inside a value (e.g. an assay name with a comma)"
        )
    return InputError(
        path,
        problem,
        where=f"line {number}",
        expected=f"{n_fields} {shown(delimiter)}-separated fields on every line",
        fix=fix,
    )


def read_delimited(
    path: Path, delimiter: str, header: list[str], *, keep: list[int] | None = None
) -> pd.DataFrame:
    """The body of a delimited file as strings (empty fields are ''), strictly parsed.

    Columns are named by position ('0', '1', ...) so duplicated or blank header names
    cannot collide; ``keep`` selects positions (every line is still checked).
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    names = [str(i) for i in range(len(header))]
    include = [names[i] for i in keep] if keep is not None else names
    try:
        table = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, encoding="utf8"),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names},
                strings_can_be_null=False,
                include_columns=include,
            ),
        )
    except pa.ArrowInvalid as err:
        text = str(err)
        if "UTF8" in text or "utf8" in text.lower():
            located = locate_bad_utf8(path)
            if located is not None:
                raise located from None
        located = _field_count_error(path, delimiter, len(header))
        if located is not None:
            raise located from None
        raise InputError(
            path,
            f"the table is malformed ({text.splitlines()[0]})",
            expected=f"{len(header)} {shown(delimiter)}-separated fields on every line",
            fix="check for a truncated file or unquoted delimiters inside values",
        ) from None
    return table.to_pandas()


def duplicated_names(names: list[str]) -> list[str]:
    seen, dup = set(), []
    for name in names:
        if name in seen and name not in dup:
            dup.append(name)
        seen.add(name)
    return dup
