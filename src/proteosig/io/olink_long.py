"""Olink long format: NPX Signature / Olink Software / NPX Explore exports (CSV or parquet).

One row per sample x assay. Column names differ between software versions and products,
so each canonical column has a list of aliases; matching ignores case, spaces, dots,
dashes and underscores. Column sets read:

* Target 96 (NPX Signature / NPX Manager long export): ``SampleID, Index, OlinkID,
  UniProt, Assay, MissingFreq, Panel, Panel_Lot_Nr, PlateID, QC_Warning, LOD, NPX,
  Normalization, Assay_Warning`` (``SampleType`` in newer versions);
* Explore 1536/3072 and Explore HT (Olink Software, CSV or parquet): ``SampleID,
  SampleType, WellID, PlateID, DataAnalysisRefID, OlinkID, UniProt, Assay, AssayType,
  Panel, Block, Count, ExtNPX, NPX, Normalization, PCNormalizedNPX, AssayQC, SampleQC,
  ExploreVersion``. Rows of Explore's internal control assays (``AssayType`` other than
  ``assay``: extension, incubation and amplification controls) are set aside, with a note.

Only ``SampleID``, ``NPX`` and one assay identifier are required. A ``Unit`` column
(Olink Target 48 / Flex exports) must say NPX: absolute concentrations are refused.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pandas as pd

from proteosig.errors import InputError, rows_preview
from proteosig.io._vendor import finalise_vendor_frame
from proteosig.io.categorical import (
    categorical,
    category_flags,
    distinct,
    filter_rows,
    transform_categories,
)
from proteosig.io.tables import read_parquet_columns
from proteosig.io.text import read_delimited, read_header, sniff_delimiter

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
#: columns read but not returned: Explore's assay type and Target 48 / Flex's unit
EXTRA_ALIASES: dict[str, tuple[str, ...]] = {
    "assay_type": ("AssayType", "Assay_Type"),
    "unit": ("Unit",),
}
REQUIRED = ("sample_id", "npx")
ONE_OF_ASSAY = ("olink_id", "uniprot", "assay")
REQUIRED_HEADERS = ("SampleID", "OlinkID", "UniProt", "Assay", "Panel", "PlateID", "NPX")
NPX_UNITS = {"npx", "log2", "log2npx"}


def _squash(name: str) -> str:
    return re.sub(r"[\s_.\-]+", "", str(name)).lower()


def match_columns(header: list[str], aliases: dict[str, tuple[str, ...]] = COLUMN_ALIASES):
    """Map canonical names to the file's header names (first alias found wins)."""
    by_squashed: dict[str, str] = {}
    for name in header:
        by_squashed.setdefault(_squash(name), name)
    found = {}
    for canonical, spellings in aliases.items():
        for alias in spellings:
            if _squash(alias) in by_squashed:
                found[canonical] = by_squashed[_squash(alias)]
                break
    return found


def looks_long(header: list[str]) -> bool:
    """A sample ID column plus NPX or an assay identifier: an Olink long table."""
    found = match_columns(header)
    return "sample_id" in found and ("npx" in found or any(c in found for c in ONE_OF_ASSAY))


def check_required(found: dict[str, str], header: list[str], source: Path) -> None:
    for canonical in REQUIRED:
        if canonical not in found:
            wanted = COLUMN_ALIASES[canonical][0]
            if canonical == "npx" and any(_squash(h) == "quantifiedvalue" for h in header):
                raise InputError(
                    source,
                    "this is an absolute quantification export (Quantified_value), not NPX",
                    where="header",
                    expected="an NPX export (log2 Normalized Protein eXpression)",
                    fix="export NPX values from the Olink software, or log2-transform the "
                    "concentrations yourself and give them as a wide matrix "
                    "('inputs: format: wide')",
                )
            close = [h for h in header if _squash(wanted) in _squash(h)] or (
                difflib.get_close_matches(wanted, header, n=1, cutoff=0.6)
            )
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


