#!/usr/bin/env python
"""Time and measure the whole pipeline, rule by rule, at biobank scale (issue #10).

    python benchmarks/scale.py [--sizes 1000,10000,50000] [--demo] [--seed N]
                               [--workdir /tmp/proteosig_scale] [--skip-limma]

For every size a SYNTHETIC Olink Explore 3072 cohort (``proteosig.simulate.scale``) is
written once under ``--workdir`` (reused while size, seed and generator are unchanged:
generating is not what is measured) and the pipeline runs on it cold, with
``snakemake --cores 2`` in a fresh ``<cohort>/run``. ``--demo`` adds a cold run of the
bundled demo (108 x 360) in a fresh copy of the pipeline.

Per scale it reports:

* whole run: wall time of the snakemake process and the peak of the summed RSS of
  snakemake and all its descendants (polled every 0.5 s: two concurrent jobs count
  together, as the machine must hold both), against the issue's goals;
* per job (``results/benchmarks/<rule>[_<wildcards>].tsv``, Snakemake's ``benchmark:``
  files): seconds and max RSS, and the growth exponent log(t2/t1)/log(n2/n1) between
  consecutive sizes (wall time, CPU time and memory); exponents above 1.2 are flagged;
* the differential engine against R's limma on the run's own analysis matrix, design and
  contrasts (each in a fresh subprocess; R through ``_limma_bench.R``), their peak memory,
  the max |t| difference, and both the pipeline's differential stage and the engine relative to the
  time ``read_parquet`` takes to read the analysis matrix.

Printed, and written to ``benchmarks/out/scale.tsv`` (one row per scale) and
``benchmarks/out/scale_rules.tsv`` (one row per scale x job); both are rewritten after
every scale, so a long run that fails late keeps what it measured.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import differential_vs_limma as dvl  # a script's own folder is on sys.path
import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT_DIR = HERE / "out"
DEFAULT_SIZES = "1000,10000"
DEFAULT_WORKDIR = Path(tempfile.gettempdir()) / "proteosig_scale"
CORES = 2
POLL_SECONDS = 0.5
GIB = 1024**3
SUPERLINEAR = 1.2
# The goals on the 2-core, 24 GiB machine.
BIOBANK_SAMPLES = 50_000
BIOBANK_WALL_S = 20 * 60
BIOBANK_PEAK_BYTES = 8 * GIB
DEMO_WALL_S = 60
DIFFERENTIAL_OVER_READ = 2.0
# Order of the per-job table: pipeline stages, then anything else alphabetically.
STAGES = ("ingest", "qc", "differential", "enrichment", "similarity", "reversal", "report")
DEMO_PARTS = ("Snakefile", "workflow", "config", "resources", "envs")


# ------------------------------------------------------------------------ machine
def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _os_name() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return f"{line.split('=', 1)[1].strip(chr(34))}, Linux {platform.release()}"
    except OSError:
        pass
    return platform.platform()


def _r_version() -> str:
    if shutil.which("Rscript") is None:
        return "R: not found"
    r = subprocess.run(
        [
            "Rscript",
            "-e",
            'cat(R.version.string, "; limma ", format(packageVersion("limma")), "; ", '
            'La_library(), sep="")',
        ],
        capture_output=True,
        text=True,
    )
    return r.stdout.strip() or "R/limma: " + r.stderr.strip()[-200:]


def code_fingerprint() -> str:
    """sha256 of the pipeline's sources: others edit the tree while this runs, so a table
    must name the code it timed (no git here)."""
    digest = hashlib.sha256()
    files = [REPO / "Snakefile"]
    files += sorted((REPO / "workflow").rglob("*.smk")) + sorted((REPO / "workflow").rglob("*.py"))
    files += sorted((REPO / "src" / "proteosig").rglob("*.py"))
    for path in files:
        digest.update(str(path.relative_to(REPO)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def machine_lines() -> list[str]:
    import psutil
    import snakemake

    physical = psutil.cpu_count(logical=False)
    return [
        f"date {date.today().isoformat()}; CPU {_cpu_model()}; {os.cpu_count()} logical "
        f"cores ({physical} physical); RAM {psutil.virtual_memory().total / GIB:.1f} GiB",
        f"OS {_os_name()}; Python {platform.python_version()}; numpy {np.__version__}; "
        f"pandas {pd.__version__}; snakemake {snakemake.__version__}",
        f"numpy BLAS: {dvl._openblas_info()}; OPENBLAS_NUM_THREADS="
        f"{os.environ.get('OPENBLAS_NUM_THREADS', '(unset)')}",
        _r_version(),
        f"code sha256 {code_fingerprint()} (Snakefile, workflow/, src/proteosig); "
        f"engine sha256 {dvl.engine_fingerprint()}",
    ]


# ------------------------------------------------------------------------ inputs
def _generator_fingerprint() -> str:
    import proteosig.simulate.scale as generator

    return hashlib.sha256(Path(generator.__file__).read_bytes()).hexdigest()[:12]


def ensure_cohort(workdir: Path, n_samples: int, seed: int) -> Path:
    """The cohort's directory, written unless a complete one with the same stamp exists."""
    from proteosig.simulate.scale import scale_config, write_scale_cohort

    folder = workdir / f"cohort_{n_samples}_seed{seed}"
    stamp_path = folder / "stamp.json"
    stamp = {"n_samples": n_samples, "seed": seed, "generator": _generator_fingerprint()}
    complete = stamp_path.exists() and (folder / "npx.parquet").exists()
    if complete and json.loads(stamp_path.read_text()) == stamp:
        # the config is not data: rewrite it so config changes in the package are timed
        import yaml

        config = yaml.safe_dump(scale_config(folder), sort_keys=False)
        (folder / "config.yaml").write_text(config)
        return folder
    log(f"writing cohort {n_samples:,} samples (seed {seed}) to {folder} ...")
    stamp_path.unlink(missing_ok=True)  # a half-written cohort must never look complete
    started = time.perf_counter()
    write_scale_cohort(folder, n_samples, seed=seed)
    stamp_path.write_text(json.dumps(stamp))
    log(f"  written in {time.perf_counter() - started:.0f} s")
    return folder


