"""Power and size of the signature-similarity test, per metric.

Power: cohorts simulated with the demo's design (``proteosig.simulate.simulate_demo``: 25
MDD, 30 AD, 21 PSO, 32 HC; half of MDD carries the AD effects), one per seed, seeds 1..N,
so not the shipped demo's seed. Each cohort is reduced roughly as QC would, without plate
centring (the planted gross outlier and QC-warning samples out, assays below LOD in more
than 75 % of samples out) and the MDD-AD and MDD-PSO pairs are tested as the pipeline
does: the shared-control permutation null in both directions, combined by the metric's
rule (``pair_p_value``: Bonferroni over the directions for the directional
``transfer_t``, the larger p for the symmetric metrics). MDD-AD share planted biology;
MDD-PSO share what the AD-like subset has in common with psoriasis (CCL20, PI3, CXCL9,
CXCL10 and IFNG are planted in both), at half strength in half of MDD.

Size: ``null_calibration`` (3 groups of 15, 200 proteins, 199 permutations) on cohorts
where every rejection is false: no disease effect; disjoint effects in the two case
groups (10 % of proteins each); the same with one group shifted by 0.3 NPX on every
protein, proteins with unequal SDs (log-SD 0.5) and the other group's effects all
upwards; independent effects (20 % of proteins each, drawn separately with random signs,
so they overlap by chance; 30 samples per group); both case groups 10 years older than
the controls (age moves every protein a little); proteins in correlated modules of 10
(r 0.6), each group moving a fifth of the modules with random signs. Reported for case_a's
direction (one ``signature_similarity`` call; for ``transfer_t`` also its label and
protein nulls alone) and per pair. Last, the label null alone in the age scenario,
Freedman-Lane (the stage's) against relabelling the samples.

Run:  python benchmarks/similarity_power.py [--cohorts 25] [--null-cohorts 150]
Prints the rejection rates at alpha 0.05 and writes benchmarks/out/similarity_power.tsv.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from proteosig.similarity.signatures import (
    Refitter,
    metric_of_refits,
    null_calibration,
    pair_p_value,
    signature_similarity,
    similarity_metrics,
    simulate_cohort,
)
from proteosig.simulate import simulate_demo
from proteosig.simulate.evaluate import analysis_matrix

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out" / "similarity_power.tsv"
METRICS = ("transfer_t", "top_concordance_t", "spearman_t", "pearson_logfc")
SIZE_METRICS = ("transfer_t", "top_concordance_t")
SIZE_SCENARIOS = {
    "no effects": {},
    "disjoint effects": {"distinct_effects": True},
    "disjoint + shift, unequal SDs": {"distinct_effects": True, "shift_a": 0.3,
                                      "sd_spread": 0.5},
    "independent effects (n 30)": {"independent_effects": 0.2, "n_per_group": 30},
    "cases 10 years older": {"age_gap": 10.0},
    "correlated modules moved independently": {"module_r": 0.6, "module_effects": 0.2},
}  # fmt: skip
ALPHA = 0.05


def pair_p(matrix, samples, a: str, b: str, metric: str, seed: int, permutations: int) -> float:
    """The pipeline's p for a pair: both directions against the shared-control null."""
    p_a, p_b = (
        signature_similarity(
            matrix, samples, case_a=first, case_b=second, control="HC",
            covariates=["age", "sex"], n_permutations=permutations, n_bootstrap=0, seed=seed,
            metric=metric,
        )["p_value"]
        for first, second in ((a, b), (b, a))
    )  # fmt: skip
    return pair_p_value(metric, p_a, p_b)[1]


def power(n_cohorts: int, permutations: int) -> pd.DataFrame:
    rows = []
    for seed in range(1, n_cohorts + 1):
        start = time.perf_counter()
        matrix, samples = analysis_matrix(simulate_demo(seed=seed))
        for other in ("AD", "PSO"):
            for metric in METRICS:
                p = pair_p(matrix, samples, "MDD", other, metric, seed, permutations)
                rows.append({"seed": seed, "pair": f"MDD-{other}", "metric": metric, "p": p})
        print(f"cohort {seed}: {time.perf_counter() - start:.1f} s", flush=True)
    return pd.DataFrame(rows)


