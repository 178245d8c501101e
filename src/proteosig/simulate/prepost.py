"""SYNTHETIC paired pre/post treatment data: atopic dermatitis patients at baseline and
week 16 of dupilumab, so that the reversal stage's empirical-signature path runs on the
demo by default.

Baseline: the AD patients of a demo cohort simulated with the same model as the main demo
(``simulate_demo``, its own seed), so every protein has realistic serum levels, LOD and
correlation. Week 16: the same patients' values plus the planted treatment changes plus
within-patient noise (SD ``WITHIN_SD``); the patient's own level is kept, which is what a
paired design exploits.

Planted changes, from ``resources/drugs/observed_signatures.tsv`` (dupilumab rows):
serum/plasma rows at their reported log2FC; skin tape-strip rows at ``SKIN_TO_SERUM``
log2FC (an assumption: tape strips are skin, and serum changes are usually smaller).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from proteosig.errors import InputError
from proteosig.simulate.demo import REPO_ROOT, simulate_demo

README = """# SYNTHETIC dupilumab pre/post data (demo)

Simulated, not measured. 20 atopic dermatitis patients at baseline (`W0`) and week 16
(`W16`) of dupilumab, Olink Target 96 (four panels), so that the reversal stage's
empirical-signature path runs on the demo by default.

- Baseline: the AD patients of a demo cohort simulated with the main demo's model
  (`proteosig.simulate.prepost`, seed 20260522): realistic serum levels, LOD and protein
  correlation from Gisby et al. 2021 (CC BY 4.0).
- Week 16: the same values plus the planted changes (`planted_changes.tsv`) plus
  within-patient noise (SD 0.25 NPX).
- Planted changes: dupilumab rows of `resources/drugs/observed_signatures.tsv`: serum and
  plasma rows at their reported log2FC (Hamilton JD et al., Clin Exp Allergy
  2021;51:915-931, PMID 34037993: CCL17, CCL26, IgE, periostin; only CCL17 is on these
  panels), skin tape-strip rows (He H et al., Front Immunol 2020;11:1768) at -0.5 log2FC,
  an assumption (serum changes are usually smaller than skin changes).

Files: `npx.csv` (Olink long, `;`), `samples.tsv` (`sample_id, group, subject, age,
sex`), `planted_changes.tsv`. `proteosig simulate-demo --out resources/demo` regenerates
them with the rest of the demo, byte for byte.
"""

WITHIN_SD = 0.25
SKIN_TO_SERUM = -0.5
DEFAULT_SEED = 20260522


def planted_changes(observed: pd.DataFrame, drug: str = "dupilumab") -> pd.DataFrame:
    """gene_symbol -> log2FC planted at week 16 (see the module docstring)."""
    rows = observed[observed["drug"] == drug].copy()
    if rows.empty:
        raise InputError("observed_signatures.tsv", f"no rows for drug {drug!r}")
    size = pd.to_numeric(rows["log2fc"], errors="coerce")
    blood = rows["tissue"].isin(["serum", "plasma"])
    rows["log2fc_planted"] = np.where(blood & size.notna(), size, np.nan)
    skin = rows["tissue"].str.startswith("skin")
    rows.loc[skin & rows["log2fc_planted"].isna(), "log2fc_planted"] = SKIN_TO_SERUM * np.abs(
        pd.to_numeric(rows.loc[skin, "direction"])
    )
    rows = rows.dropna(subset=["log2fc_planted"])
    # a protein reported in blood keeps its blood size
    rows = rows.sort_values("tissue", key=lambda s: ~s.isin(["serum", "plasma"]), kind="stable")
    return rows.drop_duplicates("gene_symbol")[["gene_symbol", "tissue", "log2fc_planted",
                                                "citation", "doi_or_pmid"]]  # fmt: skip


def simulate_prepost(
    *, n_patients: int = 20, seed: int = DEFAULT_SEED, drugs_dir: str | Path | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(Olink long NPX table, sample sheet, planted changes) for baseline and week 16."""
    drugs_dir = Path(drugs_dir or REPO_ROOT / "resources" / "drugs")
    observed = pd.read_csv(drugs_dir / "observed_signatures.tsv", sep="\t", dtype=str)
    changes = planted_changes(observed)
    cohort = simulate_demo(seed=seed, n_per_group={"HC": 2, "AD": n_patients, "PSO": 2, "MDD": 2})
    patients = cohort.samples[cohort.samples["group"] == "AD"].reset_index(drop=True)
    base = cohort.npx_long[cohort.npx_long["SampleID"].isin(patients["sample_id"])].copy()
    rng = np.random.default_rng(seed)
    subject = {s: f"P{i + 1:02d}" for i, s in enumerate(patients["sample_id"])}
    symbols = cohort.truth_assays.set_index("olink_id")["gene_symbol"]
    change = changes.set_index("gene_symbol")["log2fc_planted"]
    shift = base["OlinkID"].map(symbols).map(change).fillna(0.0).to_numpy()
    week16 = base.copy()
    week16["NPX"] = base["NPX"].to_numpy() + shift + rng.normal(0.0, WITHIN_SD, len(base))
    base["SampleID"] = base["SampleID"].map(lambda s: f"{subject[s]}_W0")
    week16["SampleID"] = week16["SampleID"].map(lambda s: f"{subject[s]}_W16")
    long = pd.concat([base, week16], ignore_index=True)
    long["NPX"] = long["NPX"].round(5)
    sheet = pd.concat(
        [
            patients.assign(
                subject=patients["sample_id"].map(subject),
                sample_id=patients["sample_id"].map(lambda s, w=w: f"{subject[s]}_{w}"),
                group=w,
            )
            for w in ("W0", "W16")
        ],
        ignore_index=True,
    )
    return long, sheet[["sample_id", "group", "subject", "age", "sex"]], changes


def write_prepost(out_dir: str | Path, **kwargs) -> list[Path]:
    """Write ``npx.csv`` (Olink long, ';'), ``samples.tsv``, ``planted_changes.tsv`` and
    ``README.md``; ``proteosig simulate-demo`` calls it for ``resources/demo``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    long, sheet, changes = simulate_prepost(**kwargs)
    paths = [out_dir / "npx.csv", out_dir / "samples.tsv", out_dir / "planted_changes.tsv",
             out_dir / "README.md"]  # fmt: skip
    long.to_csv(paths[0], sep=";", index=False, lineterminator="\n")
    sheet.to_csv(paths[1], sep="\t", index=False, lineterminator="\n")
    changes.to_csv(paths[2], sep="\t", index=False, lineterminator="\n")
    paths[3].write_text(README, encoding="utf-8")
    return paths
