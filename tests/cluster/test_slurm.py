"""The whole demo through a real SLURM: same results as a local run, every job a SLURM job.

Needs a running SLURM whose jobs see this machine's files, e.g. the one-node cluster of
tests/cluster/start_slurm.sh (see tests/cluster/README.md), and
snakemake-executor-plugin-slurm. Skipped when `sinfo` is missing or no node is up; set
PROTEOSIG_REQUIRE_SLURM=1 (CI does) to fail instead of skipping.

The demo runs twice from one snapshot of the repository in a temporary folder: locally
(`snakemake --cores 2`) and with `--workflow-profile workflow/profiles/slurm`. Takes about
9 minutes on 2 cores (37 jobs): a SLURM job costs 10-15 s of CPU more than a local one
(sbatch, a snakemake process in the job, srun, a second snakemake), and only 2 jobs fit
on the node at once.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import yaml

from tests.helpers import REPO

pytestmark = pytest.mark.workflow

HERE = Path(__file__).resolve().parent
PROFILE = Path("workflow") / "profiles" / "slurm"
# What the workflow needs to run from a copy (the package itself is pip-installed).
COPY = ("Snakefile", "workflow", "config", "resources", "envs")
# Test-cluster settings on top of the profile (see the profile's header and the README):
# no accounting database, so job status comes from squeue; short jobs, so check early;
# keep every SLURM log as evidence of where each job ran.
SLURM_ARGS = (
    "--slurm-status-command", "squeue",
    "--slurm-init-seconds-before-status-checks", "2",
    "--slurm-keep-successful-logs",
)  # fmt: skip
TIMEOUT = 1800
# Not tables: compared by presence only (identical here, but PDF/PNG/HTML may embed dates).
NOT_TABLES = {".png", ".pdf", ".svg", ".html"}
# Run-specific outputs: wall times, memory, and logs that name hosts and times.
RUN_SPECIFIC = {"benchmarks", "logs"}


def _slurm_problem() -> str | None:
    """Why SLURM cannot run the test here, or None when it can."""
    if shutil.which("sinfo") is None or shutil.which("sbatch") is None:
        return "SLURM client tools (sinfo, sbatch) not installed"
    try:
        import snakemake_executor_plugin_slurm  # noqa: F401
    except ImportError:
        return "snakemake-executor-plugin-slurm not installed"
    try:
        result = subprocess.run(
            ["sinfo", "--noheader", "--responding", "--format=%T"],
            capture_output=True, text=True, timeout=30,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        return "sinfo did not answer within 30 s"
    if result.returncode != 0:
        return f"sinfo failed: {result.stderr.strip()[:300]}"
    states = {s.strip().rstrip("*~#!%$@^-") for s in result.stdout.split()}
    if not states & {"idle", "mixed", "allocated", "completing"}:
        return f"no usable SLURM node (states: {sorted(states) or 'none'})"
    return None


_PROBLEM = _slurm_problem()
if _PROBLEM is not None:
    if os.environ.get("PROTEOSIG_REQUIRE_SLURM") == "1":
        raise RuntimeError(
            f"PROTEOSIG_REQUIRE_SLURM=1 but {_PROBLEM}; start it: bash tests/cluster/start_slurm.sh"
        )
    pytest.skip(
        f"{_PROBLEM}; start a local cluster with tests/cluster/start_slurm.sh",
        allow_module_level=True,
    )


def _env() -> dict[str, str]:
    """This environment without SLURM job variables (in case pytest runs inside a job)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}


