"""Build the shipped panel tables from the pQTLdata copies of Olink's public assay lists.

Run once by a maintainer
(``python resources/panels/build_panel_tables.py ../shared/reference/olink_panels``); the
pipeline reads only the TSVs this writes, never the source folder.

Gene symbols: Olink's Target 96 list names proteins by Olink's assay names (``IL-4RA``,
``MMP-12``), which are not HGNC symbols, so every UniProt entry takes its symbol from, in
order, the Explore HT, Explore 3072, Explore 1536, the older Target 96 qPCR table and the
INF1 table (HGNC symbols) and only then falls back to Olink's assay name. Assays that
measure a complex or two indistinguishable proteins carry several UniProt accessions; they
are kept as one key with the accessions sorted and joined by ``_`` and a symbol per part.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent


def uniprot_key(value: str) -> str:
    parts = [p.strip() for p in re.split(r"[,;_/ ]+", str(value)) if p.strip()]
    return "_".join(sorted(dict.fromkeys(parts)))


def main(source: Path) -> None:
    target = pd.read_csv(source / "Olink_Target_96.tsv", sep="\t")
    target = target.dropna(subset=["UniProt"]).copy()
    names = target["Protein"]
    target["protein_name"] = names.str.replace(r"\s*\([^()]*\)\s*$", "", regex=True)
    target["olink_name"] = target["Protein"].str.extract(r"\(([^()]*)\)\s*$", expand=False)
    target["protein_name"] = target["protein_name"].str.strip().str.replace(r"\s+", " ", regex=True)

    single: dict[str, tuple[str, str]] = {}
    # The Explore tables list these only as parts of a complex; their own symbols are
    # UniProt's recommended gene names for the accession.
    curated = {
        "Q8NEV9": "IL27", "Q14213": "EBI3", "Q29983": "MICA", "Q29980": "MICB",
        "P21217": "FUT3", "Q11128": "FUT5",
    }
    for accession, gene in curated.items():
        single[accession] = (gene, "UniProt recommended gene name (curated)")

    def add(uniprots, genes, label):
        for u, g in zip(uniprots, genes, strict=True):
            if pd.isna(u) or pd.isna(g):
                continue
            key = uniprot_key(u)
            if "_" in key:
                continue  # complexes are resolved from their parts below
            single.setdefault(key, (str(g).strip(), label))

    ht = pd.read_csv(source / "Olink_Explore_HT.tsv", sep="\t")
    add(ht["UniProt.ID"], ht["Gene.name"], "Olink Explore HT")
    e3072 = pd.read_csv(source / "Olink_Explore_3072.tsv", sep="\t")
    add(e3072["UniProt.ID"], e3072["Gene.name"], "Olink Explore 3072")
    e1536 = pd.read_csv(source / "Olink_Explore_1536.tsv", sep="\t")
    add(e1536["UniProt"], e1536["Assay"], "Olink Explore 1536")
    qpcr = pd.read_csv(source / "Olink_qPCR.tsv", sep="\t")
    add(qpcr["UniProt"], qpcr["gene"], "Olink Target 96 (qPCR table)")
    inf1 = pd.read_csv(source / "inf1.tsv", sep="\t")
    add(inf1["uniprot"], inf1["gene"], "Olink INF1 table")

    def symbol_for(key: str, fallback: str | float) -> tuple[str, str]:
        parts = key.split("_")
        found = [single.get(p) for p in parts]
        if all(found):
            return "_".join(f[0] for f in found), "; ".join(dict.fromkeys(f[1] for f in found))
        if isinstance(fallback, str) and fallback.strip():
            return re.sub(r"\s+", "", fallback.strip()), "Olink assay name (no HGNC symbol found)"
        return "", "unmapped"

    target["uniprot"] = target["UniProt"].map(uniprot_key)
    pairs = zip(target["uniprot"], target["olink_name"], strict=True)
    mapped = [symbol_for(key, fallback) for key, fallback in pairs]
    target["gene_symbol"] = [m[0] for m in mapped]
    target["symbol_source"] = [m[1] for m in mapped]
    target["panels"] = target["Panel"].str.replace(r"\s*,\s*", ", ", regex=True)
    target96 = target[
        ["uniprot", "gene_symbol", "olink_name", "protein_name", "panels", "symbol_source"]
    ].sort_values("uniprot")
    target96.to_csv(HERE / "olink_target96.tsv", sep="\t", index=False)

    keys = set(single) | set(target96["uniprot"])
    for table, column in ((e3072, "UniProt.ID"), (ht, "UniProt.ID")):
        keys |= {uniprot_key(u) for u in table[column].dropna()}
    rows = []
    fallback = dict(zip(target96["uniprot"], target96["olink_name"], strict=True))
    for key in sorted(keys):
        symbol, origin = symbol_for(key, fallback.get(key, ""))
        if symbol:
            rows.append((key, symbol, origin))
    pd.DataFrame(rows, columns=["uniprot", "gene_symbol", "symbol_source"]).to_csv(
        HERE / "uniprot_gene_symbols.tsv", sep="\t", index=False
    )
    print(f"target96: {len(target96)} assays; symbol table: {len(rows)} UniProt keys")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
