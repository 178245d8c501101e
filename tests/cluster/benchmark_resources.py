"""Per-rule SLURM resources from a run's benchmark files.

    python tests/cluster/benchmark_resources.py [RESULTS_DIR] [--rules-dir workflow/rules]

Reads RESULTS_DIR/benchmarks/*.tsv (one per job, written by each rule's `benchmark:`),
groups them by rule (the rule whose `benchmark:` file name in workflow/rules/*.smk the
file matches, wildcards included), and prints the measured peaks and a `set-resources:` block for
workflow/profiles/slurm/config.yaml with headroom:

  mem_mb  = 4 x the largest max_rss of the rule's jobs, rounded up to 256 MB, at least 512
  runtime = 30 x the longest wall time of the rule's jobs, in minutes, at least 10

The demo is small: the headroom is for larger cohorts, and the profile also doubles both on
a retry (`* attempt`). Used by tests/cluster/test_slurm.py to check that the profile
covers what the rules really use.
"""

from __future__ import annotations

import argparse
import math
import re
from pathlib import Path

import pandas as pd

MEM_FACTOR, MEM_STEP, MEM_MIN = 4, 256, 512
TIME_FACTOR, TIME_MIN = 30, 10


def rule_names(rules_dir: Path) -> list[str]:
    names = []
    for smk in sorted(rules_dir.glob("*.smk")):
        names += re.findall(r"^rule (\w+):", smk.read_text(), flags=re.MULTILINE)
    return names


def benchmark_patterns(rules_dir: Path) -> dict[str, str]:
    """Rule -> the file name of its `benchmark:` without '.tsv', wildcards as {name}."""
    patterns = {}
    for smk in sorted(rules_dir.glob("*.smk")):
        parts = re.split(r"^rule (\w+):", smk.read_text(), flags=re.MULTILINE)
        for rule, body in zip(parts[1::2], parts[2::2], strict=True):
            found = re.search(r"^\s+benchmark:\s*\n\s*f?[\"']([^\"']+)\.tsv[\"']", body, re.M)
            if found:
                name = found.group(1).rsplit("/", 1)[-1]
                patterns[rule] = re.sub(r"\{\{?(\w+)\}?\}", r"{\1}", name)
    return patterns


def rule_of(stem: str, rules: list[str] | dict[str, str]) -> str | None:
    """The rule a benchmark file (by its stem) belongs to.

    With the rules' benchmark patterns (dict rule -> 'reversal_{contrast}'), the pattern
    that matches with the most literal text wins ('reversal_subgroup_{subgroup}' over
    'reversal_{contrast}'). With rule names only: the stem itself, or the longest rule
    name that prefixes it followed by '_'.
    """
    if isinstance(rules, dict):
        best, best_literal = None, -1
        for rule, pattern in rules.items():
            pieces = re.split(r"\{\w+\}", pattern)
            regex = "(.+)".join(re.escape(piece) for piece in pieces)
            literal = sum(len(piece) for piece in pieces)
            if re.fullmatch(regex, stem) and literal > best_literal:
                best, best_literal = rule, literal
        return best
    if stem in rules:
        return stem
    matches = [r for r in rules if stem.startswith(r + "_")]
    return max(matches, key=len) if matches else None


def measure(results: Path, rules: list[str] | dict[str, str]) -> pd.DataFrame:
    """One row per rule: jobs, peak max_rss (MB), longest wall (s), longest cpu_time (s)."""
    rows = []
    for path in sorted((results / "benchmarks").glob("*.tsv")):
        table = pd.read_csv(path, sep="\t")
        rule = rule_of(path.stem, rules)
        if rule is None or table.empty:
            continue
        rows.append(
            {
                "rule": rule,
                "max_rss": float(table["max_rss"].max()),
                "s": float(table["s"].max()),
                "cpu_time": float(table["cpu_time"].max()),
            }
        )
    frame = pd.DataFrame(rows, columns=["rule", "max_rss", "s", "cpu_time"])
    return (
        frame.groupby("rule")
        .agg(jobs=("s", "size"), max_rss=("max_rss", "max"), s=("s", "max"),
             cpu_time=("cpu_time", "max"))
        .reset_index()
    )  # fmt: skip


def suggest(max_rss_mb: float, wall_s: float) -> tuple[int, int]:
    mem = max(MEM_MIN, math.ceil(MEM_FACTOR * max_rss_mb / MEM_STEP) * MEM_STEP)
    runtime = max(TIME_MIN, math.ceil(TIME_FACTOR * wall_s / 60))
    return mem, runtime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", nargs="?", default="results", type=Path)
    parser.add_argument("--rules-dir", default="workflow/rules", type=Path)
    args = parser.parse_args()
    rules = rule_names(args.rules_dir)
    measured = measure(args.results, benchmark_patterns(args.rules_dir))
    print("# rule: jobs, peak max_rss MB, longest wall s, longest cpu s -> mem_mb, runtime")
    for row in measured.itertuples():
        mem, runtime = suggest(row.max_rss, row.s)
        print(f"#   {row.rule}: {row.jobs}, {row.max_rss:.0f}, {row.s:.1f}, "
              f"{row.cpu_time:.1f} -> {mem}, {runtime}")  # fmt: skip
    missing = sorted(set(rules) - set(measured["rule"]))
    if missing:
        print(f"# no benchmark for: {', '.join(missing)} (default-resources apply)")
    print("set-resources:")
    for row in measured.itertuples():
        mem, runtime = suggest(row.max_rss, row.s)
        print(f"  {row.rule}:")
        print(f'    mem_mb: "{mem} * attempt"')
        print(f'    runtime: "{runtime} * attempt"')


if __name__ == "__main__":
    main()
