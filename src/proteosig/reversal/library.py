"""The drug library and the drug signatures built from it.

A drug signature is a signed weight per measured assay: negative where the drug lowers
the protein, positive where it raises it, 0 where nothing is known. Three kinds:

``empirical``
    from the user's paired pre/post treatment data, through the differential model: the
    log2FC of the proteins that changed (FDR below the threshold).
``observed``
    protein changes reported under treatment (``observed_signatures.tsv``), restricted to
    the configured tissues (serum and plasma by default): the reported log2FC where it
    could be derived, else the direction (+-1). Class-level rows (``class:...``) apply to
    every member drug of ``drug_classes.tsv``.
``mechanism``
    the drug's targets -> the immune axes they drive (``target_axes.tsv``) -> the measured
    members of those axes, each lowered by the axis weight (1 primary, 0.5 secondary).

Each drug uses the first kind in ``priority`` that reaches ``min_size`` measured
proteins; the kind is reported next to every score.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from proteosig.errors import InputError

KINDS = ("empirical", "observed", "mechanism")


@dataclass(frozen=True)
class DrugLibrary:
    drugs: pd.DataFrame
    target_axes: pd.DataFrame
    observed: pd.DataFrame
    classes: pd.DataFrame


def _read(path: str | Path, required: list[str]) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "file not found", fix="check 'reversal: library' in the config")
    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    missing = [c for c in required if c not in table.columns]
    if missing:
        raise InputError(
            path,
            "missing column(s) " + ", ".join(missing),
            expected="the columns of resources/drugs (see resources/drugs/README.md)",
        )
    return table


def read_library(folder: str | Path) -> DrugLibrary:
    """The four tables of a drug-library folder (``resources/drugs`` layout)."""
    folder = Path(folder)
    drugs = _read(folder / "drugs.tsv", ["drug", "targets", "mechanism"])
    duplicated = drugs["drug"][drugs["drug"].duplicated()]
    if not duplicated.empty:
        raise InputError(
            folder / "drugs.tsv",
            "drug(s) listed twice: " + ", ".join(sorted(set(duplicated))),
            fix="keep one row per drug",
        )
    target_axes = _read(folder / "target_axes.tsv", ["target", "axis", "weight"])
    observed = _read(
        folder / "observed_signatures.tsv", ["drug", "gene_symbol", "direction", "log2fc", "tissue"]
    )
    classes_path = folder / "drug_classes.tsv"
    classes = (
        _read(classes_path, ["drug_class", "drug"])
        if classes_path.is_file()
        else pd.DataFrame(columns=["drug_class", "drug"])
    )
    for name, table, column in (
        ("target_axes.tsv", target_axes, "weight"),
        ("observed_signatures.tsv", observed, "direction"),
    ):
        values = pd.to_numeric(table[column], errors="coerce")
        bad = table.index[values.isna()]
        if len(bad):
            raise InputError(
                folder / name,
                f"non-numeric {column!r}",
                where=f"row {bad[0] + 2}",
                expected="a number",
            )
    return DrugLibrary(drugs, target_axes, observed, classes)


def _symbol_index(assays: pd.DataFrame) -> dict[str, list[str]]:
    index: dict[str, list[str]] = {}
    for assay, symbol in zip(assays["assay_id"].astype(str), assays["gene_symbol"], strict=True):
        if isinstance(symbol, str) and symbol:
            index.setdefault(symbol, []).append(assay)
    return index


def observed_weights(
    library: DrugLibrary, assays: pd.DataFrame, *, tissues: list[str]
) -> pd.DataFrame:
    """Drugs x assays from reported changes (class rows expanded to member drugs)."""
    rows = library.observed[library.observed["tissue"].isin(tissues)].copy()
    members = library.classes.groupby("drug_class")["drug"].apply(list).to_dict()
    rows["drug"] = rows["drug"].map(lambda d: members.get(d, [d]))
    rows = rows.explode("drug")
    size = pd.to_numeric(rows["log2fc"], errors="coerce")
    direction = pd.to_numeric(rows["direction"], errors="coerce")
    rows["weight"] = np.where(size.notna(), size, direction)
    index = _symbol_index(assays)
    rows["assay_id"] = rows["gene_symbol"].map(index)
    rows = rows.dropna(subset=["assay_id"]).explode("assay_id")
    # several reports of one protein for one drug: their mean
    weights = rows.groupby(["drug", "assay_id"])["weight"].mean().unstack(fill_value=0.0)
    return weights.reindex(columns=assays["assay_id"].astype(str), fill_value=0.0)


def mechanism_weights(
    library: DrugLibrary, assays: pd.DataFrame, axis_members: dict[str, list[str]]
) -> pd.DataFrame:
    """Drugs x assays: each target's axes, their measured members lowered by the weight.

    A protein reached through several targets or axes keeps the largest weight, so that a
    drug with two targets on one axis does not count that axis twice.
    """
    columns = assays["assay_id"].astype(str).tolist()
    position = {a: i for i, a in enumerate(columns)}
    table = library.target_axes
    weights = np.zeros((len(library.drugs), len(columns)))
    for d, targets in enumerate(library.drugs["targets"]):
        for target in [t.strip() for t in targets.split(";") if t.strip()]:
            for axis, weight, direction in zip(
                table.loc[table["target"] == target, "axis"],
                pd.to_numeric(table.loc[table["target"] == target, "weight"]),
                pd.to_numeric(
                    table.loc[table["target"] == target].get(
                        "direction_on_inhibition", pd.Series(-1, index=table.index)
                    )
                ),
                strict=True,
            ):
                for assay in axis_members.get(axis, []):
                    j = position.get(assay)
                    if j is not None and abs(weight) > abs(weights[d, j]):
                        weights[d, j] = float(np.sign(direction) * weight)
    return pd.DataFrame(weights, index=library.drugs["drug"].tolist(), columns=columns)


def drug_signatures(
    library: DrugLibrary,
    assays: pd.DataFrame,
    axis_members: dict[str, list[str]],
    *,
    priority: list[str],
    tissues: list[str],
    min_size: int,
    empirical: dict[str, pd.Series] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(drugs x assays weights, one row per drug: kind, size, proteins, fallbacks).

    ``empirical`` maps a drug to its weights per assay (from ``empirical_signature``).
    Drugs with no kind reaching ``min_size`` measured proteins are kept with kind
    ``none`` and all-zero weights, so every library drug appears in the output.
    """
    unknown = [k for k in priority if k not in KINDS]
    if unknown:
        raise InputError("config", f"unknown signature kind(s) {unknown}", expected=str(KINDS))
    columns = assays["assay_id"].astype(str).tolist()
    sources = {
        "observed": observed_weights(library, assays, tissues=tissues),
        "mechanism": mechanism_weights(library, assays, axis_members),
        "empirical": pd.DataFrame(
            {drug: w.reindex(columns).fillna(0.0) for drug, w in (empirical or {}).items()}
        ).T.reindex(columns=columns, fill_value=0.0),
    }
    symbols = assays.set_index(assays["assay_id"].astype(str))["gene_symbol"]
    names = library.drugs["drug"].tolist() + [
        d for d in (empirical or {}) if d not in set(library.drugs["drug"])
    ]
    weights = pd.DataFrame(0.0, index=names, columns=columns)
    rows = []
    for drug in names:
        sizes = {
            kind: int((sources[kind].loc[drug] != 0).sum()) if drug in sources[kind].index else 0
            for kind in KINDS
        }
        chosen = next((k for k in priority if sizes[k] >= min_size), "none")
        if chosen != "none":
            weights.loc[drug] = sources[chosen].loc[drug].to_numpy(dtype=float)
        members = weights.columns[weights.loc[drug] != 0]
        rows.append(
            {
                "drug": drug,
                "signature_kind": chosen,
                "n_proteins": len(members),
                "n_up": int((weights.loc[drug] > 0).sum()),
                "n_down": int((weights.loc[drug] < 0).sum()),
                **{f"n_{kind}": sizes[kind] for kind in KINDS},
                "proteins": ";".join(sorted(str(symbols.get(a, a)) for a in members)),
            }
        )
    return weights, pd.DataFrame(rows)


def signatures_from_long(long: pd.DataFrame, drugs: list[str], assays: list[str]) -> pd.DataFrame:
    """Drugs x assays weights from the long table ``rule reversal_signatures`` writes
    (non-zero weights only); drugs and assays absent from it get 0."""
    weights = long.pivot_table(index="drug", columns="assay_id", values="weight", aggfunc="sum")
    return weights.reindex(index=drugs, columns=assays).fillna(0.0)
