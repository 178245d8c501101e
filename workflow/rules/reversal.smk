REVERSAL_SCORING = (
    "rank_by",
    "gene_permutations",
    "label_permutations",
    "bootstrap",
    "top",
)


rule reversal_empirical:
    """A drug's empirical signature from paired pre/post data (paired differential model)."""
    input:
        npx=lambda wildcards: EMPIRICAL[wildcards.drug]["npx"],
        sheet=lambda wildcards: EMPIRICAL[wildcards.drug]["sample_sheet"],
        symbols=config["inputs"]["symbol_table"],
    output:
        f"{RESULTS}/reversal/empirical/{{drug}}.tsv",
    log:
        f"{LOGS}/reversal_empirical_{{drug}}.log",
    benchmark:
        f"{BENCH}/reversal_empirical_{{drug}}.tsv"
    conda:
        ENV
    params:
        spec=lambda wildcards: canonical(EMPIRICAL[wildcards.drug]),
    script:
        "../scripts/reversal_empirical.py"


rule reversal_signatures:
    """Every library drug's signature on the measured proteins, and which kind it is."""
    input:
        assays=rules.qc.output.assays,
        sets=rules.enrichment_sets.output.sets,
        library=REVERSAL_LIBRARY_FILES,
        empirical=expand(
            f"{RESULTS}/reversal/empirical/{{drug}}.tsv", drug=list(EMPIRICAL)
        ),
    output:
        weights=f"{RESULTS}/reversal/drug_signatures.tsv",
        drugs=f"{RESULTS}/reversal/drugs.tsv",
    log:
        f"{LOGS}/reversal_signatures.log",
    benchmark:
        f"{BENCH}/reversal_signatures.tsv"
    priority: 20  # unblocks every reversal job
    conda:
        ENV
    params:
        signatures=section(
            "reversal", "library", "axes_collection", "priority", "tissues", "min_size"
        ),
    script:
        "../scripts/reversal_signatures.py"


rule reversal_contrast:
    """Score every drug against one contrast: connectivity, correlation, nulls, stability."""
    input:
        table=rules.differential_table.output.table,
        weights=rules.reversal_signatures.output.weights,
        drugs=rules.reversal_signatures.output.drugs,
        matrix=rules.qc.output.matrix,
        samples=rules.qc.output.samples,
    output:
        f"{RESULTS}/reversal/{{contrast}}.tsv",
    log:
        f"{LOGS}/reversal_{{contrast}}.log",
    benchmark:
        f"{BENCH}/reversal_{{contrast}}.tsv"
    priority: 15  # reversal_figures, the longest job, waits for these
    conda:
        ENV
    params:
        scoring=section("reversal", *REVERSAL_SCORING),
        fdr_threshold=config["differential"]["fdr_threshold"],
        expression=lambda wildcards: PLANNED[wildcards.contrast],
        formula=config["differential"]["formula"],
        groups=analysis_groups(),
        covariates=config["samples"]["covariates"],
        factors=config["samples"]["factors"],
        seed=config["seed"],
    script:
        "../scripts/reversal_contrast.py"


rule reversal_subgroup:
    """Score every drug against a carrier subgroup's signature (protein-label null only:
    the subgroup was selected from these data)."""
    input:
        table=rules.similarity_subgroup.output.table,
        weights=rules.reversal_signatures.output.weights,
        drugs=rules.reversal_signatures.output.drugs,
    output:
        f"{RESULTS}/reversal/subgroups/{{subgroup}}.tsv",
    log:
        f"{LOGS}/reversal_subgroup_{{subgroup}}.log",
    benchmark:
        f"{BENCH}/reversal_subgroup_{{subgroup}}.tsv"
    priority: 15  # reversal_figures, the longest job, waits for these
    conda:
        ENV
    params:
        scoring=section("reversal", *REVERSAL_SCORING),
        fdr_threshold=config["differential"]["fdr_threshold"],
        seed=config["seed"],
    script:
        "../scripts/reversal_contrast.py"


rule reversal_patients:
    """Each patient's own deviation from the controls, reversed by each drug."""
    input:
        weights=rules.reversal_signatures.output.weights,
        matrix=rules.qc.output.matrix,
        samples=rules.qc.output.samples,
    output:
        f"{RESULTS}/reversal/patients.tsv",
    log:
        f"{LOGS}/reversal_patients.log",
    benchmark:
        f"{BENCH}/reversal_patients.tsv"
    priority: 15  # reversal_figures, the longest job, waits for these
    conda:
        ENV
    params:
        formula=config["differential"]["formula"],
        groups=analysis_groups(),
        control_group=config["samples"]["control_group"],
        covariates=config["samples"]["covariates"],
        factors=config["samples"]["factors"],
    script:
        "../scripts/reversal_patients.py"


rule reversal_figures:
    """Ranked drugs per contrast; patient x drug heatmap."""
    input:
        contrasts=expand(f"{RESULTS}/reversal/{{contrast}}.tsv", contrast=CONTRASTS),
        patients=rules.reversal_patients.output[0],
    output:
        reported(
            REVERSAL_FIGURES,
            "5. Reversal",
            captions={f"ranked_{c}": "ranked_drugs" for c in CONTRASTS},
        ),
    log:
        f"{LOGS}/reversal_figures.log",
    benchmark:
        f"{BENCH}/reversal_figures.tsv"
    priority: 10  # figures: the longest leaf jobs, started as soon as ready
    conda:
        ENV
    params:
        contrasts=CONTRASTS,
        groups=analysis_groups(),
        control_group=config["samples"]["control_group"],
        # read by the caption, at --report time only
        ranked=ResultTables({c: f"{RESULTS}/reversal/{c}.tsv" for c in CONTRASTS}),
    script:
        "../scripts/reversal_figures.py"
