"""Workflow hygiene: formatting, Snakemake's linter, and reruns limited to what changed."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
import yaml

from tests.helpers import REPO

pytestmark = pytest.mark.workflow


def run(*args, cwd=REPO):
    return subprocess.run(args, capture_output=True, text=True, cwd=cwd, timeout=600)


def test_snakefmt_clean():
    files = [str(REPO / "Snakefile"), *map(str, (REPO / "workflow" / "rules").glob("*.smk"))]
    result = run(sys.executable, "-m", "snakefmt", "--check", *files)
    assert result.returncode == 0, result.stderr


def test_snakemake_lint_clean():
    result = run(sys.executable, "-m", "snakemake", "--lint")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "good condition" in result.stdout + result.stderr


def test_changing_a_qc_setting_reruns_qc_but_not_ingest(tmp_path):
    """Rule params carry only their own settings, so reruns stay minimal."""
    work = tmp_path / "work"
    work.mkdir()
    for name in ("config", "resources"):
        shutil.copytree(REPO / name, work / name)
    snakemake = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile")]
    done = run(*snakemake, "--cores", "2", "qc_stage", cwd=work)
    assert done.returncode == 0, done.stderr[-2000:]
    config = yaml.safe_load((work / "config" / "config.yaml").read_text())
    config["qc"]["max_below_lod"] = 0.5
    changed = work / "changed.yaml"
    changed.write_text(yaml.safe_dump(config))
    plan = run(*snakemake, "qc_stage", "-n", "--configfile", str(changed), cwd=work)
    assert plan.returncode == 0, plan.stderr
    lines = plan.stdout.splitlines()
    jobs = [line.split()[0] for line in lines if line.startswith(("qc", "ingest"))]
    assert "qc" in jobs and "ingest" not in jobs, plan.stdout
