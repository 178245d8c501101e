"""Gene sets on the measured proteome, over-representation and GSEA."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from proteosig.enrichment.genesets import assay_sets, filter_by_size, genes_of_assays, read_gmt
from proteosig.enrichment.gsea import prerank
from proteosig.enrichment.ora import over_representation
from proteosig.errors import InputError


def test_complex_assays_join_a_set_through_any_subunit():
    assays = pd.DataFrame(
        {
            "assay_id": ["A1", "A2", "A3"],
            "uniprot": ["P29459_P29460", "P05231", "P10145"],
            "gene_symbol": ["IL12A_IL12B", "IL6", "CXCL8"],
        }
    )
    gene_map = pd.DataFrame(
        {"uniprot_key": ["P29459_P29460"] * 2, "gene_symbol": ["IL12A", "IL12B"]}
    )
    genes_of = genes_of_assays(assays, gene_map)
    sets = assay_sets({"Th1_Th17_Th22": ["IL12B", "IL23A"], "inflam": ["IL6", "CXCL8", "TNF"]},
                      genes_of)  # fmt: skip
    assert sets == {"Th1_Th17_Th22": ["A1"], "inflam": ["A2", "A3"]}
    kept, dropped = filter_by_size(sets, min_size=2, max_size=None, collection="x")
    assert list(kept) == ["inflam"]
    assert dropped.loc[0, "reason"] == "fewer than 2 measured members"


def test_gmt_errors_name_the_line(tmp_path):
    path = tmp_path / "bad.gmt"
    path.write_text("SET1\tdesc\tIL6\tCXCL8\nSET2 IL6 CXCL8\n")
    with pytest.raises(InputError, match=r"line 2.*fewer than 3 tab-separated"):
        read_gmt(path)


def dep_table(n=100, hits=("a1", "a2", "a3", "a4", "a5")):
    ids = [f"a{i}" for i in range(n)]
    significant = [i in hits for i in ids]
    return pd.DataFrame(
        {
            "assay_id": ids,
            "gene_symbol": [f"G{i}" for i in range(n)],
            "P.Value": np.linspace(0.0001, 1, n),
            "t": np.linspace(5, -5, n),
            "significant": significant,
            "direction": np.where(significant, "up", "ns"),
        }
    )


def test_ora_equals_fisher_one_sided_on_the_measured_universe():
    table = dep_table()
    sets = {"S": ["a1", "a2", "a3", "a50", "a60", "a70", "not_measured"], "T": ["a80", "a81"]}
    result = over_representation(table, sets, collection="c").set_index("set")
    # 2x2 table: in set & DEP = 3, in set & not DEP = 3, other DEPs = 2, others = 92
    _, fisher_p = stats.fisher_exact([[3, 3], [2, 92]], alternative="greater")
    assert result.loc["S", "p_value"] == pytest.approx(fisher_p, rel=1e-10)
    assert result.loc["S", "set_size"] == 6  # 'not_measured' is outside the universe
    assert result.loc["S", "universe"] == 100 and result.loc["S", "overlap_genes"] == "G1;G2;G3"
    assert result.loc["T", "p_value"] == 1.0
    assert result.loc["S", "adj_p_value"] == pytest.approx(min(1, fisher_p * 2))


def test_gsea_finds_a_planted_top_set_and_is_reproducible():
    table = dep_table(n=200)
    sets = {
        "top": [f"a{i}" for i in range(0, 20, 2)],
        "random": [f"a{i}" for i in range(5, 200, 20)],
    }
    first = prerank(
        table, sets, collection="c", permutations=200, seed=3, min_size=3, max_size=None
    )
    again = prerank(
        table, sets, collection="c", permutations=200, seed=3, min_size=3, max_size=None
    )
    pd.testing.assert_frame_equal(first, again)
    top = first.set_index("set").loc["top"]
    assert top["NES"] > 1.5 and top["p_value"] < 0.01
    assert first.set_index("set").loc["random", "p_value"] > 0.05


def test_demo_axis_scores_follow_the_planted_biology(demo_qc):
    """Th2 up in AD and MDD (not PSO), Th17 up in PSO, vascular up in MDD, on the demo."""
    from proteosig.differential.run import CallSettings, ModelSettings, contrast_table, fit_model
    from proteosig.enrichment.run import build_sets, score_annotation, score_table
    from tests.helpers import REPO

    config, qc = demo_qc
    samples = config["samples"]
    enrichment = config["enrichment"]
    sets, _ = build_sets(
        {"immune_axes": REPO / enrichment["collections"]["immune_axes"]},
        qc.assays,
        pd.read_csv(REPO / enrichment["assay_gene_map"], sep="\t", dtype=str),
        min_size=3,
        max_size=500,
    )
    scores = score_table(qc.matrix, sets, ["immune_axes"], method="gsva", kcdf="Gaussian")
    moderated = fit_model(
        scores,
        qc.samples,
        settings=ModelSettings(formula="~ 0 + group + age + sex"),
        group_levels=samples["groups"],
        control_group="HC",
        covariates=samples["covariates"],
    )
    annotation = score_annotation(scores, sets)
    calls = CallSettings(fc_threshold=1.0)  # scores are not log2 abundances: FDR alone
    table = {
        c: contrast_table(moderated, c, annotation, settings=calls).set_index("assay_id")
        for c in moderated.coef_names
    }
    th2, th17 = "immune_axes:Th2", "immune_axes:Th17"
    vascular = "immune_axes:Vascular_endothelial"

    def up(contrast, axis):
        row = table[contrast].loc[axis]
        return row["adj.P.Val"] < 0.05 and row["t"] > 0

    # issue 4's demo check: Th2 up in AD and MDD, not in PSO; Th17 up in PSO
    assert up("AD_vs_HC", th2) and up("MDD_vs_HC", th2)
    assert table["PSO_vs_HC"].loc[th2, "adj.P.Val"] > 0.05
    assert up("PSO_vs_HC", th17) and not up("AD_vs_HC", th17)
    assert up("MDD_vs_HC", vascular)
