# proteosig: blood proteomics -> shared immune signatures -> drugs that reverse them.
# Stages (one .smk each under workflow/rules/): ingest -> qc -> differential -> enrichment ->
# similarity -> reversal
# Run:  snakemake --cores 2            (default config: the bundled synthetic demo)
#       snakemake --cores 2 --configfile config/examples/gisby_serum.yaml
#       snakemake --cores 2 --configfile config/examples/demo_two_runs.yaml  (bridged runs)
from snakemake.utils import min_version

min_version("9.0")


# The demo config is the default; a --configfile replaces it instead of being merged into
# it, so an example or user config never inherits demo settings it does not mention.
if not workflow.overwrite_configfiles:

    configfile: "config/config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/ingest.smk"
include: "workflow/rules/qc.smk"
include: "workflow/rules/differential.smk"
include: "workflow/rules/enrichment.smk"
include: "workflow/rules/similarity.smk"
include: "workflow/rules/reversal.smk"
include: "workflow/rules/report.smk"


rule all:
    default_target: True
    input:
        final_outputs(),


# Stage targets: `snakemake --cores 2 ingest_stage` runs up to and including that stage.
rule ingest_stage:
    input:
        INGEST_OUTPUTS,


rule qc_stage:
    input:
        QC_OUTPUTS,


rule differential_stage:
    input:
        DIFFERENTIAL_OUTPUTS,


rule enrichment_stage:
    input:
        ENRICHMENT_OUTPUTS,


rule similarity_stage:
    input:
        SIMILARITY_OUTPUTS,


rule reversal_stage:
    input:
        REVERSAL_OUTPUTS,
