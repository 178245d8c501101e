"""Pre-ranked GSEA of each contrast's moderated t statistics (gseapy's prerank)."""

from __future__ import annotations

import pandas as pd


def prerank(
    table: pd.DataFrame,
    sets: dict[str, list[str]],
    *,
    collection: str,
    permutations: int,
    seed: int,
    min_size: int,
    max_size: int | None,
    threads: int = 1,
) -> pd.DataFrame:
    """GSEA (Subramanian et al. 2005) on proteins ranked by moderated t.

    The ranked list is the tested assays of ``table`` (the measured universe); sets hold
    assay IDs. Gene-set permutations with ``seed`` make it reproducible. gseapy computes
    the enrichment score, NES, nominal p, GSEA's FDR q-value and FWER p-value.
    """
    import gseapy

    ranked = (
        table.loc[table["t"].notna()]
        .set_index("assay_id")["t"]
        .sort_values(ascending=False, kind="stable")
    )
    members = {name: [m for m in ids if m in ranked.index] for name, ids in sets.items()}
    members = {name: ids for name, ids in members.items() if ids}
    columns = ["collection", "set", "set_size", "ES", "NES", "p_value", "fdr_q", "fwer_p",
               "leading_edge", "universe"]  # fmt: skip
    if not members or ranked.empty:
        return pd.DataFrame(columns=columns)
    result = gseapy.prerank(
        rnk=ranked,
        gene_sets=members,
        min_size=min_size,
        max_size=max_size if max_size is not None else len(ranked),
        permutation_num=permutations,
        seed=seed,
        threads=threads,
        no_plot=True,
        outdir=None,
        verbose=False,
    ).res2d
    symbol = dict(
        zip(table["assay_id"], table["gene_symbol"].fillna(table["assay_id"]), strict=True)
    )
    out = pd.DataFrame(
        {
            "collection": collection,
            "set": result["Term"].astype(str),
            "set_size": result["Term"].map(lambda term: len(members[term])),
            "ES": result["ES"].astype(float),
            "NES": result["NES"].astype(float),
            "p_value": result["NOM p-val"].astype(float),
            "fdr_q": result["FDR q-val"].astype(float),
            "fwer_p": result["FWER p-val"].astype(float),
            "leading_edge": result["Lead_genes"].map(
                lambda ids: ";".join(str(symbol.get(i, i)) for i in str(ids).split(";") if i)
            ),
            "universe": len(ranked),
        }
    )
    return out.sort_values(["p_value", "set"], kind="stable").reset_index(drop=True)
