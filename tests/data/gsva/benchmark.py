"""Agreement with R GSVA 1.46 and runtimes: proteosig vs gseapy vs R.

Run from the repository root (not part of the test suite)::

    python tests/data/gsva/benchmark.py             # agreement on the fixtures + timings
    python tests/data/gsva/benchmark.py --with-r    # also time R (needs Rscript + GSVA)

Agreement: for every fixture scenario and call, the minimum over gene sets of Pearson's r
and the maximum absolute difference against the committed R output, for
``proteosig.enrichment.scores.score_samples`` and, when installed, gseapy (``gsva`` with
kcdf "Gaussian" and None, ``ssgsea`` whose NES = ES / range(ES) is GSVA's
``ssgsea.norm``). Timings: the demo matrix with 60 gene sets (the 37 fixture sets plus 23
random sets of measured genes, seeded) and a synthetic 1,000 samples x 1,500 genes x 50
sets matrix (seeded), best of ``--repeat`` runs. Writes markdown to stdout.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
sys.path.insert(0, str(REPO / "src"))

from proteosig.enrichment.scores import read_gmt, score_samples  # noqa: E402

SCENARIOS = ["demo", "gisby", "edge", "many"]
CALLS = {
    "gsva_gaussian": {"method": "gsva", "kcdf": "Gaussian"},
    "gsva_none": {"method": "gsva", "kcdf": "none"},
    "ssgsea": {"method": "ssgsea"},
    "zscore": {"method": "zscore"},
}


def load(folder: Path):
    expr = pd.read_csv(folder / "expression.tsv", sep="\t", index_col=0)
    return expr, read_gmt(folder / "genesets.gmt")


def agreement(ours: pd.DataFrame, theirs: pd.DataFrame) -> tuple[float, float]:
    ours = ours.loc[theirs.index, theirs.columns]
    a, b = ours.to_numpy(float), theirs.to_numpy(float)
    rs = [np.corrcoef(a[i], b[i])[0, 1] for i in range(len(a)) if np.std(b[i]) > 0]
    return float(min(rs)), float(np.max(np.abs(a - b)))


def run_gseapy(expr, sets, call):
    import gseapy

    if call in ("gsva_gaussian", "gsva_none"):
        res = gseapy.gsva(
            expr,
            sets,
            kcdf="Gaussian" if call == "gsva_gaussian" else None,
            min_size=1,
            max_size=100_000,
            threads=1,
            mx_diff=True,
        )
        col = "ES"
    elif call == "ssgsea":
        res = gseapy.ssgsea(
            expr, sets, min_size=1, max_size=100_000, threads=1, weight=0.25, permutation_num=0
        )
        col = "NES"  # ES / (max(ES) - min(ES)) = GSVA's ssgsea.norm
    else:
        return None
    return res.res2d.pivot(index="Term", columns="Name", values=col).astype(float)


def best_time(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def synthetic(seed=7, n_genes=1500, n_samples=1000, n_sets=50):
    rng = np.random.default_rng(seed)
    x = rng.normal(6, 1.5, (n_genes, 1)) + rng.normal(0, 1, (n_genes, n_samples))
    x[:50] += 0.7 * rng.normal(size=n_samples)
    genes = [f"G{i:04d}" for i in range(n_genes)]
    expr = pd.DataFrame(
        np.round(x, 5),
        index=pd.Index(genes, name="gene"),
        columns=[f"S{j:04d}" for j in range(n_samples)],
    )
    sets = {}
    for k in range(n_sets):
        size = int(rng.integers(5, 100))
        sets[f"SET{k:02d}"] = [genes[i] for i in sorted(rng.choice(n_genes, size, replace=False))]
    return expr, sets


def demo60(seed=11):
    expr, sets = load(HERE / "demo")
    rng = np.random.default_rng(seed)
    genes = list(expr.index)
    for k in range(60 - len(sets)):
        size = int(rng.integers(3, 30))
        sets[f"RANDOM_{k:02d}"] = [
            genes[i] for i in sorted(rng.choice(len(genes), size, replace=False))
        ]
    return expr, sets


def write_inputs(folder: Path, expr: pd.DataFrame, sets: dict) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    expr.to_csv(folder / "expression.tsv", sep="\t")  # shortest round-trip repr
    (folder / "genesets.gmt").write_text(
        "".join("\t".join([s, "na", *g]) + "\n" for s, g in sets.items())
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--with-r", action="store_true")
    ap.add_argument("--repeat", type=int, default=1)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    try:
        import gseapy

        have_gseapy = gseapy.__version__
    except ImportError:
        have_gseapy = None

    print("## Agreement with R GSVA 1.46 (min r over sets / max |diff|)\n")
    print("| scenario | call | proteosig | gseapy " + (have_gseapy or "(not installed)") + " |")
    print("| --- | --- | --- | --- |")
    for scen in SCENARIOS:
        expr, sets = load(HERE / scen)
        for call, kw in CALLS.items():
            theirs = pd.read_csv(HERE / scen / f"r_{call}.tsv", sep="\t", index_col=0)
            r1, d1 = agreement(score_samples(expr, sets, **kw), theirs)
            cell = "n/a"
            if have_gseapy:
                g = run_gseapy(expr, sets, call)
                if g is not None:
                    r2, d2 = agreement(g, theirs)
                    cell = f"{r2:.6f} / {d2:.2g}"
            print(f"| {scen} | {call} | {r1:.15f} / {d1:.1e} | {cell} |")

    print("\n## Runtimes (seconds, best of", args.repeat, ")\n")
    cases = {"demo 108 x 355 x 60": demo60(), "synthetic 1000 x 1500 x 50": synthetic()}
    print("| data | call | proteosig n_jobs=1 | proteosig n_jobs=2 | gseapy | R GSVA |")
    print("| --- | --- | --- | --- | --- | --- |")
    for label, (expr, sets) in cases.items():
        r_times = {}
        if args.with_r:
            with tempfile.TemporaryDirectory() as tmp:
                write_inputs(Path(tmp), expr, sets)
                subprocess.run(
                    ["Rscript", str(HERE / "make_fixtures.R"), tmp],
                    check=True,
                    stdout=subprocess.DEVNULL,
                )
                calls = pd.read_csv(Path(tmp) / "r_calls.tsv", sep="\t")
                r_times = dict(zip(calls["name"], calls["seconds"], strict=True))
        for call, kw in CALLS.items():

            def ours(n_jobs, e=expr, s=sets, k=kw):
                return score_samples(e, s, n_jobs=n_jobs, **k)

            t1, _ = best_time(lambda: ours(1), args.repeat)  # noqa: B023
            t2, _ = best_time(lambda: ours(2), args.repeat)  # noqa: B023
            tg = "n/a"
            if have_gseapy and call != "zscore":

                def theirs(e=expr, s=sets, c=call):
                    return run_gseapy(e, s, c)

                tg = f"{best_time(theirs, args.repeat)[0]:.2f}"
            tr = f"{r_times[call]:.2f}" if call in r_times else "n/a"
            print(f"| {label} | {call} | {t1:.2f} | {t2:.2f} | {tg} | {tr} |")


if __name__ == "__main__":
    main()
