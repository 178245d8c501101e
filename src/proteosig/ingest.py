"""Ingest: NPX exports + sample sheet -> one harmonised long table and a sample table.

Steps (each a small function, so tests can reach every rule):
1. read every NPX file (any supported layout) into the common vendor frame and stack them;
2. give every assay a stable ``assay_id`` and a gene symbol;
3. recognise Olink control samples (plate/negative/sample controls, bridging samples)
   and set them aside;
4. join the sample sheet and check that data, sheet and config agree.

With a ``bridge`` run (config ``bridge:``), step 1 reads a second set of exports, and the
second run is put on the first run's scale by its bridge samples
(:mod:`proteosig.qc.bridge`) before the runs are stacked and steps 3-4 run on the whole.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from proteosig.errors import InputError, rows_preview
from proteosig.io.categorical import (
    CHUNK,
    as_strings,
    categorical,
    category_flags,
    code_dtype,
    codes_and_categories,
    combination_ids,
    count_codes,
    distinct,
    expand,
    filter_rows,
    first_rows,
    from_codes,
    is_grid,
    map_categories,
    pairs_in_order,
    sorted_codes,
    union_concat,
    unique_rows,
)
from proteosig.io.formats import read_npx_file
from proteosig.io.panels import map_gene_symbols, panel_code, uniprot_key
from proteosig.io.sample_sheet import read_sample_sheet
from proteosig.io.tables import grid_metadata
from proteosig.io.wide import read_protein_annotation

#: Olink's control sample types (long exports) and the names NPX Manager gives them.
CONTROL_SAMPLE_TYPES = frozenset(
    {"PLATE_CONTROL", "NEGATIVE_CONTROL", "SAMPLE_CONTROL", "CONTROL", "CALIBRATOR", "BRIDGE"}
)
DEFAULT_CONTROL_PATTERN = (
    r"(?i)^(?:ipc|inter[ _-]?plate|neg(?:ative)?[ _-]?c(?:on)?tro?l|"
    r"control(?:[ _-]?sample)?(?=$|[\s_\-\d])|sample[ _-]?control|plate[ _-]?control|"
    r"ctrl(?=$|[\s_\-\d])|calibrator|bridg)"
)

LONG_COLUMNS = (
    "sample_id",
    "assay_id",
    "olink_id",
    "uniprot",
    "gene_symbol",
    "assay",
    "panel",
    "plate",
    "npx",
    "lod",
    "below_lod",
    "qc_warning",
    "assay_warning",
    "missing_freq",
    "normalization",
    "source_file",
)


@dataclass
class IngestResult:
    """What ingest hands to QC."""

    long: pd.DataFrame  # one row per study sample x assay, LONG_COLUMNS
    samples: pd.DataFrame  # one row per study sample: sample_id, group, covariates, plate
    controls: pd.DataFrame  # control samples set aside: sample_id, sample_type, plate, reason
    unmapped_assays: pd.DataFrame  # assays without a gene symbol
    notes: list[str] = field(default_factory=list)
    bridge: BridgeOutcome | None = None  # when a second run was bridged


@dataclass(frozen=True)
class BridgeRun:
    """A second run to put on the scale of the first (config ``bridge:``).

    ``samples``: None (every sample ID in both runs, controls left out), a list of IDs, or
    ``{reference ID: new ID}`` for renamed bridge samples. ``settings`` is a
    ``proteosig.qc.bridge.BridgeSettings`` (None: its defaults).
    """

    npx_paths: tuple
    samples: list[str] | dict[str, str] | None = None
    settings: object = None
    labels: tuple[str, str] = ("run 1", "run 2")

    @classmethod
    def from_config(cls, section: dict | None, npx_paths) -> BridgeRun | None:
        """The config's ``bridge:`` section (None or no files: one run, no bridging)."""
        if not section or not list(npx_paths):
            return None
        from dataclasses import fields

        from proteosig.qc.bridge import BridgeSettings  # see bridge_runs

        samples = section.get("samples")
        if isinstance(samples, dict):
            samples = {str(k): str(v) for k, v in samples.items()}
        elif samples is not None:
            samples = [str(s) for s in samples]
        options = {f.name: section[f.name] for f in fields(BridgeSettings) if f.name in section}
        labels = tuple(section.get("labels") or cls.labels)
        return cls(tuple(map(str, npx_paths)), samples, BridgeSettings(**options), labels)


@dataclass
class BridgeOutcome:
    """What bridging leaves for the outputs: the adjustments and the diagnostics."""

    adjustments: pd.DataFrame  # one row per assay of the bridged run
    assays: pd.DataFrame  # per assay, bridge-sample agreement before/after
    samples: pd.DataFrame  # per bridge pair: used or not and why, before/after
    summary: dict
    renamed_plates: dict[str, str]


#: An Olink panel whose median NPX is above this is not on the NPX (log2) scale.
MAX_NPX_MEDIAN = 30.0
#: Blocks (file x panel) with medians below LOG_SCALE_MAX and above LINEAR_SCALE_MIN
#: cannot both be on one scale: the inputs mix log2 and linear units.
LOG_SCALE_MAX, LINEAR_SCALE_MIN = 25.0, 100.0


def read_npx_files(
    paths: list[str | Path],
    *,
    fmt: str = "auto",
    annotation: pd.DataFrame | None = None,
    notes: list[str] | None = None,
) -> pd.DataFrame:
    """Read and stack every NPX file; the result's ``attrs['formats']`` maps file -> layout."""
    frames = [read_npx_file(p, fmt=fmt, annotation=annotation) for p in paths]
    formats = {str(p): f.attrs.get("format", fmt) for p, f in zip(paths, frames, strict=True)}
    if notes is not None:
        for frame in frames:
            notes.extend(frame.attrs.get("notes", []))
    for frame in frames:
        frame.attrs = {}
    raw = union_concat(frames)
    raw.attrs = {"formats": formats}
    return raw


def assign_assay_ids(raw: pd.DataFrame) -> pd.Series:
    """The reader's own key (wide matrices: the column header); else the OlinkID; else
    panel + UniProt (or assay name), which is unique per panel."""
    uni = raw["uniprot"].map(uniprot_key, na_action="ignore").astype("string")
    fallback = (
        raw["panel"].fillna("NA").str.replace(r"\s+", "_", regex=True)
        + ":"
        + uni.fillna(raw["assay"].fillna("NA"))
    )
    own = raw["assay_id"] if "assay_id" in raw.columns else pd.Series(pd.NA, index=raw.index)
    return own.fillna(raw["olink_id"]).fillna(fallback).astype("string")


