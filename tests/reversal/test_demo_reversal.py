"""Issue 6's demo checks, and the ranking on a cohort planted the other way round."""

from __future__ import annotations

import csv

import pandas as pd

from proteosig.differential.run import CallSettings, ModelSettings, contrast_table, fit_model
from proteosig.reversal.library import drug_signatures, read_library
from proteosig.reversal.run import ReversalSettings, score_contrast
from tests.helpers import REPO

GROUPS = ["HC", "AD", "PSO", "MDD"]
IL4_IL13 = {"dupilumab", "tralokinumab", "lebrikizumab"}
IL17_IL23 = {"secukinumab", "ixekizumab", "brodalumab", "bimekizumab", "ustekinumab",
             "guselkumab", "risankizumab", "tildrakizumab"}  # fmt: skip


def _rankings(qc, contrasts):
    from proteosig.enrichment.run import build_sets
    from proteosig.io.panels import read_symbol_table
    from proteosig.reversal.empirical import EmpiricalSpec, empirical_table, weights_by_symbol

    sets, _ = build_sets(
        {"immune_axes": REPO / "resources" / "genesets" / "immune_axes.gmt"},
        qc.assays,
        pd.read_csv(REPO / "resources" / "genesets" / "assay_gene_map.tsv", sep="\t", dtype=str),
        min_size=3,
        max_size=500,
    )
    prepost = REPO / "resources" / "demo" / "dupilumab_prepost"
    empirical = empirical_table(
        EmpiricalSpec("dupilumab", (str(prepost / "npx.csv"),), str(prepost / "samples.tsv"),
                      "W0", "W16"),
        read_symbol_table(REPO / "resources" / "panels" / "uniprot_gene_symbols.tsv"),
    )  # fmt: skip
    weights, info = drug_signatures(
        read_library(REPO / "resources" / "drugs"), qc.assays, sets["immune_axes"],
        priority=["empirical", "observed", "mechanism"], tissues=["serum", "plasma"],
        min_size=3, empirical={"dupilumab": weights_by_symbol(empirical, qc.assays)},
    )  # fmt: skip
    moderated = fit_model(
        qc.matrix,
        qc.samples,
        settings=ModelSettings(formula="~ 0 + group + age + sex"),
        group_levels=GROUPS,
        control_group="HC",
        covariates=["age", "sex"],
    )
    out = {}
    for contrast in contrasts:
        table = contrast_table(moderated, contrast, qc.assays, settings=CallSettings())
        out[contrast] = score_contrast(
            table, weights[list(qc.matrix.columns)], info, seed=1,
            matrix=qc.matrix, samples=qc.samples, groups=(contrast.split("_vs_")[0], "HC"),
            group_levels=GROUPS, covariates=["age", "sex"],
            settings=ReversalSettings(gene_permutations=499, label_permutations=199, bootstrap=0),
        )  # fmt: skip
    return out


def _top(table):
    return set(table.loc[table["rank"] == 1, "drug"])


def test_demo_rankings(demo_qc):
    _, qc = demo_qc
    ranked = _rankings(qc, ["MDD_vs_HC", "AD_vs_HC", "PSO_vs_HC"])
    # MDD as a whole: the IL-13 blockers first (tied with the drugs that share their
    # mechanism signature) and called on both nulls; close to the line on this draw
    # (protein-null FDR 0.046 here, 0.039 with the pipeline's 1000 permutations)
    mdd = ranked["MDD_vs_HC"]
    assert _top(mdd) & IL4_IL13
    assert mdd.loc[mdd["rank"] == 1, "significant"].all()
    assert _top(ranked["AD_vs_HC"]) & (IL4_IL13 | {"abrocitinib", "upadacitinib"})
    assert _top(ranked["PSO_vs_HC"]) & IL17_IL23
    top_pso = ranked["PSO_vs_HC"].set_index("drug").loc["ustekinumab"]
    assert top_pso["significant"]


def test_ranking_follows_the_data_on_a_cohort_planted_otherwise(tmp_path):
    """MDD's subset planted like psoriasis (and no group-wide IL-13): the Th2 drugs must
    lose the top of the MDD ranking."""
    from proteosig.simulate import write_demo
    from proteosig.simulate.demo import default_effects_table
    from tests.similarity.test_demo_similarity import _ingest_and_qc

    effects = pd.read_csv(default_effects_table(), sep="\t", dtype=str, keep_default_na=False)
    subset = effects[effects["group"] == "PSO"].assign(group="MDD_TH2")
    core = effects[(effects["group"] == "MDD") & (effects["gene_symbol"] != "IL13")]
    swapped = pd.concat([effects[effects["group"].isin(["AD", "PSO"])], core, subset])
    path = tmp_path / "effects.tsv"
    swapped.to_csv(path, sep="\t", index=False, quoting=csv.QUOTE_NONE)
    write_demo(tmp_path / "demo", effects_table=path)
    ranked = _rankings(_ingest_and_qc(tmp_path / "demo"), ["MDD_vs_HC"])["MDD_vs_HC"]
    assert not _top(ranked) & IL4_IL13
    by_drug = ranked.set_index("drug")
    for th2 in IL4_IL13:
        assert by_drug.loc["ustekinumab", "rank"] < by_drug.loc[th2, "rank"]
