# Config validation, shared paths and input functions. Everything worth testing lives in
# the proteosig package (proteosig.config, proteosig.runner); this file stays small.
import json
import sys
from pathlib import Path

from proteosig.captions import ResultNumbers, ResultTable, ResultTables
from proteosig.config import (
    check_input_files,
    load_schema,
    resolve_resources,
    validate_config,
)
from proteosig.differential.design import safe_name
from proteosig.differential.run import build_contrasts, check_model_config
from proteosig.errors import InputError
from proteosig.io.sample_sheet import read_table
from snakemake.io import report as mark_for_report  # 'report(' opens a directive here
from proteosig.similarity.run import disease_groups, signature_name, subgroup_name

SCHEMA = Path(workflow.basedir) / "workflow" / "schemas" / "config.schema.yaml"
CONFIG_SOURCE = ", ".join(str(f) for f in workflow.configfiles) or "config"


def analysis_groups():
    """Groups in analysis order: 'samples: groups', else those in the sample sheet."""
    samples = config["samples"]
    if samples["groups"]:
        return list(samples["groups"])
    sheet = read_table(
        config["inputs"]["sample_sheet"],
        sheet=config["inputs"]["sample_sheet_excel_sheet"],
    )
    if samples["group_column"] not in sheet.columns:
        raise InputError(
            config["inputs"]["sample_sheet"],
            f"column {samples['group_column']!r} is missing",
            fix="check 'samples: group_column'",
        )
    found = sorted(
        sheet[samples["group_column"]].dropna().astype(str).str.strip().unique()
    )
    control = samples["control_group"]
    return [control] + [g for g in found if g != control]


try:
    config.update(validate_config(config, load_schema(SCHEMA), source=CONFIG_SOURCE))
    resolve_resources(config, workflow.basedir)
    check_input_files(config)
    PLANNED = build_contrasts(
        analysis_groups(),
        config["samples"]["control_group"],
        config["differential"]["contrasts"],
        include_default=config["differential"]["default_contrasts"],
    )
    check_model_config(
        analysis_groups(),
        config["samples"]["covariates"],
        config["differential"]["formula"],
        PLANNED,
    )
    CONTRASTS = list(PLANNED)
    SIMILARITY_GROUPS = disease_groups(
        config["similarity"]["groups"],
        analysis_groups(),
        config["samples"]["control_group"],
    )
    SIGNATURES = [
        signature_name(g, config["samples"]["control_group"]) for g in SIMILARITY_GROUPS
    ]
    SUBGROUPS = {
        subgroup_name(item, SIGNATURES): item
        for item in config["similarity"]["subgroups"]
    }
    EMPIRICAL = {
        safe_name(item["drug"]): item for item in config["reversal"]["empirical"]
    }
except InputError as err:
    sys.stderr.write(f"\nproteosig error: {err.message}\n\n")
    sys.exit(1)


wildcard_constraints:
    contrast="|".join(CONTRASTS),
    subgroup="|".join(SUBGROUPS) or "no_subgroups",
    drug="|".join(EMPIRICAL) or "no_empirical_drugs",


RESULTS = "results"
LOGS = f"{RESULTS}/logs"
BENCH = f"{RESULTS}/benchmarks"
ENV = str(Path(workflow.basedir) / "envs" / "proteosig.yaml")

# a second run under 'bridge:' adds the bridging tables and figure to ingest
BRIDGED = bool(config["bridge"]["npx"])
if BRIDGED and config["qc"]["plate_normalisation"] == "median":
    # not an error: with plates that each hold the groups alike, centring is still fine
    sys.stderr.write(
        "\nproteosig warning: 'bridge:' joins two runs but 'qc: plate_normalisation' is "
        "'median': centring each run's plates on their own medians also removes the run "
        "offset and, when the runs hold the groups in different proportions, part of the "
        "disease differences; set it to 'none' unless every plate holds the groups "
        "alike\n\n"
    )
BRIDGE_TABLES = {
    "bridge_adjustments": f"{RESULTS}/ingest/bridge_adjustments.tsv",
    "bridge_assays": f"{RESULTS}/ingest/bridge_assays.tsv",
    "bridge_samples": f"{RESULTS}/ingest/bridge_samples.tsv",
}
BRIDGE_FIGURES = [f"{RESULTS}/ingest/figures/bridge.{ext}" for ext in ("png", "pdf")]
INGEST_OUTPUTS = [
    f"{RESULTS}/ingest/npx_long.parquet",
    f"{RESULTS}/ingest/samples.tsv",
    f"{RESULTS}/ingest/control_samples.tsv",
    f"{RESULTS}/ingest/unmapped_assays.tsv",
    f"{RESULTS}/ingest/ingest_summary.json",
] + ([*BRIDGE_TABLES.values(), *BRIDGE_FIGURES] if BRIDGED else [])
QC_TABLES = [
    f"{RESULTS}/qc/analysis_matrix.parquet",
    f"{RESULTS}/qc/samples.tsv",
    f"{RESULTS}/qc/assays.tsv",
    f"{RESULTS}/qc/sample_qc.tsv",
    f"{RESULTS}/qc/sample_panel_qc.tsv",
    f"{RESULTS}/qc/assay_qc.tsv",
    f"{RESULTS}/qc/pca_scores.tsv",
    f"{RESULTS}/qc/plate_adjustments.tsv",
    f"{RESULTS}/qc/qc_summary.json",
]
QC_FIGURE_NAMES = ("pca", "iqr_median", "npx_by_plate", "below_lod", "plate_effects")
QC_FIGURES = [
    f"{RESULTS}/qc/figures/{name}.{ext}"
    for name in QC_FIGURE_NAMES
    for ext in ("png", "pdf")
]
QC_OUTPUTS = QC_TABLES + QC_FIGURES
DIFFERENTIAL_OUTPUTS = [
    f"{RESULTS}/differential/summary.tsv",
    f"{RESULTS}/differential/summary.json",
    f"{RESULTS}/differential/figures/dep_heatmap.png",
    f"{RESULTS}/differential/figures/dep_heatmap.pdf",
    *expand(
        f"{RESULTS}/differential/{{contrast}}.{{ext}}",
        contrast=CONTRASTS,
        ext=("tsv", "json"),
    ),
    *expand(
        f"{RESULTS}/differential/figures/volcano_{{contrast}}.{{ext}}",
        contrast=CONTRASTS,
        ext=("png", "pdf"),
    ),
]

