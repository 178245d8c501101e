#!/usr/bin/env python
"""Time proteosig's limma re-implementation against R's limma and a naive OLS loop.

    python benchmarks/differential_vs_limma.py [--sizes 108x363,1000x1500,20000x3000]
                                               [--biobank] [--seed N]

For every size (samples x proteins) the same seeded data set is analysed complete and with
5 % of its values missing (random positions), with the design ``~ 0 + group + age + sex``
(4 groups A-D, age numeric, sex a factor) and the contrasts B-A, C-A and D-A:

* ours: ``lm_fit`` + ``contrasts_fit`` + ``ebayes`` + ``top_table`` for every contrast,
  wall time (best of 3 below 10,000 samples, 1 run from 10,000 samples on), in a fresh
  Python subprocess that first loads the data from a raw float64 file (not timed);
* R: the same steps with limma (``_limma_bench.R`` beside this file), timed inside R with
  ``system.time`` (elapsed; same repeat rule), the data read with ``readBin`` beforehand;
* naive OLS: ``statsmodels.api.OLS(y, X).fit()`` per protein (rows with NaN dropped) and
  ``fit.t_test(contrast)`` per contrast (ordinary, not moderated, t), 1 run; from 10,000
  samples on only the first 100 proteins are timed and the time is extrapolated linearly.

Peak memory, for ours and for R, is the maximum resident set size of the measuring process
(``os.wait4`` rusage of that one child) minus the same for a baseline process: for ours a
subprocess of this script that only imports numpy, pandas and proteosig.differential;
for R an ``Rscript`` that only loads limma. Both peaks therefore *include* the input
matrix held in memory (``input_MB`` = samples x proteins x 8 bytes). R's own heap peak
(``gc()`` "max used" after ``gc(reset=TRUE)`` with the input loaded) is in the TSV too.

Agreement: max |t| and max |P.Value| difference between ours and R's ``topTable`` for the
first contrast (B_vs_A), over all proteins.

Results are printed and written to ``benchmarks/out/differential_vs_limma.tsv``; the TSV
also has each repeat's time, CPU time (process user+sys for ours, ``system.time``
user.self+sys.self for R: less sensitive than wall time to other work on the machine),
the 1-minute load average before each size, and a sha256 of the engine sources the
worker imported (the code that was timed).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from proteosig.differential import contrast_matrix, contrasts_fit, ebayes, lm_fit, top_table

HERE = Path(__file__).resolve().parent
R_SCRIPT = HERE / "_limma_bench.R"
OUT = HERE / "out" / "differential_vs_limma.tsv"

DEFAULT_SIZES = "108x363,1000x1500,20000x3000"
BIOBANK = (50_000, 2_900)
FORMULA = "~ 0 + group + age + sex"
GROUPS = ["A", "B", "C", "D"]
CONTRASTS = {"B_vs_A": "B-A", "C_vs_A": "C-A", "D_vs_A": "D-A"}
MISSING_FRACTION = 0.05
LARGE_SAMPLES = 10_000  # from here: 1 timed run instead of best of 3, OLS on 100 proteins
OLS_PROTEINS_LARGE = 100


# ------------------------------------------------------------------------ data
def simulate(n_samples: int, n_proteins: int, seed: int):
    """Seeded cohort and samples x proteins matrix (C order, float64).

    Protein means ~ N(6, 2); residual variances 0.25 * 10 / chi2(10) (so eBayes sees a
    proper prior); 5 % of proteins have true group effects (+-0.5 to +-1 in B, C or D);
    small age and sex effects on every protein; Gaussian noise.
    """
    rng = np.random.default_rng([seed, n_samples, n_proteins])
    group_index = rng.permutation(np.resize(np.arange(len(GROUPS)), n_samples))
    age = np.round(np.clip(rng.normal(50, 12, n_samples), 18, 90), 1)
    sex_m = rng.random(n_samples) < 0.5
    samples = pd.DataFrame(
        {
            "sample_id": [f"S{i + 1:06d}" for i in range(n_samples)],
            "group": np.asarray(GROUPS)[group_index],
            "age": age,
            "sex": np.where(sex_m, "M", "F"),
        }
    )
    mean = rng.normal(6.0, 2.0, n_proteins)
    sd = np.sqrt(0.25 * 10 / rng.chisquare(10, n_proteins))
    effects = np.zeros((len(GROUPS), n_proteins))
    n_true = max(1, int(0.05 * n_proteins))
    true = rng.choice(n_proteins, n_true, replace=False)
    size = rng.choice([-1, 1], n_true) * rng.uniform(0.5, 1.0, n_true)
    effects[rng.integers(1, len(GROUPS), n_true), true] = size
    beta_age = rng.normal(0, 0.005, n_proteins)
    beta_sex = rng.normal(0, 0.1, n_proteins)

    y = np.empty((n_samples, n_proteins))
    chunk = 2_000  # rows at a time, so no full-size temporaries
    for start in range(0, n_samples, chunk):
        rows = slice(start, min(start + chunk, n_samples))
        block = rng.standard_normal((rows.stop - rows.start, n_proteins))
        block *= sd
        block += mean
        block += effects[group_index[rows]]
        block += np.outer(age[rows] - 50, beta_age)
        block += np.outer(sex_m[rows], beta_sex)
        y[rows] = block
    protein_ids = [f"P{j + 1:05d}" for j in range(n_proteins)]
    return samples, y, protein_ids


def add_missing(y: np.ndarray, seed: int) -> None:
    """Set MISSING_FRACTION of the values to NaN, at seeded random positions (in place)."""
    rng = np.random.default_rng([seed, 5, *y.shape])
    chunk = 2_000
    for start in range(0, y.shape[0], chunk):
        block = y[start : start + chunk]
        block[rng.random(block.shape) < MISSING_FRACTION] = np.nan


def write_inputs(folder: Path, y: np.ndarray, design: pd.DataFrame, protein_ids) -> None:
    """Raw little-endian float64 files both R and the Python workers read without parsing.

    ``y`` is samples x proteins in C order, which is proteins x samples in column-major
    order: R's matrix layout, read with ``readBin`` and ``dim<-``.
    """
    np.ascontiguousarray(y, dtype="<f8").tofile(folder / "expr.f64")
    # design: samples x coefficients, column-major -> write its transpose in C order
    np.ascontiguousarray(design.to_numpy(dtype="<f8").T).tofile(folder / "design.f64")
    (folder / "design_names.txt").write_text("\n".join(design.columns) + "\n")
    (folder / "sample_ids.txt").write_text("\n".join(design.index) + "\n")
    (folder / "protein_ids.txt").write_text("\n".join(protein_ids) + "\n")
    (folder / "contrasts.txt").write_text(
        "".join(f"{name}\t{expr}\n" for name, expr in CONTRASTS.items())
    )


def read_inputs(folder: Path):
    """Expression (proteins x samples DataFrame, a view of the file's data) and design."""
    coef_names = (folder / "design_names.txt").read_text().split()
    sample_ids = (folder / "sample_ids.txt").read_text().split()
    protein_ids = (folder / "protein_ids.txt").read_text().split()
    n_samples, n_proteins = len(sample_ids), len(protein_ids)
    y = np.fromfile(folder / "expr.f64", dtype="<f8").reshape(n_samples, n_proteins)
    expression = pd.DataFrame(y.T, index=protein_ids, columns=sample_ids, copy=False)
    x = np.fromfile(folder / "design.f64", dtype="<f8").reshape(len(coef_names), n_samples)
    design = pd.DataFrame(x.T, index=sample_ids, columns=coef_names)
    return expression, design


# ------------------------------------------------------------------------ workers
def engine_fingerprint() -> str:
    """sha256 (first 12 hex digits) of the engine's sources, so a table names the code it timed."""
    import hashlib

    import proteosig.differential as package

    digest = hashlib.sha256()
    for path in sorted(Path(package.__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def worker_ours(folder: Path, repeats: int) -> dict:
    expression, design = read_inputs(folder)
    contrasts = contrast_matrix(CONTRASTS, list(design.columns))  # makeContrasts: not timed
    fingerprint = engine_fingerprint()  # of the sources this process imported just now
    times, cpu, tables = [], [], None
    for _ in range(repeats):
        tables = None
        start, start_cpu = time.perf_counter(), time.process_time()
        fit = lm_fit(expression, design)
        fit2 = contrasts_fit(fit, contrasts)
        moderated = ebayes(fit2)
        tables = {name: top_table(moderated, name) for name in CONTRASTS}
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)  # all threads of the process
        del fit, fit2, moderated
    first = tables[next(iter(CONTRASTS))]
    np.concatenate([first["t"].to_numpy(), first["P.Value"].to_numpy()]).astype("<f8").tofile(
        folder / "ours_top.f64"
    )
    return {"times": times, "cpu": cpu, "engine": fingerprint}


def worker_ols(folder: Path, max_proteins: int | None) -> dict:
    import statsmodels.api as sm

    expression, design = read_inputs(folder)
    y_all = expression.to_numpy()  # proteins x samples (a view)
    x = design.to_numpy()
    contrasts = contrast_matrix(CONTRASTS, list(design.columns)).to_numpy().T
    n = y_all.shape[0] if max_proteins is None else min(max_proteins, y_all.shape[0])
    sm.OLS(y_all[0][np.isfinite(y_all[0])], x[np.isfinite(y_all[0])]).fit().t_test(contrasts[0])
    start = time.perf_counter()  # after one untimed fit: statsmodels' lazy imports
    for i in range(n):
        y = y_all[i]
        keep = np.isfinite(y)
        fit = sm.OLS(y, x).fit() if keep.all() else sm.OLS(y[keep], x[keep]).fit()
        for vector in contrasts:
            test = fit.t_test(vector)
            _t, _p = float(test.tvalue.squeeze()), float(test.pvalue)
    elapsed = time.perf_counter() - start
    return {"elapsed": elapsed, "proteins_timed": n, "n_proteins": y_all.shape[0]}


def run_worker() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", choices=["baseline", "ours", "ols"], required=True)
    parser.add_argument("--dir", type=Path)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--max-proteins", type=int, default=0)
    args = parser.parse_args()
    if args.worker == "baseline":
        result = {}
    elif args.worker == "ours":
        result = worker_ours(args.dir, args.repeats)
    else:
        result = worker_ols(args.dir, args.max_proteins or None)
    print(json.dumps(result))


# ------------------------------------------------------------------------ measuring
def measure(command: list[str], log: Path) -> tuple[str, float]:
    """Run ``command``; return its stdout and its own max RSS in MB (os.wait4 rusage)."""
    with open(log, "w") as err, tempfile.TemporaryFile("w+") as out:
        process = subprocess.Popen(command, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        stdout = out.read()
    if process.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({process.returncode}):\n{log.read_text()}")
    return stdout, usage.ru_maxrss / 1024  # Linux: kilobytes


def python_worker(*args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), *args]


def baselines(scratch: Path) -> tuple[float, float]:
    """Max RSS (MB) of an idle worker and of an idle Rscript with limma: the least of 3."""
    py = min(
        measure(python_worker("--worker", "baseline"), scratch / "base.log")[1] for _ in range(3)
    )
    r = min(measure(["Rscript", str(R_SCRIPT), "idle"], scratch / "base.log")[1] for _ in range(3))
    return py, r


def r_run_args(folder: Path, n_proteins: int, n_samples: int, repeats: int) -> list[str]:
    """Arguments of ``_limma_bench.R run`` (after the script): the inputs in ``folder``."""
    return ["run", str(folder), str(n_proteins), str(n_samples), str(repeats)]


def read_r_result(folder: Path) -> dict[str, str]:
    """``r_result.txt`` that ``_limma_bench.R run`` writes: one ``key<TAB>value`` per line."""
    lines = (folder / "r_result.txt").read_text().splitlines()
    return dict(line.split("\t", 1) for line in lines)


def read_pair(path: Path, n: int) -> tuple[np.ndarray, np.ndarray]:
    values = np.fromfile(path, dtype="<f8")
    return values[:n], values[n:]


def max_abs_diff(a: np.ndarray, b: np.ndarray) -> float:
    if not np.array_equal(np.isnan(a), np.isnan(b)):
        return float("inf")  # NA patterns differ
    both = np.isfinite(a)
    return float(np.max(np.abs(a[both] - b[both]))) if both.any() else 0.0


def bench_one(
    n_samples: int, n_proteins: int, missing: bool, seed: int, scratch: Path, base_py, base_r
) -> dict:
    folder = scratch / f"{n_samples}x{n_proteins}{'_missing' if missing else ''}"
    folder.mkdir()
    from proteosig.differential.design import design_matrix

    samples, y, protein_ids = simulate(n_samples, n_proteins, seed)
    if missing:
        add_missing(y, seed)
    design = design_matrix(samples, FORMULA, group_levels=GROUPS)
    write_inputs(folder, y, design, protein_ids)
    del y
    large = n_samples >= LARGE_SAMPLES
    load_before = os.getloadavg()[0]  # other work on the machine skews every timing
    repeats = 1 if large else 3

    out, rss = measure(
        python_worker("--worker", "ours", "--dir", str(folder), "--repeats", str(repeats)),
        folder / "ours.log",
    )
    ours = json.loads(out)
    ours_times = ours["times"]
    ours_peak = rss - base_py
    print(f"    ours done: {min(ours_times):.3f} s", file=sys.stderr, flush=True)

    _, rss_r = measure(
        ["Rscript", str(R_SCRIPT), *r_run_args(folder, n_proteins, n_samples, repeats)],
        folder / "r.log",
    )
    r_result = read_r_result(folder)
    r_times = [float(v) for v in r_result["elapsed"].split(",")]
    r_cpu = [float(v) for v in r_result["cpu"].split(",")]
    r_peak = rss_r - base_r
    print(f"    R done: {min(r_times):.3f} s", file=sys.stderr, flush=True)

    ols_limit = OLS_PROTEINS_LARGE if large else 0
    out, _ = measure(
        python_worker("--worker", "ols", "--dir", str(folder), "--max-proteins", str(ols_limit)),
        folder / "ols.log",
    )
    ols = json.loads(out)
    ols_s = ols["elapsed"] * ols["n_proteins"] / ols["proteins_timed"]
    print(f"    OLS done: {ols_s:.3f} s", file=sys.stderr, flush=True)

    t_ours, p_ours = read_pair(folder / "ours_top.f64", n_proteins)
    t_r, p_r = read_pair(folder / "r_top.f64", n_proteins)
    shutil.rmtree(folder)
    ours_s, r_s = min(ours_times), min(r_times)
    return {
        "size": f"{n_samples}x{n_proteins}",
        "samples": n_samples,
        "proteins": n_proteins,
        "missing": f"{MISSING_FRACTION:.0%}" if missing else "none",
        "ours_s": ours_s,
        "R_s": r_s,
        "R_over_ours": r_s / ours_s,
        "OLS_s": ols_s,
        "OLS_extrapolated_from": ols["proteins_timed"] if ols_limit else 0,
        "OLS_over_ours": ols_s / ours_s,
        "ours_peak_MB": ours_peak,
        "R_peak_MB": r_peak,
        "R_gc_max_MB": float(r_result["gc_max_mb"]),
        "input_MB": n_samples * n_proteins * 8 / 1e6,
        "max_abs_t_diff": max_abs_diff(t_ours, t_r),
        "max_abs_p_diff": max_abs_diff(p_ours, p_r),
        "repeats": repeats,
        "load1_before": load_before,
        "ours_cpu_s": min(ours["cpu"]),
        "R_cpu_s": min(r_cpu),
        "engine_sha256": ours["engine"],
        "ours_runs_s": ",".join(f"{t:.3f}" for t in ours_times),
        "R_runs_s": ",".join(f"{t:.3f}" for t in r_times),
    }


# ------------------------------------------------------------------------ report
def machine() -> list[str]:
    lines = [
        f"date {date.today().isoformat()}; {platform.platform()}; "
        f"{os.cpu_count()} CPUs; Python {platform.python_version()}; numpy {np.__version__}; "
        f"pandas {pd.__version__}",
        f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}; "
        f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '(unset)')}",
    ]
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            lines.append(
                f"threadpool {pool.get('internal_api')} {pool.get('version')} "
                f"{pool.get('architecture')} threads={pool.get('num_threads')}"
            )
    except ImportError:
        lines.append("threadpoolctl not installed; numpy BLAS: " + _openblas_info())
    lines.append(f"engine: proteosig.differential sources sha256 {engine_fingerprint()}")
    r = subprocess.run(
        [
            "Rscript",
            "-e",
            'cat(R.version.string, "limma", format(packageVersion("limma")), '
            'La_library(), sep=" ")',
        ],
        capture_output=True,
        text=True,
    )
    lines.append(r.stdout.strip() or "R: not found")
    return lines