def check_duplicate_columns(found: dict[str, str], header: list[str], source: Path) -> None:
    """Two columns answering to the same name (e.g. 'NPX' twice): which one is meant?"""
    for canonical, name in found.items():
        key = _squash(name)
        positions = [i + 1 for i, h in enumerate(header) if _squash(h) == key]
        if len(positions) > 1:
            raise InputError(
                source,
                f"column {name!r} appears {len(positions)} times (fields "
                f"{', '.join(map(str, positions))})",
                where="header",
                expected=f"one {COLUMN_ALIASES.get(canonical, (name,))[0]!r} column",
                fix="delete or rename the extra column(s)",
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

    The returned frame's ``attrs["notes"]`` lists what was set aside (Explore control
    assays).
    """
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        return _read_parquet(path, columns)
    delimiter = sniff_delimiter(path, what="an Olink long table")
    header = read_header(path, delimiter)
    found = match_columns(header)
    check_required(found, header, path)
    extra = match_columns(header, EXTRA_ALIASES)
    check_duplicate_columns({**found, **extra}, header, path)
    wanted = {k: v for k, v in found.items() if columns is None or k in columns or k in REQUIRED}
    wanted.update(extra)
    position = {name: i for i, name in reversed(list(enumerate(header)))}
    raw = read_delimited(path, delimiter, header, keep=sorted(position[v] for v in wanted.values()))
    if raw.empty:
        raise InputError(
            path,
            "the table has a header but no rows",
            where="line 2",
            expected="one row per sample and assay below the header",
            fix="re-export the data",
        )
    frame = pd.DataFrame({k: raw[str(position[v])] for k, v in wanted.items()})
    return _finish(frame, path, row_offset=2, header_names=wanted)


def _finish(frame: pd.DataFrame, path: Path, *, row_offset: int, header_names) -> pd.DataFrame:
    """Checks shared by CSV and parquet, then the common typing."""
    where_rows = "row(s)"
    blank = category_flags(frame["sample_id"], _blank, na=True)
    if blank.any() and not blank.all():
        rows = [int(i) + row_offset for i in blank.nonzero()[0]]
        raise InputError(
            path,
            f"{int(blank.sum())} row(s) have no sample ID",
            where=f"column {header_names['sample_id']!r}, {where_rows} {rows_preview(rows)}",
            expected="a sample ID on every row",
            fix="fill in the IDs or delete those rows",
        )
    notes: list[str] = []
    if "unit" in frame.columns:
        _check_units(frame["unit"], path, header_names["unit"], row_offset, where_rows)
        del frame["unit"]
    if "assay_type" in frame.columns:
        kind = transform_categories(
            frame["assay_type"], lambda t: t.astype("string").str.strip().str.lower()
        )
        control = category_flags(kind, lambda k: k.ne("") & k.ne("assay"))
        if control.any():
            n_assays = frame.loc[control, ["olink_id", "assay"]].drop_duplicates().shape[0]
            types = ", ".join(distinct(kind, control))
            notes.append(
                f"{path.name}: set aside {n_assays} internal control assay(s) (AssayType {types})"
            )
            frame = filter_rows(frame, ~control)
            for column in frame.columns:  # the set-aside assays leave no category behind
                if isinstance(frame[column].dtype, pd.CategoricalDtype):
                    frame[column] = categorical(frame[column])
        del frame["assay_type"]
        if frame.empty:
            raise InputError(
                path,
                "every row is an internal control assay (AssayType is not 'assay')",
                where=f"column {header_names['assay_type']!r}",
                expected="rows with AssayType 'assay'",
                fix="export the NPX data of the protein assays, not only the controls",
            )
    out = finalise_vendor_frame(frame, source=path, row_offset=row_offset, names=header_names)
    out.attrs["notes"] = notes
    return out


def _blank(ids: pd.Series) -> pd.Series:
    text = ids.astype("string").str.strip()
    return text.isna() | text.eq("")


def _check_units(units: pd.Series, path: Path, column: str, row_offset: int, where_rows: str):
    text = transform_categories(units, lambda u: u.astype("string").str.strip())
    bad = category_flags(
        text, lambda t: t.ne("") & ~t.str.lower().str.replace(" ", "").isin(NPX_UNITS)
    )
    if bad.any():
        seen = ", ".join(repr(u) for u in [u for u in distinct(text) if u != ""][:5])
        rows = [int(i) + row_offset for i in bad.nonzero()[0]]
        raise InputError(
            path,
            f"column {column!r} holds units other than NPX ({seen}): the values are not all "
            "log2 NPX",
            where=f"column {column!r}, {where_rows} {rows_preview(rows)}",
            expected="NPX in every row (one unit: log2 Normalized Protein eXpression)",
            fix="export NPX for every assay; absolute concentrations (pg/mL) cannot be mixed "
            "with NPX",
        )


def parquet_schema(path: Path) -> tuple[list[str], dict[str, str], dict[bytes, bytes]]:
    """Column names, their arrow types as text, and the file's key-value metadata."""
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except Exception as err:  # pyarrow raises several types for corrupt files
        raise InputError(
            path,
            f"cannot be read as parquet ({type(err).__name__}: {str(err).splitlines()[0]})",
            where="file footer",
            expected="a complete parquet file",
            fix="export the file again or check that the copy is complete",
        ) from None
    types = {field.name: str(field.type) for field in schema}
    return list(schema.names), types, dict(schema.metadata or {})


def _read_parquet(path: Path, columns: list[str] | None) -> pd.DataFrame:
    schema_names, _, _ = parquet_schema(path)
    found = match_columns(schema_names)
    check_required(found, schema_names, path)
    extra = match_columns(schema_names, EXTRA_ALIASES)
    check_duplicate_columns({**found, **extra}, schema_names, path)
    wanted = {k: v for k, v in found.items() if columns is None or k in columns or k in REQUIRED}
    wanted.update(extra)
    try:
        # column by column, text straight into categoricals: an Explore file never exists
        # in memory as strings or as one table of 32-bit dictionary indices
        read = read_parquet_columns(path, list(dict.fromkeys(wanted.values())))
    except Exception as err:
        raise InputError(
            path,
            f"cannot be read as parquet ({type(err).__name__}: {str(err).splitlines()[0]})",
            expected="a complete parquet file",
            fix="export the file again or check that the copy is complete",
        ) from None
    if not len(read):
        raise InputError(
            path,
            "the table has columns but no rows",
            where="row 1",
            expected="one row per sample and assay",
            fix="re-export the data",
        )
    frame = pd.DataFrame({k: read[v] for k, v in wanted.items()}, copy=False)
    del read
    return _finish(frame, path, row_offset=1, header_names=wanted)
