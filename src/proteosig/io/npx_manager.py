"""Reader for Olink NPX Manager Target 96 Excel exports (.xlsx).

Layout of one NPX data sheet (NPX Manager 2.1 and 2.2 write the same block; only the
summary above it differs)::

    <project>        Olink NPX Manager 2.2.2.322       summary block: free rows with a
    NPX data                                           label in column A; 'Panel' (B) and,
    Panel            Olink Target 96 Inflammation(...) in 2.2, 'Normalization Method' (B)
    ...
    Assay            IL8      VEGFA   ... Plate ID  QC Warning  QC Deviation from median (x2)
    Uniprot ID       P10145   P15692  ...                       Inc Ctrl 2    Det Ctrl
    OlinkID          OID00471 OID00472 ...
    (blank, optional)
    <sample ID>      6.57     11.40   ... <plate>   Pass        -0.05         0.05
    ...
    (blank)
    LOD              1.96     1.79    ...
    Missing Data freq. 0      0       ...
    Normalization    <method> <method> ...          (2.2 and some 2.1 sheets only)

Assay columns are the columns carrying Uniprot ID / OlinkID entries, apart from the QC
columns. 'Plate ID' is optional (the Nijmegen 'plates 3-7' sheets have none).

Footer rows may also be given per plate. Two variants are read:

* labelled: several rows 'LOD <Plate ID>' (or 'Plate LOD <Plate ID>'; ':', '-', '_' or
  brackets around the plate ID are ignored), one per plate in the 'Plate ID' column;
* in plate order: the same bare label repeated ('LOD', 'LOD', ...) once per plate, in the
  order the plates first appear in the sheet (the convention of NPX Manager's
  quantification exports, whose 'Plate LOD' rows name no plate).

The same applies to 'Missing Data freq.' and 'Normalization'. None of the real exports
seen so far (Breda 2.2.2, Nijmegen 2.1.0) has per-plate footers: each sheet has one LOD
row, even the multi-plate ones.

Missing NPX: an empty cell or 'NA', 'NaN', 'N/A', 'No Data', 'NULL', '-'. Any other text
(e.g. '< LOD', a decimal comma, '#DIV/0!') is an error naming the cell, because NPX
Manager writes numbers below LOD as numbers.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import openpyxl
import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import InvalidFileException

from proteosig.errors import InputError, rows_preview
from proteosig.io._vendor import finalise_vendor_frame
from proteosig.io.panels import panel_code

__all__ = ["read_npx_manager", "looks_like_npx_manager"]

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy binary .xls
_SNIFF_ROWS = 60

# What a damaged or foreign file raises inside zipfile/openpyxl/the XML parser
# (ParseError and lxml's XMLSyntaxError are SyntaxErrors).
_BROKEN_FILE_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    InvalidFileException,
    KeyError,
    ValueError,
    TypeError,
    EOFError,
    SyntaxError,
)

_ASSAY, _UNIPROT, _OLINKID = "assay", "uniprotid", "olinkid"
_NPX_DATA, _PANEL, _QUANTIFIED = "npxdata", "panel", "quantifieddata"
_NORM_METHOD = ("normalizationmethod", "normalisationmethod")
_PLATE_ID, _QC_WARNING, _QC_DEVIATION = "plateid", "qcwarning", "qcdeviationfrommedian"
_META_COLUMNS = (_PLATE_ID, _QC_WARNING, _QC_DEVIATION)

# Footer labels, matched on the raw text; group 1 is an optional plate suffix.
_SEP = r"(?=$|[\s:_\-(\[])(.*)$"
_FOOTERS = {
    "lod": re.compile(r"^\s*(?:plate\s*)?lod" + _SEP, re.IGNORECASE),
    "missing_freq": re.compile(r"^\s*missing\s*data\s*freq\.?" + _SEP, re.IGNORECASE),
    "normalization": re.compile(r"^\s*normali[sz]ation" + _SEP, re.IGNORECASE),
}
_FOOTER_LABELS = {
    "lod": "LOD",
    "missing_freq": "Missing Data freq.",
    "normalization": "Normalization",
}

_MISSING_TEXT = {"", "na", "nan", "n/a", "no data", "null", "-"}
_OLINKID_RE = re.compile(r"^OID\d+$")


@dataclass
class _Columns:
    """Where the assay and QC columns of one sheet are (0-based grid indices)."""

    assay: np.ndarray
    names: list[str]
    uniprot: list[str]
    olink_id: list[str]
    plate: int | None
    qc_warning: int | None
    unlabelled: list[int]


@dataclass
class _SheetResult:
    frame: pd.DataFrame  # long, VENDOR_COLUMNS without source_file
    samples: pd.DataFrame  # one row per sample: sample_id, panel, plate, sheet, row


# --------------------------------------------------------------------------- public API


def read_npx_manager(path, *, sheets=None) -> pd.DataFrame:
    """Read an Olink NPX Manager Target 96 Excel export into the common long frame.

    Parameters
    ----------
    path : str or pathlib.Path
        The .xlsx export (NPX Manager 2.1 or 2.2 layout).
    sheets : str or iterable of str, optional
        Sheets to read. ``None`` reads every sheet holding an NPX data block (a sheet
        with a 'NPX data', 'Uniprot ID' or 'OlinkID' row in column A); other sheets
        such as 'Contents' or 'Annot' are skipped. Several sheets (per plate, per
        panel) are concatenated in workbook order.

    Returns
    -------
    pandas.DataFrame
        Columns ``proteosig.io._vendor.VENDOR_COLUMNS``, one row per sample x assay,
        typed by ``finalise_vendor_frame``.

    Raises
    ------
    InputError
        The file is not a readable .xlsx, a sheet has no or misaligned header rows,
        a value cell is not a number, or a sample ID occurs twice on one plate of a
        panel. The same sample on two plates is kept.
    """
    source = str(path)
    with _open_workbook(path) as wb:
        grids = _select_grids(wb, sheets, source)
    results = [_parse_sheet(grid, name, source) for name, grid in grids.items()]
    samples = pd.concat([r.samples for r in results], ignore_index=True)
    _check_duplicates(samples, source)
    frame = pd.concat([r.frame for r in results], ignore_index=True)
    return finalise_vendor_frame(frame, source=source)


def looks_like_npx_manager(path) -> bool:
    """Tell cheaply whether ``path`` is an NPX Manager Excel export.

    True for an .xlsx (by content, not name) in which some sheet has, within its first
    rows, a row starting 'NPX data' or an 'Assay' row followed by 'Uniprot ID' and
    'OlinkID' rows. Never raises.
    """
    try:
        with open(path, "rb") as handle:
            if handle.read(4) != _ZIP_MAGIC:
                return False
            handle.seek(0)
            wb = openpyxl.load_workbook(handle, read_only=True, data_only=True)
            try:
                for ws in wb.worksheets:
                    rows = ws.iter_rows(max_row=_SNIFF_ROWS, max_col=1, values_only=True)
                    labels = [_norm(row[0]) if row else "" for row in rows]
                    if _NPX_DATA in labels or _header_index(labels) is not None:
                        return True
            finally:
                wb.close()
    except (OSError, *_BROKEN_FILE_ERRORS):
        return False
    return False


# ------------------------------------------------------------------------ file handling


@contextmanager
def _open_workbook(path, *, what: str = "an Excel .xlsx export from Olink NPX Manager"):
    """Open an .xlsx read-only whatever its file name, turning failures into InputError.

    ``what`` names the expected file in messages (the sample sheet and wide matrices
    are opened here too).
    """
    source = str(path)
    npx = "NPX Manager" in what
    try:
        handle = open(path, "rb")
    except OSError as exc:
        raise InputError(
            source,
            f"cannot open the file ({exc.strerror or exc})",
            where="config inputs",
            expected=f"an existing, readable file: {what}",
            fix="check the path in the config",
        ) from exc
    with handle:
        magic = handle.read(4)
        handle.seek(0)
        if magic != _ZIP_MAGIC:
            legacy = magic == _OLE_MAGIC
            raise InputError(
                source,
                "is an old binary Excel (.xls) file" if legacy else "is not an .xlsx workbook",
                where="file start",
                expected=what,
                fix="open it in Excel and save it as .xlsx"
                if legacy
                else (
                    "export the NPX data from NPX Manager as Excel (.xlsx)"
                    if npx
                    else "save it as .xlsx, or as TSV/CSV with the matching suffix"
                ),
            )
        try:
            wb = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        except (OSError, *_BROKEN_FILE_ERRORS) as exc:
            raise _broken_file(source, exc, npx=npx) from exc
        try:
            yield wb
        finally:
            wb.close()


def _broken_file(source: str, exc: BaseException, *, npx: bool = True) -> InputError:
    detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return InputError(
        source,
        f"the workbook is truncated or corrupt ({detail})",
        where="whole file (the .xlsx zip container)",
        expected="a complete .xlsx file",
        fix="copy or export the file again" + (" from NPX Manager" if npx else ""),
    )


def _select_grids(wb, sheets, source: str) -> dict[str, np.ndarray]:
    """Read the requested sheets (or, for ``None``, every sheet holding NPX data) once."""
    available = [ws.title for ws in wb.worksheets]
    if sheets is not None:
        wanted = [sheets] if isinstance(sheets, str) else list(sheets)
        if not wanted:
            raise InputError(
                source,
                "an empty list of sheets was given",
                expected=f"some of {', '.join(repr(s) for s in available)}",
                fix="name the sheets to read, or leave sheets unset to read all NPX sheets",
            )
        unknown = [s for s in wanted if s not in available]
        if unknown:
            raise InputError(
                source,
                f"no sheet named {', '.join(repr(s) for s in unknown)}",
                expected=f"one of {', '.join(repr(s) for s in available)}",
                fix="correct the sheet names (they are case- and space-sensitive)",
            )
        return {name: _read_grid(wb[name], source) for name in wanted}
    grids = {}
    for ws in wb.worksheets:
        grid = _read_grid(ws, source)
        if {_norm(v) for v in grid[:, 0]} & {_NPX_DATA, _UNIPROT, _OLINKID}:
            grids[ws.title] = grid
    if not grids:
        for ws in wb.worksheets:
            _check_block_in_column_a(_read_grid(ws, source), ws.title, source)
        raise InputError(
            source,
            "no sheet holds an NPX data block",
            where=f"sheets {', '.join(repr(s) for s in available)}",
            expected="a sheet with 'Assay', 'Uniprot ID' and 'OlinkID' rows in column A",
            fix="check that this is an NPX Manager NPX export (not a sample sheet); a table "
            "with one row per sample and one column per protein can be read with "
            "'inputs: format: wide'",
        )
    return grids


def _check_block_in_column_a(grid: np.ndarray, sheet: str, source: str) -> None:
    """An NPX block moved right (columns inserted before it) is named, not just 'not found'."""
    if grid.shape[1] < 2:
        return
    for col in range(1, min(grid.shape[1], 30)):
        norm = [_norm(v) for v in grid[:_SNIFF_ROWS, col]]
        row = _header_index(norm)
        if row is not None:
            letter = get_column_letter(col + 1)
            raise InputError(
                source,
                f"the NPX block is shifted: its 'Assay' / 'Uniprot ID' / 'OlinkID' labels are "
                f"in column {letter} (rows {row + 1}-{row + 3}) instead of column A",
                where=f"sheet {sheet!r}, row {row + 1}, column {letter}",
                expected="the labels of the NPX Manager export in column A",
                fix=f"delete the columns before column {letter} (A-{get_column_letter(col)}) "
                "so the export starts in column A again",
            )


def _read_grid(ws, source: str) -> np.ndarray:
    """All cells of a sheet as a 2-D object array; index [r, c] is Excel row r+1, col c+1.

    Whitespace-only strings become None so that 'blank' has one meaning afterwards.
    """
    try:
        rows = list(ws.iter_rows(values_only=True))
    except _BROKEN_FILE_ERRORS as exc:
        raise _broken_file(source, exc) from exc
    width = max((len(r) for r in rows), default=0)
    grid = np.full((len(rows), max(width, 1)), None, dtype=object)
    for i, row in enumerate(rows):
        grid[i, : len(row)] = row
    if grid.size:
        text = pd.DataFrame(grid).astype("string")
        whitespace = text.apply(lambda col: col.str.strip().eq("")).fillna(False)
        grid[whitespace.to_numpy(dtype=bool)] = None
    return grid


# ------------------------------------------------------------------------ sheet parsing


def _parse_sheet(grid: np.ndarray, sheet: str, source: str) -> _SheetResult:
    labels = [_cell_text(v) for v in grid[:, 0]]
    norm = [_norm(v) for v in labels]
    header = _find_header(norm, sheet, source)
    panel, norm_method = _read_summary(grid[:header], norm[:header], sheet, source)
    columns = _classify_columns(grid, header, sheet, source)
    data_rows, footers = _split_body(grid, labels, header + 3, columns, sheet, source)

    ids = [labels[r] for r in data_rows]
    plates = _column_text(grid, data_rows, columns.plate)
    qc = _column_text(grid, data_rows, columns.qc_warning)
    npx = _numeric_block(grid, data_rows, columns.assay, sheet, source, "NPX values")
    plate_ids = list(dict.fromkeys(p for p in plates if p))  # order of first appearance
    lod = _footer_values("lod", footers, grid, columns, plates, plate_ids, sheet, source)
    miss = _footer_values("missing_freq", footers, grid, columns, plates, plate_ids, sheet, source)
    norm_values = _footer_values(
        "normalization", footers, grid, columns, plates, plate_ids, sheet, source
    )
    if norm_method is not None:
        norm_values = np.where(pd.isna(norm_values), norm_method, norm_values)

    n_samples, n_assays = npx.shape
    panel = panel if panel is not None else panel_code(sheet)
    frame = pd.DataFrame(
        {
            "sample_id": np.repeat(np.array(ids, dtype=object), n_assays),
            # NPX Manager exports carry no sample type; ingest recognises controls by name
            "sample_type": pd.NA,
            "olink_id": np.tile(np.array(columns.olink_id, dtype=object), n_samples),
            "uniprot": np.tile(np.array(columns.uniprot, dtype=object), n_samples),
            "assay": np.tile(np.array(columns.names, dtype=object), n_samples),
            "panel": panel,
            "plate": np.repeat(np.array(plates, dtype=object), n_assays),
            "qc_warning": np.repeat(np.array(qc, dtype=object), n_assays),
            "assay_warning": pd.NA,
            "lod": _broadcast(lod, n_samples, n_assays).astype("float64"),
            "npx": npx.ravel(),
            "missing_freq": _broadcast(miss, n_samples, n_assays).astype("float64"),
            "normalization": _broadcast(norm_values, n_samples, n_assays),
        }
    )
    samples = pd.DataFrame(
        {
            "sample_id": ids,
            "panel": panel,
            "plate": plates,
            "sheet": sheet,
            "row": [r + 1 for r in data_rows],
        }
    )
    return _SheetResult(frame=frame, samples=samples)


def _find_header(norm: list[str], sheet: str, source: str) -> int:
    """Row index of 'Assay', checked to be followed by 'Uniprot ID' and 'OlinkID'."""
    found = _header_index(norm)
    if found is not None:
        return found
    if _ASSAY in norm:
        row = norm.index(_ASSAY)
        for offset, (label, shown) in enumerate(
            ((_UNIPROT, "Uniprot ID"), (_OLINKID, "OlinkID")), start=1
        ):
            at = row + offset
            if at >= len(norm) or norm[at] != label:
                elsewhere = [i + 1 for i, v in enumerate(norm) if v == label]
                seen = f"found in row {elsewhere[0]}" if elsewhere else "not in column A"
                raise InputError(
                    source,
                    f"header rows misaligned: the {shown!r} row is missing or shifted ({seen})",
                    where=f"sheet {sheet!r}, row {at + 1}, column A",
                    expected=f"'Assay', 'Uniprot ID' and 'OlinkID' in consecutive rows, "
                    f"{shown!r} in row {at + 1}",
                    fix="restore the three header rows exactly as NPX Manager exported them",
                )
    for label, shown in ((_UNIPROT, "Uniprot ID"), (_OLINKID, "OlinkID")):
        if label in norm:
            raise InputError(
                source,
                f"header rows misaligned: {shown!r} row without an 'Assay' row above it",
                where=f"sheet {sheet!r}, row {norm.index(label) + 1}, column A",
                expected="'Assay', 'Uniprot ID' and 'OlinkID' in consecutive rows",
                fix="restore the three header rows exactly as NPX Manager exported them",
            )
    raise InputError(
        source,
        "no header rows found",
        where=f"sheet {sheet!r}, column A",
        expected="rows labelled 'Assay', 'Uniprot ID' and 'OlinkID' in column A",
        fix="select the sheet(s) holding the NPX data, or re-export from NPX Manager",
    )


def _header_index(norm: list[str]) -> int | None:
    for i in range(len(norm) - 2):
        if norm[i] == _ASSAY and norm[i + 1] == _UNIPROT and norm[i + 2] == _OLINKID:
            return i
    return None


def _read_summary(
    top: np.ndarray, norm: list[str], sheet: str, source: str
) -> tuple[str | None, str | None]:
    """Panel code and 'Normalization Method' from the rows above the header."""
    if _QUANTIFIED in norm:
        raise InputError(
            source,
            "this is an absolute quantification export, not NPX data",
            where=f"sheet {sheet!r}, row {norm.index(_QUANTIFIED) + 1}, column A",
            expected="an NPX Manager 'NPX data' export",
            fix="export NPX values from NPX Manager",
        )
    for i, label in enumerate(norm):
        if label != _NPX_DATA:
            continue
        extra = [(c, _cell_text(v)) for c, v in enumerate(top[i, 1:], start=1) if _cell_text(v)]
        if extra:
            col, text = extra[0]
            cell = f"{get_column_letter(col + 1)}{i + 1}"
            raise InputError(
                source,
                f"the summary row 'NPX data' holds {text!r} in cell {cell}, which NPX Manager "
                "never writes there: the sheet was edited after export (a damaged header)",
                where=f"sheet {sheet!r}, row {i + 1}, column {get_column_letter(col + 1)}",
                expected="'NPX data' alone in its row, as NPX Manager exports it",
                fix=f"use the original NPX Manager export; if you know that only cell {cell} "
                "was damaged and no value was changed, clear that cell",
            )
    panel = method = None
    for i, label in enumerate(norm):
        if label == _PANEL or label in _NORM_METHOD:
            values = [_cell_text(v) for v in top[i, 1:]]
            value = next((v for v in values if v), None)
            if label == _PANEL and value is not None:
                panel = panel_code(value)
            elif label != _PANEL:
                method = value
    return panel, method


def _classify_columns(grid: np.ndarray, header: int, sheet: str, source: str) -> _Columns:
    assay_row, uniprot_row, olink_row = (
        [_cell_text(v) for v in grid[header + k]] for k in range(3)
    )

    def where(row_offset: int, col: int) -> str:
        return (
            f"sheet {sheet!r}, row {header + row_offset + 1}, column {get_column_letter(col + 1)}"
        )

    fix = "restore the header rows exactly as NPX Manager exported them"
    assay_cols: list[int] = []
    meta: dict[str, list[int]] = {key: [] for key in _META_COLUMNS}
    unlabelled: list[int] = []
    for col in range(1, grid.shape[1]):
        name, uniprot, olink = assay_row[col], uniprot_row[col], olink_row[col]
        kind = _norm(name)
        if kind in meta:
            if olink:
                raise InputError(
                    source,
                    f"header rows misaligned: QC column {name!r} has an OlinkID {olink!r}",
                    where=where(2, col),
                    expected="OlinkIDs only above assay columns",
                    fix=fix,
                )
            meta[kind].append(col)
        elif name or uniprot or olink:
            for offset, value, shown in (
                (0, name, "Assay"),
                (1, uniprot, "Uniprot ID"),
                (2, olink, "OlinkID"),
            ):
                if not value:
                    raise InputError(
                        source,
                        f"header rows misaligned: assay column {get_column_letter(col + 1)} "
                        f"has no {shown} entry",
                        where=where(offset, col),
                        expected="an Assay name, Uniprot ID and OlinkID above every assay "
                        "column ('Plate ID' and 'QC ...' columns have no IDs)",
                        fix=fix,
                    )
            if not _OLINKID_RE.match(olink):
                raise InputError(
                    source,
                    f"header rows misaligned: {olink!r} is not an OlinkID",
                    where=where(2, col),
                    expected="OlinkIDs such as 'OID00471' in the 'OlinkID' row",
                    fix=fix,
                )
            assay_cols.append(col)
        else:
            unlabelled.append(col)
    if not assay_cols:
        raise InputError(
            source,
            "the header rows name no assays",
            where=f"sheet {sheet!r}, row {header + 1}",
            expected="assay names, Uniprot IDs and OlinkIDs from column B on",
            fix=fix,
        )
    for kind, shown in ((_PLATE_ID, "Plate ID"), (_QC_WARNING, "QC Warning")):
        if len(meta[kind]) > 1:
            cols = ", ".join(get_column_letter(c + 1) for c in meta[kind])
            raise InputError(
                source,
                f"several {shown!r} columns ({cols}): panels exported side by side in one "
                "sheet are not supported",
                where=f"sheet {sheet!r}, row {header + 1}",
                expected=f"one panel per sheet, with one {shown!r} column",
                fix="export each panel to its own sheet or file from NPX Manager",
            )
    olink_ids = [olink_row[c] for c in assay_cols]
    seen: dict[str, int] = {}
    for col, oid in zip(assay_cols, olink_ids, strict=True):
        if oid in seen:
            raise InputError(
                source,
                f"OlinkID {oid!r} heads two columns "
                f"({get_column_letter(seen[oid] + 1)} and {get_column_letter(col + 1)})",
                where=where(2, col),
                expected="each assay once per sheet",
                fix="remove the duplicated column",
            )
        seen[oid] = col
    return _Columns(
        assay=np.array(assay_cols, dtype=int),
        names=[assay_row[c] for c in assay_cols],
        uniprot=[uniprot_row[c] for c in assay_cols],
        olink_id=olink_ids,
        plate=meta[_PLATE_ID][0] if meta[_PLATE_ID] else None,
        qc_warning=meta[_QC_WARNING][0] if meta[_QC_WARNING] else None,
        unlabelled=unlabelled,
    )


def _split_body(
    grid: np.ndarray, labels: list, start: int, columns: _Columns, sheet: str, source: str
) -> tuple[list[int], dict[str, list[tuple[int, str]]]]:
    """Data row indices, and footer rows per kind as (row index, plate suffix)."""
    body = grid[start:]
    filled = ~pd.isna(body)
    blank_row = ~filled.any(axis=1)

    footers: dict[str, list[tuple[int, str]]] = {kind: [] for kind in _FOOTERS}
    first_footer = None
    data_rows: list[int] = []
    for offset in np.flatnonzero(~blank_row):
        row = start + int(offset)
        kind, suffix = _footer_kind(labels[row])
        if kind is not None:
            footers[kind].append((row, suffix))
            first_footer = row if first_footer is None else first_footer
            continue
        if first_footer is not None:
            raise InputError(
                source,
                f"row {row + 1} below the footer is neither blank nor a footer row",
                where=f"sheet {sheet!r}, row {row + 1}, column A",
                expected="samples above the LOD / Missing Data freq. / Normalization rows",
                fix="move the row above the footer or delete it",
            )
        if labels[row] is None:
            first = int(np.flatnonzero(filled[offset])[0])
            raise InputError(
                source,
                f"row {row + 1} holds values but no sample ID",
                where=f"sheet {sheet!r}, row {row + 1}, column A",
                expected="a sample ID in column A of every data row",
                fix=f"fill in the sample ID (first value is in column "
                f"{get_column_letter(first + 1)}) or delete the row",
            )
        data_rows.append(row)

    if not data_rows:
        raise InputError(
            source,
            "no sample rows below the header",
            where=f"sheet {sheet!r}, rows {start + 1} onwards",
            expected="one row per sample after the 'OlinkID' row",
            fix="check that the export holds samples",
        )
    if columns.unlabelled:
        rows = np.array(data_rows)
        stray = ~pd.isna(grid[np.ix_(rows, np.array(columns.unlabelled))])
        if stray.any():
            r, c = (int(i[0]) for i in np.nonzero(stray))
            col = columns.unlabelled[c]
            raise InputError(
                source,
                f"column {get_column_letter(col + 1)} holds values but has no Assay / "
                "Uniprot ID / OlinkID header (not an unmodified NPX Manager sheet?)",
                where=f"sheet {sheet!r}, row {rows[r] + 1}, column {get_column_letter(col + 1)}",
                expected="values only under assay, 'Plate ID' and 'QC ...' columns",
                fix="read only the vendor sheets (sheets=[...]) or delete the extra column",
            )
    return data_rows, footers


def _footer_kind(label: str | None) -> tuple[str | None, str]:
    if label is None:
        return None, ""
    for kind, pattern in _FOOTERS.items():
        match = pattern.match(label)
        if match:
            suffix = re.sub(r"^[\s:_\-(\[]+|[\s)\]]+$", "", match.group(1))
            return kind, suffix
    return None, ""


def _footer_values(
    kind: str,
    footers: dict[str, list[tuple[int, str]]],
    grid: np.ndarray,
    columns: _Columns,
    plates: list[str | None],
    plate_ids: list[str],
    sheet: str,
    source: str,
) -> np.ndarray:
    """Per-assay vector (n_assays,) or per-sample matrix (n_samples, n_assays)."""
    rows = footers[kind]
    shown = _FOOTER_LABELS[kind]
    if not rows:
        return np.full(len(columns.names), np.nan if kind != "normalization" else None)
    row_idx = [r for r, _ in rows]
    if kind == "normalization":
        cells = grid[np.ix_(row_idx, columns.assay)]
        values = np.array([[_cell_text(v) for v in row] for row in cells], dtype=object)
    else:
        values = _numeric_block(grid, row_idx, columns.assay, sheet, source, f"{shown} values")
    if len(rows) == 1 and not rows[0][1]:
        return values[0]

    def fail(problem: str, row: int) -> InputError:
        return InputError(
            source,
            problem,
            where=f"sheet {sheet!r}, row {row + 1}, column A",
            expected=f"one {shown!r} row, or one per plate labelled '{shown} <Plate ID>' "
            "(or the same label repeated once per plate, in plate order)",
            fix=f"label each {shown!r} row with its plate ID",
        )

    if not plate_ids:
        raise fail(f"several {shown!r} rows but no 'Plate ID' column to match them to", row_idx[0])
    suffixes = [s for _, s in rows]
    if not any(suffixes):
        if len(rows) != len(plate_ids):
            raise fail(
                f"{len(rows)} unlabelled {shown!r} rows for {len(plate_ids)} plates",
                row_idx[0],
            )
        owners = plate_ids
    else:
        by_key = {_norm(p): p for p in plate_ids}
        owners = []
        for row, suffix in rows:
            owner = by_key.get(_norm(suffix))
            if owner is None:
                raise fail(
                    f"{shown!r} row for plate {suffix!r}, which is not in the 'Plate ID' "
                    f"column ({', '.join(repr(p) for p in plate_ids)})",
                    row,
                )
            owners.append(owner)
    if len(set(owners)) != len(owners):
        dup = next(o for o in owners if owners.count(o) > 1)
        raise fail(f"two {shown!r} rows for plate {dup!r}", row_idx[owners.index(dup)])
    missing = [p for p in plate_ids if p not in owners]
    if missing:
        raise fail(f"no {shown!r} row for plate(s) {', '.join(map(repr, missing))}", row_idx[0])
    which = pd.Index(owners).get_indexer(pd.Index(plates, dtype=object))
    per_sample = values[which]
    # A sample row without a plate ID has no per-plate footer value.
    per_sample[which < 0] = None if kind == "normalization" else np.nan
    return per_sample


def _numeric_block(
    grid: np.ndarray, rows: list[int], cols: np.ndarray, sheet: str, source: str, what: str
) -> np.ndarray:
    """Cells as float; blank and NA-like text are missing, anything else is an error."""
    block = grid[np.ix_(np.asarray(rows, dtype=int), cols)]
    flat = pd.Series(block.ravel(), dtype=object)
    numeric = pd.to_numeric(flat, errors="coerce")
    infinite = np.isinf(numeric.to_numpy(dtype="float64", na_value=np.nan))
    if infinite.any():
        numeric[infinite] = np.nan  # reported below as a value that is not a number
    suspect = numeric.isna() & flat.notna()
    if suspect.any():
        text = flat[suspect].astype("string").str.strip().str.lower()
        bad = ~text.isin(_MISSING_TEXT).to_numpy() | infinite[suspect.to_numpy()]
        bad_pos = text.index[bad].to_numpy()
        if bad_pos.size:
            r, c = divmod(int(bad_pos[0]), block.shape[1])
            cells = [
                f"{get_column_letter(int(cols[p % block.shape[1]]) + 1)}"
                f"{rows[p // block.shape[1]] + 1}"
                for p in bad_pos
            ]
            examples = ", ".join(repr(flat.iloc[p]) for p in bad_pos[:3])
            raise InputError(
                source,
                f"{len(bad_pos)} non-numeric {what} such as {examples} "
                f"(cells {rows_preview(cells)})",
                where=f"sheet {sheet!r}, row {rows[r] + 1}, "
                f"column {get_column_letter(int(cols[c]) + 1)}",
                expected="numbers with a decimal point; empty, 'NA' or 'NaN' for missing",
                fix="correct or blank those cells; if the file uses a decimal comma, "
                "re-export it with a decimal point",
            )
    return numeric.to_numpy(dtype="float64").reshape(block.shape)


# ------------------------------------------------------------------- cross-sheet checks


def _check_duplicates(samples: pd.DataFrame, source: str) -> None:
    """A sample ID twice on one plate of one panel cannot be told apart downstream.

    The same sample on two plates is legitimate (bridging, re-runs) and kept. Without a
    'Plate ID' column the plate is unknown, so rows are compared within their sheet.
    """
    key = (
        samples["plate"]
        .astype(object)
        .where(samples["plate"].notna(), "\0sheet:" + samples["sheet"])
    )
    keyed = samples.assign(_plate_key=key)
    dup = keyed.duplicated(["panel", "_plate_key", "sample_id"], keep=False)
    if not dup.any():
        return
    first = keyed[dup].iloc[0]
    group = keyed[
        dup
        & keyed["panel"].eq(first["panel"])
        & keyed["_plate_key"].eq(first["_plate_key"])
        & keyed["sample_id"].eq(first["sample_id"])
    ]
    sheets = group["sheet"].unique()
    if len(sheets) == 1:
        where = f"sheet {sheets[0]!r}, rows {rows_preview(group['row'])}, column A"
    else:
        where = "; ".join(
            f"sheet {s!r}, row {r}, column A"
            for s, r in zip(group["sheet"], group["row"], strict=True)
        )
    plate = first["plate"]
    place = (
        f"on plate {plate!r}"
        if pd.notna(plate)
        else "in a sheet without a 'Plate ID' column, so the rows cannot be told apart"
    )
    others = int(dup.sum()) - len(group)
    more = f" ({others} more duplicated rows elsewhere)" if others else ""
    raise InputError(
        source,
        f"sample ID {first['sample_id']!r} occurs {len(group)} times in panel "
        f"{first['panel']!r} {place}{more}",
        where=where,
        expected="each sample once per plate and panel (the same sample on different "
        "plates is fine)",
        fix="give replicates distinct sample IDs (e.g. suffix '_rep2') or delete the extra row",
    )


# ----------------------------------------------------------------------------- helpers


def _norm(value) -> str:
    """Label key: lower case, letters and digits only ('Uniprot ID' -> 'uniprotid')."""
    if not isinstance(value, str):
        return ""
    return re.sub(r"[^a-z0-9]", "", value.lower())


def _cell_text(value) -> str | None:
    """Cell as stripped text; integral floats lose their '.0' (IDs typed as numbers)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def _column_text(grid: np.ndarray, rows: list[int], col: int | None) -> list[str | None]:
    if col is None:
        return [None] * len(rows)
    return [_cell_text(v) for v in grid[rows, col]]


def _broadcast(values: np.ndarray, n_samples: int, n_assays: int) -> np.ndarray:
    """Per-assay vector or per-sample matrix -> flat, sample-major like the NPX values."""
    if values.ndim == 1:
        return np.tile(values, n_samples)
    return values.reshape(n_samples * n_assays)
