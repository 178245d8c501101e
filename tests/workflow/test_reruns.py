"""Exact stage reruns: changing one stage's setting reruns that stage and what follows,
nothing upstream; a killed run recovers to identical results; --until / --forcerun."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.helpers import REPO
from tests.workflow.test_pipeline import snakemake, write_study

pytestmark = pytest.mark.workflow

UPSTREAM = {"ingest", "qc", "qc_figures"}


def planned(workdir: Path, config: Path, *args: str) -> dict[str, int]:
    """Rule -> number of jobs a dry run would execute."""
    result = snakemake(workdir, config, "--dry-run", "--quiet", "rules", *args)
    assert result.returncode == 0, result.stderr[-2000:]
    jobs, table = {}, False
    for line in result.stdout.splitlines():
        if line.startswith("job ") and "count" in line:
            table = True
            continue
        if table:
            parts = line.split()
            if len(parts) == 2 and parts[1].isdigit() and parts[0] not in ("total",):
                jobs[parts[0]] = int(parts[1])
            elif parts and parts[0] == "total":
                break
    return jobs


def edit_config(path: Path, section: str, **values) -> None:
    config = yaml.safe_load(path.read_text())
    config.setdefault(section, {}).update(values)
    path.write_text(yaml.safe_dump(config))


def result_tables(results: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(results)): p.read_bytes()
        for p in sorted(results.rglob("*"))
        if p.suffix in (".tsv", ".json", ".parquet")
        and not {"benchmarks", "logs", "report"} & set(p.parts)
    }


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A completed run of the small study, with its own copy of the drug library."""
    workdir = tmp_path_factory.mktemp("reruns")
    shutil.copytree(REPO / "resources" / "drugs", workdir / "drugs")
    config = write_study(workdir)
    edit_config(config, "reversal", library="drugs")  # relative: each copy reads its own
    result = snakemake(workdir, config)
    assert result.returncode == 0, result.stderr[-3000:]
    assert planned(workdir, config) == {}
    return workdir, config


def test_differential_setting_reruns_only_differential_and_after(finished, tmp_path):
    workdir, config = finished
    work = tmp_path / "w"
    shutil.copytree(workdir, work, symlinks=True)
    config = work / "config.yaml"
    edit_config(config, "differential", fdr_threshold=0.1)
    jobs = planned(work, config)
    assert "differential_table" in jobs and not UPSTREAM & set(jobs)
    assert "differential_fit" not in jobs  # the model does not use the threshold
    # and a real run does what the dry run said
    result = snakemake(work, config)
    assert result.returncode == 0, result.stderr[-3000:]
    for rule in UPSTREAM | {"differential_fit"}:
        assert f"rule {rule}:" not in result.stderr


def test_qc_setting_reruns_qc_and_everything_after(finished, tmp_path):
    workdir, _ = finished
    work = tmp_path / "w"
    shutil.copytree(workdir, work, symlinks=True)
    config = work / "config.yaml"
    edit_config(config, "qc", max_below_lod=0.9)
    jobs = planned(work, config)
    assert "ingest" not in jobs
    assert {"qc", "qc_figures", "differential_fit", "enrichment_scores", "similarity_patients",
            "reversal_contrast", "report_methods"} <= set(jobs)  # fmt: skip


def test_drug_library_change_reruns_only_reversal(finished, tmp_path):
    workdir, _ = finished
    work = tmp_path / "w"
    shutil.copytree(workdir, work, symlinks=True)
    config = work / "config.yaml"
    assert planned(work, config) == {}
    table = work / "drugs" / "target_axes.tsv"
    touched = time.time() + 5
    os.utime(table, (touched, touched))
    assert planned(work, config) == {}  # newer but the same content: Snakemake's checksum
    text = table.read_text()
    table.write_text(text.replace("\t0.5\t", "\t0.4\t", 1))  # a secondary axis weaker
    assert table.read_text() != text
    jobs = set(planned(work, config))
    assert jobs and all(rule.startswith("reversal_") or rule == "all" for rule in jobs)


def test_until_and_forcerun(finished, tmp_path):
    workdir, _ = finished
    work = tmp_path / "w"
    shutil.copytree(workdir, work, symlinks=True)
    config = work / "config.yaml"
    assert set(planned(work, config, "--forcerun", "differential_fit")) >= {
        "differential_fit", "differential_table", "reversal_contrast"}  # fmt: skip
    until = planned(work, config, "--forcerun", "qc", "--until", "differential_fit")
    assert set(until) == {"qc", "differential_fit"}


def test_killed_run_recovers_to_identical_results(finished, tmp_path):
    workdir, _ = finished
    work = tmp_path / "w"
    work.mkdir()
    shutil.copytree(workdir / "drugs", work / "drugs")
    config = write_study(work)
    edit_config(config, "reversal", library="drugs")
    command = [
        sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
        "--directory", str(work), "--configfile", str(config), "--cores", "2",
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)  # fmt: skip
    marker = work / "results" / "logs" / "differential_fit.log"
    deadline = time.time() + 300
    while not marker.exists() and time.time() < deadline and process.poll() is None:
        time.sleep(0.2)
    assert process.poll() is None, "the run finished before it could be killed"
    os.killpg(process.pid, signal.SIGKILL)  # snakemake and its running jobs, no cleanup
    process.wait()
    # a killed snakemake leaves its lock: the README's recovery is --unlock, then resume
    assert snakemake(work, config, "--unlock").returncode == 0
    resumed = snakemake(work, config, "--rerun-incomplete")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert result_tables(work / "results") == result_tables(workdir / "results")