#: columns that describe an assay; every per-assay rule runs once per distinct combination
ASSAY_COLUMNS = ["assay_id", "olink_id", "uniprot", "assay", "panel", "gene_symbol"]


def harmonise_assays(raw: pd.DataFrame, symbol_table: pd.Series) -> pd.DataFrame | None:
    """Panel code, ``assay_id``, UniProt key and gene symbol, computed on the distinct
    assay descriptions (a few thousand) rather than on every row, then expanded into
    ``raw`` in place (replacing a column frees the old one at once).

    Returns the description of each assay (indexed by ``assay_id``) when every assay_id
    has one description, as in any Olink export, else None: the final sort then
    rebuilds these columns per assay instead of moving them row by row.
    """
    ids, assays = unique_rows(raw, ASSAY_COLUMNS)
    given = assays.copy()
    # one panel code whatever the layout wrote ('Olink Target 96 Inflammation', 'INF', 'In')
    assays["panel"] = assays["panel"].map(panel_code, na_action="ignore").astype("string")
    assays["assay_id"] = assign_assay_ids(assays)
    assays["uniprot"] = assays["uniprot"].map(uniprot_key, na_action="ignore").astype("string")
    assays["uniprot"] = fill_uniprot_from_symbols(assays, symbol_table)
    given_symbol = assays["gene_symbol"].astype("string")
    assays["gene_symbol"] = given_symbol.fillna(map_gene_symbols(assays["uniprot"], symbol_table))
    for column in ("panel", "assay_id", "uniprot", "gene_symbol"):
        # a column the rules left as given (a UniProt already a key, an Explore panel
        # name) stays as it is, and an assay_id equal to the OlinkID shares its codes:
        # each expansion is a pass over every row
        same = [c for c in (column, "olink_id") if assays[column].equals(given[c])]
        if same:
            raw[column] = raw[same[0]]
        else:
            raw[column] = expand(assays[column], ids, index=raw.index)
    if assays["assay_id"].duplicated().any():
        return None
    return assays.set_index("assay_id", drop=False)


def below_lod(npx: pd.Series, lod: pd.Series) -> pd.Series:
    """NPX < LOD, row by row; missing where either is missing."""
    values, limits = npx.to_numpy(), lod.to_numpy()
    mask = np.isnan(values) | np.isnan(limits)
    return pd.Series(pd.arrays.BooleanArray(values < limits, mask), index=npx.index)


def sorted_long(
    study: pd.DataFrame, *, trim: bool = True, per_assay: pd.DataFrame | None = None
) -> pd.DataFrame:
    """LONG_COLUMNS, rows ordered by assay then sample, index reset. Empties ``study``.

    Every (assay, sample) pair occurs once (check_duplicates), so the order comes from a
    counting sort on the pair codes (linear; sorting 150 million rows takes minutes).
    Moving a column row by row is a random-access copy costing seconds at biobank scale,
    so columns are rebuilt without one where possible: the assay and sample codes from
    the sort keys, an assay's description (``per_assay``, one row per assay_id) from its
    assay, and a constant column as a constant. Columns are moved one at a time, each
    freed once copied. ``trim`` removes categories left without rows by row filters.
    """
    for column in [c for c in study.columns if c not in LONG_COLUMNS]:
        del study[column]
    assay, assays = sorted_codes(study["assay_id"])
    sample, samples = sorted_codes(study["sample_id"])
    plan = None
    if not pairs_in_order(assay, sample, len(samples)):
        del study["assay_id"], study["sample_id"]
        slot = fill_slots(assay, sample, len(samples))
        # a lexsort's order (sparse keys) takes the sorted codes from the old ones
        codes = (assay[slot], sample[slot]) if slot.dtype != np.int32 else None
        del assay, sample  # the old codes go before the new ones are made
        plan = SortPlan(slot, len(study), len(samples), codes=codes)
        del slot, codes
    columns = {}
    for column in LONG_COLUMNS:
        if plan is None:
            values = study.pop(column)
        elif column in ("assay_id", "sample_id"):
            values = from_codes(
                plan.assay_codes() if column == "assay_id" else plan.sample_codes(),
                assays if column == "assay_id" else samples,
            )
        else:
            values = plan.reorder(study.pop(column), per_assay=per_assay, assays=assays)
        if trim and isinstance(values.dtype, pd.CategoricalDtype):
            values = categorical(values)
        columns[column] = values.reset_index(drop=True)
        del values
    return pd.DataFrame(columns, copy=False)


def fill_slots(first: np.ndarray, second: np.ndarray, n_second: int) -> np.ndarray:
    """``slot[key] = row`` over the key space first * n_second + second (-1 where no row);
    read in key order, the filled slots are the sorted rows. Pairs must be unique and
    codes non-negative. A key space much larger than the rows falls back to a lexsort
    (returned as the order itself, with no -1)."""
    n = len(first)
    span = (int(first.max()) + 1 if n else 0) * n_second
    if span > max(4 * n, CHUNK) or span >= np.iinfo(np.int32).max:
        return np.lexsort((second, first))
    slot = np.full(span, -1, dtype=np.int32)
    for start in range(0, n, CHUNK):
        stop = min(start + CHUNK, n)
        key = first[start:stop].astype(np.int64) * n_second + second[start:stop]
        slot[key] = np.arange(start, stop, dtype=np.int32)
    return slot


