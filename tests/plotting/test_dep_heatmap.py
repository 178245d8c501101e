"""DEP heatmap: which proteins and samples it shows, and that it draws."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from proteosig.plotting.differential import dep_heatmap, heatmap_proteins, heatmap_samples


def contrast_table(n: int, deps: dict[int, str], seed: int) -> pd.DataFrame:
    """n proteins; ``deps`` maps protein number -> 'up'/'down'; DEPs get the smallest p."""
    rng = np.random.default_rng(seed)
    adj = rng.uniform(0.2, 1.0, n)
    for i in deps:
        adj[i] = 1e-6 * (i + 1)
    direction = ["ns"] * n
    for i, d in deps.items():
        direction[i] = d
    return pd.DataFrame(
        {
            "assay_id": [f"A{i:03d}" for i in range(n)],
            "gene_symbol": [f"G{i}" for i in range(n)],
            "adj.P.Val": adj,
            "P.Value": adj / 10,
            "significant": [d != "ns" for d in direction],
            "direction": direction,
        }
    )


def test_all_deps_when_they_fit():
    tables = {
        "A_vs_C": contrast_table(100, {i: "up" for i in range(30)}, 1),
        "B_vs_C": contrast_table(100, {i: "down" for i in range(25, 40)}, 2),
    }
    rows, about = heatmap_proteins(tables, max_rows=60, min_rows=20)
    assert about["rule"] == "all_deps" and about["proteins"] == about["deps"] == 40
    assert set(rows.index) == {f"A{i:03d}" for i in range(40)}
    assert rows.loc["A027", "A_vs_C"] == "up" and rows.loc["A027", "B_vs_C"] == "down"
    assert rows.loc["A000", "B_vs_C"] == "ns"


def test_many_deps_keep_the_smallest_adjusted_p():
    tables = {"A_vs_C": contrast_table(300, {i: "up" for i in range(100)}, 1)}
    rows, about = heatmap_proteins(tables, max_rows=60, min_rows=20)
    assert about["rule"] == "top_deps" and about["proteins"] == 60 and about["deps"] == 100
    assert list(rows.index) == [f"A{i:03d}" for i in range(60)]  # p rises with i


def test_few_deps_are_topped_up_with_the_next_proteins():
    table = contrast_table(50, {3: "up", 7: "down"}, 1)
    rows, about = heatmap_proteins({"A_vs_C": table}, max_rows=60, min_rows=20)
    assert about["rule"] == "deps_and_next"
    assert (about["proteins"], about["deps_shown"], about["non_deps_shown"]) == (20, 2, 18)
    assert list(rows.index[:2]) == ["A003", "A007"] and rows["dep"].sum() == 2
    rest = table[~table["significant"]].nsmallest(18, "adj.P.Val")["assay_id"]
    assert set(rows.index[2:]) == set(rest)


def test_no_deps_and_fewer_proteins_than_rows():
    rows, about = heatmap_proteins({"A_vs_C": contrast_table(5, {}, 1)}, min_rows=20)
    assert about["rule"] == "top_p" and about["proteins"] == 5 and not rows["dep"].any()


def test_labels_fall_back_to_assay_and_stay_unique():
    table = contrast_table(4, {0: "up", 1: "up", 2: "up"}, 1)
    table.loc[1, "gene_symbol"] = "G0"  # two assays of one gene
    table.loc[2, "gene_symbol"] = np.nan
    rows, _ = heatmap_proteins({"A_vs_C": table}, min_rows=1)
    assert rows.loc[["A000", "A001", "A002"], "label"].tolist() == [
        "G0 (A000)",
        "G0 (A001)",
        "A002",
    ]


def cohort(sizes: dict[str, int]) -> pd.DataFrame:
    groups = [g for g, n in sizes.items() for _ in range(n)]
    return pd.DataFrame({"sample_id": [f"S{i:05d}" for i in range(len(groups))], "group": groups})


def test_small_cohort_shows_every_sample_in_group_order():
    samples = cohort({"AD": 3, "HC": 4, "MDD": 2})
    shown, about = heatmap_samples(samples, groups=[], control_group="HC", max_samples=100)
    assert shown["group"].tolist() == ["HC"] * 4 + ["AD"] * 3 + ["MDD"] * 2
    assert not about["subsampled"] and about["samples"] == 9
    assert [g["group"] for g in about["groups"]] == ["HC", "AD", "MDD"]


def test_large_cohort_is_subsampled_per_group_with_the_seed():
    samples = cohort({"HC": 7000, "AD": 2500, "MDD": 300})
    shown, about = heatmap_samples(samples, groups=["HC", "AD", "MDD"], control_group="HC",
                                   max_samples=2000, seed=5)  # fmt: skip
    assert about["subsampled"] and about["per_group"] == 666
    assert [(g["shown"], g["total"]) for g in about["groups"]] == [
        (666, 7000), (666, 2500), (300, 300)
    ]  # fmt: skip
    assert shown["sample_id"].is_unique
    hc = shown.loc[shown["group"] == "HC", "sample_id"]
    assert hc.is_monotonic_increasing  # the sheet's order within a group
    again, _ = heatmap_samples(samples, groups=["HC", "AD", "MDD"], control_group="HC",
                               max_samples=2000, seed=5)  # fmt: skip
    other, _ = heatmap_samples(samples, groups=["HC", "AD", "MDD"], control_group="HC",
                               max_samples=2000, seed=6)  # fmt: skip
    assert again.equals(shown) and not other.equals(shown)


@pytest.mark.parametrize("n_samples", [40, 3000])
def test_draws_png_and_pdf(tmp_path, n_samples):
    rng = np.random.default_rng(0)
    samples = cohort({"HC": n_samples // 2, "AD": n_samples - n_samples // 2})
    tables = {"AD_vs_HC": contrast_table(30, {i: "up" for i in range(8)}, 1)}
    rows, chosen = heatmap_proteins(tables)
    matrix = pd.DataFrame(rng.normal(5, 1, (n_samples, 30)), columns=tables["AD_vs_HC"]["assay_id"])
    matrix.iloc[:, 3] = 2.0  # a constant protein has no z-score: drawn as missing, no error
    matrix.iloc[5, 4] = np.nan
    matrix.insert(0, "sample_id", samples["sample_id"])
    shown, drawn = heatmap_samples(samples, groups=[], control_group="HC", max_samples=2000)
    path = tmp_path / "dep_heatmap.png"
    dep_heatmap(matrix[["sample_id", *rows.index]], rows, shown, path, contrasts=["AD_vs_HC"],
                control_group="HC", groups=["HC", "AD"], about={**chosen, **drawn})  # fmt: skip
    assert path.stat().st_size > 10_000 and path.with_suffix(".pdf").stat().st_size > 5_000
