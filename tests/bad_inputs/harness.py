"""Run the ingest step the way the pipeline does, without Snakemake's start-up cost.

* :func:`ingest_from_config` calls :func:`proteosig.ingest.ingest` (the function the
  ingest rule uses) with the arguments the rule derives from a config;
* :func:`run_ingest_rule` executes the rule's real script, ``workflow/scripts/ingest.py``,
  with a stand-in for the ``snakemake`` object Snakemake injects: same inputs, outputs,
  params and log as ``workflow/rules/ingest.smk`` gives it. The script's runner prints
  the one-line error and deletes partial outputs, so both can be checked in-process;
* :func:`snakemake_cli` runs the real ``snakemake`` command in a working directory.
"""

from __future__ import annotations

import contextlib
import io
import logging
import runpy
import subprocess
import sys
from pathlib import Path

import yaml

from tests.helpers import REPO

SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
SCRIPT = REPO / "workflow" / "scripts" / "ingest.py"
INGEST_OUTPUTS = {
    "long": "results/ingest/npx_long.parquet",
    "samples": "results/ingest/samples.tsv",
    "controls": "results/ingest/control_samples.tsv",
    "unmapped": "results/ingest/unmapped_assays.tsv",
    "summary": "results/ingest/ingest_summary.json",
}
#: written when the config bridges a second run (rule ingest's BRIDGE_TABLES)
BRIDGE_OUTPUTS = {
    "bridge_adjustments": "results/ingest/bridge_adjustments.tsv",
    "bridge_assays": "results/ingest/bridge_assays.tsv",
    "bridge_samples": "results/ingest/bridge_samples.tsv",
}
#: config keys the Python side supports before the schema knows them (issue 9)
PENDING_INPUT_KEYS = {"protein_annotation": None}


def schema_defaults() -> dict:
    schema = yaml.safe_load(SCHEMA.read_text())
    props = schema["properties"]
    return {
        section: {k: v.get("default") for k, v in props[section]["properties"].items()}
        for section in ("inputs", "samples", "bridge")
    }


def filled(config: dict) -> dict:
    """inputs, samples and bridge of a config with the schema's defaults filled in."""
    defaults = schema_defaults()
    inputs = {**defaults["inputs"], **PENDING_INPUT_KEYS, **config.get("inputs", {})}
    samples = {**defaults["samples"], **config.get("samples", {})}
    bridge = {**defaults["bridge"], **config.get("bridge", {})}
    return {"inputs": inputs, "samples": samples, "bridge": bridge}


def resolve(path: str | None, base: Path) -> str | None:
    """A config path as the pipeline reads it: relative to the working directory, and
    shipped resources (the symbol table) from the pipeline's folder."""
    if path is None:
        return None
    candidate = Path(path)
    if candidate.is_absolute():
        return str(candidate)
    if (base / candidate).exists() or not (REPO / candidate).exists():
        return str(base / candidate)
    return str(REPO / candidate)


def ingest_from_config(config: dict, base: Path):
    """proteosig.ingest.ingest with the arguments the ingest rule derives from ``config``."""
    from proteosig.ingest import BridgeRun, ingest, resolve_control_pattern
    from proteosig.io.panels import read_symbol_table

    cfg = filled(config)
    inputs, samples = cfg["inputs"], cfg["samples"]
    bridge_npx = [resolve(p, base) for p in cfg["bridge"]["npx"]]
    return ingest(
        [resolve(p, base) for p in inputs["npx"]],
        resolve(inputs["sample_sheet"], base),
        read_symbol_table(resolve(inputs["symbol_table"], base)),
        fmt=inputs["format"],
        sheet_name=inputs["sample_sheet_excel_sheet"],
        protein_annotation=resolve(inputs["protein_annotation"], base),
        id_column=samples["id_column"],
        group_column=samples["group_column"],
        control_group=samples["control_group"],
        groups=samples["groups"],
        covariates=samples["covariates"],
        plate_column=samples["plate_column"],
        control_sample_pattern=resolve_control_pattern(samples["control_sample_pattern"]),
        allow_unmatched=samples["allow_unmatched"],
        bridge=BridgeRun.from_config(cfg["bridge"], bridge_npx),
    )


class _Named(list):
    """Snakemake's Namedlist in miniature: a list whose items also have names."""

    def __init__(self, items: dict):
        flat = []
        for value in items.values():
            flat.extend(value if isinstance(value, list) else [value])
        super().__init__(flat)
        self._names = dict(items)

    def __getattr__(self, name):
        try:
            return self.__dict__["_names"][name]
        except KeyError:
            raise AttributeError(name) from None


class _Params:
    def __init__(self, values: dict):
        self.__dict__.update(values)


class FakeSnakemake:
    def __init__(self, inputs: dict, outputs: dict, params: dict, log: str):
        self.input = _Named(inputs)
        self.output = _Named(outputs)
        self.params = _Params(params)
        self.log = _Named({"log": log})
        self.rule = "ingest"


def script_takes_annotation() -> bool:
    """Whether the rule's script reads the protein annotation (input named 'annotation')."""
    return "input.annotation" in SCRIPT.read_text()


def run_ingest_rule(config: dict, base: Path, workdir: Path) -> tuple[int, str]:
    """Execute workflow/scripts/ingest.py as rule ingest would; (exit code, stderr).

    Raises ``KeyError`` when the config needs a key the rule does not pass yet.
    """
    cfg = filled(config)
    inputs, samples = cfg["inputs"], cfg["samples"]
    files = {
        "npx": [resolve(p, base) for p in inputs["npx"]],
        "sample_sheet": resolve(inputs["sample_sheet"], base),
        "symbol_table": resolve(inputs["symbol_table"], base),
    }
    if script_takes_annotation():
        annotation = resolve(inputs.get("protein_annotation"), base)
        files["annotation"] = annotation if annotation else []
    elif inputs.get("protein_annotation"):
        raise KeyError("protein_annotation is not passed by workflow/rules/ingest.smk yet")
    bridge = cfg["bridge"]
    files["bridge_npx"] = [resolve(p, base) for p in bridge["npx"]]
    bridged = bool(bridge["npx"])
    outputs = {
        k: str(workdir / v)
        for k, v in {**INGEST_OUTPUTS, **(BRIDGE_OUTPUTS if bridged else {})}.items()
    }
    fake = FakeSnakemake(
        inputs=files,
        outputs=outputs,
        params={
            "format": inputs["format"],
            "sheet_name": inputs["sample_sheet_excel_sheet"],
            "samples": dict(sorted(samples.items())),
            "bridge": dict(sorted(bridge.items())) if bridged else None,
        },
        log=str(workdir / "results" / "logs" / "ingest.log"),
    )
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stderr = io.StringIO()
    code = 0
    try:
        with contextlib.redirect_stderr(stderr):
            try:
                runpy.run_path(str(SCRIPT), init_globals={"snakemake": fake}, run_name="__main__")
            except SystemExit as exit_:
                code = int(exit_.code or 0)
    finally:
        for handler in root.handlers:
            if handler not in saved[0]:
                handler.close()
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
    return code, stderr.getvalue()


def snakemake_cli(workdir: Path, config: Path, *args: str) -> subprocess.CompletedProcess:
    command = [
        sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
        "--directory", str(workdir), "--configfile", str(config), "--cores", "2", *args,
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=600)
