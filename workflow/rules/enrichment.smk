rule enrichment_sets:
    """Gene sets restricted to the measured proteins, filtered by size."""
    input:
        assays=rules.qc.output.assays,
        collections=list(config["enrichment"]["collections"].values()),
        assay_gene_map=config["enrichment"]["assay_gene_map"],
    output:
        sets=f"{RESULTS}/enrichment/gene_sets.json",
        table=f"{RESULTS}/enrichment/gene_sets.tsv",
    log:
        f"{LOGS}/enrichment_sets.log",
    benchmark:
        f"{BENCH}/enrichment_sets.tsv"
    priority: 30  # unblocks GSVA, GSEA and ORA
    conda:
        ENV
    params:
        collections=section("enrichment", "collections")["collections"],
        sizes=section("enrichment", "min_size", "max_size"),
    script:
        "../scripts/enrichment_sets.py"


rule enrichment_scores:
    """Per-sample set scores (GSVA, ssGSEA or z-score) of the score collections."""
    input:
        matrix=rules.qc.output.matrix,
        sets=rules.enrichment_sets.output.sets,
    output:
        f"{RESULTS}/enrichment/gsva_scores.tsv",
    log:
        f"{LOGS}/enrichment_scores.log",
    benchmark:
        f"{BENCH}/enrichment_scores.tsv"
    priority: 20  # unblocks the axis tests and axis similarity
    conda:
        ENV
    # GSVA's protein blocks on 2 cores from 100 MB (10,000 samples: 230 MB); below, a
    # 2-thread job would wait for both cores while 1-thread jobs could run beside it
    threads: lambda wildcards, input: 2 if input.size_mb >= 100 else 1
    params:
        scoring=section(
            "enrichment",
            "score_collections",
            "score_method",
            "kcdf",
            "kcdf_none_min_samples",
        ),
    script:
        "../scripts/enrichment_scores.py"


rule enrichment_score_differential:
    """Set scores compared between groups with the differential engine (same model)."""
    input:
        scores=rules.enrichment_scores.output[0],
        samples=rules.qc.output.samples,
        sets=rules.enrichment_sets.output.sets,
    output:
        expand(
            f"{RESULTS}/enrichment/gsva_differential/{{contrast}}.tsv",
            contrast=CONTRASTS,
        ),
    log:
        f"{LOGS}/enrichment_score_differential.log",
    benchmark:
        f"{BENCH}/enrichment_score_differential.tsv"
    priority: 15  # enrichment_figures, a long job, waits for these
    conda:
        ENV
    params:
        model=section(
            "differential",
            "formula",
            "contrasts",
            "default_contrasts",
            "trend",
            "robust",
        ),
        # set scores are not log2 abundances: no fold-change threshold and no TREAT
        calls=section("differential", "fdr_threshold", "confint"),
        groups=analysis_groups(),
        control_group=config["samples"]["control_group"],
        covariates=config["samples"]["covariates"],
        factors=config["samples"]["factors"],
        contrasts=CONTRASTS,
    script:
        "../scripts/enrichment_score_differential.py"


rule enrichment_gsea:
    """Pre-ranked GSEA of one contrast's moderated t over every collection."""
    input:
        table=rules.differential_table.output.table,
        sets=rules.enrichment_sets.output.sets,
    output:
        f"{RESULTS}/enrichment/gsea/{{contrast}}.tsv",
    log:
        f"{LOGS}/enrichment_gsea_{{contrast}}.log",
    benchmark:
        f"{BENCH}/enrichment_gsea_{{contrast}}.tsv"
    priority: 15  # enrichment_figures, a long job, waits for these
    conda:
        ENV
    params:
        gsea=section("enrichment", "gsea_permutations", "min_size", "max_size"),
        seed=config["seed"],
    script:
        "../scripts/enrichment_gsea.py"


rule enrichment_ora:
    """Over-representation of one contrast's DEPs, on the measured universe."""
    input:
        table=rules.differential_table.output.table,
        sets=rules.enrichment_sets.output.sets,
    output:
        f"{RESULTS}/enrichment/ora/{{contrast}}.tsv",
    log:
        f"{LOGS}/enrichment_ora_{{contrast}}.log",
    benchmark:
        f"{BENCH}/enrichment_ora_{{contrast}}.tsv"
    priority: 15  # enrichment_figures, a long job, waits for these
    conda:
        ENV
    params:
        directions=config["enrichment"]["ora_directions"],
    script:
        "../scripts/enrichment_ora.py"


rule enrichment_figures:
    """Axis scores by group; GSEA and ORA dot plots across contrasts."""
    input:
        scores=rules.enrichment_scores.output[0],
        samples=rules.qc.output.samples,
        score_differential=rules.enrichment_score_differential.output,
        gsea=expand(f"{RESULTS}/enrichment/gsea/{{contrast}}.tsv", contrast=CONTRASTS),
        ora=expand(f"{RESULTS}/enrichment/ora/{{contrast}}.tsv", contrast=CONTRASTS),
    output:
        reported(ENRICHMENT_FIGURES, "3. Enrichment"),
    log:
        f"{LOGS}/enrichment_figures.log",
    benchmark:
        f"{BENCH}/enrichment_figures.tsv"
    priority: 10  # figures: the longest leaf jobs, started as soon as ready
    conda:
        ENV
    params:
        contrasts=CONTRASTS,
        groups=analysis_groups(),
        control_group=config["samples"]["control_group"],
        # read by the captions, at --report time only
        axes=ResultTables(
            {c: f"{RESULTS}/enrichment/gsva_differential/{c}.tsv" for c in CONTRASTS}
        ),
        gsea=ResultTables({c: f"{RESULTS}/enrichment/gsea/{c}.tsv" for c in CONTRASTS}),
        ora=ResultTables({c: f"{RESULTS}/enrichment/ora/{c}.tsv" for c in CONTRASTS}),
    script:
        "../scripts/enrichment_figures.py"
