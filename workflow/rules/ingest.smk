rule ingest:
    """Read NPX exports and the sample sheet into one harmonised long table."""
    input:
        npx=config["inputs"]["npx"],
        sample_sheet=config["inputs"]["sample_sheet"],
        symbol_table=config["inputs"]["symbol_table"],
        annotation=config["inputs"]["protein_annotation"] or [],
    output:
        long=f"{RESULTS}/ingest/npx_long.parquet",
        samples=f"{RESULTS}/ingest/samples.tsv",
        controls=f"{RESULTS}/ingest/control_samples.tsv",
        unmapped=f"{RESULTS}/ingest/unmapped_assays.tsv",
        summary=f"{RESULTS}/ingest/ingest_summary.json",
    log:
        f"{LOGS}/ingest.log",
    benchmark:
        f"{BENCH}/ingest.tsv"
    conda:
        ENV
    threads: 2  # columns decoded and moved on both cores
    resources:
        # peak about 7 x the NPX files on disk (Explore parquet, 50,000 samples: 6 GB)
        mem_mb=lambda wildcards, input: max(2000, 500 + 7.5 * input.size_mb),
    params:
        format=config["inputs"]["format"],
        sheet_name=config["inputs"]["sample_sheet_excel_sheet"],
        samples=section("samples"),
    script:
        "../scripts/ingest.py"
