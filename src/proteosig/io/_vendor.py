"""The common frame every vendor reader returns, and the one place it is typed.

Each reader (long CSV/parquet, NPX Manager Excel, ...) only has to find these columns in
its layout; ``finalise_vendor_frame`` then checks and types them the same way for all.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from proteosig.errors import InputError, rows_preview

#: Columns every reader returns, in this order. Optional ones may be all-missing.
VENDOR_COLUMNS: tuple[str, ...] = (
    "sample_id",  # as written by the vendor, surrounding whitespace removed
    "sample_type",  # e.g. SAMPLE, PLATE_CONTROL, NEGATIVE_CONTROL; missing if not given
    "olink_id",  # e.g. OID00471; missing if not given
    "uniprot",
    "assay",  # vendor assay name, e.g. "IL8", "MCP-3"
    "panel",
    "plate",
    "qc_warning",  # raw text: "Pass", "PASS", "Warning", "WARN", ...
    "assay_warning",  # raw text or missing
    "lod",
    "npx",
    "missing_freq",
    "normalization",
    "source_file",
    "assay_id",  # a reader's own stable assay key (wide matrices); missing for Olink files
    "gene_symbol",  # a symbol the user gave (wide-matrix annotation); missing otherwise
)

STRING_COLUMNS = (
    "sample_id",
    "sample_type",
    "olink_id",
    "uniprot",
    "assay",
    "panel",
    "plate",
    "qc_warning",
    "assay_warning",
    "normalization",
    "source_file",
    "assay_id",
    "gene_symbol",
)
NUMERIC_COLUMNS = ("lod", "npx", "missing_freq")


MISSING_TEXT = ("", "NA", "NaN", "nan", "NULL", "null", "-", "N/A", "n/a")


def to_number(
    values: pd.Series,
    *,
    source: str | Path,
    column: str,
    row_offset: int = 2,
    where: str | None = None,
):
    """Convert to float; a value that is neither a finite number nor empty is an error.

    ``row_offset`` turns the frame position into the row number a user sees in the file
    (2 for a CSV with one header line). 'Inf' parses as a number in pandas but is no
    measurement, so infinite values are errors too.
    """
    if values.dtype.kind in "fiub":
        numeric = values.astype("float64")
        blank = numeric.isna()
    else:
        numeric = pd.to_numeric(values, errors="coerce")
        text = values.astype("string").str.strip()
        blank = values.isna() | text.isin(MISSING_TEXT)
    infinite = pd.Series(np.isinf(numeric.to_numpy(dtype="float64", na_value=np.nan)),
                         index=values.index)  # fmt: skip
    bad = (numeric.isna() & ~blank) | infinite
    if bad.any():
        positions = np.flatnonzero(bad.to_numpy())
        rows = [int(p) + row_offset for p in positions]
        examples = ", ".join(repr(v) for v in values.iloc[positions[:3]].tolist())
        kind = "infinite" if infinite[bad].all() else "non-numeric"
        raise InputError(
            source,
            f"column {column!r} holds {bad.sum()} {kind} value(s) such as {examples}",
            where=f"{where + ', ' if where else ''}row(s) {rows_preview(rows)}",
            expected="finite numbers (decimal point '.', empty or NA for missing)",
            fix="correct or blank those cells"
            + (
                "; if the file uses a decimal comma, re-export it with a decimal point"
                if kind == "non-numeric"
                else " (an infinite value is no measurement)"
            ),
        )
    return numeric.astype("float64")


def finalise_vendor_frame(
    frame: pd.DataFrame, *, source: str | Path, row_offset: int = 2, names: dict | None = None
) -> pd.DataFrame:
    """Add missing optional columns, strip text, and type every column.

    ``names`` maps canonical columns to the file's own header, for messages.
    """
    names = names or {}
    out = frame.copy()
    for column in VENDOR_COLUMNS:
        if column not in out.columns:
            out[column] = pd.NA
    out["source_file"] = str(source)
    for column in STRING_COLUMNS:
        text = out[column].astype("string").str.strip()
        out[column] = text.mask(text == "", pd.NA)
    for column in NUMERIC_COLUMNS:
        out[column] = to_number(
            out[column], source=source, column=names.get(column, column), row_offset=row_offset
        )
    missing_id = out["sample_id"].isna()
    if missing_id.all():
        raise InputError(
            source,
            "no sample IDs found",
            where="sample ID column",
            expected="a SampleID column or row labels",
            fix="fill in the sample IDs",
        )
    return out.loc[:, list(VENDOR_COLUMNS)].reset_index(drop=True)
