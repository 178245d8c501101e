"""Patient level: how strongly each sample carries each disease signature.

Score
-----
For signature ``D_vs_C`` (disease D against the control group C) and sample i:

1. Fit the differential model (same design: group + covariates, every group present)
   WITHOUT sample i. This gives, per protein j, the signature logFC_j^(-i) (the D - C
   coefficient), the sample's expected value had it been a control with its own
   covariates, mu_ij^(-i), and the residual SD sigma_j^(-i).
2. Standardise the sample against that expectation: z_ij = (y_ij - mu_ij) / sigma_j.
3. Keep the ``top_n`` proteins with the largest |ordinary t|^(-i) of the signature and
   project z on the signature's standardised effects d_j = logFC_j / sigma_j:
   score_i = sum_j d_j z_ij / sqrt(sum_j d_j^2) over those proteins. This is the matched
   filter (linear discriminant with a diagonal covariance): proteins weigh by how well
   they separate D from C, not by their raw fold change.

The score is in residual-SD units along the signature's direction: about 0 for a typical
control, about sqrt(sum_j d_j^2) for a typical member of D. Because every quantity
in 1-3 is computed without sample i, a patient never helps define the signature it is
scored against, and controls are scored the same way, so their scores are an honest
reference distribution: a sample is a *carrier* when its score exceeds the controls'
``carrier_quantile`` (default 95th percentile).

Why closed form and not n refits
--------------------------------
Leaving out one row of a least-squares fit has an exact closed form (the hat-matrix /
Sherman-Morrison identities): beta^(-i) = beta - A^-1 x_i e_i / (1 - h_i) with
A = X'X, h_i = x_i' A^-1 x_i, and RSS^(-i) = RSS - e_i^2 / (1 - h_i). With missing values
each protein has its own A (its observed samples), so A^-1 is computed per protein in one
batched call. Everything is then a samples x proteins array, processed in blocks of
samples: one pass, no refits, no per-protein Python loop, linear in the number of samples.

Selection uses ordinary (not moderated) t: moderation would need the empirical-Bayes
prior re-estimated without sample i for an exact leave-one-out; the ranking of proteins
is what matters here and ordinary t keeps it exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from proteosig.differential.design import default_formula, design_matrix, safe_name
from proteosig.errors import InputError


@dataclass(frozen=True)
class PatientSettings:
    """The config's ``similarity: patients`` keys."""

    top_n: int = 15
    carrier_quantile: float = 0.95
    block_size: int = 2048


def _design(matrix, samples, *, group_levels, covariates, formula, factors):
    sheet = samples.set_index(samples["sample_id"].astype(str), drop=False)
    missing = [s for s in matrix.index.astype(str) if s not in sheet.index]
    if missing:
        raise InputError(
            "similarity",
            f"{len(missing)} sample(s) of the matrix are not in the sample table",
            where=", ".join(missing[:5]),
            fix="rerun QC so that the matrix and the sample table match",
        )
    sheet = sheet.loc[matrix.index.astype(str)].reset_index(drop=True)
    design = design_matrix(
        sheet, formula or default_formula(covariates), group_levels=group_levels, factors=factors
    )
    return sheet, design


