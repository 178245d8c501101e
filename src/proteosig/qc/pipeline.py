"""The QC stage in its documented order, from the ingested long table to the analysis matrix.

Order: (1) vendor QC warnings, (2) Olink IQR/median outliers per panel, (3) sample
missingness, (4) PCA outliers among the remaining samples, then on the kept samples
(5) assay detectability (LOD) and missingness, (6) one assay per protein, (7) the
below-LOD policy, (8) plate median centring. Every decision is written with its reason.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from proteosig.errors import InputError
from proteosig.qc.assays import (
    below_lod_fractions,
    choose_among_duplicates,
    fails_lod_filter,
    flag_fraction,
    replace_below_lod,
)
from proteosig.qc.matrix import qc_tables
from proteosig.qc.plates import (
    median_centre_plates,
    plate_group_balance,
    plate_variance_explained,
)
from proteosig.qc.samples import (
    iqr_median_outliers,
    missing_fraction,
    pca_outliers,
    principal_components,
)


@dataclass(frozen=True)
class QCSettings:
    """QC thresholds; the config's ``qc:`` section maps one-to-one onto these fields."""

    drop_qc_warning: bool = True
    iqr_outlier_sd: float | None = 3.0
    median_outlier_sd: float | None = 3.0
    pca_outlier_sd: float | None = 4.0
    max_sample_missing: float = 0.2
    max_below_lod: float = 0.75
    lod_rule: str = "all_groups"
    max_assay_missing: float = 0.2
    max_assay_warning: float = 0.5
    below_lod: str = "keep"
    plate_normalisation: str = "median"
    duplicate_proteins: str = "keep_best"


@dataclass
class QCResult:
    matrix: pd.DataFrame  # kept samples x kept assays, after below-LOD policy and plate centring
    samples: pd.DataFrame  # kept samples (sample table rows)
    assays: pd.DataFrame  # kept assays (annotation)
    sample_qc: pd.DataFrame  # every sample with its flags, kept and reason
    sample_panel_qc: pd.DataFrame  # sample x panel: IQR, median, outlier flags, QC warning
    assay_qc: pd.DataFrame  # every assay with its flags, kept and reason
    pca_scores: pd.DataFrame  # final matrix PCA (kept samples)
    pca_explained: np.ndarray
    plate_adjustments: pd.DataFrame  # plate, assay_id, shift subtracted (empty when none)
    summary: dict = field(default_factory=dict)


def _join_reasons(reasons: dict[str, list[str]], index) -> pd.Series:
    return pd.Series({i: "; ".join(reasons.get(i, [])) for i in index}, dtype="string")