def prepare_demo(workdir: Path) -> Path:
    """A fresh copy of the pipeline: the demo's config and data paths are relative to the
    working directory, so it cannot run from the repository in another directory."""
    folder = workdir / "demo"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for part in DEMO_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, folder / part, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            shutil.copy2(source, folder / part)
    return folder


# ------------------------------------------------------------------------ whole run
@dataclass
class Run:
    label: str  # "demo" or the cohort's sample count
    n_input: int  # samples in the input (the x of the growth exponents)
    run_dir: Path
    wall_s: float = math.nan
    peak_bytes: float = math.nan
    jobs: str = ""
    ok: bool = False
    load1_before: float = math.nan
    code: str = ""  # code_fingerprint() as the run started
    extra: dict = field(default_factory=dict)


def _tree_rss(root) -> int:
    import psutil

    try:
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for process in processes:
        try:
            total += process.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass  # a job that ended between listing and reading
    return total


def run_pipeline(run: Run, snakefile: Path, configfile: Path | None) -> None:
    import psutil

    command = [sys.executable, "-m", "snakemake", "-s", str(snakefile)]
    command += ["--directory", str(run.run_dir), "--cores", str(CORES)]
    if configfile is not None:
        command += ["--configfile", str(configfile)]
    log_path = run.run_dir.parent / f"snakemake_{run.label}.log"
    run.load1_before = os.getloadavg()[0]
    run.code = code_fingerprint()
    peak = 0
    with open(log_path, "w") as handle:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT)
        root = psutil.Process(process.pid)
        while True:
            peak = max(peak, _tree_rss(root))
            try:
                process.wait(timeout=POLL_SECONDS)  # returns at exit: no sleep in the wall time
                break
            except subprocess.TimeoutExpired:
                pass
        run.wall_s = time.perf_counter() - started
    run.peak_bytes = peak
    run.ok = process.returncode == 0
    text = log_path.read_text(errors="replace")
    steps = re.findall(r"(\d+) of (\d+) steps", text)
    run.jobs = f"{steps[-1][0]}/{steps[-1][1]}" if steps else "?"
    if not run.ok:
        log(f"  snakemake FAILED ({process.returncode}); last lines of {log_path}:")
        log("\n".join(text.splitlines()[-15:]))


