"""Writing result tables: deterministic TSV/parquet/JSON that diff cleanly between runs."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd


def write_tsv(frame: pd.DataFrame, path: str | Path, *, index: bool = False) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, sep="\t", index=index, float_format="%.10g", na_rep="NA")


#: rows per row group, converted to arrow at a time: bounds the copy a write makes, and
#: keeps the row groups (each with its own text dictionaries to decode) few
WRITE_ROWS = 1 << 23


def write_parquet(
    frame: pd.DataFrame, path: str | Path, *, metadata: dict[str, str] | None = None
) -> None:
    """Parquet without pandas' wall-clock metadata, so two runs give identical bytes.

    Categorical columns are stored dictionary-encoded (and read back as categoricals);
    other columns are not dictionary-encoded, and only they get min/max statistics:
    both would cost most of the write time of a 150-million-row NPX table for nothing.
    ``metadata`` is added to the file's key-value metadata.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    coded = [str(c) for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    plain = [str(c) for c in frame.columns if str(c) not in coded]
    writer = None
    try:
        for start in range(0, max(len(frame), 1), WRITE_ROWS):
            table = pa.Table.from_pandas(
                frame.iloc[start : start + WRITE_ROWS], preserve_index=False
            )
            if writer is None:
                schema = table.schema
                if metadata:
                    schema = schema.with_metadata({**(schema.metadata or {}), **metadata})
                writer = pq.ParquetWriter(
                    path,
                    schema,
                    compression="zstd",
                    use_dictionary=coded,
                    write_statistics=plain,
                )
            writer.write_table(table.replace_schema_metadata(schema.metadata),
                               row_group_size=WRITE_ROWS)  # fmt: skip
    finally:
        if writer is not None:
            writer.close()


def read_parquet(path: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    return pd.read_parquet(path, columns=columns)


#: key of the long table's layout in npx_long.parquet's metadata (see ``grid_layout``)
GRID_KEY = "proteosig.grid"


def grid_metadata(samples: pd.Index, assays: pd.Index) -> dict[str, str]:
    """Metadata saying the rows are every assay x every sample, sorted by assay then
    sample, with these (sorted) IDs: row i is assay i // n_samples, sample i % n_samples."""
    layout = {"samples": [str(s) for s in samples], "assays": [str(a) for a in assays]}
    return {GRID_KEY: json.dumps(layout)}


def grid_layout(path: str | Path) -> tuple[pd.Index, pd.Index] | None:
    """(samples, assays) of a long parquet written as a complete sorted grid, from its
    metadata alone; None for any other file. Readers then need not decode the sample
    and assay IDs of every row (150 million at biobank scale) to place the values."""
    import pyarrow.parquet as pq

    handle = pq.ParquetFile(path)
    raw = (handle.schema_arrow.metadata or {}).get(GRID_KEY.encode())
    if raw is None:
        return None
    layout = json.loads(raw)
    samples = pd.Index(layout["samples"], dtype="str")
    assays = pd.Index(layout["assays"], dtype="str")
    if len(samples) * len(assays) != handle.metadata.num_rows:
        return None
    return samples, assays


def read_parquet_columns(path: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """Like :func:`read_parquet`, but column by column and with every text column as a
    categorical with sorted categories: a 150-million-row NPX table never exists in
    memory as strings, nor as one arrow table beside its pandas copy. Two columns are
    decoded at a time, one per core (each thread with its own file handle)."""
    from concurrent.futures import ThreadPoolExecutor

    names = columns if columns is not None else open_parquet(path).schema_arrow.names
    with ThreadPoolExecutor(max_workers=2) as pool:
        read = list(pool.map(lambda name: parquet_column(open_parquet(path), name), names))
    return pd.DataFrame(dict(zip(names, read, strict=True)), copy=False)


def _is_text(kind) -> bool:
    import pyarrow as pa

    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return pa.types.is_string(kind) or pa.types.is_large_string(kind)


def open_parquet(path: str | Path):
    """A ParquetFile whose text columns decode straight into dictionaries."""
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    text = [field.name for field in schema if _is_text(field.type)]
    return pq.ParquetFile(path, read_dictionary=text)


def parquet_column(handle, name: str) -> pd.Series:
    """One column of an open ParquetFile, read batch by batch into a preallocated array.

    Text becomes a categorical with sorted categories, built from each batch's
    dictionary (so only distinct values are ever Python objects); floats keep their
    precision; anything else goes through arrow's own conversion.
    """
    import pyarrow as pa

    kind = handle.schema_arrow.field(name).type
    n_rows = handle.metadata.num_rows
    batches = handle.iter_batches(batch_size=1 << 20, columns=[name])
    if _is_text(kind):
        return _text_column(batches, n_rows)
    if pa.types.is_floating(kind):
        out = np.empty(n_rows, dtype=np.float32 if pa.types.is_float32(kind) else np.float64)
        position = 0
        for batch in batches:
            values = batch.column(0).to_numpy(zero_copy_only=False)
            out[position : position + len(values)] = values
            position += len(values)
        return pd.Series(out, name=name, copy=False)
    column = handle.read(columns=[name]).column(0)
    meta = {c["name"]: c for c in (handle.schema_arrow.pandas_metadata or {}).get("columns", [])}
    if pa.types.is_boolean(kind) and meta.get(name, {}).get("numpy_type") == "boolean":
        return column.to_pandas(types_mapper={pa.bool_(): pd.BooleanDtype()}.get).rename(name)
    return column.to_pandas().rename(name)


def _text_column(batches, n_rows: int) -> pd.Series:
    import pyarrow as pa

    from proteosig.io.categorical import code_dtype, from_codes, text_index

    codes = np.empty(n_rows, dtype=np.int8)
    ids: dict[str, int] = {}
    position = 0
    dictionary, local = None, np.full(1, -1, dtype=np.int8)
    for batch in batches:
        array = batch.column(0)
        if not pa.types.is_dictionary(array.type):
            array = array.dictionary_encode()
        indices = array.indices
        indices = (indices.fill_null(-1) if indices.null_count else indices).to_numpy()
        if dictionary is None or not array.dictionary.equals(dictionary):
            dictionary, values = array.dictionary, array.dictionary.to_pylist()
            local = np.full(len(values) + 1, -1, dtype=np.int32)  # index -1 reads the last
        mapped = local[indices]
        if mapped.min(initial=0) < 0:
            unseen = (mapped < 0) & (indices >= 0)
            if unseen.any():  # register only values that occur (a dictionary may hold more)
                new = np.zeros(len(values), dtype=bool)
                new[indices[unseen]] = True
                for j in np.flatnonzero(new):
                    if values[j] is not None:
                        local[j] = ids.setdefault(values[j], len(ids))
                mapped = local[indices]
        if len(ids) >= np.iinfo(codes.dtype).max:
            codes = codes.astype(code_dtype(len(ids)))
        codes[position : position + len(indices)] = mapped
        position += len(indices)
    values = list(ids)
    order = sorted(range(len(values)), key=values.__getitem__)
    if order != list(range(len(values))):  # values did not arrive in sorted order
        rank = np.empty(len(values) + 1, dtype=codes.dtype)
        rank[order] = np.arange(len(values))
        rank[-1] = -1
        step = 1 << 22
        for start in range(0, n_rows, step):
            codes[start : start + step] = rank[codes[start : start + step]]
    return from_codes(codes, text_index([values[i] for i in order]))


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def write_json(data: dict, path: str | Path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        json.dump(_jsonable(data), handle, indent=2, sort_keys=True)
        handle.write("\n")


def sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
