"""The conda environment mirrors pyproject's dependencies; the layout the README promises exists."""

from __future__ import annotations

import re
import tomllib

import yaml

from tests.helpers import REPO

# conda-forge ships some packages under other names
CONDA_NAMES = {
    "snakemake": "snakemake-minimal",
    "matplotlib": "matplotlib-base",
    "seaborn": "seaborn-base",
}


def parse(requirement: str) -> tuple[str, str]:
    name, bound = re.match(r"^([A-Za-z0-9_.\-]+)\s*(.*)$", requirement.strip()).groups()
    return name.lower(), bound.replace(" ", "")


def test_conda_env_mirrors_pyproject():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = {CONDA_NAMES.get(n, n): b for n, b in map(parse, project["dependencies"])}
    env = yaml.safe_load((REPO / "envs" / "proteosig.yaml").read_text())
    conda = dict(parse(d) for d in env["dependencies"] if isinstance(d, str))
    missing = {n: b for n, b in wanted.items() if conda.get(n) != b}
    assert not missing, f"envs/proteosig.yaml differs from pyproject for {missing}"
    assert conda["python"] == "=3.11"


def test_every_rule_has_log_benchmark_and_conda():
    for smk in (REPO / "workflow" / "rules").glob("*.smk"):
        text = smk.read_text()
        for rule in re.split(r"\nrule ", "\n" + text)[1:]:
            name = rule.split(":")[0]
            for directive in ("log:", "benchmark:", "conda:"):
                assert directive in rule, f"rule {name} in {smk.name} lacks {directive}"


def test_scripts_are_thin():
    for script in (REPO / "workflow" / "scripts").glob("*.py"):
        lines = [x for x in script.read_text().splitlines() if x.strip()]
        assert len(lines) < 80, f"{script.name} holds logic that belongs in the package"
