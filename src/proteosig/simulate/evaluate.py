"""Score a run of the pipeline on a simulated cohort against its planted ground truth."""

from __future__ import annotations

import numpy as np
import pandas as pd


def differential_recovery(
    tables: dict[str, pd.DataFrame],
    truth_effects: pd.DataFrame,
    *,
    control: str = "HC",
    fc_threshold: float = 1.5,
) -> pd.DataFrame:
    """Sensitivity and false-discovery proportion of the DEP calls, per contrast.

    A planted effect counts as *detectable* when its expected measured log2 fold change
    exceeds the fold-change threshold (effects on assays mostly below LOD shrink, see
    ``truth_effects.tsv``). Sensitivity is over detectable planted effects; the false
    discovery proportion is the share of called DEPs with no planted effect at all.
    """
    rows = []
    for contrast, table in tables.items():
        disease = contrast.removesuffix(f"_vs_{control}")
        planted = truth_effects[truth_effects["contrast"] == disease]
        if planted.empty:
            continue
        planted_ids = set(planted["olink_id"])
        in_table = planted[planted["olink_id"].isin(set(table["assay_id"]))]
        detectable = set(
            in_table.loc[
                in_table["log2fc_expected_measured"].abs() > np.log2(fc_threshold), "olink_id"
            ]
        )
        called = set(table.loc[table["significant"].astype(bool), "assay_id"])
        rows.append(
            {
                "contrast": contrast,
                "planted": len(planted_ids),
                "planted_after_qc": len(in_table),
                "detectable": len(detectable),
                "called": len(called),
                "true_calls": len(called & planted_ids),
                "sensitivity_detectable": len(called & detectable) / len(detectable)
                if detectable
                else np.nan,
                "sensitivity_all": len(called & planted_ids) / len(planted_ids),
                "false_discovery_proportion": len(called - planted_ids) / len(called)
                if called
                else 0.0,
            }
        )
    return pd.DataFrame(rows)


def analysis_matrix(cohort, *, max_below_lod: float = 0.75) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Samples x assays of a simulated cohort's study samples, roughly as QC leaves them,
    without running the pipeline: the planted gross outlier and the samples with a planted
    QC warning out, assays below LOD in more than ``max_below_lod`` of all samples out.
    Unlike QC it does not centre plates, apply the outlier rules, keep one assay per
    protein or apply the LOD rule per group. Returns (matrix, sample table). For
    benchmarks over many cohorts."""
    long = cohort.npx_long[cohort.npx_long["SampleType"] == "SAMPLE"]
    npx = long.pivot(index="SampleID", columns="OlinkID", values="NPX")
    lod = long.pivot(index="SampleID", columns="OlinkID", values="LOD")
    truth = cohort.truth_samples.set_index("sample_id")
    flagged = truth["gross_outlier"].astype(bool) | truth["planted_qc_warning"].fillna("").ne("")
    npx = npx.drop(index=truth.index[flagged], errors="ignore")
    npx = npx.loc[:, (npx < lod.loc[npx.index]).mean() <= max_below_lod]
    samples = cohort.samples[cohort.samples["sample_id"].isin(npx.index)]
    return npx, samples