class SortPlan:
    """The row order of a counting sort, and the sorted assay and sample codes.

    With every assay measured in every sample (a complete grid, as in an Olink study)
    the slots are the order itself and the sorted codes are a repeat and a tile; else
    the filled slots are compacted in their own memory and the codes follow from the
    keys.
    """

    def __init__(self, slot: np.ndarray, n_rows: int, n_samples: int, *, codes=None):
        self.n_samples = n_samples
        self._codes = codes
        if codes is not None or len(slot) == n_rows:
            self.order = slot  # a lexsort's order, or the slots of a complete grid
            return
        n_assays = len(slot) // n_samples
        first = np.empty(n_rows, dtype=code_dtype(n_assays))
        second = np.empty(n_rows, dtype=code_dtype(n_samples))
        position = 0
        for start in range(0, len(slot), CHUNK):
            hits = np.flatnonzero(slot[start : start + CHUNK] >= 0)
            stop = position + len(hits)
            # writes never overtake reads (position <= start): the slot compacts in place
            slot[position:stop] = slot[start + hits]
            first[position:stop], second[position:stop] = np.divmod(hits + start, n_samples)
            position = stop
        self.order = slot[:n_rows]
        self._codes = (first, second)

    def assay_codes(self) -> np.ndarray:
        if self._codes is not None:
            return self._codes[0]
        n_assays = len(self.order) // self.n_samples
        return np.repeat(np.arange(n_assays, dtype=code_dtype(n_assays)), self.n_samples)

    def sample_codes(self) -> np.ndarray:
        if self._codes is not None:
            return self._codes[1]
        n_assays = len(self.order) // self.n_samples
        return np.tile(np.arange(self.n_samples, dtype=code_dtype(self.n_samples)), n_assays)

    def per_assay(self, table: np.ndarray) -> np.ndarray:
        """Row values from one value per assay code."""
        if self._codes is None:
            return np.repeat(table[: len(self.order) // self.n_samples], self.n_samples)
        return _gather_array(table, self._codes[0])

    def reorder(self, values: pd.Series, *, per_assay, assays: pd.Index) -> pd.Series:
        """One column in sorted order, rebuilt or gathered."""
        name, n = values.name, len(self.order)
        if isinstance(values.dtype, pd.CategoricalDtype):
            categories = values.cat.categories
            codes = None
            if per_assay is not None and name in per_assay.columns:
                given = per_assay[name].reindex(assays)
                table = categories.get_indexer(given.astype(object).where(given.notna(), None))
                if not ((table < 0) & given.notna().to_numpy()).any():
                    codes = self.per_assay(table.astype(code_dtype(len(categories))))
            if codes is None:
                codes = _constant(values.array.codes, n)
            if codes is None:
                codes = _gather_array(values.array.codes, self.order)
            return from_codes(codes, categories, name=name)
        if values.dtype == bool:
            flags = values.to_numpy()
            same = _constant(flags.view(np.int8), n)
            out = same.view(bool) if same is not None else _gather_array(flags, self.order)
            return pd.Series(out, name=name, copy=False)
        if isinstance(values.dtype, pd.BooleanDtype):
            array = values.array
            mask = _constant(array._mask.view(np.int8), n)
            mask = mask.view(bool) if mask is not None else _gather_array(array._mask, self.order)
            data = _gather_array(array._data, self.order)
            return pd.Series(pd.arrays.BooleanArray(data, mask), name=name, copy=False)
        array = values.to_numpy()
        if array.dtype.kind == "f" and (array.strides == (0,) or _all_nan(array)):
            # an absent column: all-NaN, held as one value (see finalise_vendor_frame)
            return pd.Series(np.broadcast_to(array.dtype.type(np.nan), (n,)), name=name,
                             copy=False)  # fmt: skip
        return pd.Series(_gather_array(array, self.order), name=name, copy=False)


def _constant(codes: np.ndarray, n: int) -> np.ndarray | None:
    """A full array of the single value of ``codes``, or None if it has several."""
    if len(codes) and codes.min() == codes.max():
        return np.full(n, codes[0], dtype=codes.dtype)
    return None


def _all_nan(array: np.ndarray) -> bool:
    return all(np.isnan(array[i : i + CHUNK]).all() for i in range(0, len(array), CHUNK))


def _gather_array(array: np.ndarray, order: np.ndarray) -> np.ndarray:
    """``array[order]`` in chunks (numpy would first copy a 32-bit ``order`` to 64 bits),
    on two threads: a random-access gather waits on memory, which a second core
    overlaps."""
    from concurrent.futures import ThreadPoolExecutor

    out = np.empty(len(order), dtype=array.dtype)

    def part(start: int) -> None:
        # mode="clip": the order is valid, and "raise" would copy through a buffer
        np.take(array, order[start : start + CHUNK], out=out[start : start + CHUNK], mode="clip")

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(part, range(0, len(order), CHUNK)))
    return out


def flag_text(values: pd.Series, *, true_words: tuple[str, ...]) -> pd.Series:
    """Vendor flag text -> boolean (missing text means no flag)."""
    flags = category_flags(
        values, lambda text: text.astype("string").str.strip().str.upper().isin(true_words)
    )
    return pd.Series(flags, index=values.index, copy=False)


def split_controls(
    raw: pd.DataFrame, pattern: str | None, *, sheet_ids: pd.Index, sheet_path
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (study rows, control-sample table). Empties ``raw`` if it has controls.

    A sample is a control when the vendor's SampleType says so, or when its ID matches
    ``pattern``, unless the sample sheet lists it: a name can look like a control's
    ('Control_12' in a study of controls), and the user's sheet decides.
    """
    by_type = category_flags(
        raw["sample_type"], lambda kind: kind.str.upper().isin(CONTROL_SAMPLE_TYPES)
    )
    typed_in_sheet = distinct(raw["sample_id"], by_type).intersection(sheet_ids)
    if len(typed_in_sheet):
        raise InputError(
            sheet_path,
            f"{len(typed_in_sheet)} sample(s) listed in the sheet are control samples in the "
            f"NPX data (SampleType): {rows_preview(sorted(typed_in_sheet))}",
            expected="only study samples in the sample sheet",
            fix="remove them from the sheet (Olink plate, negative and sample controls are "
            "not study samples)",
        )
    by_name = np.zeros(len(raw), dtype=bool)
    if pattern:
        regex = compile_control_pattern(pattern)
        by_name = category_flags(
            raw["sample_id"],
            lambda ids: ids.map(lambda i: bool(regex.search(i)) and i not in sheet_ids),
        )
    is_control = by_type | by_name
    if not is_control.any():
        empty = raw.iloc[:0][["sample_id", "sample_type", "plate"]]
        return raw, as_strings(empty).assign(reason=pd.Series(dtype="str"))
    reason = np.where(
        by_type[is_control], "vendor SampleType", "name matches control_sample_pattern"
    )
    controls = (
        as_strings(raw.loc[is_control, ["sample_id", "sample_type", "plate"]])
        .assign(reason=reason)
        .drop_duplicates("sample_id")
        .sort_values("sample_id")
        .reset_index(drop=True)
    )
    return filter_rows(raw, ~is_control), controls


def check_duplicates(raw: pd.DataFrame) -> None:
    """A sample may be measured on one assay once; twice is an export or merge mistake."""
    key = ["sample_id", "assay_id"]
    if not has_repeated_pairs(raw["sample_id"], raw["assay_id"]):
        return
    dup = raw.duplicated(key, keep=False)
    rows = raw.loc[dup, key + ["plate", "source_file"]].head(4)
    example = "; ".join(
        f"{r.sample_id} x {r.assay_id} (plate {r.plate}, {Path(str(r.source_file)).name})"
        for r in rows.itertuples()
    )
    first = rows.iloc[0]
    raise InputError(
        ", ".join(sorted(raw.loc[dup, "source_file"].astype(str).unique())),
        f"{int(dup.sum())} rows measure the same sample on the same assay more than once, "
        f"e.g. {example}",
        where=f"sample {first['sample_id']}, assay {first['assay_id']}",
        expected="one NPX value per sample and assay",
        fix="remove re-runs or duplicated files from 'inputs: npx', or rename repeated "
        "samples (e.g. add a suffix) and list them in the sample sheet",
    )


def has_repeated_pairs(first: pd.Series, second: pd.Series) -> bool:
    """Whether any (first, second) pair occurs twice, in linear time: a presence table over
    the pair codes when that table is small (samples x assays is, for Olink data), else
    pandas' hashing."""
    codes = [codes_and_categories(v) for v in (first, second)]
    (a, cats_a), (b, cats_b) = codes
    span = (len(cats_a) + 1) * (len(cats_b) + 1)
    if span > max(4 * len(a), CHUNK):
        return bool(pd.DataFrame({"a": first, "b": second}).duplicated().any())
    present = np.zeros(span, dtype=bool)
    for start in range(0, len(a), CHUNK):
        stop = start + CHUNK
        present[(a[start:stop].astype(np.int64) + 1) * (len(cats_b) + 1) + b[start:stop] + 1] = 1
    return int(np.count_nonzero(present)) < len(a)


def check_groups(
    samples: pd.DataFrame,
    *,
    group_column: str,
    control_group: str,
    sheet_path,
    groups=None,
    sheet: pd.DataFrame | None = None,
    sheet_group_column: str | None = None,
) -> None:
    import difflib

    counts = samples[group_column].value_counts()
    labels = [str(g) for g in counts.index]

    def hint(name: str, among: list[str]) -> str:
        close = difflib.get_close_matches(str(name), among, n=1, cutoff=0.5)
        return f"; did you mean {close[0]!r}?" if close else ""

    if control_group not in counts.index:
        raise InputError(
            "config",
            f"control group {control_group!r} is not a group in the sample sheet "
            f"(groups with data: {', '.join(labels)}){hint(control_group, labels)}",
            where="samples: control_group",
            expected="a group of the sample sheet's column " + repr(group_column),
            fix="set 'samples: control_group' to one of those groups",
        )
    for group in groups or ():
        if group not in counts.index:
            raise InputError(
                "config",
                f"group {group!r} listed in 'samples: groups' has no samples with data"
                + hint(group, labels),
                where="samples: groups",
                expected="groups that have samples with NPX data",
                fix=f"use groups from {sheet_path} column {group_column!r}: " + ", ".join(labels),
            )
    small = counts[counts < 2]
    if len(small):
        others = [g for g in labels if g not in set(map(str, small.index))]
        first = str(small.index[0])
        where = f"column {sheet_group_column or group_column!r}"
        if sheet is not None:
            ids = samples.loc[samples[group_column].isin(small.index), "sample_id"]
            rows = sorted(int(sheet.index.get_loc(i)) + 2 for i in ids)
            where += f", row(s) {rows_preview(rows)}"
        raise InputError(
            sheet_path,
            "group(s) with fewer than 2 samples: "
            + ", ".join(f"{g} ({n})" for g, n in small.items())
            + hint(first, others),
            where=where,
            expected="at least 2 samples per group, so that a variance can be estimated",
            fix="merge or remove those groups (or check the group spelling)",
        )


def join_sample_sheet(
    study: pd.DataFrame,
    sheet: pd.DataFrame,
    *,
    sheet_path,
    id_column: str,
    allow_unmatched: bool,
    notes: list[str],
) -> pd.DataFrame:
    data_ids = distinct(study["sample_id"])
    in_data_only = data_ids.difference(sheet.index)
    in_sheet_only = sheet.index.difference(data_ids)
    if len(in_data_only) and not allow_unmatched:
        raise InputError(
            sheet_path,
            f"{len(in_data_only)} sample(s) in the NPX data are not in the sample sheet: "
            f"{rows_preview(sorted(in_data_only))}",
            where=f"column {id_column!r}",
            expected="every study sample of the NPX files listed in the sheet",
            fix="add them to the sheet, mark them as controls with "
            "'samples: control_sample_pattern', or set 'samples: allow_unmatched: true' to "
            "drop them",
        )
    if len(in_sheet_only) and not allow_unmatched:
        raise InputError(
            sheet_path,
            f"{len(in_sheet_only)} sample(s) in the sheet have no NPX data: "
            f"{rows_preview(sorted(in_sheet_only))}",
            where=f"column {id_column!r}",
            expected="every sample of the sheet present in the NPX files (IDs compared after "
            "removing surrounding spaces)",
            fix="check the ID spelling, add the missing NPX file, or set "
            "'samples: allow_unmatched: true' to drop them",
        )
    if len(in_data_only):
        notes.append(f"dropped {len(in_data_only)} data sample(s) missing from the sheet")
    if len(in_sheet_only):
        notes.append(f"dropped {len(in_sheet_only)} sheet sample(s) without NPX data")
    if not len(in_data_only):
        return study
    keep = data_ids.intersection(sheet.index)
    return filter_rows(study, study["sample_id"].isin(keep).to_numpy())


def build_sample_table(
    study: pd.DataFrame,
    sheet: pd.DataFrame,
    *,
    id_column: str,
    group_column: str,
    covariates: list[str],
    plate_column: str | None,
) -> pd.DataFrame:
    codes, ids = sorted_codes(study["sample_id"])
    plate_codes, plates = sorted_codes(study["plate"])
    _, pairs = combination_ids([codes, plate_codes], row_ids=False)
    pairs = pairs[pairs[:, 1] >= 0]
    plate_names = np.asarray(plates, dtype=object)
    # pairs are sorted by sample, then plate: one slice per sample, plates in order
    starts = np.searchsorted(pairs[:, 0], np.arange(len(ids) + 1))
    joined = [";".join(plate_names[pairs[starts[i] : starts[i + 1], 1]]) for i in range(len(ids))]
    # check_duplicates has run: one row per sample and assay, so rows count assays
    n_assays = count_codes(codes, len(ids))
    warned = count_codes(codes, len(ids), study["qc_warning"].to_numpy())
    has_rows = n_assays > 0  # a row filter may have left sample IDs without rows
    ids, joined = ids[has_rows], np.asarray(joined, dtype=object)[has_rows]
    n_assays, warned = n_assays[has_rows], warned[has_rows]
    index = pd.Index(ids, dtype="string", name="sample_id")
    table = pd.DataFrame(index=index)
    table["sample_id"] = index
    table["group"] = sheet.loc[index, group_column].to_numpy()
    for covariate in covariates:
        table[covariate] = sheet.loc[index, covariate].to_numpy()
    if plate_column:
        table["plate"] = sheet.loc[index, plate_column].astype("string").to_numpy()
    else:
        table["plate"] = pd.Series(joined, index=index).astype("string").replace("", pd.NA)
    table["n_assays"] = n_assays
    table["qc_warning_any"] = warned > 0
    return table.reset_index(drop=True)


def ingest(
    npx_paths: list[str | Path],
    sample_sheet: str | Path,
    symbol_table: pd.Series,
    *,
    fmt: str = "auto",
    id_column: str = "sample_id",
    group_column: str = "group",
    control_group: str,
    groups: list[str] | None = None,
    covariates: list[str] = (),
    plate_column: str | None = None,
    sheet_name: str | None = None,
    subset: dict | None = None,
    control_sample_pattern: str | None = DEFAULT_CONTROL_PATTERN,
    allow_unmatched: bool = False,
    protein_annotation: str | Path | None = None,
    bridge: BridgeRun | None = None,
) -> IngestResult:
    """Read, harmonise and check the inputs. Raises InputError on anything a user must fix.

    ``protein_annotation`` (wide matrices only) maps matrix columns to UniProt, gene
    symbol, panel and LOD; see :mod:`proteosig.io.wide`. ``bridge`` adds a second run,
    bridge-normalised to the first before anything else (see :class:`BridgeRun`).
    """
    notes: list[str] = []
    if control_sample_pattern:
        compile_control_pattern(control_sample_pattern)
    sheet = read_sample_sheet(
        sample_sheet,
        id_column=id_column,
        group_column=group_column,
        covariates=list(covariates),
        plate_column=plate_column,
        sheet=sheet_name,
        subset=subset,
    )
    if sheet.attrs.get("repeated_rows"):
        notes.append(
            f"the sample sheet repeats {sheet.attrs['repeated_rows']} row(s) verbatim; "
            "each was kept once"
        )
    if subset:
        notes.append(
            f"samples: subset kept sheet rows with {subset}; dropped "
            f"{sheet.attrs['subset_dropped']} other row(s)"
        )
    check_group_spelling(
        sheet,
        group_column=group_column,
        configured=[control_group, *(groups or [])],
        sheet_path=sample_sheet,
    )
    annotation = read_protein_annotation(protein_annotation) if protein_annotation else None
    raw = read_npx_files(list(npx_paths), fmt=fmt, annotation=annotation, notes=notes)
    formats = raw.attrs["formats"]
    new = None
    if bridge is not None:
        twice = sorted({str(Path(f).resolve()) for f in npx_paths}
                       & {str(Path(f).resolve()) for f in bridge.npx_paths})  # fmt: skip
        if twice:
            raise InputError(
                "config",
                "the same file is in both runs: " + rows_preview(twice),
                where="inputs: npx / bridge: npx",
                expected="the first run's files under 'inputs: npx', the second run's under "
                "'bridge: npx'",
                fix="list each file once, under the run it belongs to",
            )
        new = read_npx_files(list(bridge.npx_paths), fmt=fmt, annotation=annotation, notes=notes)
        formats = {**formats, **new.attrs["formats"]}
    if annotation is not None and "wide" not in formats.values():
        raise InputError(
            "config",
            "'inputs: protein_annotation' is set but none of the NPX files is a wide matrix "
            f"(read as: {', '.join(sorted(set(formats.values())))})",
            where="inputs: protein_annotation",
            expected="a protein annotation only together with wide (samples x proteins) files",
            fix="remove 'protein_annotation' (Olink files name their proteins), or set "
            "'inputs: format: wide' if the files are matrices",
        )
    wide_files = [f for f, kind in formats.items() if kind == "wide"]
    if wide_files:
        for run in (raw, new) if new is not None else (raw,):
            check_wide_columns(run, sheet, wide_files)
    per_assay = harmonise_assays(raw, symbol_table)
    n_rows = len(raw) + (0 if new is None else len(new))
    bridged, run_controls = None, []
    if new is not None:
        new_assays = harmonise_assays(new, symbol_table)
        renamed = separate_plates(raw, new, bridge.labels[1])
        split = dict(sheet_ids=sheet.index, sheet_path=sample_sheet)
        raw, reference_controls = split_controls(raw, control_sample_pattern, **split)
        new, new_controls = split_controls(new, control_sample_pattern, **split)
        run_controls = [reference_controls, new_controls]
        raw, bridged = bridge_runs(
            raw, new, bridge, reference_files=list(npx_paths), renamed_plates=renamed,
            notes=notes,
        )  # fmt: skip
        del new
        per_assay = merge_assay_descriptions(per_assay, new_assays, raw["assay_id"])
    # only the file names are needed after the split, which consumes the full frame
    sources = raw.iloc[first_rows(raw["source_file"])][["source_file"]]
    study, controls = split_controls(
        raw, control_sample_pattern, sheet_ids=sheet.index, sheet_path=sample_sheet
    )
    del raw
    if run_controls:  # both runs' control wells, each run's set aside before bridging
        controls = pd.concat([*run_controls, controls], ignore_index=True)
    if controls.shape[0]:
        notes.append(f"set aside {controls.shape[0]} control sample(s)")
    del study["sample_type"]  # only the split needs it
    check_duplicates(study)
    check_file_overlap(sources, study, sheet, sheet_path=sample_sheet, id_column=id_column)
    study = join_sample_sheet(
        study,
        sheet,
        sheet_path=sample_sheet,
        id_column=id_column,
        allow_unmatched=allow_unmatched,
        notes=notes,
    )
    if groups:
        group_of = sheet.loc[distinct(study["sample_id"]), group_column]
        outside = ~group_of.isin(groups)
        if outside.any():
            left_out = ", ".join(sorted(group_of[outside].astype(str).unique()))
            notes.append(
                f"left out {int(outside.sum())} sample(s) of group(s) {left_out}, not listed in "
                "'samples: groups'"
            )
            keep = outside.index[~outside.to_numpy()]
            study = filter_rows(study, study["sample_id"].isin(keep).to_numpy())
    check_panel_overlap(study)
    study["qc_warning"] = flag_text(study["qc_warning"], true_words=("WARN", "WARNING", "FAIL"))
    study["assay_warning"] = flag_text(study["assay_warning"], true_words=("WARN", "WARNING"))
    study["below_lod"] = below_lod(study["npx"], study["lod"])
    samples = build_sample_table(
        study,
        sheet,
        id_column=id_column,
        group_column=group_column,
        covariates=list(covariates),
        plate_column=plate_column,
    )
    if plate_column:
        plate_of = dict(zip(samples["sample_id"], samples["plate"], strict=True))
        study["plate"] = map_categories(study["sample_id"], plate_of.get)
    check_groups(
        samples,
        group_column="group",
        control_group=control_group,
        sheet_path=sample_sheet,
        groups=groups,
        sheet=sheet,
        sheet_group_column=group_column,
    )
    check_covariates(samples, list(covariates), sheet=sheet, sheet_path=sample_sheet)
    check_all_missing(study)
    check_scale(study, formats)
    check_empty_assays(study, notes)
    assays = as_strings(
        study.iloc[first_rows(study["assay_id"])][["assay_id", "uniprot", "assay", "panel",
                                                    "gene_symbol"]]
    )  # fmt: skip
    unmapped = assays.loc[
        assays["gene_symbol"].isna(), ["assay_id", "uniprot", "assay", "panel"]
    ].sort_values("assay_id")
    long = sorted_long(study, trim=len(study) < n_rows, per_assay=per_assay)
    del study
    return IngestResult(
        long=long,
        samples=samples,
        controls=controls,
        unmapped_assays=unmapped.reset_index(drop=True),
        notes=notes,
        bridge=bridged,
    )


def bridge_runs(
    reference: pd.DataFrame,
    new: pd.DataFrame,
    bridge: BridgeRun,
    *,
    reference_files: list,
    renamed_plates: dict[str, str],
    notes: list[str],
) -> tuple[pd.DataFrame, BridgeOutcome]:
    """Put ``new`` on ``reference``'s scale with its bridge samples; stack the runs.

    Both frames hold study samples only (``ingest`` sets the control samples aside first,
    by SampleType and by name, so that a control well is never taken for a bridge sample).
    Bridging's warnings (few bridge samples, assays left unbridged) become notes.
    """
    # imported here: proteosig.qc.bridge itself imports this module's control types
    from proteosig.qc.bridge import BridgeSettings, bridge_normalise

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        try:
            result = bridge_normalise(
                reference,
                new,
                bridge.samples,
                bridge.settings or BridgeSettings(),
                labels=bridge.labels,
            )
        except InputError as error:
            raise in_files(error, reference_files, bridge) from None
    notes.extend(f"bridge: {w.message}" for w in caught)
    only_first = sorted(set(distinct(reference["assay_id"])) - set(distinct(new["assay_id"])))
    if only_first:
        notes.append(
            f"bridge: {len(only_first)} assay(s) measured in {bridge.labels[0]} only have no "
            f"values for {bridge.labels[1]}'s samples: {rows_preview(only_first)}"
        )
    summary = result.diagnostics.summary
    notes.append(
        f"bridge: {bridge.labels[1]} put on the scale of {bridge.labels[0]} with "
        f"{summary.get('bridge_samples_used', '?')} bridge sample(s); "
        f"{int((result.adjustments['status'] == 'bridged').sum())} assay(s) adjusted"
    )
    # the adjustments are in the outcome; the long table keeps its own columns
    combined = result.combined.drop(columns=["run", "bridged", "bridge_adjustment"])
    outcome = BridgeOutcome(
        adjustments=result.adjustments,
        assays=result.diagnostics.assays,
        samples=result.diagnostics.samples,
        summary=summary,
        renamed_plates=renamed_plates,
    )
    return combined, outcome


def separate_plates(reference: pd.DataFrame, new: pd.DataFrame, label: str) -> dict[str, str]:
    """Put ``label`` in front of the new run's plate labels that the reference run also
    uses (exports number their plates from 1), so that QC sees them as other plates.
    Changes ``new`` in place; returns {old label: new label}."""
    if "plate" not in new.columns or "plate" not in reference.columns:
        return {}
    used = set(distinct(reference["plate"]).dropna().astype(str))
    plates = distinct(new["plate"]).dropna().astype(str)
    renamed = {str(p): f"{label}: {p}" for p in plates if str(p) in used}
    if renamed:
        new["plate"] = map_categories(new["plate"], lambda p: renamed.get(p, p))
    return renamed


def in_files(error: InputError, reference_files: list, bridge: BridgeRun) -> InputError:
    """The bridging error with the files of the run(s) it names as its source (the bridge
    module knows the runs only by their labels)."""
    first, second = bridge.labels
    runs = {first: list(reference_files), second: list(bridge.npx_paths)}
    if error.source in runs:
        files, label = runs[error.source], error.source
    elif error.source == f"{first} and {second}":
        files, label = runs[first] + runs[second], error.source
    else:
        return error
    return InputError(
        ", ".join(map(str, files)),
        f"{label}: {error.problem}",
        where=error.where,
        expected=error.expected,
        fix=error.fix,
    )


def merge_assay_descriptions(
    first: pd.DataFrame | None, second: pd.DataFrame | None, assay_ids: pd.Series
) -> pd.DataFrame | None:
    """The per-assay descriptions of two runs as one (see ``harmonise_assays``), limited
    to the assays left after bridging; None when a run has none or the runs describe an
    assay differently (the final sort then rebuilds them row by row)."""
    if first is None or second is None:
        return None
    both = pd.concat([first, second]).drop_duplicates()
    if both.index.duplicated().any():
        return None
    return both.loc[both.index.isin(distinct(assay_ids).astype(str))]


def layout_metadata(long: pd.DataFrame) -> dict[str, str] | None:
    """Parquet metadata declaring the long table a complete grid sorted by assay then
    sample (every Olink study whose samples all ran every assay), or None. QC and its
    figures then place each value by its row number instead of decoding 150 million
    sample and assay IDs (see :func:`proteosig.io.tables.grid_layout`)."""
    sample_codes, samples = sorted_codes(long["sample_id"])
    assay_codes, assays = sorted_codes(long["assay_id"])
    if not is_grid(assay_codes, sample_codes, len(assays), len(samples)):
        return None
    return grid_metadata(samples, assays)


def compile_control_pattern(pattern: str) -> re.Pattern:
    try:
        return re.compile(pattern)
    except re.error as err:
        raise InputError(
            "config",
            f"'samples: control_sample_pattern' {pattern!r} is not a valid regular expression "
            f"({err})",
            where="samples: control_sample_pattern",
            expected="a Python regular expression, 'olink' (Olink's control names) or null",
            fix="correct the expression (escape literal brackets and dots: '\\(', '\\.')",
        ) from None


def _group_key(label: str) -> str:
    return re.sub(r"[^0-9a-z]", "", str(label).casefold())


def check_group_spelling(
    sheet: pd.DataFrame, *, group_column: str, configured: list[str], sheet_path
) -> None:
    """Group labels that differ only in case, spaces or punctuation are one group misspelt.

    'HC' and 'hc ' in one sheet would otherwise become two groups (or, with
    'samples: groups', the misspelt samples would be left out without a word).
    """
    labels = sheet[group_column].astype(str)
    counts = labels.value_counts()
    by_key: dict[str, list[str]] = {}
    for label in counts.index:
        by_key.setdefault(_group_key(label), []).append(label)
    for variants in by_key.values():
        if len(variants) > 1:
            main = next((v for v in configured if v in variants), None) or max(
                variants, key=lambda v: (counts[v], v)
            )
            odd = next(v for v in variants if v != main)
            rows = [int(sheet.index.get_loc(i)) + 2 for i in labels.index[labels == odd]]
            raise InputError(
                sheet_path,
                f"group {odd!r} ({int(counts[odd])} sample(s)) differs from group {main!r} only "
                "in case, spaces or punctuation: a misspelt group",
                where=f"column {group_column!r}, row(s) {rows_preview(rows)}",
                expected="one spelling per group",
                fix=f"write {main!r} in those rows (or rename the group consistently)",
            )
    present = set(counts.index)
    for wanted in dict.fromkeys(configured):
        if wanted in present:
            continue
        same = [v for v in counts.index if _group_key(v) == _group_key(wanted)]
        if same:
            rows = [int(sheet.index.get_loc(i)) + 2 for i in labels.index[labels == same[0]]]
            raise InputError(
                sheet_path,
                f"the sheet writes group {same[0]!r} where the config says {wanted!r}",
                where=f"column {group_column!r}, row(s) {rows_preview(rows)}",
                expected=f"the group names of 'samples: control_group' / 'groups' ({wanted!r})",
                fix=f"write {wanted!r} in the sheet, or use {same[0]!r} in the config",
            )


def check_wide_columns(raw: pd.DataFrame, sheet: pd.DataFrame, wide_files: list[str]) -> None:
    """A matrix column named like a sample-sheet column is sample information, not a protein."""
    sheet_columns = {str(c).strip().casefold(): str(c) for c in sheet.columns}
    rows = raw.loc[raw["source_file"].isin(wide_files), ["assay_id", "assay", "source_file"]]
    for row in rows.drop_duplicates("assay_id").itertuples(index=False):
        for name in (row.assay_id, row.assay):
            if pd.notna(name) and str(name).strip().casefold() in sheet_columns:
                raise InputError(
                    row.source_file,
                    f"matrix column {name!r} is also a sample-sheet column "
                    f"({sheet_columns[str(name).strip().casefold()]!r}): sample information, "
                    "not a protein",
                    where=f"header, column {name!r}",
                    expected="only protein columns after the sample ID column",
                    fix="delete the column from the matrix (the sample sheet already has it)",
                )


def check_file_overlap(
    raw: pd.DataFrame, study: pd.DataFrame, sheet: pd.DataFrame, *, sheet_path, id_column: str
) -> None:
    """Every NPX file must share samples with the sheet, even with allow_unmatched.

    A panel exported with differently written IDs ('S-01' vs 'S01') would otherwise fail
    with a long list of unmatched samples or, with 'allow_unmatched', vanish silently.
    ``raw`` needs only its ``source_file`` column.
    """
    for source in raw["source_file"].drop_duplicates():
        ids = distinct(study["sample_id"], (study["source_file"] == source).to_numpy())
        if ids.empty:
            raise InputError(
                source,
                "holds no study samples: every sample is a control sample",
                where="sample ID column",
                expected="study samples listed in the sample sheet",
                fix="remove the file from 'inputs: npx', or check 'samples: "
                "control_sample_pattern'",
            )
        if ids.intersection(sheet.index).empty:
            theirs = ", ".join(repr(i) for i in sorted(ids)[:3])
            ours = ", ".join(repr(i) for i in list(sheet.index)[:3])
            raise InputError(
                source,
                f"shares no sample ID with the sample sheet {Path(str(sheet_path)).name} "
                f"(this file: {theirs}, ...; sheet column {id_column!r}: {ours}, ...)",
                where="sample ID column",
                expected="the sample IDs of the sheet (compared after removing surrounding spaces)",
                fix="write the IDs the same way in both (prefixes, dashes, leading zeros), or "
                "remove the file from 'inputs: npx' if it belongs to another study",
            )


def check_panel_overlap(study: pd.DataFrame) -> None:
    """Two panels measured on disjoint samples cannot form one samples x proteins matrix."""
    panel_codes, panels = sorted_codes(study["panel"])
    sample_codes, samples = sorted_codes(study["sample_id"])
    _, pairs = combination_ids([panel_codes, sample_codes], row_ids=False)
    labels = [*panels, "(no panel)"]  # code -1 reads the last label
    present = np.zeros((len(labels), len(samples)), dtype=bool)
    present[pairs[:, 0], pairs[:, 1]] = True
    counts = present.sum(axis=1)
    names = sorted({labels[p] for p in np.unique(pairs[:, 0])})
    row = {label: i if i < len(labels) - 1 else -1 for i, label in enumerate(labels)}
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            a, b = row[first], row[second]
            if counts[a] and counts[b] and not (present[a] & present[b]).any():
                in_second = panel_codes == b
                files = sorted(
                    {Path(str(f)).name for f in distinct(study["source_file"], in_second)}
                )
                raise InputError(
                    ", ".join(distinct(study["source_file"], in_second | (panel_codes == a))
                              .astype(str)),
                    f"panels {first!r} ({counts[a]} samples) and {second!r} "
                    f"({counts[b]} samples, {', '.join(files)}) have no sample in "
                    "common",
                    where=f"panel {second!r}",
                    expected="panels measured on the same samples",
                    fix="check the sample IDs of that panel's file (written differently?) or "
                    "remove the file from 'inputs: npx'",
                )  # fmt: skip


def symbol_to_uniprot(symbols: pd.Series) -> pd.Series:
    """Gene symbol -> UniProt key, for symbols that name exactly one key."""
    table = symbols.dropna().astype(str)
    counts = table.value_counts()
    unique = table[table.map(counts) == 1]
    return pd.Series(unique.index.astype(str), index=unique.to_numpy())


def fill_uniprot_from_symbols(study: pd.DataFrame, symbols: pd.Series) -> pd.Series:
    """UniProt from a gene symbol (given, or the assay name) where none was given."""
    uniprot = study["uniprot"].astype("string")
    if not uniprot.isna().any():
        return uniprot
    reverse = symbol_to_uniprot(symbols)
    candidate = study["gene_symbol"].astype("string").fillna(study["assay"].astype("string"))
    found = candidate.map(reverse).astype("string")
    return uniprot.fillna(found)


def check_scale(study: pd.DataFrame, formats: dict[str, str]) -> None:
    """All values must be on one log scale: NPX is log2, linear values are a unit mix-up."""
    npx = study["npx"].to_numpy()
    finite = np.isfinite(npx)
    if not finite.any():
        return
    source_codes, sources = sorted_codes(study["source_file"])
    panel_codes, panels = sorted_codes(study["panel"])
    block_of, combos = combination_ids([source_codes, panel_codes])
    source_names = [*sources, None]
    panel_names = [*panels, "(no panel)"]
    medians = {}
    for b, (s, p) in enumerate(combos):
        mask = block_of == b
        mask &= finite
        if mask.any():
            medians[(source_names[s], panel_names[p])] = exact_median(npx[mask])
    blocks = pd.Series(medians).sort_index()

    def block(source, panel) -> str:
        name = Path(str(source)).name
        return name if panel == "(no panel)" else f"panel {panel!r} of {name}"

    for (source, panel), median in blocks.items():
        if formats.get(str(source), "olink_long") != "wide" and median > MAX_NPX_MEDIAN:
            raise InputError(
                source,
                f"the NPX values of panel {panel!r} have median {median:.4g}, impossible for "
                "NPX (a log2 scale, typically 0-15): they look like linear values "
                "(concentrations or 2^NPX)",
                where=f"panel {panel!r}, NPX column",
                expected="NPX values (log2)",
                fix="export NPX, not concentrations; or log2-transform the values and give "
                "them as a wide matrix ('inputs: format: wide')",
            )
    low = blocks[blocks < LOG_SCALE_MAX]
    high = blocks[blocks > LINEAR_SCALE_MIN]
    if len(low) and len(high):
        (src_hi, panel_hi), med_hi = next(iter(high.items()))
        (src_lo, panel_lo), med_lo = next(iter(low.items()))
        raise InputError(
            src_hi,
            f"mixed units: the values of {block(src_hi, panel_hi)} have median {med_hi:.4g}, "
            f"those of {block(src_lo, panel_lo)} median {med_lo:.4g}: one is on a linear "
            "scale, the other on a log scale",
            where=block(src_hi, panel_hi),
            expected="every file on the same log2 (NPX-like) scale",
            fix="log2-transform the linear file (or export NPX) so that all inputs share one scale",
        )


def exact_median(values: np.ndarray) -> float:
    """``np.median`` of the values as float64, without a float64 copy of float32 input
    (the order statistics are the same; the middle pair is averaged in float64)."""
    n = len(values)
    middle = np.partition(values, [(n - 1) // 2, n // 2])
    return (float(middle[(n - 1) // 2]) + float(middle[n // 2])) / 2


def check_empty_assays(study: pd.DataFrame, notes: list[str]) -> None:
    """An assay with no value in any study sample is an export problem, unless the vendor
    flagged it (then QC drops it and the note says why)."""
    codes, assays = sorted_codes(study["assay_id"])
    npx = study["npx"].to_numpy()
    # no code is -1: every row has an assay_id
    present = np.zeros(len(assays), dtype=bool)
    measured = np.zeros(len(assays), dtype=bool)
    for start in range(0, len(codes), CHUNK):
        part = codes[start : start + CHUNK]
        present[part] = True
        measured[part[~np.isnan(npx[start : start + CHUNK])]] = True
    empty = assays[present & ~measured]
    if empty.empty:
        return
    rows = study.loc[study["assay_id"].isin(empty)]
    flagged = rows.groupby("assay_id", sort=True, observed=True)["assay_warning"].all()
    silent = flagged.index[~flagged.to_numpy()]
    if len(flagged) - len(silent):
        notes.append(
            f"{len(flagged) - len(silent)} assay(s) without any NPX value carry a vendor assay "
            "warning; QC drops them"
        )
    if len(silent):
        first = rows.loc[rows["assay_id"].isin(silent)].drop_duplicates("assay_id")
        labels = [
            f"{r.assay} ({r.assay_id})" if r.assay != r.assay_id else str(r.assay)
            for r in first.itertuples(index=False)
        ]
        raise InputError(
            ", ".join(sorted(first["source_file"].astype(str).unique())),
            f"{len(silent)} assay(s) have no value in any study sample: {rows_preview(labels)}",
            where=f"assay {labels[0]}",
            expected="at least one measured value per assay",
            fix="delete those assays (columns of a matrix) or check that the right data were "
            "exported",
        )


def check_covariates(samples: pd.DataFrame, covariates: list[str], *, sheet, sheet_path) -> None:
    """Every analysed sample needs every covariate: the model cannot use it otherwise."""
    for covariate in covariates:
        blank = samples[covariate].isna() | (samples[covariate].astype("string").str.strip() == "")
        if blank.any():
            ids = samples.loc[blank, "sample_id"].tolist()
            rows = [int(sheet.index.get_loc(i)) + 2 for i in ids]
            raise InputError(
                sheet_path,
                f"covariate {covariate!r} is missing for {len(ids)} sample(s): {rows_preview(ids)}",
                where=f"column {covariate!r}, row(s) {rows_preview(rows)}",
                expected="a value for every analysed sample",
                fix="fill in the values, remove those samples from the sheet, or drop the "
                "covariate from 'samples: covariates'",
            )


def check_all_missing(study: pd.DataFrame) -> None:
    if study["npx"].isna().all():
        raise InputError(
            ", ".join(distinct(study["source_file"]).astype(str)),
            "every NPX value is missing",
            expected="numeric NPX values",
            fix="check that the right column/sheet was exported",
        )


def resolve_control_pattern(value: str | None) -> str | None:
    """Config value -> regex: 'olink' is the built-in list of Olink control names."""
    if value == "olink":
        return DEFAULT_CONTROL_PATTERN
    return value or None
