rule qc:
    """Sample and assay QC, plate diagnostics and the analysis matrix."""
    input:
        long=rules.ingest.output.long,
        samples=rules.ingest.output.samples,
    output:
        matrix=f"{RESULTS}/qc/analysis_matrix.parquet",
        samples=f"{RESULTS}/qc/samples.tsv",
        assays=f"{RESULTS}/qc/assays.tsv",
        sample_qc=f"{RESULTS}/qc/sample_qc.tsv",
        sample_panel_qc=f"{RESULTS}/qc/sample_panel_qc.tsv",
        assay_qc=f"{RESULTS}/qc/assay_qc.tsv",
        pca=f"{RESULTS}/qc/pca_scores.tsv",
        plate_adjustments=f"{RESULTS}/qc/plate_adjustments.tsv",
        summary=f"{RESULTS}/qc/qc_summary.json",
    log:
        f"{LOGS}/qc.log",
    benchmark:
        f"{BENCH}/qc.tsv"
    conda:
        ENV
    threads: 2  # the next column is read while one is placed; BLAS for the PCA
    resources:
        # peak about 4.5 x the long parquet (50,000 samples: 3.7 GB)
        mem_mb=lambda wildcards, input: max(2000, 800 + 4 * input.size_mb),
    params:
        qc=section("qc"),
    script:
        "../scripts/qc.py"


rule qc_figures:
    """QC figures (PNG for reading, PDF for publication)."""
    input:
        long=rules.ingest.output.long,
        sample_qc=rules.qc.output.sample_qc,
        sample_panel_qc=rules.qc.output.sample_panel_qc,
        assay_qc=rules.qc.output.assay_qc,
        pca=rules.qc.output.pca,
        summary=rules.qc.output.summary,
    output:
        reported(
            QC_FIGURES,
            "1. QC",
            captions={n: f"qc_{n}" for n in QC_FIGURE_NAMES},
        ),
    log:
        f"{LOGS}/qc_figures.log",
    benchmark:
        f"{BENCH}/qc_figures.tsv"
    priority: 10  # figures: the longest leaf jobs, started as soon as ready
    conda:
        ENV
    resources:
        mem_mb=2000,  # reads only the values of the samples it draws (50,000: 1 GB)
    params:
        control_group=config["samples"]["control_group"],
        groups=config["samples"]["groups"],
        seed=config["seed"],
        # read by the captions, at --report time only
        qc_numbers=ResultNumbers(f"{RESULTS}/qc/qc_summary.json"),
    script:
        "../scripts/qc_figures.py"
