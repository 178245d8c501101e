"""Reversal scores of drug signatures against a disease signature, batched.

Every function takes a batch of disease signatures (rows: the observed one, or its
permutations / refits / bootstrap resamples) and every drug at once, so the nulls cost
array operations, not loops over proteins.

``connectivity`` (Lamb et al., Science 2006;313:1929): the proteins are ranked by the
disease's moderated t (most increased first); for the drug's up set and down set the
Kolmogorov-Smirnov enrichment ES is computed as in the Connectivity Map (a = max_j
(j/t - V(j)/n), b = max_j (V(j)/n - (j-1)/t), ES = a if a > b else -b); connectivity =
ES_up - ES_down, or 0 when both have the same sign. Positive: the drug moves proteins the
way the disease does; negative: it reverses them. With only one set (mechanism
signatures lower proteins only), connectivity = ES_up or -ES_down.

``reversal_t``: the disease's moderated t over the drug's proteins, re-centred on the
median logFC ((logFC - median logFC) / SE), weighted by the drug's weights and signed
against them, averaged (-sum w c / sum |w|; in t units): positive when the disease moves
the drug's proteins the other way from the drug. It looks only where the drug acts, so
the disease's effects on proteins the drug does not touch (MDD's vascular proteins for
an IL-13 blocker) do not dilute it, as they dilute a correlation over every protein; the
centring keeps a group shifted by the same NPX on every protein from being reversed by
every drug that lowers proteins. The reversal counterpart of the similarity stage's
``transfer_t``.

``reversal_correlation``: -Pearson correlation between the drug's weights and the
disease's logFC over the measured proteins (weights 0 where the drug has no known
effect): positive when the drug pushes proteins opposite to the disease.

``dep_reversal``: the share of the disease's DEPs that the drug moves back toward
control (weight of opposite sign to the DEP's logFC).
"""

from __future__ import annotations

import numpy as np

from proteosig.similarity.signatures import centred_t


def _descending_ranks(t: np.ndarray) -> np.ndarray:
    """1-based rank per row, 1 = largest t; missing t ranked last."""
    values = np.where(np.isfinite(t), t, -np.inf)
    order = np.argsort(-values, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(1, t.shape[1] + 1)[None, :], axis=1)
    return ranks


def ks_enrichment(positions: np.ndarray, n: int) -> np.ndarray:
    """CMap's KS statistic per row of tag positions (1-based ranks in a list of n)."""
    v = np.sort(positions, axis=1).astype(float)
    t = v.shape[1]
    j = np.arange(1, t + 1)[None, :]
    a = np.max(j / t - v / n, axis=1)
    b = np.max(v / n - (j - 1) / t, axis=1)
    return np.where(a > b, a, -b)


def connectivity(weights: np.ndarray, t: np.ndarray) -> np.ndarray:
    """(batch x drugs) CMap connectivity of each drug's up/down sets with each row of t."""
    t = np.atleast_2d(t)
    ranks = _descending_ranks(t)
    n = t.shape[1]
    out = np.zeros((t.shape[0], weights.shape[0]))
    for d, w in enumerate(weights):
        up, down = np.flatnonzero(w > 0), np.flatnonzero(w < 0)
        es_up = ks_enrichment(ranks[:, up], n) if up.size else None
        es_down = ks_enrichment(ranks[:, down], n) if down.size else None
        if es_up is not None and es_down is not None:
            out[:, d] = np.where(np.sign(es_up) != np.sign(es_down), es_up - es_down, 0.0)
        elif es_up is not None:
            out[:, d] = es_up
        elif es_down is not None:
            out[:, d] = -es_down
        else:
            out[:, d] = np.nan
    return out


def reversal_t(weights: np.ndarray, logfc: np.ndarray, t: np.ndarray) -> np.ndarray:
    """(batch x drugs) -sum_j w_j c_j / sum_j |w_j| for each row, c = the disease's centred t.

    c_j = (logFC_j - median logFC) / SE_j (``proteosig.similarity.signatures.centred_t``):
    a disease group shifted by the same NPX on every protein is not read as reversed by
    every drug that lowers proteins. A protein with missing t counts as 0 (no evidence)
    but keeps its weight in the denominator; a row without any t is NaN, and so is a drug
    without weights.
    """
    logfc = np.atleast_2d(np.asarray(logfc, dtype=float))
    centred = centred_t(logfc, np.atleast_2d(np.asarray(t, dtype=float)))
    empty = ~np.isfinite(centred).any(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = -(np.where(np.isfinite(centred), centred, 0.0) @ weights.T) / np.abs(
            weights
        ).sum(axis=1)[None, :]
    return np.where(empty, np.nan, score)


def reversal_correlation(weights: np.ndarray, logfc: np.ndarray) -> np.ndarray:
    """(batch x drugs) minus the Pearson correlation of drug weights and disease logFC."""
    fc = np.atleast_2d(logfc)
    fc = np.where(np.isfinite(fc), fc, 0.0)
    fc = fc - fc.mean(axis=1, keepdims=True)
    w = weights - weights.mean(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (fc @ w.T) / np.outer(np.linalg.norm(fc, axis=1), np.linalg.norm(w, axis=1))
    return -r


def dep_reversal(weights: np.ndarray, logfc: np.ndarray, dep: np.ndarray) -> np.ndarray:
    """(batch x drugs) share of the disease's DEPs whose drug weight opposes their logFC."""
    fc = np.atleast_2d(logfc)
    dep = np.atleast_2d(dep).astype(bool) & np.isfinite(fc)
    up = (dep & (fc > 0)).astype(float)
    down = (dep & (fc < 0)).astype(float)
    reversed_ = up @ (weights < 0).T.astype(float) + down @ (weights > 0).T.astype(float)
    n_dep = dep.sum(axis=1, keepdims=True).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n_dep > 0, reversed_ / n_dep, np.nan)


def patient_reversal(weights: np.ndarray, deviations: np.ndarray) -> np.ndarray:
    """(samples x drugs) -cosine between each drug's weights and each sample's deviation
    from the controls, over the drug's proteins: +1 when the drug would move exactly that
    patient's deviating proteins back; missing deviations are left out."""
    out = np.empty((deviations.shape[0], weights.shape[0]))
    squared, present = (weights**2).T, (weights != 0).T.astype(float)
    for start in range(0, deviations.shape[0], 4096):  # row blocks: no full-size copies
        block = deviations[start : start + 4096]
        observed = np.isfinite(block)
        z = np.where(observed, block, 0.0)
        dot = z @ weights.T
        w_norm = np.sqrt(observed.astype(float) @ squared)
        z_norm = np.sqrt((z**2) @ present)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[start : start + 4096] = -dot / (w_norm * z_norm)
    return out
