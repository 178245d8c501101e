"""SYNTHETIC biobank-scale cohort: Olink Explore 3072 content, long parquet, any size.

The scale benchmark (``benchmarks/scale.py``) needs cohorts shaped like UK Biobank's
Olink Explore 3072 release (about 50,000 samples x 2,900 proteins) that no one can ship.
This module writes one, deterministically, in the layout Olink Software exports for
Explore (one row per sample x assay, parquet), plus a sample sheet and a config that runs
the whole pipeline on it.

The model is deliberately simpler than the demo's (``simulate.demo``), because its job is
to load every stage realistically, not to mimic serum biology:

* assays: every row of the Explore 3072 panel table (8 blocks of ~368 assays; TNF, IL6 and
  CXCL8 sit on all four 'I' blocks, as on the real panel), a synthetic OlinkID each;
* subjects: four groups (HC 40 %, AD, PSO, MDD 20 % each), age and sex with small effects
  on every protein, 88 samples per plate with a small plate offset per assay;
* values: protein mean ~ N(4, 1.5) NPX, SD 0.4-1.2, three shared latent factors (so that
  proteins correlate as in real plasma), Gaussian noise; an assay-specific LOD below which
  about 5 % of healthy values fall;
* disease effects: the literature effects of the demo (``demo_effects.tsv``, each cited)
  on the proteins Explore measures, with half of the MDD group carrying the AD-like
  (MDD_TH2) effects, as in the demo.

Samples are generated and written in blocks (``block_size``), so memory stays at one
block's worth whatever the cohort size. Every block has its own generator seeded by the
seed and the block's first sample, so the file is identical for a given seed, size and
block size.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from proteosig.io.panels import uniprot_key
from proteosig.simulate.demo import load_effects_table

REPO_ROOT = Path(__file__).resolve().parents[3]
DEFAULT_SEED = 20260521
GROUP_SHARES = {"HC": 0.4, "AD": 0.2, "PSO": 0.2, "MDD": 0.2}
SAMPLES_PER_PLATE = 88
N_FACTORS = 3
#: subjects per generated block (part of what defines the values: keep it fixed)
DEFAULT_BLOCK = 2_000


def default_explore_table() -> Path:
    return REPO_ROOT / "resources" / "panels" / "olink_explore3072.tsv"


@dataclass(frozen=True)
class ScaleCohort:
    """Where a written cohort lives."""

    npx: Path
    sample_sheet: Path
    config: Path
    n_samples: int
    n_assays: int


def explore_assays(path: str | Path | None = None) -> pd.DataFrame:
    """One row per Explore 3072 assay: olink_id, uniprot, assay, panel, gene_symbol."""
    table = pd.read_csv(path or default_explore_table(), sep="\t", dtype=str)
    out = pd.DataFrame(
        {
            "uniprot": table["UniProt.ID"].map(uniprot_key),
            "gene_symbol": table["Gene.name"],
            "assay": table["Gene.name"],
            "panel": "Explore_3072_" + table["Explore.384.panel"],
        }
    )
    # OID2xxxx like Explore's own numbering; synthetic, stable for a given table
    out.insert(0, "olink_id", [f"OID2{i:04d}" for i in range(1, len(out) + 1)])
    return out


def _subject_rng(seed: int, block: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), 3072, int(block)])


def _protein_parameters(assays: pd.DataFrame, seed: int) -> dict[str, np.ndarray]:
    """Per protein (not per assay: a protein on four blocks is one latent value)."""
    rng = np.random.default_rng([int(seed), 3072, 0xA55A])
    proteins = assays["uniprot"].drop_duplicates().to_numpy()
    n = len(proteins)
    return {
        "uniprot": proteins,
        "mean": rng.normal(4.0, 1.5, n),
        "sd": rng.uniform(0.4, 1.2, n),
        "loadings": rng.normal(0.0, 0.35, (n, N_FACTORS)),
        "age": rng.normal(0.0, 0.004, n),  # NPX per year
        "sex": rng.normal(0.0, 0.08, n),
    }


def _effects(proteins: np.ndarray) -> dict[str, np.ndarray]:
    """Group -> planted log2FC per protein, from the cited demo effects table."""
    table = load_effects_table()
    position = {u: i for i, u in enumerate(proteins)}
    out = {g: np.zeros(len(proteins)) for g in ("AD", "PSO", "MDD", "MDD_TH2")}
    for rec in table.itertuples(index=False):
        if rec.uniprot in position:
            out[rec.group][position[rec.uniprot]] += rec.log2fc
    return out


def simulate_subjects(n_samples: int, seed: int) -> pd.DataFrame:
    """Sample sheet: IDs, group (shuffled, shares of ``GROUP_SHARES``), age, sex, plate."""
    rng = np.random.default_rng([int(seed), 3072, 0x5EED])
    counts = np.floor(np.array(list(GROUP_SHARES.values())) * n_samples).astype(int)
    counts[0] += n_samples - counts.sum()
    groups = rng.permutation(np.repeat(list(GROUP_SHARES), counts))
    mdd = np.flatnonzero(groups == "MDD")
    th2 = np.zeros(n_samples, dtype=bool)
    th2[rng.permutation(mdd)[: len(mdd) // 2]] = True
    width = len(str(n_samples))
    return pd.DataFrame(
        {
            "sample_id": [f"S{i:0{width}d}" for i in range(1, n_samples + 1)],
            "group": groups,
            "age": np.round(np.clip(rng.normal(55, 8, n_samples), 40, 70), 1),
            "sex": rng.choice(["F", "M"], n_samples),
            "th2_high_subset": th2,
            "plate": [f"PLATE_{i // SAMPLES_PER_PLATE + 1:04d}" for i in range(n_samples)],
        }
    )


def _block_values(subjects, params, effects, protein_of_assay, plate_offsets, seed, block):
    """Samples x assays NPX of one block (float32: Explore exports carry 4-5 digits)."""
    rng = _subject_rng(seed, block)
    n = len(subjects)
    factors = rng.standard_normal((n, N_FACTORS))
    latent = (
        params["mean"][None, :]
        + factors @ params["loadings"].T
        + (subjects["age"].to_numpy()[:, None] - 55.0) * params["age"][None, :]
        + (subjects["sex"].to_numpy() == "M")[:, None] * params["sex"][None, :]
    )
    groups = subjects["group"].to_numpy()
    for group in ("AD", "PSO", "MDD"):
        latent[groups == group] += effects[group]
    latent[subjects["th2_high_subset"].to_numpy()] += effects["MDD_TH2"]
    values = latent[:, protein_of_assay]
    values += rng.standard_normal(values.shape) * params["sd"][protein_of_assay][None, :]
    plate_index = subjects["plate"].str.slice(6).astype(int).to_numpy() - 1
    values += plate_offsets[plate_index % len(plate_offsets)]
    return values.astype(np.float32)


def write_scale_cohort(
    out_dir: str | Path,
    n_samples: int,
    *,
    seed: int = DEFAULT_SEED,
    block_size: int = DEFAULT_BLOCK,
    panel_table: str | Path | None = None,
) -> ScaleCohort:
    """Write ``npx.parquet``, ``samples.tsv`` and ``config.yaml`` under ``out_dir``."""
    import pyarrow as pa
    import pyarrow.parquet as pq
    import yaml

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    assays = explore_assays(panel_table)
    params = _protein_parameters(assays, seed)
    effects = _effects(params["uniprot"])
    protein_of_assay = pd.Index(params["uniprot"]).get_indexer(assays["uniprot"])
    n_assays = len(assays)
    rng = np.random.default_rng([int(seed), 3072, 0x1A7E])
    plate_offsets = rng.normal(0.0, 0.1, (64, n_assays))  # cycled over plates
    # LOD: about the 5th percentile of a healthy, plate-free value
    lod = (params["mean"] - 1.645 * params["sd"])[protein_of_assay].astype(np.float32)

    subjects = simulate_subjects(n_samples, seed)
    sheet = subjects.drop(columns=["th2_high_subset", "plate"])
    sheet.to_csv(out / "samples.tsv", sep="\t", index=False)
    subjects[["sample_id", "th2_high_subset"]].to_csv(
        out / "truth_samples.tsv", sep="\t", index=False
    )

    # strings as dictionaries: a 50,000 x 2,943 long table stays a few GB on disk and
    # readers load the codes, not 147 million Python strings
    def dictionary(values, n_rep, tile):
        codes = np.arange(len(values), dtype=np.int32)
        codes = np.tile(codes, n_rep) if tile else np.repeat(codes, n_rep)
        return pa.DictionaryArray.from_arrays(pa.array(codes), pa.array(values))

    path = out / "npx.parquet"
    tmp = path.with_suffix(".parquet.tmp")
    writer = None
    try:
        for start in range(0, n_samples, block_size):
            part = subjects.iloc[start : start + block_size]
            values = _block_values(
                part, params, effects, protein_of_assay, plate_offsets, seed, start
            )
            n = len(part)
            table = pa.table(
                {
                    "SampleID": dictionary(part["sample_id"].to_numpy(), n_assays, False),
                    "SampleType": pa.DictionaryArray.from_arrays(
                        pa.array(np.zeros(n * n_assays, dtype=np.int32)), pa.array(["SAMPLE"])
                    ),
                    "OlinkID": dictionary(assays["olink_id"].to_numpy(), n, True),
                    "UniProt": dictionary(assays["uniprot"].to_numpy(), n, True),
                    "Assay": dictionary(assays["assay"].to_numpy(), n, True),
                    "Panel": dictionary(assays["panel"].to_numpy(), n, True),
                    "PlateID": dictionary(part["plate"].to_numpy(), n_assays, False),
                    "QC_Warning": pa.DictionaryArray.from_arrays(
                        pa.array(np.zeros(n * n_assays, dtype=np.int32)), pa.array(["PASS"])
                    ),
                    "Assay_Warning": pa.DictionaryArray.from_arrays(
                        pa.array(np.zeros(n * n_assays, dtype=np.int32)), pa.array(["PASS"])
                    ),
                    "LOD": pa.array(np.tile(lod, n)),
                    "NPX": pa.array(values.ravel()),
                    "Normalization": pa.DictionaryArray.from_arrays(
                        pa.array(np.zeros(n * n_assays, dtype=np.int32)),
                        pa.array(["Intensity"]),
                    ),
                }
            )
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema, compression="zstd")
            writer.write_table(table, row_group_size=len(table))
        writer.close()
        tmp.replace(path)
    except BaseException:
        if writer is not None:
            writer.close()
        tmp.unlink(missing_ok=True)
        raise

    config_path = out / "config.yaml"
    config_path.write_text(yaml.safe_dump(scale_config(out), sort_keys=False))
    return ScaleCohort(path, out / "samples.tsv", config_path, n_samples, n_assays)


def scale_config(cohort_dir: str | Path) -> dict:
    """Pipeline config for a cohort written by ``write_scale_cohort`` (paths absolute).

    Settings that change with scale, and why:

    * none for GSVA: the default ``kcdf: auto`` switches to the empirical CDF from 200
      samples on, as R's GSVA does (the Gaussian kernel is O(samples^2) per protein);
    * ``similarity``/``reversal`` permutation counts as in the demo: the refits are
      batched, so they cost a few full model fits each, not one fit per permutation.
    """
    cohort_dir = Path(cohort_dir).resolve()
    return {
        "seed": DEFAULT_SEED,
        "inputs": {
            "npx": [str(cohort_dir / "npx.parquet")],
            "format": "olink_long",
            "sample_sheet": str(cohort_dir / "samples.tsv"),
        },
        "samples": {
            "id_column": "sample_id",
            "group_column": "group",
            "control_group": "HC",
            "groups": ["HC", "AD", "PSO", "MDD"],
            "covariates": ["age", "sex"],
        },
        "differential": {"formula": "~ 0 + group + age + sex"},
    }
