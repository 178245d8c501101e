"""Write the deterministic inputs of the limma reference scenarios.

Run from the repository root::

    python tests/data/limma/make_inputs.py            # every scenario
    python tests/data/limma/make_inputs.py demo gisby # some of them

Each scenario gets a folder ``tests/data/limma/<scenario>/`` holding

* ``expression.tsv``: proteins x samples. First column ``protein``, then one column per
  sample in the order of ``samples.tsv``. Values are written as Python's shortest
  round-trip representation (``repr``), which reads back to the identical double, like
  ``%.17g`` does but shorter; missing values are ``NA``.
* ``samples.tsv``: ``sample_id`` plus the design variables.
* ``spec.json``: the R formula, the variable types and factor levels, the group variable
  (whose design columns are named by level alone) and the contrasts.

``run_limma.R`` then reads these and writes limma's outputs beside them. The whole chain
is ``bash tests/data/limma/regenerate.sh``.
"""

from __future__ import annotations

import glob
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
GISBY = REPO / "resources" / "gisby_serum"
DEMO = REPO / "resources" / "demo"

MISSING_SEED = 20260521
PAIRED_SEED = 20260522


# --------------------------------------------------------------------------- writers
def _fmt(x: float) -> str:
    if x is None or not np.isfinite(x):
        if x is not None and np.isinf(x):
            return "Inf" if x > 0 else "-Inf"
        return "NA"
    return repr(float(x))


def write_scenario(name: str, expr: pd.DataFrame, samples: pd.DataFrame, spec: dict) -> None:
    """Write one scenario: ``expr`` is proteins (index) x samples (columns)."""
    out = HERE / name
    out.mkdir(parents=True, exist_ok=True)
    if list(expr.columns) != list(samples["sample_id"]):
        raise ValueError(f"{name}: expression columns and samples.tsv rows differ")
    if expr.index.has_duplicates:
        raise ValueError(f"{name}: duplicated protein ids")
    values = expr.to_numpy(dtype=float)
    lines = ["\t".join(["protein", *map(str, expr.columns)])]
    for pid, row in zip(expr.index, values, strict=True):
        lines.append("\t".join([str(pid), *(_fmt(v) for v in row)]))
    (out / "expression.tsv").write_text("\n".join(lines) + "\n")
    samples.to_csv(out / "samples.tsv", sep="\t", index=False, lineterminator="\n")
    spec = dict(spec)
    spec["scenario"] = name
    spec["n_proteins"] = int(values.shape[0])
    spec["n_samples"] = int(values.shape[1])
    spec["n_missing"] = int(np.isnan(values).sum())
    (out / "spec.json").write_text(json.dumps(spec, indent=2) + "\n")
    print(
        f"{name}: {values.shape[0]} proteins x {values.shape[1]} samples, "
        f"{int(np.isnan(values).sum())} NA"
    )


# --------------------------------------------------------------------------- gisby
def gisby() -> None:
    npx = pd.read_csv(GISBY / "serum_npx_level.csv")
    sheet = pd.read_csv(GISBY / "serum_sample_level.csv")
    # Every (SampleID, UniProt) pair occurs at most once; a sample without a row for an
    # assay is missing (NA) there.
    if npx.duplicated(["SampleID", "UniProt"]).any():
        raise ValueError("gisby: duplicated SampleID x UniProt rows")
    wide = npx.pivot(index="UniProt", columns="SampleID", values="NPX")
    wide = wide.sort_index()
    wide = wide.reindex(columns=list(sheet["SampleID"]))
    wide.index.name = "protein"
    samples = pd.DataFrame(
        {
            "sample_id": sheet["SampleID"],
            "group": sheet["Case_Control"],
            "Sex": sheet["Sex"],
            "Age": sheet["Age"],
        }
    )
    spec = {
        "description": (
            "Gisby et al. 2021 serum Olink (real). Protein id = UniProt. group = "
            "Case_Control (COVID-19 status); Age is the binned age, used as a factor."
        ),
        "formula": "~ 0 + group + Sex + Age",
        "group_variable": "group",
        "factors": {
            "group": ["NEGATIVE", "POSITIVE"],
            "Sex": ["F", "M"],
            "Age": ["(40,60]", "(60,80]", "(80,100]"],
        },
        "numeric": [],
        "contrasts": [{"name": "POSITIVE_vs_NEGATIVE", "expression": "POSITIVE-NEGATIVE"}],
    }
    write_scenario("gisby", wide, samples, spec)


