"""Generic wide matrix: one row per sample, one column per protein (any affinity platform).

Layout (CSV/TSV/TXT with ';', ',' or tab, parquet, or the first sheet of an .xlsx)::

    sample_id   PlateID   P05231   IL13   seq.1234.56   ...
    S01         Plate1    5.12     3.40   7.71
    S02         Plate1    4.98     NA     7.02

* the **first column** holds the sample IDs, whatever its name (for parquet written from
  pandas with the IDs as index, the index);
* optional sample columns, recognised by name: ``PlateID``/``Plate``, ``QC_Warning``/
  ``SampleQC``, ``SampleType``; everything else belongs in the sample sheet;
* **every other column is one assay**, values on a log scale (NPX, log2 intensities),
  empty or NA for missing. Column headers identify the protein:

  - a UniProt accession (``P05231``; complexes ``P29459_P29460``) or an OlinkID
    (``OID00482``) is recognised as such;
  - any other header is taken as an assay name; ingest gives it a UniProt accession when
    it is a gene symbol of the shipped symbol table (``IL6``);
  - or a **protein annotation** table (TSV/CSV/XLSX, ``inputs: protein_annotation``) maps
    each header: column ``column`` (the header as written, required) and any of
    ``uniprot``, ``gene_symbol``, ``assay`` (display name), ``panel``, ``lod``,
    ``olink_id``. With an annotation, every assay column must have a row in it (rows for
    other files' columns are allowed, so one table can serve several files).

The assay key (``assay_id``) is the header itself (``<panel>:<header>`` when the
annotation gives a panel), so two binders of one protein stay two assays.
"""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter

from proteosig.errors import InputError, rows_preview
from proteosig.io._vendor import MISSING_TEXT, finalise_vendor_frame, to_number
from proteosig.io.text import duplicated_names, read_delimited, read_header, sniff_delimiter

__all__ = ["read_wide", "read_protein_annotation", "looks_wide", "UNIPROT_RE"]

#: sample-level columns a wide matrix may carry (matched ignoring case and separators)
META_ALIASES: dict[str, tuple[str, ...]] = {
    "plate": ("PlateID", "Plate_ID", "Plate ID", "Plate"),
    "qc_warning": ("QC_Warning", "SampleQC", "Sample_QC", "QCWarning"),
    "sample_type": ("SampleType", "Sample_Type"),
}
#: headers that are sample information, never a protein
SAMPLE_INFO_NAMES = frozenset(
    {"age", "sex", "gender", "bmi", "group", "groups", "batch", "visit", "time", "timepoint",
     "weight", "height", "subject", "subjectid", "patient", "patientid", "status",
     "diagnosis", "condition", "treatment", "site", "disease"}
)  # fmt: skip
ANNOTATION_COLUMNS = ("column", "uniprot", "gene_symbol", "assay", "panel", "lod", "olink_id")

_ACCESSION = r"(?:[OPQ][0-9][A-Z0-9]{3}[0-9]|[A-NR-Z][0-9](?:[A-Z][A-Z0-9]{2}[0-9]){1,2})(?:-\d+)?"
UNIPROT_RE = re.compile(rf"^{_ACCESSION}(?:[_,;/ ]+{_ACCESSION})*$")
OLINKID_RE = re.compile(r"^OID\d{5}$")
_PANDAS_INDEX = "__index_level_0__"


def _squash(name: str) -> str:
    return re.sub(r"[\s_.\-]+", "", str(name)).lower()


def _meta_kind(name: str) -> str | None:
    key = _squash(name)
    for kind, aliases in META_ALIASES.items():
        if key in {_squash(a) for a in aliases}:
            return kind
    return None


def _is_number(text: str) -> bool:
    if text.strip() in MISSING_TEXT:
        return True
    try:
        return np.isfinite(float(text))
    except ValueError:
        return False


# ------------------------------------------------------------------------- raw tables


def _raw_table(path: Path) -> tuple[list[str], pd.DataFrame, int, str]:
    """(header, body with columns named by position, row offset, how cells are named)."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        frame = _parquet_frame(path)
        header = [str(c) for c in frame.columns]
        frame.columns = [str(i) for i in range(frame.shape[1])]
        return header, frame, 1, "row"
    if suffix in (".xlsx", ".xlsm"):
        header, frame = _xlsx_frame(path)
        return header, frame, 2, "excel"
    delimiter = sniff_delimiter(path, what="a wide matrix (samples x proteins)")
    header = read_header(path, delimiter)
    return header, read_delimited(path, delimiter, header), 2, "line"


def _parquet_frame(path: Path) -> pd.DataFrame:
    import pyarrow.parquet as pq

    from proteosig.io.olink_long import parquet_schema

    parquet_schema(path)  # names a corrupt file
    try:
        frame = pq.read_table(path).to_pandas()
    except Exception as err:
        raise InputError(
            path,
            f"cannot be read as parquet ({type(err).__name__}: {str(err).splitlines()[0]})",
            expected="a complete parquet file",
            fix="export the file again or check that the copy is complete",
        ) from None
    if not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index()  # sample IDs written as the pandas index
    return frame


def parquet_column_order(names: list[str], metadata: dict[bytes, bytes]) -> list[str]:
    """Schema names with pandas' stored index columns (written last) moved first."""
    try:
        pandas_meta = json.loads(metadata.get(b"pandas", b"{}"))
    except ValueError:
        pandas_meta = {}
    index = [c for c in pandas_meta.get("index_columns", []) if isinstance(c, str)]
    return [*index, *[n for n in names if n not in index]]


