"""Assay-level QC rules: detectability (LOD), missingness, proteins measured twice."""

from __future__ import annotations

import numpy as np
import pandas as pd


def below_lod_fractions(below: pd.DataFrame, group: pd.Series) -> pd.DataFrame:
    """Fraction of samples below LOD per assay, overall and per group.

    ``below`` is a samples x assays matrix of 1.0 (below), 0.0 (above) or NaN (no LOD),
    or the int8 matrix QC builds (1, 0, -1 for unknown), 8 times smaller at Explore scale.
    Returns assays x [overall, <group>...]; NaN where an assay has no LOD.
    """
    group = group.reindex(below.index)
    table = {"overall": flag_fraction(below)}
    for level in sorted(group.dropna().unique()):
        table[str(level)] = flag_fraction(below.loc[(group == level).to_numpy()])
    return pd.DataFrame(table)


def flag_fraction(flags: pd.DataFrame) -> pd.Series:
    """Mean over samples, skipping unknown values (the same sum / count pandas computes)."""
    if not all(dtype == np.int8 for dtype in flags.dtypes):
        return flags.mean(axis=0, skipna=True)
    values = flags.to_numpy()
    hits = (values == 1).sum(axis=0).astype(float)
    known = (values >= 0).sum(axis=0).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.Series(np.where(known > 0, hits / known, np.nan), index=flags.columns)


def fails_lod_filter(fractions: pd.DataFrame, *, max_fraction: float, rule: str) -> pd.Series:
    """Whether each assay is too often below LOD.

    ``rule='all_groups'`` drops an assay only when it exceeds ``max_fraction`` in every
    group, so a protein detectable in one disease (e.g. a Th2 cytokine in AD) is kept;
    ``rule='overall'`` uses the pooled fraction. Assays without LOD never fail.
    """
    if rule == "overall":
        fails = fractions["overall"] > max_fraction
    else:
        per_group = fractions.drop(columns="overall")
        fails = (per_group > max_fraction).all(axis=1) & per_group.notna().any(axis=1)
    return fails.fillna(False).astype(bool)


def choose_among_duplicates(
    assays: pd.DataFrame, *, below_lod: pd.Series, missing: pd.Series
) -> pd.Series:
    """For proteins measured by several assays (same UniProt on two panels), name the one kept.

    The assay detected in most samples wins (fewest below LOD), then the one with fewest
    missing values, then the first assay ID, so the choice is deterministic.
    Returns, per assay, the assay_id of the copy that is kept for its protein (itself if
    it is kept or unique).
    """
    table = pd.DataFrame(
        {
            "key": assays["uniprot"].fillna(assays["assay_id"]),
            "below": below_lod.reindex(assays.index).fillna(0.0),
            "missing": missing.reindex(assays.index).fillna(0.0),
            "assay_id": assays["assay_id"],
        }
    )
    ordered = table.sort_values(["key", "below", "missing", "assay_id"])
    winner = ordered.groupby("key", sort=False)["assay_id"].first()
    return table["key"].map(winner)


def replace_below_lod(matrix: pd.DataFrame, lod: pd.DataFrame, *, how: str) -> pd.DataFrame:
    """Apply the below-LOD policy: 'keep' (Olink's advice), 'lod' or 'na'."""
    if how == "keep":
        return matrix
    below = matrix.to_numpy() < lod.reindex_like(matrix).to_numpy()
    below &= ~np.isnan(lod.reindex_like(matrix).to_numpy())
    if how == "na":
        return matrix.mask(below)
    if how == "lod":
        return matrix.mask(below, lod.reindex_like(matrix))
    raise ValueError(f"unknown below-LOD policy {how!r}")
