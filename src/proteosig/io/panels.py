"""Gene symbols for Olink assays, from the shipped UniProt -> symbol table."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from proteosig.errors import InputError


def uniprot_key(value) -> str | None:
    """Normalise one or several UniProt accessions ('P29460,P29459' -> 'P29459_P29460')."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    parts = [p for p in re.split(r"[,;_/\s]+", str(value).strip()) if p]
    if not parts:
        return None
    return "_".join(sorted(dict.fromkeys(parts)))


def read_symbol_table(path: str | Path) -> pd.Series:
    """UniProt key -> gene symbol."""
    path = Path(path)
    if not path.exists():
        raise InputError(path, "file not found", fix="check 'inputs: symbol_table' in the config")
    table = pd.read_csv(path, sep="\t", dtype=str)
    missing = {"uniprot", "gene_symbol"} - set(table.columns)
    if missing:
        raise InputError(
            path, f"columns {sorted(missing)} are missing", expected="uniprot, gene_symbol"
        )
    return table.set_index("uniprot")["gene_symbol"]


def map_gene_symbols(uniprot: pd.Series, symbols: pd.Series) -> pd.Series:
    """Symbol per row (missing where the accession is unknown or absent)."""
    keys = uniprot.map(uniprot_key, na_action="ignore")
    return keys.map(symbols).astype("string")
