"""Olink panel codes and gene symbols for assays (from the shipped UniProt -> symbol table)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from proteosig.errors import InputError

# Olink Target 96 panel names (lower case, version and 'Olink Target 96' removed) and
# their codes as in the Olink_Target_96 reference table.
PANEL_CODES = {
    "inflammation": "INF",
    "cardiometabolic": "CAM",
    "cardiovascular ii": "CVD II",
    "cardiovascular iii": "CVD III",
    "cell regulation": "CRE",
    "development": "DEV",
    "immuno oncology": "IMO",
    "immune response": "IRE",
    "metabolism": "MET",
    "neurology": "NEU",
    "neuro exploratory": "NEX",
    "organ damage": "ODA",
    "oncology ii": "ONC II",
    "oncology iii": "ONC III",
}
PANEL_CODES.update({code.lower(): code for code in list(PANEL_CODES.values())})
# short names seen in processed exports (e.g. Gisby et al.: CM, CVD2, CVD3, IR, In)
PANEL_CODES.update(
    {"cm": "CAM", "cvd2": "CVD II", "cvd3": "CVD III", "ir": "IRE", "in": "INF", "onc2": "ONC II",
     "onc3": "ONC III", "cvd 2": "CVD II", "cvd 3": "CVD III"}
)  # fmt: skip


def panel_code(text: str) -> str:
    """'Olink Target 96 Inflammation(v.3022)' -> 'INF'; unknown panels keep their text."""
    name = re.sub(r"\(\s*v[^)]*\)", " ", text, flags=re.IGNORECASE)
    name = re.sub(r"\bolink\b|\btarget\s*(?:96|48)\b", " ", name, flags=re.IGNORECASE)
    key = " ".join(re.sub(r"[-_/]", " ", name).lower().split())
    return PANEL_CODES.get(key, text.strip())


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
    duplicated = table["uniprot"].duplicated(keep=False)
    if duplicated.any():
        rows = [i + 2 for i in duplicated[duplicated].index]
        raise InputError(
            path,
            f"UniProt key(s) listed more than once: "
            f"{', '.join(sorted(table.loc[duplicated, 'uniprot'].unique())[:5])}",
            where=f"column 'uniprot', rows {', '.join(map(str, rows[:8]))}",
            expected="one gene symbol per UniProt key",
            fix="keep one row per key",
        )
    return table.set_index("uniprot")["gene_symbol"]


def map_gene_symbols(uniprot: pd.Series, symbols: pd.Series) -> pd.Series:
    """Symbol per row (missing where the accession is unknown or absent)."""
    keys = uniprot.map(uniprot_key, na_action="ignore")
    return keys.map(symbols).astype("string")