def run_qc(
    long: pd.DataFrame | str | Path, samples: pd.DataFrame, settings: QCSettings
) -> QCResult:
    """Run the QC steps in order. ``long`` is ingest's long table, or the path of
    ``npx_long.parquet``, which is then read one column at a time."""
    samples = samples.set_index("sample_id", drop=False).rename_axis(None)
    tables = qc_tables(long, with_lod=settings.below_lod != "keep")
    matrix = tables.npx
    assays = tables.assays
    panel_of = assays["panel"].fillna("NA")
    samples = samples.loc[matrix.index]
    n_samples_in, n_assays_in = matrix.shape

    # 1-3: per-sample rules that do not depend on other samples' fate
    reasons: dict[str, list[str]] = {}
    panel_qc = iqr_median_outliers(
        matrix,
        panel_of,
        iqr_sd=settings.iqr_outlier_sd if settings.iqr_outlier_sd is not None else np.inf,
        median_sd=settings.median_outlier_sd if settings.median_outlier_sd is not None else np.inf,
    )
    warn = tables.qc_warning
    rows = warn.index.get_indexer(panel_qc["sample_id"])
    cols = warn.columns.get_indexer(panel_qc["panel"])
    found = (rows >= 0) & (cols >= 0)
    flags = np.zeros(len(panel_qc), dtype=bool)
    flags[found] = warn.to_numpy()[rows[found], cols[found]]
    panel_qc["qc_warning"] = flags
    flagged = panel_qc["iqr_outlier"] | panel_qc["median_outlier"]
    if settings.drop_qc_warning:
        flagged |= panel_qc["qc_warning"]
    for row in panel_qc.loc[flagged].itertuples(index=False):
        if row.qc_warning and settings.drop_qc_warning:
            reasons.setdefault(row.sample_id, []).append(f"vendor QC warning on {row.panel}")
        if row.iqr_outlier or row.median_outlier:
            kind = "IQR" if row.iqr_outlier else "median"
            if row.iqr_outlier and row.median_outlier:
                kind = "IQR and median"
            reasons.setdefault(row.sample_id, []).append(f"{kind} outlier on {row.panel}")
    sample_missing = missing_fraction(matrix, axis=1)
    for sample in sample_missing.index[sample_missing > settings.max_sample_missing]:
        reasons.setdefault(sample, []).append(f"{sample_missing[sample]:.0%} of NPX values missing")

    # 4: PCA outliers among the samples that survived 1-3
    survivors = ~matrix.index.isin(list(reasons))
    pre_scores, _ = principal_components(matrix, n_components=2, rows=survivors)
    pca_flag = pd.Series(False, index=matrix.index)
    if settings.pca_outlier_sd is not None and survivors.sum() > 3:
        flagged = pca_outliers(pre_scores, n_sd=settings.pca_outlier_sd)
        pca_flag.loc[flagged.index] = flagged
        for sample in flagged.index[flagged.to_numpy()]:
            reasons.setdefault(sample, []).append(
                f"PCA outlier (> {settings.pca_outlier_sd:g} SD on PC1/PC2)"
            )
    kept = ~matrix.index.isin(list(reasons))
    kept_samples = matrix.index[kept]
    check_groups_after_qc(samples.loc[kept_samples, "group"], samples["group"])

    sample_qc = pd.DataFrame(
        {
            "sample_id": matrix.index,
            "group": samples["group"].to_numpy(),
            "plate": samples["plate"].to_numpy(),
            "qc_warning_panels": _panels_where(panel_qc, "qc_warning", matrix.index),
            "iqr_outlier_panels": _panels_where(panel_qc, "iqr_outlier", matrix.index),
            "median_outlier_panels": _panels_where(panel_qc, "median_outlier", matrix.index),
            "pca_pc1": pre_scores["PC1"].reindex(matrix.index).to_numpy(),
            "pca_pc2": pre_scores["PC2"].reindex(matrix.index).to_numpy(),
            "pca_outlier": pca_flag.to_numpy(),
            "missing_fraction": sample_missing.to_numpy(),
            "kept": kept,
            "reason": _join_reasons(reasons, matrix.index).to_numpy(),
        }
    )

    # 5-6: assay rules on the kept samples
    kept_group = samples.loc[kept_samples, "group"]
    lod_fractions = below_lod_fractions(
        pd.DataFrame(tables.below[kept], index=kept_samples, columns=matrix.columns),
        kept_group,
    )
    assay_missing = pd.Series(np.isnan(matrix.to_numpy())[kept].mean(axis=0), index=matrix.columns)
    lod_fail = fails_lod_filter(
        lod_fractions, max_fraction=settings.max_below_lod, rule=settings.lod_rule
    )
    assay_reasons: dict[str, list[str]] = {}
    for assay in lod_fail.index[lod_fail.to_numpy()]:
        where = "every group" if settings.lod_rule == "all_groups" else "all samples"
        assay_reasons.setdefault(assay, []).append(
            f"below LOD in > {settings.max_below_lod:.0%} of samples in {where}"
        )
    for assay in assay_missing.index[assay_missing > settings.max_assay_missing]:
        assay_reasons.setdefault(assay, []).append(
            f"{assay_missing[assay]:.0%} of NPX values missing"
        )
    # Olink flags an assay per plate (Explore AssayQC / Assay_Warning): an assay warned
    # for most samples is not trusted.
    warned_fraction = flag_fraction(
        pd.DataFrame(tables.warned[kept], index=kept_samples, columns=matrix.columns)
    ).fillna(0.0)
    del tables.below, tables.warned
    for assay in warned_fraction.index[warned_fraction > settings.max_assay_warning]:
        assay_reasons.setdefault(assay, []).append(
            f"vendor assay warning for {warned_fraction[assay]:.0%} of samples"
        )
    passing = assays.loc[[a for a in assays.index if a not in assay_reasons]]
    kept_copy = choose_among_duplicates(
        passing, below_lod=lod_fractions["overall"], missing=assay_missing
    )
    duplicate_of = pd.Series(pd.NA, index=assays.index, dtype="string")
    if settings.duplicate_proteins == "keep_best":
        dropped = kept_copy.index[kept_copy.to_numpy() != kept_copy.index.to_numpy()]
        for assay in dropped:
            duplicate_of[assay] = kept_copy[assay]
            assay_reasons.setdefault(assay, []).append(
                f"same protein as {kept_copy[assay]}, which is detected more often"
            )
    kept_assays = [a for a in assays.index if a not in assay_reasons]
    if not kept_assays:
        raise InputError(
            "QC",
            "no assay passed QC",
            where="qc: max_below_lod / max_assay_missing",
            fix="relax the assay thresholds or check the LOD values in the NPX files",
        )

    # 7-8: values of the analysis matrix
    layout = tables.plates.loc[kept_samples]
    # the layout of kept samples only: dropped samples have no plate, so are skipped
    r2_before = plate_variance_explained(matrix, layout, panel_of)
    assay_at = matrix.columns.get_indexer(kept_assays)
    # per-assay (Fortran) layout, as in the matrix: see Layout.scatter
    values = matrix.to_numpy().T[np.ix_(assay_at, kept)].T
    del matrix, tables.npx  # the full matrix is not needed past here
    clean = pd.DataFrame(
        values,
        index=kept_samples,
        columns=pd.Index(kept_assays, name="assay_id", dtype=str),
        copy=False,
    )
    if settings.below_lod != "keep":
        clean = replace_below_lod(
            clean, tables.lod.loc[kept_samples, kept_assays], how=settings.below_lod
        )
        values = clean.to_numpy(copy=True)
        clean = pd.DataFrame(values, index=clean.index, columns=clean.columns, copy=False)
    adjustments = pd.DataFrame(columns=["plate", "assay_id", "shift"])
    n_plates = int(pd.Series(layout.to_numpy().ravel()).nunique(dropna=True))
    if settings.plate_normalisation == "median":
        clean, adjustments = median_centre_plates(clean, layout, panel_of, out=values)
    r2_after = plate_variance_explained(clean, layout, panel_of).reindex(assays.index)
    balance_p, _ = plate_group_balance(samples.loc[kept_samples, "plate"], kept_group)
    warnings = []
    if settings.plate_normalisation == "median" and n_plates > 1 and balance_p < 0.05:
        warnings.append(
            f"groups are unevenly spread over plates (chi-square p = {balance_p:.2g}): "
            "plate median centring may remove group differences; consider "
            "'qc: plate_normalisation: none' and plate as a covariate"
        )
    if settings.below_lod == "na":
        after = clean.isna().mean(axis=0)
        heavy = int((after > settings.max_assay_missing).sum())
        if heavy:
            warnings.append(
                f"'below_lod: na' leaves {heavy} assay(s) missing more than "
                f"{settings.max_assay_missing:.0%} of values; these values are missing "
                "because they are low (not at random), which biases fold changes upward"
            )

    assay_qc = pd.DataFrame(
        {
            "assay_id": assays.index,
            "gene_symbol": assays["gene_symbol"].to_numpy(),
            "uniprot": assays["uniprot"].to_numpy(),
            "assay": assays["assay"].to_numpy(),
            "panel": assays["panel"].to_numpy(),
            "below_lod_fraction": lod_fractions["overall"].reindex(assays.index).to_numpy(),
        }
    )
    for column in lod_fractions.columns.drop("overall"):
        assay_qc[f"below_lod_fraction_{column}"] = (
            lod_fractions[column].reindex(assays.index).to_numpy()
        )
    assay_qc["missing_fraction"] = assay_missing.reindex(assays.index).to_numpy()
    assay_qc["assay_warning_fraction"] = warned_fraction.reindex(assays.index).to_numpy()
    assay_qc["plate_r2_before"] = r2_before.reindex(assays.index).to_numpy()
    assay_qc["plate_r2_after"] = r2_after.to_numpy()
    assay_qc["duplicate_of"] = duplicate_of.to_numpy()
    assay_qc["kept"] = assays.index.isin(kept_assays)
    assay_qc["reason"] = _join_reasons(assay_reasons, assays.index).to_numpy()

    scores, explained = principal_components(clean, n_components=5)
    summary = {
        "settings": asdict(settings),
        "samples_in": int(n_samples_in),
        "samples_kept": len(kept_samples),
        "samples_per_group_in": samples["group"].value_counts().sort_index().to_dict(),
        "samples_per_group_kept": kept_group.value_counts().sort_index().to_dict(),
        "assays_in": int(n_assays_in),
        "assays_kept": len(kept_assays),
        "plates": int(n_plates),
        "plate_group_balance_p": balance_p,
        "median_plate_r2_before": _median(r2_before),
        "median_plate_r2_after": _median(r2_after),
        "warnings": warnings,
    }
    return QCResult(
        matrix=clean,
        samples=samples.loc[kept_samples].reset_index(drop=True),
        assays=assays.loc[kept_assays].reset_index(drop=True),
        sample_qc=sample_qc,
        sample_panel_qc=panel_qc,
        assay_qc=assay_qc,
        pca_scores=scores,
        pca_explained=explained,
        plate_adjustments=adjustments,
        summary=summary,
    )


def _median(values: pd.Series) -> float | None:
    value = float(np.nanmedian(values)) if np.isfinite(values).any() else None
    return None if value is None else round(value, 6)


def _panels_where(panel_qc: pd.DataFrame, flag: str, index) -> list[str]:
    flagged = panel_qc.loc[panel_qc[flag].astype(bool)]
    joined = flagged.groupby("sample_id")["panel"].agg(lambda p: ";".join(sorted(p)))
    return [joined.get(s, "") for s in index]


def check_groups_after_qc(kept_group: pd.Series, all_group: pd.Series) -> None:
    counts = kept_group.value_counts().reindex(sorted(all_group.unique()), fill_value=0)
    small = counts[counts < 2]
    if len(small):
        raise InputError(
            "QC",
            "after QC, group(s) have fewer than 2 samples: "
            + ", ".join(f"{g} ({n})" for g, n in small.items()),
            where="results/qc/sample_qc.tsv shows why samples were dropped",
            fix="relax the sample thresholds under 'qc:' in the config",
        )
