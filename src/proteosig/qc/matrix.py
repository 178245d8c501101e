"""Long NPX table <-> samples x assays matrix, by integer codes.

Every function here reads the long table one column at a time and scatters it by
sample and assay codes into a preallocated array: no pivot, no string keys, and no
second copy of the long table. ``long`` may be the DataFrame ingest returns or the path
of ``npx_long.parquet``, which is then read column by column (a 50,000-sample table
never exists in memory in full).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from proteosig.io.categorical import CHUNK, code_dtype, is_grid, sorted_codes, used

ANNOTATION = ["assay_id", "olink_id", "uniprot", "gene_symbol", "assay", "panel"]


class LongColumns:
    """Columns of a long table, from a DataFrame or read on demand from parquet.

    From parquet, the next column of ``order`` is read in the background while the
    caller works on the current one (decoding and scattering then use both cores), and
    the columns in ``keep`` are kept once read.
    """

    def __init__(
        self,
        long: pd.DataFrame | str | Path,
        order: tuple[str, ...] = (),
        keep: tuple[str, ...] = (),
    ):
        from proteosig.io.tables import grid_layout

        self.frame = long if isinstance(long, pd.DataFrame) else None
        self.path = None if self.frame is not None else long
        # (samples, assays) when the file says its rows are a complete sorted grid
        self.grid = None if self.path is None else grid_layout(self.path)
        self.order, self.keep = list(order), set(keep)
        self.pending: dict = {}
        self.kept: dict[str, pd.Series] = {}
        self.pool = None

    def _read(self, name: str) -> pd.Series:
        from proteosig.io.tables import open_parquet, parquet_column

        return parquet_column(open_parquet(self.path), name)  # a handle per thread

    def __getitem__(self, name: str) -> pd.Series:
        if self.frame is not None:
            return self.frame[name]
        if name in self.kept:
            return self.kept[name]
        if self.pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self.pool = ThreadPoolExecutor(max_workers=1)
        future = self.pending.pop(name, None)
        if name in self.order:
            following = self.order[self.order.index(name) + 1 :]
            if following and following[0] not in self.pending:
                self.pending[following[0]] = self.pool.submit(self._read, following[0])
        values = future.result() if future is not None else self._read(name)
        if name in self.keep:
            self.kept[name] = values
        return values

    def close(self) -> None:
        self.pending.clear()
        self.kept.clear()
        if self.pool is not None:
            self.pool.shutdown(wait=True)
            self.pool = None


def compact_codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes over the sorted values that occur (labels as text), -1 for missing."""
    codes, categories = sorted_codes(values)
    keep = used(codes, len(categories))
    if not keep.all():
        mapping = np.append(np.cumsum(keep) - 1, -1).astype(codes.dtype)
        mapping[:-1][~keep] = -1
        codes = mapping[codes]
        categories = categories[keep]
    return codes, pd.Index(categories.astype(str))


def _chunk_floats(values: pd.Series, start: int, stop: int) -> np.ndarray:
    part = values.iloc[start:stop]
    if part.dtype.kind == "f":
        return part.to_numpy()
    return part.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)


def _chunk_flags(values: pd.Series, start: int, stop: int) -> np.ndarray:
    """True/False/missing as 1/0/-1 (int8)."""
    part = values.iloc[start:stop]
    if part.dtype == bool:
        return part.to_numpy().astype(np.int8)
    if isinstance(part.dtype, pd.BooleanDtype):
        array = part.array
        return np.where(array._mask, -1, array._data).astype(np.int8)
    as_float = _chunk_floats(values, start, stop)
    return np.where(np.isnan(as_float), -1, as_float != 0).astype(np.int8)


class _Tiled:
    """``np.tile(values, times)``, built chunk by chunk when sliced (never in full)."""

    def __init__(self, values: np.ndarray, times: int):
        self.values, self.times = values, times

    def __len__(self) -> int:
        return len(self.values) * self.times

    def __getitem__(self, rows: slice) -> np.ndarray:
        start, stop, _ = rows.indices(len(self))
        return self.values[np.arange(start, stop) % len(self.values)]