# --------------------------------------------------------------------------- demo
def _demo_matrix() -> tuple[pd.DataFrame, pd.DataFrame]:
    files = sorted(glob.glob(str(DEMO / "npx" / "demo_*.csv")))
    long = pd.concat([pd.read_csv(f, sep=";") for f in files], ignore_index=True)
    long = long[long["SampleType"] == "SAMPLE"]
    if long.duplicated(["SampleID", "OlinkID"]).any():
        raise ValueError("demo: duplicated SampleID x OlinkID rows")
    sheet = pd.read_csv(DEMO / "samples.tsv", sep="\t")
    wide = long.pivot(index="OlinkID", columns="SampleID", values="NPX").sort_index()
    wide = wide.reindex(columns=list(sheet["sample_id"]))
    wide.index.name = "protein"
    samples = sheet[["sample_id", "group", "age", "sex"]].copy()
    return wide, samples


DEMO_SPEC = {
    "formula": "~ 0 + group + age + sex",
    "group_variable": "group",
    "factors": {"group": ["HC", "AD", "PSO", "MDD"], "sex": ["F", "M"]},
    "numeric": ["age"],
    "contrasts": [
        {"name": "AD_vs_HC", "expression": "AD-HC"},
        {"name": "PSO_vs_HC", "expression": "PSO-HC"},
        {"name": "MDD_vs_HC", "expression": "MDD-HC"},
        {"name": "MDD_vs_AD", "expression": "MDD-AD"},
    ],
}


def demo() -> None:
    wide, samples = _demo_matrix()
    spec = dict(DEMO_SPEC)
    spec["description"] = (
        "Bundled synthetic demo cohort, study samples only (SampleType == SAMPLE). "
        "Protein id = OlinkID. age numeric, sex factor."
    )
    write_scenario("demo", wide, samples, spec)


def demo_missing() -> None:
    wide, samples = _demo_matrix()
    x = wide.to_numpy(dtype=float).copy()
    n_prot, n_samp = x.shape
    rng = np.random.default_rng(MISSING_SEED)
    # 1. 5 % of all cells missing at random positions.
    n_na = int(round(0.05 * x.size))
    cells = rng.choice(x.size, size=n_na, replace=False)
    x.flat[cells] = np.nan
    # 2. Edge-case proteins, drawn without replacement from the rng.
    special = rng.choice(n_prot, size=5, replace=False)
    group = samples["group"].to_numpy()
    sex = samples["sex"].to_numpy()
    edge: dict[str, str] = {}
    # 2a. three proteins missing in every sample of one group: the coefficient of that
    #     group is not estimable for them and contrasts involving it are NA.
    for pi, g in zip(special[:3], ["HC", "AD", "MDD"], strict=True):
        x[pi, group == g] = np.nan
        edge[str(wide.index[pi])] = f"NA in all {g} samples"
    # 2b. two proteins with only three observed values.
    #     First: one HC, one AD and one MDD sample -> rank 3, zero residual df.
    pi = special[3]
    keep = [rng.choice(np.flatnonzero(group == g)) for g in ("HC", "AD", "MDD")]
    row = np.full(n_samp, np.nan)
    row[keep] = wide.to_numpy(dtype=float)[pi, keep]
    x[pi] = row
    edge[str(wide.index[pi])] = "3 values: one HC, one AD, one MDD sample (df.residual 0)"
    #     Second: three HC samples of the same sex -> rank 2 (HC, age), one residual df.
    pi = special[4]
    pool = np.flatnonzero((group == "HC") & (sex == "F"))
    keep = rng.choice(pool, size=3, replace=False)
    row = np.full(n_samp, np.nan)
    row[keep] = wide.to_numpy(dtype=float)[pi, keep]
    x[pi] = row
    edge[str(wide.index[pi])] = "3 values: three HC women (rank 2, df.residual 1)"
    out = pd.DataFrame(x, index=wide.index, columns=wide.columns)
    spec = dict(DEMO_SPEC)
    spec["description"] = (
        "The demo matrix with 5 % of values set to NA at random (numpy default_rng("
        f"{MISSING_SEED})) plus edge-case proteins (see edge_cases)."
    )
    spec["edge_cases"] = edge
    write_scenario("demo_missing", out, samples, spec)