def _openblas_info() -> str:
    """Config, core and thread count of numpy's bundled OpenBLAS, via ctypes (best effort)."""
    import ctypes
    import glob

    libs = glob.glob(
        os.path.join(
            os.path.dirname(os.path.dirname(np.__file__)), "numpy.libs", "libscipy_openblas*.so"
        )
    )
    try:
        lib = ctypes.CDLL(libs[0])
        config, core = lib.scipy_openblas_get_config64_, lib.scipy_openblas_get_corename64_
        config.restype = core.restype = ctypes.c_char_p
        threads = lib.scipy_openblas_get_num_threads64_()
        return f"{config().decode()}, core {core().decode()}, threads={threads}"
    except (IndexError, OSError, AttributeError):
        return "unknown"


COLUMNS = [
    ("size", "{}"),
    ("missing", "{}"),
    ("ours_s", "{:.3f}"),
    ("R_s", "{:.3f}"),
    ("R/ours", "{:.1f}"),
    ("OLS_s", "{}"),
    ("OLS/ours", "{:.0f}"),
    ("ours_peak_MB", "{:.0f}"),
    ("R_peak_MB", "{:.0f}"),
    ("max|t diff|", "{:.1e}"),
    ("max|P diff|", "{:.1e}"),
]


def format_row(row: dict) -> list[str]:
    ols = f"{row['OLS_s']:.2f}" + ("*" if row["OLS_extrapolated_from"] else "")
    values = [
        row["size"],
        row["missing"],
        row["ours_s"],
        row["R_s"],
        row["R_over_ours"],
        ols,
        row["OLS_over_ours"],
        row["ours_peak_MB"],
        row["R_peak_MB"],
        row["max_abs_t_diff"],
        row["max_abs_p_diff"],
    ]
    return [fmt.format(v) for (_, fmt), v in zip(COLUMNS, values, strict=True)]


