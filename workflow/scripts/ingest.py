"""Snakemake entry point for rule ingest: unpack, call proteosig.ingest, write."""

from proteosig.ingest import BridgeRun, ingest, layout_metadata, resolve_control_pattern
from proteosig.io.panels import read_symbol_table
from proteosig.io.tables import sha256, write_json, write_parquet, write_tsv
from proteosig.runner import log, run_step


def main(snakemake):
    samples = snakemake.params.samples
    annotation = snakemake.input.annotation
    result = ingest(
        list(snakemake.input.npx),
        snakemake.input.sample_sheet,
        read_symbol_table(snakemake.input.symbol_table),
        fmt=snakemake.params.format,
        sheet_name=snakemake.params.sheet_name,
        id_column=samples["id_column"],
        group_column=samples["group_column"],
        control_group=samples["control_group"],
        groups=samples["groups"],
        covariates=samples["covariates"],
        plate_column=samples["plate_column"],
        control_sample_pattern=resolve_control_pattern(samples["control_sample_pattern"]),
        allow_unmatched=samples["allow_unmatched"],
        subset=dict(samples["subset"]),
        protein_annotation=str(annotation) if annotation else None,
        bridge=BridgeRun.from_config(snakemake.params.bridge, snakemake.input.bridge_npx),
    )
    for note in result.notes:
        log.info(note)
    write_parquet(result.long, snakemake.output.long, metadata=layout_metadata(result.long))
    write_tsv(result.samples, snakemake.output.samples)
    write_tsv(result.controls, snakemake.output.controls)
    write_tsv(result.unmapped_assays, snakemake.output.unmapped)
    if result.bridge is not None:
        write_tsv(result.bridge.adjustments, snakemake.output.bridge_adjustments)
        write_tsv(result.bridge.assays, snakemake.output.bridge_assays)
        write_tsv(result.bridge.samples, snakemake.output.bridge_samples)
    inputs = [*snakemake.input.npx, *snakemake.input.bridge_npx, snakemake.input.sample_sheet,
              snakemake.input.symbol_table]  # fmt: skip
    if annotation:
        inputs.append(str(annotation))
    write_json(
        {
            "inputs": {str(p): sha256(p) for p in inputs},
            "samples": int(result.samples.shape[0]),
            "samples_per_group": result.samples["group"].value_counts().sort_index().to_dict(),
            "assays": int(result.long["assay_id"].nunique()),
            "panels": sorted(result.long["panel"].dropna().unique().tolist()),
            "plates": sorted(result.samples["plate"].dropna().unique().tolist()),
            "control_samples": int(result.controls.shape[0]),
            "unmapped_assays": int(result.unmapped_assays.shape[0]),
            "notes": result.notes,
            "bridge": None
            if result.bridge is None
            else {**result.bridge.summary, "renamed_plates": result.bridge.renamed_plates},
        },
        snakemake.output.summary,
    )


run_step(snakemake, main)  # noqa: F821 (snakemake is injected by the script directive)
