"""Repeated text held as pandas categoricals, and work done once per distinct value.

An Olink long table repeats every sample ID once per assay and every assay name once
per sample: at biobank scale (50,000 samples x 2,943 assays, 147 million rows) one text
column costs gigabytes and one Python call per row takes minutes. Ingest and QC
therefore keep every text column as a categorical, run per-value functions on its
categories (a few thousand), and expand the answer with the integer codes. Every step
here is one or two linear passes over the codes; none sorts or hashes the rows.

Invariant: categories are *sorted*, so that ordering or grouping by the codes gives the
order that ordering the text would. A row filter may leave categories without rows;
functions that care count the codes (``distinct``, ``used``), and :func:`categorical`
removes them before a table is written.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

#: rows per step wherever a full-length temporary (64-bit keys, masks) would cost memory
CHUNK = 1 << 22
#: largest key space searched with a presence table (5 bytes per possible key)
MAX_SPAN = 1 << 25


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def code_dtype(n_categories: int) -> np.dtype:
    """The smallest signed integer holding codes 0..n-1 and -1 (pandas' own choice)."""
    for dtype in (np.int8, np.int16, np.int32):
        if n_categories < np.iinfo(dtype).max:
            return np.dtype(dtype)
    return np.dtype(np.int64)


def text_index(values: Sequence) -> pd.Index:
    """Categories as pandas' text dtype when they are all text (else as they come)."""
    if all(isinstance(v, str) for v in values):
        return pd.Index(list(values), dtype="str")
    return pd.Index(list(values))


def from_codes(codes: np.ndarray, categories: pd.Index, *, index=None, name=None) -> pd.Series:
    """Series from codes known to be valid (no validation pass over the rows)."""
    values = pd.Categorical.from_codes(
        codes.astype(code_dtype(len(categories)), copy=False), categories=categories,
        validate=False,
    )  # fmt: skip
    return pd.Series(values, index=index, name=name, copy=False)


def codes_and_categories(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (-1 for missing) and the values they stand for, in any order."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.array.codes, values.cat.categories
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes, pd.Index(uniques)


def sorted_codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes and categories with the categories sorted (possibly some without rows)."""
    if isinstance(values.dtype, pd.CategoricalDtype) and (
        values.cat.categories.is_monotonic_increasing
    ):
        return values.array.codes, values.cat.categories
    normal = categorical(values)
    return normal.array.codes, normal.cat.categories


def used(codes: np.ndarray, n_categories: int, mask: np.ndarray | None = None) -> np.ndarray:
    """Which of ``n_categories`` codes occur (in the rows of ``mask``)."""
    present = np.zeros(n_categories + 1, dtype=bool)  # the extra slot takes code -1
    for start in range(0, len(codes), CHUNK):
        part = codes[start : start + CHUNK]
        if mask is not None:
            part = part[mask[start : start + CHUNK]]
        present[part] = True
    return present[:-1]


def count_codes(codes: np.ndarray, n_categories: int, mask: np.ndarray | None = None):
    """Rows per code (of the rows in ``mask``), in chunks: ``np.bincount`` would first
    copy the codes to 64 bits."""
    counts = np.zeros(n_categories, dtype=np.int64)
    for start in range(0, len(codes), CHUNK):
        part = codes[start : start + CHUNK]
        if mask is not None:
            part = part[mask[start : start + CHUNK]]
        counts += np.bincount(part[part >= 0], minlength=n_categories)
    return counts


def recode(codes: np.ndarray, per_code: Sequence, *, index=None, name=None) -> pd.Series:
    """Categorical series whose row i is ``per_code[codes[i]]`` (code -1 and missing
    values give NA), with sorted categories."""
    present = sorted({v for v in per_code if not _missing(v)})
    lookup = {v: i for i, v in enumerate(present)}
    dtype = code_dtype(len(present))
    mapping = np.fromiter(
        (-1 if _missing(v) else lookup[v] for v in per_code), dtype=dtype, count=len(per_code)
    )
    mapping = np.append(mapping, np.array(-1, dtype=dtype))  # code -1 reads the last entry
    return from_codes(mapping[codes], text_index(present), index=index, name=name)


def categorical(values: pd.Series) -> pd.Series:
    """The same values as a categorical with sorted categories that all have rows."""
    codes, categories = codes_and_categories(values)
    keep = used(codes, len(categories))
    if (
        isinstance(values.dtype, pd.CategoricalDtype)
        and categories.is_monotonic_increasing
        and keep.all()
    ):
        return values
    per_code = [c if k else None for c, k in zip(categories, keep, strict=True)]
    return recode(codes, per_code, index=values.index, name=values.name)


def _per_category(values: pd.Series, per_code: list) -> pd.Series:
    codes, categories = codes_and_categories(values)
    if (
        isinstance(values.dtype, pd.CategoricalDtype)
        and categories.is_monotonic_increasing
        and per_code == list(categories)
    ):
        return values  # already clean: no pass over the rows
    return recode(codes, per_code, index=values.index, name=values.name)


def map_categories(values: pd.Series, func: Callable) -> pd.Series:
    """``values.map(func, na_action='ignore')``, calling ``func`` once per distinct value."""
    _, categories = codes_and_categories(values)
    return _per_category(values, [func(c) for c in categories])


def transform_categories(values: pd.Series, func: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """Apply a vectorised text function (Series -> Series) to the distinct values only."""
    _, categories = codes_and_categories(values)
    result = func(pd.Series(categories)).tolist()
    return _per_category(values, [None if _missing(v) else v for v in result])


def category_flags(
    values: pd.Series, func: Callable[[pd.Series], pd.Series], *, na: bool = False
) -> np.ndarray:
    """Boolean per row: ``func`` (Series of distinct values -> booleans) looked up by code;
    ``na`` for missing values."""
    codes, categories = codes_and_categories(values)
    flags = np.asarray(func(pd.Series(categories)).fillna(False), dtype=bool)
    return np.append(flags, na)[codes]


def distinct(values: pd.Series, mask: np.ndarray | None = None) -> pd.Index:
    """Sorted distinct non-missing values (of the rows in ``mask``)."""
    codes, categories = codes_and_categories(values)
    if mask is not None and mask.all():
        mask = None
    return pd.Index(sorted(categories[used(codes, len(categories), mask)]))


def first_rows(values: pd.Series) -> np.ndarray:
    """Positions of the first row of every distinct value (missing counts as a value)."""
    return np.flatnonzero(~values.duplicated().to_numpy())


def pairs_in_order(first: np.ndarray, second: np.ndarray, n_second: int) -> bool:
    """Whether the rows are sorted by (first, second) codes, strictly."""
    for start in range(0, len(first), CHUNK):
        stop = start + CHUNK + 1
        key = first[start:stop].astype(np.int64) * n_second + second[start:stop]
        if (np.diff(key) <= 0).any():
            return False
    return True


def is_grid(first: np.ndarray, second: np.ndarray, n_first: int, n_second: int) -> bool:
    """Whether the rows are every (first, second) code pair exactly once, sorted by first
    then second: row i is then pair (i // n_second, i % n_second)."""
    if len(first) != n_first * n_second or not len(first):
        return False
    step = max(1, CHUNK // n_second)  # whole blocks of one first code
    for start in range(0, n_first, step):
        stop = min(start + step, n_first)
        rows = slice(start * n_second, stop * n_second)
        if not (second[rows].reshape(-1, n_second) == np.arange(n_second)).all():
            return False
        if not (first[rows].reshape(-1, n_second).T == np.arange(start, stop)).all():
            return False
    return True


def combination_ids(
    code_arrays: list[np.ndarray], *, row_ids: bool = True
) -> tuple[np.ndarray | None, np.ndarray]:
    """Number the distinct combinations of several code arrays (one per column).

    Returns (id per row, combinations: ids x columns array of codes, -1 for missing);
    ids follow the sorted order of the code tuples. ``row_ids=False`` may skip the ids
    when only the combinations are wanted.

    Columns are folded in one at a time. A column that is a function of the columns
    before it (an assay's name given its OlinkID) adds no combination and costs two
    cheap passes; otherwise the keys present are found with a presence table (linear)
    when the key space is small, else by hashing. All work is chunked, so that no
    full-length 64-bit array is held.
    """
    n = len(code_arrays[0])
    ids = code_arrays[0]
    shift = 1  # until the first real fold, ids are the first column's codes + 1
    combos = (np.arange(int(ids.max()) + 2 if n else 1) - 1).reshape(-1, 1)
    for step, codes in enumerate(code_arrays[1:], start=1):
        value = _function_of(ids, shift, len(combos), codes)
        if value is not None:
            combos = np.column_stack([combos, value])
            continue
        want_ids = row_ids or step < len(code_arrays) - 1
        ids, combos = _fold(ids, shift, combos, codes, want_ids=want_ids)
        shift = 0
        if ids is None:
            return None, combos
    if shift:  # no fold: keep the first column's codes that occur
        present = np.zeros(len(combos), dtype=bool)
        for start in range(0, n, CHUNK):
            present[ids[start : start + CHUNK] + 1] = True
        combos = combos[present]
        if row_ids:
            lookup = np.cumsum(present) - 1
            out = np.empty(n, dtype=code_dtype(len(combos)))
            for start in range(0, n, CHUNK):
                out[start : start + CHUNK] = lookup[ids[start : start + CHUNK] + 1]
            ids = out
    return (ids if row_ids else None), combos


def _function_of(ids, shift, n_ids, codes) -> np.ndarray | None:
    """The code of ``codes`` for each id when ``codes`` is constant within every id
    (-2 for ids without rows), else None."""
    value = np.full(n_ids, -2, dtype=np.int64)
    for start in range(0, len(ids), CHUNK):
        value[ids[start : start + CHUNK] + shift] = codes[start : start + CHUNK]
    for start in range(0, len(ids), CHUNK):
        if (value[ids[start : start + CHUNK] + shift] != codes[start : start + CHUNK]).any():
            return None
    return value


def _fold(ids, shift, combos, codes, *, want_ids: bool):
    n = len(ids)
    size = int(codes.max()) + 2 if n else 1
    span = len(combos) * size

    def keys(start):
        stop = start + CHUNK
        return (ids[start:stop].astype(np.int64) + shift) * size + codes[start:stop] + 1

    new_ids = None
    if span <= MAX_SPAN:
        present = np.zeros(span, dtype=bool)
        for start in range(0, n, CHUNK):
            present[keys(start)] = True
        found = np.flatnonzero(present)
        if want_ids:
            lookup = np.cumsum(present, dtype=np.int32) - 1
            new_ids = np.empty(n, dtype=code_dtype(len(found)))
            for start in range(0, n, CHUNK):
                new_ids[start : start + CHUNK] = lookup[keys(start)]
    else:
        seen: dict[int, int] = {}
        raw = np.empty(n, dtype=np.int32)
        for start in range(0, n, CHUNK):
            labels, uniques = pd.factorize(keys(start))
            local = np.fromiter(
                (seen.setdefault(int(u), len(seen)) for u in uniques),
                dtype=np.int32,
                count=len(uniques),
            )
            raw[start : start + CHUNK] = local[labels]
        unsorted = np.fromiter(seen, dtype=np.int64, count=len(seen))
        order = np.argsort(unsorted)
        found = unsorted[order]
        if want_ids:
            rank = np.empty(len(order), dtype=code_dtype(len(found)))
            rank[order] = np.arange(len(order))
            new_ids = rank[raw]
    previous, code = np.divmod(found, size)
    return new_ids, np.column_stack([combos[previous], code - 1])


def unique_rows(frame: pd.DataFrame, columns: list[str]) -> tuple[np.ndarray, pd.DataFrame]:
    """The distinct combinations of ``columns`` as a small frame of nullable strings, and
    each row's position in it: run per-row text logic on the small frame, then
    :func:`expand` the answers back."""
    pairs = [codes_and_categories(frame[c]) for c in columns]
    ids, combos = combination_ids([codes for codes, _ in pairs])
    table = pd.DataFrame(
        {
            column: pd.Series(
                np.append(np.asarray(categories, dtype=object), None)[combos[:, j]],
                dtype="string",
            )
            for j, (column, (_, categories)) in enumerate(zip(columns, pairs, strict=True))
        }
    )
    return ids, table


def expand(per_id: pd.Series, ids: np.ndarray, *, index=None, name=None) -> pd.Series:
    """Row values from one value per id (the inverse of :func:`unique_rows`)."""
    per_code = [None if _missing(v) else v for v in per_id.tolist()]
    return recode(ids, per_code, index=index, name=name)


def union_concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """``pd.concat(frames, ignore_index=True)`` that keeps categorical columns categorical
    (pandas falls back to full-length object columns when the categories differ).
    Empties the frames column by column, so that the parts and the whole never all
    exist at once."""
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    out = {}
    for column in list(frames[0].columns):
        parts = [f.pop(column) for f in frames]
        arrays = [p.to_numpy() for p in parts if not isinstance(p.dtype, pd.CategoricalDtype)]
        if any(isinstance(p.dtype, pd.CategoricalDtype) for p in parts):
            pairs = [codes_and_categories(p) for p in parts]
            union = sorted(set().union(*(set(c) for _, c in pairs)))
            position = {v: i for i, v in enumerate(union)}
            dtype = code_dtype(len(union))
            codes = np.concatenate(
                [
                    np.append(np.array([position[v] for v in c], dtype=dtype), -1)[k]
                    for k, c in pairs
                ]
            )
            out[column] = from_codes(codes, text_index(union))
        elif all(a.strides == (0,) and a.dtype.kind == "f" for a in arrays):
            # absent in every file: stays one broadcast NaN (see finalise_vendor_frame)
            dtype = np.result_type(*arrays)
            out[column] = pd.Series(
                np.broadcast_to(dtype.type(np.nan), (sum(map(len, arrays)),)), copy=False
            )
        else:
            out[column] = pd.concat(parts, ignore_index=True)
        del parts, arrays
    return pd.DataFrame(out, copy=False)


def filter_rows(frame: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """``frame.loc[keep]``, column by column, emptying ``frame`` as it goes: the input and
    the result never both exist in full. The caller must not use ``frame`` afterwards."""
    keep = np.asarray(keep, dtype=bool)
    if keep.all():
        return frame
    out = {}
    index = frame.index[keep]
    n_kept = int(keep.sum())
    for column in list(frame.columns):
        values = frame[column]
        if isinstance(values.dtype, pd.api.extensions.ExtensionDtype):
            out[column] = values.array[keep]
        elif values.to_numpy().strides == (0,):  # one value broadcast: stays one value
            out[column] = np.broadcast_to(values.to_numpy()[:1], (n_kept,))
        else:
            out[column] = values.to_numpy()[keep]
        del frame[column], values
    return pd.DataFrame(out, index=index, copy=False)


def as_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns of a small table back to nullable strings (written tables and
    per-assay annotation keep the dtypes they had before ingest went categorical)."""
    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.CategoricalDtype):
            out[column] = out[column].astype(object).astype("string")
    return out
