"""Write the deterministic inputs of the GSVA reference scenarios.

Run from the repository root::

    python tests/data/gsva/make_inputs.py              # every scenario
    python tests/data/gsva/make_inputs.py demo gisby   # some of them
    python tests/data/gsva/make_inputs.py --if-available   # keep committed inputs of
                                                           # scenarios whose source is missing

Each scenario gets a folder ``tests/data/gsva/<scenario>/`` holding

* ``expression.tsv``: genes x samples. First column ``gene``, then one column per sample.
  Values are Python's shortest round-trip representation (``repr``), which reads back to
  the identical double in R (``read.delim``) and in Python; no missing values (R GSVA
  1.46 silently drops every gene with a missing value, so the inputs have none).
* ``genesets.gmt``: the gene sets exactly as R receives them (``name<TAB>description<TAB>
  genes...``), already restricted to the genes of ``expression.tsv``.
* ``inputs.json``: what was dropped on the way (genes with missing values, duplicate
  assays, gene sets too small after restriction) and the sizes.

``make_fixtures.R`` then runs R GSVA on these files and writes its scores beside them.
The whole chain is ``bash tests/data/gsva/regenerate.sh``.

This script deliberately does not import ``proteosig`` so that the reference inputs do not
depend on the code they test.
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
DEMO = REPO / "resources" / "demo"
GISBY = REPO / "resources" / "gisby_serum"
SYMBOLS = REPO / "resources" / "panels" / "uniprot_gene_symbols.tsv"
HALLMARK_NAME = "h.all.v2024.1.Hs.symbols.gmt"
# The project copy first; the shared reference folder as a fallback (same file, md5
# d3606c325b9862bf3ea7991c2c2bf7d7).
HALLMARK_CANDIDATES = [
    REPO / "resources" / "genesets" / HALLMARK_NAME,
    REPO.parent / "shared" / "reference" / "genesets" / HALLMARK_NAME,
]
HALLMARK_MD5 = "d3606c325b9862bf3ea7991c2c2bf7d7"

MIN_SIZE = 3
EDGE_SEED = 20260601
MANY_SEED = 20260602

# Hand-made immune sets (for the parity fixtures only; the curated, cited axes live in
# resources/genesets/). Membership as given in the task brief.
IMMUNE_SETS: dict[str, list[str]] = {
    "TH2_HANDMADE": ["IL13", "CCL17", "CCL11", "CCL13", "IL4", "IL10", "CCL4"],
    "TH17_HANDMADE": ["IL17A", "IL17C", "CCL20", "PI3", "IL6"],
    "VASCULAR_HANDMADE": ["PECAM1", "SELP", "VWF", "SELE"],
    "APOPTOSIS_HANDMADE": ["CASP3", "CASP8", "CD274", "SIRT2", "STAMBP"],
}


# --------------------------------------------------------------------------- helpers
def _fmt(x: float) -> str:
    if not np.isfinite(x):
        raise ValueError("non-finite value in a GSVA input")
    return repr(float(x))


def read_gmt(path: Path) -> dict[str, list[str]]:
    sets: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        fields = line.split("\t")
        sets[fields[0]] = [g for g in fields[2:] if g]
    return sets


def hallmark() -> dict[str, list[str]]:
    import hashlib

    for p in HALLMARK_CANDIDATES:
        if p.exists():
            md5 = hashlib.md5(p.read_bytes()).hexdigest()
            if md5 != HALLMARK_MD5:
                raise ValueError(f"{p}: md5 {md5}, expected {HALLMARK_MD5}")
            return read_gmt(p)
    raise FileNotFoundError(
        "MSigDB Hallmark 2024.1 GMT not found; looked in "
        + ", ".join(str(p) for p in HALLMARK_CANDIDATES)
    )


def restrict(sets: dict[str, list[str]], genes: list[str], min_size: int = MIN_SIZE):
    """Keep members that are measured (first occurrence order); drop sets < min_size."""
    measured = set(genes)
    kept: dict[str, list[str]] = {}
    dropped: dict[str, int] = {}
    for name, members in sets.items():
        seen: list[str] = []
        for g in members:
            if g in measured and g not in seen:
                seen.append(g)
        if len(seen) >= min_size:
            kept[name] = seen
        else:
            dropped[name] = len(seen)
    return kept, dropped


def write_scenario(name: str, expr: pd.DataFrame, sets: dict[str, list[str]], info: dict) -> None:
    out = HERE / name
    out.mkdir(parents=True, exist_ok=True)
    if expr.index.has_duplicates or expr.columns.has_duplicates:
        raise ValueError(f"{name}: duplicated gene or sample ids")
    values = expr.to_numpy(dtype=float)
    lines = ["\t".join(["gene", *map(str, expr.columns)])]
    for gid, row in zip(expr.index, values, strict=True):
        lines.append("\t".join([str(gid), *(_fmt(v) for v in row)]))
    (out / "expression.tsv").write_text("\n".join(lines) + "\n")
    gmt = [
        "\t".join([s, info.get("set_descriptions", {}).get(s, "na"), *genes])
        for s, genes in sets.items()
    ]
    (out / "genesets.gmt").write_text("\n".join(gmt) + "\n")
    info = {k: v for k, v in info.items() if k != "set_descriptions"}
    info["scenario"] = name
    info["n_genes"] = int(values.shape[0])
    info["n_samples"] = int(values.shape[1])
    info["n_sets"] = len(sets)
    info["set_sizes"] = {s: len(g) for s, g in sets.items()}
    (out / "inputs.json").write_text(json.dumps(info, indent=2) + "\n")
    print(f"{name}: {values.shape[0]} genes x {values.shape[1]} samples, {len(sets)} sets")


def _collections(genes: list[str]) -> tuple[dict[str, list[str]], dict]:
    hm, hm_drop = restrict(hallmark(), genes)
    im, im_drop = restrict(IMMUNE_SETS, genes)
    sets = {**hm, **im}
    desc = {s: "MSigDB_Hallmark_2024.1" for s in hm} | {s: "handmade_immune" for s in im}
    info = {
        "gene_sets": (
            f"MSigDB Hallmark 2024.1 ({HALLMARK_NAME}, md5 {HALLMARK_MD5}) and "
            f"{len(IMMUNE_SETS)} hand-made immune sets, each restricted to the genes of "
            f"expression.tsv; sets with fewer than {MIN_SIZE} measured members dropped"
        ),
        "dropped_sets_size_after_restriction": {**hm_drop, **im_drop},
        "set_descriptions": desc,
    }
    return sets, info


# --------------------------------------------------------------------------- demo
def demo() -> None:
    files = sorted(glob.glob(str(DEMO / "npx" / "demo_*.csv")))
    long = pd.concat([pd.read_csv(f, sep=";") for f in files], ignore_index=True)
    long = long[long["SampleType"] == "SAMPLE"]
    if long.duplicated(["SampleID", "OlinkID"]).any():
        raise ValueError("demo: duplicated SampleID x OlinkID rows")
    sheet = pd.read_csv(DEMO / "samples.tsv", sep="\t")
    symbols = pd.read_csv(SYMBOLS, sep="\t", dtype=str)
    sym = dict(zip(symbols["uniprot"], symbols["gene_symbol"], strict=True))
    assays = long[["OlinkID", "UniProt", "Assay"]].drop_duplicates().sort_values("OlinkID")
    assays["gene"] = assays["UniProt"].map(sym)
    if assays["gene"].isna().any():
        raise ValueError(f"demo: no gene symbol for {assays[assays['gene'].isna()]}")
    # Proteins measured on two panels: keep the first OlinkID (lowest, sorted as text).
    dup = assays.duplicated("gene", keep="first")
    first = dict(zip(assays.loc[~dup, "gene"], assays.loc[~dup, "OlinkID"], strict=True))
    dropped_assays = {
        r.OlinkID: f"{r.gene} also measured by {first[r.gene]}" for r in assays[dup].itertuples()
    }
    assays = assays[~dup]
    wide = long.pivot(index="OlinkID", columns="SampleID", values="NPX")
    wide = wide.loc[assays["OlinkID"], list(sheet["sample_id"])]
    wide.index = pd.Index(assays["gene"].to_list(), name="gene")
    if wide.isna().any().any():
        raise ValueError("demo: unexpected missing values")
    genes = list(wide.index)
    sets, info = _collections(genes)
    info |= {
        "description": (
            "Bundled synthetic demo cohort (resources/demo), study samples only "
            "(SampleType == SAMPLE), samples in the order of samples.tsv. Rows = gene "
            "symbols: OlinkID -> UniProt -> resources/panels/uniprot_gene_symbols.tsv; "
            "complexes keep their joined symbol (EBI3_IL27, IL12A_IL12B) and so match no "
            "gene set. Proteins on two panels: the first OlinkID (sorted) is kept."
        ),
        "dropped_duplicate_assays": dropped_assays,
    }
    write_scenario("demo", wide, sets, info)


# --------------------------------------------------------------------------- gisby
def gisby() -> None:
    npx = pd.read_csv(GISBY / "serum_npx_level.csv")
    sheet = pd.read_csv(GISBY / "serum_sample_level.csv")
    if npx.duplicated(["SampleID", "GeneID"]).any():
        raise ValueError("gisby: duplicated SampleID x GeneID rows")
    wide = npx.pivot(index="GeneID", columns="SampleID", values="NPX").sort_index()
    wide = wide.reindex(columns=list(sheet["SampleID"]))
    wide.index.name = "gene"
    na_genes = wide.index[wide.isna().any(axis=1)]
    na_info = {g: int(wide.loc[g].isna().sum()) for g in na_genes}
    wide = wide.drop(index=na_genes)
    genes = list(wide.index)
    sets, info = _collections(genes)
    info |= {
        "description": (
            "Gisby et al. 2021 serum Olink (real; resources/gisby_serum). Rows = GeneID, "
            "samples in the order of serum_sample_level.csv. Genes with any missing value "
            "(a sample without a row for the assay) are dropped, because R GSVA 1.46 "
            "drops them silently; sample C189_16 lacks 87 of them."
        ),
        "n_genes_before_dropping_missing": int(len(genes) + len(na_genes)),
        "dropped_genes_with_missing_values": na_info,
    }
    write_scenario("gisby", wide, sets, info)


# --------------------------------------------------------------------------- edge
def edge() -> None:
    """Small synthetic matrix with ties, a constant gene and tiny gene sets."""
    rng = np.random.default_rng(EDGE_SEED)
    n_genes, n_samples = 40, 15
    x = rng.normal(5.0, 1.0, size=(n_genes, n_samples))
    x[:10] = np.round(x[:10], 1)  # coarse values: ties within genes
    x[10] = 3.0  # constant gene: R drops it for gsva / zscore / plage, keeps it for ssgsea
    x[11] = x[12]  # two identical genes: tied kernel densities in every sample
    x[13, :5] = 2.0  # a gene floored at a "LOD" in a third of the samples
    x[14, 3] = 40.0  # an extreme value: kernel CDF saturates at 1 (density +Inf)
    x[15, 4] = -30.0  # and at 0 (density -Inf)
    # two genes floored (tied) in four samples, every other sample far above: the floored
    # samples' kernel CDFs are exactly 4 x 1/2 / n in both genes, an exact tie between genes
    x[16, :4] = 0.0
    x[16, 4:] = 10.0 + rng.normal(0.0, 0.05, n_samples - 4)
    x[17, :4] = 1.0
    x[17, 4:] = 11.0 + rng.normal(0.0, 0.05, n_samples - 4)
    genes = [f"G{i:02d}" for i in range(n_genes)]
    samples = [f"s{j:02d}" for j in range(n_samples)]
    expr = pd.DataFrame(x, index=genes, columns=samples)
    expr.index.name = "gene"
    sets = {
        "SIZE1": ["G05"],
        "SIZE2": ["G11", "G12"],
        "TIES": [f"G{i:02d}" for i in range(0, 10, 2)],
        "WITH_CONSTANT": ["G10", "G13", "G14", "G15", "G20"],
        "FLOOR_TIE": ["G17", "G03", "G07"],
        "RANDOM_8": [f"G{i:02d}" for i in sorted(rng.choice(range(18, 40), 8, replace=False))],
        "BIG_20": [f"G{i:02d}" for i in range(20, 40)],
    }
    info = {
        "description": (
            f"Synthetic (numpy default_rng({EDGE_SEED})): ties (G00-G09 rounded to one "
            "decimal), constant gene G10, identical genes G11 = G12, G13 floored at 2.0 in "
            "five samples, extreme values G14/s03 = 40 and G15/s04 = -30, G16 and G17 floored "
            "in four samples with the others far above (tied kernel CDFs across genes); gene "
            "sets of size 1 and 2 (GSVA called with min.sz = 1)."
        ),
        "gene_sets": "hand-made, see make_inputs.py",
        "constant_genes": ["G10"],
    }
    write_scenario("edge", expr, sets, info)


# --------------------------------------------------------------------------- many
def many() -> None:
    """More samples than genes, two-decimal values: for kcdf='none' (issue 10)."""
    rng = np.random.default_rng(MANY_SEED)
    n_genes, n_samples = 150, 400
    base = rng.normal(6.0, 1.5, size=(n_genes, 1))
    x = base + rng.normal(0.0, 1.0, size=(n_genes, n_samples))
    # a latent factor shared by genes 0-29 so that some sets carry real signal
    factor = rng.normal(0.0, 1.0, size=n_samples)
    x[:30] += 0.8 * factor
    x = np.round(x, 2)
    genes = [f"P{i:03d}" for i in range(n_genes)]
    samples = [f"S{j:03d}" for j in range(n_samples)]
    expr = pd.DataFrame(x, index=genes, columns=samples)
    expr.index.name = "gene"
    sets = {"FACTOR_20": genes[:20], "FACTOR_MIX": genes[20:30] + genes[100:110]}
    for k in range(8):
        size = int(rng.integers(3, 40))
        idx = sorted(rng.choice(n_genes, size, replace=False))
        sets[f"RANDOM_{k}"] = [genes[i] for i in idx]
    info = {
        "description": (
            f"Synthetic (numpy default_rng({MANY_SEED})): 400 samples x 150 genes, values "
            "rounded to 2 decimals (ties), a latent factor on P000-P029."
        ),
        "gene_sets": "hand-made, see make_inputs.py",
    }
    write_scenario("many", expr, sets, info)


SCENARIOS = {"demo": demo, "gisby": gisby, "edge": edge, "many": many}


def main(argv: list[str]) -> None:
    if_available = "--if-available" in argv
    names = [a for a in argv if a != "--if-available"] or list(SCENARIOS)
    for n in names:
        if n not in SCENARIOS:
            raise SystemExit(f"unknown scenario {n!r}; choose from {list(SCENARIOS)}")
    for n in names:
        try:
            SCENARIOS[n]()
        except FileNotFoundError as exc:
            if not (if_available and (HERE / n / "expression.tsv").exists()):
                raise
            print(f"{n}: source missing ({exc}); keeping the committed inputs")


if __name__ == "__main__":
    main(sys.argv[1:])