def _xlsx_frame(path: Path) -> tuple[list[str], pd.DataFrame]:
    from proteosig.io.npx_manager import _broken_file, _open_workbook

    with _open_workbook(path, what="a samples x proteins matrix as .xlsx") as wb:
        ws = wb.worksheets[0]
        try:
            rows = [list(r) for r in ws.iter_rows(values_only=True)]
        except Exception as exc:  # damaged sheet XML
            raise _broken_file(str(path), exc, npx=False) from exc
    while rows and all(v is None or str(v).strip() == "" for v in rows[-1]):
        rows.pop()
    if not rows:
        raise InputError(
            path,
            "the first sheet is empty",
            where=f"sheet {ws.title!r}",
            expected="a header row (sample ID column, then protein columns) and one row per sample",
            fix="put the matrix on the first sheet",
        )
    width = max(len(r) for r in rows)
    header_cells = rows[0] + [None] * (width - len(rows[0]))
    while header_cells and header_cells[-1] is None:
        header_cells.pop()
    header = ["" if v is None else _cell_text(v) for v in header_cells]
    body = [r[: len(header)] + [None] * (len(header) - len(r)) for r in rows[1:]]
    frame = pd.DataFrame(body, columns=[str(i) for i in range(len(header))], dtype=object)
    return header, frame


def _cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


# -------------------------------------------------------------------------- detection


def looks_wide(header: list[str], rows: list[list]) -> tuple[bool, str]:
    """Whether a header and a few body rows look like a samples x proteins matrix.

    Returns (answer, reason when not).
    """
    if len(header) < 2:
        return False, "it has a single column"
    if not rows:
        return False, "it has no rows below the header"
    blank = [i + 1 for i, h in enumerate(header) if not str(h).strip()]
    if blank:
        return False, f"header field(s) {', '.join(map(str, blank[:5]))} are empty"
    assays = [i for i, h in enumerate(header) if i > 0 and _meta_kind(h) is None]
    if not assays:
        return False, "no column after the first could hold protein values"
    for i in assays:
        for row in rows:
            value = row[i] if i < len(row) else None
            if value is None or isinstance(value, int | float) and not isinstance(value, bool):
                continue
            if not _is_number(str(value)):
                return False, f"column {header[i]!r} holds text ({str(value)[:20]!r})"
    return True, ""


# ------------------------------------------------------------------------ annotation


