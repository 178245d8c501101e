"""Long NPX table <-> samples x assays matrix."""

from __future__ import annotations

import numpy as np
import pandas as pd


def to_matrix(long: pd.DataFrame, value: str = "npx") -> pd.DataFrame:
    """Samples x assays (float64), rows and columns sorted; absent pairs are NaN.

    Uses categorical codes and one scatter into a preallocated array rather than
    ``pivot``, which is several times slower and heavier at Explore scale.
    """
    samples = pd.Categorical(long["sample_id"])
    assays = pd.Categorical(long["assay_id"])
    values = np.full((len(samples.categories), len(assays.categories)), np.nan)
    column = long[value]
    if column.dtype.kind not in "fiu":
        column = column.astype("Float64")
    values[samples.codes, assays.codes] = column.to_numpy(dtype="float64", na_value=np.nan)
    return pd.DataFrame(
        values,
        index=pd.Index(samples.categories.astype(str), name="sample_id"),
        columns=pd.Index(assays.categories.astype(str), name="assay_id"),
    )


def assay_table(long: pd.DataFrame) -> pd.DataFrame:
    """One row per assay with its annotation (first occurrence wins)."""
    columns = ["assay_id", "olink_id", "uniprot", "gene_symbol", "assay", "panel"]
    table = long.loc[:, columns].drop_duplicates("assay_id").set_index("assay_id", drop=False)
    return table.sort_index().rename_axis(None)