ENRICHMENT_FIGURES = [
    f"{RESULTS}/enrichment/figures/{name}.{ext}"
    for name in ("axis_scores", "gsea_dotplot", "ora_dotplot")
    for ext in ("png", "pdf")
]
ENRICHMENT_OUTPUTS = [
    f"{RESULTS}/enrichment/gene_sets.tsv",
    f"{RESULTS}/enrichment/gsva_scores.tsv",
    *expand(
        f"{RESULTS}/enrichment/{{kind}}/{{contrast}}.tsv",
        kind=("gsva_differential", "gsea", "ora"),
        contrast=CONTRASTS,
    ),
    *ENRICHMENT_FIGURES,
]


SIMILARITY_FIGURES = [
    f"{RESULTS}/similarity/figures/{name}.{ext}"
    for name in ("similarity_heatmap", "logfc_scatter", "dep_upset", "patient_scores")
    for ext in ("png", "pdf")
]
SIMILARITY_OUTPUTS = [
    f"{RESULTS}/similarity/signature_similarity.tsv",
    f"{RESULTS}/similarity/axis_similarity.tsv",
    f"{RESULTS}/similarity/dep_overlap.tsv",
    f"{RESULTS}/similarity/patient_scores.tsv",
    f"{RESULTS}/similarity/carrier_fractions.tsv",
    f"{RESULTS}/similarity/signature_carriage.tsv",
    *expand(
        f"{RESULTS}/similarity/subgroups/{{subgroup}}.{{ext}}",
        subgroup=list(SUBGROUPS),
        ext=("tsv", "json"),
    ),
    *SIMILARITY_FIGURES,
]


REVERSAL_LIBRARY_FILES = [
    str(Path(config["reversal"]["library"]) / name)
    for name in (
        "drugs.tsv",
        "target_axes.tsv",
        "observed_signatures.tsv",
        "drug_classes.tsv",
    )
    if (Path(config["reversal"]["library"]) / name).exists()
    or name != "drug_classes.tsv"
]
REVERSAL_FIGURES = [
    f"{RESULTS}/reversal/figures/{name}.{ext}"
    for name in [f"ranked_{c}" for c in CONTRASTS] + ["patient_drug_heatmap"]
    for ext in ("png", "pdf")
]
REVERSAL_OUTPUTS = [
    f"{RESULTS}/reversal/drug_signatures.tsv",
    f"{RESULTS}/reversal/drugs.tsv",
    f"{RESULTS}/reversal/patients.tsv",
    *expand(f"{RESULTS}/reversal/{{contrast}}.tsv", contrast=CONTRASTS),
    *expand(f"{RESULTS}/reversal/subgroups/{{subgroup}}.tsv", subgroup=list(SUBGROUPS)),
    *REVERSAL_FIGURES,
]


def final_outputs():
    return (
        INGEST_OUTPUTS
        + QC_OUTPUTS
        + DIFFERENTIAL_OUTPUTS
        + ENRICHMENT_OUTPUTS
        + SIMILARITY_OUTPUTS
        + REVERSAL_OUTPUTS
        + [f"{RESULTS}/report/methods.html"]
    )


def reported(paths, category, subcategory=None, captions=None):
    """PNG figures marked for Snakemake's report (PDFs stay plain outputs).

    A figure's caption is workflow/report/<caption>.rst, where <caption> is looked up by
    the file's stem in ``captions`` (default: the stem itself).
    """
    captions = captions or {}
    marked = []
    for path in paths:
        if not str(path).endswith(".png"):
            marked.append(path)
            continue
        stem = Path(str(path)).stem
        caption = captions.get(stem, stem)
        marked.append(
            mark_for_report(
                path,
                caption=f"../report/{caption}.rst",
                category=category,
                subcategory=subcategory,
            )
        )
    return marked


def section(name, *keys):
    """Only the config keys a rule uses, so that changing any other key does not rerun it.

    Keys are sorted at every depth: Snakemake compares params as text, and the same
    settings written in another order in a config file must not trigger a rerun.
    """
    block = config[name]
    return canonical({key: block[key] for key in (keys or block)})


def canonical(value):
    """``value`` with dict keys sorted at every depth (see ``section``)."""
    return json.loads(json.dumps(value, sort_keys=True))