def _snakemake(workdir: Path, *args: str) -> tuple[subprocess.CompletedProcess, float]:
    command = [sys.executable, "-m", "snakemake", "--nocolor", *args]
    start = time.monotonic()
    try:
        result = subprocess.run(
            command, cwd=workdir, env=_env(), capture_output=True, text=True, timeout=TIMEOUT
        )
    except subprocess.TimeoutExpired as err:
        # cancel the run's jobs left behind by the killed snakemake
        partial = (err.stderr or b"").decode() if isinstance(err.stderr, bytes) else err.stderr
        for run_id in re.findall(r"SLURM run ID: (\S+)", partial or ""):
            subprocess.run(["scancel", "--name", run_id], check=False)
        raise
    return result, time.monotonic() - start


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The demo run locally and through SLURM, from the same snapshot of the repository."""
    base = tmp_path_factory.mktemp("slurm_demo")
    snapshot = base / "snapshot"
    snapshot.mkdir()
    for name in COPY:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, snapshot / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, snapshot / name)
    local, slurm = base / "local", base / "slurm"
    shutil.copytree(snapshot, local)
    shutil.copytree(snapshot, slurm)

    local_result, local_s = _snakemake(local, "--cores", "2")
    assert local_result.returncode == 0, local_result.stderr[-3000:]
    slurm_result, slurm_s = _snakemake(slurm, "--workflow-profile", str(PROFILE), *SLURM_ARGS)
    assert slurm_result.returncode == 0, (
        slurm_result.stderr[-5000:]
        + "\n(SLURM daemons log to /var/log/slurm/; job logs: "
        + f"{slurm}/.snakemake/slurm_logs/)"
    )
    return {
        "local": local,
        "slurm": slurm,
        "local_log": local_result.stdout + local_result.stderr,
        "slurm_log": slurm_result.stdout + slurm_result.stderr,
        "local_s": local_s,
        "slurm_s": slurm_s,
    }


def _local_jobs(log: str) -> list[str]:
    """Rule names of the jobs a local run executed (without the target rule 'all')."""
    return [r for r in re.findall(r"^localrule (\w+):", log, flags=re.M) if r != "all"]


def test_every_job_ran_as_a_slurm_job(runs):
    log = runs["slurm_log"]
    run_ids = re.findall(r"SLURM run ID: (\S+)", log)
    assert len(run_ids) == 1, "the SLURM executor did not start"
    job_ids = re.findall(r"has been submitted with SLURM jobid (\d+)", log)
    expected = _local_jobs(runs["local_log"])
    assert len(expected) >= 20
    assert len(job_ids) == len(set(job_ids)) == len(expected), (len(job_ids), expected)
    assert "localrule" not in re.sub(r"localrule all:", "", log), "a job ran outside SLURM"

    # slurmctld's own record: every job of this run (named after the run ID) completed
    listed = subprocess.run(
        ["squeue", "--states=all", "--noheader", "--format=%i|%T|%k", "--name", run_ids[0]],
        capture_output=True, text=True, check=True, env=_env(),
    ).stdout  # fmt: skip
    states = {}
    for line in listed.splitlines():
        job_id, state, comment = line.split("|", 2)
        states[job_id] = (state, comment)
    assert set(states) == set(job_ids), f"squeue lists {sorted(states)}, snakemake {job_ids}"
    assert {s for s, _ in states.values()} == {"COMPLETED"}, states
    # the jobs' comments name the rules: the same jobs as the local run
    rules = sorted(re.sub(r"^rule_|_wildcards_.*$", "", c) for _, c in states.values())
    assert rules == sorted(expected)

    # each job's SLURM log: the job step ran snakemake for that one rule on a SLURM node
    logs = {p.stem: p for p in (runs["slurm"] / ".snakemake" / "slurm_logs").rglob("*.log")}
    assert set(job_ids) <= set(logs), "a SLURM job left no log"
    for job_id in job_ids:
        text = logs[job_id].read_text()
        assert "--executor slurm-jobstep" in text and "Finished jobid: 0" in text, job_id


def _files(results: Path) -> set[Path]:
    return {p.relative_to(results) for p in results.rglob("*") if p.is_file()}


def test_results_identical_to_a_local_run(runs):
    local, slurm = runs["local"] / "results", runs["slurm"] / "results"
    files = _files(local)
    assert files == _files(slurm)
    compared = {"bytes": 0, "parquet": 0, "npz": 0, "presence": 0}
    for rel in sorted(files):
        if rel.parts[0] in RUN_SPECIFIC:
            continue
        a, b = local / rel, slurm / rel
        if rel.suffix in NOT_TABLES:
            assert a.stat().st_size > 0 and b.stat().st_size > 0, rel
            compared["presence"] += 1
        elif rel.suffix == ".parquet":
            pd.testing.assert_frame_equal(pd.read_parquet(a), pd.read_parquet(b), check_exact=True)
            compared["parquet"] += 1
        elif rel.suffix == ".npz":
            with np.load(a, allow_pickle=False) as x, np.load(b, allow_pickle=False) as y:
                assert sorted(x.files) == sorted(y.files), rel
                for key in x.files:
                    np.testing.assert_array_equal(x[key], y[key], err_msg=f"{rel}:{key}")
            compared["npz"] += 1
        else:  # .tsv, .json and anything new: byte for byte
            assert a.read_bytes() == b.read_bytes(), f"{rel} differs between local and SLURM"
            compared["bytes"] += 1
    assert compared["bytes"] >= 30 and compared["parquet"] >= 2, compared
    # every rule wrote its benchmark in both runs
    assert {p.name for p in (local / "benchmarks").iterdir()} == {
        p.name for p in (slurm / "benchmarks").iterdir()
    }


def _value(expression, attempt: int = 1) -> float:
    # the profile's own text, as Snakemake evaluates it; the demo's inputs are a few MB,
    # so size-dependent entries give their floor (input.size_mb 0 asks for the least)
    scope = {"attempt": attempt, "input": SimpleNamespace(size_mb=0.0)}
    return float(eval(str(expression), {}, scope))


def test_profile_covers_what_the_rules_used(runs):
    """mem_mb >= 2 x the peak RSS and runtime >= 5 x the wall time of every demo job."""
    sys.path.insert(0, str(HERE))
    try:
        from benchmark_resources import benchmark_patterns, measure
    finally:
        sys.path.remove(str(HERE))
    snapshot = runs["local"]  # the rules and profile both runs used
    profile = yaml.safe_load((snapshot / PROFILE / "config.yaml").read_text())
    measured = measure(snapshot / "results", benchmark_patterns(snapshot / "workflow" / "rules"))
    assert set(measured["rule"]) == set(_local_jobs(runs["local_log"]))
    defaults = profile["default-resources"]
    for row in measured.itertuples():
        resources = {**defaults, **profile["set-resources"].get(row.rule, {})}
        mem_mb, runtime = _value(resources["mem_mb"]), _value(resources["runtime"])
        assert mem_mb >= 2 * row.max_rss, (row.rule, mem_mb, row.max_rss)
        assert runtime * 60 >= 5 * row.s, (row.rule, runtime, row.s)


def test_report_timings(runs, record_property, capsys):
    record_property("local_seconds", round(runs["local_s"], 1))
    record_property("slurm_seconds", round(runs["slurm_s"], 1))
    with capsys.disabled():
        print(
            f"\n[test_slurm] demo wall time: local {runs['local_s']:.0f} s, "
            f"SLURM {runs['slurm_s']:.0f} s"
        )
    assert math.isfinite(runs["slurm_s"])
