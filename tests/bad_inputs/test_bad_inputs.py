"""Every malformed input of the corpus stops with one clear message and leaves nothing behind.

The corpus (``corpus/<case>/``, written by ``make_corpus.py``, listed in ``manifest.tsv``)
breaks one thing each in a small valid study. Every case is run

* through the function the ingest rule uses (``proteosig.ingest.ingest``, arguments as the
  rule derives them from the case's config), or for config cases through
  ``proteosig.config.validate_config``: it must raise ``InputError`` whose message names
  the place (``where`` of the manifest), the problem (``message``), what was expected and
  what to do;
* through the rule's real script with the runner (in-process): exit code 1, exactly one
  ``proteosig error:`` line equal to that message, no traceback, no file in
  ``results/ingest``;
* a few through the real ``snakemake`` command (marker ``workflow``).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from proteosig.config import load_schema, validate_config
from proteosig.errors import InputError
from tests.bad_inputs.harness import (
    SCHEMA,
    ingest_from_config,
    run_ingest_rule,
    script_takes_annotation,
    snakemake_cli,
)
from tests.helpers import REPO

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
MANIFEST = pd.read_csv(HERE / "manifest.tsv", sep="\t", dtype=str, keep_default_na=False)
CASES = MANIFEST.set_index("case", drop=False)
IO_FIXTURES = REPO / "tests" / "io" / "fixtures"


def params(entries=("ingest", "config", "shared")) -> list:
    """Case names as pytest params; real-file cases carry the shared_data marker."""
    chosen = MANIFEST.loc[MANIFEST["entry"].isin(entries)]
    return [
        pytest.param(row.case, marks=pytest.mark.shared_data) if row.entry == "shared" else row.case
        for row in chosen.itertuples()
    ]


def config_of(case: str) -> dict:
    return yaml.safe_load((CORPUS / case / "config.yaml").read_text())


def skip_if_shared_absent(case: str) -> None:
    if CASES.loc[case, "entry"] == "shared":
        for path in config_of(case)["inputs"]["npx"]:
            if not (CORPUS / case / path).exists():
                pytest.skip("the real file in ../shared is absent")


def the_error(case: str) -> InputError:
    row = CASES.loc[case]
    config = config_of(case)
    with pytest.raises(InputError) as caught:
        if row["entry"] == "config":
            validate_config(config, load_schema(SCHEMA))
        else:
            ingest_from_config(config, CORPUS / case)
    return caught.value


# ------------------------------------------------------------------------- the corpus


def test_corpus_has_at_least_25_cases_and_matches_the_manifest():
    assert len(MANIFEST) >= 25
    assert MANIFEST["case"].is_unique
    assert set(MANIFEST["entry"]) <= {"ingest", "config", "shared"}
    folders = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())
    assert folders == sorted(MANIFEST["case"])
    for row in MANIFEST.itertuples():
        listed = [f.split(" (")[0] for f in row.files.split(", ")]
        present = {p.name for p in (CORPUS / row.case).iterdir()}
        assert {f for f in listed if not row.files.endswith("(../shared)")} <= present | {
            Path(p).name for p in config_of(row.case)["inputs"]["npx"]
        }
        assert row.where and row.message and row.problem


def test_make_corpus_regenerates_the_committed_corpus(tmp_path):
    from tests.bad_inputs.make_corpus import write_corpus

    write_corpus(tmp_path / "corpus")
    committed = sorted(p.relative_to(CORPUS) for p in CORPUS.rglob("*") if p.is_file())
    fresh = sorted(p.relative_to(tmp_path / "corpus") for p in (tmp_path / "corpus").rglob("*"))
    assert committed == [p for p in fresh if (tmp_path / "corpus" / p).is_file()]
    for path in committed:
        assert (CORPUS / path).read_bytes() == (tmp_path / "corpus" / path).read_bytes(), path
    assert (HERE / "manifest.tsv").read_bytes() == (tmp_path / "manifest.tsv").read_bytes()


# --------------------------------------------------------------- every case: the message


@pytest.mark.parametrize("case", params())
def test_case_stops_with_one_clear_message(case):
    skip_if_shared_absent(case)
    row = CASES.loc[case]
    error = the_error(case)
    message = error.message
    assert "\n" not in message
    assert row["where"] in message, message
    assert row["message"] in message, message
    assert error.where, message  # the place: row, column, line, header or config key
    assert error.fix, message  # what to do
    if row["entry"] != "config":  # config.py's messages are the lead's (no 'expected')
        assert error.expected, message
        named = {Path(p).name for p in error.source.split(", ")}
        files = {f.split(" (")[0] for f in row["files"].split(", ")}
        assert error.source == "config" or named & files, message


@pytest.mark.parametrize("case", params(("ingest", "shared")))
def test_case_through_the_rule_script_leaves_no_outputs(case, tmp_path):
    skip_if_shared_absent(case)
    config = config_of(case)
    if config["inputs"].get("protein_annotation") and not script_takes_annotation():
        pytest.skip("workflow/scripts/ingest.py does not pass protein_annotation yet")
    expected = the_error(case).message
    code, stderr = run_ingest_rule(config, CORPUS / case, tmp_path)
    assert code == 1
    lines = [line for line in stderr.splitlines() if line.startswith("proteosig error:")]
    assert lines == [f"proteosig error: {expected}"]
    assert "Traceback" not in stderr
    ingest_dir = tmp_path / "results" / "ingest"
    assert not ingest_dir.exists() or not any(ingest_dir.iterdir())


# ------------------------------------------------------------- the real snakemake CLI

CLI_CASES = [
    "truncated_csv",
    "misspelt_group",
    "xlsx_corrupted_summary_cell",
    "panel_no_overlap",
    "config_control_not_in_groups",
]


@pytest.mark.workflow
@pytest.mark.parametrize("case", CLI_CASES)
def test_case_through_snakemake(case, tmp_path):
    work = tmp_path / case
    shutil.copytree(CORPUS / case, work)
    if CASES.loc[case, "entry"] == "config":  # Snakemake names the config file
        with pytest.raises(InputError) as caught:
            validate_config(config_of(case), load_schema(SCHEMA), source=str(work / "config.yaml"))
        expected = caught.value.message
    else:  # paths as written in the config, relative to the working directory
        expected = the_error(case).message.replace(str(CORPUS / case) + "/", "")
    result = snakemake_cli(work, work / "config.yaml", "ingest_stage")
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.startswith("proteosig error:")]
    assert lines == [f"proteosig error: {expected}"], result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    ingest_dir = work / "results" / "ingest"
    assert not ingest_dir.exists() or not any(ingest_dir.iterdir())
    if CASES.loc[case, "entry"] == "config":
        assert not (work / "results").exists()  # stopped before any job


@pytest.mark.workflow
def test_two_snakemake_runs_give_identical_ingest_tables(tmp_path):
    """NPX Manager per-panel and per-plate workbooks, twice: byte-identical ingest tables."""
    names = ["npx_manager_22.xlsx", "npx_manager_21_per_plate.xlsx", "npx_manager_21_CAM.xlsx"]
    outputs = []
    for run in ("a", "b"):
        work = tmp_path / run
        work.mkdir()
        for name in [*names, "samples.tsv"]:
            shutil.copy(IO_FIXTURES / name, work / name)
        config = {
            "inputs": {"npx": names, "sample_sheet": "samples.tsv"},
            "samples": {"control_group": "HC", "covariates": ["age", "sex"]},
        }
        (work / "config.yaml").write_text(yaml.safe_dump(config))
        result = snakemake_cli(work, work / "config.yaml", "ingest_stage")
        assert result.returncode == 0, result.stderr[-3000:]
        outputs.append(work / "results" / "ingest")
    tables = sorted(p.name for p in outputs[0].iterdir())
    assert tables == sorted(
        ["npx_long.parquet", "samples.tsv", "control_samples.tsv", "unmapped_assays.tsv",
         "ingest_summary.json"]
    )  # fmt: skip
    for name in tables:
        assert (outputs[0] / name).read_bytes() == (outputs[1] / name).read_bytes(), name
    long = pd.read_parquet(outputs[0] / "npx_long.parquet")
    assert sorted(long["panel"].unique()) == ["CAM", "CVD II", "INF"]
    assert long["sample_id"].nunique() == 8
