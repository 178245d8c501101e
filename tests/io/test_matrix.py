"""The analysis-matrix reader gives what pandas.read_parquet gives, in one float block."""

from __future__ import annotations

import numpy as np
import pandas as pd

from proteosig.io import matrix as matrix_io
from proteosig.io.matrix import read_matrix


def test_read_matrix_equals_pandas_with_missing_values_and_many_slices(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    values = rng.normal(5, 1, (40, 23))
    values[rng.random(values.shape) < 0.1] = np.nan
    frame = pd.DataFrame(values, columns=[f"OID{i:05d}" for i in range(23)])
    frame.insert(0, "sample_id", [f"S{i}" for i in range(40)])
    path = tmp_path / "analysis_matrix.parquet"
    frame.to_parquet(path, index=False)
    monkeypatch.setattr(matrix_io, "COLUMNS_PER_SLICE", 5)  # several slices, a ragged last
    got = read_matrix(path)
    pd.testing.assert_frame_equal(got, pd.read_parquet(path).set_index("sample_id"))
    assert got.to_numpy().flags["F_CONTIGUOUS"]  # one block, no consolidation copy
