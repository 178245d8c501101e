"""The Snakemake workflow end to end on small inputs: outputs, clean failures, determinism."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from tests.helpers import REPO, make_long_table

pytestmark = pytest.mark.workflow


def snakemake(workdir: Path, config: Path, *args: str) -> subprocess.CompletedProcess:
    command = [
        sys.executable, "-m", "snakemake", "--snakefile", str(REPO / "Snakefile"),
        "--directory", str(workdir), "--configfile", str(config), "--cores", "2", *args,
    ]  # fmt: skip
    return subprocess.run(command, capture_output=True, text=True, timeout=600)


def write_study(
    tmp_path: Path, *, npx_text: str | None = None, effects: dict | None = None, **config_changes
) -> Path:
    """The small study; ``effects`` shifts NPX by {(group, OlinkID): log2 shift}."""
    long, sheet = make_long_table(n_per_group=10, groups=("HC", "AD", "MDD"), seed=7)
    group_of = dict(zip(sheet["sample_id"], sheet["group"], strict=True))
    for (group, assay), shift in (effects or {}).items():
        rows = long["SampleID"].map(group_of).eq(group) & long["OlinkID"].eq(assay)
        long.loc[rows, "NPX"] += shift
    npx = tmp_path / "npx.csv"
    if npx_text is None:
        long.to_csv(npx, sep=";", index=False)
    else:
        npx.write_text(npx_text)
    sheet.to_csv(tmp_path / "samples.tsv", sep="\t", index=False)
    config = {
        "seed": 1,
        "inputs": {
            # relative to the working directory, as users write them
            "npx": ["npx.csv"],
            "sample_sheet": "samples.tsv",
            "symbol_table": str(REPO / "resources" / "panels" / "uniprot_gene_symbols.tsv"),
        },
        "samples": {"control_group": "HC", "covariates": ["age", "sex"]},
    }
    for section, values in config_changes.items():
        config.setdefault(section, {}).update(values)
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_small_study_runs_every_stage(tmp_path):
    # one planted DEP per disease, so the report's numbers are not all zero (large: age
    # rises with the sample number, so it is confounded with group and widens the errors)
    config = write_study(tmp_path, effects={("AD", "OID00501"): 5.0, ("MDD", "OID00482"): 5.0})
    result = snakemake(tmp_path, config)
    assert result.returncode == 0, result.stderr[-3000:]
    samples = pd.read_csv(tmp_path / "results" / "qc" / "samples.tsv", sep="\t")
    assert len(samples) == 30
    matrix = pd.read_parquet(tmp_path / "results" / "qc" / "analysis_matrix.parquet")
    assert matrix.shape == (30, 1 + 4)
    for name in ("pca", "iqr_median", "npx_by_plate", "below_lod", "plate_effects"):
        assert (tmp_path / "results" / "qc" / "figures" / f"{name}.pdf").stat().st_size > 1000
    for rule in ("ingest", "qc", "qc_figures"):
        assert (tmp_path / "results" / "logs" / f"{rule}.log").exists()
        assert (tmp_path / "results" / "benchmarks" / f"{rule}.tsv").exists()
    similarity = pd.read_csv(tmp_path / "results" / "similarity" / "signature_similarity.tsv",
                             sep="\t")  # fmt: skip
    assert similarity[["signature_a", "signature_b"]].values.tolist() == [["AD_vs_HC", "MDD_vs_HC"]]
    reversal = pd.read_csv(tmp_path / "results" / "reversal" / "MDD_vs_HC.tsv", sep="\t")
    assert len(reversal) >= 27  # every library drug, usable or not

    # the report: self-contained, every stage present, captions filled from the config
    report = tmp_path / "report.html"
    result = snakemake(tmp_path, config, "--report", str(report))
    assert result.returncode == 0, result.stderr[-3000:]
    text = report.read_text()
    for category in ("0. Methods", "1. QC", "2. Differential", "3. Enrichment", "4. Similarity",
                     "5. Reversal"):  # fmt: skip
        assert category in text
    assert "Volcano plot of" in text and "BH-adjusted p &lt; 0.05" in text
    assert "1000 permutations per direction" in text  # the similarity config, rendered
    assert "https://" not in text.split("<script>")[0]  # nothing fetched when opened
    assert_captions_quote_results(tmp_path / "results", text)


def assert_captions_quote_results(results: Path, text: str) -> None:
    """The numbers in the differential captions are those of the result tables."""
    union, calls = set(), 0
    for contrast in ("AD_vs_HC", "MDD_vs_HC"):
        table = pd.read_csv(results / "differential" / f"{contrast}.tsv", sep="\t")
        up, down = (table["direction"] == "up").sum(), (table["direction"] == "down").sum()
        tested = table["P.Value"].notna().sum()
        # the volcano caption of this contrast, and its line in the summary caption
        assert f"DEPs in {contrast}: {up} up, {down} down, of {tested} proteins tested." in text
        assert f"<li>{contrast}: {up} up, {down} down, of {tested} tested</li>" in text
        union |= set(table.loc[table["significant"], "assay_id"])
        calls += int(table["significant"].sum())
    assert calls >= 2  # the planted effects are called: the counts below are not trivial
    assert f"{calls} DEP calls in 2 contrasts, on {len(union)} distinct proteins." in text
    # heatmap: every DEP, topped up to 20 rows when there are enough proteins
    rows = min(max(len(union), 20), 60, tested)
    samples = len(pd.read_csv(results / "qc" / "samples.tsv", sep="\t"))
    assert f"Heatmap of {rows} proteins x {samples} samples" in text
    assert f"Rows: all {len(union)} DEPs, plus the {rows - len(union)} proteins" in text
    assert "Columns: every analysed sample (HC 10, AD 10, MDD 10)." in text


def test_config_typo_stops_before_any_job(tmp_path):
    config = write_study(tmp_path, qc={"max_below_lodd": 0.5})
    result = snakemake(tmp_path, config)
    assert result.returncode != 0
    assert "proteosig error:" in result.stderr
    assert "unknown key 'max_below_lodd'" in result.stderr
    assert "did you mean 'max_below_lod'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "results").exists()


def test_bad_npx_value_fails_cleanly_without_partial_outputs(tmp_path):
    long, _ = make_long_table(n_per_group=10, groups=("HC", "AD", "MDD"), seed=7)
    long["NPX"] = long["NPX"].astype(object)
    long.loc[17, "NPX"] = "n.d."
    config = write_study(tmp_path, npx_text=long.to_csv(sep=";", index=False))
    result = snakemake(tmp_path, config)
    assert result.returncode != 0
    assert "proteosig error:" in result.stderr
    assert "npx.csv (row(s) 19)" in result.stderr and "'n.d.'" in result.stderr
    assert "Traceback" not in result.stderr
    ingest_dir = tmp_path / "results" / "ingest"
    assert not ingest_dir.exists() or not any(ingest_dir.iterdir())


def test_two_runs_give_identical_tables(tmp_path):
    outputs = []
    for run in ("a", "b"):
        workdir = tmp_path / run
        workdir.mkdir()
        config = write_study(workdir)
        assert snakemake(workdir, config).returncode == 0
        outputs.append(workdir / "results")
    tables = sorted(
        p.relative_to(outputs[0])
        for p in outputs[0].rglob("*")
        if p.suffix in (".tsv", ".parquet", ".json") and "benchmarks" not in p.parts
    )
    assert len(tables) >= 14
    for table in tables:
        first, second = (outputs[0] / table).read_bytes(), (outputs[1] / table).read_bytes()
        assert first == second, f"{table} differs between runs"
