"""Coded text: every helper against the plain pandas operation it replaces."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import proteosig.io.categorical as cat
from proteosig.ingest import sorted_long


def random_codes(rng, n, sizes):
    return [rng.integers(-1, size, n).astype(np.int8) for size in sizes]


@pytest.mark.parametrize("max_span", [cat.MAX_SPAN, 0])  # presence table, then hashing
def test_combination_ids_number_the_sorted_distinct_tuples(monkeypatch, max_span):
    monkeypatch.setattr(cat, "MAX_SPAN", max_span)
    rng = np.random.default_rng(0)
    for trial in range(60):
        n = int(rng.integers(1, 200))
        arrays = random_codes(rng, n, rng.integers(1, 6, int(rng.integers(1, 4))))
        if len(arrays) > 1 and trial % 3 == 0:  # a column that is a function of the first
            arrays[1] = (arrays[0] * 3 % 5).astype(np.int8)
        ids, combos = cat.combination_ids(arrays)
        expected = sorted(set(zip(*[a.tolist() for a in arrays], strict=True)))
        assert [tuple(c) for c in combos.tolist()] == expected
        rows = list(zip(*[a.tolist() for a in arrays], strict=True))
        assert [tuple(combos[i]) for i in ids] == rows


def test_text_helpers_match_pandas():
    values = pd.Series([" b", "a", None, "b ", "", "c", "a"], dtype="string")
    coded = values.astype("category")
    stripped = cat.transform_categories(coded, lambda t: t.str.strip().replace("", pd.NA))
    assert stripped.cat.categories.tolist() == ["a", "b", "c"]
    pd.testing.assert_series_equal(
        stripped.astype(object).astype("string"),
        values.str.strip().replace("", pd.NA),
    )
    assert cat.distinct(coded).tolist() == ["", " b", "a", "b ", "c"]
    assert cat.map_categories(coded, str.upper).astype(object).tolist()[1] == "A"
    flags = cat.category_flags(coded, lambda t: t.str.contains("a"), na=True)
    assert flags.tolist() == [False, True, True, False, False, False, True]


def test_sorted_long_orders_like_sort_values():
    """Counting sort, rebuilt and gathered columns, and trimmed categories: the same
    table as sorting the strings."""
    from proteosig.ingest import LONG_COLUMNS

    rng = np.random.default_rng(3)
    samples = [f"S{i:03d}" for i in range(40)]
    assays = [f"OID{j:03d}" for j in range(12)]
    pairs = [(s, a) for s in samples for a in assays if rng.random() > 0.1]
    frame = pd.DataFrame(pairs, columns=["sample_id", "assay_id"])
    frame = frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
    n = len(frame)
    for column in LONG_COLUMNS:
        if column in ("sample_id", "assay_id"):
            continue
        if column in ("npx", "lod", "missing_freq"):
            frame[column] = rng.normal(size=n).astype(np.float32)
        elif column == "below_lod":
            frame[column] = pd.array(rng.random(n) < 0.3, dtype="boolean")
        elif column in ("qc_warning", "assay_warning"):
            frame[column] = rng.random(n) < 0.1
        else:  # text: per assay (rebuilt from its assay) or per row
            per_assay = column in ("olink_id", "uniprot", "gene_symbol", "assay", "panel")
            key = frame["assay_id"] if per_assay else frame["sample_id"] + frame["assay_id"]
            frame[column] = (column + key.str[-2:]).astype("category")
    frame = frame.astype({"sample_id": "category", "assay_id": "category"})
    descriptions = frame.drop_duplicates("assay_id").set_index("assay_id", drop=False)
    expected = frame.sort_values(["assay_id", "sample_id"]).reset_index(drop=True)
    got = sorted_long(frame.copy(), per_assay=descriptions.astype("string"))
    for column in LONG_COLUMNS:
        left, right = got[column], expected[column]
        if isinstance(right.dtype, pd.CategoricalDtype):
            left, right = left.astype(object), right.astype(object)
        pd.testing.assert_series_equal(left, right, check_names=False)