def matrix_shape(run_dir: Path) -> tuple[int, int]:
    """Samples x proteins of the analysis matrix, from the parquet footer (no data read)."""
    import pyarrow.parquet as pq

    path = run_dir / "results" / "qc" / "analysis_matrix.parquet"
    if not path.exists():
        return 0, 0
    meta = pq.read_metadata(path)
    return meta.num_rows, meta.num_columns - 1  # minus sample_id


def goal(run: Run) -> str:
    if not run.ok:
        return "run failed"
    if run.label == "demo":
        return "yes" if run.wall_s < DEMO_WALL_S else "no"
    if run.n_input == BIOBANK_SAMPLES:
        met = run.wall_s < BIOBANK_WALL_S and run.peak_bytes < BIOBANK_PEAK_BYTES
        return "yes" if met else "no"
    return "-"


# ------------------------------------------------------------------------ per job
# ours -> Snakemake's benchmark column (MB and seconds as Snakemake writes them)
BENCHMARK_COLUMNS = {
    "s": "s",
    "max_rss_MB": "max_rss",
    "max_uss_MB": "max_uss",
    "cpu_time_s": "cpu_time",
    "mean_load": "mean_load",
    "io_in_MB": "io_in",
    "io_out_MB": "io_out",
}


def read_benchmarks(run: Run) -> pd.DataFrame:
    """One row per job from Snakemake's benchmark files (job = rule[_wildcards])."""
    rows = []
    for path in sorted((run.run_dir / "results" / "benchmarks").glob("*.tsv")):
        table = pd.read_csv(path, sep="\t", na_values=["NA", "-"])
        if table.empty:
            continue
        record = table.iloc[0]
        values = {
            ours: float(record.get(theirs, math.nan)) for ours, theirs in BENCHMARK_COLUMNS.items()
        }
        rows.append({"job": path.stem, **values})
    return pd.DataFrame(rows, columns=["job", *BENCHMARK_COLUMNS])


def stage_rank(job: str) -> tuple[int, str]:
    for rank, stage in enumerate(STAGES):
        if job == stage or job.startswith(stage + "_"):
            return rank, job
    return len(STAGES), job


def exponent(x1: float, x2: float, y1: float, y2: float) -> float:
    if not (x1 > 0 and x2 > x1 and y1 > 0 and y2 > 0):
        return math.nan
    return math.log(y2 / y1) / math.log(x2 / x1)


def differential_stage_s(jobs: pd.DataFrame) -> float:
    """Seconds of the jobs the goal names: differential_fit plus every differential_table."""
    chosen = jobs["job"].eq("differential_fit") | jobs["job"].str.startswith("differential_table_")
    return float(jobs.loc[chosen, "s"].sum()) if chosen.any() else math.nan


# ------------------------------------------------------------------------ engine vs limma
def run_child(command: list[str], log_path: Path) -> str:
    with open(log_path, "w") as err:
        done = subprocess.run(command, stdout=subprocess.PIPE, stderr=err, text=True)
    if done.returncode != 0:
        tail = log_path.read_text(errors="replace")[-2000:]
        raise RuntimeError(f"{' '.join(command[:4])} ... failed ({done.returncode}):\n{tail}")
    return done.stdout


