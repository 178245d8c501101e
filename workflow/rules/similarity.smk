MODEL_KEYS = ("formula", "contrasts", "default_contrasts", "trend", "robust")


rule similarity_signatures:
    """Every pair of disease signatures: correlations, bootstrap CI, shared-control null."""
    input:
        matrix=rules.qc.output.matrix,
        samples=rules.qc.output.samples,
    output:
        f"{RESULTS}/similarity/signature_similarity.tsv",
    log:
        f"{LOGS}/similarity_signatures.log",
    benchmark:
        f"{BENCH}/similarity_signatures.tsv"
    conda:
        ENV
    threads: 1
    params:
        similarity=section(
            "similarity",
            "metric",
            "top_n",
            "permutations",
            "bootstrap",
            "control_splits",
        ),
        formula=config["differential"]["formula"],
        groups=SIMILARITY_GROUPS,
        control_group=config["samples"]["control_group"],
        covariates=config["samples"]["covariates"],
        factors=config["samples"]["factors"],
        seed=config["seed"],
    script:
        "../scripts/similarity_signatures.py"


rule similarity_axes:
    """The same comparison on the immune-axis scores (GSVA or the configured method)."""
    input:
        scores=rules.enrichment_scores.output[0],
        samples=rules.qc.output.samples,
    output:
        f"{RESULTS}/similarity/axis_similarity.tsv",
    log:
        f"{LOGS}/similarity_axes.log",
    benchmark:
        f"{BENCH}/similarity_axes.tsv"
    conda:
        ENV
    params:
        # a handful of axis scores: its own metric (a top-n list would take them all)
        similarity=canonical(
            {
                **section(
                    "similarity",
                    "top_n",
                    "permutations",
                    "bootstrap",
                    "control_splits",
                ),
                "metric": config["similarity"]["axis_metric"],
            }
        ),
        formula=config["differential"]["formula"],
        groups=SIMILARITY_GROUPS,
        control_group=config["samples"]["control_group"],
        covariates=config["samples"]["covariates"],
        factors=config["samples"]["factors"],
        seed=config["seed"],
    script:
        "../scripts/similarity_signatures.py"


rule similarity_overlap:
    """DEP overlap of every pair of signatures on the measured universe."""
    input:
        tables=expand(f"{RESULTS}/differential/{{contrast}}.tsv", contrast=SIGNATURES),
    output:
        f"{RESULTS}/similarity/dep_overlap.tsv",
    log:
        f"{LOGS}/similarity_overlap.log",
    benchmark:
        f"{BENCH}/similarity_overlap.tsv"
    conda:
        ENV
    params:
        signatures=SIGNATURES,
    script:
        "../scripts/similarity_overlap.py"


rule similarity_patients:
    """Leave-one-out signature scores per sample, carrier calls, carriage tests."""
    input:
        matrix=rules.qc.output.matrix,
        samples=rules.qc.output.samples,
    output:
        scores=f"{RESULTS}/similarity/patient_scores.tsv",
        fractions=f"{RESULTS}/similarity/carrier_fractions.tsv",
        carriage=f"{RESULTS}/similarity/signature_carriage.tsv",
    log:
        f"{LOGS}/similarity_patients.log",
    benchmark:
        f"{BENCH}/similarity_patients.tsv"
    priority: 20  # the subgroup contrasts and reversal wait for it
    conda:
        ENV
    params:
        patients=section("similarity", "patients")["patients"],
        formula=config["differential"]["formula"],
        signature_groups=SIMILARITY_GROUPS,
        groups=analysis_groups(),
        control_group=config["samples"]["control_group"],
        covariates=config["samples"]["covariates"],
        factors=config["samples"]["factors"],
    script:
        "../scripts/similarity_patients.py"


rule similarity_subgroup:
    """Carriers and non-carriers of a signature within a group, each vs the controls."""
    input:
        matrix=rules.qc.output.matrix,
        samples=rules.qc.output.samples,
        assays=rules.qc.output.assays,
        scores=rules.similarity_patients.output.scores,
    output:
        table=f"{RESULTS}/similarity/subgroups/{{subgroup}}.tsv",
        about=f"{RESULTS}/similarity/subgroups/{{subgroup}}.json",
    log:
        f"{LOGS}/similarity_subgroup_{{subgroup}}.log",
    benchmark:
        f"{BENCH}/similarity_subgroup_{{subgroup}}.tsv"
    priority: 20  # the subgroup's reversal waits for it
    conda:
        ENV
    params:
        subgroup=lambda wildcards: canonical(SUBGROUPS[wildcards.subgroup]),
        model=section("differential", *MODEL_KEYS),
        calls=section("differential", "fc_threshold", "fdr_threshold", "confint"),
        groups=analysis_groups(),
        control_group=config["samples"]["control_group"],
        covariates=config["samples"]["covariates"],
        factors=config["samples"]["factors"],
    script:
        "../scripts/similarity_subgroup.py"


rule similarity_figures:
    """Similarity heatmap, logFC scatter per pair, UpSet of DEPs, patient scores."""
    input:
        similarity=rules.similarity_signatures.output[0],
        overlap=rules.similarity_overlap.output[0],
        tables=expand(f"{RESULTS}/differential/{{contrast}}.tsv", contrast=SIGNATURES),
        scores=rules.similarity_patients.output.scores,
        fractions=rules.similarity_patients.output.fractions,
    output:
        reported(SIMILARITY_FIGURES, "4. Similarity"),
    log:
        f"{LOGS}/similarity_figures.log",
    benchmark:
        f"{BENCH}/similarity_figures.tsv"
    priority: 10  # figures: the longest leaf jobs, started as soon as ready
    conda:
        ENV
    params:
        signatures=SIGNATURES,
        groups=analysis_groups(),
        control_group=config["samples"]["control_group"],
        # read by the captions, at --report time only
        similarity=ResultTable(rules.similarity_signatures.output[0]),
        overlap=ResultTable(rules.similarity_overlap.output[0]),
        fractions=ResultTable(rules.similarity_patients.output.fractions),
    script:
        "../scripts/similarity_figures.py"
