"""How often the reversal screen gets the planted answer, on cohorts of the demo's design.

Cohorts: ``simulate_demo(seed=1..N)`` (not the shipped demo's seed), reduced roughly as QC
would, without plate centring (``proteosig.simulate.evaluate.analysis_matrix``). For each,
the MDD_vs_HC and PSO_vs_HC signatures are fitted with the pipeline's model (``~ 0 + group
+ age + sex``) and every drug of a pipeline run's library is scored as rule
reversal_contrast does: the ranking score, the protein-label and sample-label nulls, BH
across drugs, a drug called when both FDRs are below 0.05. The drug signatures (observed,
mechanism and the empirical dupilumab signature of the bundled pre/post data) come from a
finished run's ``results/reversal/drug_signatures.tsv``, so run the pipeline first.

Counted per contrast and ``rank_by``: a type-2 blocker (dupilumab, tralokinumab,
lebrikizumab) first for MDD, an IL-17 / IL-23 / IL-12-23 blocker first for PSO, and
whether that first drug is called.

Run:  python benchmarks/reversal_power.py [--cohorts 25] [--results results]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

from proteosig.differential.run import ModelSettings, fit_model
from proteosig.differential.table import top_table
from proteosig.reversal.library import signatures_from_long
from proteosig.reversal.run import ReversalSettings, score_contrast
from proteosig.simulate import simulate_demo
from proteosig.simulate.evaluate import analysis_matrix

ROOT = Path(__file__).resolve().parents[1]
GROUPS = ["HC", "AD", "PSO", "MDD"]
FORMULA = "~ 0 + group + age + sex"
EXPECTED = {
    "MDD_vs_HC": {"dupilumab", "tralokinumab", "lebrikizumab"},
    "PSO_vs_HC": {"secukinumab", "ixekizumab", "brodalumab", "bimekizumab", "guselkumab",
                  "risankizumab", "tildrakizumab", "ustekinumab"},
}  # fmt: skip


def contrast_table(model, contrast: str) -> pd.DataFrame:
    table = top_table(model, contrast, sort_by=None).rename_axis("assay_id").reset_index()
    table["significant"] = (table["adj.P.Val"] < 0.05) & (table["logFC"].abs() > np.log2(1.5))
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cohorts", type=int, default=25)
    parser.add_argument("--permutations", type=int, default=500)
    parser.add_argument("--results", type=Path, default=ROOT / "results")
    args = parser.parse_args()
    library = args.results / "reversal"
    drugs = pd.read_csv(library / "drugs.tsv", sep="\t", keep_default_na=False)
    long = pd.read_csv(library / "drug_signatures.tsv", sep="\t", dtype={"assay_id": str})
    rows = []
    for seed in range(1, args.cohorts + 1):
        start = time.perf_counter()
        matrix, samples = analysis_matrix(simulate_demo(seed=seed))
        model = fit_model(
            matrix, samples, settings=ModelSettings(formula=FORMULA), group_levels=GROUPS,
            control_group="HC", covariates=["age", "sex"],
        )  # fmt: skip
        for contrast, expected in EXPECTED.items():
            table = contrast_table(model, contrast)
            weights = signatures_from_long(long, drugs["drug"].tolist(), list(table["assay_id"]))
            for rank_by in ("reversal_t", "correlation", "connectivity"):
                settings = ReversalSettings(
                    rank_by=rank_by, bootstrap=0, gene_permutations=args.permutations,
                    label_permutations=args.permutations,
                )  # fmt: skip
                scored = score_contrast(
                    table, weights, drugs, settings=settings, seed=seed, matrix=matrix,
                    samples=samples, groups=(contrast.split("_vs_")[0], "HC"),
                    group_levels=GROUPS, covariates=["age", "sex"], formula=FORMULA,
                )  # fmt: skip
                first = scored[scored["rank"] == 1]
                rows.append({
                    "seed": seed, "contrast": contrast, "rank_by": rank_by,
                    "first": ";".join(first["drug"]),
                    "expected_first": bool(set(first["drug"]) & expected),
                    "first_called": bool(first["significant"].any()),
                })  # fmt: skip
        print(f"cohort {seed}: {time.perf_counter() - start:.1f} s", flush=True)
    found = pd.DataFrame(rows)
    found["expected_first_and_called"] = found["expected_first"] & found["first_called"]
    summary = found.groupby(["contrast", "rank_by"])[
        ["expected_first", "first_called", "expected_first_and_called"]
    ].mean()
    print(f"\nshare of {args.cohorts} demo-design cohorts (expected first: type-2 blockers for "
          "MDD, IL-17/IL-23 blockers for PSO; called: both FDRs < 0.05):")  # fmt: skip
    print(summary.round(2).to_string())
    out = ROOT / "benchmarks" / "out" / "reversal_power.tsv"
    out.parent.mkdir(parents=True, exist_ok=True)
    found.to_csv(out, sep="\t", index=False)
    print(f"\nper cohort: {out}")


if __name__ == "__main__":
    main()
