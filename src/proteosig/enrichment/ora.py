"""Over-representation of DEPs in gene sets (hypergeometric test on the measured universe)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from proteosig import hypergeom
from proteosig.differential.table import adjust_bh


def over_representation(
    table: pd.DataFrame,
    sets: dict[str, list[str]],
    *,
    collection: str,
    direction: str = "all",
) -> pd.DataFrame:
    """One-sided hypergeometric test of the called DEPs in every set.

    ``table`` is a differential table (``assay_id``, ``P.Value``, ``significant``,
    ``direction``). The universe is the assays tested in that table, never the genome:
    with ~360 measured proteins a genome-wide universe would make every immune set look
    enriched. ``direction`` selects all DEPs, only ``up`` or only ``down``.
    Benjamini-Hochberg is applied across the sets of this collection.
    """
    tested = table.loc[table["P.Value"].notna()]
    universe = set(tested["assay_id"])
    if direction == "all":
        hits = set(tested.loc[tested["significant"].astype(bool), "assay_id"])
    else:
        hits = set(tested.loc[tested["direction"] == direction, "assay_id"])
    symbol = dict(
        zip(tested["assay_id"], tested["gene_symbol"].fillna(tested["assay_id"]), strict=True)
    )
    n_universe, n_hits = len(universe), len(hits)
    names = list(sets)
    members = [[m for m in sets[name] if m in universe] for name in names]
    overlaps = [sorted(set(m) & hits) for m in members]
    size = np.array([len(m) for m in members])
    k = np.array([len(o) for o in overlaps])
    # one vectorised call: P(X >= k) for X ~ Hypergeometric(universe, set size, DEPs)
    p = np.where(
        (size > 0) & (n_hits > 0), hypergeom.sf(k - 1, n_universe, size, n_hits), 1.0
    )
    expected = size * n_hits / n_universe if n_universe else np.full(len(names), np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        fold = np.where(expected > 0, k / expected, np.nan)
    rows = {
        "collection": collection,
        "set": names,
        "direction": direction,
        "set_size": size,
        "overlap": k,
        "expected": expected,
        "fold_enrichment": fold,
        "p_value": p.astype(float),
        "overlap_genes": [";".join(sorted(str(symbol[a]) for a in o)) for o in overlaps],
        "n_deps": n_hits,
        "universe": n_universe,
    }
    result = pd.DataFrame(rows)
    if result.empty:
        return result
    result["adj_p_value"] = adjust_bh(result["p_value"].to_numpy())
    return result.sort_values(["p_value", "set"], kind="stable").reset_index(drop=True)
