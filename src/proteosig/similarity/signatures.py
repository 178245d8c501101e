"""Signature-level similarity of two disease-vs-control contrasts.

Why a special null is needed
----------------------------
``A_vs_C`` and ``B_vs_C`` both subtract the same control mean. The control group's sampling
noise therefore enters both signatures with the same sign, and the two correlate even when
the diseases share nothing: with equal group sizes and no disease effect at all the
expected logFC correlation is 1/2 (cov = s2/n_C, var = s2 (1/n_A + 1/n_C)). A p-value
against "correlation = 0" is wrong; the comparison has to be against a null that keeps the
shared controls.

Which statistic
---------------
Every metric of ``METRICS`` is reported; ``metric=`` picks the one tested. The default,
``transfer_t`` (:func:`signature_transfer`), is directional: does case_a's signature
follow case_b's strongest proteins? It averages case_a's moderated t, re-centred on its
median logFC (:func:`centred_t`), over case_b's ``top_n`` proteins, signed by case_b's
direction. Correlations over every protein dilute a resemblance carried by a few proteins
among hundreds, which is what two diseases sharing one immune axis look like on an Olink
panel; and a symmetric statistic also asks the second disease to follow the first one's
own proteins, which a disease with a carrier subset (MDD, half of it AD-like) does not do
for the other. The centring removes a shift of a whole group by the same NPX on every
protein (sample handling, not biology), which would otherwise make the group follow any
mostly-up signature; centring t instead would not remove it, because the shift moves each
protein's t by shift / SE. Power and size: ``benchmarks/similarity_power.py``.

Nulls (``null=``)
-----------------
``"case_control"`` (default): permute the case_a samples with the controls (case_b
fixed, group sizes kept), refit, recompute. The permuted ``A'`` has no A-specific effect
but the two signatures still share the (permuted) control group, so the null
distribution is the similarity produced by shared controls alone. H0: "case_a is
exchangeable with the controls". With covariates the permutation is Freedman and Lane's
(:meth:`Refitter.freedman_lane`): the samples trade their residuals under the model
without case_a, so every refit keeps the observed design (cases older than controls
stay older); without covariates that is exactly relabelling. When case_a has effects of
its own that are unrelated to case_b's, the correlations are conservative (those effects
add variance to the observed case_a signature, which lowers its correlation, but not to
the null ones).
``transfer_t`` is not: an effect of case_a's that happens to fall on case_b's top
proteins stays in the observed value and is gone from the null, in either direction, so
with 20 % of proteins moved in each group independently the label null alone rejected
in 17.3 % of such cohorts. ``transfer_t`` therefore also needs the protein null
(:func:`protein_null`): case_a and case_b contrasted with disjoint halves of the
controls, and case_b's directions flipped at random on its top proteins, which keeps
case_a's own values, effects included, and asks only whether their directions agree
with case_b's beyond chance. Its p is the larger of the two (both must reject). A small
p says that case_a's signature resembles case_b's beyond the shared-control artefact and
beyond its own effects. The test is not symmetric in (case_a, case_b).

``"case_labels"``: pool the case_a and case_b samples and reassign the labels keeping the
group sizes, controls fixed. This is exact under H0: "case_a and case_b have the same
distribution". Under that H0 the two signatures share the control noise *and* the common
disease effect, so the null mean is the similarity of two random halves of the pooled
cases - the highest similarity two signatures of these sizes can be expected to have.
Consequence for interpretation: the observed similarity can exceed this null only by
chance, whatever the biology (identical effects give uniform p-values, different effects
give p near 1). The one-sided p-value ``P(null >= observed)`` is therefore NOT a test of
shared biology; a large p is consistent with "as similar as two halves of one disease",
a small one cannot be expected. Its null mean is reported as an upper reference.

Baseline ``"split_controls"``: split the controls at random into two halves, contrast
case_a with one half and case_b with the other. The two signatures share no control
samples, so their similarity has no shared-control artefact; the mean over ``n_splits``
splits estimates the similarity the biology alone produces. It is attenuated (each
signature uses half the controls, so it is noisier) and depends on the split, which is why
it is reported as a baseline next to the observed value and not used for the p-value.

All refits use the same linear model as ``proteosig.differential`` (same covariates, all
groups of the sample table, lmFit + contrasts + eBayes variance shrinkage with limma's
defaults); the design is built once and only its group columns change.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from proteosig.differential.contrasts import contrasts_fit
from proteosig.differential.design import default_formula, design_matrix, safe_name
from proteosig.differential.fit import lm_fit
from proteosig.differential.run import ModelSettings, fit_model
from proteosig.differential.squeeze import squeeze_var, squeeze_var_rows
from proteosig.differential.table import top_table
from proteosig.errors import InputError
from proteosig.progress import Progress

METRICS = (
    "spearman_logfc",
    "pearson_logfc",
    "spearman_t",
    "pearson_t",
    "cosine_logfc",
    "mean_product_t",
    "top_concordance_t",
    "transfer_t",
)
#: metrics that measure case_a against case_b, not the pair: their value and p differ by
#: direction (``signature_similarity`` reports the direction case_a follows case_b)
DIRECTIONAL_METRICS = ("transfer_t",)
#: proteins per signature in ``transfer_t`` and ``top_concordance_t``
DEFAULT_TOP_N = 20
NULLS = ("case_control", "case_labels")


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    x = x - x.mean()
    y = y - y.mean()
    denominator = np.sqrt(np.dot(x, x) * np.dot(y, y))
    return float(np.dot(x, y) / denominator) if denominator > 0 else np.nan


def _cosine(x: np.ndarray, y: np.ndarray) -> float:
    denominator = np.sqrt(np.dot(x, x) * np.dot(y, y))
    return float(np.dot(x, y) / denominator) if denominator > 0 else np.nan


def _ranks(x: np.ndarray) -> np.ndarray:
    """Average ranks; argsort when there are no ties (the usual case for t and logFC),
    because scipy's rankdata costs more than the refit it ranks in a permutation loop."""
    order = np.argsort(x, kind="stable")
    if np.any(np.diff(x[order]) == 0):
        from scipy.stats import rankdata  # ties are rare; scipy.stats is slow to import

        return rankdata(x)
    ranks = np.empty(x.size)
    ranks[order] = np.arange(1, x.size + 1)
    return ranks


def _top(t: np.ndarray, top_n: int) -> np.ndarray:
    """Positions of the ``top_n`` largest |t| (ties in protein order: deterministic)."""
    return np.argsort(-np.abs(t), kind="stable")[:top_n]