# --------------------------------------------------------------------------- paired
def small_paired() -> None:
    rng = np.random.default_rng(PAIRED_SEED)
    n_subj, n_prot = 12, 200
    subjects = [f"P{i:02d}" for i in range(1, n_subj + 1)]
    proteins = [f"PROT{i:03d}" for i in range(1, n_prot + 1)]
    # Protein level: mean NPX, residual SD falling with the mean (so trend=TRUE
    # matters), a per-protein scatter of the SD, and a few very noisy proteins (so
    # robust=TRUE matters).
    mu = rng.uniform(1.0, 11.0, n_prot)
    sd = 0.15 + 0.6 * np.exp(-(mu - 1.0) / 3.0)
    sd *= np.sqrt(rng.chisquare(8, n_prot) / 8)
    noisy = rng.choice(n_prot, size=4, replace=False)
    sd[noisy] *= 4.0
    subj_sd = rng.uniform(0.2, 1.0, n_prot)
    effect = np.zeros(n_prot)
    de = rng.choice(n_prot, size=20, replace=False)
    effect[de] = rng.choice([-1.0, 1.0], size=20) * rng.uniform(0.4, 1.5, size=20)
    subj = rng.normal(0.0, 1.0, (n_prot, n_subj)) * subj_sd[:, None]
    cols, rows = [], []
    for j, s in enumerate(subjects):
        for t, tv in (("before", 0.0), ("after", 1.0)):
            y = mu + subj[:, j] + tv * effect + rng.normal(0.0, 1.0, n_prot) * sd
            cols.append(np.round(y, 5))
            rows.append({"sample_id": f"{s}_{t}", "subject": s, "time": t})
    x = np.column_stack(cols)
    samples = pd.DataFrame(rows)
    # Samples in shuffled order: the design must follow samples.tsv, not a layout.
    order = rng.permutation(len(samples))
    samples = samples.iloc[order].reset_index(drop=True)
    x = x[:, order]
    # 2 % missing at random, so per-protein designs with subject terms differ.
    cells = rng.choice(x.size, size=int(round(0.02 * x.size)), replace=False)
    x.flat[cells] = np.nan
    expr = pd.DataFrame(x, index=pd.Index(proteins, name="protein"), columns=samples["sample_id"])
    spec = {
        "description": (
            f"Synthetic paired design (numpy default_rng({PAIRED_SEED})): 12 subjects "
            "measured before and after, 200 proteins, 20 with a true after-before shift, "
            "mean-dependent residual SD, 4 very noisy proteins, 2 % NA at random, "
            "samples in shuffled order."
        ),
        "formula": "~ 0 + time + subject",
        "group_variable": "time",
        "factors": {"time": ["before", "after"], "subject": subjects},
        "numeric": [],
        "contrasts": [{"name": "after_vs_before", "expression": "after-before"}],
        "true_effects": {proteins[i]: float(effect[i]) for i in sorted(de)},
    }
    write_scenario("small_paired", expr, samples, spec)


SCENARIOS = {
    "gisby": gisby,
    "demo": demo,
    "demo_missing": demo_missing,
    "small_paired": small_paired,
}


def main(argv: list[str]) -> int:
    names = argv or list(SCENARIOS)
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        print(f"unknown scenario(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    for n in names:
        SCENARIOS[n]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
