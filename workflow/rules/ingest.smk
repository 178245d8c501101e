rule ingest:
    """Read NPX exports and the sample sheet into one harmonised long table; with a second
    run under 'bridge:', put it on the first run's scale by its bridge samples first."""
    input:
        npx=config["inputs"]["npx"],
        bridge_npx=config["bridge"]["npx"],
        sample_sheet=config["inputs"]["sample_sheet"],
        symbol_table=config["inputs"]["symbol_table"],
        annotation=config["inputs"]["protein_annotation"] or [],
    output:
        **(BRIDGE_TABLES if BRIDGED else {}),
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
        bridge=section("bridge") if BRIDGED else None,
    script:
        "../scripts/ingest.py"


if BRIDGED:

    rule bridge_figure:
        """How far apart the bridge samples' two measurements were, before and after."""
        input:
            summary=rules.ingest.output.summary,
            assays=BRIDGE_TABLES["bridge_assays"],
            samples=BRIDGE_TABLES["bridge_samples"],
        output:
            reported(BRIDGE_FIGURES, "1. QC"),
        log:
            f"{LOGS}/bridge_figure.log",
        benchmark:
            f"{BENCH}/bridge_figure.tsv"
        priority: 10
        conda:
            ENV
        resources:
            mem_mb=1000,
        params:
            labels=config["bridge"]["labels"],
            # read by the caption, at --report time only
            ingest_numbers=ResultNumbers(f"{RESULTS}/ingest/ingest_summary.json"),
        script:
            "../scripts/bridge_figure.py"