def top_concordance(a_t: np.ndarray, b_t: np.ndarray, top_n: int = DEFAULT_TOP_N) -> float:
    """How far each signature's strongest proteins move the same way in the other.

    The mean over B's ``top_n`` proteins (largest |t_B|) of sign(t_B) * t_A, and the same
    with A and B swapped, averaged: in moderated-t units, 0 when the other signature
    ignores a signature's top proteins, positive when it follows them. Diseases that
    share a handful of proteins out of hundreds (the usual case in affinity proteomics)
    change a correlation over every protein by little; this statistic looks where the
    signatures are. Its shared-control inflation is handled like the others', by the
    permutation null.

    Two properties to know. It is not centred: a group shifted up on every protein
    follows any signature whose top proteins mostly go up (a correlation would not
    react). And a bootstrap resample picks its own top proteins, which favours
    agreement, so percentile intervals of it sit above the observed value. With fewer
    than ``top_n`` proteins (e.g. ten immune-axis scores) it is the signed mean over all.
    """
    top_a, top_b = _top(a_t, top_n), _top(b_t, top_n)
    return 0.5 * float(
        np.mean(np.sign(b_t[top_b]) * a_t[top_b]) + np.mean(np.sign(a_t[top_a]) * b_t[top_a])
    )


def centred_t(logfc: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Moderated t re-centred on the median logFC: (logFC - median logFC) / SE, per row.

    SE = logFC / t, the protein's own standard error. A group shifted by the same NPX on
    every protein (sample handling, not biology) moves every logFC by that amount and t
    by amount / SE, which differs between proteins; centring logFC removes the shift
    exactly, centring t would not. A protein whose SE cannot be read back (logFC = 0)
    takes its row's median SE; a protein without logFC or t is NaN and left out of the
    medians. Works along the last axis (proteins).
    """
    logfc = np.asarray(logfc, dtype=float)
    t = np.asarray(t, dtype=float)
    measured = np.isfinite(logfc) & np.isfinite(t)  # a protein lacks both or neither
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-missing row: NaN medians
        se = logfc / t
        usable = measured & np.isfinite(se) & (se > 0)
        typical = np.nanmedian(np.where(usable, se, np.nan), axis=-1, keepdims=True)
        centre = np.nanmedian(np.where(measured, logfc, np.nan), axis=-1, keepdims=True)
        centred = (logfc - centre) / np.where(usable, se, typical)
    return np.where(measured, centred, np.nan)


def signature_transfer(
    response_logfc: np.ndarray,
    response_t: np.ndarray,
    selector_t: np.ndarray,
    top_n: int = DEFAULT_TOP_N,
) -> float:
    """How far one signature follows another's strongest proteins, in moderated-t units.

    The mean over the selector's ``top_n`` proteins (largest |t|) of sign(selector t) *
    the response's centred t (:func:`centred_t`). 0 when the response ignores those
    proteins, positive when it moves them the selector's way, negative when it reverses
    them.

    Directional on purpose: "MDD follows AD's top proteins" is the question when a subset
    of MDD carries AD's signature; "AD follows MDD's" is another question (MDD's own
    proteins lead its list). The shared-control inflation and the response's own effects
    are the nulls' job (``signature_similarity``).
    """
    selected = _top(selector_t, top_n)
    return transfer_over(response_logfc, response_t, selected, np.sign(selector_t[selected]))


def transfer_over(response_logfc, response_t, selected, signs) -> float:
    """:func:`signature_transfer` over a given selection: the mean of ``signs`` times the
    response's centred t on the ``selected`` positions. A selected protein whose centred
    t cannot be computed counts as 0 (the median: no movement)."""
    centred = centred_t(response_logfc, response_t)[selected]
    return float(np.mean(signs * np.where(np.isfinite(centred), centred, 0.0)))


def _metric(name: str, a_fc, b_fc, a_t, b_t, top_n: int = DEFAULT_TOP_N) -> float:
    """One metric on vectors already restricted to the shared finite proteins."""
    if name == "spearman_logfc":
        return _pearson(_ranks(a_fc), _ranks(b_fc))
    if name == "pearson_logfc":
        return _pearson(a_fc, b_fc)
    if name == "spearman_t":
        return _pearson(_ranks(a_t), _ranks(b_t))
    if name == "pearson_t":
        return _pearson(a_t, b_t)
    if name == "mean_product_t":
        return float(np.mean(a_t * b_t))
    if name == "top_concordance_t":
        return top_concordance(a_t, b_t, top_n)
    if name == "transfer_t":
        return signature_transfer(a_fc, a_t, b_t, top_n)
    return _cosine(a_fc, b_fc)


def _shared(a_logfc, b_logfc, a_t, b_t) -> list[np.ndarray]:
    values = [np.asarray(v, dtype=float).ravel() for v in (a_logfc, b_logfc, a_t, b_t)]
    if len({v.size for v in values}) != 1:
        raise ValueError("the four vectors must have one value per protein each")
    shared = np.logical_and.reduce([np.isfinite(v) for v in values])
    return values if shared.all() else [v[shared] for v in values]


def similarity_metrics(a_logfc, b_logfc, a_t, b_t, *, top_n: int = DEFAULT_TOP_N) -> dict:
    """Spearman and Pearson correlation of logFC and of moderated t, cosine of logFC, the
    mean product of t, the top-``top_n`` concordance of t (``top_concordance``) and the
    transfer of b's top ``top_n`` proteins to a (``signature_transfer``: a follows b).

    Computed over the proteins where all four values are finite (``n_shared``); a metric
    is NaN when fewer than 3 proteins are shared or a vector is constant.
    """
    values = _shared(a_logfc, b_logfc, a_t, b_t)
    out = {"n_shared": int(values[0].size)}
    for name in METRICS:
        out[name] = _metric(name, *values, top_n) if values[0].size >= 3 else np.nan
    return out


class Refitter:
    """The model of ``fit_model`` with swappable group labels, for cheap refits.

    Covariate columns of the design are built once; each refit stacks one-hot group
    columns (numpy) in front of them and runs lmFit, contrasts.fit and squeezeVar.
    ``factors`` are the sample-sheet columns declared categorical (``samples: factors``),
    as ``fit_model`` takes them: a numeric-coded batch left out would enter as a slope and
    every refit would be a different model from the differential stage's.
    """

    def __init__(self, matrix, samples, levels, formula, factors=()):
        if ":" in formula.replace(" ", "") or "*" in formula:
            raise InputError(
                "similarity",
                f"the formula {formula!r} has interactions, which permutation refits do not "
                "support",
                fix="use a main-effects formula such as '~ 0 + group + age + sex'",
            )
        sheet = samples.set_index(samples["sample_id"].astype(str), drop=False)
        sheet = sheet.loc[matrix.index.astype(str)].reset_index(drop=True)
        design = design_matrix(sheet, formula, group_levels=levels, factors=list(factors))
        group_columns = {safe_name(level) for level in levels}
        other = [c for c in design.columns if c not in group_columns and c != "Intercept"]
        self.covariates = design[other].to_numpy(dtype=float)
        self.covariate_names = other
        self.codes = pd.Categorical(sheet["group"].astype(str), categories=levels).codes
        self.levels = list(levels)
        self.names = [f"s{i}" for i in range(matrix.shape[0])]
        self.values = matrix.to_numpy(dtype=float).T  # proteins x samples
        self.complete = bool(np.isfinite(self.values).all())
        self.proteins = matrix.columns.astype(str)

    @property
    def expression(self) -> pd.DataFrame:
        """The values as lm_fit takes them; only the masked path needs it (a copy)."""
        return pd.DataFrame(self.values, index=self.proteins, columns=self.names)

    def signatures(self, codes, pairs, rows=None):
        """logFC and moderated t (proteins x pairs) of each (case, control) code pair.

        ``codes`` are group codes for the samples ``rows`` (all samples when None);
        codes may exceed the original levels (e.g. a second control half).
        """
        rows, x, c = self._design(codes, pairs, rows)
        fit = self._fit_complete if self.complete else self._fit_masked
        return _moderated(*fit(x, c, rows))

    def metric_many(
        self, codes_rows, pairs, metric: str, weights=None, block: int = 64, progress=None,
        top_n: int = DEFAULT_TOP_N,
    ):  # fmt: skip
        """``metric`` for every row of ``codes_rows`` (relabellings of all samples).

        ``weights`` (same shape, sample counts) turns a row into a resample: a sample drawn
        twice counts twice, as a bootstrap with repeated rows does.
        """
        batches = self.fit_many(codes_rows, pairs, weights=weights, block=block, progress=progress)
        return metric_of_refits(batches, len(codes_rows), metric, top_n)

    def fit_many(self, codes_rows, pairs, *, weights=None, moderate: bool = True,
                 block: int = 64, progress=None):  # fmt: skip
        """Refit for every row of ``codes_rows``; yields (row index, logfc, t).

        logfc and t are proteins x pairs (t is None when ``moderate`` is False). With
        complete data a block of refits shares one matrix product: only the group
        columns of X'WY change between relabellings, and among them only the groups whose
        members changed, so a permutation of two groups' labels costs one pass over the
        data (the other group's sum follows from the total, which is zero once proteins are
        centred). Centring leaves contrasts and residuals unchanged because the group
        columns span the constant. Rows whose groups differ from the block's, or data with
        missing values, take the single-refit path (QR, or lm_fit's masked solve).
        ``progress`` (a ``proteosig.progress.Progress``) advances by each block's rows.
        """
        codes_rows = np.asarray(codes_rows)
        n_codes = int(codes_rows.max(initial=0)) + 1
        for start in range(0, len(codes_rows), block):
            stop = min(start + block, len(codes_rows))
            codes = codes_rows[start:stop]
            w = None if weights is None else np.asarray(weights[start:stop], dtype=float)
            sizes = _group_sizes(codes, w, n_codes)  # rows x codes (weighted counts)
            present = np.flatnonzero(sizes[0] > 0)
            if not (self.complete and ((sizes > 0) == (sizes[0] > 0)).all()):
                for i in range(start, stop):
                    yield (i, *self._fit_one(codes_rows[i], pairs, weights, i, moderate))
            else:
                logfc, t = self._fit_block(codes, w, present, sizes[:, present], pairs, moderate)
                for i in range(len(codes)):
                    yield start + i, logfc[i], (None if t is None else t[i])
            if progress is not None:
                progress.advance(stop - start)

    def freedman_lane(self, targets, pool, pairs, *, block: int = 64, progress=None):
        """Permutation refits that keep the covariates' design: Freedman and Lane (1983).

        Under H0 the samples at positions ``pool`` form one group. The reduced model (the
        design with those samples' groups merged) is fitted once; each row of ``targets``
        (permutations x pool size, sample positions) moves the residual of ``pool[j]`` to
        position ``targets[r, j]``, adds back the reduced model's fitted values, and the
        full model is refitted with the original design. Yields (row index, logfc, t) as
        :meth:`fit_many` does.

        Why not relabel the samples: a relabelled sample takes its covariates along, so
        cases 10 years older than their controls lose their age gap in the null, while the
        observed signatures keep it and, with it, the error of the age slope they share.
        Here every refit has the observed design. Without covariates it is the
        relabelling: the pool's fitted values are its mean, so each refit is the observed
        data with the pool's samples moved (tested). Like every Freedman-Lane
        test it is approximate: the residuals outside the pool stay in place, so the
        shared slope's error varies somewhat less in the null than in the data
        (``benchmarks/similarity_power.py``, scenario "cases 10 years older").

        Complete data: X'X is the observed one, and only the pool's residual columns move,
        so a block of refits costs one product over the pool's samples and the varying
        design columns (their groups and the covariates). Missing values: one masked
        lmFit per refit, the residuals carrying their missing values with them.
        """
        targets = np.atleast_2d(np.asarray(targets))
        pool = np.asarray(pool)
        _, x, c = self._design(self.codes, pairs, None)
        reduced_codes = self.codes.copy()
        reduced_codes[pool] = self.codes.max() + 1
        x0 = self._design(reduced_codes, [], None)[1]
        if self.complete:
            yield from self._freedman_lane_block(x, x0, c, targets, pool, block, progress)
            return
        everyone = np.arange(len(self.names))
        reduced = lm_fit(self.expression, pd.DataFrame(x0, index=self.names).add_prefix("k"))
        fitted = reduced.coefficients @ x0.T  # proteins x samples, also where y is missing
        residuals = self.values - fitted
        for i, moved in enumerate(targets):
            y = self.values.copy()
            y[:, moved] = fitted[:, moved] + residuals[:, pool]
            expression = pd.DataFrame(y, index=self.proteins, columns=self.names)
            yield i, *_moderated(*self._fit_masked(x, c, everyone, expression))
            if progress is not None:
                progress.advance(1)

    def _freedman_lane_block(self, x, x0, c, targets, pool, block, progress):
        """Complete-data Freedman-Lane refits, a block at a time (see freedman_lane)."""
        y = self.values
        # the reduced fit (normal equations: a handful of columns, full rank as a merge
        # of the full design's). Its fitted values lie in the full design's span, so their
        # full-model coefficients are exact, read from X'X0 without touching the samples,
        # and their residuals are zero
        coef0 = np.linalg.solve(x0.T @ x0, x0.T @ y.T).T  # proteins x reduced columns
        inverse = np.linalg.inv(x.T @ x)
        base_logfc = coef0 @ (x0.T @ x) @ inverse @ c  # proteins x pairs
        outside = np.ones(x.shape[0])
        outside[pool] = 0.0
        x_outside = x * outside[:, None]
        # residuals a slice of proteins at a time: only the pool's are kept (at 50,000
        # samples a full proteins x samples copy is 1.1 GB, and two reversal jobs run at once)
        resid_pool = np.empty((y.shape[0], pool.size))
        fixed_xty = np.empty((y.shape[0], x.shape[1]))  # proteins x p, outside the pool
        total = np.empty(y.shape[0])
        for lo in range(0, y.shape[0], 256):
            residuals = y[lo : lo + 256] - coef0[lo : lo + 256] @ x0.T
            resid_pool[lo : lo + 256] = residuals[:, pool]
            fixed_xty[lo : lo + 256] = residuals @ x_outside
            total[lo : lo + 256] = np.einsum("ij,ij->i", residuals, residuals)
        moving = np.flatnonzero(np.abs(x[pool]).sum(axis=0) > 0)  # columns nonzero in pool
        x_moving = np.ascontiguousarray(x[:, moving])
        unscaled = np.sqrt(np.einsum("pk,pq,qk->k", c, inverse, c))
        df = float(x.shape[0] - x.shape[1])
        for start in range(0, len(targets), block):
            rows = targets[start : start + block]
            n_rep = rows.shape[0]
            # residual column pool[j] sits at row targets[r, j] of the design
            varying = x_moving[rows.T].reshape(pool.size, -1)
            sums = (resid_pool @ varying).reshape(y.shape[0], n_rep, moving.size)
            xty = np.broadcast_to(fixed_xty, (n_rep, *fixed_xty.shape)).copy()
            xty[:, :, moving] += sums.transpose(1, 0, 2)
            coef = xty @ inverse  # replicates x proteins x p
            logfc = base_logfc[None] + coef @ c
            rss = np.maximum(total[None, :] - np.sum(coef * xty, axis=2), 0.0)
            s2_post = squeeze_var_rows(rss / df, df)
            with np.errstate(invalid="ignore", divide="ignore"):
                t = logfc / unscaled[None, None, :] / np.sqrt(s2_post)[:, :, None]
            for i in range(n_rep):
                yield start + i, logfc[i], t[i]
            if progress is not None:
                progress.advance(n_rep)

    def _fit_one(self, codes, pairs, weights, i, moderate):
        rows = None
        if weights is not None:
            rows = np.repeat(np.arange(len(codes)), np.asarray(weights[i]).astype(int))
            codes = codes[rows]
        if moderate:
            return self.signatures(codes, pairs, rows)
        return self.logfc(codes, pairs, rows), None

    def _sufficient(self):
        """Centred values and the fixed parts of X'Y, computed once per refitter."""
        if not hasattr(self, "_centred"):
            y = self.values
            self._centred = y - y.mean(axis=1, keepdims=True)
            self._total = np.einsum("ij,ij->i", self._centred, self._centred)
            self._cov_sums = self._centred @ self.covariates  # proteins x covariates
        return self._centred

    def _fit_block(self, codes, w, present, sizes, pairs, moderate):
        """logfc (block x proteins x pairs) and t of a block of same-group relabellings.

        Group indicators are built only for the groups whose members changed (one for a
        permutation of two groups' labels); sizes and group x covariate sums come from
        weighted counts, so no replicates x samples x groups array is formed.
        """
        y = self._sufficient()
        n_rep, n = codes.shape
        n_prot, k = y.shape[0], present.size
        cov = self.covariates
        p = k + cov.shape[1]
        index = np.searchsorted(present, codes)  # R x n: position of each code in present
        xty = np.empty((n_rep, n_prot, p))  # X'WY, replicate-major for batched products
        xtx = np.zeros((n_rep, p, p))
        xtx[:, np.arange(k), np.arange(k)] = sizes
        weight = np.ones((n_rep, n)) if w is None else w
        flat = (index + k * np.arange(n_rep)[:, None]).ravel()
        for c in range(cov.shape[1]):  # group x covariate sums, weighted, by bincount
            sums = np.bincount(flat, weights=(weight * cov[:, c]).ravel(), minlength=n_rep * k)
            xtx[:, :k, k + c] = xtx[:, k + c, :k] = sums.reshape(n_rep, k)
        if w is None:
            base = np.searchsorted(present, self.codes)
            moved = index != base[None, :]
            changed = np.unique(
                np.concatenate([index[moved], np.broadcast_to(base, index.shape)[moved]])
            )
            for g in set(range(k)) - set(changed.tolist()):
                xty[:, :, g] = y @ (base == g).astype(float)
            if changed.size:
                computed = changed[:-1]
                if computed.size:
                    columns = (index.T[:, :, None] == computed[None, None, :]).astype(float)
                    sums = (y @ columns.reshape(n, -1)).reshape(n_prot, n_rep, computed.size)
                    xty[:, :, computed] = sums.transpose(1, 0, 2)
                # centred rows sum to zero: the last changed group is minus all the others
                others = [g for g in range(k) if g != changed[-1]]
                xty[:, :, changed[-1]] = -xty[:, :, others].sum(axis=2)
            xty[:, :, k:] = self._cov_sums[None, :, :]
            xtx[:, k:, k:] = cov.T @ cov
            yty = np.broadcast_to(self._total, (n_rep, n_prot))
            n_used = np.full(n_rep, float(n))
        else:
            design = np.empty((n, n_rep, p))  # W X for every replicate, samples first
            design[:, :, :k] = (index.T[:, :, None] == np.arange(k)[None, None, :]) * w.T[
                :, :, None
            ]
            design[:, :, k:] = w.T[:, :, None] * cov[:, None, :]
            xty[:] = (y @ design.reshape(n, -1)).reshape(n_prot, n_rep, p).transpose(1, 0, 2)
            xtx[:, k:, k:] = np.einsum("rn,nc,nd->rcd", w, cov, cov, optimize=True)
            yty = np.empty((n_rep, n_prot))
            for lo in range(0, n_prot, 256):  # squares in slices: no full-size copy
                yty[:, lo : lo + 256] = (np.square(y[lo : lo + 256]) @ w.T).T
            n_used = w.sum(axis=1)
        inverse = np.linalg.inv(xtx)
        coef = xty @ inverse  # R x proteins x p (X'X is symmetric)
        c = _pair_contrasts(present, pairs, p)
        logfc = coef @ c
        if not moderate:
            return logfc, None
        rss = np.maximum(yty - np.sum(coef * xty, axis=2), 0.0)
        df = n_used - p
        s2_post = np.empty_like(rss)
        for value in np.unique(df):  # squeeze_var_rows takes one residual df per call
            same_df = df == value
            s2_post[same_df] = squeeze_var_rows(rss[same_df] / value, float(value))
        unscaled = np.sqrt(np.einsum("pk,rpq,qk->rk", c, inverse, c))
        with np.errstate(invalid="ignore", divide="ignore"):
            t = logfc / unscaled[:, None, :] / np.sqrt(s2_post)[:, :, None]
        return logfc, t

    def logfc(self, codes, pairs, rows=None):
        """Only the contrasts' logFC (proteins x pairs): no variance moderation, so a
        permutation costs one least-squares solve."""
        rows, x, c = self._design(codes, pairs, rows)
        fit = self._fit_complete if self.complete else self._fit_masked
        return fit(x, c, rows)[0]

    def _design(self, codes, pairs, rows):
        """(rows, design: one-hot groups + covariates, contrast matrix of the code pairs)."""
        rows = np.arange(len(self.names)) if rows is None else np.asarray(rows)
        present = np.unique(codes)
        one_hot = (codes[:, None] == present[None, :]).astype(float)
        x = np.column_stack([one_hot, self.covariates[rows]])
        return rows, x, _pair_contrasts(present, pairs, x.shape[1])

    def _fit_complete(self, x, c, rows):
        """lmFit + contrasts.fit for proteins without missing values: one QR, numpy only.

        The group columns span the constant, so RSS = |y - mean|^2 - |Q'(y - mean)|^2
        (as ``lm_fit``); contrast standard errors are sqrt(c'(X'X)^-1 c), which is what
        contrasts.fit gives when every protein uses every sample.
        """
        y = self.values[:, rows]
        q, r = np.linalg.qr(x)
        centred = y - y.mean(axis=1, keepdims=True)
        effects = centred @ q
        coefficients = np.linalg.solve(r, (y @ q).T).T
        rss = np.maximum(np.einsum("ij,ij->i", centred, centred)
                         - np.einsum("ij,ij->i", effects, effects), 0.0)  # fmt: skip
        df = x.shape[0] - x.shape[1]
        unscaled = np.sqrt(np.sum(np.linalg.solve(r.T, c) ** 2, axis=0))
        logfc = coefficients @ c
        return logfc, np.broadcast_to(unscaled, logfc.shape), rss / df, np.full(len(y), df)

    def _fit_masked(self, x, c, rows, expression=None):
        """The differential engine's lm_fit / contrasts_fit, for data with missing values
        (``expression``: other values for the same proteins and samples)."""
        names = [f"k{j}" for j in range(x.shape[1])]
        design = pd.DataFrame(x, index=pd.Index([self.names[r] for r in rows]), columns=names)
        contrasts = pd.DataFrame(c, index=names, columns=[f"c{k}" for k in range(c.shape[1])])
        values = self.expression if expression is None else expression
        fit = contrasts_fit(lm_fit(values, design), contrasts)
        return fit.coefficients, fit.stdev_unscaled, fit.sigma**2, fit.df_residual

    def metric(self, codes, pairs, metric, rows=None, top_n: int = DEFAULT_TOP_N) -> float:
        logfc, t = self.signatures(codes, pairs, rows)
        values = _shared(logfc[:, 0], logfc[:, 1], t[:, 0], t[:, 1])
        return _metric(metric, *values, top_n) if values[0].size >= 3 else np.nan


def _moderated(logfc, unscaled, sigma2, df) -> tuple[np.ndarray, np.ndarray]:
    """(logFC, moderated t) from a fit's contrasts: limma's default eBayes variances."""
    s2_post = np.asarray(squeeze_var(sigma2, df).var_post, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = logfc / unscaled / np.sqrt(s2_post)[:, None]
    return logfc, t


def metric_of_refits(batches, n: int, metric: str, top_n: int = DEFAULT_TOP_N) -> np.ndarray:
    """``metric`` of each of ``n`` refits yielded as (row, logfc, t) with two pairs."""
    out = np.empty(n)
    for index, logfc, t in batches:
        values = _shared(logfc[:, 0], logfc[:, 1], t[:, 0], t[:, 1])
        out[index] = _metric(metric, *values, top_n) if values[0].size >= 3 else np.nan
    return out


def _group_sizes(codes: np.ndarray, weights, n_codes: int) -> np.ndarray:
    """rows x codes: (weighted) number of samples with each code, by one bincount."""
    n_rep = codes.shape[0]
    flat = (codes + n_codes * np.arange(n_rep)[:, None]).ravel()
    totals = np.bincount(flat, None if weights is None else np.ravel(weights), n_rep * n_codes)
    return totals.reshape(n_rep, n_codes)


def independent_streams(seed: int, n: int) -> list[np.random.Generator]:
    """``n`` generators from one seed whose draws do not depend on each other (NumPy's
    ``SeedSequence.spawn``): each null gets its own, so that changing how many permutations
    one null draws leaves the others' draws, and their results, unchanged."""
    return [np.random.default_rng(child) for child in np.random.SeedSequence(seed).spawn(n)]


def pool_permutations(rng: np.random.Generator, pool: np.ndarray, n: int) -> np.ndarray:
    """``n`` permutations of the pooled sample positions (n x pool size), the ``targets``
    of :meth:`Refitter.freedman_lane`; drawn one by one, so the stream does not depend on
    how the refits are batched."""
    return np.array([rng.permutation(pool) for _ in range(n)]).reshape(n, len(pool))


def bootstrap_counts(rng: np.random.Generator, codes: np.ndarray, n: int) -> np.ndarray:
    """n x samples: how often each sample is drawn when resampling within its group."""
    members = [np.flatnonzero(codes == c) for c in np.unique(codes)]
    counts = np.zeros((n, codes.size), dtype=np.int64)
    for i in range(n):
        rows = np.concatenate([rng.choice(m, size=m.size, replace=True) for m in members])
        counts[i] = np.bincount(rows, minlength=codes.size)
    return counts


def _pair_contrasts(present: np.ndarray, pairs, n_columns: int) -> np.ndarray:
    """Design columns x pairs: +1 for each pair's case code, -1 for its control code."""
    c = np.zeros((n_columns, len(pairs)))
    for k, (case, control) in enumerate(pairs):
        c[np.searchsorted(present, case), k] = 1.0
        c[np.searchsorted(present, control), k] = -1.0
    return c


def _quantiles(values: np.ndarray) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return np.nan, np.nan
    low, high = np.quantile(finite, [0.025, 0.975])
    return float(low), float(high)


#: how the two directions' p make the pair's, per kind of metric (module docstring)
P_RULES = {"directional": "bonferroni_either_direction", "symmetric": "larger_of_two"}


def pair_p_value(metric: str, p_direction_a: float, p_direction_b: float) -> tuple[str, float]:
    """(rule, p) for a pair from its two directions' p-values (module docstring). For a
    directional metric a direction without a p is left out (the doubling stays); for a
    symmetric one the pair has no p unless both directions have one."""
    values = np.array([p_direction_a, p_direction_b], dtype=float)
    values = values[np.isfinite(values)]
    if metric in DIRECTIONAL_METRICS:
        rule = P_RULES["directional"]
        return rule, float(min(1.0, 2.0 * values.min())) if values.size else np.nan
    # "larger of two" is only a test with both: one direction alone is not it
    return P_RULES["symmetric"], float(values.max()) if values.size == 2 else np.nan


#: random halvings of the controls behind the protein null of a directional metric
TRANSFER_SPLITS = 50


def split_control_transfers(model: Refitter, top_n: int, n_splits: int, rng) -> tuple:
    """Case_a following case_b, the two signatures fitted apart on halves of the controls.

    For each random halving, case_a and one half of the controls are fitted as one model
    and case_b and the other half as another (then the halves swap): no sample and no
    coefficient (a covariate's slope, whose error would move both signatures the same
    way) is shared, so the selector's directions carry nothing of the follower's noise.
    Returns the follower's centred t (assignments x proteins; missing as 0, the median)
    and the selector's top proteins and their signs (assignments x top_n; a protein
    without t counts as 0 and, if selected at all, with sign 0).
    """
    codes = model.codes
    controls = np.flatnonzero(codes == 0)
    halves = []
    for _ in range(n_splits):
        order = rng.permutation(controls)
        halves.append((order[: controls.size // 2], order[controls.size // 2 :]))
    rows = np.tile(codes, (n_splits, 1))

    def fit(case_code: int, half: int) -> tuple[np.ndarray, np.ndarray]:
        """(logFC, t), splits x proteins, of case vs one control half, alone in a model."""
        weights = np.zeros(rows.shape)
        weights[:, codes == case_code] = 1.0
        for i, pair_of_halves in enumerate(halves):
            weights[i, pair_of_halves[half]] = 1.0
        logfc = np.empty((n_splits, model.values.shape[0]))
        t = np.empty_like(logfc)
        # left-out samples (weight 0) are labelled controls so that no group goes empty
        labelled = np.where(weights > 0, rows, 0)
        for i, fc, tt in model.fit_many(labelled, [(case_code, 0)], weights=weights):
            logfc[i], t[i] = fc[:, 0], tt[:, 0]
        return logfc, t

    follower, selected, signs = [], [], []
    for follower_half in (0, 1):
        fc_a, t_a = fit(1, follower_half)
        _, t_b = fit(2, 1 - follower_half)
        centred = centred_t(fc_a, t_a)
        follower.append(np.where(np.isfinite(centred), centred, 0.0))
        t_b = np.where(np.isfinite(t_b), t_b, 0.0)
        top = np.argsort(-np.abs(t_b), axis=1, kind="stable")[:, :top_n]
        selected.append(top)
        signs.append(np.sign(np.take_along_axis(t_b, top, axis=1)))
    return np.vstack(follower), np.vstack(selected), np.vstack(signs)


def protein_clusters(model: Refitter, proteins: np.ndarray, min_r: float = 0.5) -> np.ndarray:
    """Cluster label per protein: ``proteins`` grouped by within-group correlation.

    Average-linkage clusters of 1 - |r| cut at 1 - ``min_r``, r the correlation of the
    proteins' values after removing each group's mean; every other protein is its own
    cluster. Co-regulated proteins (a chemokine module) then share one random direction
    in :func:`protein_null`.
    """
    labels = np.arange(model.values.shape[0])
    proteins = np.unique(proteins)
    if proteins.size < 2:
        return labels
    values = model.values[proteins]
    centred = values.copy()
    with warnings.catch_warnings():  # a group without any value of a protein: NaN, then 0
        warnings.simplefilter("ignore", RuntimeWarning)
        for code in np.unique(model.codes):
            members = model.codes == code
            centred[:, members] -= np.nanmean(values[:, members], axis=1, keepdims=True)
    centred = np.where(np.isfinite(centred), centred, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.corrcoef(centred)
    distance = 1.0 - np.abs(np.nan_to_num(r, nan=0.0))
    np.fill_diagonal(distance, 0.0)
    from scipy.cluster.hierarchy import fcluster, linkage  # scipy.cluster is slow to import
    from scipy.spatial.distance import squareform

    tree = linkage(squareform(np.clip(distance, 0.0, None), checks=False), method="average")
    groups = fcluster(tree, t=1.0 - min_r, criterion="distance")
    labels[proteins] = labels.size + groups  # past every singleton label
    return labels


def protein_null(follower, selected, signs, n_permutations: int, rng, clusters=None) -> dict:
    """Does the follower move the selector's top proteins the selector's way, or anyway?

    The statistic is the mean over assignments of the follower's signed centred t on the
    selector's top proteins. The null flips the selector's direction at random, one sign
    per cluster of correlated proteins (``clusters``: a label per protein; default every
    protein its own), shared by every assignment: it keeps the follower's values on
    exactly those proteins, its own effects included, and asks whether their directions
    agree with the selector's more than chance. (Relabelling proteins instead would
    compare the top proteins with random ones, whose moderated variances differ: the top
    of a list ranked by |t| holds the proteins whose shared variance estimate came out
    small, where the follower's |t| is larger too; that null rejected 8.8 % of 400
    cohorts without any effect.) NaN when the statistic cannot be computed.
    """
    rows = np.arange(follower.shape[0])[:, None]
    values = signs * follower[rows, selected]
    observed = float(np.mean(values))
    if not np.isfinite(observed):
        return {"observed": np.nan, "null_mean": np.nan, "p_value": np.nan}
    labels = np.arange(follower.shape[1]) if clusters is None else np.asarray(clusters)
    _, cluster = np.unique(labels, return_inverse=True)
    null = np.empty(n_permutations)
    for i in range(n_permutations):
        flips = rng.choice(np.array([-1.0, 1.0]), cluster.max() + 1)[cluster]
        null[i] = np.mean(values * flips[selected])
    p_value = (1 + np.sum(null >= observed - 1e-12)) / (1 + n_permutations)
    return {"observed": observed, "null_mean": float(null.mean()), "p_value": float(p_value)}


def _fixed_set_transfers(model: Refitter, codes_rows, weights, shared, selected, signs,
                         progress):  # fmt: skip
    """``transfer_t`` of each refit over a fixed selector top set (the observed one).

    ``shared``: the proteins the observed value was computed over (finite in both
    signatures), so that the follower is centred on the same proteins' median and a
    resample drawing every sample once gives the observed value; ``selected`` indexes them.
    """
    out = np.empty(len(codes_rows))
    for i, logfc, t in model.fit_many(codes_rows, [(1, 0), (2, 0)], weights=weights,
                                      progress=progress):  # fmt: skip
        out[i] = transfer_over(logfc[shared, 0], t[shared, 0], selected, signs)
    return out


def signature_similarity(
    matrix: pd.DataFrame,
    samples: pd.DataFrame,
    *,
    case_a: str,
    case_b: str,
    control: str,
    covariates: list[str],
    formula: str | None = None,
    factors: list[str] = (),
    n_permutations: int = 1000,
    n_bootstrap: int = 200,
    seed: int,
    metric: str = "transfer_t",
    null: str = "case_control",
    baseline: str | None = None,
    n_splits: int = 100,
    top_n: int = DEFAULT_TOP_N,
) -> dict:
    """Similarity of ``<case_a>_vs_<control>`` and ``<case_b>_vs_<control>`` with its null.

    Parameters
    ----------
    matrix
        Samples x proteins (the analysis matrix); rows match ``samples['sample_id']``.
    samples
        ``sample_id``, ``group`` and the covariate columns. Every group present stays in
        the model (as in the differential stage); only case_a/case_b/control are permuted.
    formula, factors
        Main-effects model formula, default ``~ 0 + group + <covariates>``, and the
        covariates to treat as categorical even when numeric-coded (``samples: factors``).
    n_permutations, null
        Null replicates and scheme (``"case_control"`` default, or ``"case_labels"``; see
        the module docstring for what each H0 is). p = (1 + #null >= observed) /
        (1 + n_permutations), one-sided for similarity above the null.
    n_bootstrap
        Resamples of samples within each group (with replacement) for the percentile
        95 % interval of ``metric``; 0 skips it.
    seed
        Seeds one ``numpy.random.Generator``; identical inputs give identical results.
    metric, top_n
        One of ``METRICS``; used for the null, the p-value, the interval and the baseline.
        ``transfer_t`` is directional: case_a's signature following case_b's top proteins
        (the null permutes case_a, the response). ``top_n``: proteins per signature in
        ``top_concordance_t`` and ``transfer_t``.
    baseline, n_splits
        ``"split_controls"`` adds the mean (and 2.5/97.5 % quantiles) of ``metric`` over
        ``n_splits`` random halvings of the controls, case_a vs one half and case_b vs the
        other: the similarity without the shared-control artefact.

    Returns
    -------
    dict with ``observed`` (all metrics), ``observed_value`` (``metric``), ``null_mean``
    (the baseline the observed value is compared with), ``null_q025``/``null_q975``,
    ``p_value``, ``ci_low``/``ci_high``, the split-controls baseline when requested,
    ``null_distribution``/``bootstrap_distribution`` arrays and ``params``.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; expected one of {METRICS}")
    if int(top_n) < 1:
        raise ValueError(f"top_n must be at least 1, got {top_n}")
    if null not in NULLS:
        raise ValueError(f"unknown null {null!r}; expected one of {NULLS}")
    if baseline not in (None, "split_controls"):
        raise ValueError("baseline must be None or 'split_controls'")
    formula = formula or default_formula(list(covariates))
    groups = samples.set_index(samples["sample_id"].astype(str))["group"].astype(str)
    groups = groups.loc[matrix.index.astype(str)]
    for name in (case_a, case_b, control):
        if (groups == name).sum() < 2:
            raise InputError(
                "similarity",
                f"group {name!r} has fewer than 2 samples in the matrix",
                fix="choose groups with analysed samples",
            )
    others = sorted(set(groups) - {case_a, case_b, control})
    levels = [control, case_a, case_b, *others]
    contrast_a = f"{safe_name(case_a)}_vs_{safe_name(control)}"
    contrast_b = f"{safe_name(case_b)}_vs_{safe_name(control)}"

    moderated = fit_model(
        matrix,
        samples,
        settings=ModelSettings(formula=formula),
        group_levels=levels,
        control_group=control,
        covariates=list(covariates),
        factors=list(factors),
    )
    table_a = top_table(moderated, contrast_a)
    table_b = top_table(moderated, contrast_b)
    observed = similarity_metrics(
        table_a["logFC"], table_b["logFC"], table_a["t"], table_b["t"], top_n=top_n
    )
    value = observed[metric]

    streams = independent_streams(seed, 5)
    permutation_rng, bootstrap_rng, split_rng, protein_rng, halving_rng = streams
    directional = metric in DIRECTIONAL_METRICS
    model = Refitter(matrix, samples, levels, formula, factors)
    codes = model.codes
    pairs = [(1, 0), (2, 0)]
    pooled_codes = (1, 0) if null == "case_control" else (1, 2)
    pool = np.flatnonzero(np.isin(codes, pooled_codes))
    label = f"{contrast_a} ~ {contrast_b}"
    refits = model.freedman_lane(
        pool_permutations(permutation_rng, pool, n_permutations), pool, pairs,
        progress=Progress(f"{label}: permutations", n_permutations),
    )  # fmt: skip
    null_values = metric_of_refits(refits, n_permutations, metric, top_n)
    finite = null_values[np.isfinite(null_values)]
    p_labels = (1 + np.sum(finite >= value)) / (1 + finite.size) if finite.size else np.nan
    null_low, null_high = _quantiles(null_values)
    proteins = {"observed": np.nan, "null_mean": np.nan, "p_value": np.nan}
    p_value = p_labels
    if directional:
        # The label null is exact when case_a has no effects; with effects of its own that
        # land on case_b's top proteins by chance it is not (they are fixed in the observed
        # value and gone from the null). The protein null keeps them: both must reject.
        follower, selected, signs = split_control_transfers(
            model, top_n, TRANSFER_SPLITS, halving_rng
        )
        clusters = protein_clusters(model, selected[signs != 0])
        proteins = protein_null(follower, selected, signs, n_permutations, protein_rng, clusters)
        # a direction that cannot be tested on both nulls has no p
        p_value = np.nan if np.isnan(proteins["p_value"]) else max(p_labels, proteins["p_value"])

    counts = bootstrap_counts(bootstrap_rng, codes, n_bootstrap)
    boot_rows = np.tile(codes, (n_bootstrap, 1))
    boot_progress = Progress(f"{label}: bootstrap", n_bootstrap)
    if directional:
        # resampled with the observed top set held fixed: a resample that picked its own
        # top proteins would pick the ones its noise favours, and the interval would sit
        # above the observed value
        vectors = [tb[c].to_numpy(dtype=float) for tb in (table_a, table_b) for c in ("logFC", "t")]
        shared = np.logical_and.reduce([np.isfinite(v) for v in vectors])
        b_t = vectors[3][shared]
        selected = _top(b_t, top_n)
        boot = _fixed_set_transfers(
            model, boot_rows, counts, shared, selected, np.sign(b_t[selected]), boot_progress
        )
    else:
        boot = model.metric_many(
            boot_rows, pairs, metric, weights=counts, top_n=top_n, progress=boot_progress
        )
    ci_low, ci_high = _quantiles(boot)

    result = {
        "contrast_a": contrast_a,
        "contrast_b": contrast_b,
        "metric": metric,
        "observed": observed,
        "observed_value": value,
        "null": null,
        "null_mean": float(np.mean(finite)) if finite.size else np.nan,
        "null_q025": null_low,
        "null_q975": null_high,
        "p_value": float(p_value),
        "p_labels": float(p_labels),
        "split_transfer": proteins["observed"],
        "protein_null_mean": proteins["null_mean"],
        "p_proteins": proteins["p_value"],
        "n_permutations": int(finite.size),
        "ci_low": ci_low,
        "ci_high": ci_high,
        "n_bootstrap": int(np.isfinite(boot).sum()),
        "null_distribution": null_values,
        "bootstrap_distribution": boot,
    }
    if baseline == "split_controls":
        controls = np.flatnonzero(codes == 0)
        half_code = len(levels)
        splits = np.tile(codes, (n_splits, 1))
        for i in range(n_splits):
            splits[i, split_rng.permutation(controls)[: controls.size // 2]] = half_code
        split_values = model.metric_many(
            splits, [(1, 0), (2, half_code)], metric, top_n=top_n,
            progress=Progress(f"{label}: control splits", n_splits),
        )  # fmt: skip
        result["split_controls_mean"] = float(np.nanmean(split_values))
        result["split_controls_q025"], result["split_controls_q975"] = _quantiles(split_values)
        result["split_controls_distribution"] = split_values
    result["params"] = {
        "case_a": case_a,
        "case_b": case_b,
        "control": control,
        "covariates": list(covariates),
        "formula": formula,
        "factors": list(factors),
        "group_levels": levels,
        "n_permutations": n_permutations,
        "n_bootstrap": n_bootstrap,
        "seed": seed,
        "metric": metric,
        "top_n": top_n,
        "null": null,
        "baseline": baseline,
        "n_splits": n_splits if baseline else None,
        "moderation": "eBayes (trend=False, robust=False)",
    }
    return result


#: proteins per correlated module in ``simulate_cohort(module_r=...)``
MODULE_SIZE = 10


def simulate_cohort(
    rng: np.random.Generator,
    *,
    n_per_group: int = 15,
    n_proteins: int = 200,
    effect_a=None,
    effect_b=None,
    age_effect: float = 0.02,
    sd_spread: float = 0.0,
    age_gap: float = 0.0,
    module_r: float = 0.0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Groups HC, A, B with Gaussian NPX, an age covariate and optional planted effects.

    ``effect_a``/``effect_b`` are per-protein mean shifts (length ``n_proteins``) or None.
    ``sd_spread`` > 0 gives each protein its own SD, exp(sd_spread * N(0, 1)), as assays
    differ in an Olink panel (effects stay in NPX). ``age_gap``: the cases are that many
    years older than the controls on average. ``module_r`` > 0: proteins in modules of
    ``MODULE_SIZE`` consecutive ones, correlated ``module_r`` within a module. Returns
    (matrix samples x proteins, samples with sample_id/group/age).
    """
    groups = np.repeat(["HC", "A", "B"], n_per_group)
    age = rng.uniform(20, 70, groups.size) + np.where(groups == "HC", -0.5, 0.5) * age_gap
    values = rng.normal(0.0, 1.0, (groups.size, n_proteins))
    if module_r:
        modules = np.arange(n_proteins) // MODULE_SIZE
        shared = rng.standard_normal((groups.size, modules.max() + 1))[:, modules]
        values = np.sqrt(module_r) * shared + np.sqrt(1.0 - module_r) * values
    values += age[:, None] * age_effect * rng.normal(0, 1, n_proteins)[None, :]
    if sd_spread:
        values *= np.exp(sd_spread * rng.standard_normal(n_proteins))[None, :]
    for name, effect in (("A", effect_a), ("B", effect_b)):
        if effect is not None:
            values[groups == name] += np.asarray(effect, dtype=float)[None, :]
    ids = [f"S{i:03d}" for i in range(groups.size)]
    matrix = pd.DataFrame(values, index=ids, columns=[f"P{j:03d}" for j in range(n_proteins)])
    samples = pd.DataFrame({"sample_id": ids, "group": groups, "age": age})
    return matrix, samples


def null_calibration(
    n_cohorts: int,
    *,
    n_per_group: int = 15,
    n_proteins: int = 200,
    n_permutations: int = 199,
    seed: int = 0,
    metric: str = "transfer_t",
    null: str = "case_control",
    alpha: float = 0.05,
    distinct_effects: bool = False,
    shift_a: float = 0.0,
    independent_effects: float = 0.0,
    sd_spread: float = 0.0,
    both_directions: bool = False,
    age_gap: float = 0.0,
    module_r: float = 0.0,
    module_effects: float = 0.0,
) -> dict:
    """False-positive rate of the null on cohorts simulated without shared biology.

    Each cohort has no disease effect, or:

    - ``distinct_effects``: A and B each shift 10 % of proteins by 1, disjoint sets;
      with ``shift_a``, B's shifts all go up and A is also shifted by ``shift_a`` on every
      protein (a technical artefact);
    - ``independent_effects`` (a fraction): A and B each shift that fraction of proteins
      by 1 with random signs, drawn independently, so their sets overlap by chance;
    - ``sd_spread``: proteins with their own SDs (``simulate_cohort``), effects in NPX;
    - ``age_gap``: cases older than controls (age moves every protein a little);
    - ``module_r``: correlated protein modules (``simulate_cohort``); ``module_effects``
      (a fraction): A and B each move that fraction of modules, whole, by 1 with random
      signs, drawn independently.

    Every rejection at ``alpha`` is a false positive. ``p_values`` are case_a's direction
    (``label_p_values`` and ``protein_p_values`` its two nulls' for a directional metric);
    with ``both_directions`` the other direction is tested too and ``pair_p_values`` /
    ``pair_fpr`` are the pair's, as the stage combines them (``pair_p_value``).
    Returns the p-values, the naive observed similarities, the FPR and its exact binomial
    95 % interval.
    """
    rng = np.random.default_rng(seed)
    p_values = np.empty(n_cohorts)
    naive = np.empty(n_cohorts)
    pair_p = np.full(n_cohorts, np.nan)
    components = np.full((n_cohorts, 2), np.nan)  # the label and protein nulls' p
    for i in range(n_cohorts):
        effect_a = effect_b = None
        if distinct_effects:
            chosen = rng.permutation(n_proteins)[: 2 * (n_proteins // 10)]
            effect_a, effect_b = np.zeros(n_proteins), np.zeros(n_proteins)
            effect_a[chosen[: n_proteins // 10]] = rng.choice([-1.0, 1.0], n_proteins // 10)
            effect_b[chosen[n_proteins // 10 :]] = rng.choice([-1.0, 1.0], n_proteins // 10)
            if shift_a:
                effect_a, effect_b = effect_a + shift_a, np.abs(effect_b)
        if independent_effects:
            effect_a, effect_b = (
                np.where(rng.random(n_proteins) < independent_effects,
                         rng.choice([-1.0, 1.0], n_proteins), 0.0)
                for _ in range(2)
            )  # fmt: skip
        if module_effects:
            modules = np.arange(n_proteins) // MODULE_SIZE
            effect_a, effect_b = (
                np.where(rng.random(modules.max() + 1) < module_effects,
                         rng.choice([-1.0, 1.0], modules.max() + 1), 0.0)[modules]
                for _ in range(2)
            )  # fmt: skip
        matrix, samples = simulate_cohort(
            rng, n_per_group=n_per_group, n_proteins=n_proteins, effect_a=effect_a,
            effect_b=effect_b, sd_spread=sd_spread, age_gap=age_gap, module_r=module_r,
        )  # fmt: skip
        common = dict(
            control="HC", covariates=["age"], n_permutations=n_permutations, n_bootstrap=0,
            seed=int(rng.integers(2**31)), metric=metric, null=null,
        )  # fmt: skip
        result = signature_similarity(matrix, samples, case_a="A", case_b="B", **common)
        p_values[i] = result["p_value"]
        components[i] = result["p_labels"], result["p_proteins"]
        naive[i] = result["observed"]["pearson_logfc"]
        if both_directions:
            other = signature_similarity(matrix, samples, case_a="B", case_b="A", **common)
            pair_p[i] = pair_p_value(metric, result["p_value"], other["p_value"])[1]
    rejections = int(np.sum(p_values < alpha))
    from scipy import stats

    interval = stats.binomtest(rejections, n_cohorts).proportion_ci(confidence_level=0.95)
    pairs = {}
    if both_directions:
        pairs = {"pair_p_values": pair_p, "pair_fpr": float(np.mean(pair_p < alpha))}
    return {
        **pairs,
        "p_values": p_values,
        "label_p_values": components[:, 0],
        "protein_p_values": components[:, 1],
        "naive_pearson_logfc": naive,
        "fpr": rejections / n_cohorts,
        "fpr_ci": (float(interval.low), float(interval.high)),
        "n_cohorts": n_cohorts,
        "alpha": alpha,
        "null": null,
        "metric": metric,
    }