def read_protein_annotation(path: str | Path) -> pd.DataFrame:
    """The protein annotation table, indexed by the matrix header it describes."""
    from proteosig.io.sample_sheet import read_table

    path = Path(path)
    table = read_table(path, what="protein annotation")
    columns = {c.lower(): c for c in table.columns}
    if "column" not in columns:
        close = difflib.get_close_matches("column", list(table.columns), n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise InputError(
            path,
            f"the protein annotation has no 'column' column{hint}",
            where="header",
            expected="columns 'column' (the matrix header) and any of "
            + ", ".join(ANNOTATION_COLUMNS[1:])
            + f" (found: {', '.join(table.columns)})",
            fix="name the column holding the matrix headers 'column'",
        )
    unknown = [c for c in table.columns if c.lower() not in ANNOTATION_COLUMNS]
    if unknown:
        raise InputError(
            path,
            f"unknown annotation column(s) {', '.join(map(repr, unknown))}",
            where="header",
            expected="only " + ", ".join(ANNOTATION_COLUMNS),
            fix="rename or delete those columns",
        )
    table = table.rename(columns={c: c.lower() for c in table.columns})
    for column in ANNOTATION_COLUMNS:
        if column not in table.columns:
            table[column] = pd.NA
    table["column"] = table["column"].astype("string").str.strip()
    blank = table["column"].isna() | table["column"].eq("")
    if blank.any():
        rows = [int(i) + 2 for i in np.flatnonzero(blank.to_numpy())]
        raise InputError(
            path,
            f"{int(blank.sum())} annotation row(s) name no matrix column",
            where=f"column 'column', row(s) {rows_preview(rows)}",
            expected="the matrix header on every row",
            fix="fill in the header or delete the row",
        )
    dup = table["column"].duplicated(keep=False)
    if dup.any():
        rows = [int(i) + 2 for i in np.flatnonzero(dup.to_numpy())]
        names = sorted(table.loc[dup, "column"].unique())
        raise InputError(
            path,
            f"matrix column(s) {rows_preview(names)} are annotated more than once",
            where=f"column 'column', rows {rows_preview(rows)}",
            expected="one row per matrix column",
            fix="keep one row per column",
        )
    uniprot = table["uniprot"].astype("string").str.strip()
    bad = uniprot.notna() & uniprot.ne("") & ~uniprot.fillna("").str.match(UNIPROT_RE)
    if bad.any():
        rows = [int(i) + 2 for i in np.flatnonzero(bad.to_numpy())]
        examples = ", ".join(repr(v) for v in uniprot[bad].head(3))
        raise InputError(
            path,
            f"{int(bad.sum())} value(s) in 'uniprot' are not UniProt accessions, such as "
            f"{examples}",
            where=f"column 'uniprot', row(s) {rows_preview(rows)}",
            expected="accessions such as P05231 (complexes: P29459_P29460)",
            fix="correct them, or leave 'uniprot' empty and give 'gene_symbol'",
        )
    table["lod"] = to_number(table["lod"], source=path, column="lod", where="column 'lod'")
    return table.set_index("column", drop=False)


# ---------------------------------------------------------------------------- reader


def read_wide(path: str | Path, *, annotation: pd.DataFrame | None = None) -> pd.DataFrame:
    """Read a samples x proteins matrix into the common long vendor frame.

    Parameters
    ----------
    path
        CSV/TSV/TXT (delimiter sniffed), parquet, or .xlsx (first sheet).
    annotation
        Optional table from :func:`read_protein_annotation`.
    """
    path = Path(path)
    header, body, offset, style = _raw_table(path)

    def column_name(col: int) -> str:
        if style == "excel":
            return f"column {get_column_letter(col + 1)} ({header[col]!r})"
        return f"column {header[col]!r}"

    def cell(col: int, rows) -> str:
        return f"{column_name(col)}, row(s) {rows_preview(rows)}"

    _check_header(header, path, style)
    if body.empty:
        raise InputError(
            path,
            "the matrix has a header but no sample rows",
            where="row 2",
            expected="one row per sample below the header",
            fix="export the data again",
        )
    ids = body["0"].map(lambda v: None if v is None or pd.isna(v) else _cell_text(v))
    ids = ids.astype("string").str.strip().mask(lambda s: s.eq(""), pd.NA)
    _check_transposed(ids, header, path)
    if ids.isna().any():
        rows = [int(i) + offset for i in np.flatnonzero(ids.isna().to_numpy())]
        raise InputError(
            path,
            f"{int(ids.isna().sum())} row(s) have no sample ID",
            where=cell(0, rows),
            expected="a sample ID in the first column of every row",
            fix="fill in the IDs or delete those rows",
        )
    dup = ids.duplicated(keep=False)
    if dup.any():
        rows = [int(i) + offset for i in np.flatnonzero(dup.to_numpy())]
        first = ids[dup].iloc[0]
        raise InputError(
            path,
            f"sample ID {first!r} occurs {int(ids.eq(first).sum())} times "
            f"({int(dup.sum())} rows with repeated IDs)",
            where=cell(0, rows),
            expected="one row per sample",
            fix="give replicates distinct IDs (e.g. suffix '_rep2') or delete the extra rows",
        )

    meta: dict[str, int] = {}
    assay_cols: list[int] = []
    for i, name in enumerate(header[1:], start=1):
        kind = _meta_kind(name)
        if kind is not None and kind not in meta:
            meta[kind] = i
        else:
            assay_cols.append(i)
    info = [header[i] for i in assay_cols if _squash(header[i]) in SAMPLE_INFO_NAMES]
    if info:
        raise InputError(
            path,
            f"column {info[0]!r} holds sample information, not a protein",
            where=f"header, column {info[0]!r}",
            expected="the sample ID in the first column and only protein values after it "
            "(plus optional PlateID, QC_Warning, SampleType)",
            fix="move sample information (group, age, sex, ...) to the sample sheet",
        )
    if not assay_cols:
        raise InputError(
            path,
            "the matrix has no protein columns",
            where="header",
            expected="one column per protein after the sample ID column",
            fix="check that this is the protein matrix",
        )

    values = np.empty((len(body), len(assay_cols)), dtype="float64")
    for j, col in enumerate(assay_cols):
        series = body[str(col)]
        try:
            numbers = to_number(
                series, source=path, column=header[col], row_offset=offset, where=column_name(col)
            )
        except InputError:
            if pd.to_numeric(series, errors="coerce").notna().any():
                raise  # a few bad cells: to_number's message names them
            text = series.astype("string").str.strip()
            examples = ", ".join(repr(v) for v in text[text.ne("")].dropna().unique()[:3])
            raise InputError(
                path,
                f"column {header[col]!r} holds text ({examples}), not protein values",
                where=cell(col, [offset]),
                expected="numbers in every protein column; sample information belongs in the "
                "sample sheet (a plate column may stay if named 'PlateID')",
                fix="move the column to the sample sheet or delete it",
            ) from None
        values[:, j] = numbers.to_numpy()

    names = [header[i] for i in assay_cols]
    assays = _annotate(names, annotation, path)
    n_samples, n_assays = values.shape

    def per_sample(kind: str) -> np.ndarray:
        if kind not in meta:
            return np.full(n_samples, None, dtype=object)
        column = body[str(meta[kind])]
        return column.map(lambda v: None if v is None or pd.isna(v) else _cell_text(v)).to_numpy(
            dtype=object
        )

    frame = pd.DataFrame(
        {
            "sample_id": np.repeat(ids.to_numpy(dtype=object), n_assays),
            "sample_type": np.repeat(per_sample("sample_type"), n_assays),
            "plate": np.repeat(per_sample("plate"), n_assays),
            "qc_warning": np.repeat(per_sample("qc_warning"), n_assays),
            "npx": values.ravel(),
        }
    )
    for column in ("assay_id", "olink_id", "uniprot", "assay", "panel", "gene_symbol", "lod"):
        frame[column] = np.tile(assays[column].to_numpy(dtype=object), n_samples)
    out = finalise_vendor_frame(frame, source=path, row_offset=offset)
    out.attrs["notes"] = []
    return out


def _check_header(header: list[str], path: Path, style: str) -> None:
    def place(i: int) -> str:
        return f"column {get_column_letter(i + 1)}" if style == "excel" else f"field {i + 1}"

    blank = [i for i, h in enumerate(header) if not str(h).strip()]
    if blank and blank != [0]:
        i = next(b for b in blank if b != 0)
        raise InputError(
            path,
            "a column has no header",
            where=f"header, {place(i)}",
            expected="a protein identifier above every column after the sample ID column",
            fix="name the column or delete it",
        )
    dup = duplicated_names([h for h in header if str(h).strip()])
    if dup:
        fields = [place(i) for i, h in enumerate(header) if h == dup[0]]
        raise InputError(
            path,
            f"column {dup[0]!r} appears {len(fields)} times ({', '.join(fields)}): the same "
            "assay twice",
            where="header, " + ", ".join(fields),
            expected="each protein column once",
            fix="delete the duplicated column, or give each binder its own name and describe "
            "it in 'inputs: protein_annotation'",
        )


def _check_transposed(ids: pd.Series, header: list[str], path: Path) -> None:
    known = ids.dropna()
    if len(known) < 3:
        return
    proteins = known.str.match(UNIPROT_RE) | known.str.match(OLINKID_RE)
    if proteins.mean() >= 0.5:
        raise InputError(
            path,
            f"the first column holds protein identifiers ({', '.join(known[proteins][:3])}): "
            "the matrix looks transposed (proteins x samples)",
            where=f"column {header[0]!r}",
            expected="one row per sample, sample IDs in the first column, one column per protein",
            fix="transpose the matrix so that samples are rows",
        )


def _annotate(names: list[str], annotation: pd.DataFrame | None, path: Path) -> pd.DataFrame:
    """One row per assay column: assay_id, olink_id, uniprot, assay, panel, gene_symbol, lod."""
    rows = []
    if annotation is not None:
        missing = [n for n in names if n not in annotation.index]
        if missing:
            raise InputError(
                path,
                f"{len(missing)} matrix column(s) are not in the protein annotation: "
                f"{rows_preview(missing)}",
                where="header",
                expected="a row in the annotation's 'column' for every protein column",
                fix="add rows for them to the annotation (or correct the spelling)",
            )
    for name in names:
        note = annotation.loc[name] if annotation is not None else None

        def given(key: str, note=note):
            if note is None:
                return None
            value = note[key]
            if value is None or pd.isna(value) or str(value).strip() == "":
                return None
            return value

        panel = given("panel")
        uniprot = given("uniprot") or (name if UNIPROT_RE.match(name) else None)
        olink_id = given("olink_id") or (name if OLINKID_RE.match(name) else None)
        rows.append(
            {
                "assay_id": f"{panel}:{name}" if panel else name,
                "olink_id": olink_id,
                "uniprot": uniprot,
                "assay": given("assay") or name,
                "panel": panel,
                "gene_symbol": given("gene_symbol"),
                "lod": given("lod"),
            }
        )
    return pd.DataFrame(rows)
