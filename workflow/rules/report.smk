rule report_methods:
    """The run's methods summary: inputs and checksums, samples, model, versions."""
    input:
        ingest=f"{RESULTS}/ingest/ingest_summary.json",
        qc=rules.qc.output.summary,
        deps=rules.differential_summary.output[0],
    output:
        json=f"{RESULTS}/report/methods.json",
        html=report(
            f"{RESULTS}/report/methods.html",
            caption="../report/methods.rst",
            category="0. Methods",
        ),
    log:
        f"{LOGS}/report_methods.log",
    benchmark:
        f"{BENCH}/report_methods.tsv"
    conda:
        ENV
    params:
        config=canonical(
            {
                key: config[key]
                for key in (
                    "seed",
                    "samples",
                    "qc",
                    "differential",
                    "enrichment",
                    "similarity",
                    "reversal",
                )
            }
        ),
        contrasts=PLANNED,
    script:
        "../scripts/report_methods.py"