def _batched_inverse(x: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per protein (X_j'X_j)^-1 over its observed samples; proteins whose design is
    rank-deficient (a group with no observed sample) get NaN and ``ok`` False."""
    gram = np.einsum("ij,ik,il->jkl", mask, x, x, optimize=True)
    rank = np.linalg.matrix_rank(gram)
    ok = rank == x.shape[1]
    inverse = np.full_like(gram, np.nan)
    if ok.any():
        inverse[ok] = np.linalg.inv(gram[ok])
    return inverse, ok


def signature_scores(
    matrix: pd.DataFrame,
    samples: pd.DataFrame,
    *,
    groups: list[str],
    group_levels: list[str],
    control_group: str,
    covariates: list[str],
    formula: str | None = None,
    factors: list[str] = (),
    settings: PatientSettings = PatientSettings(),
) -> pd.DataFrame:
    """Leave-one-out score of every sample against each ``<group>_vs_<control>`` signature.

    ``matrix`` is samples x proteins (the analysis matrix). Returns one row per sample:
    ``sample_id``, ``group`` and ``score_<signature>`` for each group of ``groups``.
    """
    return _leave_one_out(
        matrix, samples, groups=groups, group_levels=group_levels, control_group=control_group,
        covariates=covariates, formula=formula, factors=factors, settings=settings,
    )[0]  # fmt: skip


def control_deviations(
    matrix: pd.DataFrame,
    samples: pd.DataFrame,
    *,
    group_levels: list[str],
    control_group: str,
    covariates: list[str],
    formula: str | None = None,
    factors: list[str] = (),
) -> pd.DataFrame:
    """Samples x proteins: each sample's leave-one-out deviation from its expected control
    value (its own covariates), in residual-SD units (the z of the module docstring)."""
    return _leave_one_out(
        matrix, samples, groups=[], group_levels=group_levels, control_group=control_group,
        covariates=covariates, formula=formula, factors=factors, settings=PatientSettings(),
        keep_deviations=True,
    )[1]  # fmt: skip


def _leave_one_out(
    matrix, samples, *, groups, group_levels, control_group, covariates, formula, factors,
    settings, keep_deviations=False,
):  # fmt: skip
    sheet, design = _design(
        matrix,
        samples,
        group_levels=list(group_levels),
        covariates=list(covariates),
        formula=formula,
        factors=list(factors),
    )
    columns = list(design.columns)
    control_column = safe_name(control_group)
    for group in [control_group, *groups]:
        if safe_name(group) not in columns:
            raise InputError(
                "similarity",
                f"group {group!r} is not a column of the design {columns}",
                fix="use a formula of the form '~ 0 + group + covariates'",
            )
    group_columns = [safe_name(g) for g in group_levels]
    x = design.to_numpy(dtype=float)
    y = matrix.to_numpy(dtype=float)
    mask = np.isfinite(y)
    if mask.all():
        # one (X'X)^-1 for every protein, kept with a leading axis of 1 so that the
        # per-protein formulas below broadcast: the block arrays are then samples x p, not
        # samples x proteins x p, which is what keeps biobank-size cohorts cheap
        inverse = np.linalg.inv(x.T @ x)[None, :, :]
        ok = np.ones(y.shape[1], dtype=bool)
        beta = (y.T @ x) @ inverse[0]  # proteins x p
    else:
        y0 = np.where(mask, y, 0.0)
        inverse, ok = _batched_inverse(x, mask.astype(float))  # proteins x p x p
        beta = np.einsum("jkl,ij,il->jk", inverse, y0, x, optimize=True)
        del y0
    n_obs = mask.sum(axis=0)
    df = n_obs - x.shape[1]

    def residuals(rows):
        return np.where(mask[rows], y[rows] - x[rows] @ beta.T, 0.0)

    rss = np.zeros(y.shape[1])
    for start in range(0, y.shape[0], settings.block_size):  # blocks: no full-size copies
        part = residuals(slice(start, start + settings.block_size))
        rss += np.einsum("ij,ij->j", part, part)

    # each sample as if it were a control with its own covariates
    as_control = x.copy()
    as_control[:, [columns.index(c) for c in group_columns]] = 0.0
    as_control[:, columns.index(control_column)] = 1.0

    contrasts = {}
    for group in groups:
        c = np.zeros(x.shape[1])
        c[columns.index(safe_name(group))] = 1.0
        c[columns.index(control_column)] = -1.0
        contrasts[group] = c

    out = {g: np.full(y.shape[0], np.nan) for g in groups}
    deviations = np.full(y.shape, np.nan) if keep_deviations else None
    top_n = int(min(settings.top_n, int(ok.sum())))
    for start in range(0, y.shape[0], settings.block_size):
        rows = slice(start, start + settings.block_size)
        xb, mb, eb = x[rows], mask[rows], residuals(rows)
        ax = np.einsum("jkl,il->ijk", inverse, xb, optimize=True)  # samples x proteins x p
        h = np.einsum("ijk,ik->ij", ax, xb)
        with np.errstate(divide="ignore", invalid="ignore"):
            # a sample not observed for protein j does not enter its fit: no correction
            w = np.where(mb, eb / (1.0 - h), 0.0)
            rss_loo = rss[None, :] - np.where(mb, eb * w, 0.0)
            df_loo = df[None, :] - mb
            sigma = np.sqrt(rss_loo / df_loo)
            mu = as_control[rows] @ beta.T - np.einsum("ijk,ik->ij", ax, as_control[rows]) * w
            z = (y[rows] - mu) / sigma
            if deviations is not None:
                deviations[rows] = z
            for group, c in contrasts.items():
                g = ax @ c  # c' A^-1 x_i
                logfc = (beta @ c)[None, :] - g * w
                unscaled2 = (c @ inverse @ c)[None, :] + np.where(mb, g**2 / (1.0 - h), 0.0)
                t = logfc / np.sqrt(unscaled2 * sigma**2)
                score = _project(logfc / sigma, t, z, top_n)
                out[group][rows] = score
    table = pd.DataFrame({"sample_id": sheet["sample_id"].astype(str), "group": sheet["group"]})
    for group in groups:
        table[f"score_{safe_name(group)}_vs_{control_column}"] = out[group]
    if deviations is not None:
        deviations = pd.DataFrame(deviations, index=table["sample_id"], columns=matrix.columns)
    return table, deviations


def _project(weights: np.ndarray, t: np.ndarray, z: np.ndarray, top_n: int) -> np.ndarray:
    """Row-wise: project z on the weights over the top_n proteins by |t| (finite only)."""
    strength = np.where(np.isfinite(t) & np.isfinite(weights), np.abs(t), -np.inf)
    top = np.argpartition(-strength, top_n - 1, axis=1)[:, :top_n]
    fc = np.take_along_axis(weights, top, axis=1)
    zz = np.take_along_axis(z, top, axis=1)
    usable = np.isfinite(fc) & np.isfinite(zz)
    fc = np.where(usable, fc, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.sum(fc * np.where(usable, zz, 0.0), axis=1) / np.sqrt(np.sum(fc**2, axis=1))


def call_carriers(
    scores: pd.DataFrame, *, control_group: str, quantile: float = 0.95
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Carrier flags against the controls' score distribution, and per-group fractions.

    A sample carries a signature when its score is above the ``quantile`` of the control
    samples' (leave-one-out) scores. Returns (scores with ``carrier_*`` columns and the
    thresholds in ``.attrs['thresholds']``, a long table of carrier fractions per group).
    """
    controls = scores["group"].astype(str) == control_group
    if controls.sum() < 5:
        raise InputError(
            "similarity",
            f"only {int(controls.sum())} control samples: too few for a carrier threshold",
            expected="at least 5 analysed samples in the control group",
        )
    out = scores.copy()
    thresholds = {}
    rows = []
    for column in [c for c in scores.columns if c.startswith("score_")]:
        signature = column.removeprefix("score_")
        threshold = float(np.nanquantile(scores.loc[controls, column], quantile))
        thresholds[signature] = threshold
        carrier = scores[column] > threshold
        out[f"carrier_{signature}"] = carrier.to_numpy()
        for group, flags in carrier.groupby(scores["group"].astype(str), sort=False):
            rows.append(
                {
                    "signature": signature,
                    "group": group,
                    "n": int(flags.size),
                    "carriers": int(flags.sum()),
                    "fraction": float(flags.mean()),
                    "threshold": threshold,
                    "quantile": quantile,
                }
            )
    out.attrs["thresholds"] = thresholds
    return out, pd.DataFrame(rows)


def carriage_tests(scores: pd.DataFrame, *, control_group: str) -> pd.DataFrame:
    """Does group g carry signature s more than the controls do?

    For every non-control group and every signature: the AUC of the group's scores
    against the controls' (0.5 = no more than controls) and a one-sided Mann-Whitney p,
    BH across the table. Valid because every score is leave-one-out: a control's score
    does not use that control, so under "g is exchangeable with the controls" the two
    sets of scores are exchangeable too, and the shared-control artefact of
    signature-level correlations does not arise.
    """
    from scipy import stats  # here only: reversal imports this module, and the import is slow

    groups = scores["group"].astype(str)
    controls = groups == control_group
    rows = []
    for column in [c for c in scores.columns if c.startswith("score_")]:
        reference = scores.loc[controls, column].dropna().to_numpy(float)
        for group in [g for g in pd.unique(groups) if g != control_group]:
            values = scores.loc[groups == group, column].dropna().to_numpy(float)
            if values.size == 0 or reference.size == 0:
                continue
            test = stats.mannwhitneyu(values, reference, alternative="greater")
            rows.append(
                {
                    "group": group,
                    "signature": column.removeprefix("score_"),
                    "n": int(values.size),
                    "n_controls": int(reference.size),
                    "median_score": float(np.median(values)),
                    "median_control_score": float(np.median(reference)),
                    "auc_vs_controls": float(test.statistic / (values.size * reference.size)),
                    "p_value": float(test.pvalue),
                }
            )
    table = pd.DataFrame(rows)
    if not table.empty:
        table["fdr"] = stats.false_discovery_control(table["p_value"], method="bh")
    return table