def own_peak_mb() -> float:
    """This process's peak RSS (VmHWM). Not the rusage a parent gets from wait4: Linux
    carries the spawning parent's peak into the child's ru_maxrss, and this script's main
    process holds the analysis matrix, so every child would report at least that."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return math.nan


# R runs _limma_bench.R unchanged, then prints its own VmHWM (see own_peak_mb).
R_WITH_PEAK = (
    'source("{script}"); '
    "cat(grep('^VmHWM:', readLines('/proc/self/status'), value = TRUE), '\\n')"
)


def r_peak_mb(stdout: str) -> float:
    found = re.search(r"VmHWM:\s+(\d+)\s+kB", stdout)
    return int(found.group(1)) / 1024 if found else math.nan


def python_worker(*args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), *args]


def write_limma_inputs(run_dir: Path, folder: Path) -> tuple[int, int, list[str]]:
    """The run's matrix, design and contrasts in the raw layout ``_limma_bench.R`` reads.

    Design and contrasts come from the fitted model the run saved, so both engines get
    exactly what the pipeline fitted, not a re-derivation of it.
    """
    from proteosig.differential.store import load_moderated
    from proteosig.io.tables import read_parquet

    model = load_moderated(run_dir / "results" / "differential" / "model.npz")
    design = model.fit.design
    contrasts = dict(model.fit.params["contrasts"])
    matrix = read_parquet(run_dir / "results" / "qc" / "analysis_matrix.parquet")
    matrix = matrix.set_index("sample_id")
    matrix.index = matrix.index.astype(str)
    y = matrix.loc[design.index].to_numpy(dtype=np.float64)
    dvl.write_inputs(folder, y, design, [str(c) for c in matrix.columns])
    # write_inputs writes its own synthetic contrasts; these are the run's
    (folder / "contrasts.txt").write_text(
        "".join(f"{name}\t{expression}\n" for name, expression in contrasts.items())
    )
    return y.shape[0], y.shape[1], list(contrasts)


def worker_engine(folder: Path, matrix_path: Path, repeats: int) -> dict:
    """Time lm_fit + contrasts_fit + ebayes + top_table on the matrix as the rule holds it.

    The matrix is read from the parquet as differential_fit.py reads it, because the
    engine's speed depends on the memory layout (a parquet frame is protein-contiguous,
    the raw file R reads is sample-contiguous); values and design are identical.
    """
    from proteosig.differential import contrast_matrix, contrasts_fit, ebayes, lm_fit, top_table
    from proteosig.io.tables import read_parquet

    coef_names = (folder / "design_names.txt").read_text().split()
    sample_ids = (folder / "sample_ids.txt").read_text().split()
    x = np.fromfile(folder / "design.f64", dtype="<f8").reshape(len(coef_names), -1)
    design = pd.DataFrame(x.T, index=sample_ids, columns=coef_names)
    contrasts = dict(
        line.split("\t", 1) for line in (folder / "contrasts.txt").read_text().splitlines()
    )
    matrix = read_parquet(matrix_path).set_index("sample_id")
    matrix.index = matrix.index.astype(str)
    matrix = matrix.loc[sample_ids]
    cmatrix = contrast_matrix(contrasts, coef_names)
    times, cpu, tables = [], [], {}
    for _ in range(repeats):
        tables = {}
        start, start_cpu = time.perf_counter(), time.process_time()
        fit = lm_fit(matrix.T, design)
        moderated = ebayes(contrasts_fit(fit, cmatrix))
        tables = {name: top_table(moderated, name) for name in contrasts}
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        del fit, moderated
    first = tables[next(iter(contrasts))]
    pair = np.concatenate([first["t"].to_numpy(), first["P.Value"].to_numpy()])
    pair.astype("<f8").tofile(folder / "ours_top.f64")
    return {"times": times, "cpu": cpu, "peak_MB": own_peak_mb()}


def worker_read(matrix_path: Path) -> dict:
    from proteosig.io.tables import read_parquet

    start = time.perf_counter()
    read_parquet(matrix_path)
    return {"seconds": time.perf_counter() - start}


def read_time(matrix_path: Path, scratch: Path) -> float:
    """Best of 3, each in a fresh process, so no run benefits from the last one's heap."""
    return min(
        json.loads(
            run_child(
                python_worker("--worker", "read", "--matrix", str(matrix_path)),
                scratch / "read.log",
            )
        )["seconds"]
        for _ in range(3)
    )


