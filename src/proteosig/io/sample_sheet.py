"""Sample sheets: TSV, CSV or Excel, one row per sample."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from proteosig.errors import InputError, rows_preview

_CONFIG_KEYS = {
    "sample sheet": "inputs: sample_sheet",
    "protein annotation": "inputs: protein_annotation",
}


def read_table(
    path: str | Path, *, sheet: str | int | None = None, what: str = "sample sheet"
) -> pd.DataFrame:
    """Read a small annotation table as strings (TSV/CSV sniffed by suffix, or xlsx)."""
    path = Path(path)
    key = _CONFIG_KEYS.get(what, "inputs")
    if not path.exists():
        raise InputError(
            path,
            "file not found",
            where=f"config {key}",
            expected=f"an existing {what}",
            fix=f"check '{key}' in the config",
        )
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm", ".xls"):
        table = _read_excel_table(path, sheet, what)
    else:
        table = _read_text_table(path, suffix, what)
    table.columns = [str(c).strip() for c in table.columns]
    return table


def _read_excel_table(path: Path, sheet, what: str) -> pd.DataFrame:
    import openpyxl

    from proteosig.io.npx_manager import _open_workbook

    with _open_workbook(path, what=f"a {what} as .xlsx") as wb:  # names broken files
        names = [ws.title for ws in wb.worksheets]
    if sheet is not None and not isinstance(sheet, int) and sheet not in names:
        raise InputError(
            path,
            f"no sheet named {sheet!r}",
            where="config inputs: sample_sheet_excel_sheet",
            expected="one of " + ", ".join(repr(n) for n in names),
            fix="correct 'inputs: sample_sheet_excel_sheet' (names are case-sensitive)",
        )
    try:
        table = pd.read_excel(
            path, sheet_name=sheet if sheet is not None else 0, dtype=str, engine="openpyxl"
        )
    except (ValueError, KeyError, openpyxl.utils.exceptions.InvalidFileException) as err:
        raise InputError(
            path,
            f"cannot be read as a {what} ({str(err).splitlines()[0]})",
            expected="an .xlsx workbook with a header row",
            fix="check the file and the sheet name",
        ) from None
    return table


#: cells read as missing, as pandas does by default
NA_TEXT = frozenset(
    {"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
     "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"}
)  # fmt: skip


def _read_text_table(path: Path, suffix: str, what: str) -> pd.DataFrame:
    """Strictly parsed: a line with more or fewer fields than the header is an error
    (pandas would shift such a line's values into the wrong columns)."""
    from proteosig.io.text import (
        check_not_binary,
        duplicated_names,
        read_delimited,
        read_header,
        sniff_delimiter,
    )

    check_not_binary(path, what=f"a {what} (TSV, CSV or XLSX)")
    if path.stat().st_size == 0 or not path.read_bytes().strip():
        raise InputError(
            path,
            "the file is empty",
            where="line 1",
            expected=f"a {what} with a header row and one row per entry",
            fix="write the table (TSV, CSV or XLSX) or point the config at the right file",
        )
    tab = suffix in (".tsv", ".txt")
    delimiter = "\t" if tab else sniff_delimiter(path, what=f"a {what}")
    header = read_header(path, delimiter)
    if tab and len(header) == 1:
        for other, label in ((",", "comma"), (";", "semicolon")):
            if other in header[0]:
                raise InputError(
                    path,
                    f"the header is {label}-separated, but a {suffix} file is read as "
                    "tab-separated",
                    where="line 1",
                    expected="tab-separated columns in a .tsv/.txt file",
                    fix=f"save the {what} with tabs, or rename it to .csv",
                )
    dup = duplicated_names(header)
    if dup:
        raise InputError(
            path,
            f"column {dup[0]!r} appears {header.count(dup[0])} times",
            where="header",
            expected="each column name once",
            fix="rename or delete the extra column",
        )
    body = read_delimited(path, delimiter, header)
    body.columns = header
    return body.astype(object).where(~body.isin(NA_TEXT), None).astype("object")


def _close_match(name: str, candidates) -> str:
    """'; did you mean 'X'?' for the closest candidate, or ''."""
    import difflib

    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def read_sample_sheet(
    path: str | Path,
    *,
    id_column: str,
    group_column: str,
    covariates: list[str] = (),
    plate_column: str | None = None,
    sheet: str | int | None = None,
    subset: dict | None = None,
) -> pd.DataFrame:
    """Read and check the sample sheet; return it indexed by stripped sample ID.

    Sample IDs are stripped of surrounding whitespace, as NPX Manager writes IDs with
    trailing spaces; the group is stripped too. ``subset`` ({column: [values]}) keeps only
    the rows whose column holds one of the values (compared as stripped text); the number
    dropped is in ``.attrs['subset_dropped']``.
    """
    if id_column == group_column:
        raise InputError(
            "config",
            f"'samples: id_column' and 'samples: group_column' are both {id_column!r}",
            where="samples: id_column / group_column",
            expected="two different sheet columns: one with sample IDs, one with groups",
            fix="point 'group_column' at the column holding the groups",
        )
    table = read_table(path, sheet=sheet)
    needed = [id_column, group_column, *covariates] + ([plate_column] if plate_column else [])
    for column in needed:
        if column not in table.columns:
            raise InputError(
                path,
                f"column {column!r} is missing{_close_match(column, table.columns)}",
                where="header",
                expected=f"columns {', '.join(needed)} (found: {', '.join(table.columns)})",
                fix="rename the column in the sheet or change 'samples:' in the config",
            )
    table = table.loc[table.notna().any(axis=1)].copy()  # fully empty rows (Excel) carry nothing
    dropped = 0
    for column, values in (subset or {}).items():
        if column not in table.columns:
            raise InputError(
                path,
                f"column {column!r} of 'samples: subset' is missing"
                f"{_close_match(column, table.columns)}",
                where="header",
                expected=f"one of {', '.join(map(str, table.columns))}",
                fix="correct the column name in 'samples: subset'",
            )
        wanted = {str(v).strip() for v in values}
        keep = table[column].astype("string").str.strip().isin(wanted).fillna(False)
        if not keep.any():
            found = sorted(table[column].dropna().astype(str).str.strip().unique())[:10]
            raise InputError(
                path,
                f"no row has {column!r} in {sorted(wanted)}",
                where=f"column {column!r}",
                expected=f"values such as {', '.join(found)}",
                fix="correct the values in 'samples: subset'",
            )
        dropped += int((~keep).sum())
        table = table.loc[keep.to_numpy()]
    if table.empty:
        raise InputError(
            path,
            "the sample sheet has a header but no rows",
            where="row 2",
            expected="one row per sample below the header",
            fix="add the samples, or point 'inputs: sample_sheet' at the right file",
        )
    table[id_column] = table[id_column].astype("string").str.strip()
    table[group_column] = table[group_column].astype("string").str.strip()
    blank = table[id_column].isna() | (table[id_column] == "")
    if blank.any():
        rows = [i + 2 for i in blank[blank].index]
        raise InputError(
            path,
            f"{int(blank.sum())} row(s) have no sample ID",
            where=f"column {id_column!r}, row(s) {rows_preview(rows)}",
            expected="a sample ID on every row",
            fix="fill in the IDs or delete those rows",
        )
    # a row repeated verbatim (every column equal) says nothing new: keep one, note it
    repeated = table.astype("string").fillna("").duplicated(keep="first")
    table = table.loc[~repeated.to_numpy()]
    duplicated = table[id_column].duplicated(keep=False)
    if duplicated.any():
        ids = sorted(table.loc[duplicated, id_column].unique())
        rows = [i + 2 for i in duplicated[duplicated].index]
        raise InputError(
            path,
            f"duplicate sample ID(s) {rows_preview(ids)}",
            where=f"column {id_column!r}, rows {rows_preview(rows)}",
            expected="one row per sample",
            fix="remove or rename the duplicated rows (rows repeated verbatim are merged; "
            "these differ in some column)",
        )
    no_group = table[group_column].isna() | (table[group_column] == "")
    if no_group.any():
        rows = [i + 2 for i in no_group[no_group].index]
        raise InputError(
            path,
            f"{int(no_group.sum())} sample(s) have no group",
            where=f"column {group_column!r}, row(s) {rows_preview(rows)}",
            expected="a group for every sample",
            fix="fill in the group, or remove those samples from the sheet",
        )
    if plate_column:
        plate = table[plate_column].astype("string").str.strip()
        no_plate = plate.isna() | plate.eq("")
        if no_plate.any():
            rows = [i + 2 for i in no_plate[no_plate].index]
            raise InputError(
                path,
                f"{int(no_plate.sum())} sample(s) have no plate",
                where=f"column {plate_column!r}, row(s) {rows_preview(rows)}",
                expected="a plate for every sample, since 'samples: plate_column' is set",
                fix="fill in the plates, or set 'samples: plate_column: null' to take plates "
                "from the NPX files",
            )
    table = table.set_index(id_column, drop=False).rename_axis(None)
    table.attrs["subset_dropped"] = dropped
    table.attrs["repeated_rows"] = int(repeated.sum())
    return table
