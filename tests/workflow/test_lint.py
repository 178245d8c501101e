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


def planned_jobs(stdout: str) -> set[str]:
    """Rule names of the jobs a dry run lists in its job table."""
    jobs, in_table = set(), False
    for line in stdout.splitlines():
        if line.startswith("job ") and "count" in line:
            in_table = True
            continue
        if in_table:
            parts = line.split()
            if not parts or parts[0] == "total":
                break
            if not set(parts[0]) <= {"-"}:
                jobs.add(parts[0])
    return jobs


def test_changed_settings_rerun_only_what_depends_on_them(tmp_path):
    """Rule params carry only their own settings, so reruns stay minimal."""
    work = tmp_path / "work"
    work.mkdir()
    for name in ("config", "resources"):
        shutil.copytree(REPO / name, work / name)
    snakemake = [sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile")]
    done = run(*snakemake, "--cores", "2", cwd=work)
    assert done.returncode == 0, done.stderr[-2000:]
    base = yaml.safe_load((work / "config" / "config.yaml").read_text())

    def plan(change) -> set[str]:
        config = yaml.safe_load(yaml.safe_dump(base))
        change(config)
        path = work / "changed.yaml"
        path.write_text(yaml.safe_dump(config))  # sorted keys: order must not matter
        result = run(*snakemake, "-n", "--configfile", str(path), cwd=work)
        assert result.returncode == 0, result.stderr
        return planned_jobs(result.stdout)

    assert plan(lambda c: None) == set()
    qc_change = plan(lambda c: c["qc"].update(max_below_lod=0.5))
    assert {"qc", "qc_figures", "differential_fit"} <= qc_change
    assert "ingest" not in qc_change
    threshold_change = plan(lambda c: c["differential"].update(fdr_threshold=0.01))
    assert {"differential_table", "differential_summary"} <= threshold_change
    upstream = {"ingest", "qc", "differential_fit", "enrichment_sets", "enrichment_scores"}
    assert not threshold_change & upstream
    gsea_change = plan(lambda c: c["enrichment"].update(gsea_permutations=500))
    assert {"enrichment_gsea", "enrichment_figures"} <= gsea_change
    assert not gsea_change & (upstream | {"differential_table", "enrichment_ora"})
    # every job that refits the model sees the factor declarations, not only the first fit
    factor_change = plan(lambda c: c["samples"].update(factors=["sex"]))
    refits = {"differential_fit", "similarity_signatures", "similarity_axes",
              "similarity_patients", "reversal_contrast", "reversal_patients"}  # fmt: skip
    assert refits <= factor_change