def compare_with_limma(run: Run, workdir: Path) -> dict:
    matrix_path = run.run_dir / "results" / "qc" / "analysis_matrix.parquet"
    folder = workdir / f"limma_{run.label}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    try:
        n_samples, n_proteins, contrasts = write_limma_inputs(run.run_dir, folder)
        repeats = 1 if n_samples >= dvl.LARGE_SAMPLES else 3
        out = run_child(
            python_worker(
                "--worker",
                "engine",
                "--dir",
                str(folder),
                "--matrix",
                str(matrix_path),
                "--repeats",
                str(repeats),
            ),
            folder / "engine.log",
        )
        engine = json.loads(out)
        r_out = run_child(
            [
                "Rscript",
                "-e",
                R_WITH_PEAK.format(script=dvl.R_SCRIPT),
                *dvl.r_run_args(folder, n_proteins, n_samples, repeats),
            ],
            folder / "r.log",
        )
        r_result = dvl.read_r_result(folder)
        t_ours, _ = dvl.read_pair(folder / "ours_top.f64", n_proteins)
        t_r, _ = dvl.read_pair(folder / "r_top.f64", n_proteins)
        read_s = read_time(matrix_path, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)  # the raw matrix is GBs at scale
    engine_s = min(engine["times"])
    r_s = min(float(v) for v in r_result["elapsed"].split(","))
    return {
        "contrasts": len(contrasts),
        "first_contrast": contrasts[0],
        "repeats": repeats,
        "engine_s": engine_s,
        "engine_cpu_s": min(engine["cpu"]),
        "limma_s": r_s,
        "limma_over_engine": r_s / engine_s,
        "max_abs_t_diff": dvl.max_abs_diff(t_ours, t_r),
        "engine_peak_MB": engine["peak_MB"],
        "limma_peak_MB": r_peak_mb(r_out),
        "read_s": read_s,
    }


def run_worker() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker", choices=["engine", "read"], required=True)
    parser.add_argument("--dir", type=Path)
    parser.add_argument("--matrix", type=Path, required=True)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    if args.worker == "engine":
        result = worker_engine(args.dir, args.matrix, args.repeats)
    else:
        result = worker_read(args.matrix)
    print(json.dumps(result))


