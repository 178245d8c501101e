"""The reversal stage: score every drug against one disease signature, with its nulls.

Per contrast and drug: the reversal in t units, CMap connectivity, the reversal
correlation and the share of DEPs reversed. ``reversal_score`` is the score drugs are
ranked and tested by: ``reversal_t`` by default (``rank_by: reversal_t``), the reversal
correlation (``correlation``) or -connectivity (``connectivity``). The first two use the
signatures' weights (an observed or empirical log2FC of -1.8 counts more than one of
-0.4, which the unweighted KS statistic of CMap cannot see); ``reversal_t`` also looks
only at the drug's proteins, so a disease's effects elsewhere do not dilute it. On 25
cohorts of the demo's design (``benchmarks/reversal_power.py``) a type-2 blocker ranked
first for MDD in 84 % with ``reversal_t`` against 68 % with the correlation, and was also
called in 60 % against 32 %; for psoriasis an IL-17/IL-23 blocker ranked first in 100 %
against 92 % (called: 96 % against 84 %). Two p-values for the ranking score:

``p_gene``  signature-size-preserving null: the disease's proteins are permuted (t,
            logFC and DEP calls together), which is the same as drawing random drug
            signatures of the same up/down sizes and weights from the measured proteins.
``p_label`` the disease side: the samples of the contrast's two groups are permuted
            and the signature refitted (same design and covariates; limma-default
            moderation), so the null keeps the proteins' correlation. The samples trade
            their residuals under the model with the two groups merged (Freedman-Lane,
            ``Refitter.freedman_lane``), so a covariate gap between the groups (cases
            older than controls) stays in every refit as it is in the observed one.

Both are BH-adjusted across drugs; a drug is called when both FDRs are below the
threshold. Rank stability: the samples are resampled within groups, the signature
refitted and the drugs ranked again; ``top3_fraction`` is the share of resamples with the
drug in the top 3.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from proteosig.differential.design import default_formula, safe_name
from proteosig.differential.table import adjust_bh
from proteosig.errors import InputError
from proteosig.progress import Progress
from proteosig.reversal.scores import (
    connectivity,
    dep_reversal,
    reversal_correlation,
    reversal_t,
)
from proteosig.similarity.signatures import (
    Refitter,
    bootstrap_counts,
    independent_streams,
    pool_permutations,
)

#: ``rank_by`` values and whether the score needs the moderated t (refits then moderate)
RANK_BY = {"reversal_t": True, "correlation": False, "connectivity": True}


@dataclass(frozen=True)
class ReversalSettings:
    rank_by: str = "reversal_t"
    gene_permutations: int = 1000
    label_permutations: int = 1000
    bootstrap: int = 200
    fdr_threshold: float = 0.05
    top: int = 3


def contrast_groups(expression: str, groups: list[str]) -> tuple[str, str] | None:
    """``('MDD', 'HC')`` for ``MDD-HC`` when both sides are single groups, else None."""
    names = {safe_name(g): g for g in groups}
    parts = [p.strip() for p in expression.replace(" ", "").split("-")]
    if len(parts) == 2 and all(p in names for p in parts):
        return names[parts[0]], names[parts[1]]
    return None


def _disease_vectors(table: pd.DataFrame, assays: list[str]):
    indexed = table.set_index(table["assay_id"].astype(str)).reindex(assays)
    t = indexed["t"].to_numpy(dtype=float)
    logfc = indexed["logFC"].to_numpy(dtype=float)
    dep = indexed["significant"].astype(str).str.lower().eq("true").to_numpy()
    return t, logfc, dep


def score_contrast(
    table: pd.DataFrame,
    weights: pd.DataFrame,
    info: pd.DataFrame,
    *,
    matrix: pd.DataFrame | None = None,
    samples: pd.DataFrame | None = None,
    groups: tuple[str, str] | None = None,
    group_levels: list[str] = (),
    covariates: list[str] = (),
    formula: str | None = None,
    factors: list[str] = (),
    settings: ReversalSettings = ReversalSettings(),
    seed: int,
    progress=None,
) -> pd.DataFrame:
    """One row per drug, ranked by reversal score (see the module docstring).

    ``table`` is a differential table (``assay_id, logFC, t, significant``); ``weights``
    drugs x assays. The label null and the bootstrap need ``matrix``, ``samples`` and the
    contrast's two ``groups``; without them those columns are missing (NaN). The refits
    use the differential stage's model: ``group_levels``, ``covariates``, ``formula`` and
    ``factors`` (covariates declared categorical) as configured there.
    """
    assays = [str(a) for a in weights.columns]
    missing = [c for c in ("assay_id", "logFC", "t", "significant") if c not in table.columns]
    if missing:
        raise InputError("reversal", "differential table lacks " + ", ".join(missing))
    w = weights.to_numpy(dtype=float)
    usable = np.abs(w).sum(axis=1) > 0
    t, logfc, dep = _disease_vectors(table, assays)
    if settings.rank_by not in RANK_BY:
        raise InputError("config", f"unknown rank_by {settings.rank_by!r}",
                         expected=" or ".join(RANK_BY))  # fmt: skip
    needs_t = RANK_BY[settings.rank_by]

    def score(t_rows, fc_rows):
        if settings.rank_by == "reversal_t":
            return reversal_t(w, fc_rows, t_rows)
        if settings.rank_by == "correlation":
            return reversal_correlation(w, fc_rows)
        return -connectivity(w, t_rows)

    label_null = groups is not None and matrix is not None and samples is not None
    if label_null:
        levels = list(group_levels)
        model = Refitter(
            matrix, samples, levels, formula or default_formula(list(covariates)), factors
        )
        order_index = [str(a) for a in matrix.columns]
        align = np.array([order_index.index(a) for a in assays])
        case, reference = levels.index(groups[0]), levels.index(groups[1])
        pair = [(case, reference)]
        # the label null refits with limma's default moderation; score the observed
        # signature the same way, so that a trend, robust or TREAT t in the differential
        # table is not compared with plain moderated t (identical when those are off)
        fit_logfc, fit_t = model.signatures(model.codes, pair)
        logfc, t = fit_logfc[align, 0], fit_t[align, 0]
    observed = score(t, logfc)[0]
    gene_rng, label_rng, bootstrap_rng = independent_streams(seed, 3)

    order = np.argsort(gene_rng.random((settings.gene_permutations, len(assays))), axis=1)
    null = score(t[order], logfc[order])
    p_gene = (1 + np.sum(null >= observed[None, :] - 1e-12, axis=0)) / (
        1 + settings.gene_permutations
    )
    if progress:
        progress("protein-label null done")

    p_label = np.full(len(w), np.nan)
    top_fraction = np.full(len(w), np.nan)
    if label_null:
        codes = model.codes

        def scores_of(batches, n):
            """Drug scores (replicates x drugs) of ``n`` refits."""
            out = np.empty((n, len(w)))
            for i, fc, t_new in batches:
                out[i] = score(t_new[align, 0] if needs_t else None, fc[align, 0])[0]
            return out

        def refits(codes_rows, what, weights=None):
            batches = model.fit_many(codes_rows, pair, weights=weights, moderate=needs_t,
                                     progress=Progress(what, len(codes_rows)))  # fmt: skip
            return scores_of(batches, len(codes_rows))

        # Freedman-Lane: the samples of the two groups trade their residuals under the
        # merged model, so the covariates keep the observed design (an age gap between
        # the groups stays in every refit, as it is in the observed signature)
        pool = np.flatnonzero(np.isin(codes, (case, reference)))
        n_label = settings.label_permutations
        null_label = scores_of(
            model.freedman_lane(
                pool_permutations(label_rng, pool, n_label), pool, pair,
                progress=Progress(f"{groups[0]} vs {groups[1]}: sample-label null", n_label),
            ),
            n_label,
        )  # fmt: skip
        p_label = (1 + np.sum(null_label >= observed[None, :] - 1e-12, axis=0)) / (
            1 + settings.label_permutations
        )
        if progress:
            progress("sample-label null done")
        counts = bootstrap_counts(bootstrap_rng, codes, settings.bootstrap)
        boot = refits(
            np.tile(codes, (settings.bootstrap, 1)),
            f"{groups[0]} vs {groups[1]}: bootstrap",
            counts,
        )
        boot[:, ~usable] = -np.inf
        ranks = pd.DataFrame(boot).rank(axis=1, ascending=False, method="min").to_numpy()
        in_top = (ranks <= settings.top).sum(axis=0)
        if settings.bootstrap:
            top_fraction = in_top / settings.bootstrap
        if progress:
            progress("bootstrap done")

    p_gene[~usable] = np.nan
    p_label[~usable] = np.nan
    out = info.set_index("drug").reindex(weights.index).rename_axis("drug").reset_index()
    out.insert(1, "reversal_score", np.where(usable, observed, np.nan))
    out.insert(2, "reversal_t", np.where(usable, reversal_t(w, logfc, t)[0], np.nan))
    out.insert(3, "connectivity", np.where(usable, connectivity(w, t)[0], np.nan))
    out.insert(
        4, "reversal_correlation", np.where(usable, reversal_correlation(w, logfc)[0], np.nan)
    )
    out.insert(
        5, "dep_reversed_pct", np.where(usable, 100 * dep_reversal(w, logfc, dep)[0], np.nan)
    )
    out.insert(6, "ranked_by", settings.rank_by)
    out["p_gene"] = p_gene
    out["fdr_gene"] = adjust_bh(p_gene)
    out["p_label"] = p_label
    out["fdr_label"] = adjust_bh(p_label)
    fdr = np.fmax(out["fdr_gene"], out["fdr_label"])
    out["significant"] = (fdr < settings.fdr_threshold) & (out["reversal_score"] > 0)
    out[f"top{settings.top}_fraction"] = top_fraction
    out.insert(1, "rank", out["reversal_score"].rank(ascending=False, method="min"))
    return out.sort_values(["rank", "drug"], kind="stable").reset_index(drop=True)
