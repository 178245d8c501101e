# Config validation, shared paths and input functions. Everything worth testing lives in
# the proteosig package (proteosig.config, proteosig.runner); this file stays small.
import sys
from pathlib import Path

from proteosig.config import check_input_files, load_schema, validate_config
from proteosig.errors import InputError

SCHEMA = Path(workflow.basedir) / "workflow" / "schemas" / "config.schema.yaml"
CONFIG_SOURCE = ", ".join(str(f) for f in workflow.configfiles) or "config"

try:
    config.update(validate_config(config, load_schema(SCHEMA), source=CONFIG_SOURCE))
    check_input_files(config)
except InputError as err:
    sys.stderr.write(f"\nproteosig error: {err.message}\n\n")
    sys.exit(1)

RESULTS = "results"
LOGS = f"{RESULTS}/logs"
BENCH = f"{RESULTS}/benchmarks"
ENV = str(Path(workflow.basedir) / "envs" / "proteosig.yaml")

INGEST_OUTPUTS = [
    f"{RESULTS}/ingest/npx_long.parquet",
    f"{RESULTS}/ingest/samples.tsv",
    f"{RESULTS}/ingest/control_samples.tsv",
    f"{RESULTS}/ingest/unmapped_assays.tsv",
    f"{RESULTS}/ingest/ingest_summary.json",
]
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
QC_FIGURES = [
    f"{RESULTS}/qc/figures/{name}.{ext}"
    for name in ("pca", "iqr_median", "npx_by_plate", "below_lod", "plate_effects")
    for ext in ("png", "pdf")
]
QC_OUTPUTS = QC_TABLES + QC_FIGURES


def final_outputs():
    return INGEST_OUTPUTS + QC_OUTPUTS


def section(name, *keys):
    """Only the config keys a rule uses, so that changing any other key does not rerun it.

    Keys are sorted: Snakemake compares params as text, and the same settings written in
    another order in a config file must not trigger a rerun.
    """
    block = config[name]
    return {key: block[key] for key in sorted(keys or block)}
