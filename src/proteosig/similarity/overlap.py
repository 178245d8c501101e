"""DEP overlap between two contrasts, on the measured universe."""

from __future__ import annotations

import numpy as np
import pandas as pd

from proteosig import hypergeom
from proteosig.errors import InputError

REQUIRED = ("assay_id", "gene_symbol", "logFC", "P.Value", "significant")
COLUMNS = [
    "contrast_a", "contrast_b", "universe", "n_dep_a", "up_a", "down_a", "n_dep_b", "up_b",
    "down_b", "shared", "shared_up", "shared_down", "opposite", "expected_shared", "jaccard",
    "concordance", "hypergeom_p", "shared_proteins",
]  # fmt: skip


def _calls(table: pd.DataFrame, name: str) -> pd.Series:
    """+1 / -1 for DEPs up / down, 0 for tested non-DEPs; untested proteins dropped."""
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise InputError(
            name,
            "missing column(s) " + ", ".join(missing),
            expected="a differential table (results/differential/<contrast>.tsv)",
        )
    tested = table[np.isfinite(table["P.Value"].astype(float))]
    significant = tested["significant"].astype(str).str.lower().isin(["true", "1"])
    sign = np.sign(tested["logFC"].astype(float)).where(significant, 0.0)
    return pd.Series(sign.to_numpy(), index=tested["assay_id"].astype(str))


def dep_overlap(table_a: pd.DataFrame, table_b: pd.DataFrame, *, names: tuple[str, str]) -> dict:
    """Counts, Jaccard index, direction concordance and hypergeometric p of two DEP sets.

    The universe is the proteins tested in both contrasts. The hypergeometric p is
    P(overlap >= observed) when ``n_dep_b`` proteins are drawn from the universe that
    holds ``n_dep_a`` DEPs of A (one-sided, for more overlap than chance).
    """
    a = _calls(table_a, names[0])
    b = _calls(table_b, names[1])
    universe = a.index.intersection(b.index)
    a, b = a.loc[universe], b.loc[universe]
    dep_a, dep_b = a != 0, b != 0
    shared = dep_a & dep_b
    same = shared & (a == b)
    union = int((dep_a | dep_b).sum())
    n_a, n_b, n_shared = int(dep_a.sum()), int(dep_b.sum()), int(shared.sum())
    symbols = table_a.set_index(table_a["assay_id"].astype(str))["gene_symbol"]
    label = [
        f"{symbols.get(i, i)}({'+' if a[i] > 0 else '-'}/{'+' if b[i] > 0 else '-'})"
        for i in universe[shared.to_numpy()]
    ]
    return {
        "contrast_a": names[0],
        "contrast_b": names[1],
        "universe": len(universe),
        "n_dep_a": n_a,
        "up_a": int((a > 0).sum()),
        "down_a": int((a < 0).sum()),
        "n_dep_b": n_b,
        "up_b": int((b > 0).sum()),
        "down_b": int((b < 0).sum()),
        "shared": n_shared,
        "shared_up": int((same & (a > 0)).sum()),
        "shared_down": int((same & (a < 0)).sum()),
        "opposite": int((shared & (a != b)).sum()),
        "expected_shared": n_a * n_b / len(universe) if len(universe) else np.nan,
        "jaccard": n_shared / union if union else np.nan,
        "concordance": int(same.sum()) / n_shared if n_shared else np.nan,
        "hypergeom_p": float(hypergeom.sf(n_shared - 1, len(universe), n_a, n_b))
        if len(universe)
        else np.nan,
        "shared_proteins": ";".join(sorted(label)),
    }
