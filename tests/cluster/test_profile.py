"""workflow/profiles/slurm stays valid as rules change; needs no SLURM (see test_slurm.py)."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import yaml

from tests.helpers import REPO

PROFILE = REPO / "workflow" / "profiles" / "slurm" / "config.yaml"


def _rules() -> dict[str, str]:
    """Rule name -> its text, from workflow/rules/*.smk."""
    rules = {}
    for smk in sorted((REPO / "workflow" / "rules").glob("*.smk")):
        parts = re.split(r"^rule (\w+):", smk.read_text(), flags=re.M)
        rules.update(dict(zip(parts[1::2], parts[2::2], strict=True)))
    return rules


def _profile() -> dict:
    return yaml.safe_load(PROFILE.read_text())


def test_profile_names_only_existing_rules():
    rules = _rules()
    profile = _profile()
    assert profile["executor"] == "slurm"
    unknown = set(profile["set-resources"]) | set(profile.get("set-threads", {}))
    unknown -= set(rules)
    assert not unknown, f"profile names rules that do not exist: {sorted(unknown)}"


def _evaluate(expression, input_mb: float, attempt: int):
    """A profile resource as Snakemake evaluates it for a job (input, attempt in scope)."""
    return eval(str(expression), {}, {"input": SimpleNamespace(size_mb=input_mb),
                                      "attempt": attempt})  # fmt: skip


def test_profile_resources_are_positive_for_every_attempt_and_size():
    profile = _profile()
    defaults = profile["default-resources"]
    assert {"mem_mb", "runtime"} <= set(defaults), "new rules need a fallback"
    for rule, resources in profile["set-resources"].items():
        for name in ("mem_mb", "runtime"):
            for input_mb in (0.0, 0.5, 120.0, 900.0):
                values = [_evaluate(resources[name], input_mb, attempt) for attempt in (1, 2)]
                assert all(isinstance(v, int) and v > 0 for v in values), (rule, name, input_mb)
                assert values[1] >= 2 * values[0] - 1, (rule, name, "a retry gets twice as much")


def test_profile_covers_measured_peaks_from_demo_to_biobank():
    """Every job's first attempt asks for 1.25x the peak memory and 3x the wall time
    measured at its input size, on the demo and on the 10,000- and 50,000-sample cohorts
    (benchmarks/scale.py; tests/cluster/measured_peaks.tsv)."""
    resources = _profile()["set-resources"]
    peaks = pd.read_csv(Path(__file__).with_name("measured_peaks.tsv"), sep="\t", comment="#")
    assert {"demo", "50000"} <= set(peaks["cohort"].astype(str))
    assert set(peaks["rule"]) >= set(resources)  # every rule the profile sizes was measured
    for row in peaks.itertuples():
        asked = _evaluate(resources[row.rule]["mem_mb"], row.input_mb, 1)
        assert asked >= 1.25 * row.peak_mb, (row.rule, row.cohort, asked, row.peak_mb)
        # time: 3x the wall time measured on 2 shared cores (cluster cores may be slower)
        minutes = _evaluate(resources[row.rule]["runtime"], row.input_mb, 1)
        assert minutes * 60 >= 3 * row.wall_s, (row.rule, row.cohort, minutes, row.wall_s)


def test_profile_threads_match_the_rules():
    """The profile's threads equal the rules' own (at their largest, for rules that use
    more threads on large inputs only): a cluster job gets the cores its rule can use."""
    rules = _rules()
    for rule, threads in _profile().get("set-threads", {}).items():
        declared = re.search(
            r"^\s+threads:\s*(?:(\d+)|lambda wildcards, input: (\d+) if input\.size_mb)",
            rules[rule],
            flags=re.M,
        )
        assert declared and int(declared.group(1) or declared.group(2)) == threads, rule


def test_dry_run_with_the_profile_plans_every_rule(tmp_path):
    pytest.importorskip("snakemake_executor_plugin_slurm")
    # a copy without results/, so that every job is planned
    for name in ("Snakefile", "workflow", "config", "resources", "envs"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, tmp_path / name)
        else:
            shutil.copy2(REPO / name, tmp_path / name)
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--nocolor",
         "--workflow-profile", str(Path("workflow") / "profiles" / "slurm")],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout + result.stderr
    assert "This was a dry-run" in out
    # each listed rule gets the profile's memory, not a rule or Snakemake default
    blocks = re.findall(r"^rule (\w+):.*?resources: ([^\n]*)", out, flags=re.M | re.S)
    profile = _profile()
    checked = 0
    for rule, resources in blocks:
        if rule in profile["set-resources"]:
            expression = str(profile["set-resources"][rule]["mem_mb"])
            asked = re.search(r"mem_mb=(\d+|<TBD>),", resources).group(1)
            least = _evaluate(expression, 0.0, 1)
            if "input" in expression:  # sized from inputs: known once they exist
                assert asked == "<TBD>" or int(asked) >= least, (rule, resources)
            else:
                assert asked == str(least), (rule, resources)
            checked += 1
    assert checked >= 10, out[-2000:]


def test_benchmark_resources_reads_benchmark_files(tmp_path):
    sys.path.insert(0, str(Path(__file__).parent))
    try:
        from benchmark_resources import benchmark_patterns, measure, rule_of, suggest
    finally:
        sys.path.remove(str(Path(__file__).parent))
    # each rule's benchmark file maps back to that rule
    patterns = benchmark_patterns(REPO / "workflow" / "rules")
    assert len(patterns) >= 12 and set(patterns) <= set(_rules())
    for rule, pattern in patterns.items():
        assert rule_of(re.sub(r"\{\w+\}", "X_vs_Y", pattern), patterns) == rule
    # the most specific pattern wins; rule names alone: the longest prefix
    patterns = {"rev_contrast": "rev_{contrast}", "rev_subgroup": "rev_subgroup_{subgroup}",
                "qc": "qc", "qc_figures": "qc_figures"}  # fmt: skip
    assert rule_of("rev_AD_vs_HC", patterns) == "rev_contrast"
    assert rule_of("rev_subgroup_A", patterns) == "rev_subgroup"
    assert rule_of("qc_figures", patterns) == "qc_figures"
    assert rule_of("unknown", patterns) is None
    assert rule_of("enrichment_gsea_AD_vs_HC", ["enrichment", "enrichment_gsea"]) == (
        "enrichment_gsea"
    )
    bench = tmp_path / "benchmarks"
    bench.mkdir()
    header = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
    for name, s, rss in (("rev_A_vs_B", 3.0, 200.0), ("rev_C_vs_D", 30.0, 300.0)):
        (bench / f"{name}.tsv").write_text(header + f"{s}\t0:00:03\t{rss}\t1\t1\t1\t0\t0\t50\t2\n")
    measured = measure(tmp_path, patterns)
    row = measured.set_index("rule").loc["rev_contrast"]
    assert (row["jobs"], row["max_rss"], row["s"]) == (2, 300.0, 30.0)
    assert suggest(300.0, 30.0) == (1280, 15)
    assert suggest(10.0, 1.0) == (512, 10)