def size(n_cohorts: int) -> pd.DataFrame:
    rows = []
    for metric in SIZE_METRICS:
        for scenario, options in SIZE_SCENARIOS.items():
            settings = {"n_per_group": 15, **options}
            result = null_calibration(
                n_cohorts, metric=metric, seed=11, n_proteins=200, n_permutations=199,
                both_directions=True, **settings,
            )  # fmt: skip
            rows.append({
                "metric": metric,
                "cohorts": scenario,
                "direction": result["fpr"],
                "ci_low": result["fpr_ci"][0],
                "ci_high": result["fpr_ci"][1],
                "label_null_alone": float((result["label_p_values"] < ALPHA).mean()),
                "protein_null_alone": float((result["protein_p_values"] < ALPHA).mean()),
                "pair": result["pair_fpr"],
                "n": n_cohorts,
            })  # fmt: skip
            print(rows[-1], flush=True)
    return pd.DataFrame(rows)


def label_null_schemes(n_cohorts: int, n_permutations: int = 199) -> pd.DataFrame:
    """Case_a's label null alone on the "cases 10 years older" cohorts, two ways: the
    stage's Freedman-Lane permutation (residuals move, the design stays) and relabelling
    the samples (each takes its age along), from the same permutations."""
    rng = np.random.default_rng(13)
    pairs = [(1, 0), (2, 0)]
    metrics = ("transfer_t", "top_concordance_t", "pearson_t")
    p = {(scheme, m): [] for scheme in ("freedman_lane", "relabel") for m in metrics}
    for _ in range(n_cohorts):
        matrix, samples = simulate_cohort(rng, n_per_group=15, n_proteins=200, age_gap=10.0)
        model = Refitter(matrix, samples, ["HC", "A", "B"], "~ 0 + group + age")
        logfc, t = model.signatures(model.codes, pairs)
        observed = similarity_metrics(logfc[:, 0], logfc[:, 1], t[:, 0], t[:, 1])
        pool = np.flatnonzero(np.isin(model.codes, (1, 0)))
        targets = np.array([rng.permutation(pool) for _ in range(n_permutations)])
        relabelled = np.tile(model.codes, (n_permutations, 1))
        relabelled[:, pool] = model.codes[targets]
        refits = {
            "freedman_lane": list(model.freedman_lane(targets, pool, pairs)),
            "relabel": list(model.fit_many(relabelled, pairs)),
        }
        for (scheme, metric), values in p.items():
            null = metric_of_refits(iter(refits[scheme]), n_permutations, metric)
            values.append((1 + np.sum(null >= observed[metric])) / (1 + n_permutations))
    rows = [
        {"label_null": scheme, "metric": metric, "fpr": float(np.mean(np.array(v) < ALPHA)),
         "mean_p": float(np.mean(v)), "n": n_cohorts}
        for (scheme, metric), v in p.items()
    ]  # fmt: skip
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cohorts", type=int, default=25)
    parser.add_argument("--permutations", type=int, default=499)
    parser.add_argument("--null-cohorts", type=int, default=150)
    args = parser.parse_args()
    found = power(args.cohorts, args.permutations)
    table = (
        found.assign(rejected=found["p"] < ALPHA)
        .groupby(["pair", "metric"])
        .agg(power=("rejected", "mean"), median_p=("p", "median"), cohorts=("p", "size"))
        .reset_index()
    )
    print(f"\nrejections at alpha {ALPHA} on demo-design cohorts (seeds 1..{args.cohorts}):")
    print(table.to_string(index=False))
    calibration = size(args.null_cohorts)
    print(f"\nfalse-positive rate at alpha {ALPHA} (direction: 95 % binomial interval):")
    print(calibration.to_string(index=False))
    schemes = label_null_schemes(args.null_cohorts)
    print(f"\nlabel null alone, cases 10 years older, {args.null_cohorts} cohorts:")
    print(schemes.to_string(index=False))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    found.to_csv(OUT, sep="\t", index=False)
    print(f"\nper-cohort p-values: {OUT}")


if __name__ == "__main__":
    main()
