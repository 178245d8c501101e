"""The report as a reader gets it: built on the bundled demo and on the real Gisby example,
every stage present, and the numbers each caption quotes equal to the result tables."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from proteosig.simulate.two_runs import PANEL_FILES
from tests.helpers import REPO
from tests.workflow.test_pipeline import snakemake

pytestmark = pytest.mark.workflow

CATEGORIES = ("0. Methods", "1. QC", "2. Differential", "3. Enrichment", "4. Similarity",
              "5. Reversal")  # fmt: skip


def run_with_report(workdir: Path, config: Path) -> tuple[Path, str]:
    """Run the workflow on a copy of config/ and resources/, then build the report."""
    for name in ("config", "resources"):
        shutil.copytree(REPO / name, workdir / name)
    result = snakemake(workdir, workdir / config)
    assert result.returncode == 0, result.stderr[-3000:]
    report = workdir / "report.html"
    result = snakemake(workdir, workdir / config, "--report", str(report))
    assert result.returncode == 0, result.stderr[-3000:]
    return workdir / "results", report.read_text()


def caption_text(report: str) -> str:
    """The report's captions as plain text: Snakemake embeds them as JSON strings of HTML."""
    text = report.encode().decode("unicode_escape", errors="ignore")
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)))


def test_demo_report_covers_every_stage_with_the_run_numbers(tmp_path):
    results, report = run_with_report(tmp_path, Path("config/config.yaml"))
    assert all(category in report for category in CATEGORIES)
    assert "https://" not in report.split("<script>")[0]  # nothing fetched when opened
    text = caption_text(report)

    qc = json.loads((results / "qc" / "qc_summary.json").read_text())
    groups = ", ".join(f"{g} {n}" for g, n in qc["samples_per_group_kept"].items())
    assert (f"In this run: {qc['samples_in']} samples in, {qc['samples_kept']} analysed "
            f"({groups}); {qc['assays_kept']} of {qc['assays_in']} assays kept.") in text  # fmt: skip
    assert qc["samples_in"] == 108 and qc["assays_kept"] > 300  # the demo, not an empty run

    for contrast in ("AD_vs_HC", "PSO_vs_HC", "MDD_vs_HC", "MDD_vs_AD"):
        table = pd.read_csv(results / "differential" / f"{contrast}.tsv", sep="\t")
        up, down = (table["direction"] == "up").sum(), (table["direction"] == "down").sum()
        assert f"DEPs in {contrast}: {up} up, {down} down, of {len(table)} proteins tested." in text

        ranked = pd.read_csv(results / "reversal" / f"{contrast}.tsv", sep="\t")
        top = ranked.iloc[0]
        assert (f"{contrast}: {top['rank']}. {top['drug']} ({top['reversal_score']:.3f}; "
                f"{top['fdr_gene']:.3g}, {top['fdr_label']:.3g}; "
                f"{100 * top['top3_fraction']:.0f}%)") in text  # fmt: skip

        axes = pd.read_csv(results / "enrichment" / "gsva_differential" / f"{contrast}.tsv",
                           sep="\t")  # fmt: skip
        hits = axes[axes["significant"]]
        listed = ", ".join(f"{r.set_name} {r.delta_score:+.2f}" for r in hits.itertuples())
        assert f"{contrast}: {listed or 'none'} (of {len(axes)})" in text

    similarity = pd.read_csv(results / "similarity" / "signature_similarity.tsv", sep="\t")
    assert len(similarity) == 3
    for row in similarity.itertuples():
        assert (f"{row.signature_a} ~ {row.signature_b}: {row.observed:.2f} "
                f"({row.ci_low:.2f} to {row.ci_high:.2f})") in text  # fmt: skip
        assert f"p = {row.p_value:.3g}, FDR = {row.fdr:.3g}" in text

    fractions = pd.read_csv(results / "similarity" / "carrier_fractions.tsv", sep="\t")
    for signature, rows in fractions.groupby("signature", sort=False):
        listed = ", ".join(f"{r.group} {r.carriers}/{r.n}" for r in rows.itertuples())
        assert f"{signature}: {listed}" in text


def test_real_gisby_example_runs_end_to_end_and_reports(tmp_path):
    results, report = run_with_report(tmp_path, Path("config/examples/gisby_serum.yaml"))
    text = caption_text(report)
    assert all(category in report for category in CATEGORIES)
    qc = json.loads((results / "qc" / "qc_summary.json").read_text())
    assert qc["samples_in"] == 63 and qc["assays_kept"] == 436
    assert f"In this run: {qc['samples_in']} samples in, {qc['samples_kept']} analysed" in text
    summary = pd.read_csv(results / "differential" / "summary.tsv", sep="\t")
    assert summary["contrast"].tolist() == ["POSITIVE_vs_NEGATIVE"]
    assert summary.loc[0, "tested"] == 436
    table = pd.read_csv(results / "differential" / "POSITIVE_vs_NEGATIVE.tsv", sep="\t")
    up, down = (table["direction"] == "up").sum(), (table["direction"] == "down").sum()
    assert up + down > 0  # COVID-positive serum differs: the caption quotes real calls
    assert f"DEPs in POSITIVE_vs_NEGATIVE: {up} up, {down} down, of {len(table)}" in text


