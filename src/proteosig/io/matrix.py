"""Reading the QC stage's analysis matrix (samples x proteins) for the analysis stages.

``pandas.read_parquet`` holds the arrow table, one array per protein column and their
consolidation into a single block at once: about three times the matrix (3.4 GB for
50,000 x 2,925). Every analysis job reads the matrix, and two run side by side, so the
matrix is read here in slices of columns straight into one preallocated float64 block:
peak memory about the matrix itself.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

#: protein columns decoded per slice (bounds the arrow buffers alive at once)
COLUMNS_PER_SLICE = 256


def read_matrix(path: str | Path, *, index: str = "sample_id") -> pd.DataFrame:
    """Samples x proteins float64 frame indexed by ``index``; missing values are NaN."""
    import pyarrow.parquet as pq

    handle = pq.ParquetFile(path)
    names = handle.schema_arrow.names
    proteins = [name for name in names if name != index]
    ids = handle.read(columns=[index]).column(0).to_pandas()
    # Fortran order: each protein a contiguous column, which is also the layout pandas
    # keeps for a single float block, so the frame below wraps it without a copy
    values = np.empty((handle.metadata.num_rows, len(proteins)), order="F")
    for start in range(0, len(proteins), COLUMNS_PER_SLICE):
        part = proteins[start : start + COLUMNS_PER_SLICE]
        table = handle.read(columns=part)
        for offset, column in enumerate(table.columns):
            values[:, start + offset] = column.to_numpy().astype(float, copy=False)
        del table
    frame = pd.DataFrame(values, index=pd.Index(ids, name=index), columns=proteins, copy=False)
    return frame
