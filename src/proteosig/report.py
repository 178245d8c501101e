"""The methods summary of a run, for the report: what went in, what was done, with what.

Everything is read from the run's own outputs and config, so the text cannot drift from
what was computed.
"""

from __future__ import annotations

import html
import json
from importlib import metadata
from pathlib import Path

import pandas as pd

from proteosig.enrichment.scores import resolve_kcdf
from proteosig.io.tables import sha256

PACKAGES = ("proteosig", "snakemake", "numpy", "pandas", "scipy", "formulaic", "gseapy",
            "matplotlib", "pyarrow")  # fmt: skip


def package_versions() -> dict[str, str]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _first_line_with(path: Path, text: str) -> str:
    if not path.is_file():
        return "not found"
    for line in path.read_text(encoding="utf-8").splitlines():
        if text.lower() in line.lower():
            return line.strip(" #*-")
    return "not stated"


def methods_summary(
    config: dict,
    *,
    ingest_summary: str | Path,
    qc_summary: str | Path,
    dep_summary: str | Path,
    contrasts: dict[str, str],
) -> dict:
    """A JSON-ready account of the run (see the module docstring)."""
    ingest = json.loads(Path(ingest_summary).read_text())
    qc = json.loads(Path(qc_summary).read_text())
    deps = pd.read_csv(dep_summary, sep="\t")
    enrichment = config["enrichment"]
    reversal = config["reversal"]
    library = Path(reversal["library"])
    groups = sorted(set(qc["samples_per_group_in"]) | set(qc["samples_per_group_kept"]))
    return {
        "inputs": ingest.get("inputs", {}),
        "samples": {
            g: {
                "before_qc": qc["samples_per_group_in"].get(g, 0),
                "after_qc": qc["samples_per_group_kept"].get(g, 0),
            }  # fmt: skip
            for g in groups
        },
        "control_samples_set_aside": ingest.get("control_samples", 0),
        "assays": {"in": qc["assays_in"], "kept": qc["assays_kept"]},
        "qc": config["qc"],
        "model": {
            "formula": config["differential"]["formula"] or "~ 0 + group + covariates",
            "covariates": config["samples"]["covariates"],
            "moderation": "empirical Bayes (limma 3.54 equivalent)"
            + (", intensity trend" if config["differential"]["trend"] else "")
            + (", robust" if config["differential"]["robust"] else ""),
            "correction": "Benjamini-Hochberg per contrast",
            "dep_rule": f"FDR < {config['differential']['fdr_threshold']} and |fold change| > "
            f"{config['differential']['fc_threshold']}",
            "universe": f"{qc['assays_kept']} proteins measured and kept by QC (not the genome)",
        },
        "contrasts": contrasts,
        "deps": deps.to_dict(orient="records"),
        "enrichment": {
            "score_method": enrichment["score_method"],
            "kcdf": resolve_kcdf(
                enrichment["kcdf"],
                sum(qc["samples_per_group_kept"].values()),
                enrichment["kcdf_none_min_samples"],
            ),
            "gsea_permutations": enrichment["gsea_permutations"],
            "gene_sets": {
                name: {"file": Path(path).name, "sha256": sha256(path)}
                for name, path in enrichment["collections"].items()
            },  # fmt: skip
        },
        "similarity": config["similarity"],
        "reversal": {
            "library_version": _first_line_with(library / "README.md", "version"),
            "rank_by": reversal["rank_by"],
            "priority": reversal["priority"],
            "gene_permutations": reversal["gene_permutations"],
            "label_permutations": reversal["label_permutations"],
            "bootstrap": reversal["bootstrap"],
            "empirical": [e["drug"] for e in reversal["empirical"]],
        },
        "seed": config["seed"],
        "software": package_versions(),
    }


def _table(rows: list[tuple], header: tuple) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def methods_html(summary: dict) -> str:
    """A small self-contained HTML page of the summary."""
    parts = ["<h2>Inputs</h2>", _table(list(summary["inputs"].items()), ("file", "SHA-256"))]
    parts += [
        "<h2>Samples per group</h2>",
        _table(
            [(g, v["before_qc"], v["after_qc"]) for g, v in summary["samples"].items()],
            ("group", "before QC", "after QC"),
        ),  # fmt: skip
        f"<p>Control samples set aside: {summary['control_samples_set_aside']}. Assays: "
        f"{summary['assays']['in']} read, {summary['assays']['kept']} kept.</p>",
        "<h2>QC settings</h2>",
        _table(list(summary["qc"].items()), ("setting", "value")),
        "<h2>Differential model</h2>",
        _table(list(summary["model"].items()), ("", "")),
        "<h2>Contrasts and DEPs</h2>",
        _table(
            [
                (
                    d["contrast"],
                    summary["contrasts"].get(d["contrast"], ""),
                    d["tested"],
                    d["up"],
                    d["down"],
                )
                for d in summary["deps"]
            ],
            ("contrast", "expression", "tested", "up", "down"),
        ),  # fmt: skip
        "<h2>Enrichment</h2>",
        _table([(k, v) for k, v in summary["enrichment"].items() if k != "gene_sets"], ("", "")),
        _table(
            [(n, g["file"], g["sha256"]) for n, g in summary["enrichment"]["gene_sets"].items()],
            ("collection", "file", "SHA-256"),
        ),  # fmt: skip
        "<h2>Similarity</h2>",
        _table(list(summary["similarity"].items()), ("setting", "value")),
        "<h2>Reversal</h2>",
        _table(list(summary["reversal"].items()), ("setting", "value")),
        f"<h2>Software</h2><p>Seed {summary['seed']}.</p>",
        _table(list(summary["software"].items()), ("package", "version")),
    ]
    style = (
        "body{font-family:sans-serif;font-size:13px} table{border-collapse:collapse;"
        "margin:6px 0} td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}"
    )
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>Methods</title>"
            f"<style>{style}</style></head><body><h1>Methods summary</h1>"
            + "".join(parts) + "</body></html>")  # fmt: skip
