"""Issue 5's demo checks, and the same run on a cohort planted the other way round.

The method must follow the data, not the demo: when MDD's subset is planted to resemble
psoriasis instead of AD, the same code must say MDD resembles PSO.
"""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
from scipy import stats

from proteosig.differential.run import ModelSettings, fit_model
from proteosig.differential.table import top_table
from proteosig.similarity.patients import call_carriers, carriage_tests, signature_scores
from proteosig.similarity.run import SimilaritySettings, similarity_table
from proteosig.similarity.signatures import similarity_metrics

GROUPS = ["HC", "AD", "PSO", "MDD"]


def _auc(truth, score) -> float:
    truth = np.asarray(truth, bool)
    score = np.asarray(score, float)
    u = stats.mannwhitneyu(score[truth], score[~truth]).statistic
    return float(u / (truth.sum() * (~truth).sum()))


def _similarity_and_scores(matrix, samples):
    moderated = fit_model(
        matrix,
        samples,
        settings=ModelSettings(formula="~ 0 + group + age + sex"),
        group_levels=GROUPS,
        control_group="HC",
        covariates=["age", "sex"],
    )
    t = {g: top_table(moderated, f"{g}_vs_HC", sort_by=None) for g in ("AD", "PSO", "MDD")}

    def similarity(a, b, metric="spearman_t"):
        return similarity_metrics(t[a]["logFC"], t[b]["logFC"], t[a]["t"], t[b]["t"])[metric]

    scores = signature_scores(
        matrix,
        samples,
        groups=["AD", "PSO"],
        group_levels=GROUPS,
        control_group="HC",
        covariates=["age", "sex"],
    )
    return similarity, scores.set_index("sample_id")


def _pair_tests(matrix, samples) -> pd.DataFrame:
    """The stage's pair test with its defaults (transfer_t, Bonferroni over directions),
    one row per pair, indexed by the pair's groups."""
    table = similarity_table(
        matrix, samples, groups=["AD", "PSO", "MDD"], control="HC", covariates=["age", "sex"],
        formula=None, seed=20260521,
        settings=SimilaritySettings(permutations=999, bootstrap=0, control_splits=0),
    )  # fmt: skip
    pairs = table["signature_a"].str.removesuffix("_vs_HC") + "-"
    return table.set_index(pairs + table["signature_b"].str.removesuffix("_vs_HC"))


def _ingest_and_qc(directory):
    import yaml

    from proteosig.ingest import ingest, resolve_control_pattern
    from proteosig.io.panels import read_symbol_table
    from proteosig.qc import QCSettings, run_qc
    from tests.helpers import REPO

    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    samples = config["samples"]
    result = ingest(
        sorted((directory / "npx").glob("*.csv")),
        directory / "samples.tsv",
        read_symbol_table(REPO / config["inputs"]["symbol_table"]),
        control_group="HC",
        groups=samples["groups"],
        covariates=samples["covariates"],
        control_sample_pattern=resolve_control_pattern(samples["control_sample_pattern"]),
    )
    return run_qc(result.long, result.samples, QCSettings(**config["qc"]))


def test_demo_mdd_resembles_ad_and_its_ad_like_subset_is_recovered(demo_qc):
    from tests.helpers import REPO

    _, qc = demo_qc
    similarity, scores = _similarity_and_scores(qc.matrix, qc.samples)
    assert similarity("MDD", "AD") > similarity("MDD", "PSO") + 0.1
    top = "top_concordance_t"
    assert similarity("MDD", "AD", top) > 2 * similarity("MDD", "PSO", top)
    # MDD follows AD's top proteins more than PSO's, and beyond the shared-control null
    # (label p 0.002); its protein null gives 0.11 on this draw, so the pair's test does
    # not reach 0.05 here (README: 80 % of cohorts of this design do)
    pairs = _pair_tests(qc.matrix, qc.samples)
    assert pairs.loc["AD-MDD", "transfer_t_b"] > pairs.loc["PSO-MDD", "transfer_t_b"]
    assert pairs.loc["AD-MDD", "transfer_halved_b"] > pairs.loc["PSO-MDD", "transfer_halved_b"]
    assert pairs.loc["AD-MDD", "p_permute_b"] < 0.01
    assert pairs.loc["AD-MDD", "p_direction_b"] < pairs.loc["AD-MDD", "p_direction_a"]
    assert pairs.loc["PSO-MDD", "p_value"] > 0.2
    truth = pd.read_csv(REPO / "resources" / "demo" / "truth_samples.tsv", sep="\t")
    truth = truth.set_index("sample_id")["th2_high_subset"]
    mdd = scores[scores["group"] == "MDD"]
    assert _auc(truth.loc[mdd.index], mdd["score_AD_vs_HC"]) >= 0.9
    flagged, fractions = call_carriers(scores.reset_index(), control_group="HC")
    share = fractions.set_index(["signature", "group"])["fraction"]
    assert share["AD_vs_HC", "HC"] <= 0.1
    carriage = carriage_tests(scores.reset_index(), control_group="HC")
    carriage = carriage.set_index(["group", "signature"])
    assert carriage.loc[("MDD", "AD_vs_HC"), "p_value"] < 0.05
    assert carriage.loc[("MDD", "PSO_vs_HC"), "p_value"] > 0.05


def test_cohort_planted_the_other_way_says_so(tmp_path):
    """Swap the AD and PSO effect sets between the two groups: MDD's subset now shares the
    profile of the group labelled PSO (21 samples, not 30). The same code must follow."""
    from proteosig.similarity.patients import carriage_tests
    from proteosig.simulate import write_demo
    from proteosig.simulate.demo import default_effects_table

    effects = pd.read_csv(default_effects_table(), sep="\t", dtype=str, keep_default_na=False)
    effects["group"] = effects["group"].replace({"AD": "PSO", "PSO": "AD"})
    table = tmp_path / "effects.tsv"
    effects.to_csv(table, sep="\t", index=False, quoting=csv.QUOTE_NONE)
    write_demo(tmp_path / "demo", effects_table=table)
    qc = _ingest_and_qc(tmp_path / "demo")
    similarity, scores = _similarity_and_scores(qc.matrix, qc.samples)
    top = "top_concordance_t"
    assert similarity("MDD", "PSO", top) > similarity("MDD", "AD", top)
    pairs = _pair_tests(qc.matrix, qc.samples)
    assert pairs.loc["PSO-MDD", "transfer_t_b"] > pairs.loc["AD-MDD", "transfer_t_b"]
    assert pairs.loc["PSO-MDD", "p_value"] < 0.05
    assert pairs.loc["AD-MDD", "p_value"] > 0.05
    truth = pd.read_csv(tmp_path / "demo" / "truth_samples.tsv", sep="\t")
    truth = truth.set_index("sample_id")["th2_high_subset"]  # here: the PSO-like subset
    mdd = scores[scores["group"] == "MDD"]
    assert _auc(truth.loc[mdd.index], mdd["score_PSO_vs_HC"]) >= 0.9
    carriage = carriage_tests(scores.reset_index(), control_group="HC")
    carriage = carriage.set_index(["group", "signature"])
    assert carriage.loc[("MDD", "PSO_vs_HC"), "p_value"] < 0.05
    assert carriage.loc[("MDD", "AD_vs_HC"), "p_value"] > 0.05
