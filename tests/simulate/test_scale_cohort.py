"""The synthetic Explore 3072 cohort the scale benchmark runs on."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import yaml

from proteosig.config import load_schema, validate_config
from proteosig.io.olink_long import read_olink_long
from proteosig.simulate.scale import GROUP_SHARES, SAMPLES_PER_PLATE, write_scale_cohort
from tests.helpers import REPO


def test_cohort_is_an_explore_long_parquet_the_pipeline_reads(tmp_path):
    cohort = write_scale_cohort(tmp_path / "c", 300, block_size=64)
    long = read_olink_long(cohort.npx)
    sheet = pd.read_csv(cohort.sample_sheet, sep="\t")
    assert cohort.n_assays == 2943 and long["olink_id"].nunique() == 2943
    assert len(long) == 300 * 2943
    assert set(long["sample_id"]) == set(sheet["sample_id"])
    # TNF, IL6 and CXCL8 sit on the four 'I' blocks, as on the real panel
    assert (long.drop_duplicates("olink_id")["uniprot"] == "P01375").sum() == 4
    counts = sheet["group"].value_counts()
    for group, share in GROUP_SHARES.items():
        assert abs(counts[group] - share * 300) <= 1
    assert long["plate"].nunique() == int(np.ceil(300 / SAMPLES_PER_PLATE))
    # strings are stored dictionary-encoded (small on disk, cheap to read)
    schema = pq.read_schema(cohort.npx)
    assert str(schema.field("SampleID").type).startswith("dictionary")
    config = yaml.safe_load(cohort.config.read_text())
    validated = validate_config(config, load_schema(REPO / "workflow/schemas/config.schema.yaml"))
    assert validated["enrichment"]["kcdf"] == "auto"  # -> empirical CDF from 200 samples


def test_cohort_is_deterministic_and_carries_the_planted_effects(tmp_path):
    first = write_scale_cohort(tmp_path / "a", 400, seed=3)
    second = write_scale_cohort(tmp_path / "b", 400, seed=3)
    assert pq.read_table(first.npx).equals(pq.read_table(second.npx))
    other = write_scale_cohort(tmp_path / "o", 400, seed=4)
    assert not pq.read_table(first.npx).equals(pq.read_table(other.npx))

    long = read_olink_long(first.npx)
    sheet = pd.read_csv(first.sample_sheet, sep="\t").set_index("sample_id")
    ccl17 = long[long["assay"] == "CCL17"].set_index("sample_id")["npx"]
    by_group = ccl17.groupby(sheet.loc[ccl17.index, "group"]).mean()
    # demo_effects.tsv plants CCL17 +1.2 log2 in AD (Brunner 2017)
    assert 0.8 < by_group["AD"] - by_group["HC"] < 1.6
    assert abs(by_group["PSO"] - by_group["HC"]) < 0.4
