"""The enrichment stage: gene sets on the measured proteome, per-sample scores and their
differential analysis, per-contrast GSEA and over-representation.

Every set is first restricted to the assays measured and kept by QC, then filtered by
size; the universe of every test is those assays, never the genome.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from proteosig.enrichment.genesets import assay_sets, filter_by_size, genes_of_assays, read_gmt


def build_sets(
    collections: dict[str, str | Path],
    assays: pd.DataFrame,
    assay_gene_map: pd.DataFrame | None,
    *,
    min_size: int,
    max_size: int | None,
) -> tuple[dict[str, dict[str, list[str]]], pd.DataFrame]:
    """{collection: {set: [assay_id, ...]}} restricted to measured assays and filtered by
    size, and a table of every set with its full and measured size and whether it was kept."""
    genes_of = genes_of_assays(assays, assay_gene_map)
    kept_all: dict[str, dict[str, list[str]]] = {}
    rows = []
    for collection, path in collections.items():
        gene_sets = read_gmt(path)
        measured = assay_sets(gene_sets, genes_of)
        kept, dropped = filter_by_size(
            measured, min_size=min_size, max_size=max_size, collection=collection
        )
        kept_all[collection] = kept
        reasons = dict(zip(dropped["set"], dropped["reason"], strict=True))
        for name, genes in gene_sets.items():
            rows.append(
                {
                    "collection": collection,
                    "set": name,
                    "size": len(genes),
                    "measured_size": len(measured[name]),
                    "kept": name in kept,
                    "reason": reasons.get(name, ""),
                }
            )
    return kept_all, pd.DataFrame(rows)


def save_sets(sets: dict[str, dict[str, list[str]]], path: str | Path) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as handle:
        json.dump(sets, handle, indent=1, sort_keys=True)
        handle.write("\n")


def load_sets(path: str | Path) -> dict[str, dict[str, list[str]]]:
    with open(path) as handle:
        return json.load(handle)


def score_table(
    matrix: pd.DataFrame,
    sets: dict[str, dict[str, list[str]]],
    collections: list[str],
    *,
    method: str,
    kcdf: str,
    kcdf_none_min_samples: int = 200,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Samples x sets scores (columns '<collection>:<set>') of the chosen collections."""
    from proteosig.enrichment.scores import score_samples

    frames = []
    for collection in collections:
        if not sets.get(collection):
            continue
        scores = score_samples(
            matrix.T, sets[collection], method=method, kcdf=kcdf,
            kcdf_none_min_samples=kcdf_none_min_samples, n_jobs=n_jobs,
        )  # fmt: skip
        scores.index = [f"{collection}:{name}" for name in scores.index]
        frames.append(scores.T)
    if not frames:
        return pd.DataFrame(index=matrix.index)
    table = pd.concat(frames, axis=1)
    table.index.name = "sample_id"
    return table


def score_annotation(scores: pd.DataFrame, sets: dict[str, dict[str, list[str]]]) -> pd.DataFrame:
    """Assay-like annotation of score columns so the differential tables can label them."""
    rows = []
    for column in scores.columns:
        collection, name = column.split(":", 1)
        rows.append(
            {
                "assay_id": column,
                "gene_symbol": name,
                "uniprot": pd.NA,
                "panel": collection,
                "set_size": len(sets[collection][name]),
            }
        )
    return pd.DataFrame(rows)