def print_table(rows: list[dict]) -> None:
    cells = [[name for name, _ in COLUMNS]] + [format_row(r) for r in rows]
    widths = [max(len(c[i]) for c in cells) for i in range(len(COLUMNS))]
    for line in cells:
        print("  ".join(c.rjust(w) for c, w in zip(line, widths, strict=True)))
    if any(r["OLS_extrapolated_from"] for r in rows):
        print(f"* OLS time extrapolated linearly from the first {OLS_PROTEINS_LARGE} proteins")


def parse_sizes(text: str) -> list[tuple[int, int]]:
    sizes = []
    for item in filter(None, text.split(",")):  # "" = none (e.g. --sizes '' --biobank)
        samples, proteins = item.lower().split("x")
        sizes.append((int(samples.replace("_", "")), int(proteins.replace("_", ""))))
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default=DEFAULT_SIZES,
        help=f"samples x proteins, comma-separated (default {DEFAULT_SIZES})",
    )
    parser.add_argument(
        "--biobank", action="store_true", help="also 50000x2900 (R needs ~7 GB there)"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    sizes = parse_sizes(args.sizes) + ([BIOBANK] if args.biobank else [])
    if shutil.which("Rscript") is None:
        sys.exit("Rscript not found: R with limma is needed")
    try:
        import statsmodels  # noqa: F401
    except ImportError:
        sys.exit("statsmodels is needed for the OLS baseline: pip install statsmodels")

    for line in machine():
        print("# " + line)
    rows = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="proteosig-bench-") as tmp:
        scratch = Path(tmp)
        base_py, base_r = baselines(scratch)
        print(f"# baseline max RSS: python worker {base_py:.0f} MB, Rscript+limma {base_r:.0f} MB")
        for n_samples, n_proteins in sizes:
            for missing in (False, True):
                label = f"{n_samples}x{n_proteins} {'5% missing' if missing else 'complete'}"
                print(f"  running {label} ...", file=sys.stderr, flush=True)
                rows.append(
                    bench_one(n_samples, n_proteins, missing, args.seed, scratch, base_py, base_r)
                )
    print_table(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table = pd.DataFrame(rows)
    table.insert(0, "date", date.today().isoformat())
    table["seed"] = args.seed
    table.to_csv(args.out, sep="\t", index=False, float_format="%.6g")
    print(f"# total wall time {time.perf_counter() - started:.0f} s; written {args.out}")


if __name__ == "__main__":
    if "--worker" in sys.argv:
        run_worker()
    else:
        main()