# ------------------------------------------------------------------------ report
def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def fmt(value, spec: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return format(value, spec)


def print_table(header: list[str], rows: list[list[str]], left: int = 1) -> None:
    """Plain aligned columns; the first ``left`` columns left-aligned, numbers right."""
    cells = [header, *rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for row in cells:
        parts = [
            c.ljust(w) if i < left else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        print("  ".join(parts).rstrip())


def summary_row(run: Run, jobs: pd.DataFrame) -> dict:
    samples, proteins = matrix_shape(run.run_dir)
    slowest = jobs.loc[jobs["s"].idxmax()] if not jobs.empty else None
    row = {
        "scale": run.label,
        "input_samples": run.n_input,
        "samples": samples,
        "proteins": proteins,
        "jobs": run.jobs,
        "ok": run.ok,
        "wall_s": run.wall_s,
        "peak_rss_GiB": run.peak_bytes / GIB,
        "goal_met": goal(run),
        "slowest_job": slowest["job"] if slowest is not None else "",
        "slowest_s": float(slowest["s"]) if slowest is not None else math.nan,
        "sum_job_s": float(jobs["s"].sum()) if not jobs.empty else math.nan,
        "sum_job_cpu_s": float(jobs["cpu_time_s"].sum()) if not jobs.empty else math.nan,
        "max_job_rss_MB": float(jobs["max_rss_MB"].max()) if not jobs.empty else math.nan,
        "differential_stage_s": differential_stage_s(jobs) if not jobs.empty else math.nan,
        "load1_before": run.load1_before,
        "code_sha256": run.code,
    }
    row.update(run.extra)
    if "read_s" in row:
        row["differential_stage_over_read"] = row["differential_stage_s"] / row["read_s"]
        row["engine_over_read"] = row["engine_s"] / row["read_s"]
    return row


def print_whole_runs(summary: pd.DataFrame) -> None:
    print(f"\n## Whole run (snakemake --cores {CORES}, cold)")
    header = [
        "scale",
        "samples",
        "proteins",
        "jobs",
        "wall_s",
        "peak_RSS_GiB",
        "goal_met",
        "job_cpu_s",
        "load1",
        "slowest job",
        "slowest_s",
    ]
    rows = [
        [
            r.scale,
            f"{r.samples:,}",
            f"{r.proteins:,}",
            r.jobs,
            fmt(r.wall_s, ".1f"),
            fmt(r.peak_rss_GiB, ".2f"),
            r.goal_met,
            fmt(r.sum_job_cpu_s, ".0f"),
            fmt(r.load1_before, ".1f"),
            r.slowest_job,
            fmt(r.slowest_s, ".1f"),
        ]
        for r in summary.itertuples()
    ]
    print_table(header, rows)
    print(
        f"goals: {BIOBANK_SAMPLES:,} samples: wall < {BIOBANK_WALL_S / 60:.0f} min and peak "
        f"< {BIOBANK_PEAK_BYTES / GIB:.0f} GiB; demo: wall < {DEMO_WALL_S} s; other sizes: "
        "none (-). peak_RSS = max over 0.5 s polls of the summed RSS of snakemake and all "
        "its descendants (pages shared between processes count in each). job_cpu_s: CPU seconds "
        "of all jobs summed (benchmark cpu_time), less sensitive than wall time to other "
        f"work on the machine; job_cpu_s / {CORES} is about the least wall time an idle "
        f"{CORES}-core machine could reach. load1: 1-minute load average before the run."
    )


def print_jobs(per_job: pd.DataFrame, labels: list[str]) -> None:
    print("\n## Per job (Snakemake benchmark files: s = wall seconds, MB = max_rss)")
    print(
        "Snakemake samples a job every 0.5 s for its first ~15 s, then every 30 s, and not at "
        "its end: past 15 s, max_rss can miss peaks and cpu_time lacks up to 30 s of CPU."
    )
    wide = {label: per_job[per_job["scale"] == label].set_index("job") for label in labels}
    jobs = sorted(set(per_job["job"]), key=stage_rank)
    header = ["job"] + [f"{label} {unit}" for label in labels for unit in ("s", "MB")]
    rows = []
    for job in jobs:
        row = [job]
        for label in labels:
            table = wide[label]
            s = table.at[job, "s"] if job in table.index else math.nan
            mb = table.at[job, "max_rss_MB"] if job in table.index else math.nan
            row += [fmt(s, ".1f"), fmt(mb, ".0f")]
        rows.append(row)
    print_table(header, rows)
    for label in labels:
        table = wide[label]
        if not table.empty:
            slowest = table["s"].idxmax()
            share = table.at[slowest, "s"] / table["s"].sum()
            print(
                f"slowest at {label}: {slowest} {table.at[slowest, 's']:.1f} s "
                f"({share:.0%} of the summed job seconds)"
            )


GROWTH_COLUMNS = ["job", "from_scale", "to_scale", "s_at_n2", "time_exp", "cpu_exp", "mem_exp"]


def growth_row(job: str, n1: int, n2: int, first: dict, second: dict) -> dict:
    """``first``/``second``: wall s, cpu s and memory of one job at the two sizes."""
    return {
        "job": job,
        "from_scale": first["scale"],
        "to_scale": second["scale"],
        "s_at_n2": second["s"],
        **{
            f"{kind}_exp": exponent(n1, n2, first[key], second[key])
            for kind, key in (("time", "s"), ("cpu", "cpu"), ("mem", "mem"))
        },
    }


def _run_values(row: pd.Series) -> dict:
    return {
        "scale": row["scale"],
        "s": row["wall_s"],
        "cpu": row["sum_job_cpu_s"],
        "mem": row["peak_rss_GiB"],
    }


def _job_values(jobs: pd.DataFrame, job: str, scale: str) -> dict:
    return {
        "scale": scale,
        "s": jobs.at[job, "s"],
        "cpu": jobs.at[job, "cpu_time_s"],
        "mem": jobs.at[job, "max_rss_MB"],
    }


def growth(per_job: pd.DataFrame, summary: pd.DataFrame) -> pd.DataFrame:
    """Exponents between consecutive cohort sizes (the demo is another design: left out)."""
    cohorts = summary[summary["scale"] != "demo"].sort_values("input_samples")
    rows = []
    for (_, a), (_, b) in zip(cohorts.iterrows(), cohorts.iloc[1:].iterrows(), strict=False):
        n1, n2 = a["input_samples"], b["input_samples"]
        if a["ok"] and b["ok"]:  # a failed run's wall and peak are of a shorter run
            rows.append(growth_row("(whole run)", n1, n2, _run_values(a), _run_values(b)))
        first = per_job[per_job["scale"] == a["scale"]].set_index("job")
        second = per_job[per_job["scale"] == b["scale"]].set_index("job")
        for job in sorted(first.index.intersection(second.index), key=stage_rank):
            before = _job_values(first, job, a["scale"])
            after = _job_values(second, job, b["scale"])
            rows.append(growth_row(job, n1, n2, before, after))
    return pd.DataFrame(rows, columns=GROWTH_COLUMNS)


def print_growth(table: pd.DataFrame) -> None:
    print(
        "\n## Growth exponents log(y2/y1)/log(n2/n1), n = input samples "
        f"(1 = linear; '!' > {SUPERLINEAR})"
    )
    if table.empty:
        print("(needs two or more cohort sizes)")
        return

    def mark(value: float) -> str:
        return fmt(value, ".2f") + (" !" if value > SUPERLINEAR else "  ")

    rows = [
        [
            r.job,
            f"{r.from_scale}->{r.to_scale}",
            fmt(r.s_at_n2, ".1f"),
            mark(r.time_exp),
            mark(r.cpu_exp),
            mark(r.mem_exp),
        ]
        for r in table.itertuples()
    ]
    print_table(["job", "sizes", "s at n2", "wall exp", "cpu exp", "mem exp"], rows)
    exps = table[["time_exp", "cpu_exp", "mem_exp"]]
    flagged = table.loc[(exps > SUPERLINEAR).any(axis=1), "job"]
    if flagged.empty:
        print(f"no job grows faster than n^{SUPERLINEAR}")
    else:
        print("superlinear (to be documented): " + ", ".join(dict.fromkeys(flagged)))
    print(
        "wall: benchmark s (whole run: wall time); cpu: benchmark cpu_time (whole run: summed "
        "over jobs), steadier than wall on a shared machine; mem: max_rss (whole run: peak "
        "summed RSS). Jobs of a few seconds are mostly interpreter start-up and imports: "
        "exponents near 0 there mean fixed cost; read the largest pair of sizes."
    )


def print_limma(summary: pd.DataFrame) -> None:
    if "engine_s" not in summary:
        return
    compared = summary[summary["engine_s"].notna()]
    print("\n## Differential engine vs R limma (same analysis matrix, design and contrasts)")
    header = [
        "scale",
        "samples x proteins",
        "ours_s",
        "limma_s",
        "limma/ours",
        "max|t diff|",
        "ours_MB",
        "limma_MB",
        "read_s",
        "stage/read",
        "ours/read",
    ]
    rows = [
        [
            r.scale,
            f"{r.samples}x{r.proteins}",
            fmt(r.engine_s, ".3f"),
            fmt(r.limma_s, ".3f"),
            fmt(r.limma_over_engine, ".1f"),
            fmt(r.max_abs_t_diff, ".1e"),
            fmt(r.engine_peak_MB, ".0f"),
            fmt(r.limma_peak_MB, ".0f"),
            fmt(r.read_s, ".3f"),
            fmt(r.differential_stage_over_read, ".1f"),
            fmt(r.engine_over_read, ".2f"),
        ]
        for r in compared.itertuples()
    ]
    print_table(header, rows)
    print(
        "ours_s / limma_s: lm_fit+contrasts_fit+ebayes+top_table (every contrast) vs "
        "lmFit+contrasts.fit+eBayes+topTable, each in a fresh process, best of 3 below "
        f"{dvl.LARGE_SAMPLES:,} samples; max|t diff| on the first contrast; *_MB: max RSS of "
        "that process (interpreter and input included). read_s: read_parquet of the "
        "analysis matrix, fresh process, best of 3. stage/read: (differential_fit + "
        "differential_table jobs' benchmark seconds, summed) / read_s, goal <= "
        f"{DIFFERENTIAL_OVER_READ:g} at {BIOBANK_SAMPLES:,}; ours/read: engine alone / read_s."
    )


def write_outputs(summary: pd.DataFrame, per_job: pd.DataFrame, seed: int) -> None:
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    stamp = {"date": date.today().isoformat(), "seed": seed}
    summary.assign(**stamp).to_csv(
        OUT_DIR / "scale.tsv", sep="\t", index=False, float_format="%.6g"
    )
    per_job.assign(**stamp).to_csv(
        OUT_DIR / "scale_rules.tsv", sep="\t", index=False, float_format="%.6g"
    )


def parse_sizes(text: str) -> list[int]:
    return sorted({int(item.replace("_", "")) for item in text.split(",") if item.strip()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=DEFAULT_SIZES, help="samples per cohort, a,b,c")
    parser.add_argument("--demo", action="store_true", help="also a cold run of the demo")
    parser.add_argument("--seed", type=int, default=None, help="cohort seed (package default)")
    parser.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    parser.add_argument("--skip-limma", action="store_true")
    args = parser.parse_args()
    from proteosig.simulate.scale import DEFAULT_SEED

    seed = DEFAULT_SEED if args.seed is None else args.seed
    sizes = parse_sizes(args.sizes)
    if not args.skip_limma and shutil.which("Rscript") is None:
        sys.exit("Rscript not found: install R with limma, or pass --skip-limma")
    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)

    for line in machine_lines():
        print("# " + line)
    print(
        f"# sizes {', '.join(f'{n:,}' for n in sizes)}{' + demo' if args.demo else ''}; "
        f"seed {seed}; workdir {workdir}",
        flush=True,
    )

    plans = []  # (run, snakefile, configfile)
    if args.demo:
        demo = prepare_demo(workdir)
        plans.append((Run("demo", 0, demo), demo / "Snakefile", None))
    for n in sizes:
        cohort = ensure_cohort(workdir, n, seed)
        plans.append((Run(str(n), n, cohort / "run"), REPO / "Snakefile", cohort / "config.yaml"))

    summaries, job_tables = [], []
    for run, snakefile, configfile in plans:
        if run.label != "demo":
            shutil.rmtree(run.run_dir, ignore_errors=True)  # cold: nothing left from before
            run.run_dir.mkdir(parents=True)
        log(f"running the pipeline: {run.label} ...")
        run_pipeline(run, snakefile, configfile)
        log(f"  {run.label}: {run.wall_s:.1f} s, peak {run.peak_bytes / GIB:.2f} GiB")
        jobs = read_benchmarks(run)
        if run.label == "demo":
            run.n_input = matrix_shape(run.run_dir)[0]
        if run.ok and not args.skip_limma:
            log(f"  differential engine vs limma at {run.label} ...")
            try:
                run.extra = compare_with_limma(run, workdir)
            except RuntimeError as err:  # keep the pipeline figures of this scale
                log(f"  comparison failed: {err}")
        summaries.append(summary_row(run, jobs))
        job_tables.append(jobs.assign(scale=run.label, input_samples=run.n_input))
        summary = pd.DataFrame(summaries)
        per_job = pd.concat(job_tables, ignore_index=True)
        write_outputs(summary, per_job, seed)

    labels = list(summary["scale"])
    growth_table = growth(per_job, summary)
    per_job = per_job.merge(
        growth_table.drop(columns=["from_scale", "s_at_n2"])
        .rename(columns={"to_scale": "scale"})
        .rename(columns=lambda c: c + "_from_prev" if c.endswith("_exp") else c),
        on=["scale", "job"],
        how="left",
    )
    write_outputs(summary, per_job, seed)

    print_whole_runs(summary)
    print_jobs(per_job, labels)
    print_growth(growth_table)
    print_limma(summary)
    print(f"\n# written {OUT_DIR / 'scale.tsv'} and {OUT_DIR / 'scale_rules.tsv'}")


if __name__ == "__main__":
    if "--worker" in sys.argv:
        run_worker()
    else:
        main()