class _Repeated(_Tiled):
    """``np.repeat(values, times)``, built chunk by chunk when sliced."""

    def __getitem__(self, rows: slice) -> np.ndarray:
        start, stop, _ = rows.indices(len(self))
        return self.values[np.arange(start, stop) // self.times]


@dataclass
class Layout:
    """Sample and assay codes of a long table, and scatter helpers over them.

    ``grid``: every assay measured in every sample, rows sorted by assay then sample
    (as ingest writes ``npx_long.parquet``). Row i is then cell (i // samples,
    i % samples) of the assays x samples array, and a column is copied, not scattered.
    """

    sample_codes: np.ndarray
    assay_codes: np.ndarray
    samples: pd.Index
    assays: pd.Index
    grid: bool = False

    @classmethod
    def of(cls, columns) -> Layout:
        if columns.grid is not None:  # from the parquet's metadata: no row is decoded
            return cls(None, None, *columns.grid, grid=True)
        sample_codes, samples = sorted_codes(columns["sample_id"])
        assay_codes, assays = sorted_codes(columns["assay_id"])
        # a complete, sorted grid uses every category, so needs no compaction
        grid = is_grid(assay_codes, sample_codes, len(assays), len(samples))
        if not grid:
            sample_codes, samples = compact_codes(columns["sample_id"])
            assay_codes, assays = compact_codes(columns["assay_id"])
        labels = (pd.Index(samples.astype(str)), pd.Index(assays.astype(str)))
        return cls(sample_codes, assay_codes, *labels, grid)

    def __post_init__(self):
        if self.sample_codes is None:  # a grid: the codes follow from the row number
            n_samples, n_assays = len(self.samples), len(self.assays)
            self.sample_codes = _Tiled(np.arange(n_samples, dtype=code_dtype(n_samples)), n_assays)
            self.assay_codes = _Repeated(np.arange(n_assays, dtype=code_dtype(n_assays)), n_samples)

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.samples), len(self.assays)

    def scatter(self, values: pd.Series, *, dtype, fill, convert=_chunk_floats) -> np.ndarray:
        """Samples x assays array of one long column (absent pairs are ``fill``).

        Each assay's values are stored contiguously (Fortran order), the layout pandas
        gives a float frame: per-assay work reads contiguous memory, and results match
        those of a pivoted frame to the last bit.
        """
        n_samples, n_assays = self.shape
        out = np.full((n_assays, n_samples), fill, dtype=dtype)
        flat = out.reshape(-1)
        for start in range(0, len(self.sample_codes), CHUNK):
            part = convert(values, start, start + CHUNK)
            if self.grid:
                flat[start : start + len(part)] = part
                continue
            s = self.sample_codes[start : start + CHUNK]
            a = self.assay_codes[start : start + CHUNK]
            ok = (s >= 0) & (a >= 0)
            flat[a[ok].astype(np.int64) * n_samples + s[ok]] = part[ok]
        return out.T

    def pair_keys(self, start: int, stop: int, panel_codes: np.ndarray, position, n_labels):
        """(sample, panel label) keys of rows start:stop, -1 without a sample."""
        sample = self.sample_codes[start:stop]
        key = sample.astype(np.int64) * n_labels + position[panel_codes[start:stop]]
        key[sample < 0] = -1
        return key

    def frame(self, values: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(
            values,
            index=pd.Index(self.samples, name="sample_id"),
            columns=pd.Index(self.assays, name="assay_id"),
            copy=False,
        )


def to_matrix(long: pd.DataFrame, value: str = "npx") -> pd.DataFrame:
    """Samples x assays (float64), rows and columns sorted; absent pairs are NaN.

    Uses categorical codes and one scatter into a preallocated array rather than
    ``pivot``, which is several times slower and heavier at Explore scale.
    """
    columns = LongColumns(long)
    layout = Layout.of(columns)
    return layout.frame(layout.scatter(columns[value], dtype=np.float64, fill=np.nan))


def first_positions(keys: np.ndarray, n_keys: int) -> np.ndarray:
    """Row of the first occurrence of every key 0..n_keys-1 (-1 if absent; keys < 0 are
    ignored), chunk by chunk with pandas' duplicated, which keeps first occurrences."""
    first = np.full(n_keys, -1, dtype=np.int64)
    for start in range(0, len(keys), CHUNK):
        _first_update(first, keys[start : start + CHUNK], start)
    return first


def _first_update(first: np.ndarray, part: np.ndarray, start: int) -> None:
    rows = np.flatnonzero(~pd.Series(part).duplicated().to_numpy() & (part >= 0))
    new = first[part[rows]] < 0
    first[part[rows[new]]] = start + rows[new]


def assay_table(
    long: pd.DataFrame | str | Path,
    columns: LongColumns | None = None,
    layout: Layout | None = None,
) -> pd.DataFrame:
    """One row per assay with its annotation (first occurrence wins), sorted by assay."""
    columns = columns or LongColumns(long)
    if layout is None:
        assay_codes, assays = compact_codes(columns["assay_id"])
        rows = first_positions(assay_codes, len(assays))
    elif layout.grid:
        rows = np.arange(len(layout.assays), dtype=np.int64) * len(layout.samples)
        assays = layout.assays
    else:
        assays = layout.assays
        rows = first_positions(layout.assay_codes, len(assays))
    table = pd.DataFrame(
        {name: columns[name].iloc[rows].to_numpy() for name in ANNOTATION if name != "assay_id"}
    )
    table.insert(0, "assay_id", np.asarray(assays, dtype=object))
    table = table.astype("string")
    return table.set_index("assay_id", drop=False).rename_axis(None)


@dataclass
class QCTables:
    """Everything QC needs from the long table, as arrays over sorted samples x assays."""

    npx: pd.DataFrame  # float64, NaN where a pair is absent or missing
    below: np.ndarray  # int8: 1 below LOD, 0 not, -1 unknown or absent
    warned: np.ndarray  # int8: 1 vendor assay warning, 0 not, -1 absent
    lod: pd.DataFrame | None  # only when the below-LOD policy needs the values
    qc_warning: pd.DataFrame  # samples x panel labels: any vendor QC warning
    plates: pd.DataFrame  # samples x panel labels: plate of the first row of the pair
    assays: pd.DataFrame  # annotation, one row per assay (first occurrence wins)


def qc_tables(long: pd.DataFrame | str | Path, *, with_lod: bool) -> QCTables:
    """Read the long table once, column by column, into the arrays QC works on."""
    order = ("sample_id", "assay_id", "npx", "below_lod", "assay_warning")
    order += ("lod",) * with_lod + ("panel", "qc_warning", "plate", "olink_id", "uniprot")
    order += ("gene_symbol", "assay")
    columns = LongColumns(long, order=order, keep=("panel",))
    try:
        layout = Layout.of(columns)
        npx = layout.frame(layout.scatter(columns["npx"], dtype=np.float64, fill=np.nan))
        below = layout.scatter(columns["below_lod"], dtype=np.int8, fill=-1, convert=_chunk_flags)
        warned = layout.scatter(
            columns["assay_warning"], dtype=np.int8, fill=-1, convert=_chunk_flags
        )
        lod = None
        if with_lod:
            values = columns["lod"]
            dtype = values.dtype if values.dtype.kind == "f" else np.float64
            lod = layout.frame(layout.scatter(values, dtype=dtype, fill=np.nan))
            del values
        qc_warning, plates = sample_panel_tables(columns, layout)
        assays = assay_table(long, columns, layout)
    finally:
        columns.close()
    return QCTables(npx, below, warned, lod, qc_warning, plates, assays)


def sample_panel_tables(columns: LongColumns, layout: Layout) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Samples x panel labels: any vendor QC warning, and the plate of the pair's first
    row (Olink runs each panel on its own plate). Missing panels are labelled 'NA', as
    in the assay table's ``panel_of``."""
    panel_codes, panels = compact_codes(columns["panel"])
    labels = sorted({*panels, *(["NA"] if (panel_codes < 0).any() else [])})
    position = np.array(
        [labels.index(p) for p in panels] + [labels.index("NA") if "NA" in labels else -1]
    )
    n_samples, n_labels = len(layout.samples), len(labels)
    warned_rows = _flags(columns["qc_warning"])
    plate_codes, plate_names = sorted_codes(columns["plate"])
    tables = None
    if layout.grid:
        tables = _grid_tables(layout, panel_codes, position, n_labels, warned_rows, plate_codes)
    if tables is None:
        tables = _row_tables(layout, panel_codes, position, n_labels, warned_rows, plate_codes)
    flags, plate = tables
    qc_warning = pd.DataFrame(
        flags.reshape(n_samples, n_labels), index=layout.samples, columns=labels
    )
    plates = _plate_table(plate, plate_names, layout.samples, labels)
    return qc_warning, plates


def _grid_tables(layout, panel_codes, position, n_labels, warned_rows, plate_codes):
    """Per (sample, panel label): any warning and the plate, on a complete sorted grid
    with one panel per assay: whole assays x samples blocks, no per-row keys. None when
    an assay has several panels, or a sample several plates on one panel."""
    n_samples, n_assays = layout.shape
    panels = panel_codes.reshape(n_assays, n_samples)
    if not (panels == panels[:, :1]).all():
        return None
    label_of = position[panels[:, 0]]
    warned = warned_rows.reshape(n_assays, n_samples)
    plates = plate_codes.reshape(n_assays, n_samples)
    flags = np.zeros((n_samples, n_labels), dtype=bool)
    plate = np.full((n_samples, n_labels), -1, dtype=np.int64)
    for label in np.unique(label_of):
        members = np.flatnonzero(label_of == label)
        flags[:, label] = warned[members].any(axis=0)
        block = plates[members]
        if not (block == block[:1]).all():
            return None
        plate[:, label] = block[0]
    return flags.reshape(-1), plate.reshape(-1)


def _row_tables(layout, panel_codes, position, n_labels, warned_rows, plate_codes):
    """The same from per-row (sample, panel label) keys, for any long table."""
    n_rows = len(panel_codes)
    flags = np.zeros(len(layout.samples) * n_labels, dtype=bool)
    plate = np.full(len(flags), -1, dtype=np.int64)
    # One plate per sample and panel, as Olink runs them: any row's plate is the first
    # row's, checked in a second pass; otherwise the first rows are found exactly.
    for start in range(0, n_rows, CHUNK):
        key = layout.pair_keys(start, start + CHUNK, panel_codes, position, n_labels)
        flags[key[(key >= 0) & warned_rows[start : start + CHUNK]]] = True
        plate[key[key >= 0]] = plate_codes[start : start + CHUNK][key >= 0]
    for start in range(0, n_rows, CHUNK):
        key = layout.pair_keys(start, start + CHUNK, panel_codes, position, n_labels)
        if (plate[key[key >= 0]] != plate_codes[start : start + CHUNK][key >= 0]).any():
            plate = _first_plates(layout, panel_codes, position, n_labels, plate_codes)
            break
    return flags, plate


def _first_plates(layout, panel_codes, position, n_labels, plate_codes) -> np.ndarray:
    first = np.full(len(layout.samples) * n_labels, -1, dtype=np.int64)
    for start in range(0, len(panel_codes), CHUNK):
        key = layout.pair_keys(start, start + CHUNK, panel_codes, position, n_labels)
        _first_update(first, key, start)
    plate = np.full(len(first), -1, dtype=np.int64)
    plate[first >= 0] = plate_codes[first[first >= 0]]
    return plate


def _flags(values: pd.Series) -> np.ndarray:
    if values.dtype == bool:
        return values.to_numpy()
    return values.fillna(False).astype(bool).to_numpy()


def _plate_table(plate: np.ndarray, names: pd.Index, samples: pd.Index, labels: list[str]):
    """Samples x panel labels table of plate names from their codes (-1: none)."""
    text = np.append(np.asarray(names, dtype=object), None)[plate]
    table = pd.DataFrame(
        text.reshape(len(samples), len(labels)), index=samples, columns=labels
    ).astype("string")
    table.index.name = "sample_id"
    table.columns.name = "panel"
    return table


def sample_npx(long: str | Path, *, max_samples: int) -> pd.DataFrame:
    """sample_id, plate and npx rows of at most ``max_samples`` samples, chosen as
    ``plotting.qc.npx_by_plate`` chooses them (evenly along the plate order, each sample
    with the plate of its first row), from the long parquet: the figure needs a few
    hundred thousand values, not a 150-million-row table. Every row of a chosen sample
    carries that sample's first plate, all the figure reads of it."""
    columns = LongColumns(long, order=("sample_id", "assay_id", "plate", "npx"))
    try:
        layout = Layout.of(columns)
        n_samples, n_assays = layout.shape
        if layout.grid:  # a sample's first row is in the first assay's block
            first = np.arange(n_samples, dtype=np.int64)
        else:
            first = first_positions(np.asarray(layout.sample_codes), n_samples)
        plate_codes, plate_names = sorted_codes(columns["plate"])
        plate_of = np.append(np.asarray(plate_names, dtype=object), None)[plate_codes[first]]
        del plate_codes
        per_sample = pd.DataFrame({"sample_id": layout.samples, "plate": plate_of})
        per_sample = per_sample.astype("string").sort_values(["plate", "sample_id"])
        if len(per_sample) > max_samples:
            step = len(per_sample) / max_samples
            per_sample = per_sample.iloc[(np.arange(max_samples) * step).astype(int)]
        chosen = layout.samples.get_indexer(per_sample["sample_id"])
        if layout.grid:
            rows = (np.arange(n_assays)[:, None] * n_samples + np.sort(chosen)).ravel()
        else:
            rows = np.flatnonzero(np.isin(layout.sample_codes, chosen))
        codes = np.asarray(layout.sample_codes[rows]) if not layout.grid else (rows % n_samples)
        npx = columns["npx"].to_numpy()[rows]
    finally:
        columns.close()
    ids = layout.samples[codes]
    plates = pd.Series(plate_of[codes], dtype="string")
    return pd.DataFrame({"sample_id": pd.array(ids, dtype="string"), "plate": plates, "npx": npx})
