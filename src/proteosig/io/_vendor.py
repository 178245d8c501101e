"""The common frame every vendor reader returns, and the one place it is typed.

Each reader (long CSV/parquet, NPX Manager Excel, ...) only has to find these columns in
its layout; ``finalise_vendor_frame`` then checks and types them the same way for all.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from proteosig.errors import InputError, rows_preview
from proteosig.io.categorical import recode, transform_categories

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
    if values.dtype in (np.float32, np.float64):
        # already numbers: only infinities can be wrong. float32 (Olink Explore parquet)
        # is kept as it is (widening changes no value); neither a copy nor a float64
        # version of an Explore-sized column is made
        array = values.to_numpy()
        infinite = np.zeros(len(array), dtype=bool)
        for start in range(0, len(array), 1 << 22):
            infinite[start : start + (1 << 22)] = np.isinf(array[start : start + (1 << 22)])
        if not infinite.any():
            return values
        numeric, blank = values, values.isna()
        infinite = pd.Series(infinite, index=values.index)
    elif values.dtype.kind in "fiub":
        numeric = values.astype(np.float64)
        blank = numeric.isna()
        infinite = pd.Series(np.isinf(numeric.to_numpy()), index=values.index)
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
    return numeric if numeric.dtype == np.float32 else numeric.astype("float64")


def finalise_vendor_frame(
    frame: pd.DataFrame, *, source: str | Path, row_offset: int = 2, names: dict | None = None
) -> pd.DataFrame:
    """Add missing optional columns, strip text, and type every column. Empties ``frame``.

    Text columns come back as categoricals with sorted categories (see
    :mod:`proteosig.io.categorical`), cleaned once per distinct value.

    ``names`` maps canonical columns to the file's own header, for messages.
    """
    names = names or {}
    n_rows = len(frame)
    out = {}
    for column in VENDOR_COLUMNS:
        # each input column is dropped once converted, so a large file is not held twice
        given = frame.pop(column) if column in frame.columns else None
        if column == "source_file":
            out[column] = recode(np.zeros(n_rows, dtype=np.int8), [str(source)])
        elif column in STRING_COLUMNS:
            out[column] = (
                transform_categories(given, _clean_text)
                if given is not None
                else recode(np.full(n_rows, -1, dtype=np.int8), [])
            )
        elif given is not None:
            out[column] = to_number(
                given.reset_index(drop=True),
                source=source,
                column=names.get(column, column),
                row_offset=row_offset,
            )
        else:
            # an absent column is all-missing: one NaN broadcast to every row (a read-only
            # view), where a real array would cost 0.6 GB at biobank scale for nothing
            out[column] = pd.Series(np.broadcast_to(np.float32(np.nan), (n_rows,)), copy=False)
        del given
    for column in STRING_COLUMNS:
        out[column] = out[column].reset_index(drop=True)
    out = pd.DataFrame(out, copy=False)
    missing_id = out["sample_id"].isna()
    if missing_id.all():
        raise InputError(
            source,
            "no sample IDs found",
            where="sample ID column",
            expected="a SampleID column or row labels",
            fix="fill in the sample IDs",
        )
    return out.loc[:, list(VENDOR_COLUMNS)]


def _clean_text(values: pd.Series) -> pd.Series:
    """Surrounding whitespace removed; blank text is missing."""
    text = values.astype("string").str.strip()
    return text.mask(text == "", pd.NA)
