"""Sample sheets: TSV, CSV or Excel, one row per sample."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from proteosig.errors import InputError, rows_preview


def read_table(path: str | Path, *, sheet: str | int | None = None) -> pd.DataFrame:
    """Read a small annotation table as strings (TSV/CSV sniffed by suffix, or xlsx)."""
    path = Path(path)
    if not path.exists():
        raise InputError(
            path,
            "file not found",
            expected="an existing sample sheet",
            fix="check 'inputs: sample_sheet' in the config",
        )
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm", ".xls"):
            table = pd.read_excel(path, sheet_name=sheet if sheet is not None else 0, dtype=str)
        else:
            sep = "\t" if suffix in (".tsv", ".txt") else None
            table = pd.read_csv(
                path,
                sep=sep,
                dtype=str,
                engine="python",
                encoding="utf-8-sig",
                keep_default_na=True,
            )
    except UnicodeDecodeError:
        raise InputError(
            path, "the file is not UTF-8 text", fix="re-save the sample sheet as UTF-8"
        ) from None
    except ValueError as err:  # pandas: unknown worksheet, bad excel
        raise InputError(
            path, f"cannot be read: {err}", fix="check the file and sheet name"
        ) from None
    except pd.errors.ParserError as err:
        raise InputError(
            path, f"the table is malformed: {err}", fix="check the delimiters"
        ) from None
    table.columns = [str(c).strip() for c in table.columns]
    return table


def read_sample_sheet(
    path: str | Path,
    *,
    id_column: str,
    group_column: str,
    covariates: list[str] = (),
    plate_column: str | None = None,
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """Read and check the sample sheet; return it indexed by stripped sample ID.

    Sample IDs are stripped of surrounding whitespace, as NPX Manager writes IDs with
    trailing spaces; the group is stripped too.
    """
    table = read_table(path, sheet=sheet)
    needed = [id_column, group_column, *covariates] + ([plate_column] if plate_column else [])
    for column in needed:
        if column not in table.columns:
            import difflib

            close = difflib.get_close_matches(column, table.columns, n=1, cutoff=0.6)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise InputError(
                path,
                f"column {column!r} is missing{hint}",
                where="header",
                expected=f"columns {', '.join(needed)} (found: {', '.join(table.columns)})",
                fix="rename the column in the sheet or change 'samples:' in the config",
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
            fix="fill in the IDs or delete those rows",
        )
    duplicated = table[id_column].duplicated(keep=False)
    if duplicated.any():
        ids = sorted(table.loc[duplicated, id_column].unique())
        rows = [i + 2 for i in duplicated[duplicated].index]
        raise InputError(
            path,
            f"duplicate sample ID(s) {rows_preview(ids)}",
            where=f"column {id_column!r}, rows {rows_preview(rows)}",
            expected="one row per sample",
            fix="remove or rename the duplicated rows",
        )
    no_group = table[group_column].isna() | (table[group_column] == "")
    if no_group.any():
        rows = [i + 2 for i in no_group[no_group].index]
        raise InputError(
            path,
            f"{int(no_group.sum())} sample(s) have no group",
            where=f"column {group_column!r}, row(s) {rows_preview(rows)}",
            fix="fill in the group, or remove those samples from the sheet",
        )
    return table.set_index(id_column, drop=False).rename_axis(None)