def one_run_oracle(directory: Path) -> Path:
    """The two-run demo as if the runs had no offset: run 1 plus run 2's own samples with
    their planted offset taken out, one run, nothing to bridge. Returns its config."""
    truth = REPO / "resources" / "demo_two_runs"
    offset = pd.read_csv(truth / "truth_run_offsets.tsv", sep="\t").set_index("olink_id")
    runs = pd.read_csv(truth / "truth_runs.tsv", sep="\t")
    bridge = set(runs.loc[runs["bridge"], "sample_id"])
    config = yaml.safe_load((REPO / "config" / "examples" / "demo_two_runs.yaml").read_text())
    del config["bridge"]
    config["inputs"]["npx"] = []  # filled below
    for name in PANEL_FILES:
        first, second = (
            pd.read_csv(truth / run / name, sep=";", dtype=str, keep_default_na=False)
            for run in ("run1", "run2")
        )
        second = second[second["SampleType"].eq("SAMPLE") & ~second["SampleID"].isin(bridge)]
        shift = offset.loc[second["OlinkID"], "run2_offset"].to_numpy()
        for column in ("NPX", "LOD"):
            second[column] = [f"{v:.5f}" for v in second[column].astype(float) - shift]
        path = directory / "npx" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        pd.concat([first, second]).to_csv(path, sep=";", index=False, lineterminator="\n")
        config["inputs"]["npx"].append(str(path))
    config["inputs"]["sample_sheet"] = str(REPO / "resources" / "demo" / "samples.tsv")
    (directory / "config.yaml").write_text(yaml.safe_dump(config))
    return directory / "config.yaml"


def test_two_run_example_is_bridged_and_agrees_with_the_offset_free_analysis(tmp_path):
    """The SYNTHETIC two-run demo (planted run offsets, 12 bridge samples) run end to end,
    against the same samples analysed as one run without the offsets: after bridging the
    signatures agree to well within the bias the offsets would leave uncorrected."""
    results, report = run_with_report(tmp_path / "two", Path("config/examples/demo_two_runs.yaml"))
    assert all(category in report for category in CATEGORIES)
    summary = json.loads((results / "ingest" / "ingest_summary.json").read_text())["bridge"]
    assert summary["bridge_samples_used"] == 12 and summary["assays_bridged"] == 367
    text = caption_text(report)
    assert (f"{summary['bridge_samples_used']} bridge samples used of {summary['bridge_pairs']} "
            f"sample IDs in both runs; {summary['assays_bridged']} of {summary['assays_new']} "
            "assays bridged; median absolute difference of bridge pairs "
            f"{summary['median_abs_diff_before']:.3f} NPX before and "
            f"{summary['median_abs_diff_after']:.3f} after") in text  # fmt: skip
    assert (results / "ingest" / "figures" / "bridge.pdf").stat().st_size > 0

    oracle = tmp_path / "oracle"
    contrasts = ("AD_vs_HC", "PSO_vs_HC", "MDD_vs_HC")
    targets = [f"results/differential/{c}.tsv" for c in contrasts]
    done = snakemake(oracle, one_run_oracle(oracle), *targets)
    assert done.returncode == 0, done.stderr[-3000:]
    kept = [pd.read_csv(r / "qc" / "samples.tsv", sep="\t")["sample_id"].tolist()
            for r in (results, oracle / "results")]  # fmt: skip
    assert sorted(kept[0]) == sorted(kept[1])

    truth = REPO / "resources" / "demo_two_runs"
    offsets = pd.read_csv(truth / "truth_run_offsets.tsv", sep="\t").set_index("olink_id")
    runs = pd.read_csv(truth / "truth_runs.tsv", sep="\t").set_index("sample_id").loc[kept[0]]
    share = (runs["run"] == "run2").groupby(runs["group"]).mean()
    for contrast in contrasts:
        bridged, one_run = (
            pd.read_csv(r / "differential" / f"{contrast}.tsv", sep="\t").set_index("assay_id")
            for r in (results, oracle / "results")
        )
        difference = (bridged["logFC"] - one_run["logFC"].reindex(bridged.index)).abs()
        # what the run offsets would add to this contrast's logFC without bridging
        group = contrast.split("_vs_")[0]
        bias = (offsets["run2_offset"] * (share[group] - share["HC"])).abs()
        assert difference.max() < 0.06, contrast
        assert difference.max() < bias.max() / 4, contrast
        assert np.corrcoef(bridged["logFC"], one_run["logFC"].reindex(bridged.index))[0, 1] > 0.99
