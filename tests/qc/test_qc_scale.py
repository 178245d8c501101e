"""QC's large-cohort paths give the answers of the small-cohort ones."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from proteosig.qc import samples as qc_samples
from proteosig.qc.samples import iqr_median_outliers, principal_components


def matrix_with_structure(n_samples, n_assays, seed=0):
    rng = np.random.default_rng(seed)
    factors = rng.normal(size=(n_samples, 3)) * [3.0, 2.0, 1.5]
    values = factors @ rng.normal(size=(3, n_assays)) + rng.normal(size=(n_samples, n_assays))
    values[rng.random(values.shape) < 0.01] = np.nan
    return pd.DataFrame(
        values,
        index=[f"S{i:04d}" for i in range(n_samples)],
        columns=[f"A{j:03d}" for j in range(n_assays)],
    )


@pytest.mark.parametrize("shape", [(400, 60), (50, 300)])  # assay and sample Gram matrix
def test_gram_pca_equals_svd_pca(monkeypatch, shape):
    matrix = matrix_with_structure(*shape)
    rows = np.arange(shape[0]) % 7 != 0
    svd = principal_components(matrix, n_components=5, rows=rows)
    monkeypatch.setattr(qc_samples, "SVD_CELLS", 0)
    gram = principal_components(matrix, n_components=5, rows=rows)
    pd.testing.assert_frame_equal(gram[0], svd[0], rtol=1e-8, atol=1e-8)
    np.testing.assert_allclose(gram[1], svd[1], rtol=1e-10)
    again = principal_components(matrix, n_components=5, rows=rows)
    pd.testing.assert_frame_equal(again[0], gram[0], check_exact=True)  # deterministic


def test_row_percentiles_equal_nanpercentile_with_gaps():
    matrix = matrix_with_structure(300, 40, seed=2)
    table = iqr_median_outliers(matrix, pd.Series("INF", index=matrix.columns))
    with np.errstate(all="ignore"):
        q75, q50, q25 = np.nanpercentile(matrix.to_numpy(), [75, 50, 25], axis=1)
    np.testing.assert_array_equal(table["median"], q50)
    np.testing.assert_array_equal(table["iqr"], q75 - q25)
