"""Gene sets expressed over the measured assays.

Every enrichment method here works on *assay IDs*, not gene symbols: a set is restricted
to the assays that were measured and kept by QC (the universe), and an assay that
measures a complex or paralogous proteins (IL-12 = IL12A + IL12B) belongs to a set when
any of its genes does (``resources/genesets/assay_gene_map.tsv``).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from proteosig.errors import InputError


def read_gmt(path: str | Path) -> dict[str, list[str]]:
    """GMT: set name, description, then members, tab-separated; one set per line."""
    path = Path(path)
    if not path.is_file():
        raise InputError(
            path, "file not found", fix="check 'enrichment: collections' in the config"
        )
    sets: dict[str, list[str]] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.rstrip("\n").split("\t")
        if len(fields) < 3:
            raise InputError(
                path,
                "a gene set line has fewer than 3 tab-separated fields",
                where=f"line {number}",
                expected="name<TAB>description<TAB>gene<TAB>gene...",
                fix="check the file is a GMT (not a GMX or a space-separated list)",
            )
        name = fields[0].strip()
        if not name:
            raise InputError(path, "gene set without a name", where=f"line {number}")
        if name in sets:
            raise InputError(path, f"gene set {name!r} appears twice", where=f"line {number}")
        sets[name] = list(dict.fromkeys(g.strip() for g in fields[2:] if g.strip()))
    return sets


def genes_of_assays(assays: pd.DataFrame, assay_gene_map: pd.DataFrame | None) -> pd.Series:
    """assay_id -> list of gene symbols it stands for (one, or several for complexes)."""
    parts = {}
    if assay_gene_map is not None and len(assay_gene_map):
        parts = assay_gene_map.groupby("uniprot_key")["gene_symbol"].apply(list).to_dict()
    genes = {}
    for row in assays.itertuples(index=False):
        key = row.uniprot if isinstance(row.uniprot, str) else None
        symbol = row.gene_symbol if isinstance(row.gene_symbol, str) else None
        if key in parts:
            genes[row.assay_id] = parts[key]
        elif symbol:
            genes[row.assay_id] = symbol.split("_") if key and "_" in key else [symbol]
        else:
            genes[row.assay_id] = []
    return pd.Series(genes, dtype=object)


def assay_sets(gene_sets: dict[str, list[str]], genes_of: pd.Series) -> dict[str, list[str]]:
    """Each gene set as the sorted list of measured assays that belong to it."""
    by_gene: dict[str, set[str]] = {}
    for assay, genes in genes_of.items():
        for gene in genes:
            by_gene.setdefault(gene, set()).add(assay)
    result = {}
    for name, genes in gene_sets.items():
        members: set[str] = set()
        for gene in genes:
            members |= by_gene.get(gene, set())
        result[name] = sorted(members)
    return result


def filter_by_size(
    sets: dict[str, list[str]], *, min_size: int, max_size: int | None, collection: str = ""
) -> tuple[dict[str, list[str]], pd.DataFrame]:
    """Keep sets with min_size <= measured members <= max_size; list the others and why."""
    kept, dropped = {}, []
    for name, members in sets.items():
        size = len(members)
        if size < min_size:
            dropped.append((collection, name, size, f"fewer than {min_size} measured members"))
        elif max_size is not None and size > max_size:
            dropped.append((collection, name, size, f"more than {max_size} measured members"))
        else:
            kept[name] = members
    table = pd.DataFrame(dropped, columns=["collection", "set", "measured_size", "reason"])
    return kept, table
