"""Repository paths and small NPX fixtures we write ourselves (no third-party files)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
GISBY = REPO / "resources" / "gisby_serum"
SYMBOLS = REPO / "resources" / "panels" / "uniprot_gene_symbols.tsv"

LONG_HEADER = [
    "SampleID", "SampleType", "OlinkID", "UniProt", "Assay", "MissingFreq", "Panel",
    "Panel_Version", "PlateID", "QC_Warning", "LOD", "NPX", "Normalization", "Assay_Warning",
]  # fmt: skip

ASSAYS = [  # OlinkID, UniProt, Assay, LOD
    ("OID00471", "P10145", "IL8", 1.0),
    ("OID00482", "P05231", "IL6", 2.5),
    ("OID00490", "P35225", "IL-13", 4.0),
    ("OID00501", "P09341", "CXCL1", 0.5),
]


def make_long_table(
    n_per_group: int = 4,
    *,
    groups=("HC", "AD"),
    seed: int = 1,
    controls: bool = True,
    panel: str = "Olink Target 96 Inflammation",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A tiny Olink long export and its sample sheet (two plates, known values)."""
    rng = np.random.default_rng(seed)
    sample_ids = [f"S{i:02d}" for i in range(n_per_group * len(groups))]
    group_of = {s: groups[i // n_per_group] for i, s in enumerate(sample_ids)}
    plate_of = {s: f"Plate{1 + i % 2}" for i, s in enumerate(sample_ids)}
    rows = []
    ids = sample_ids + (["IPC_1", "Neg_ctrl_1"] if controls else [])
    for sample in ids:
        stype = "SAMPLE" if sample in group_of else "CONTROL"
        for olink_id, uniprot, assay, lod in ASSAYS:
            npx = round(float(rng.normal(5.0, 1.0)), 5)
            rows.append([
                sample, stype, olink_id, uniprot, assay, 0.0, panel, "v.3022",
                plate_of.get(sample, "Plate1"), "PASS", lod, npx, "Intensity", "PASS",
            ])  # fmt: skip
    long = pd.DataFrame(rows, columns=LONG_HEADER)
    sheet = pd.DataFrame(
        {
            "sample_id": sample_ids,
            "group": [group_of[s] for s in sample_ids],
            "age": [str(30 + i) for i in range(len(sample_ids))],
            "sex": ["M" if i % 2 else "F" for i in range(len(sample_ids))],
        }
    )
    return long, sheet
