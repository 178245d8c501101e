# Key numbers of the stage (DEPs per contrast, what the heatmap shows), quoted by captions.
DEP_NUMBERS = f"{RESULTS}/differential/summary.json"


rule differential_fit:
    """Fit once: design, linear models for all proteins, contrasts and eBayes/treat."""
    input:
        matrix=rules.qc.output.matrix,
        samples=rules.qc.output.samples,
    output:
        model=f"{RESULTS}/differential/model.npz",
        design=f"{RESULTS}/differential/design.tsv",
        contrasts=f"{RESULTS}/differential/contrasts.tsv",
    log:
        f"{LOGS}/differential_fit.log",
    benchmark:
        f"{BENCH}/differential_fit.tsv"
    priority: 30  # every later stage waits for the model
    conda:
        ENV
    resources:
        mem_mb=2000,
    params:
        model=section(
            "differential",
            "formula",
            "contrasts",
            "default_contrasts",
            "trend",
            "robust",
            "treat_lfc",
        ),
        groups=analysis_groups(),
        control_group=config["samples"]["control_group"],
        covariates=config["samples"]["covariates"],
        factors=config["samples"]["factors"],
    script:
        "../scripts/differential_fit.py"


rule differential_table:
    """Test many: one table and one volcano plot per contrast."""
    input:
        model=rules.differential_fit.output.model,
        assays=rules.qc.output.assays,
    output:
        table=f"{RESULTS}/differential/{{contrast}}.tsv",
        about=f"{RESULTS}/differential/{{contrast}}.json",
        volcano=report(
            f"{RESULTS}/differential/figures/volcano_{{contrast}}.png",
            caption="../report/volcano.rst",
            category="2. Differential",
            subcategory="{contrast}",
        ),
        volcano_pdf=f"{RESULTS}/differential/figures/volcano_{{contrast}}.pdf",
    log:
        f"{LOGS}/differential_table_{{contrast}}.log",
    benchmark:
        f"{BENCH}/differential_table_{{contrast}}.tsv"
    priority: 30  # every later stage waits for the tables
    conda:
        ENV
    resources:
        mem_mb=1000,
    params:
        calls=section("differential", "fc_threshold", "fdr_threshold", "confint"),
        numbers=ResultNumbers(DEP_NUMBERS),  # read by the caption, at --report time only
    script:
        "../scripts/differential_table.py"


rule differential_summary:
    """DEP counts up/down per contrast, the DEP heatmap, and the numbers their captions quote."""
    input:
        tables=expand(f"{RESULTS}/differential/{{contrast}}.tsv", contrast=CONTRASTS),
        matrix=rules.qc.output.matrix,
        samples=rules.qc.output.samples,
    output:
        summary=report(
            f"{RESULTS}/differential/summary.tsv",
            caption="../report/dep_summary.rst",
            category="2. Differential",
        ),
        numbers=DEP_NUMBERS,
        heatmap=report(
            f"{RESULTS}/differential/figures/dep_heatmap.png",
            caption="../report/dep_heatmap.rst",
            category="2. Differential",
        ),
        heatmap_pdf=f"{RESULTS}/differential/figures/dep_heatmap.pdf",
    log:
        f"{LOGS}/differential_summary.log",
    benchmark:
        f"{BENCH}/differential_summary.tsv"
    priority: 10  # figures: the longest leaf jobs, started as soon as ready
    conda:
        ENV
    resources:
        mem_mb=1000,
    params:
        contrasts=CONTRASTS,
        groups=analysis_groups(),
        control_group=config["samples"]["control_group"],
        seed=config["seed"],
        # rows and columns a printed page can show; larger cohorts are subsampled per group
        heatmap={"max_proteins": 60, "min_proteins": 20, "max_samples": 2000},
        numbers=ResultNumbers(DEP_NUMBERS),
    script:
        "../scripts/differential_summary.py"
