"""Ingest and QC at biobank shape: what users rely on when the cohort is large.

The long table keeps text as dictionary codes (in memory and in npx_long.parquet), every
per-value rule runs once per distinct value, and rows are placed by codes, not strings.
These tests check that none of that changes a result: a synthetic Explore cohort of
thousands of samples is ingested from each parquet flavour and compared with a
row-by-row reading of the rules, and QC gives the same answer from the parquet (by
row number, on a complete grid) as from the frame.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from proteosig.ingest import (
    CONTROL_SAMPLE_TYPES,
    DEFAULT_CONTROL_PATTERN,
    LONG_COLUMNS,
    ingest,
    layout_metadata,
)
from proteosig.io.panels import panel_code, uniprot_key
from proteosig.io.tables import grid_layout, write_parquet
from proteosig.qc import QCSettings, run_qc
from proteosig.qc.matrix import sample_npx
from proteosig.simulate.scale import default_explore_table, write_scale_cohort

N_SAMPLES = 2_500
TEXT = ["SampleID", "SampleType", "OlinkID", "UniProt", "Assay", "Panel", "PlateID",
        "QC_Warning", "Assay_Warning", "Normalization"]  # fmt: skip


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    """2,500 samples x 36 Explore assays (three on several blocks), as the generator
    writes them: a complete grid, sample by sample, text dictionary-encoded."""
    out = tmp_path_factory.mktemp("scale")
    table = pd.read_csv(default_explore_table(), sep="\t", dtype=str)
    shared = table["Gene.name"].isin(["TNF", "IL6", "CXCL8"])
    subset = pd.concat([table.groupby("Explore.384.panel").head(4), table[shared]])
    subset.drop_duplicates().to_csv(out / "panel.tsv", sep="\t", index=False)
    return write_scale_cohort(out / "cohort", N_SAMPLES, panel_table=out / "panel.tsv")


def messy(raw: pd.DataFrame, seed: int = 7) -> pd.DataFrame:
    """The cohort as real exports come: rows missing and in any order, a plate control,
    padded and merged UniProt accessions, vendor warnings."""
    rng = np.random.default_rng(seed)
    raw = raw.astype({c: "object" for c in TEXT}).copy()
    raw = raw.iloc[np.flatnonzero(rng.random(len(raw)) > 0.01)]
    control = raw[raw["SampleID"] == raw["SampleID"].iloc[0]].assign(
        SampleID="IPC_1", SampleType="PLATE_CONTROL"
    )
    raw = pd.concat([raw, control], ignore_index=True)
    uniprot = raw["UniProt"]
    raw.loc[uniprot == uniprot.iloc[0], "UniProt"] = f"  {uniprot.iloc[0]} "
    raw.loc[uniprot == uniprot.iloc[-1], "UniProt"] = "P01375, P01375"  # TNF twice
    warn = rng.random(len(raw)) < 0.002
    raw.loc[warn, "QC_Warning"] = "WARN"
    raw.loc[rng.random(len(raw)) < 0.002, "Assay_Warning"] = "Warning"
    return raw.iloc[rng.permutation(len(raw))].reset_index(drop=True)


def reference_long(raw: pd.DataFrame, symbols: pd.Series, sheet_ids) -> pd.DataFrame:
    """The long table read rule by rule, row by row, on plain strings."""
    text = {c: raw[c].astype("string").str.strip() for c in TEXT}
    by_type = text["SampleType"].str.upper().isin(CONTROL_SAMPLE_TYPES)
    by_name = text["SampleID"].str.contains(DEFAULT_CONTROL_PATTERN) & ~text["SampleID"].isin(
        sheet_ids
    )
    keep = ~(by_type | by_name).to_numpy()
    uniprot = text["UniProt"].map(uniprot_key, na_action="ignore").astype("string")
    npx = raw["NPX"].astype("float64")
    lod = raw["LOD"].astype("float64")
    long = pd.DataFrame(
        {
            "sample_id": text["SampleID"],
            "assay_id": text["OlinkID"],
            "olink_id": text["OlinkID"],
            "uniprot": uniprot,
            "gene_symbol": uniprot.map(symbols).astype("string"),
            "assay": text["Assay"],
            "panel": text["Panel"].map(panel_code).astype("string"),
            "plate": text["PlateID"],
            "npx": npx,
            "lod": lod,
            "below_lod": pd.array(npx < lod, dtype="boolean"),
            "qc_warning": text["QC_Warning"].str.upper().isin(["WARN", "WARNING", "FAIL"]),
            "assay_warning": text["Assay_Warning"].str.upper().isin(["WARN", "WARNING"]),
            "missing_freq": np.nan,
            "normalization": text["Normalization"],
        }
    )[keep]
    return long.sort_values(["assay_id", "sample_id"]).reset_index(drop=True)


def as_plain(long: pd.DataFrame) -> pd.DataFrame:
    """Categoricals as strings and floats as float64, for comparing values."""
    out = long.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.CategoricalDtype):
            out[column] = out[column].astype(object).astype("string")
        elif out[column].dtype.kind == "f":
            out[column] = out[column].astype("float64")
    return out


def run_ingest(path, cohort, symbols):
    return ingest(
        [path],
        cohort.sample_sheet,
        symbols,
        control_group="HC",
        groups=["HC", "AD", "PSO", "MDD"],
        covariates=["age", "sex"],
        control_sample_pattern=DEFAULT_CONTROL_PATTERN,
    )


@pytest.mark.parametrize("encoding", ["dictionary", "plain"])
def test_large_messy_export_matches_row_by_row_rules(cohort, symbols, tmp_path, encoding):
    raw = messy(pd.read_parquet(cohort.npx))
    if encoding == "dictionary":
        raw = raw.astype({c: "category" for c in TEXT})
    path = tmp_path / "npx.parquet"
    raw.to_parquet(path, index=False)
    result = run_ingest(path, cohort, symbols)

    sheet_ids = pd.read_csv(cohort.sample_sheet, sep="\t", dtype=str)["sample_id"]
    expected = reference_long(raw, symbols, set(sheet_ids))
    got = as_plain(result.long)
    assert list(got.columns) == list(LONG_COLUMNS)
    columns = [c for c in LONG_COLUMNS if c != "source_file"]
    pd.testing.assert_frame_equal(got[columns], expected[columns], check_dtype=False)
    assert result.controls["sample_id"].tolist() == ["IPC_1"]
    assert result.samples["n_assays"].sum() == len(expected)
    # text stays coded: one small integer per row, whatever the number of samples
    for column in ("sample_id", "assay_id", "panel", "plate", "uniprot"):
        assert isinstance(result.long[column].dtype, pd.CategoricalDtype), column
        assert result.long[column].cat.codes.dtype.itemsize <= 2, column


def test_long_parquet_is_dictionary_encoded_and_qc_reads_it_by_row_number(
    cohort, symbols, tmp_path
):
    import pyarrow as pa
    import pyarrow.parquet as pq

    result = run_ingest(cohort.npx, cohort, symbols)
    path = tmp_path / "npx_long.parquet"
    write_parquet(result.long, path, metadata=layout_metadata(result.long))

    schema = pq.read_schema(path)
    for column in ("sample_id", "assay_id", "olink_id", "uniprot", "gene_symbol", "panel"):
        assert pa.types.is_dictionary(schema.field(column).type), column
    back = pd.read_parquet(path)
    pd.testing.assert_frame_equal(as_plain(back), as_plain(result.long))
    samples, assays = grid_layout(path)  # every sample ran every assay: a complete grid
    assert len(samples) == N_SAMPLES and len(samples) * len(assays) == len(result.long)

    # QC from the file (values placed by row number) equals QC from the frame, and from
    # the same rows shuffled (placed by sample and assay codes)
    settings = QCSettings()
    from_file = run_qc(path, result.samples, settings)
    shuffled = result.long.sample(frac=1.0, random_state=0)
    for other in (run_qc(result.long, result.samples, settings),
                  run_qc(shuffled, result.samples, settings)):  # fmt: skip
        pd.testing.assert_frame_equal(from_file.matrix, other.matrix)
        for table in ("sample_qc", "sample_panel_qc", "assay_qc", "pca_scores",
                      "plate_adjustments"):  # fmt: skip
            pd.testing.assert_frame_equal(getattr(from_file, table), getattr(other, table))
        assert from_file.summary == other.summary

    # the figure's samples and values: the same found by row number or by sample code
    incomplete = tmp_path / "incomplete.parquet"
    write_parquet(result.long.iloc[1:], incomplete)  # one pair fewer: no longer a grid
    assert grid_layout(incomplete) is None
    fast = sample_npx(path, max_samples=40)
    slow = sample_npx(incomplete, max_samples=40)
    assert fast["sample_id"].nunique() == 40
    assert set(fast["sample_id"]) == set(slow["sample_id"])
    pd.testing.assert_frame_equal(
        fast.iloc[len(fast) - len(slow) :].reset_index(drop=True), slow, check_dtype=False
    )


def test_layout_metadata_only_for_a_complete_sorted_grid(cohort, symbols):
    result = run_ingest(cohort.npx, cohort, symbols)
    assert layout_metadata(result.long) is not None
    assert layout_metadata(result.long.iloc[1:]) is None
    shuffled = result.long.iloc[::-1].reset_index(drop=True)
    assert layout_metadata(shuffled) is None
